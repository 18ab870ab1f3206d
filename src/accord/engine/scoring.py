"""Roll-ups, thresholds, stage readiness and gaps, vectorised over the standards.

Ratings enter as a `RatingVector` (see `encode`): one level index per standard in document
order, with -1 for "not rated" and -2 for "not applicable".  Not-applicable standards are out of
every denominator; unrated standards are counted and listed, never scored as zero.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import repeat
from typing import Literal

import numpy as np

from .framework import NOT_APPLICABLE, FloatArray, Framework, FrameworkIndex, IntArray, Standard

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


_BAD = -3  # in `_Lookups.level_table`: the label is not acceptable on that scale


@dataclass(frozen=True, eq=False)
class _Lookups:
    """Per-framework tables for the hot paths (encode, stages, gaps, agreement), built once."""

    standards: tuple[Standard, ...]  # document order
    labels: tuple[tuple[str, ...], ...]  # per standard: the level labels of its scale
    scale_codes: tuple[str, ...]  # sorted
    scale_id: IntArray  # per standard: position of its scale in `scale_codes`
    label_id: dict[str | None, int]  # any scale's label, N/A and None -> column of level_table
    level_table: IntArray  # (scale, label column) -> level index, NA, UNRATED or _BAD
    value_table: FloatArray  # (scale, level index) -> level value
    stage_pos: tuple[IntArray, ...]  # per stage: positions of its required standards
    first_stage: IntArray  # per standard: first stage requiring it, len(stages) if none
    stage_count: IntArray  # per standard: number of stages requiring it
    stage_blocks: tuple[tuple[str, ...], ...]  # per standard: codes of stages requiring it


# Keyed by the framework's (cached) index, so an entry lives exactly as long as its framework.
_LOOKUPS: weakref.WeakKeyDictionary[FrameworkIndex, _Lookups] = weakref.WeakKeyDictionary()


def _lookups(fw: Framework) -> _Lookups:
    ix = fw.index
    found = _LOOKUPS.get(ix)
    if found is None:
        found = _LOOKUPS[ix] = _build_lookups(fw, ix)
    return found


def _build_lookups(fw: Framework, ix: FrameworkIndex) -> _Lookups:
    n = len(ix.codes)
    scale_codes = tuple(sorted(ix.level_values))
    sid = {code: i for i, code in enumerate(scale_codes)}
    label_id: dict[str | None, int] = {NOT_APPLICABLE: 0, None: 1}
    for scale in fw.scales:
        for lv in scale.levels:
            label_id.setdefault(lv.label, len(label_id))
    table = np.full((len(scale_codes), len(label_id) + 1), _BAD, dtype=np.int64)  # last: unknown
    values = np.zeros((len(scale_codes), max(len(v) for v in ix.level_values.values())))
    for scale in fw.scales:
        row = sid[scale.code]
        table[row, 0] = NA if scale.allows_na else _BAD
        table[row, 1] = UNRATED
        for i, lv in enumerate(scale.levels):
            table[row, label_id[lv.label]] = i
        values[row, : len(scale.levels)] = ix.level_values[scale.code]
    labels = {s.code: tuple(lv.label for lv in s.levels) for s in fw.scales}
    stage_pos = tuple(
        np.array([ix.position[c] for c in stage.requires], dtype=np.int64).reshape(-1)
        for stage in fw.stages
    )
    first = np.full(n, len(fw.stages), dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    blocks: list[list[str]] = [[] for _ in range(n)]
    for i, (stage, pos) in enumerate(zip(fw.stages, stage_pos, strict=True)):
        first[pos] = np.minimum(first[pos], i)
        count[pos] += 1
        for p in pos.tolist():
            blocks[p].append(stage.code)
    return _Lookups(
        standards=tuple(fw.standards()),
        labels=tuple(labels[code] for code in ix.std_scale),
        scale_codes=scale_codes,
        scale_id=np.array([sid[code] for code in ix.std_scale], dtype=np.int64).reshape(-1),
        label_id=label_id,
        level_table=table,
        value_table=values,
        stage_pos=stage_pos,
        first_stage=first,
        stage_count=count,
        stage_blocks=tuple(tuple(b) for b in blocks),
    )


def encode(fw: Framework, ratings: Mapping[str, str | None]) -> RatingVector:
    """Turn {standard code: level label or N/A} into a RatingVector; ValueError on bad input."""
    ix = fw.index
    level = np.full(len(ix.codes), UNRATED, dtype=np.int64)
    value = np.full(len(ix.codes), np.nan, dtype=np.float64)
    n = len(ratings)
    if n == 0:
        return RatingVector(level, value)
    lk = _lookups(fw)
    codes, labels = list(ratings.keys()), list(ratings.values())
    pos = np.fromiter(map(ix.position.get, codes, repeat(-1, n)), dtype=np.int64, count=n)
    col = np.fromiter(map(lk.label_id.get, labels, repeat(-1, n)), dtype=np.int64, count=n)
    lv = lk.level_table[lk.scale_id[pos], col]
    bad = (pos < 0) | (lv == _BAD)
    if bad.any():  # report the first bad rating in mapping order
        k = int(np.argmax(bad))
        code, label = codes[k], labels[k]
        if pos[k] < 0:
            raise ValueError(f"unknown standard {code!r}")
        scale = ix.std_scale[int(pos[k])]
        if label == NOT_APPLICABLE:
            raise ValueError(f"{code}: scale {scale!r} does not allow N/A")
        raise ValueError(f"{code}: {label!r} is not a level of scale {scale!r}")
    level[pos] = lv
    rated = pos[lv >= 0]
    value[rated] = lk.value_table[lk.scale_id[rated], lv[lv >= 0]]
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
            NodeScore(c.code, "condition", c.title, _opt(c_score[i]), counts(c_counts[i]), fw.code)
            for i, c in enumerate(fw.conditions)
        ),
        fields=tuple(
            NodeScore(f.code, "field", f.title, _opt(f_score[i]), counts(f_counts[i]), f.condition)
            for i, f in enumerate(fields)
        ),
        unrated=tuple(ix.codes[i] for i in np.flatnonzero(vec.level == UNRATED)),
    )


@dataclass(frozen=True, slots=True)
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


def stage_readiness(fw: Framework, vec: RatingVector) -> tuple[StageReadiness, ...]:
    """For every stage: required standards met, share met, and what blocks it."""
    ix = fw.index
    lk = _lookups(fw)
    met = met_mask(ix, vec)
    na = vec.level == NA
    unmet = ~met & ~na
    # one Blocker per unmet standard that any stage requires, shared by the stages requiring it
    need = np.flatnonzero(unmet & (lk.stage_count > 0))
    codes, labels, stds = ix.codes, lk.labels, lk.standards
    made = {
        p: Blocker(codes[p], "not rated", None, stds[p].threshold)
        if level == UNRATED
        else Blocker(codes[p], "below threshold", labels[p][level], stds[p].threshold)
        for p, level in zip(need.tolist(), vec.level[need].tolist(), strict=True)
    }
    return tuple(
        StageReadiness(
            stage.code,
            stage.name,
            stage.target_date,
            len(pos),
            int(met[pos].sum()),
            int(na[pos].sum()),
            tuple(map(made.__getitem__, pos[unmet[pos]].tolist())),
        )
        for stage, pos in zip(fw.stages, lk.stage_pos, strict=True)
    )


@dataclass(frozen=True, slots=True)
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
    lk = _lookups(fw)
    distance = ix.threshold_value[below] - vec.value[below]
    order = np.lexsort(
        (below, -ix.std_weight[below], -distance, -lk.stage_count[below], lk.first_stage[below])
    )
    ranked = below[order]
    level = vec.level[ranked]
    stds, labels, blocks = lk.standards, lk.labels, lk.stage_blocks
    return tuple(
        [
            Gap(
                std.code,
                std.title,
                std.condition,
                std.field,
                labels[p][lv],
                std.threshold,
                short,
                dist,
                blocks[p],
            )
            for p, lv, short, dist in zip(
                ranked.tolist(),
                level.tolist(),
                (ix.threshold_index[ranked] - level).tolist(),
                distance[order].tolist(),
                strict=True,
            )
            for std in (stds[p],)
        ]
    )
