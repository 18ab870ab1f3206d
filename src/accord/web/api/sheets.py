"""Party rating sheets: download one as XLSX or CSV, upload it filled (multipart)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord import permissions
from accord.formats.sheets import MAX_BYTES
from accord.i18n import gettext as _
from accord.services import Invalid, ratings, sheets
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from .schemas import ErrorPublic

router = APIRouter(prefix="/api/v1/plans/{plan}/evaluations/{code}", tags=["sheets"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorPublic} for code in (400, 401, 403, 404, 409, 422)
}


@router.get(
    "/sheet",
    response_class=Response,
    responses={200: {"content": {t: {} for t in sheets.FORMATS.values()}}, **ERRORS},
)
def download(
    plan: str,
    code: str,
    party: str | None = Query(None, description="Your party; needed if you act for several."),
    fmt: Literal["xlsx", "csv"] = Query("xlsx", alias="format", description="xlsx or csv."),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Your own party's rating sheet (blind rating: another party's is 404)."""
    done = sheets.export_sheet(
        session=session, actor=actor, plan_code=plan, code=code, party_code=party, format=fmt
    )
    return Response(
        done.content,
        media_type=done.media_type,
        headers={"Content-Disposition": f'attachment; filename="{done.filename}"'},
    )


def read_upload(
    session: Session, actor: Actor, plan: str, code: str, file: UploadFile | None
) -> bytes:
    """The uploaded bytes (at most one byte over the limit), once the actor may rate here."""
    the_plan, _evaluation = ratings.load(session, actor, plan, code)
    if not any(
        permissions.can(actor, "rating.edit", plan=the_plan, party_id=p.id)
        for p in the_plan.parties
    ):
        raise permissions.Forbidden(
            _(
                "%(user)s may not %(action)s in %(plan)s",
                user=actor.username,
                action=permissions.describe("rating.edit"),
                plan=plan,
            )
        )
    if file is None:
        raise Invalid(_("file: upload a filled rating sheet (.xlsx or .csv)"))
    return file.file.read(MAX_BYTES + 1)


@router.post("/sheet", responses=ERRORS)
def upload(
    plan: str,
    code: str,
    file: UploadFile | None = File(None, description="A filled rating sheet, XLSX or CSV."),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Import a filled sheet: every problem as `sheet!cell: message` (422), or all saved."""
    data = read_upload(session, actor, plan, code, file)
    return sheets.import_sheet(
        session=session,
        actor=actor,
        data=data,
        name=(file.filename if file else None) or "sheet",
        plan_code=plan,
        code=code,
    )
