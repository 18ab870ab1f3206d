"""The audit trail viewer: a plan's records (its members) or the whole trail (administrators),
newest first, each record's hash checked, and the verdict on the whole chain.

JSON twin: /api/v1/plans/{plan}/audit and /api/v1/audit.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord import permissions
from accord.services import audit_log, documents
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from .forms import page

router = APIRouter(include_in_schema=False)


def _query(before: int | None, action: str, who: str) -> audit_log.Query:
    return audit_log.Query(before=before, action=action, actor=who)


@router.get("/plans/{plan}/audit", name="plan_audit")
def plan_audit(
    request: Request,
    plan: str,
    before: int | None = Query(None, description="Records older than this sequence number"),
    action: str = Query("", max_length=64),
    who: str = Query("", max_length=64),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """The plan's audit records, with the chain's verification."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    doc = audit_log.read(
        session=session, actor=actor, plan_code=plan, query=_query(before, action, who)
    )
    return page(
        request,
        "audit/trail.html",
        {
            "plan": the_plan,
            "doc": doc,
            "json_url": f"/api/v1/plans/{the_plan.code}/audit",
            "notice": documents.ILLUSTRATIVE_NOTICE if the_plan.illustrative else None,
        },
    )


@router.get("/audit", name="audit")
def whole_trail(
    request: Request,
    before: int | None = Query(None, description="Records older than this sequence number"),
    action: str = Query("", max_length=64),
    who: str = Query("", max_length=64),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Every audit record (administrators), with the chain's verification."""
    doc = audit_log.read(session=session, actor=actor, query=_query(before, action, who))
    return page(
        request,
        "audit/trail.html",
        {"plan": None, "doc": doc, "json_url": "/api/v1/audit", "section": "audit"},
    )
