"""The plan's dates in force on any day, and its timeline: evaluations, signatures, stage
verifications, meetings and decisions in one deterministic order.

Dates in force: the framework's dates (and the plan's target date), replaced by each adopted
decision that sets or clears one, from the decision's own date on (engine/timeline.py).  The
dashboard, the report and the forecast read them for the day they describe.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord import i18n, permissions
from accord.engine.framework import Framework
from accord.engine.timeline import (
    EVENT_KINDS,
    PLAN_TARGET,
    DateChange,
    DateInForce,
    DatesInForce,
    Event,
    PartialDate,
    apply_dates,
    base_dates,
    date_history,
    dates_in_force,
    order_events,
)
from accord.i18n import gettext as _
from accord.models import (
    Decision,
    Evaluation,
    Meeting,
    MeetingEvaluation,
    Party,
    Plan,
    Signature,
    StageEvent,
)

from . import Invalid
from .actors import Actor
from .governance import PROVENANCE_LABELS, partial_date, plan_framework
from .meetings import decision_document, meeting_document, meeting_label

PROVENANCE_FILTERS = ("public_record", "illustrative", "recorded")


def date_changes(session: Session, plan: Plan) -> list[DateChange]:
    """Every adopted decision's effect on a date, in the plan."""
    rows = session.execute(
        select(Decision, Meeting)
        .outerjoin(Meeting, Meeting.id == Decision.meeting_id)
        .where(
            Decision.plan_id == plan.id,
            Decision.status == "adopted",
            Decision.touches.in_(("plan_target", "stage")),
        )
    )
    out = []
    for d, m in rows:
        if d.new_date is None and not d.clears_date:
            continue
        what = PLAN_TARGET if d.touches == "plan_target" else str(d.touches_code)
        new = PartialDate.of(d.new_date, d.new_date_precision) if d.new_date else None
        when = PartialDate.of(d.decided_on, d.date_precision)
        day = i18n.format_partial_date(when.iso())  # "4 Nov 2019", "2019. 11. 4."
        if m is not None:
            label = f"{meeting_label(m)}, {day}"
        else:
            label = f"{d.decided_by}, {day}" if d.decided_by else _("decision of %(day)s", day=day)
        out.append(DateChange(d.decided_on, what, new, d.uid, label, (d.position, d.id)))
    return out


def in_force(session: Session, plan: Plan, fw: Framework, on: dt.date) -> DatesInForce:
    """The plan's dates in force on `on`."""
    return dates_in_force(
        base_dates(fw, plan.target_date or fw.target_date), date_changes(session, plan), on
    )


def framework_in_force(
    session: Session, plan: Plan, fw: Framework, on: dt.date
) -> tuple[Framework, DatesInForce]:
    """The framework with the target dates in force on `on`, and those dates."""
    dates = in_force(session, plan, fw, on)
    return apply_dates(fw, dates), dates


def _item(d: DateInForce, name: str = "") -> dict[str, Any]:
    return {
        "what": d.what,
        "name": name,
        "date": d.date.iso() if d.date else None,
        "label": d.date.label() if d.date else None,
        "due": d.date.end.isoformat() if d.date else None,
        "since": d.since.isoformat() if d.since else None,
        "decision": d.ref,
        "set_by": d.label or (_("the framework") if d.ref is None else ""),
    }


def in_force_document(dates: DatesInForce, fw: Framework) -> dict[str, Any]:
    """The dates in force on a day, each with the decision that set it."""
    names = {s.code: s.name for s in fw.stages}
    return {
        "on": dates.on.isoformat(),
        "plan": _item(dates.plan, "Plan target date"),
        "stages": [_item(s, names.get(s.what, "")) for s in dates.stages],
    }


def dates_document(
    *, session: Session, actor: Actor, plan_code: str, on: str | None = None
) -> dict[str, Any]:
    """The dates in force on `on` (default: today) and the full history of each."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    day = partial_date(on, "on").start if on else dt.date.today()
    fw = plan_framework(session, plan)
    base = base_dates(fw, plan.target_date or fw.target_date)
    changes = date_changes(session, plan)
    doc = in_force_document(dates_in_force(base, changes, day), fw)
    names = {s.code: s.name for s in fw.stages}
    doc["history"] = {
        what: [_item(h, names.get(what, "")) for h in hist]
        for what, hist in date_history(base, changes).items()
    }
    return {"plan": plan.code, **doc}


# --------------------------------------------------------------------------- the timeline


def _events(session: Session, plan: Plan, fw: Framework) -> list[tuple[Event, dict[str, Any]]]:
    order = {b.code: i + 1 for i, b in enumerate(fw.bodies)}
    out: list[tuple[Event, dict[str, Any]]] = []
    evs = {
        e.id: e for e in session.scalars(select(Evaluation).where(Evaluation.plan_id == plan.id))
    }
    for e in evs.values():
        when = PartialDate(e.held_on)
        prov = "illustrative" if (e.illustrative or plan.illustrative) else "recorded"
        out.append(
            (
                Event("evaluation", when, e.code, e.label),
                {"ref": e.code, "status": e.status, "provenance": prov, "evaluation": e.code},
            )
        )
    sigs = session.execute(
        select(Signature, Party.code)
        .join(Party, Party.id == Signature.party_id)
        .where(Signature.evaluation_id.in_(list(evs)))
    )
    for s, party in sigs:
        ev = evs[s.evaluation_id]
        at = s.signed_at if s.signed_at.tzinfo else s.signed_at.replace(tzinfo=dt.UTC)
        title = f"{party} signed evaluation {ev.code}"
        # a signature over invented ratings is part of the illustration, labelled as such
        sig_prov = "illustrative" if (ev.illustrative or plan.illustrative) else "recorded"
        out.append(
            (
                Event("signature", PartialDate(at.date()), f"{ev.code}/{party}", title, at=at),
                {"ref": ev.code, "party": party, "provenance": sig_prov, "evaluation": ev.code},
            )
        )
    for st in session.scalars(select(StageEvent).where(StageEvent.plan_id == plan.id)):
        when = PartialDate.of(st.held_on, st.date_precision)
        title = f"{st.stage_code} {st.kind.replace('_', ' ')}"
        out.append(
            (
                Event("stage_event", when, st.uid, title, until=st.until),
                {"ref": st.uid, "stage": st.stage_code, "text": st.text,
                 "provenance": st.provenance, "sources_json": st.sources_json},
            )
        )  # fmt: skip
    meetings = list(session.scalars(select(Meeting).where(Meeting.plan_id == plan.id)))
    for m in meetings:
        when = PartialDate.of(m.held_on, m.date_precision)
        rank = (order.get(m.body_code, 99), m.number or 0)
        doc = meeting_document(m, order)
        out.append((Event("meeting", when, m.code, meeting_label(m), rank), doc))
    by_id = {m.id: m for m in meetings}
    for d in session.scalars(select(Decision).where(Decision.plan_id == plan.id)):
        dm = by_id.get(d.meeting_id) if d.meeting_id else None
        when = PartialDate.of(d.decided_on, d.date_precision)
        drank = (order.get(dm.body_code, 99), dm.number or 0, d.position) if dm else (0, 0, 0)
        out.append((Event("decision", when, d.uid, d.text, drank), decision_document(d, dm)))
    return out


def _row(e: Event, extra: dict[str, Any]) -> dict[str, Any]:
    prov = extra.get("provenance", "recorded")
    end = PartialDate.of(e.until, e.when.precision).end if e.until else e.when.end
    touched = extra.get("touches_code")
    sources = extra.get("sources")
    if sources is None and "sources_json" in extra:
        sources = json.loads(extra["sources_json"] or "[]")
    return {
        "kind": e.kind,
        "date": e.when.iso(),
        "label_date": e.when.label(),
        "start": e.when.start.isoformat(),
        "end": end.isoformat(),
        "precision": e.when.precision,
        "at": e.at.isoformat() if e.at else None,
        "key": e.key,
        "title": e.title,
        "provenance": prov,
        "provenance_label": PROVENANCE_LABELS.get(prov, prov),
        "public_record": prov == "public_record",
        "illustrative": prov == "illustrative",
        "sources": sources or [],
        "stage": extra.get("stage") or (touched if extra.get("touches") == "stage" else None),
        "body": extra.get("body"),
        "meeting": extra.get("meeting") if e.kind == "decision" else extra.get("code"),
        "evaluation": extra.get("evaluation"),
        "detail": extra.get("outcome") or extra.get("text") or (extra.get("status") or ""),
        "status": extra.get("status"),
    }  # fmt: skip


def _check_choice(values: Iterable[str], allowed: tuple[str, ...], field: str) -> set[str]:
    chosen = {v for v in values if v}
    bad = sorted(chosen - set(allowed))
    if bad:
        raise Invalid(
            _(
                "%(field)s: one of %(choices)s, not %(values)s",
                field=field,
                choices=", ".join(allowed),
                values=", ".join(bad),
            )
        )
    return chosen


def timeline_document(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    kinds: Iterable[str] = (),
    provenance: Iterable[str] = (),
    since: str | None = None,
    until: str | None = None,
    stage: str | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """The plan's timeline, filtered; events on one day in a fixed order (see EVENT_KINDS)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    fw = plan_framework(session, plan)
    want_kinds = _check_choice(kinds, EVENT_KINDS, "kind")
    want_prov = _check_choice(provenance, PROVENANCE_FILTERS, "provenance")
    start = partial_date(since, "since").start if since else None
    end = partial_date(until, "until").end if until else None
    if start and end and end < start:
        raise Invalid(_("until: before since"))
    stages = {s.code for s in fw.stages}
    if stage is not None and stage not in stages:
        raise Invalid(_("stage: %(stage)s is not a stage of this plan", stage=repr(stage)))
    if body is not None and body not in {b.code for b in fw.bodies}:
        raise Invalid(_("body: %(body)s is not a body of this plan", body=repr(body)))
    pairs = _events(session, plan, fw)
    events = order_events([e for e, _ in pairs])
    extra = {id(e): x for e, x in pairs}
    rows = []
    for e in events:
        row = _row(e, extra[id(e)])
        if want_kinds and e.kind not in want_kinds:
            continue
        if want_prov and row["provenance"] not in want_prov:
            continue
        if (start and e.when.end < start) or (end and e.when.start > end):
            continue
        if stage is not None and row["stage"] != stage:
            continue
        if body is not None and not (
            row["body"] == body or (row["meeting"] or "").startswith(body + "-")
        ):
            continue
        rows.append(row)
    return {
        "plan": plan.code,
        "illustrative": plan.illustrative,
        "filters": {
            "kind": sorted(want_kinds),
            "provenance": sorted(want_prov),
            "since": since,
            "until": until,
            "stage": stage,
            "body": body,
        },
        "kinds": list(EVENT_KINDS),
        "bodies": [b.code for b in fw.bodies],
        "stages": [s.code for s in fw.stages],
        "count": len(rows),
        "events": rows,
    }


def meetings_of_evaluation(
    session: Session, plan: Plan, evaluation_id: int
) -> list[dict[str, Any]]:
    """Where an evaluation went and when: the meetings it was presented to, in chain order."""
    order = {b.code: i + 1 for i, b in enumerate(plan_framework(session, plan).bodies)}
    rows = list(
        session.scalars(
            select(Meeting)
            .join(MeetingEvaluation, MeetingEvaluation.meeting_id == Meeting.id)
            .where(MeetingEvaluation.evaluation_id == evaluation_id)
        )
    )
    rows.sort(key=lambda m: (m.held_on, order.get(m.body_code, 99), m.code))
    counted = session.execute(
        select(Decision.meeting_id, func.count())
        .where(Decision.meeting_id.in_([m.id for m in rows]))
        .group_by(Decision.meeting_id)
    )
    decisions: dict[int | None, int] = {row[0]: row[1] for row in counted}
    return [{**meeting_document(m, order), "decisions": decisions.get(m.id, 0)} for m in rows]
