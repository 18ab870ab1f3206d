"""JSON routes of the inbox: feed items (verbatim, unreviewed) and what reviewers do with them.

The twin of the inbox pages (web/pages/inbox.py); both shape the same service results.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from accord.services import inbox as inbox_service
from accord.services import inbox_review
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from .schemas import ErrorPublic

router = APIRouter(prefix="/api/v1/plans/{plan}/inbox", tags=["inbox"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorPublic} for code in (400, 401, 403, 404, 409, 422)
}
Obj = dict[str, Any]


class AttachBody(BaseModel):
    """Where the item goes as evidence."""

    evaluation: str = Field(description="The evaluation's code (e.g. 2026).")
    standard: str = Field(description="The standard's code (e.g. C1.1.1).")
    joint: bool = Field(False, description="The joint rating instead of a party's.")
    party: str | None = Field(None, description="The rated party (default: your own).")
    releasability: Literal["shared", "party-only"] = "shared"
    note: str = Field("", description="Your note, after the feed reference.")
    acting_for: str | None = Field(None, description="Your party, if you act for several.")


@router.get("", responses=ERRORS)
def list_(
    plan: str,
    status: str = Query("unreviewed", description="unreviewed, reviewed or dismissed"),
    condition: str | None = Query(None, description="Only items matched to this condition."),
    feed: str | None = Query(None, description="Only items seen in this feed (its uid)."),
    standard: str | None = Query(None, description="Only items matched to this standard."),
    q: str | None = Query(None, description="Text in the title or summary."),
    page: int = Query(1, ge=1),
    limit: int = Query(50, ge=1, le=inbox_service.MAX_LIMIT),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Feed items of one status, newest first, with their matched standards and facet counts."""
    return inbox_service.list_items(
        session=session,
        actor=actor,
        plan_code=plan,
        status=status,
        condition=condition or None,
        feed=feed or None,
        standard=standard or None,
        q=q,
        page=page,
        limit=limit,
    )


@router.get("/{item}", responses=ERRORS)
def get(plan: str, item: str, session: Session = SESSION, actor: Actor = Depends(get_actor)) -> Obj:
    """One item: verbatim text and metadata, `html` (sanitised for display) and its matches."""
    return inbox_service.item(session=session, actor=actor, plan_code=plan, uid=item)


@router.post("/{item}/review", responses=ERRORS)
def review(
    plan: str, item: str, session: Session = SESSION, actor: Actor = Depends(get_actor)
) -> Obj:
    """Mark an unreviewed item reviewed (409 with `current` if someone changed it first)."""
    return inbox_review.mark_reviewed(session=session, actor=actor, plan_code=plan, uid=item)


@router.post("/{item}/dismiss", responses=ERRORS)
def dismiss(
    plan: str, item: str, session: Session = SESSION, actor: Actor = Depends(get_actor)
) -> Obj:
    """Dismiss an unreviewed item (409 with `current` if someone changed it first)."""
    return inbox_review.dismiss(session=session, actor=actor, plan_code=plan, uid=item)


@router.post("/{item}/reopen", responses=ERRORS)
def reopen(
    plan: str, item: str, session: Session = SESSION, actor: Actor = Depends(get_actor)
) -> Obj:
    """Put a reviewed or dismissed item back to unreviewed (409 if it is unreviewed)."""
    return inbox_review.reopen(session=session, actor=actor, plan_code=plan, uid=item)


@router.post("/{item}/attach", status_code=201, responses=ERRORS)
def attach(
    plan: str,
    item: str,
    body: AttachBody,
    request: Request,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Attach the item as evidence (its link, or a note without one) and mark it reviewed."""
    settings = request.app.state.settings
    return inbox_review.attach_as_evidence(
        session=session,
        actor=actor,
        plan_code=plan,
        uid=item,
        evaluation=body.evaluation,
        standard=body.standard,
        joint=body.joint,
        party=body.party or None,
        releasability=body.releasability,
        note=body.note,
        acting_for=body.acting_for or None,
        data_dir=settings.data_dir,
        max_bytes=settings.evidence_max_bytes,
    )
