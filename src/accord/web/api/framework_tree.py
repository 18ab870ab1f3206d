"""JSON twin of the framework browser: a version's tree, filtered by a search."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from accord import permissions
from accord.services import framework_browser, framework_rights
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from . import schemas
from .frameworks import version_document

router = APIRouter(prefix="/api/v1/plans/{plan}/frameworks", tags=["frameworks"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorPublic} for code in (401, 404, 422)
}


@router.get("/{version}/tree", responses=ERRORS)
def tree(
    plan: str,
    version: str,
    q: str = Query("", max_length=200, description="Keep standards whose code or text has this"),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Conditions, fields and standards of a version (with the stages requiring each
    standard), only those matching `q` when given; its status and approvals, and what you may
    do to it now (`allowed`: draft, replace, propose, withdraw, and the parties you may approve
    for)."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    doc = framework_browser.browse(
        session=session, actor=actor, plan=the_plan, version=version, search=q
    )
    return {
        "plan": the_plan.code,
        "version": version_document(doc["version"]),
        # what the reader may do to this version now: the page's buttons
        "allowed": framework_rights.allowed(
            actor=actor, plan=the_plan, info=doc["version"]
        ).as_dict(),
        "title": doc["title"],
        "title_ko": doc["title_ko"],
        "description": doc["description"],
        **doc["tree"],
    }
