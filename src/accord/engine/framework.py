"""The framework tree (plan -> conditions -> fields -> standards), its scales and stages.

Everything here is immutable and pure.  A `Framework` is built from plain data (what a YAML
document parses to) by `build_framework`, which reports every problem it finds with the path
of the offending value, so that the file layer can point at a line and column.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt

NOT_APPLICABLE = "N/A"
"""The reserved rating label for a standard that does not apply (only where its scale allows)."""

RollupMethod = Literal["weighted_mean", "weakest_link"]
ROLLUP_METHODS: tuple[RollupMethod, ...] = ("weighted_mean", "weakest_link")
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a framework document, at `path` inside it."""

    path: Path
    message: str
    related: Path | None = None  # another place the message refers to (a first definition)


@dataclass(frozen=True)
class Level:
    label: str
    value: float
    description: str = ""


@dataclass(frozen=True)
class RatingScale:
    code: str
    name: str
    levels: tuple[Level, ...]
    allows_na: bool = False
    description: str = ""

    def index_of(self, label: str) -> int:
        """Position of `label` on the scale (0 = lowest); ValueError if it is not a level."""
        for i, level in enumerate(self.levels):
            if level.label == label:
                return i
        raise ValueError(f"{label!r} is not a level of scale {self.code!r}")

    def accepts(self, label: str) -> bool:
        """True when `label` is a level of this scale or an allowed N/A."""
        if label == NOT_APPLICABLE:
            return self.allows_na
        return any(level.label == label for level in self.levels)


TERM_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")
"""Within a match term, any run of spaces or hyphens matches any other such run."""


def term_key(term: str) -> str:
    """A match term in canonical form (NFKC, case-folded, separators as one space): for
    finding duplicates and sharing compiled terms."""
    folded = unicodedata.normalize("NFKC", term).casefold()
    return " ".join(part for part in TERM_SEPARATORS.split(folded) if part)


@dataclass(frozen=True)
class MatchRule:
    """How feed items are matched to a standard by their words (see docs/framework-format.md).

    An item matches when it contains any of `phrases`, or at least `min_keywords` different
    `keywords`, and none of `exclude`, with a score of at least `min_score`.  Terms match
    whole words, case-insensitively; a trailing `*` matches any ending; Hangul terms match
    inside longer words too (Korean attaches particles to nouns).
    """

    phrases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    min_keywords: int = 2
    exclude: tuple[str, ...] = ()
    min_score: float = 0.0

    @property
    def empty(self) -> bool:
        """True when the rule can match nothing (no phrases and no keywords)."""
        return not self.phrases and not self.keywords


@dataclass(frozen=True)
class Standard:
    code: str
    title: str
    condition: str
    field: str
    scale: str
    threshold: str
    weight: float = 1.0
    description: str = ""
    guidance: str = ""
    title_ko: str = ""
    match: MatchRule = MatchRule()  # frozen, so one shared default is safe


@dataclass(frozen=True)
class Field:
    code: str
    title: str
    condition: str
    standards: tuple[Standard, ...]
    weight: float = 1.0
    title_ko: str = ""
    description: str = ""


@dataclass(frozen=True)
class Condition:
    code: str
    title: str
    fields: tuple[Field, ...]
    weight: float = 1.0
    title_ko: str = ""
    description: str = ""


@dataclass(frozen=True)
class Stage:
    code: str
    name: str
    requires: tuple[str, ...]
    target_date: dt.date | None = None
    description: str = ""
    name_ko: str = ""  # the Korean name, when the framework gives one


@dataclass(frozen=True)
class Party:
    code: str
    name: str


@dataclass(frozen=True)
class Body:
    code: str
    name: str


RECONCILIATION_RULES = ("consensus", "conservative", "lead_party")


@dataclass(frozen=True)
class ReconciliationRule:
    """How divergent party ratings become a joint rating.

    consensus: one party proposes a joint level, every other party approves or counters;
    conservative: the lower of the parties' levels, at once; lead_party: the lead party's level.
    """

    rule: Literal["consensus", "conservative", "lead_party"] = "consensus"
    lead_party: str | None = None


@dataclass(frozen=True)
class ProgressRule:
    """When a node shows meaningful progress between two evaluations.

    A node (at level `judged_at`) qualifies when its score rose by at least `min_score_delta`
    or (with `combine="all"`: and) at least `min_newly_met` of its standards newly reached
    their threshold.  The evaluation as a whole shows meaningful progress when at least
    `overall_share` of the comparable nodes qualify.
    """

    judged_at: Literal["field", "condition"] = "field"
    min_score_delta: float = 0.05
    min_newly_met: int = 1
    combine: Literal["any", "all"] = "any"
    overall_share: float = 0.5


@dataclass(frozen=True)
class Framework:
    code: str
    title: str
    version: str
    parties: tuple[Party, ...]
    scales: tuple[RatingScale, ...]
    conditions: tuple[Condition, ...]
    stages: tuple[Stage, ...] = ()
    bodies: tuple[Body, ...] = ()
    target_date: dt.date | None = None
    rollup: RollupMethod = "weighted_mean"
    progress_rule: ProgressRule = field(default_factory=ProgressRule)
    reconciliation: ReconciliationRule = field(default_factory=ReconciliationRule)
    illustrative: bool = False
    description: str = ""
    title_ko: str = ""

    def scale(self, code: str) -> RatingScale:
        """The scale named `code`."""
        return self._scales_by_code[code]

    @cached_property
    def _scales_by_code(self) -> dict[str, RatingScale]:
        return {s.code: s for s in self.scales}

    def fields(self) -> Iterator[Field]:
        """Every field, in document order."""
        for condition in self.conditions:
            yield from condition.fields

    def standards(self) -> Iterator[Standard]:
        """Every standard, in document order."""
        for fld in self.fields():
            yield from fld.standards

    @cached_property
    def standards_by_code(self) -> dict[str, Standard]:
        return {s.code: s for s in self.standards()}

    @cached_property
    def index(self) -> FrameworkIndex:
        """Array form of the tree, built once, for vectorised roll-ups."""
        return FrameworkIndex.build(self)


FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class FrameworkIndex:
    """The framework flattened into arrays, standards in document order."""

    codes: tuple[str, ...]
    position: dict[str, int]
    field_codes: tuple[str, ...]
    condition_codes: tuple[str, ...]
    std_field: IntArray
    field_condition: IntArray
    std_weight: FloatArray
    field_weight: FloatArray
    condition_weight: FloatArray
    threshold_value: FloatArray
    threshold_index: IntArray
    std_scale: tuple[str, ...]
    level_values: dict[str, FloatArray]
    level_lookup: dict[str, dict[str, int]]

    @staticmethod
    def build(fw: Framework) -> FrameworkIndex:
        """Flatten `fw` into arrays."""
        stds = list(fw.standards())
        fields = list(fw.fields())
        field_pos = {f.code: i for i, f in enumerate(fields)}
        cond_pos = {c.code: i for i, c in enumerate(fw.conditions)}
        level_values = {
            s.code: np.array([lv.value for lv in s.levels], dtype=np.float64) for s in fw.scales
        }
        level_lookup = {s.code: {lv.label: i for i, lv in enumerate(s.levels)} for s in fw.scales}
        thr_idx = np.array(
            [level_lookup[s.scale][s.threshold] for s in stds], dtype=np.int64
        ).reshape(-1)
        thr_val = np.array(
            [level_values[s.scale][level_lookup[s.scale][s.threshold]] for s in stds],
            dtype=np.float64,
        ).reshape(-1)
        return FrameworkIndex(
            codes=tuple(s.code for s in stds),
            position={s.code: i for i, s in enumerate(stds)},
            field_codes=tuple(f.code for f in fields),
            condition_codes=tuple(c.code for c in fw.conditions),
            std_field=np.array([field_pos[s.field] for s in stds], dtype=np.int64).reshape(-1),
            field_condition=np.array(
                [cond_pos[f.condition] for f in fields], dtype=np.int64
            ).reshape(-1),
            std_weight=np.array([s.weight for s in stds], dtype=np.float64).reshape(-1),
            field_weight=np.array([f.weight for f in fields], dtype=np.float64).reshape(-1),
            condition_weight=np.array([c.weight for c in fw.conditions], dtype=np.float64),
            threshold_value=thr_val,
            threshold_index=thr_idx,
            std_scale=tuple(s.scale for s in stds),
            level_values=level_values,
            level_lookup=level_lookup,
        )


# Building lives in its own module; it is re-exported here because callers think of it as
# part of the framework's API.
from .validation import build_framework  # noqa: E402

__all__ = ["build_framework"]
