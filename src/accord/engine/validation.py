"""Building a Framework from untyped data (what a YAML document parses to), with every problem.

`build_framework` never stops at the first problem: it reads the whole document, recording each
problem with the path of the offending value so that the file layer can point at its line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from .framework import (
    NOT_APPLICABLE,
    RECONCILIATION_RULES,
    ROLLUP_METHODS,
    Body,
    Condition,
    Field,
    Framework,
    Level,
    MatchRule,
    Party,
    Path,
    Problem,
    ProgressRule,
    RatingScale,
    ReconciliationRule,
    Stage,
    Standard,
    term_key,
)


class _Reader:
    """Collects problems while reading untyped data; every getter returns a safe default."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, path: Path, message: str, related: Path | None = None) -> None:
        self.problems.append(Problem(path, message, related))

    def mapping(self, value: Any, path: Path, what: str) -> Mapping[str, Any]:
        if isinstance(value, Mapping):
            return value
        self.problem(path, f"{what} must be a mapping, not {_kind(value)}")
        return {}

    def items(self, data: Mapping[str, Any], key: str, path: Path) -> list[Any]:
        value = data.get(key, [])
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self.problem((*path, key), f"'{key}' must be a list, not {_kind(value)}")
        return []

    def text(self, data: Mapping[str, Any], key: str, path: Path, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(path, f"missing required key '{key}'")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem((*path, key), f"'{key}' must be text, not {_kind(value)}")
            return ""
        return str(value).strip()

    def code(self, data: Mapping[str, Any], path: Path) -> str:
        code = self.text(data, "code", path)
        if code and (code != code.strip() or any(ch.isspace() for ch in code)):
            self.problem((*path, "code"), f"code {code!r} must not contain spaces")
        return code

    def number(self, data: Mapping[str, Any], key: str, path: Path, default: float) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem((*path, key), f"'{key}' must be a number, not {_kind(value)}")
            return default
        return float(value)

    def weight(self, data: Mapping[str, Any], path: Path) -> float:
        weight = self.number(data, "weight", path, 1.0)
        if not weight > 0 or weight == float("inf"):
            self.problem((*path, "weight"), f"weight must be a positive number, not {weight:g}")
            return 1.0
        return weight

    def date(self, data: Mapping[str, Any], key: str, path: Path) -> dt.date | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.problem((*path, key), f"'{key}' must be a date as YYYY-MM-DD, not {value!r}")
            return None

    def titles(
        self, data: Mapping[str, Any], path: Path, key: str = "title", *, required: bool = True
    ) -> tuple[str, str]:
        """`key` as text, or as {en: ..., ko: ...}; returns (English, Korean) texts."""
        value = data.get(key)
        if isinstance(value, Mapping):
            en, ko = value.get("en"), value.get("ko")
            if not isinstance(en, str) or not en.strip():
                self.problem((*path, key), f"'{key}' needs an 'en' text")
                en = ""
            if ko is not None and not isinstance(ko, str):
                self.problem((*path, key, "ko"), f"'{key}.ko' must be text, not {_kind(ko)}")
            return en.strip(), ko.strip() if isinstance(ko, str) else ""
        return self.text(data, key, path, required=required), ""


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), type(value).__name__
    )


def _unique(reader: _Reader, seen: dict[str, Path], code: str, path: Path, what: str) -> None:
    if not code:
        return
    if code in seen:
        reader.problem((*path, "code"), f"duplicate {what} code {code!r}", seen[code])
    else:
        seen[code] = path


def _scale(reader: _Reader, raw: Any, path: Path) -> RatingScale | None:
    data = reader.mapping(raw, path, "a scale")
    code = reader.code(data, path)
    name = reader.text(data, "name", path, required=False) or code
    allows_na = data.get("not_applicable", False)
    if not isinstance(allows_na, bool):
        reader.problem((*path, "not_applicable"), "'not_applicable' must be true or false")
        allows_na = False
    levels: list[Level] = []
    raw_levels = reader.items(data, "levels", path)
    if len(raw_levels) < 2:
        reader.problem(path, f"scale {code!r} needs at least two levels")
    labels: dict[str, Path] = {}
    for i, raw_level in enumerate(raw_levels):
        lpath = (*path, "levels", i)
        ldata = reader.mapping(raw_level, lpath, "a level")
        label = reader.text(ldata, "label", lpath)
        if label == NOT_APPLICABLE:
            reader.problem(
                (*lpath, "label"),
                f"{NOT_APPLICABLE!r} is reserved; set 'not_applicable: true' on the scale instead",
            )
        elif label and label in labels:
            reader.problem((*lpath, "label"), f"duplicate level {label!r} in scale {code!r}")
        labels.setdefault(label, lpath)
        before = len(reader.problems)
        value = reader.number(ldata, "value", lpath, 0.0)
        if not 0.0 <= value <= 1.0:
            reader.problem((*lpath, "value"), f"level value must be between 0 and 1, not {value:g}")
        # a value already reported as wrong would only add a misleading ordering complaint
        if levels and len(reader.problems) == before and value <= levels[-1].value:
            reader.problem(
                (*lpath, "value"),
                f"levels must be listed lowest first with rising "
                f"values: {value:g} does not exceed {levels[-1].value:g}",
            )
        description = reader.text(ldata, "description", lpath, required=False)
        levels.append(Level(label, value, description))
    if not code:
        return None
    description = reader.text(data, "description", path, required=False)
    return RatingScale(code, name, tuple(levels), allows_na, description)


def build_framework(data: Any) -> tuple[Framework | None, list[Problem]]:
    """Build a Framework from parsed YAML/JSON data; returns it (None if broken) and problems."""
    r = _Reader()
    top = r.mapping(data, (), "a framework document")
    if not top:
        if isinstance(data, Mapping):
            r.problem((), "the framework document is empty")
        return None, r.problems

    code = r.code(top, ())
    title, title_ko = r.titles(top, ())
    version = r.text(top, "version", ())
    if isinstance(top.get("version"), float):
        r.problem(
            ("version",),
            f'quote the version ("{top["version"]}"): as a number 1.10 would read as 1.1',
        )
    rollup = top.get("rollup", "weighted_mean")
    if rollup not in ROLLUP_METHODS:
        r.problem(
            ("rollup",),
            f"unknown roll-up method {rollup!r}; use one of " + ", ".join(ROLLUP_METHODS),
        )
        rollup = "weighted_mean"

    parties, seen_party = [], dict[str, Path]()
    for i, raw in enumerate(r.items(top, "parties", ())):
        p = r.mapping(raw, ("parties", i), "a party")
        pcode = r.code(p, ("parties", i))
        _unique(r, seen_party, pcode, ("parties", i), "party")
        parties.append(Party(pcode, r.text(p, "name", ("parties", i), required=False) or pcode))
    if not parties:
        r.problem(("parties",) if "parties" in top else (), "a framework needs at least one party")

    bodies, seen_body = [], dict[str, Path]()
    for i, raw in enumerate(r.items(top, "bodies", ())):
        b = r.mapping(raw, ("bodies", i), "a body")
        bcode = r.code(b, ("bodies", i))
        _unique(r, seen_body, bcode, ("bodies", i), "body")
        bodies.append(Body(bcode, r.text(b, "name", ("bodies", i), required=False) or bcode))

    scales: dict[str, RatingScale] = {}
    seen_scale: dict[str, Path] = {}
    for i, raw in enumerate(r.items(top, "scales", ())):
        scale = _scale(r, raw, ("scales", i))
        if scale is not None:
            _unique(r, seen_scale, scale.code, ("scales", i), "scale")
            scales.setdefault(scale.code, scale)
    if not scales:
        r.problem(("scales",) if "scales" in top else (), "a framework needs at least one scale")
    default_scale = r.text(top, "default_scale", (), required=False)
    if default_scale and default_scale not in scales:
        r.problem(("default_scale",), f"unknown scale {default_scale!r}")
    if not default_scale and len(scales) == 1:
        default_scale = next(iter(scales))

    seen_node: dict[str, Path] = {}
    conditions: list[Condition] = []
    raw_conditions = r.items(top, "conditions", ())
    if not raw_conditions:
        r.problem(
            ("conditions",) if "conditions" in top else (),
            "a framework needs at least one condition",
        )
    for ci, raw_c in enumerate(raw_conditions):
        cpath: Path = ("conditions", ci)
        c = r.mapping(raw_c, cpath, "a condition")
        ccode = r.code(c, cpath)
        _unique(r, seen_node, ccode, cpath, "node")
        ctitle, ctitle_ko = r.titles(c, cpath)
        fields: list[Field] = []
        raw_fields = r.items(c, "fields", cpath)
        if not raw_fields:
            r.problem(cpath, f"condition {ccode!r} is empty: it needs at least one field")
        for fi, raw_f in enumerate(raw_fields):
            fpath: Path = (*cpath, "fields", fi)
            f = r.mapping(raw_f, fpath, "a field")
            fcode = r.code(f, fpath)
            _unique(r, seen_node, fcode, fpath, "node")
            ftitle, ftitle_ko = r.titles(f, fpath)
            standards: list[Standard] = []
            raw_stds = r.items(f, "standards", fpath)
            if not raw_stds:
                r.problem(fpath, f"field {fcode!r} is empty: it needs at least one standard")
            for si, raw_s in enumerate(raw_stds):
                spath: Path = (*fpath, "standards", si)
                s = r.mapping(raw_s, spath, "a standard")
                scode = r.code(s, spath)
                _unique(r, seen_node, scode, spath, "node")
                stitle, stitle_ko = r.titles(s, spath)
                scale_code = r.text(s, "scale", spath, required=False) or default_scale
                threshold = r.text(s, "threshold", spath)
                if not scale_code:
                    r.problem(
                        spath,
                        f"standard {scode!r} names no scale and the framework "
                        "has no 'default_scale'",
                    )
                elif scale_code not in scales:
                    r.problem((*spath, "scale"), f"unknown scale {scale_code!r}")
                elif threshold and not scales[scale_code].accepts(threshold):
                    r.problem(
                        (*spath, "threshold"),
                        f"threshold {threshold!r} is not a level "
                        f"of scale {scale_code!r} (levels: "
                        + ", ".join(dict.fromkeys(lv.label for lv in scales[scale_code].levels))
                        + ")",
                    )
                elif threshold == NOT_APPLICABLE:
                    r.problem((*spath, "threshold"), "the threshold must be a level, not N/A")
                standards.append(
                    Standard(
                        code=scode,
                        title=stitle,
                        title_ko=stitle_ko,
                        condition=ccode,
                        field=fcode,
                        scale=scale_code,
                        threshold=threshold,
                        weight=r.weight(s, spath),
                        description=r.text(s, "description", spath, required=False),
                        guidance=r.text(s, "guidance", spath, required=False),
                        match=_match_rule(r, s.get("match"), (*spath, "match")),
                    )
                )
            fields.append(
                Field(
                    fcode,
                    ftitle,
                    ccode,
                    tuple(standards),
                    r.weight(f, fpath),
                    ftitle_ko,
                    r.text(f, "description", fpath, required=False),
                )
            )
        conditions.append(
            Condition(
                ccode,
                ctitle,
                tuple(fields),
                r.weight(c, cpath),
                ctitle_ko,
                r.text(c, "description", cpath, required=False),
            )
        )

    standard_codes = {s.code for c in conditions for f in c.fields for s in f.standards}
    stages: list[Stage] = []
    seen_stage: dict[str, Path] = {}
    for i, raw in enumerate(r.items(top, "stages", ())):
        path: Path = ("stages", i)
        st = r.mapping(raw, path, "a stage")
        scode = r.code(st, path)
        _unique(r, seen_stage, scode, path, "stage")
        requires: list[str] = []
        raw_req = r.items(st, "requires", path)
        if not raw_req:
            r.problem(path, f"stage {scode!r} requires no standards")
        for j, req in enumerate(raw_req):
            req = str(req)
            if req not in standard_codes:
                r.problem((*path, "requires", j), f"stage {scode!r} names unknown standard {req!r}")
            elif req in requires:
                r.problem((*path, "requires", j), f"stage {scode!r} names {req!r} twice")
            else:
                requires.append(req)
        sname, sname_ko = r.titles(st, path, "name", required=False)
        stages.append(
            Stage(
                scode,
                sname or scode,
                tuple(requires),
                r.date(st, "target_date", path),
                r.text(st, "description", path, required=False),
                sname_ko,
            )
        )

    rule = _progress_rule(r, top.get("progress_rule"))
    reconciliation = _reconciliation_rule(r, top.get("reconciliation"), {p.code for p in parties})
    illustrative = top.get("illustrative", False)
    if not isinstance(illustrative, bool):
        r.problem(("illustrative",), "'illustrative' must be true or false")
        illustrative = False

    target_date = r.date(top, "target_date", ())
    description = r.text(top, "description", (), required=False)
    if r.problems:
        return None, r.problems
    fw = Framework(
        code=code,
        title=title,
        title_ko=title_ko,
        version=version,
        parties=tuple(parties),
        scales=tuple(scales.values()),
        conditions=tuple(conditions),
        stages=tuple(stages),
        bodies=tuple(bodies),
        target_date=target_date,
        rollup=rollup,
        progress_rule=rule,
        reconciliation=reconciliation,
        illustrative=illustrative,
        description=description,
    )
    return fw, r.problems


def _reconciliation_rule(r: _Reader, raw: Any, parties: set[str]) -> ReconciliationRule:
    if raw is None:
        return ReconciliationRule()
    path: Path = ("reconciliation",)
    data = r.mapping(raw, path, "'reconciliation'")
    rule = data.get("rule", "consensus")
    if rule not in RECONCILIATION_RULES:
        r.problem(
            (*path, "rule"),
            f"'rule' must be one of {', '.join(RECONCILIATION_RULES)}, not {rule!r}",
        )
        rule = "consensus"
    lead = r.text(data, "lead_party", path, required=False) or None
    if rule == "lead_party" and lead is None:
        r.problem(path, "rule 'lead_party' needs 'lead_party': the code of the leading party")
    if lead is not None and lead not in parties:
        r.problem((*path, "lead_party"), f"unknown party {lead!r}")
    return ReconciliationRule(rule, lead)


def _progress_rule(r: _Reader, raw: Any) -> ProgressRule:
    if raw is None:
        return ProgressRule()
    path: Path = ("progress_rule",)
    data = r.mapping(raw, path, "'progress_rule'")
    judged_at = data.get("judged_at", "field")
    if judged_at not in ("field", "condition"):
        r.problem(
            (*path, "judged_at"), f"'judged_at' must be field or condition, not {judged_at!r}"
        )
        judged_at = "field"
    combine = data.get("combine", "any")
    if combine not in ("any", "all"):
        r.problem((*path, "combine"), f"'combine' must be any or all, not {combine!r}")
        combine = "any"
    delta = r.number(data, "min_score_delta", path, 0.05)
    if not 0 <= delta <= 1:
        r.problem((*path, "min_score_delta"), "'min_score_delta' must be between 0 and 1")
    newly = r.number(data, "min_newly_met", path, 1)
    if not 0 <= newly < float("inf") or newly != int(newly):  # NaN and inf fail the first test
        r.problem((*path, "min_newly_met"), "'min_newly_met' must be a whole number >= 0")
        newly = 1
    if delta == 0 and newly == 0:
        r.problem(path, "the progress rule needs 'min_score_delta' > 0 or 'min_newly_met' > 0")
    share = r.number(data, "overall_share", path, 0.5)
    if not 0 < share <= 1:
        r.problem((*path, "overall_share"), "'overall_share' must be above 0 and at most 1")
    return ProgressRule(judged_at, delta, int(newly), combine, share)


MATCH_LISTS = ("phrases", "keywords", "exclude")


def _match_rule(r: _Reader, raw: Any, path: Path) -> MatchRule:
    """A standard's `match` block: terms checked for emptiness, wildcards and duplicates."""
    if raw is None:
        return MatchRule()
    data = r.mapping(raw, path, "'match'")
    lists: dict[str, tuple[str, ...]] = {}
    seen: dict[str, Path] = {}
    for key in MATCH_LISTS:
        terms: list[str] = []
        for i, value in enumerate(r.items(data, key, path)):
            tpath: Path = (*path, key, i)
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                r.problem(tpath, f"a term in '{key}' must be text, not {_kind(value)}")
                continue
            term = str(value).strip()
            canonical = term_key(term.rstrip("*"))
            if not canonical or not any(ch.isalnum() for ch in canonical):
                r.problem(tpath, f"empty term in '{key}': a term needs a letter or digit")
                continue
            if "*" in term.rstrip("*") or term.endswith("**"):
                r.problem(tpath, f"'*' may only stand once, at the end of a term, not in {term!r}")
                continue
            if term.endswith("*") and (term[-2:-1].isspace() or term[-2:-1] == "-"):
                r.problem(tpath, f"'*' must follow a letter or digit in {term!r}")
                continue
            if term_key(term) in seen:
                r.problem(tpath, f"duplicate match term {term!r}", seen[term_key(term)])
                continue
            seen[term_key(term)] = tpath
            terms.append(term)
        lists[key] = tuple(terms)
    min_keywords = r.number(data, "min_keywords", path, 2)
    if not 1 <= min_keywords < float("inf") or min_keywords != int(min_keywords):
        r.problem((*path, "min_keywords"), "'min_keywords' must be a whole number >= 1")
        min_keywords = 2
    elif "min_keywords" in data and min_keywords > len(lists["keywords"]):
        r.problem(
            (*path, "min_keywords"),
            f"'min_keywords' is {int(min_keywords)} but only "
            f"{len(lists['keywords'])} keywords are listed",
        )
    min_score = r.number(data, "min_score", path, 0.0)
    if not 0 <= min_score <= 1:
        r.problem((*path, "min_score"), "'min_score' must be between 0 and 1")
        min_score = 0.0
    rule = MatchRule(
        phrases=lists["phrases"],
        keywords=lists["keywords"],
        min_keywords=int(min_keywords),
        exclude=lists["exclude"],
        min_score=min_score,
    )
    if rule.empty and (rule.exclude or "min_score" in data or "min_keywords" in data):
        r.problem(path, "'match' needs 'phrases' or 'keywords': without them nothing can match")
    return rule
