"""HTML pages of the governance chain: the timeline (JSON twin /api/v1/plans/{plan}/timeline),
the meetings (twin: .../meetings) and one meeting with its brief (twin: .../meetings/{m}/brief),
with forms for those who record the chain (governance.manage; the API's POST/PATCH twins).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from accord import permissions
from accord.i18n import gettext as _
from accord.models.governance import DECISION_KINDS
from accord.reports import brief as brief_report
from accord.reports.render import spec_json
from accord.reports.timeline import timeline_chart
from accord.services import Invalid, documents, governance, meetings, timeline
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from ..templating import templates_of
from .round_common import form_fields

router = APIRouter(include_in_schema=False)


@router.get("/plans/{plan}/timeline", name="timeline")
def timeline_page(
    request: Request,
    plan: str,
    kind: list[str] = Query([]),
    provenance: list[str] = Query([]),
    since: str | None = Query(None),
    until: str | None = Query(None),
    stage: str | None = Query(None),
    body: str | None = Query(None),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """The plan's timeline, filterable, with its chart."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    doc = timeline.timeline_document(
        session=session,
        actor=actor,
        plan_code=plan,
        kinds=kind,
        provenance=provenance,
        since=since or None,
        until=until or None,
        stage=stage or None,
        body=body or None,
    )
    chart = timeline_chart(doc)
    query = request.url.query
    return templates_of(request).TemplateResponse(
        request,
        "governance/timeline.html",
        {
            "plan": the_plan,
            "doc": doc,
            "chart_json": spec_json(chart) if chart else None,
            "json_url": f"/api/v1/plans/{the_plan.code}/timeline" + (f"?{query}" if query else ""),
            "notice": documents.ILLUSTRATIVE_NOTICE if the_plan.illustrative else None,
        },
    )


@router.get("/plans/{plan}/meetings", name="meetings")
def meetings_page(
    request: Request,
    plan: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """The plan's meetings, body by body in date order."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    rows = meetings.list_meetings(session=session, actor=actor, plan_code=plan)
    decisions = meetings.list_decisions(session=session, actor=actor, plan_code=plan)
    return templates_of(request).TemplateResponse(
        request,
        "governance/meetings.html",
        {
            "plan": the_plan,
            "meetings": rows,
            "outside": [d for d in decisions if d["meeting"] is None],
            "dates": timeline.dates_document(session=session, actor=actor, plan_code=plan),
            "can_manage": permissions.can(actor, "governance.manage", plan=the_plan),
            "bodies": governance.bodies_document(governance.plan_framework(session, the_plan)),
            "notice": documents.ILLUSTRATIVE_NOTICE if the_plan.illustrative else None,
        },
    )


@router.get("/plans/{plan}/meetings/{meeting}", name="meeting")
def meeting_page(
    request: Request,
    plan: str,
    meeting: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """One meeting: what was presented, decided and pending; its brief for download."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    doc = brief_report.build_brief(session=session, actor=actor, plan_code=plan, meeting=meeting)
    return templates_of(request).TemplateResponse(
        request,
        "governance/meeting.html",
        {
            "plan": the_plan,
            "b": doc,
            "formats": brief_report.FORMATS,
            "notice": doc["notice"],
            "can_manage": permissions.can(actor, "governance.manage", plan=the_plan),
            "kinds": DECISION_KINDS,
            "stages": [s.code for s in governance.plan_framework(session, the_plan).stages],
        },
    )


def _back(url: str) -> Response:
    return RedirectResponse(url, status_code=303)  # post/redirect/get


def _opt(form: dict[str, str], key: str) -> str | None:
    value = form.get(key, "").strip()
    return value or None


@router.post("/plans/{plan}/meetings")
def add_meeting(
    plan: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Record a meeting from the meetings page's form; back to the new meeting."""
    number = _opt(form, "number")
    if number is not None and not number.isdigit():
        raise Invalid(_("number: a whole number is required"))
    m = meetings.add_meeting(
        session=session,
        actor=actor,
        plan_code=plan,
        body=form.get("body", ""),
        number=int(number) if number else None,
        date=form.get("date", ""),
        place=form.get("place", ""),
        status=form.get("status", "planned"),
        outcome=form.get("outcome", ""),
        presented=[c.strip() for c in form.get("present", "").split(",") if c.strip()],
    )
    return _back(f"/plans/{plan}/meetings/{m['code']}")


@router.post("/plans/{plan}/meetings/{meeting}/record")
def record_meeting(
    plan: str,
    meeting: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Record a meeting's status and outcome from its page."""
    m = meetings.update_meeting(
        session=session,
        actor=actor,
        plan_code=plan,
        meeting=meeting,
        status=_opt(form, "status"),
        outcome=form.get("outcome"),
    )
    return _back(f"/plans/{plan}/meetings/{m['code']}")


@router.post("/plans/{plan}/meetings/{meeting}/decisions")
def add_decision(
    plan: str,
    meeting: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Propose a decision to a meeting from its page."""
    touches = _opt(form, "touches")
    d = meetings.add_decision(
        session=session,
        actor=actor,
        plan_code=plan,
        meeting=meeting,
        kind=form.get("kind", ""),
        text=form.get("text", ""),
        touches=touches,
        code=_opt(form, "code") if touches in ("stage", "standard") else None,
        new_date=_opt(form, "new_date"),
    )
    return _back(f"/plans/{plan}/meetings/{d['meeting']}#pending")


@router.post("/plans/{plan}/decisions/{decision}/status")
def decision_status(
    plan: str,
    decision: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Adopt or withdraw a proposed decision from its meeting's page."""
    d = meetings.set_decision_status(
        session=session, actor=actor, plan_code=plan, uid=decision, status=form.get("status", "")
    )
    target = f"/plans/{plan}/meetings/{d['meeting']}" if d["meeting"] else f"/plans/{plan}/meetings"
    return _back(target + "#pending")
