"""What changed between two framework versions: standards, stages, the tree, scales, the plan.

Pure: `diff(a, b)` compares two `Framework`s by code and returns a `FrameworkDiff` whose order
is deterministic (document order of `b` for added and changed items, of `a` for removed ones;
a fixed attribute order within an item), so the same pair always prints the same way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .framework import Condition, Field, Framework, RatingScale, Stage, Standard

Value = str | float | bool | tuple[str, ...] | None
"""A compared value: text, a number, a flag, a list of codes, or nothing (dates as ISO text)."""

T = TypeVar("T")


@dataclass(frozen=True)
class Change:
    """One attribute of an item that differs: `what` went from `before` to `after`."""

    what: str
    before: Value
    after: Value


@dataclass(frozen=True)
class Item:
    """An added or removed item: its code, title and where it sits (a field, a condition)."""

    code: str
    title: str
    parent: str = ""


@dataclass(frozen=True)
class Changed:
    """An item present in both versions whose attributes differ (title as in the newer one)."""

    code: str
    title: str
    changes: tuple[Change, ...]

    def change(self, what: str) -> Change | None:
        """The change of attribute `what`, if it changed."""
        return next((c for c in self.changes if c.what == what), None)


@dataclass(frozen=True)
class Section:
    """Added, removed and changed items of one kind (standards, stages, ...)."""

    added: tuple[Item, ...] = ()
    removed: tuple[Item, ...] = ()
    changed: tuple[Changed, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def changed_item(self, code: str) -> Changed | None:
        """The changed item with this code, if it changed."""
        return next((c for c in self.changed if c.code == code), None)


@dataclass(frozen=True)
class FrameworkDiff:
    """Everything that differs from framework version `a` to version `b`."""

    a: str
    b: str
    standards: Section
    stages: Section
    conditions: Section
    fields: Section
    scales: Section
    framework: tuple[Change, ...]  # plan-level: title, target date, roll-up, progress rule, ...

    @property
    def added(self) -> tuple[Item, ...]:
        """Standards only in `b`."""
        return self.standards.added

    @property
    def removed(self) -> tuple[Item, ...]:
        """Standards only in `a`."""
        return self.standards.removed

    @property
    def changed(self) -> tuple[Changed, ...]:
        """Standards in both whose wording, weight, threshold, place or stages differ."""
        return self.standards.changed

    @property
    def empty(self) -> bool:
        return not self.framework and all(s.empty for _, s in self.sections())

    def sections(self) -> tuple[tuple[str, Section], ...]:
        """The sections by name, in the order they are shown."""
        return (
            ("standards", self.standards),
            ("stages", self.stages),
            ("conditions", self.conditions),
            ("fields", self.fields),
            ("scales", self.scales),
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (lists for code tuples)."""
        return {
            "a": self.a,
            "b": self.b,
            "empty": self.empty,
            **{name: _section_dict(section) for name, section in self.sections()},
            "framework": [_change_dict(c) for c in self.framework],
        }


def _json_value(value: Value) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _change_dict(c: Change) -> dict[str, Any]:
    return {"what": c.what, "before": _json_value(c.before), "after": _json_value(c.after)}


def _section_dict(s: Section) -> dict[str, Any]:
    return {
        "added": [{"code": i.code, "title": i.title, "parent": i.parent} for i in s.added],
        "removed": [{"code": i.code, "title": i.title, "parent": i.parent} for i in s.removed],
        "changed": [
            {"code": c.code, "title": c.title, "changes": [_change_dict(x) for x in c.changes]}
            for c in s.changed
        ],
    }


Getter = tuple[str, Callable[[T], Value]]


def _changes(a: T, b: T, getters: Sequence[Getter[T]]) -> tuple[Change, ...]:
    out = []
    for what, get in getters:
        before, after = get(a), get(b)
        if before != after:
            out.append(Change(what, before, after))
    return tuple(out)


def _section(
    old: Sequence[T],
    new: Sequence[T],
    *,
    code: Callable[[T], str],
    item: Callable[[T], Item],
    compare: Callable[[T, T], tuple[Change, ...]],
) -> Section:
    old_by = {code(x): x for x in old}
    new_by = {code(x): x for x in new}
    added = tuple(item(x) for x in new if code(x) not in old_by)
    removed = tuple(item(x) for x in old if code(x) not in new_by)
    changed = []
    for x in new:
        before = old_by.get(code(x))
        if before is not None and (changes := compare(before, x)):
            changed.append(Changed(code(x), item(x).title, changes))
    return Section(added, removed, tuple(changed))


def _stages_requiring(fw: Framework) -> dict[str, tuple[str, ...]]:
    """Standard code -> the stages requiring it, in stage order."""
    out: dict[str, list[str]] = {}
    for stage in fw.stages:
        for code in stage.requires:
            out.setdefault(code, []).append(stage.code)
    return {k: tuple(v) for k, v in out.items()}


def _match_rule_text(s: Standard) -> str:
    """A standard's feed-matching rule in one line, for showing what changed."""
    rule = s.match
    parts = [
        f"{name}: " + ", ".join(terms)
        for name, terms in (
            ("phrases", rule.phrases),
            ("keywords", rule.keywords),
            ("exclude", rule.exclude),
        )
        if terms
    ]
    if rule.keywords:
        parts.append(f"min_keywords: {rule.min_keywords}")
    if rule.min_score:
        parts.append(f"min_score: {rule.min_score:g}")
    return "; ".join(parts)


def _standards(a: Framework, b: Framework) -> Section:
    stages_a, stages_b = _stages_requiring(a), _stages_requiring(b)
    getters: list[Getter[Standard]] = [
        ("title", lambda s: s.title),
        ("title_ko", lambda s: s.title_ko),
        ("description", lambda s: s.description),
        ("guidance", lambda s: s.guidance),
        ("condition", lambda s: s.condition),
        ("field", lambda s: s.field),
        ("scale", lambda s: s.scale),
        ("threshold", lambda s: s.threshold),
        ("weight", lambda s: s.weight),
        ("match", lambda s: _match_rule_text(s)),
    ]

    def compare(x: Standard, y: Standard) -> tuple[Change, ...]:
        changes = _changes(x, y, getters)
        before, after = stages_a.get(x.code, ()), stages_b.get(y.code, ())
        if before != after:
            changes += (Change("stages", before, after),)
        return changes

    return _section(
        list(a.standards()),
        list(b.standards()),
        code=lambda s: s.code,
        item=lambda s: Item(s.code, s.title, s.field),
        compare=compare,
    )


def _stages(a: Framework, b: Framework) -> Section:
    getters: list[Getter[Stage]] = [
        ("name", lambda s: s.name),
        ("description", lambda s: s.description),
        ("requires", lambda s: s.requires),
        ("target_date", lambda s: s.target_date.isoformat() if s.target_date else None),
    ]
    return _section(
        a.stages,
        b.stages,
        code=lambda s: s.code,
        item=lambda s: Item(s.code, s.name),
        compare=lambda x, y: _changes(x, y, getters),
    )


def _conditions(a: Framework, b: Framework) -> Section:
    getters: list[Getter[Condition]] = [
        ("title", lambda c: c.title),
        ("title_ko", lambda c: c.title_ko),
        ("description", lambda c: c.description),
        ("weight", lambda c: c.weight),
    ]
    return _section(
        a.conditions,
        b.conditions,
        code=lambda c: c.code,
        item=lambda c: Item(c.code, c.title),
        compare=lambda x, y: _changes(x, y, getters),
    )


def _fields(a: Framework, b: Framework) -> Section:
    getters: list[Getter[Field]] = [
        ("title", lambda f: f.title),
        ("title_ko", lambda f: f.title_ko),
        ("description", lambda f: f.description),
        ("condition", lambda f: f.condition),
        ("weight", lambda f: f.weight),
    ]
    return _section(
        list(a.fields()),
        list(b.fields()),
        code=lambda f: f.code,
        item=lambda f: Item(f.code, f.title, f.condition),
        compare=lambda x, y: _changes(x, y, getters),
    )


def _levels(x: RatingScale, y: RatingScale) -> tuple[Change, ...]:
    out: list[Change] = []
    labels_x = tuple(lv.label for lv in x.levels)
    labels_y = tuple(lv.label for lv in y.levels)
    if labels_x != labels_y:
        out.append(Change("levels", labels_x, labels_y))
    old = {lv.label: lv for lv in x.levels}
    for lv in y.levels:
        before = old.get(lv.label)
        if before is None:
            continue
        if before.value != lv.value:
            out.append(Change(f"level {lv.label} value", before.value, lv.value))
        if before.description != lv.description:
            out.append(Change(f"level {lv.label} description", before.description, lv.description))
    return tuple(out)


def _scales(a: Framework, b: Framework) -> Section:
    getters: list[Getter[RatingScale]] = [
        ("name", lambda s: s.name),
        ("description", lambda s: s.description),
        ("not_applicable", lambda s: s.allows_na),
    ]
    return _section(
        a.scales,
        b.scales,
        code=lambda s: s.code,
        item=lambda s: Item(s.code, s.name),
        compare=lambda x, y: _changes(x, y, getters) + _levels(x, y),
    )


_SECTIONED = frozenset({"code", "version", "scales", "conditions", "stages"})


def _settings(value: Any, prefix: str = "") -> dict[str, Value]:
    """Plan-level settings flattened to `name` / `rule.name` -> value, in declaration order.

    Walks the dataclass rather than naming each setting, so a setting added to the framework
    format later shows up in diffs without a change here.
    """
    out: dict[str, Value] = {}
    for f in dataclasses.fields(value):
        if not prefix and f.name in _SECTIONED:
            continue
        name, v = prefix + f.name, getattr(value, f.name)
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            out.update(_settings(v, f"{name}."))
        elif isinstance(v, tuple):
            out[name] = tuple(str(getattr(x, "code", x)) for x in v)
        elif isinstance(v, dt.date):
            out[name] = v.isoformat()
        elif v is None or isinstance(v, str | int | float | bool):
            out[name] = v
        else:
            out[name] = str(v)
    return out


def _framework(a: Framework, b: Framework) -> tuple[Change, ...]:
    old, new = _settings(a), _settings(b)
    return tuple(
        Change(name, old.get(name), value)
        for name, value in {**old, **new}.items()
        if old.get(name) != new.get(name)
    )


def diff(a: Framework, b: Framework) -> FrameworkDiff:
    """What changed from framework `a` (the older, usually) to framework `b`."""
    return FrameworkDiff(
        a=a.version,
        b=b.version,
        standards=_standards(a, b),
        stages=_stages(a, b),
        conditions=_conditions(a, b),
        fields=_fields(a, b),
        scales=_scales(a, b),
        framework=_framework(a, b),
    )


def summary_counts(d: FrameworkDiff) -> Mapping[str, tuple[int, int, int]]:
    """Section name -> (added, removed, changed) counts."""
    return {name: (len(s.added), len(s.removed), len(s.changed)) for name, s in d.sections()}
