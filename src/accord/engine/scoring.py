"""Roll-ups, thresholds, stage readiness and gaps, vectorised over the standards.

Ratings enter as a `RatingVector` (see `encode`): one level index per standard in document
order, with -1 for "not rated" and -2 for "not applicable".  Not-applicable standards are out of
every denominator; unrated standards are counted and listed, never scored as zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .framework import NOT_APPLICABLE, FloatArray, Framework, FrameworkIndex, IntArray

UNRATED = -1
NA = -2

NodeKind = Literal["plan", "condition", "field"]


@dataclass(frozen=True, eq=False)
class RatingVector:
    """One level index per standard (document order); UNRATED or NA where there is no level."""

    level: IntArray
    value: FloatArray  # level value; NaN where unrated or N/A

    @property
    def rated(self) -> np.ndarray:
        return self.level >= 0


def encode(fw: Framework, ratings: Mapping[str, str | None]) -> RatingVector:
    """Turn {standard code: level label or N/A} into a RatingVector; ValueError on bad input."""
    ix = fw.index
    level = np.full(len(ix.codes), UNRATED, dtype=np.int64)
    value = np.full(len(ix.codes), np.nan, dtype=np.float64)
    for code, label in ratings.items():
        pos = ix.position.get(code)
        if pos is None:
            raise ValueError(f"unknown standard {code!r}")
        if label is None:
            continue
        scale = ix.std_scale[pos]
        if label == NOT_APPLICABLE:
            if not fw.scale(scale).allows_na:
                raise ValueError(f"{code}: scale {scale!r} does not allow N/A")
            level[pos] = NA
            continue
        i = ix.level_lookup[scale].get(label)
        if i is None:
            raise ValueError(f"{code}: {label!r} is not a level of scale {scale!r}")
        level[pos] = i
        value[pos] = ix.level_values[scale][i]
    return RatingVector(level, value)


def decode(fw: Framework, vec: RatingVector) -> dict[str, str]:
    """The inverse of `encode`, leaving out unrated standards."""
    ix = fw.index
    out: dict[str, str] = {}
    for pos in np.flatnonzero(vec.level != UNRATED):
        i = int(vec.level[pos])
        scale = fw.scale(ix.std_scale[pos])
        out[ix.codes[pos]] = NOT_APPLICABLE if i == NA else scale.levels[i].label
    return out


def met_mask(ix: FrameworkIndex, vec: RatingVector) -> np.ndarray:
    """True where a standard is rated at or above its threshold."""
    return (vec.level >= 0) & (vec.level >= ix.threshold_index)


@dataclass(frozen=True)
class Counts:
    met: int
    not_met: int
    not_rated: int
    not_applicable: int

    @property
    def total(self) -> int:
        return self.met + self.not_met + self.not_rated + self.not_applicable

    @property
    def applicable(self) -> int:
        return self.total - self.not_applicable

    @property
    def share_met(self) -> float | None:
        """Met over applicable standards; None when nothing applies."""
        return self.met / self.applicable if self.applicable else None


@dataclass(frozen=True)
class NodeScore:
    code: str
    kind: NodeKind
    title: str
    score: float | None  # None when no standard below it is rated
    counts: Counts
    parent: str | None = None  # the condition of a field, the plan of a condition


@dataclass(frozen=True)
class Rollup:
    method: str
    plan: NodeScore
    conditions: tuple[NodeScore, ...]
    fields: tuple[NodeScore, ...]
    unrated: tuple[str, ...]

    def node(self, code: str) -> NodeScore:
        """The condition or field with this code."""
        for n in (*self.conditions, *self.fields):
            if n.code == code:
                return n
        raise KeyError(code)


def _wmean(groups: IntArray, n: int, weight: FloatArray, score: FloatArray) -> FloatArray:
    has = ~np.isnan(score)
    w = weight * has
    num = np.bincount(groups, weights=w * np.where(has, score, 0.0), minlength=n)
    den = np.bincount(groups, weights=w, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _wmin(groups: IntArray, n: int, score: FloatArray) -> FloatArray:
    out = np.full(n, np.inf)
    np.minimum.at(out, groups, np.where(np.isnan(score), np.inf, score))
    return np.where(np.isinf(out), np.nan, out)


def node_scores(fw: Framework, vec: RatingVector) -> tuple[FloatArray, FloatArray, float]:
    """Scores of fields, conditions and the plan (NaN where nothing below is rated)."""
    ix = fw.index
    nf, nc = len(ix.field_codes), len(ix.condition_codes)
    if fw.rollup == "weakest_link":
        f = _wmin(ix.std_field, nf, vec.value)
        c = _wmin(ix.field_condition, nc, f)
        p = _wmin(np.zeros(nc, dtype=np.int64), 1, c)
    else:
        f = _wmean(ix.std_field, nf, ix.std_weight, vec.value)
        c = _wmean(ix.field_condition, nc, ix.field_weight, f)
        p = _wmean(np.zeros(nc, dtype=np.int64), 1, ix.condition_weight, c)
    return f, c, float(p[0])


def _opt(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def rollup(fw: Framework, vec: RatingVector) -> Rollup:
    """Scores and met/not met/not rated/N/A counts for every field, condition and the plan."""
    ix = fw.index
    nf, nc = len(ix.field_codes), len(ix.condition_codes)
    f_score, c_score, p_score = node_scores(fw, vec)
    met = met_mask(ix, vec)
    cat = np.where(met, 0, np.where(vec.level >= 0, 1, np.where(vec.level == NA, 3, 2)))
    f_counts = np.zeros((nf, 4), dtype=np.int64)
    np.add.at(f_counts, (ix.std_field, cat), 1)
    c_counts = np.zeros((nc, 4), dtype=np.int64)
    np.add.at(c_counts, ix.field_condition, f_counts)
    fields = list(fw.fields())

    def counts(row: np.ndarray) -> Counts:
        return Counts(int(row[0]), int(row[1]), int(row[2]), int(row[3]))

    return Rollup(
        method=fw.rollup,
        plan=NodeScore(fw.code, "plan", fw.title, _opt(p_score), counts(c_counts.sum(axis=0))),
        conditions=tuple(
            NodeScore(c.code, "condition", c.title, _opt(c_score[i]), counts(c_counts[i]),
                      fw.code)
            for i, c in enumerate(fw.conditions)
        ),
        fields=tuple(
            NodeScore(f.code, "field", f.title, _opt(f_score[i]), counts(f_counts[i]),
                      f.condition)
            for i, f in enumerate(fields)
        ),
        unrated=tuple(ix.codes[i] for i in np.flatnonzero(vec.level == UNRATED)),
    )


@dataclass(frozen=True)
class Blocker:
    code: str
    reason: Literal["below threshold", "not rated"]
    level: str | None
    threshold: str


@dataclass(frozen=True)
class StageReadiness:
    code: str
    name: str
    target_date: dt.date | None
    required: int
    met: int
    not_applicable: int
    blocking: tuple[Blocker, ...]

    @property
    def share_met(self) -> float | None:
        """Met over applicable required standards."""
        applicable = self.required - self.not_applicable
        return self.met / applicable if applicable else None

    @property
    def ready(self) -> bool:
        return not self.blocking


def _level_label(fw: Framework, pos: int, level: int) -> str | None:
    if level == UNRATED:
        return None
    if level == NA:
        return NOT_APPLICABLE
    return fw.scale(fw.index.std_scale[pos]).levels[level].label


def stage_readiness(fw: Framework, vec: RatingVector) -> tuple[StageReadiness, ...]:
    """For every stage: required standards met, share met, and what blocks it."""
    ix = fw.index
    met = met_mask(ix, vec)
    out = []
    for stage in fw.stages:
        pos = np.array([ix.position[c] for c in stage.requires], dtype=np.int64)
        lv = vec.level[pos]
        blocking = tuple(
            Blocker(
                code=ix.codes[p],
                reason="not rated" if vec.level[p] == UNRATED else "below threshold",
                level=_level_label(fw, int(p), int(vec.level[p])),
                threshold=fw.standards_by_code[ix.codes[p]].threshold,
            )
            for p in pos[~met[pos] & (lv != NA)]
        )
        out.append(StageReadiness(
            stage.code, stage.name, stage.target_date, len(pos), int(met[pos].sum()),
            int((lv == NA).sum()), blocking,
        ))
    return tuple(out)


@dataclass(frozen=True)
class Gap:
    code: str
    title: str
    condition: str
    field: str
    level: str
    threshold: str
    levels_short: int
    distance: float  # threshold value minus current value
    blocks: tuple[str, ...]  # stage codes, earliest first


def gaps(fw: Framework, vec: RatingVector) -> tuple[Gap, ...]:
    """Rated standards below threshold, most urgent first.

    Ranked by the earliest stage they block (standards no stage requires come last), then by
    how many stages they block, then by distance to the threshold, then by weight.
    """
    ix = fw.index
    below = np.flatnonzero((vec.level >= 0) & (vec.level < ix.threshold_index))
    if below.size == 0:
        return ()
    membership = _stage_membership(fw)  # (stages, standards)
    blocked = membership[:, below]
    n_stages = len(fw.stages)
    first = np.where(blocked.any(axis=0), blocked.argmax(axis=0), n_stages)
    distance = ix.threshold_value[below] - vec.value[below]
    order = np.lexsort((below, -ix.std_weight[below], -distance, -blocked.sum(axis=0), first))
    stage_codes = [s.code for s in fw.stages]
    out = []
    for k in order:
        p = int(below[k])
        std = fw.standards_by_code[ix.codes[p]]
        out.append(Gap(
            code=std.code, title=std.title, condition=std.condition, field=std.field,
            level=fw.scale(std.scale).levels[int(vec.level[p])].label, threshold=std.threshold,
            levels_short=int(ix.threshold_index[p] - vec.level[p]), distance=float(distance[k]),
            blocks=tuple(stage_codes[s] for s in np.flatnonzero(blocked[:, k])),
        ))
    return tuple(out)


_MEMBERSHIP: dict[int, np.ndarray] = {}


def _stage_membership(fw: Framework) -> np.ndarray:
    key = id(fw.index)
    m = _MEMBERSHIP.get(key)
    if m is None:
        m = np.zeros((len(fw.stages), len(fw.index.codes)), dtype=bool)
        for i, stage in enumerate(fw.stages):
            m[i, [fw.index.position[c] for c in stage.requires]] = True
        if len(_MEMBERSHIP) > 64:
            _MEMBERSHIP.clear()
        _MEMBERSHIP[key] = m
    return m
