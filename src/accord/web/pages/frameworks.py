"""The framework browser: a version's tree with search, the version history, and the
difference between two versions.

JSON twin: /api/v1/plans/{plan}/frameworks (history), .../{version}/tree?q= (the tree) and
.../{a}/diff/{b} (the difference).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord import permissions
from accord.services import documents, framework_browser
from accord.services import framework_versions as versions
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from .forms import page

router = APIRouter(include_in_schema=False)


@router.get("/plans/{plan}/framework", name="framework")
def browse(
    request: Request,
    plan: str,
    version: str | None = Query(None, max_length=64),
    q: str = Query("", max_length=200),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """A framework version as a tree (default: the agreed one), filtered by `q`."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    doc = framework_browser.browse(
        session=session, actor=actor, plan=the_plan, version=version, search=q
    )
    return page(
        request,
        "frameworks/browse.html",
        {
            "plan": the_plan,
            "doc": doc,
            "notice": documents.ILLUSTRATIVE_NOTICE if the_plan.illustrative else None,
        },
    )


@router.get("/plans/{plan}/framework/diff", name="framework_diff")
def diff(
    request: Request,
    plan: str,
    a: str | None = Query(None, max_length=64),
    b: str | None = Query(None, max_length=64),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """What changed between two versions (default: the last two)."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    history = versions.list_versions(session=session, actor=actor, plan=the_plan)
    labels = [v.version for v in history]
    if a is None and b is None and len(labels) >= 2:
        a, b = labels[-2], labels[-1]
    result = None
    if a and b:
        result = versions.diff_versions(session=session, actor=actor, plan=the_plan, a=a, b=b)
    return page(
        request,
        "frameworks/diff.html",
        {
            "plan": the_plan,
            "history": history,
            "a": a,
            "b": b,
            "diff": result.as_dict() if result else None,
            "notice": documents.ILLUSTRATIVE_NOTICE if the_plan.illustrative else None,
        },
    )
