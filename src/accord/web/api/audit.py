"""JSON routes for the audit trail (the audit viewer's twin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from accord.services import audit_log
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from . import schemas

router = APIRouter(prefix="/api/v1", tags=["audit"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorPublic} for code in (401, 403, 404, 422)
}


class VerificationPublic(BaseModel):
    ok: bool
    records: int
    head: str = Field(
        description="Hash of the newest record: keep it elsewhere to detect a cut tail"
    )
    broken_at: int | None
    reason: str


class RecordPublic(BaseModel):
    seq: int
    at: str
    actor: str
    party: str | None
    action: str
    target_type: str
    target: str
    before: Any = Field(description="null when withheld")
    after: Any = Field(description="null when withheld")
    withheld: bool = Field(description="A party's record, its details shown to that party only")
    hash: str
    prev_hash: str
    hash_ok: bool = Field(description="The stored record still matches its hash")


class TrailPublic(BaseModel):
    plan: str | None
    verification: VerificationPublic
    filters: dict[str, Any]
    records: list[RecordPublic]
    next_before: int | None = Field(description="Pass as ?before= for the next, older page")


def _query(before: int | None, action: str, actor: str, limit: int) -> audit_log.Query:
    return audit_log.Query(before=before, action=action, actor=actor, limit=limit)


@router.get("/plans/{plan}/audit", response_model=TrailPublic, responses=ERRORS)
def plan_trail(
    plan: str,
    before: int | None = Query(None, description="Records older than this sequence number"),
    action: str = Query("", max_length=64, description="An action or its prefix: rating."),
    who: str = Query("", max_length=64, description="Only this actor's records"),
    limit: int = Query(audit_log.PAGE, ge=1, le=audit_log.MAX_PAGE),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """The plan's audit records, newest first, and the whole chain's verification."""
    return audit_log.read(
        session=session, actor=actor, plan_code=plan, query=_query(before, action, who, limit)
    )


@router.get("/audit", response_model=TrailPublic, responses=ERRORS)
def whole_trail(
    before: int | None = Query(None, description="Records older than this sequence number"),
    action: str = Query("", max_length=64),
    who: str = Query("", max_length=64),
    limit: int = Query(audit_log.PAGE, ge=1, le=audit_log.MAX_PAGE),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Every audit record (administrators), newest first, and the chain's verification."""
    return audit_log.read(session=session, actor=actor, query=_query(before, action, who, limit))
