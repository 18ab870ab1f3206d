"""HTML page of an evaluation's report, with its downloads.

JSON twin: /api/v1/plans/{plan}/evaluations/{code}/report?format=json (and html, md, pdf).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord.reports import render as report_files
from accord.reports.assemble import build_report
from accord.services import ratings
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from .round_common import EVALUATION, render, round_nav

router = APIRouter(include_in_schema=False)


@router.get(EVALUATION + "/report", name="report")
def report_page(
    request: Request,
    plan: str,
    code: str,
    marking: str | None = Query(None, max_length=200),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """The report of a concluded evaluation: every section, interactive charts, downloads."""
    the_plan, ev = ratings.load(session, actor, plan, code)
    # Conflict (409) unless the evaluation is concluded: see accord.reports.assemble
    report = build_report(
        session=session, actor=actor, plan_code=the_plan.code, code=ev.code, marking=marking
    )
    return render(
        request,
        "report/page.html",
        {
            "plan": the_plan,
            "evaluation": ev,
            "nav": round_nav(the_plan, ev, "report"),
            "marking": report["marking"],
            **report_files.context(report, mode="page"),
        },
    )
