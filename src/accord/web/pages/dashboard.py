"""HTML pages: the plan list and the plan dashboard (JSON twin: /api/v1/plans/{plan}/summary)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from accord import permissions
from accord.reports import charts
from accord.services import dashboard as figures_of
from accord.services import documents, evaluations
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from ..templating import templates_of

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(
    request: Request,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """The only plan's dashboard, or the list of plans (always for administrators: it is
    where a new plan starts)."""
    all_plans = permissions.visible_plans(session, actor)
    if len(all_plans) == 1 and not actor.is_admin:
        # the query (?lang=ko) comes along
        target = request.url_for("dashboard", plan=all_plans[0].code)
        return RedirectResponse(target.replace_query_params(**request.query_params), 303)
    return templates_of(request).TemplateResponse(request, "plans/index.html", {"plans": all_plans})


@router.get("/plans/{plan}", name="dashboard")
def dashboard(
    request: Request,
    plan: str,
    evaluation: str | None = Query(None),
    since: str | None = Query(None),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """The plan dashboard for one evaluation (default: the latest with joint ratings)."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    all_evaluations = evaluations.list_evaluations(session=session, plan=the_plan)
    found = figures_of.figures(
        session=session,
        actor=actor,
        plan=the_plan,
        evaluation=evaluation,
        since=since,
        any_evaluations=bool(all_evaluations),
    )
    doc, history, forecast = found["doc"], found["history"], found["forecast"]
    went = doc["presented_to"] if doc else []  # where the evaluation went and when
    titles = {c["code"]: c["title"] for c in doc["conditions"]} if doc else {}
    spec = charts.condition_scores(history, titles, illustrative=the_plan.illustrative)
    fan = charts.fan_chart(forecast) if forecast and forecast["enough_history"] else None
    return templates_of(request).TemplateResponse(
        request,
        "plans/dashboard.html",
        {
            "plan": the_plan,
            "evaluations": all_evaluations,
            "doc": doc,
            "went": went,
            "history": history,
            "chart_json": json.dumps(spec, ensure_ascii=False).replace("<", "\\u003c"),
            "forecast": forecast,
            "fan_json": json.dumps(fan, ensure_ascii=False).replace("<", "\\u003c")
            if fan
            else None,
            "notice": documents.ILLUSTRATIVE_NOTICE if the_plan.illustrative else None,
        },
    )
