"""JSON routes for the governance chain: bodies, meetings, decisions, stage verifications,
the dates in force, the timeline, and a meeting's brief (docs/governance.md)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from accord.reports import brief as brief_report
from accord.services import governance, meetings, timeline
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from .schemas import ErrorPublic

router = APIRouter(prefix="/api/v1/plans/{plan}", tags=["governance"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorPublic} for code in (400, 401, 403, 404, 409, 422)
}
Obj = dict[str, Any]
DATE = "YYYY-MM-DD, or YYYY-MM / YYYY when only the month or year is known"


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    publisher: str
    title: str
    date: str = Field(description=DATE)
    url: str | None = None


class MeetingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(description="A body the plan declares, e.g. MCM")
    number: int | None = Field(None, description="50 for the 50th MCM")
    date: str = Field(description=DATE)
    place: str = ""
    title: str = ""
    status: str = "planned"
    outcome: str = ""
    presented: list[str] = Field(default_factory=list, description="Evaluation codes")
    provenance: str = "recorded"
    sources: list[SourceIn] = Field(default_factory=list)


class MeetingUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int | None = Field(None, description="The version you last saw")
    status: str | None = None
    outcome: str | None = None
    place: str | None = None
    present: list[str] = Field(default_factory=list, description="Evaluations to add")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    text: str
    meeting: str | None = Field(None, description="MCM-50 or '50th MCM'")
    date: str | None = Field(None, description="Default: the meeting's date. " + DATE)
    decided_by: str = ""
    touches: str | None = Field(None, description="plan_target, stage or standard")
    code: str | None = Field(None, description="The stage or standard touched")
    new_date: str | None = Field(None, description="The date it sets. " + DATE)
    clears_date: bool = False
    status: str = "proposed"
    provenance: str = "recorded"
    sources: list[SourceIn] = Field(default_factory=list)


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int | None = None


class StageEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stage: str
    kind: str
    date: str = Field(description=DATE)
    until: str | None = None
    text: str = ""
    evaluation: str | None = None
    provenance: str = "recorded"
    sources: list[SourceIn] = Field(default_factory=list)


def _sources(items: list[SourceIn]) -> list[Obj]:
    return [s.model_dump() for s in items]


@router.get("/bodies", responses=ERRORS)
def bodies(plan: str, session: Session = SESSION, actor: Actor = Depends(get_actor)) -> list[Obj]:
    """The plan's bodies, in the order results go up the chain."""
    return governance.list_bodies(session=session, actor=actor, plan_code=plan)


@router.get("/meetings", responses=ERRORS)
def list_meetings(
    plan: str,
    body: str | None = Query(None, description="Only this body's meetings"),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> list[Obj]:
    """The plan's meetings in date order, each marked public record, illustrative or recorded."""
    return meetings.list_meetings(session=session, actor=actor, plan_code=plan, body=body)


@router.post("/meetings", status_code=201, responses=ERRORS)
def add_meeting(
    plan: str, body: MeetingIn, session: Session = SESSION, actor: Actor = Depends(get_actor)
) -> Obj:
    """Record a meeting (administrators and signers)."""
    data = body.model_dump()
    data["sources"] = _sources(body.sources)
    return meetings.add_meeting(session=session, actor=actor, plan_code=plan, **data)


@router.get("/meetings/{meeting}", responses=ERRORS)
def get_meeting(
    plan: str, meeting: str, session: Session = SESSION, actor: Actor = Depends(get_actor)
) -> Obj:
    """One meeting, the evaluations presented to it and its decisions."""
    return meetings.get_meeting(session=session, actor=actor, plan_code=plan, meeting=meeting)


@router.patch("/meetings/{meeting}", responses=ERRORS)
def update_meeting(
    plan: str,
    meeting: str,
    body: MeetingUpdate,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Record a meeting's status, outcome or place, or present evaluations to it."""
    return meetings.update_meeting(
        session=session, actor=actor, plan_code=plan, meeting=meeting, **body.model_dump()
    )


@router.get(
    "/meetings/{meeting}/brief",
    response_class=Response,
    responses={200: {"content": {t: {} for t in brief_report.MEDIA_TYPES.values()}}, **ERRORS},
)
def meeting_brief(
    plan: str,
    meeting: str,
    fmt: Literal["json", "html", "md", "pdf"] = Query("json", alias="format"),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """The brief the body reads: evaluation summary, statement, pending decisions, open action
    items, dates in force; as JSON, HTML, Markdown or PDF."""
    doc = brief_report.build_brief(session=session, actor=actor, plan_code=plan, meeting=meeting)
    disposition = "inline" if fmt == "json" else "attachment"
    return Response(
        brief_report.render(doc, fmt),
        media_type=brief_report.MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'{disposition}; filename="{brief_report.filename(doc, fmt)}"'
        },
    )


@router.get("/decisions", responses=ERRORS)
def list_decisions(
    plan: str,
    status: str | None = Query(None, description="proposed, adopted or withdrawn"),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> list[Obj]:
    """The plan's decisions in date order."""
    return meetings.list_decisions(session=session, actor=actor, plan_code=plan, status=status)


@router.post("/decisions", status_code=201, responses=ERRORS)
def add_decision(
    plan: str, body: DecisionIn, session: Session = SESSION, actor: Actor = Depends(get_actor)
) -> Obj:
    """Record a decision (proposed by default; adopted ones change dates from their date)."""
    data = body.model_dump()
    data["sources"] = _sources(body.sources)
    return meetings.add_decision(session=session, actor=actor, plan_code=plan, **data)


@router.post("/decisions/{decision}/adopt", responses=ERRORS)
def adopt(
    plan: str,
    decision: str,
    body: StatusIn | None = None,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Adopt a proposed decision."""
    return meetings.set_decision_status(
        session=session,
        actor=actor,
        plan_code=plan,
        uid=decision,
        status="adopted",
        version=body.version if body else None,
    )


@router.post("/decisions/{decision}/withdraw", responses=ERRORS)
def withdraw(
    plan: str,
    decision: str,
    body: StatusIn | None = None,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Withdraw a proposed decision."""
    return meetings.set_decision_status(
        session=session,
        actor=actor,
        plan_code=plan,
        uid=decision,
        status="withdrawn",
        version=body.version if body else None,
    )


@router.get("/stage-events", responses=ERRORS)
def list_stage_events(
    plan: str, session: Session = SESSION, actor: Actor = Depends(get_actor)
) -> list[Obj]:
    """Recorded stage verifications (rehearsed, assessed, verified, certified)."""
    return governance.list_stage_events(session=session, actor=actor, plan_code=plan)


@router.post("/stage-events", status_code=201, responses=ERRORS)
def add_stage_event(
    plan: str, body: StageEventIn, session: Session = SESSION, actor: Actor = Depends(get_actor)
) -> Obj:
    """Record a step in verifying a stage."""
    data = body.model_dump()
    data["sources"] = _sources(body.sources)
    return governance.add_stage_event(session=session, actor=actor, plan_code=plan, **data)


@router.get("/dates", responses=ERRORS)
def dates(
    plan: str,
    on: str | None = Query(None, description="The day (default: today). " + DATE),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """The target dates in force on a day, who set each, and the history of every date."""
    return timeline.dates_document(session=session, actor=actor, plan_code=plan, on=on)


@router.get("/timeline", responses=ERRORS)
def get_timeline(
    plan: str,
    kind: list[str] = Query(
        [], description="evaluation, signature, stage_event, meeting, decision"
    ),
    provenance: list[str] = Query([], description="public_record, illustrative, recorded"),
    since: str | None = Query(None, description=DATE),
    until: str | None = Query(None, description=DATE),
    stage: str | None = None,
    body: str | None = None,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Evaluations, signatures, stage verifications, meetings and decisions in one order."""
    return timeline.timeline_document(
        session=session,
        actor=actor,
        plan_code=plan,
        kinds=kind,
        provenance=provenance,
        since=since,
        until=until,
        stage=stage,
        body=body,
    )
