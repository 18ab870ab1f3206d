"""The framework browser: a version's tree (condition -> field -> standard), filtered by a
search, with the stages that require each standard.  The page and the API share it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from accord.engine.framework import Framework, Standard
from accord.i18n import gettext as _
from accord.models import Plan

from . import NotFound
from . import framework_versions as versions
from .actors import Actor
from .frameworks import current_version


def _matches(s: Standard, needle: str) -> bool:
    text = " ".join((s.code, s.title, s.title_ko, s.description, s.guidance)).casefold()
    return needle in text


def _standard(s: Standard, stages: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "code": s.code,
        "title": s.title,
        "title_ko": s.title_ko,
        "description": s.description,
        "guidance": s.guidance,
        "scale": s.scale,
        "threshold": s.threshold,
        "weight": s.weight,
        "stages": stages.get(s.code, []),
    }


def tree(fw: Framework, search: str = "") -> dict[str, Any]:
    """The tree of `fw`, keeping only standards that contain `search` (code, titles, text)
    and the fields and conditions above them; counts of shown and total standards."""
    needle = search.strip().casefold()
    stages: dict[str, list[str]] = {}
    for st in fw.stages:
        for code in st.requires:
            stages.setdefault(code, []).append(st.code)
    conditions = []
    shown = total = 0
    for c in fw.conditions:
        fields = []
        for f in c.fields:
            total += len(f.standards)
            kept = [_standard(s, stages) for s in f.standards if not needle or _matches(s, needle)]
            node_hit = bool(needle) and needle in f"{f.code} {f.title} {f.title_ko}".casefold()
            if needle and not kept and not node_hit:
                continue
            shown += len(kept)
            fields.append(
                {
                    "code": f.code,
                    "title": f.title,
                    "title_ko": f.title_ko,
                    "weight": f.weight,
                    "standards": kept,
                }
            )
        if fields:
            conditions.append(
                {
                    "code": c.code,
                    "title": c.title,
                    "title_ko": c.title_ko,
                    "weight": c.weight,
                    "fields": fields,
                }
            )
    return {
        "search": search.strip(),
        "shown": shown,
        "total": total,
        "conditions": conditions,
        "stages": [
            {
                "code": s.code,
                "name": s.name,
                "target_date": s.target_date.isoformat() if s.target_date else None,
                "requires": len(s.requires),
            }
            for s in fw.stages
        ],
        "scales": [
            {
                "code": sc.code,
                "name": sc.name,
                "not_applicable": sc.allows_na,
                "levels": [{"label": lv.label, "value": lv.value} for lv in sc.levels],
            }
            for sc in fw.scales
        ],
    }


def browse(
    *, session: Session, actor: Actor, plan: Plan, version: str | None = None, search: str = ""
) -> dict[str, Any]:
    """A version of the plan's framework (default: the current agreed one) as a tree, with
    every version of the plan for the history."""
    history = versions.list_versions(session=session, actor=actor, plan=plan)
    if version is None:
        current = current_version(session=session, plan=plan)
        if current is None and not history:
            raise NotFound(_("plan %(plan)s has no framework version", plan=repr(plan.code)))
        version = current.version if current is not None else history[-1].version
    info = versions.get_version(session=session, actor=actor, plan=plan, version=version)
    fw = versions.framework_for(session=session, actor=actor, plan=plan, version=version)
    return {
        "plan": plan.code,
        "version": info,
        "title": fw.title,
        "title_ko": fw.title_ko,
        "description": fw.description,
        "history": history,
        "tree": tree(fw, search),
    }
