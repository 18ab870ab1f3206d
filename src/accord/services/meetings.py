"""Meetings of a plan's bodies and the decisions they take.

A meeting is named by its body and number ("50th MCM", code "MCM-50").  A decision is
proposed, then adopted (or withdrawn); an adopted decision is never edited, so the history of
what was decided, and when, stays as it was: a later decision supersedes an earlier one.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord import i18n, permissions
from accord.engine.timeline import PartialDate, ordinal
from accord.i18n import gettext as _
from accord.models import Decision, Meeting, MeetingEvaluation, Plan
from accord.models.governance import (
    DECISION_KINDS,
    DECISION_STATUSES,
    MEETING_STATUSES,
    TOUCHES,
)

from . import Conflict, Invalid, NotFound, audit
from .actors import Actor
from .governance import (
    check_lengths,
    check_provenance,
    clean_sources,
    date_document,
    evaluations_named,
    partial_date,
    plan_framework,
    provenance_document,
)

DATE_KINDS = ("target_date_set", "target_date_moved")
_REF = re.compile(
    r"^\s*(?:(\d+)(?:st|nd|rd|th)?\s*[- ]?\s*([A-Za-z][\w.]*)|([A-Za-z][\w.]*)\s*[- ]?\s*(\d+))\s*$"
)


def meeting_label(m: Meeting) -> str:
    """'50th MCM', or the body and date when the meeting has no number."""
    if m.number is not None:
        return f"{ordinal(m.number)} {m.body_code}"
    return f"{m.body_code} {m.held_on.isoformat()}"


def find_meeting(session: Session, plan: Plan, ref: str) -> Meeting:
    """A plan's meeting by code ('MCM-50'), name ('50th MCM', 'MCM 50') or uid."""
    q = select(Meeting).where(Meeting.plan_id == plan.id)
    m = session.scalar(q.where((Meeting.code == ref) | (Meeting.uid == ref)))
    if m is None:
        match = _REF.match(ref)
        if match:
            num, body = (match[1], match[2]) if match[1] else (match[4], match[3])
            m = session.scalar(
                q.where(func.upper(Meeting.body_code) == body.upper(), Meeting.number == int(num))
            )
    if m is None:
        raise NotFound(
            _("plan %(plan)s has no meeting %(ref)s", plan=repr(plan.code), ref=repr(ref))
        )
    return m


def meeting_document(
    m: Meeting, body_order: dict[str, int], decisions: list[Decision] | None = None
) -> dict[str, Any]:
    """The public face of a meeting (with its decisions when given)."""
    doc: dict[str, Any] = {
        "uid": m.uid,
        "code": m.code,
        "label": meeting_label(m),
        "body": m.body_code,
        "body_order": body_order.get(m.body_code),
        "number": m.number,
        "title": m.title,
        "date": date_document(m.held_on, m.date_precision),
        "place": m.place,
        "status": m.status,
        "outcome": m.outcome,
        "presented": [
            {
                "code": p.evaluation.code,
                "label": p.evaluation.label,
                "held_on": p.evaluation.held_on.isoformat(),
                "illustrative": p.evaluation.illustrative,
            }
            for p in m.presented
        ],
        "version": m.version,
        **provenance_document(m.provenance, m.sources_json),
    }
    if decisions is not None:
        doc["decisions"] = [decision_document(d, m) for d in decisions]
    return doc


def decision_document(d: Decision, meeting: Meeting | None) -> dict[str, Any]:
    """The public face of a decision."""
    return {
        "uid": d.uid,
        "meeting": meeting.code if meeting else None,
        "meeting_label": meeting_label(meeting) if meeting else None,
        "date": date_document(d.decided_on, d.date_precision),
        "decided_by": d.decided_by or (meeting_label(meeting) if meeting else ""),
        "kind": d.kind,
        "text": d.text,
        "touches": d.touches,
        "touches_code": d.touches_code,
        "new_date": date_document(d.new_date, d.new_date_precision),
        "clears_date": d.clears_date,
        "sets_date": d.touches in ("plan_target", "stage")
        and (d.new_date is not None or d.clears_date),
        "status": d.status,
        "position": d.position,
        "version": d.version,
        **provenance_document(d.provenance, d.sources_json),
    }


def _body_order(session: Session, plan: Plan) -> dict[str, int]:
    return {b.code: i + 1 for i, b in enumerate(plan_framework(session, plan).bodies)}


def _decisions_of(session: Session, meeting: Meeting) -> list[Decision]:
    return list(
        session.scalars(
            select(Decision)
            .where(Decision.meeting_id == meeting.id)
            .order_by(Decision.position, Decision.id)
        )
    )


def list_meetings(
    *, session: Session, actor: Actor, plan_code: str, body: str | None = None
) -> list[dict[str, Any]]:
    """The plan's meetings in date order (bodies in chain order on one day)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    order = _body_order(session, plan)
    q = select(Meeting).where(Meeting.plan_id == plan.id)
    if body is not None:
        q = q.where(Meeting.body_code == body)
    rows = list(session.scalars(q))
    rows.sort(key=lambda m: (m.held_on, order.get(m.body_code, 99), m.number or 0, m.code))
    return [meeting_document(m, order) for m in rows]


def get_meeting(*, session: Session, actor: Actor, plan_code: str, meeting: str) -> dict[str, Any]:
    """One meeting with the evaluations presented to it and its decisions."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    m = find_meeting(session, plan, meeting)
    return meeting_document(m, _body_order(session, plan), _decisions_of(session, m))


def add_meeting(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    body: str,
    date: Any,
    number: Any = None,
    place: str = "",
    title: str = "",
    status: str = "planned",
    outcome: str = "",
    presented: list[str] | None = None,
    provenance: str = "recorded",
    sources: Any = None,
    field: str = "",
) -> dict[str, Any]:
    """Record a meeting of one of the plan's bodies."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    permissions.require(actor, "governance.manage", plan=plan)
    order = _body_order(session, plan)
    if body not in order:
        known = ", ".join(order) or "none: declare `bodies:` in the framework"
        raise Invalid(
            _(
                "%(prefix)sbody: %(body)s is not a body of this plan (%(known)s)",
                prefix=field,
                body=repr(body),
                known=known,
            )
        )
    if number is not None and (not isinstance(number, int) or isinstance(number, bool)):
        raise Invalid(_("%(prefix)snumber: a whole number is required", prefix=field))
    if number is not None and not 1 <= number <= 100_000:
        raise Invalid(_("%(prefix)snumber: must be between 1 and 100000", prefix=field))
    check_lengths(field, place=(place, 200), title=(title, 300))
    if status not in MEETING_STATUSES:
        raise Invalid(
            _(
                "%(prefix)sstatus: one of %(choices)s, not %(status)s",
                prefix=field,
                choices=", ".join(MEETING_STATUSES),
                status=repr(status),
            )
        )
    when = partial_date(date, f"{field}date")
    clean = clean_sources(sources, field)
    check_provenance(provenance, clean, field)
    code = f"{body}-{number}" if number is not None else f"{body}-{when.iso()}"
    if session.scalar(select(Meeting.id).where(Meeting.plan_id == plan.id, Meeting.code == code)):
        raise Conflict(
            _(
                "%(prefix)splan %(plan)s already has meeting %(code)s",
                prefix=field,
                plan=repr(plan.code),
                code=code,
            )
        )
    evs = evaluations_named(session, plan, presented or [], field)
    m = Meeting(
        plan_id=plan.id,
        code=code,
        body_code=body,
        number=number,
        title=title.strip(),
        held_on=when.start,
        date_precision=when.precision,
        place=place.strip(),
        status=status,
        outcome=outcome.strip(),
        provenance=provenance,
        sources_json=json.dumps(clean, ensure_ascii=False),
        presented=[MeetingEvaluation(evaluation=ev, position=i) for i, ev in enumerate(evs)],
    )
    session.add(m)
    session.flush()
    doc = meeting_document(m, order)
    audit.record(session, actor, "meeting.add", "meeting", m.uid, after=doc)
    return doc


def update_meeting(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    meeting: str,
    version: int | None = None,
    status: str | None = None,
    outcome: str | None = None,
    place: str | None = None,
    present: list[str] | None = None,
) -> dict[str, Any]:
    """Record what a meeting did (status, outcome, place) or present evaluations to it."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    permissions.require(actor, "governance.manage", plan=plan)
    m = find_meeting(session, plan, meeting)
    order = _body_order(session, plan)
    before = meeting_document(m, order)
    if version is not None and version != m.version:
        raise Conflict(
            _("meeting %(meeting)s was changed meanwhile: reload and retry", meeting=m.code),
            current=before,
        )
    if m.provenance == "public_record":
        raise Conflict(
            _("meeting %(meeting)s is from the public record: it is not edited", meeting=m.code)
        )
    if status is not None:
        if status not in MEETING_STATUSES:
            raise Invalid(
                _(
                    "status: one of %(choices)s, not %(status)s",
                    choices=", ".join(MEETING_STATUSES),
                    status=repr(status),
                )
            )
        m.status = status
    if outcome is not None:
        m.outcome = outcome.strip()
    if place is not None:
        check_lengths("", place=(place, 200))
        m.place = place.strip()
    have = {p.evaluation_id for p in m.presented}
    for ev in evaluations_named(session, plan, present or [], ""):
        if ev.id not in have:
            m.presented.append(MeetingEvaluation(evaluation=ev, position=len(m.presented)))
            have.add(ev.id)
    session.flush()
    doc = meeting_document(m, order)
    audit.record(session, actor, "meeting.update", "meeting", m.uid, before=before, after=doc)
    return doc


def add_decision(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    kind: str,
    text: str,
    meeting: str | None = None,
    date: Any = None,
    decided_by: str = "",
    touches: str | None = None,
    code: str | None = None,
    new_date: Any = None,
    clears_date: bool = False,
    status: str = "proposed",
    provenance: str = "recorded",
    sources: Any = None,
    field: str = "",
) -> dict[str, Any]:
    """Record a decision of a meeting (or, dated on its own, one taken outside any)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    permissions.require(actor, "governance.manage", plan=plan)
    if kind not in DECISION_KINDS:
        raise Invalid(
            _(
                "%(prefix)skind: one of %(choices)s, not %(kind)s",
                prefix=field,
                choices=", ".join(DECISION_KINDS),
                kind=repr(kind),
            )
        )
    if not text.strip():
        raise Invalid(_("%(prefix)stext: required", prefix=field))
    check_lengths(field, decided_by=(decided_by, 200), code=(code or "", 64))
    if status not in DECISION_STATUSES:
        raise Invalid(
            _(
                "%(prefix)sstatus: one of %(choices)s, not %(status)s",
                prefix=field,
                choices=", ".join(DECISION_STATUSES),
                status=repr(status),
            )
        )
    m = find_meeting(session, plan, meeting) if meeting else None
    if m is not None and date is None:
        when = PartialDate.of(m.held_on, m.date_precision)
    elif date is not None:
        when = partial_date(date, f"{field}date")
    else:
        raise Invalid(
            _("%(prefix)sdate: required for a decision taken outside a meeting", prefix=field)
        )
    fw = plan_framework(session, plan)
    if touches is not None and touches not in TOUCHES:
        raise Invalid(
            _(
                "%(prefix)stouches: one of %(choices)s, not %(touches)s",
                prefix=field,
                choices=", ".join(TOUCHES),
                touches=repr(touches),
            )
        )
    if touches == "stage" and code not in {s.code for s in fw.stages}:
        raise Invalid(
            _(
                "%(prefix)sstage: %(code)s is not a stage of this plan",
                prefix=field,
                code=repr(code),
            )
        )
    if touches == "standard" and code not in fw.standards_by_code:
        raise Invalid(
            _(
                "%(prefix)sstandard: %(code)s is not a standard of this plan",
                prefix=field,
                code=repr(code),
            )
        )
    if touches == "plan_target":
        code = None
    if kind in DATE_KINDS and touches not in ("plan_target", "stage"):
        raise Invalid(
            _(
                "%(prefix)stouches: a %(kind)s decision touches plan_target or a stage",
                prefix=field,
                kind=kind,
            )
        )
    if kind in DATE_KINDS and new_date is None and not clears_date:
        raise Invalid(
            _(
                "%(prefix)snew_date: required (or clears_date) for a %(kind)s decision",
                prefix=field,
                kind=kind,
            )
        )
    if (new_date is not None or clears_date) and touches not in ("plan_target", "stage"):
        raise Invalid(
            _(
                "%(prefix)snew_date: only a decision on plan_target or a stage sets a date",
                prefix=field,
            )
        )
    if new_date is not None and clears_date:
        raise Invalid(
            _("%(prefix)sclears_date: a decision sets a date or clears it, not both", prefix=field)
        )
    target = partial_date(new_date, f"{field}new_date") if new_date is not None else None
    clean = clean_sources(sources, field)
    check_provenance(provenance, clean, field)
    position = 0
    if m is not None:
        position = 1 + (
            session.scalar(select(func.max(Decision.position)).where(Decision.meeting_id == m.id))
            or 0
        )
    d = Decision(
        plan_id=plan.id,
        meeting_id=m.id if m else None,
        position=position,
        decided_on=when.start,
        date_precision=when.precision,
        decided_by=decided_by.strip(),
        kind=kind,
        text=text.strip(),
        touches=touches,
        touches_code=code,
        new_date=target.end if target else None,  # a target falls due at the end of its period
        new_date_precision=target.precision if target else "day",
        clears_date=clears_date,
        status=status,
        provenance=provenance,
        sources_json=json.dumps(clean, ensure_ascii=False),
    )
    session.add(d)
    session.flush()
    doc = decision_document(d, m)
    audit.record(session, actor, "decision.add", "decision", d.uid, after=doc)
    return doc


def set_decision_status(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    uid: str,
    status: str,
    version: int | None = None,
) -> dict[str, Any]:
    """Adopt or withdraw a proposed decision; an adopted one is final (Conflict)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    permissions.require(actor, "governance.manage", plan=plan)
    d = session.scalar(select(Decision).where(Decision.plan_id == plan.id, Decision.uid == uid))
    if d is None:
        raise NotFound(
            _("plan %(plan)s has no decision %(uid)s", plan=repr(plan.code), uid=repr(uid))
        )
    before = decision_document(d, d.meeting)
    if status not in ("adopted", "withdrawn"):
        raise Invalid(_("status: adopted or withdrawn, not %(status)s", status=repr(status)))
    if version is not None and version != d.version:
        raise Conflict(_("the decision was changed meanwhile: reload and retry"), current=before)
    if d.status != "proposed":
        raise Conflict(
            _(
                "the decision is %(status)s: only a proposed one changes",
                status=i18n.term(d.status),
            ),
            current=before,
        )
    d.status = status
    session.flush()
    doc = decision_document(d, d.meeting)
    action = "decision.adopt" if status == "adopted" else "decision.withdraw"
    audit.record(session, actor, action, "decision", d.uid, before=before, after=doc)
    return doc


def list_decisions(
    *, session: Session, actor: Actor, plan_code: str, status: str | None = None
) -> list[dict[str, Any]]:
    """The plan's decisions in date order (a meeting's in their order)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    q = select(Decision).where(Decision.plan_id == plan.id)
    if status is not None:
        if status not in DECISION_STATUSES:
            raise Invalid(
                _(
                    "status: one of %(choices)s, not %(status)s",
                    choices=", ".join(DECISION_STATUSES),
                    status=repr(status),
                )
            )
        q = q.where(Decision.status == status)
    rows = session.scalars(q.order_by(Decision.decided_on, Decision.position, Decision.id))
    return [decision_document(d, d.meeting) for d in rows]
