"""JSON routes for an evaluation round: rating, submission, reopening, reconciliation,
conclusion, and action items."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from accord.services import action_items, lifecycle, ratings, reconciliation, trees
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from .fastjson import fast_json
from .schemas import ErrorPublic

router = APIRouter(prefix="/api/v1/plans/{plan}", tags=["evaluations"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorPublic} for code in (400, 401, 403, 404, 409, 422)
}


class EvaluationIn(BaseModel):
    code: str = Field(description="Short code, e.g. 2027")
    label: str = ""
    held_on: dt.date
    kind: str = "annual"
    due_on: dt.date | None = None


class OpenIn(BaseModel):
    due_on: dt.date | None = None


class DeadlineIn(BaseModel):
    due_on: dt.date | None


class RatingIn(BaseModel):
    standard: str
    level: str
    rationale: str = ""
    version: int | None = Field(None, description="The version you last saw; omit for new.")


class RatingsIn(BaseModel):
    party: str | None = Field(None, description="Needed only if you act for several parties.")
    ratings: list[RatingIn]


class PartyIn(BaseModel):
    party: str | None = None


class ReopenIn(BaseModel):
    target: str = Field(description="The party whose submission should be reopened.")
    party: str | None = None


class ProposalIn(BaseModel):
    level: str
    rationale: str
    party: str | None = None


class ActionItemIn(BaseModel):
    version: int
    status: str | None = None
    notes: str | None = None
    due_on: dt.date | None = None


class RatingPublic(BaseModel):
    standard: str
    level: str
    rationale: str
    version: int
    updated_at: str | None


class TreeStandardPublic(BaseModel):
    code: str
    title: str
    threshold: str
    joint: str | None = Field(description="The joint level, once there is one")
    ratings: dict[str, str | None] = Field(description="Level by visible party (None: unrated)")


class TreeNodePublic(BaseModel):
    code: str
    title: str
    score: float | None = Field(description="Joint roll-up score in [0, 1]; None: nothing rated")
    met: int
    not_met: int
    not_rated: int
    not_applicable: int
    parties: dict[str, float | None] = Field(description="Roll-up of each visible party's levels")


class TreeFieldPublic(TreeNodePublic):
    standards: list[TreeStandardPublic]


class TreeConditionPublic(TreeNodePublic):
    fields: list[TreeFieldPublic]


class TreePublic(BaseModel):
    plan: str
    evaluation: str
    status: str
    illustrative: bool
    framework: str = Field(description="The framework version evaluated")
    parties: list[str] = Field(description="Parties whose levels you may see (blind rating)")
    score: float | None
    met: int
    not_met: int
    not_rated: int
    not_applicable: int
    conditions: list[TreeConditionPublic]


Obj = dict[str, Any]


@router.post("/evaluations", status_code=201, responses=ERRORS)
def create(
    plan: str,
    body: EvaluationIn,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Plan an evaluation on the current agreed framework (administrators)."""
    ev = lifecycle.create_evaluation(
        session=session,
        actor=actor,
        plan_code=plan,
        code=body.code,
        label=body.label,
        held_on=body.held_on,
        kind=body.kind,
        due_on=body.due_on,
    )
    return ratings.status(session=session, actor=actor, plan_code=plan, code=ev.code)


@router.get("/evaluations/{code}/status", responses=ERRORS)
def status(
    plan: str,
    code: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Status, deadline, which parties submitted, and your own party's progress."""
    return ratings.status(session=session, actor=actor, plan_code=plan, code=code)


@router.post("/evaluations/{code}/open", responses=ERRORS)
def open_(
    plan: str,
    code: str,
    body: OpenIn,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Open a planned evaluation for rating (administrators)."""
    return lifecycle.open_evaluation(
        session=session, actor=actor, plan_code=plan, code=code, due_on=body.due_on
    )


@router.put("/evaluations/{code}/deadline", responses=ERRORS)
def deadline(
    plan: str,
    code: str,
    body: DeadlineIn,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Set or clear the rating deadline (administrators)."""
    return lifecycle.set_deadline(
        session=session, actor=actor, plan_code=plan, code=code, due_on=body.due_on
    )


@router.get("/evaluations/{code}/tree", response_model=TreePublic, responses=ERRORS)
def tree(
    plan: str,
    code: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """The whole framework tree with roll-ups and every level you may see (blind rating)."""
    return fast_json(trees.evaluation_tree(session=session, actor=actor, plan_code=plan, code=code))


@router.get(
    "/evaluations/{code}/ratings/{party}", response_model=list[RatingPublic], responses=ERRORS
)
def party_ratings(
    plan: str,
    code: str,
    party: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """A party's ratings: its own members only, until every party has submitted."""
    return fast_json(
        ratings.party_ratings(
            session=session, actor=actor, plan_code=plan, code=code, party_code=party
        )
    )


@router.put("/evaluations/{code}/ratings", response_model=list[RatingPublic], responses=ERRORS)
def save(
    plan: str,
    code: str,
    body: RatingsIn,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Create or change your party's ratings, all or none; a stale version is 409."""
    inputs = [
        ratings.RatingInput(r.standard, r.level, r.rationale, r.version) for r in body.ratings
    ]
    return fast_json(
        ratings.save_ratings(
            session=session,
            actor=actor,
            plan_code=plan,
            code=code,
            ratings=inputs,
            party_code=body.party,
        )
    )


@router.post("/evaluations/{code}/submission", responses=ERRORS)
def submit(
    plan: str,
    code: str,
    body: PartyIn,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Submit your party's ratings (final unless every party agrees to reopen)."""
    return ratings.submit(
        session=session, actor=actor, plan_code=plan, code=code, party_code=body.party
    )


@router.post("/evaluations/{code}/reopen-votes", responses=ERRORS)
def reopen(
    plan: str,
    code: str,
    body: ReopenIn,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Agree to reopen a party's submission (signers); reopened when every party agrees."""
    return ratings.vote_reopen(
        session=session,
        actor=actor,
        plan_code=plan,
        code=code,
        target=body.target,
        party_code=body.party,
    )


@router.get("/evaluations/{code}/reconciliation", responses=ERRORS)
def queue(
    plan: str,
    code: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Divergent standards, widest gaps first, with proposals and approvals."""
    return reconciliation.queue(session=session, actor=actor, plan_code=plan, code=code)


@router.post("/evaluations/{code}/reconciliation/{standard}/proposals", responses=ERRORS)
def propose(
    plan: str,
    code: str,
    standard: str,
    body: ProposalIn,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Propose, or counter with, a joint level and rationale for a divergent standard."""
    return reconciliation.propose(
        session=session,
        actor=actor,
        plan_code=plan,
        code=code,
        standard=standard,
        level=body.level,
        rationale=body.rationale,
        party_code=body.party,
    )


@router.post("/evaluations/{code}/reconciliation/{standard}/approval", responses=ERRORS)
def approve(
    plan: str,
    code: str,
    standard: str,
    body: PartyIn,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Approve the standing proposal for a standard."""
    return reconciliation.approve(
        session=session,
        actor=actor,
        plan_code=plan,
        code=code,
        standard=standard,
        party_code=body.party,
    )


@router.post("/evaluations/{code}/conclusion", responses=ERRORS)
def conclude(
    plan: str,
    code: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Conclude the evaluation (a signer, or an administrator); gaps become action items."""
    return lifecycle.conclude(session=session, actor=actor, plan_code=plan, code=code)


@router.get("/action-items", responses=ERRORS)
def list_action_items(
    plan: str,
    status: str | None = Query(None, description="open, in_progress, done, dropped"),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> list[Obj]:
    """The plan's action items."""
    return action_items.list_items(session=session, actor=actor, plan_code=plan, status=status)


@router.patch("/action-items/{uid}", responses=ERRORS)
def update_action_item(
    plan: str,
    uid: str,
    body: ActionItemIn,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Change an action item's status, notes or due date (its owner party, or an admin)."""
    return action_items.update_item(
        session=session,
        actor=actor,
        plan_code=plan,
        uid=uid,
        version=body.version,
        status=body.status,
        notes=body.notes,
        due_on=body.due_on,
    )
