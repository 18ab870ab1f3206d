"""Framework -> canonical framework YAML (format accord/framework@1).

The output is a fixed function of the `Framework`: keys in one order, defaults left out,
multi-line text as literal blocks.  So export -> import -> export gives the same bytes, and
two exports of equal frameworks are equal files (diff-friendly).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import yaml

from accord.engine.framework import (
    Framework,
    MatchRule,
    ProgressRule,
    RatingScale,
    ReconciliationRule,
    Standard,
)

from .framework_yaml import FORMAT

_Base: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_Base):  # type: ignore[valid-type,misc]
    """SafeDumper writing multi-line text as literal blocks and never using aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        # the emitter falls back to quoting where a literal block could not hold the text
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _text)


def _title(text: str, ko: str) -> str | dict[str, str]:
    return {"en": text, "ko": ko} if ko else text


def _put(out: dict[str, Any], key: str, value: Any, default: Any = "") -> None:
    if value != default:
        out[key] = value


def _default_scale(fw: Framework) -> str:
    counts = Counter(s.scale for s in fw.standards())
    # most used first; ties go to the scale listed first
    order = {s.code: i for i, s in enumerate(fw.scales)}
    return min(order, key=lambda code: (-counts.get(code, 0), order[code]))


def _scale(scale: RatingScale) -> dict[str, Any]:
    out: dict[str, Any] = {"code": scale.code}
    _put(out, "name", scale.name, scale.code)
    _put(out, "description", scale.description)
    out["not_applicable"] = scale.allows_na
    levels = []
    for level in scale.levels:
        lv: dict[str, Any] = {"label": level.label, "value": float(level.value)}
        _put(lv, "description", level.description)
        levels.append(lv)
    out["levels"] = levels
    return out


def _standard(s: Standard, default_scale: str) -> dict[str, Any]:
    out: dict[str, Any] = {"code": s.code, "title": _title(s.title, s.title_ko)}
    _put(out, "description", s.description)
    _put(out, "guidance", s.guidance)
    _put(out, "scale", s.scale, default_scale)
    out["threshold"] = s.threshold
    _put(out, "weight", float(s.weight), 1.0)
    if s.match != MatchRule():
        out["match"] = _match(s.match)
    return out


def _match(rule: MatchRule) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _put(out, "phrases", list(rule.phrases), [])
    _put(out, "keywords", list(rule.keywords), [])
    _put(out, "min_keywords", int(rule.min_keywords), 2)
    _put(out, "exclude", list(rule.exclude), [])
    _put(out, "min_score", float(rule.min_score), 0.0)
    return out


def to_data(fw: Framework) -> dict[str, Any]:
    """The framework as plain data in the document's canonical key order."""
    default_scale = _default_scale(fw)
    doc: dict[str, Any] = {
        "format": FORMAT,
        "code": fw.code,
        "title": _title(fw.title, fw.title_ko),
        "version": fw.version,
    }
    _put(doc, "description", fw.description)
    _put(doc, "illustrative", fw.illustrative, False)
    if fw.target_date is not None:
        doc["target_date"] = fw.target_date.isoformat()
    doc["rollup"] = fw.rollup
    doc["default_scale"] = default_scale
    if fw.reconciliation != ReconciliationRule():
        rec: dict[str, Any] = {"rule": fw.reconciliation.rule}
        if fw.reconciliation.lead_party is not None:
            rec["lead_party"] = fw.reconciliation.lead_party
        doc["reconciliation"] = rec
    if fw.progress_rule != ProgressRule():
        p = fw.progress_rule
        doc["progress_rule"] = {
            "judged_at": p.judged_at,
            "min_score_delta": float(p.min_score_delta),
            "min_newly_met": int(p.min_newly_met),
            "combine": p.combine,
            "overall_share": float(p.overall_share),
        }
    doc["parties"] = [_named(p.code, p.name) for p in fw.parties]
    if fw.bodies:
        doc["bodies"] = [_named(b.code, b.name) for b in fw.bodies]
    doc["scales"] = [_scale(s) for s in fw.scales]
    if fw.stages:
        stages = []
        for st in fw.stages:
            out = _named(st.code, st.name)
            if st.name_ko:
                out["name"] = _title(st.name, st.name_ko)
            _put(out, "description", st.description)
            if st.target_date is not None:
                out["target_date"] = st.target_date.isoformat()
            out["requires"] = list(st.requires)
            stages.append(out)
        doc["stages"] = stages
    conditions = []
    for c in fw.conditions:
        cond: dict[str, Any] = {"code": c.code, "title": _title(c.title, c.title_ko)}
        _put(cond, "description", c.description)
        _put(cond, "weight", float(c.weight), 1.0)
        fields = []
        for f in c.fields:
            fld: dict[str, Any] = {"code": f.code, "title": _title(f.title, f.title_ko)}
            _put(fld, "description", f.description)
            _put(fld, "weight", float(f.weight), 1.0)
            fld["standards"] = [_standard(s, default_scale) for s in f.standards]
            fields.append(fld)
        cond["fields"] = fields
        conditions.append(cond)
    doc["conditions"] = conditions
    return doc


def _named(code: str, name: str) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code}
    _put(out, "name", name, code)
    return out


def dump_data(doc: dict[str, Any]) -> str:
    """Plain framework data as YAML text, keys in the given order."""
    text: str = yaml.dump(
        doc,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
        indent=2,
    )
    return text


def dump(fw: Framework) -> str:
    """Canonical YAML of `fw`; loading it gives back an equal framework."""
    return dump_data(to_data(fw))
