"""The dashboard's figures, remembered until the next audited change.

A plan's dashboard shows the same figures to everyone allowed to see the plan: the summary of
one evaluation, the history of scores and the forecast.  Built, they cost tens of milliseconds;
remembered per head of the audit chain (services/revisions.py), a reload costs one read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from accord import i18n
from accord.models import Plan

from . import documents, evaluations, forecasts, revisions
from .actors import Actor


def figures(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    evaluation: str | None,
    since: str | None,
    any_evaluations: bool,
) -> dict[str, Any]:
    """`doc` (the summary document, or None before any evaluation), `history` (scores of
    every evaluation with joint ratings) and `forecast` (or None) for `plan`, which `actor`
    has been allowed to see."""

    def build() -> dict[str, Any]:
        doc = None
        if any_evaluations:
            view = evaluations.summarize_evaluation(
                session=session, plan=plan, code=evaluation, since=since
            )
            doc = documents.summary_document(view)
        history = documents.history_document(evaluations.plan_history(session=session, plan=plan))
        forecast = (
            forecasts.forecast_plan(session=session, actor=actor, plan_code=plan.code)
            if any_evaluations
            else None
        )
        return {"doc": doc, "history": history, "forecast": forecast}

    key = (
        "dashboard",
        str(session.get_bind().engine.url),
        plan.id,
        plan.created_at,
        evaluation,
        since,
        any_evaluations,
        dt.date.today(),  # the forecast counts from today and uses the dates in force today
        i18n.current(),  # in case a figure carries words
        revisions.current(session),
    )
    return revisions.remembered(key, build)
