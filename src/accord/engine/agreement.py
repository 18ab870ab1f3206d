"""Agreement between two parties' ratings: exact, within one level, linearly weighted kappa.

Only standards both parties rated on a level (not N/A) are compared.  A framework may mix
scales, so kappa is pooled across scales: observed and chance-expected disagreements are
computed per scale from that scale's own marginals, then summed:

    kappa_w = 1 - sum_s sum_ij w_ij O_ij  /  sum_s sum_ij w_ij E_ij,   w_ij = |i - j| / (k_s - 1)

With a single scale this is exactly Cohen's linearly weighted kappa.  When there is no
variation at all (both parties used one and the same level everywhere) the expected
disagreement is zero; kappa is then reported as 1.0, since the agreement is complete.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .framework import Framework
from .scoring import RatingVector, _lookups


@dataclass(frozen=True)
class AgreementStats:
    compared: int
    exact: float | None
    within_one: float | None
    kappa: float | None
    divergent: tuple[str, ...]  # standards where the two levels differ


@dataclass(frozen=True)
class PairAgreement:
    parties: tuple[str, str]
    overall: AgreementStats
    conditions: dict[str, AgreementStats]


def _stats(fw: Framework, a: RatingVector, b: RatingVector, mask: np.ndarray) -> AgreementStats:
    ix = fw.index
    both = mask & (a.level >= 0) & (b.level >= 0)
    pos = np.flatnonzero(both)
    n = int(pos.size)
    if n == 0:
        return AgreementStats(0, None, None, None, ())
    la, lb = a.level[pos], b.level[pos]
    gap = np.abs(la - lb)
    observed = expected = 0.0
    lk = _lookups(fw)
    scales = lk.scale_id[pos]
    for s in np.unique(scales):  # scale ids follow sorted scale codes
        sel = scales == s
        k = len(ix.level_values[lk.scale_codes[s]])
        ia, ib = la[sel], lb[sel]
        ns = int(sel.sum())
        weights = np.abs(np.subtract.outer(np.arange(k), np.arange(k))) / (k - 1)
        obs = np.bincount(ia * k + ib, minlength=k * k).reshape(k, k)
        exp = np.outer(np.bincount(ia, minlength=k), np.bincount(ib, minlength=k)) / ns
        observed += float((weights * obs).sum())
        expected += float((weights * exp).sum())
    kappa = 1.0 if expected <= 1e-12 else 1.0 - observed / expected
    return AgreementStats(
        compared=n,
        exact=float((gap == 0).mean()),
        within_one=float((gap <= 1).mean()),
        kappa=kappa,
        divergent=tuple(map(ix.codes.__getitem__, pos[gap > 0].tolist())),
    )


def agreement(
    fw: Framework, parties: tuple[str, str], a: RatingVector, b: RatingVector
) -> PairAgreement:
    """Agreement of two parties' ratings, overall and per condition."""
    ix = fw.index
    std_cond = ix.field_condition[ix.std_field]
    everything = np.ones(len(ix.codes), dtype=bool)
    return PairAgreement(
        parties=parties,
        overall=_stats(fw, a, b, everything),
        conditions={
            code: _stats(fw, a, b, std_cond == i) for i, code in enumerate(ix.condition_codes)
        },
    )
