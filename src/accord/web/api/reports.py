"""JSON and file routes for an evaluation's report and its statement for the SCM."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord.reports import render
from accord.reports.assemble import build_report
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from .schemas import ErrorPublic

router = APIRouter(prefix="/api/v1/plans/{plan}/evaluations/{code}", tags=["reports"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorPublic} for code in (401, 404, 409, 422)
}
MARKING = Query(
    None,
    max_length=200,
    description="A marking line (e.g. a handling caveat) printed on every page; default none.",
)


@router.get(
    "/report",
    response_class=Response,
    responses={200: {"content": {t: {} for t in render.MEDIA_TYPES.values()}}, **ERRORS},
)
def report(
    plan: str,
    code: str,
    fmt: Literal["json", "html", "md", "pdf"] = Query(
        "json", alias="format", description="json, html (self-contained), md or pdf (A4)."
    ),
    marking: str | None = MARKING,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """The report of a concluded evaluation (409 before it is concluded), as a download."""
    doc = build_report(session=session, actor=actor, plan_code=plan, code=code, marking=marking)
    disposition = "inline" if fmt == "json" else "attachment"
    return Response(
        render.render(doc, fmt),
        media_type=render.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'{disposition}; filename="{render.filename(doc, fmt)}"'},
    )


@router.get("/statement", responses=ERRORS)
def statement(
    plan: str,
    code: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """The statement for the SCM: one paragraph, and each claim with the figure it rests on
    (a JSON pointer into the report document and the value found there)."""
    doc = build_report(session=session, actor=actor, plan_code=plan, code=code)
    result: dict[str, Any] = doc["statement"]
    return result
