"""The governance chain's common ground: a plan's bodies, provenance and sources, recorded
stage verifications, and loading a governance record (the OPCON public record) from YAML.

Meetings and decisions are in `meetings`; dates in force and the timeline in `timeline`.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord import permissions
from accord.engine.framework import Framework
from accord.engine.timeline import PartialDate
from accord.i18n import gettext as _
from accord.models import Evaluation, Plan, StageEvent
from accord.models.governance import PROVENANCES, STAGE_EVENT_KINDS

from . import Invalid, NotFound, audit
from .actors import Actor
from .frameworks import current_version, framework_of

RECORD_FORMAT = "accord/governance@1"
PROVENANCE_LABELS = {
    "public_record": "public record",
    "illustrative": "illustrative",
    "recorded": "recorded",
}
SOURCE_FIELDS = ("publisher", "title", "date")


def plan_framework(session: Session, plan: Plan) -> Framework:
    """The framework the plan's governance is declared in: its newest agreed version (or, with
    none agreed, the newest version of any status)."""
    from accord.models import FrameworkVersion

    version = current_version(session=session, plan=plan) or session.scalar(
        select(FrameworkVersion)
        .where(FrameworkVersion.plan_id == plan.id)
        .order_by(FrameworkVersion.id.desc())
        .limit(1)
    )
    if version is None:
        raise NotFound(_("plan %(plan)s has no framework version", plan=repr(plan.code)))
    return framework_of(version)


def bodies_document(fw: Framework) -> list[dict[str, Any]]:
    """The plan's bodies in the order results go up the chain (OPCON: MCM, then SCM)."""
    return [{"code": b.code, "name": b.name, "order": i + 1} for i, b in enumerate(fw.bodies)]


def list_bodies(*, session: Session, actor: Actor, plan_code: str) -> list[dict[str, Any]]:
    """The bodies a plan declares, in chain order."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    return bodies_document(plan_framework(session, plan))


def check_lengths(field: str, **values: tuple[str, int]) -> None:
    """Invalid naming the first value longer than its column allows."""
    for name, (value, limit) in values.items():
        if len(value) > limit:
            raise Invalid(
                _(
                    "%(prefix)s%(name)s: at most %(limit)s characters",
                    prefix=field,
                    name=name,
                    limit=limit,
                )
            )


def evaluations_named(
    session: Session, plan: Plan, codes: list[str], field: str
) -> list[Evaluation]:
    """The plan's evaluations with these codes; Invalid naming the first unknown one."""
    out = []
    for code in codes:
        ev = session.scalar(
            select(Evaluation).where(Evaluation.plan_id == plan.id, Evaluation.code == code)
        )
        if ev is None:
            raise Invalid(
                _(
                    "%(prefix)spresented: plan %(plan)s has no evaluation %(code)s",
                    prefix=field,
                    plan=repr(plan.code),
                    code=repr(code),
                )
            )
        out.append(ev)
    return out


def partial_date(value: Any, field: str) -> PartialDate:
    """A date field of a request or a record file; Invalid naming the field otherwise."""
    if isinstance(value, dt.date):
        return PartialDate(value)
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise Invalid(
            _("%(field)s: a date as YYYY-MM-DD, YYYY-MM or YYYY is required", field=field)
        )
    try:
        return PartialDate.parse(value)
    except ValueError as exc:
        raise Invalid(_("%(field)s: %(problem)s", field=field, problem=exc)) from None


def date_document(day: dt.date | None, precision: str) -> dict[str, Any] | None:
    """A stored date with its precision, for JSON: iso, label, first and last day."""
    if day is None:
        return None
    p = PartialDate.of(day, precision)
    return {
        "iso": p.iso(),
        "label": p.label(),
        "precision": p.precision,
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
    }


def check_provenance(provenance: str, sources: list[dict[str, Any]], field: str) -> None:
    """Invalid unless `provenance` is known and a public-record item has complete sources."""
    if provenance not in PROVENANCES:
        raise Invalid(
            _(
                "%(prefix)sprovenance: one of %(choices)s, not %(provenance)s",
                prefix=field,
                choices=", ".join(PROVENANCES),
                provenance=repr(provenance),
            )
        )
    for i, src in enumerate(sources):
        for key in SOURCE_FIELDS:
            if not str(src.get(key) or "").strip():
                raise Invalid(
                    _("%(prefix)ssources[%(i)s].%(key)s: required", prefix=field, i=i, key=key)
                )
        partial_date(str(src["date"]), f"{field}sources[{i}].date")
    if provenance == "public_record" and not sources:
        raise Invalid(
            _("%(prefix)ssources: a public-record item needs at least one source", prefix=field)
        )
    if provenance == "illustrative" and sources:
        raise Invalid(
            _(
                "%(prefix)ssources: an illustrative item has no sources; it is invented",
                prefix=field,
            )
        )


def clean_sources(raw: Any, field: str) -> list[dict[str, Any]]:
    """Sources as a list of {publisher, title, date, url}; Invalid naming the field."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise Invalid(_("%(prefix)ssources: a list of sources is required", prefix=field))
    out = []
    for i, src in enumerate(raw):
        if not isinstance(src, dict):
            raise Invalid(
                _(
                    "%(prefix)ssources[%(i)s]: publisher, title and date are required",
                    prefix=field,
                    i=i,
                )
            )
        url = str(src.get("url") or "").strip()
        # shown as a link: only web addresses, never javascript: or data: ones
        if url and not url.lower().startswith(("https://", "http://")):
            raise Invalid(
                _("%(prefix)ssources[%(i)s].url: an http(s) address is required", prefix=field, i=i)
            )
        out.append(
            {
                "publisher": str(src.get("publisher") or "").strip(),
                "title": str(src.get("title") or "").strip(),
                "date": str(src.get("date") or "").strip(),
                "url": url or None,
            }
        )
    return out


def provenance_document(provenance: str, sources_json: str) -> dict[str, Any]:
    """Where an item comes from, in every document that shows it."""
    return {
        "provenance": provenance,
        "provenance_label": PROVENANCE_LABELS.get(provenance, provenance),
        "public_record": provenance == "public_record",
        "illustrative": provenance == "illustrative",
        "sources": json.loads(sources_json or "[]"),
    }


def stage_event_document(e: StageEvent, evaluation_code: str | None = None) -> dict[str, Any]:
    """The public face of a recorded stage verification step."""
    return {
        "uid": e.uid,
        "stage": e.stage_code,
        "kind": e.kind,
        "date": date_document(e.held_on, e.date_precision),
        "until": date_document(e.until, e.date_precision),
        "text": e.text,
        "evaluation": evaluation_code,
        **provenance_document(e.provenance, e.sources_json),
    }


def list_stage_events(*, session: Session, actor: Actor, plan_code: str) -> list[dict[str, Any]]:
    """The plan's recorded stage verifications, oldest first."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    rows = session.execute(
        select(StageEvent, Evaluation.code)
        .outerjoin(Evaluation, Evaluation.id == StageEvent.evaluation_id)
        .where(StageEvent.plan_id == plan.id)
        .order_by(StageEvent.held_on, StageEvent.id)
    )
    return [stage_event_document(e, code) for e, code in rows]


def add_stage_event(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    stage: str,
    kind: str,
    date: Any,
    text: str = "",
    until: Any = None,
    evaluation: str | None = None,
    provenance: str = "recorded",
    sources: Any = None,
    field: str = "",
) -> dict[str, Any]:
    """Record a step in verifying a stage (rehearsed, assessed, verified, certified)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    permissions.require(actor, "governance.manage", plan=plan)
    fw = plan_framework(session, plan)
    if stage not in {s.code for s in fw.stages}:
        known = ", ".join(s.code for s in fw.stages) or "none"
        raise Invalid(
            _(
                "%(prefix)sstage: %(stage)s is not a stage of this plan (%(known)s)",
                prefix=field,
                stage=repr(stage),
                known=known,
            )
        )
    if kind not in STAGE_EVENT_KINDS:
        raise Invalid(
            _(
                "%(prefix)skind: one of %(choices)s, not %(kind)s",
                prefix=field,
                choices=", ".join(STAGE_EVENT_KINDS),
                kind=repr(kind),
            )
        )
    when = partial_date(date, f"{field}date")
    end = partial_date(until, f"{field}until") if until is not None else None
    if end is not None and end.start < when.start:
        raise Invalid(_("%(prefix)suntil: before the date", prefix=field))
    ev_id = None
    if evaluation is not None:
        ev = session.scalar(
            select(Evaluation).where(Evaluation.plan_id == plan.id, Evaluation.code == evaluation)
        )
        if ev is None:
            raise Invalid(
                _(
                    "%(prefix)sevaluation: plan %(plan)s has no evaluation %(evaluation)s",
                    prefix=field,
                    plan=repr(plan.code),
                    evaluation=repr(evaluation),
                )
            )
        ev_id = ev.id
    clean = clean_sources(sources, field)
    check_provenance(provenance, clean, field)
    row = StageEvent(
        plan_id=plan.id,
        stage_code=stage,
        kind=kind,
        held_on=when.start,
        date_precision=when.precision,
        until=end.start if end else None,
        text=text.strip(),
        evaluation_id=ev_id,
        provenance=provenance,
        sources_json=json.dumps(clean, ensure_ascii=False),
    )
    session.add(row)
    session.flush()
    doc = stage_event_document(row, evaluation)
    audit.record(session, actor, "stage_event.add", "stage_event", row.uid, after=doc)
    return doc


# --------------------------------------------------------------------------- record files


def example_record_text(name: str) -> str | None:
    """The bundled governance record of an example plan, if it has one."""
    path = resources.files("accord.data").joinpath(name, "public_record.yaml")
    return path.read_text("utf-8") if path.is_file() else None


def load_record(
    *, session: Session, actor: Actor, plan_code: str, data: Any, source: str
) -> dict[str, int]:
    """Create the meetings, decisions and stage events of a governance record document
    (format accord/governance@1, see docs/governance.md); every error names the item."""
    from . import meetings

    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        raise Invalid(
            _(
                "%(source)s: format: %(format)s is required",
                source=source,
                format=repr(RECORD_FORMAT),
            )
        )
    named = data.get("sources") or {}
    if not isinstance(named, dict):
        raise Invalid(
            _("%(source)s: sources: a mapping of names to sources is required", source=source)
        )

    def refs(raw: dict[str, Any], where: str) -> list[dict[str, Any]]:
        out = []
        for name in raw.get("sources") or []:
            if name not in named:
                raise Invalid(
                    _("%(prefix)ssources: no source named %(name)s", prefix=where, name=repr(name))
                )
            out.append({**named[name], "date": str(named[name].get("date", ""))})
        return out

    counts = {"meetings": 0, "decisions": 0, "stage_events": 0}
    for i, m in enumerate(data.get("meetings") or []):
        where = f"{source}: meetings[{i}]: "
        meetings.add_meeting(
            session=session,
            actor=actor,
            plan_code=plan_code,
            body=str(m.get("body", "")),
            number=m.get("number"),
            date=m.get("date"),
            place=str(m.get("place") or ""),
            title=str(m.get("title") or ""),
            status=str(m.get("status") or "planned"),
            outcome=str(m.get("outcome") or ""),
            presented=[str(c) for c in m.get("presented") or []],
            provenance=str(m.get("provenance") or "recorded"),
            sources=refs(m, where),
            field=where,
        )
        counts["meetings"] += 1
    for i, d in enumerate(data.get("decisions") or []):
        where = f"{source}: decisions[{i}]: "
        meetings.add_decision(
            session=session,
            actor=actor,
            plan_code=plan_code,
            meeting=d.get("meeting"),
            date=d.get("date"),
            decided_by=str(d.get("decided_by") or ""),
            kind=str(d.get("kind", "")),
            text=str(d.get("text") or ""),
            touches=d.get("touches"),
            code=d.get("stage") or d.get("standard"),
            new_date=d.get("new_date"),
            clears_date=bool(d.get("clears_date", False)),
            status=str(d.get("status") or "proposed"),
            provenance=str(d.get("provenance") or "recorded"),
            sources=refs(d, where),
            field=where,
        )
        counts["decisions"] += 1
    for i, e in enumerate(data.get("stage_events") or []):
        where = f"{source}: stage_events[{i}]: "
        add_stage_event(
            session=session,
            actor=actor,
            plan_code=plan_code,
            stage=str(e.get("stage", "")),
            kind=str(e.get("kind", "")),
            date=e.get("date"),
            until=e.get("until"),
            text=str(e.get("text") or ""),
            evaluation=e.get("evaluation"),
            provenance=str(e.get("provenance") or "recorded"),
            sources=refs(e, where),
            field=where,
        )
        counts["stage_events"] += 1
    return counts
