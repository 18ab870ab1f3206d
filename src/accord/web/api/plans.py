"""JSON routes for plans, their evaluations, summaries and history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from accord import permissions
from accord.services import documents, evaluations, revisions
from accord.services.actors import Actor

from ..auth import credentials, get_actor, read_in_thread
from ..deps import SESSION
from . import schemas

router = APIRouter(prefix="/api/v1", tags=["plans"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorPublic} for code in (401, 404, 422)
}


def plan_document(plan: Any) -> dict[str, Any]:
    """The public face of a plan."""
    return {
        "code": plan.code,
        "uid": plan.uid,
        "title": plan.title,
        "description": plan.description,
        "target_date": plan.target_date.isoformat() if plan.target_date else None,
        "illustrative": plan.illustrative,
        "parties": [{"code": p.code, "name": p.name} for p in plan.parties],
    }


@router.get("/plans", response_model=list[schemas.PlanPublic], responses={401: NOT_FOUND[401]})
def list_plans(
    session: Session = SESSION, actor: Actor = Depends(get_actor)
) -> list[dict[str, Any]]:
    """The plans the caller may see."""
    return [plan_document(p) for p in permissions.visible_plans(session, actor)]


@router.get("/plans/{plan}", response_model=schemas.PlanPublic, responses=NOT_FOUND)
def get_plan(
    plan: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """One plan, by code."""
    return plan_document(permissions.plan_for_actor(session, actor, plan))


@router.get(
    "/plans/{plan}/evaluations", response_model=list[schemas.EvaluationPublic], responses=NOT_FOUND
)
def list_evaluations(
    plan: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> list[dict[str, Any]]:
    """The plan's evaluations, oldest first."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    return [
        documents.evaluation_document(e)
        for e in evaluations.list_evaluations(session=session, plan=the_plan)
    ]


@router.get("/plans/{plan}/summary", response_model=schemas.SummaryPublic, responses=NOT_FOUND)
async def summary(
    request: Request,
    plan: str,
    _signed: None = Depends(credentials),
    evaluation: str | None = Query(
        None, description="Evaluation code; default: the latest evaluation with joint ratings."
    ),
    since: str | None = Query(
        None,
        description="Measure progress since this evaluation; default: the previous one "
        "with joint ratings.",
    ),
) -> Response:
    """The dashboard's figures for one evaluation: roll-up, stages, gaps, progress, agreement."""

    def work(session: Session, actor: Actor) -> bytes:
        the_plan = permissions.plan_for_actor(session, actor, plan)

        def body() -> bytes:
            view = evaluations.summarize_evaluation(
                session=session, plan=the_plan, code=evaluation, since=since
            )
            return (
                schemas.SummaryPublic.model_validate(documents.summary_document(view))
                .model_dump_json()
                .encode()
            )

        # the same for every caller allowed to see the plan, until the next audited change
        key = (
            "summary",
            str(session.get_bind().engine.url),
            the_plan.id,
            the_plan.created_at,
            evaluation,
            since,
            revisions.current(session),
        )
        return revisions.remembered(key, body)

    # the hottest read of all: session, caller and work in one trip to the thread pool
    return Response(await read_in_thread(request, work), media_type="application/json")


@router.get("/plans/{plan}/history", response_model=schemas.HistoryPublic, responses=NOT_FOUND)
def history(
    plan: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Plan and condition scores of every evaluation with joint ratings, oldest first."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    points = evaluations.plan_history(session=session, plan=the_plan)
    return {
        "plan": the_plan.code,
        "illustrative": the_plan.illustrative,
        "notice": documents.ILLUSTRATIVE_NOTICE if the_plan.illustrative else None,
        "points": documents.history_document(points),
    }
