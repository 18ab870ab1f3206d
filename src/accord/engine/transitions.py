"""The transition model of the forecast: level-to-level moves pooled along the framework tree.

See accord.engine.forecast for the whole account.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .framework import FloatArray, Framework, IntArray
from .scoring import RatingVector

History = Sequence[tuple[dt.date, RatingVector]]
BoolArray = npt.NDArray[np.bool_]

MIN_HISTORY = 3
"""Evaluations with joint ratings needed before anything is forecast (two observed moves)."""
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)

_BITS = 8  # a level is drawn by table look-up on the top 8 bits of a 32-bit uniform,
_SHIFT = 32 - _BITS  # and by exact comparison when a threshold falls inside that bin
_BIN = 1 << _SHIFT
_NBINS = 1 << _BITS
_ONE = 1 << 32
_BATCH_ELEMENTS = 500_000  # paths x standards per batch: keeps the arrays in cache
PATHS_PER_DRAW = 10  # paths sharing one posterior draw of the matrices


@dataclass(frozen=True)
class Prior:
    """The base prior over moves and the pooling concentrations, all in pseudo-moves."""

    strength: float = 2.0  # base prior per row (per scale, framework level)
    stay: float = 3.0  # relative weight of staying at the same level
    step: float = 1.0  # ... of moving one level up, and of moving one level down
    jump: float = 0.2  # ... of each move by two levels or more
    condition: float = 8.0  # framework posterior -> condition prior
    field: float = 4.0  # condition posterior -> field prior


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True, eq=False)
class TransitionModel:
    """Observed moves per field and scale, and the pooled Dirichlet posterior over them."""

    prior: Prior
    scales: tuple[str, ...]
    sizes: IntArray  # levels per scale
    std_scale: IntArray  # per standard: scale id
    std_field: IntArray  # per standard: field id
    field_condition: IntArray
    alpha0: FloatArray  # (S, K, K) base prior
    counts: FloatArray  # (F, S, K, K) observed moves
    moves: int

    @property
    def kmax(self) -> int:
        return int(self.sizes.max())

    def _chain(self, fields: IntArray, scales: IntArray) -> tuple[FloatArray, ...]:
        """Per (field, scale) block: the framework's Dirichlet parameters without the field's
        condition, the condition's moves without the field, the field's moves, and the two
        concentrations (capped by what the broader level knows, see `docs/forecast.md`)."""
        n_c = np.zeros((int(self.field_condition.max()) + 1, *self.counts.shape[1:]))
        np.add.at(n_c, self.field_condition, self.counts)
        conds = self.field_condition[fields]
        cnt = self.counts[fields, scales]
        a_g = self.alpha0[scales] + n_c.sum(axis=0)[scales] - n_c[conds, scales]
        n_cf = n_c[conds, scales] - cnt
        k_c = np.minimum(self.prior.condition, a_g.sum(axis=-1, keepdims=True))
        k_f = np.minimum(self.prior.field, k_c + n_cf.sum(axis=-1, keepdims=True))
        return a_g, n_cf, cnt, k_c, k_f

    def mean(self, fields: IntArray, scales: IntArray) -> FloatArray:
        """Posterior mean matrix of each (field, scale) block, shape (B, K, K).

        Exact: the mean of a Dirichlet is linear in its parameters, so the chain of means is
        the mean of the chain.
        """
        a_g, n_cf, cnt, k_c, k_f = self._chain(fields, scales)
        return _normalise(k_f * _normalise(k_c * _normalise(a_g) + n_cf) + cnt)

    def draw(
        self, rng: np.random.Generator, draws: int, fields: IntArray, scales: IntArray
    ) -> FloatArray:
        """`draws` matrices from the posterior for each (field, scale) block, (D, B, K, K).

        Blocks of one condition and scale share the framework-level draw."""
        a_g, n_cf, cnt, k_c, k_f = self._chain(fields, scales)
        key = self.field_condition[fields] * len(self.scales) + scales
        _, first, which = np.unique(key, return_index=True, return_inverse=True)
        g = _dirichlet(rng, np.broadcast_to(a_g[first], (draws, *a_g[first].shape)))
        c = _dirichlet(rng, k_c * g[:, which.reshape(-1)] + n_cf)
        return _dirichlet(rng, k_f * c + cnt)


def _normalise(a: FloatArray) -> FloatArray:
    total = a.sum(axis=-1, keepdims=True)
    out: FloatArray = np.divide(a, total, out=np.zeros_like(a), where=total > 0)
    return out


def _dirichlet(rng: np.random.Generator, alpha: FloatArray) -> FloatArray:
    """Dirichlet draws along the last axis; padding rows (all zero) stay zero."""
    alpha = np.maximum(alpha, 0.0)
    g = rng.gamma(alpha)
    total = g.sum(axis=-1, keepdims=True)
    out: FloatArray = np.divide(g, total, out=np.zeros_like(g), where=total > 0)
    # all-tiny parameters can underflow to zero: fall back to the row's mean
    lost = (total[..., 0] == 0) & (alpha.sum(axis=-1) > 0)
    if lost.any():
        out[lost] = _normalise(alpha)[lost]
    return out


def _levels(history: History) -> IntArray:
    return np.stack([v.level for _, v in history]).astype(np.int64)


def estimate(fw: Framework, history: History, prior: Prior = Prior()) -> TransitionModel:
    """Count the moves between consecutive evaluations (both rated) and set up the prior."""
    ix = fw.index
    scales = tuple(sorted(ix.level_values))
    sid = {code: i for i, code in enumerate(scales)}
    sizes = np.array([len(ix.level_values[s]) for s in scales], dtype=np.int64)
    kmax = int(sizes.max())
    std_scale = np.array([sid[s] for s in ix.std_scale], dtype=np.int64).reshape(-1)
    alpha0 = np.zeros((len(scales), kmax, kmax))
    for s, k in enumerate(sizes.tolist()):
        # one kernel for every row; moves that would leave the scale count as staying
        i, j = np.indices((k, k))
        w = np.where(i == j, 0.0, np.where(abs(i - j) == 1, prior.step, prior.jump))
        total = prior.stay + 2 * prior.step + 2 * (k - 2) * prior.jump
        w[np.arange(k), np.arange(k)] = total - w.sum(axis=1)
        alpha0[s, :k, :k] = prior.strength * w / total
    counts = np.zeros((len(ix.field_codes), len(scales), kmax, kmax))
    moves = 0
    if len(history) >= 2:
        lv = _levels(history)
        a, b = lv[:-1], lv[1:]
        ok = (a >= 0) & (b >= 0)
        e, n = np.nonzero(ok)
        np.add.at(counts, (ix.std_field[n], std_scale[n], a[e, n], b[e, n]), 1.0)
        moves = int(ok.sum())
    return TransitionModel(
        prior, scales, sizes, std_scale, ix.std_field, ix.field_condition, alpha0, counts, moves
    )
