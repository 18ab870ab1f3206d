"""Monte Carlo paths of the forecast: set-up, threshold tables and the vectorised simulation."""

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from .framework import FloatArray, Framework, IntArray
from .scoring import NA, UNRATED, RatingVector
from .transitions import (
    _BATCH_ELEMENTS,
    _BIN,
    _BITS,
    _NBINS,
    _ONE,
    _SHIFT,
    PATHS_PER_DRAW,
    TransitionModel,
    _levels,
)

History = Sequence[tuple[dt.date, RatingVector]]
BoolArray = npt.NDArray[np.bool_]

# --------------------------------------------------------------------------- results


NodeKind = Literal["plan", "condition", "stage"]


@dataclass(frozen=True)
class NodeForecast:
    code: str
    kind: NodeKind
    title: str
    own_target: dt.date | None  # a stage's own target date (the plan's for the others)
    required: int  # applicable standards the node needs
    met_now: bool  # at the latest evaluation (with the start assumptions)
    met_since: dt.date | None  # start of the unbroken run of evaluations at which it is met
    probability_by_target: float | None  # by the plan's target date
    probability_by_own_target: float | None
    standard_error: float | None  # Monte Carlo standard error of probability_by_target
    own_target_observed: bool  # the own target date lies before the latest evaluation
    median: dt.date | None  # None: not met in most paths within the horizon
    p10: dt.date | None
    p90: dt.date | None


@dataclass(frozen=True)
class StandardForecast:
    code: str
    title: str
    condition: str
    field: str
    threshold: str
    start: str | None  # the level it starts from (None: not applicable)
    assumed: str | None  # why the start is an assumption, when it is one
    not_applicable: bool
    probability_by_target: float | None  # met at some evaluation up to the target date
    probability_at_target: float | None  # met at the last evaluation up to the target date
    blocks: tuple[str, ...]  # stages requiring it


@dataclass(frozen=True)
class Risk:
    code: str
    title: str
    probability_by_target: float
    probability_at_target: float
    impact: float  # gain in the plan's probability by the target if this standard were met
    blocks: tuple[str, ...]  # its condition and the stages requiring it


@dataclass(frozen=True)
class FanPoint:
    date: dt.date
    quantiles: tuple[float, float, float, float, float]  # p10, p25, p50, p75, p90


@dataclass(frozen=True)
class Forecast:
    enough_history: bool
    message: str
    method: str
    paths: int
    seed: int
    draws: int  # posterior draws of the matrices shared out over the paths
    evaluations_used: int
    moves: int  # observed moves the matrices rest on
    as_of: dt.date | None
    target_date: dt.date | None
    cadence_months: int
    horizon: dt.date | None  # last simulated evaluation
    plan: NodeForecast
    conditions: tuple[NodeForecast, ...]
    stages: tuple[NodeForecast, ...]
    standards: tuple[StandardForecast, ...]
    risks: tuple[Risk, ...]
    fan: tuple[FanPoint, ...]
    observed: tuple[tuple[dt.date, float | None], ...]  # plan score at each evaluation used


# --------------------------------------------------------------------------- set-up


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the end of a shorter month."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def starting_levels(history: History) -> tuple[IntArray, IntArray]:
    """Each standard's level at the latest evaluation, carried forward from its latest earlier
    rating when not rated then; and the index of the evaluation it comes from (-1: never)."""
    return _carried(_levels(history))


def _carried(lv: IntArray) -> tuple[IntArray, IntArray]:
    seen = lv != UNRATED
    last = np.where(seen.any(axis=0), lv.shape[0] - 1 - np.argmax(seen[::-1], axis=0), -1)
    start = np.where(last >= 0, lv[np.maximum(last, 0), np.arange(lv.shape[1])], 0)
    return start.astype(np.int64), last.astype(np.int64)


def _members(fw: Framework) -> list[tuple[str, NodeKind, str, IntArray]]:
    """Nodes (plan, conditions, stages) with the positions of their standards."""
    ix = fw.index
    n = len(ix.codes)
    std_cond = ix.field_condition[ix.std_field]
    nodes: list[tuple[str, NodeKind, str, IntArray]] = [
        (fw.code, "plan", fw.title, np.arange(n, dtype=np.int64))
    ]
    for i, c in enumerate(fw.conditions):
        nodes.append((c.code, "condition", c.title, np.flatnonzero(std_cond == i)))
    for st in fw.stages:
        pos = np.array([ix.position[c] for c in st.requires], dtype=np.int64).reshape(-1)
        nodes.append((st.code, "stage", st.name, pos))
    return nodes


def plan_weights(fw: Framework, active: BoolArray) -> FloatArray:
    """Per standard, its share of the plan score when exactly the `active` ones are rated."""
    ix = fw.index
    nf, nc = len(ix.field_codes), len(ix.condition_codes)
    w = ix.std_weight * active
    f_tot = np.bincount(ix.std_field, weights=w, minlength=nf)
    fw_ = ix.field_weight * (f_tot > 0)
    c_tot = np.bincount(ix.field_condition, weights=fw_, minlength=nc)
    cw = ix.condition_weight * (c_tot > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_f = np.where(
            f_tot > 0,
            fw_ / np.where(c_tot[ix.field_condition] > 0, c_tot[ix.field_condition], 1.0),
            0.0,
        )
        share_c = cw / cw.sum() if cw.sum() > 0 else cw
        return (
            np.where(active, w / np.where(f_tot > 0, f_tot, 1.0)[ix.std_field], 0.0)
            * share_f[ix.std_field]
            * share_c[ix.field_condition[ix.std_field]]
        )


@dataclass(frozen=True, eq=False)
class _Setup:
    """What the simulation needs about the standards that apply (N/A ones are left out)."""

    pos: IntArray  # positions of the simulated standards in the framework
    start: IntArray
    threshold: IntArray
    block: IntArray  # per simulated standard: its (field, scale) block
    block_field: IntArray
    block_scale: IntArray
    block_size: IntArray  # levels of the block's scale
    row_values: FloatArray  # (blocks * K,) level value of each row
    weights: FloatArray  # per simulated standard: share of the plan score
    weakest: bool
    members: tuple[slice | IntArray, ...]  # per node: its simulated standards (node 0: all)
    kmax: int


def _setup(
    fw: Framework,
    model: TransitionModel,
    start: IntArray,
    nodes: list[tuple[str, NodeKind, str, IntArray]],
) -> _Setup:
    ix = fw.index
    active = start != NA
    pos = np.flatnonzero(active)
    key = ix.std_field[pos] * len(model.scales) + model.std_scale[pos]
    keys, block = np.unique(key, return_inverse=True)
    bf, bs = keys // len(model.scales), keys % len(model.scales)
    k = model.kmax
    values = np.zeros((len(keys), k))
    for b, s in enumerate(bs.tolist()):
        v = ix.level_values[model.scales[s]]
        values[b, : len(v)] = v
    where = np.full(len(ix.codes), -1, dtype=np.int64)
    where[pos] = np.arange(len(pos))
    members: list[slice | IntArray] = []
    for _, _, _, npos in nodes:
        mine = np.sort(where[npos][where[npos] >= 0])
        contiguous = mine.size and mine[-1] - mine[0] + 1 == mine.size
        # a slice is a view; conditions are contiguous in document order
        members.append(slice(int(mine[0]), int(mine[-1]) + 1) if contiguous else mine)
    return _Setup(
        pos=pos,
        start=start[pos],
        threshold=ix.threshold_index[pos],
        block=block.reshape(-1).astype(np.int64),
        block_field=bf,
        block_scale=bs,
        block_size=model.sizes[bs],
        row_values=values.reshape(-1),
        weights=plan_weights(fw, active)[pos],
        weakest=fw.rollup == "weakest_link",
        members=tuple(members),
        kmax=k,
    )


def _thresholds(setup: _Setup, matrices: FloatArray) -> npt.NDArray[np.int64]:
    """Cumulative row probabilities as 32-bit thresholds, (D, blocks * K, K - 1):
    the next level is the number of thresholds a uniform 32-bit integer reaches."""
    k = setup.kmax
    cum = np.cumsum(matrices, axis=-1)[..., : k - 1]
    t = np.clip(np.rint(cum * float(_ONE)), 0, _ONE).astype(np.int64)
    # columns past the scale's top level, and rows of levels it lacks, can never be reached
    size = setup.block_size[:, None, None]
    dead = (np.arange(k - 1)[None, None, :] >= size - 1) | (np.arange(k)[None, :, None] >= size)
    t[:, dead] = _ONE
    return t.reshape(t.shape[0], -1, k - 1)


def _tables(thr: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int64]]:
    """Per row, the level for each of 256 bins of the uniform; -1 where a threshold falls
    inside the bin (those few draws are settled by exact comparison)."""
    flat = thr.reshape(-1, thr.shape[-1])
    rows = flat.shape[0]
    start = np.minimum(-(-flat // _BIN), _NBINS)
    hist = np.bincount(
        (np.arange(rows)[:, None] * (_NBINS + 1) + start).reshape(-1), minlength=rows * (_NBINS + 1)
    ).reshape(rows, _NBINS + 1)
    table = np.cumsum(hist[:, :_NBINS], axis=1).astype(np.int8)
    r, c = np.nonzero((flat % _BIN != 0) & (flat < _ONE))
    table[r, flat[r, c] // _BIN] = -1
    return table.reshape(-1), flat


@dataclass(frozen=True, eq=False)
class _Paths:
    first: npt.NDArray[np.int16]  # (paths, Q) first step at which the node is met; steps+1: never
    scores: npt.NDArray[np.float32]  # (paths, steps + 1)
    met_by_target: IntArray  # per simulated standard: paths in which it is met by the target step
    met_at_target: IntArray  # ... in which it is met at the target step
    rescued: IntArray  # ... in which the plan is met by the target step only if it were certain
    marginal: IntArray | None  # (steps + 1, n) paths in which the standard is met at that step
    per_draw: int  # consecutive paths sharing one draw of the matrices


def _simulate(
    setup: _Setup,
    model: TransitionModel,
    rng: np.random.Generator,
    *,
    paths: int,
    steps: int,
    target_step: int,
    marginals: bool = False,
) -> tuple[_Paths, int]:
    n, k = len(setup.pos), setup.kmax
    nb = len(setup.block_field)
    per_draw = max(1, min(PATHS_PER_DRAW, paths // 100))
    draws = -(-paths // per_draw)
    thr_all = _thresholds(setup, model.draw(rng, draws, setup.block_field, setup.block_scale))
    nq = len(setup.members)
    never = steps + 1
    first = np.full((paths, nq), never, dtype=np.int16)
    scores = np.empty((paths, steps + 1), dtype=np.float32)
    met_by = np.zeros(n, dtype=np.int64)
    met_at = np.zeros(n, dtype=np.int64)
    rescued = np.zeros(n, dtype=np.int64)
    marginal = np.zeros((steps + 1, n), dtype=np.int64) if marginals else None
    thr_std = setup.threshold.astype(np.int8)
    weights = setup.weights.astype(np.float32)
    per_batch = max(1, _BATCH_ELEMENTS // max(1, n * per_draw))
    for d0 in range(0, draws, per_batch):
        d1 = min(draws, d0 + per_batch)
        p0, p1 = d0 * per_draw, min(paths, d1 * per_draw)
        bp = p1 - p0
        table, flat = _tables(thr_all[d0:d1])
        wide = (d1 - d0) * nb * k * _NBINS >= 2**31
        itype = np.int64 if wide else np.int32
        local = np.arange(bp) // per_draw
        base: IntArray = ((local[:, None] * nb + setup.block[None, :]) * k).astype(itype)
        values = np.tile(setup.row_values, d1 - d0).astype(np.float32)
        lv = np.broadcast_to(setup.start.astype(np.int8), (bp, n)).copy()
        row = base + lv
        idx = np.empty((bp, n), dtype=itype)
        fb = first[p0:p1]
        unmet = np.ones((bp, n), dtype=bool)  # not yet met at any step up to the target
        rescue = np.zeros((bp, n), dtype=bool)
        for t in range(steps + 1):
            if t:
                u = rng.bit_generator.random_raw((bp * n + 1) // 2).view(np.uint32)[: bp * n]
                u = u.reshape(bp, n)
                np.right_shift(u, _SHIFT, out=idx, casting="unsafe")
                idx += row << _BITS
                nxt = table.take(idx)
                amb = np.flatnonzero(nxt < 0)
                if amb.size:
                    rows = row.reshape(-1)[amb]
                    draw = u.reshape(-1)[amb, None].astype(np.int64)
                    nxt.reshape(-1)[amb] = (draw >= flat[rows]).sum(axis=1)
                lv = nxt
                np.add(base, lv, out=row)
            vals = values.take(row)
            scores[p0:p1, t] = (
                vals.min(axis=1) if setup.weakest else np.einsum("ij,j->i", vals, weights)
            )
            miss = lv < thr_std
            # counting with a matrix product would be one line, but BLAS threads fight
            # over a small machine; booleans reduce single-threaded and cache-friendly
            unmet_plan = miss.view(np.uint8).sum(axis=1, dtype=np.int32)
            met = np.empty((bp, nq), dtype=bool)
            met[:, 0] = unmet_plan == 0
            for q, sel in enumerate(setup.members[1:], 1):
                part = miss[:, sel]
                met[:, q] = ~part.any(axis=1) if part.shape[1] else True
            fb[met & (fb == never)] = t
            if marginal is not None:
                marginal[t] += bp - miss.sum(axis=0)
            if t == target_step:
                met_at += bp - miss.sum(axis=0)
            if t <= target_step:
                np.logical_and(unmet, miss, out=unmet)
                one = np.flatnonzero(unmet_plan == 1)
                if one.size:
                    rescue[one, miss[one].argmax(axis=1)] = True
        met_by += bp - unmet.sum(axis=0)
        late = fb[:, 0] > target_step
        rescued += (rescue & late[:, None]).sum(axis=0)
    return _Paths(first, scores, met_by, met_at, rescued, marginal, per_draw), draws
