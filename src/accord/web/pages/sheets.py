"""The workspace page's sheet upload (the download is the API's GET .../sheet link).
JSON twin: POST /api/v1/plans/{plan}/evaluations/{code}/sheet."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord.services import ratings, sheets
from accord.services.actors import Actor

from ..api.sheets import read_upload
from ..auth import get_actor
from ..deps import SESSION
from .round_common import EVALUATION, back, evaluation_url, render

router = APIRouter(include_in_schema=False)


@router.post(EVALUATION + "/sheet")
def upload(
    request: Request,
    plan: str,
    code: str,
    file: UploadFile | None = File(None),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Import a filled sheet; back to the workspace, or the list of problems (nothing saved)."""
    data = read_upload(session, actor, plan, code, file)
    the_plan, ev = ratings.load(session, actor, plan, code)
    try:
        result = sheets.import_sheet(
            session=session,
            actor=actor,
            data=data,
            name=(file.filename if file else None) or "sheet",
            plan_code=plan,
            code=code,
        )
    except sheets.SheetRejected as exc:
        return render(
            request,
            "rounds/sheet_problems.html",
            {
                "plan": the_plan,
                "evaluation": ev,
                "filename": file.filename if file else "sheet",
                "problems": exc.problems,
            },
            status_code=422,
        )
    return back(evaluation_url(the_plan, ev, f"?party={result['party']}&saved={result['saved']}"))
