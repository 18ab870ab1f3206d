"""First run: the New-plan page (administrators).  A plan from a bundled template or an
uploaded framework file, with its parties and first people; a broken file is shown back
with every problem by line and column, as `accord check` reports them.

JSON twin: POST /api/v1/plans (and GET /api/v1/plan-templates).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord import permissions
from accord.formats import framework_yaml
from accord.i18n import gettext as _
from accord.models.user import ROLES
from accord.services import Conflict, Invalid, new_plan
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from .forms import discard, field_error, page
from .round_common import back, form_fields

router = APIRouter(include_in_schema=False)
PEOPLE_ROWS = 4  # rows of the people table on the form
UPLOAD = "upload"


def render_form(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    problems: list[dict[str, Any]] | None = None,
    filename: str = "",
    status_code: int = 200,
) -> Response:
    """The New-plan form (with the errors of a refused attempt)."""
    return page(
        request,
        "plans/new.html",
        {
            "section": "new-plan",
            "templates": new_plan.templates(),
            "roles": ROLES,
            "rows": range(PEOPLE_ROWS),
            "errors": errors or {},
            "values": values or {"source": "bilateral"},
            "problems": problems,
            "filename": filename,
        },
        status_code=status_code,
    )


@router.get("/plans/new", name="new_plan")
def form(request: Request, actor: Actor = Depends(get_actor)) -> Response:
    """The New-plan form."""
    permissions.require(actor, "plan.create")
    return render_form(request)


async def _read(file: UploadFile | None) -> tuple[str, str]:
    if file is None or not file.filename:
        raise Invalid(_("file: choose a framework YAML file to upload"))
    data = await file.read(framework_yaml.MAX_CHARS * 4 + 1)
    if len(data) > framework_yaml.MAX_CHARS * 4:
        raise Invalid(_("file: larger than a framework file can be"))
    try:
        return data.decode("utf-8-sig"), file.filename
    except UnicodeDecodeError:
        raise Invalid(_("file: not UTF-8 text; save the YAML file as UTF-8")) from None


def _people(values: dict[str, str]) -> list[new_plan.Person]:
    return [
        new_plan.Person(
            username=values.get(f"person_{i}_username", ""),
            role=values.get(f"person_{i}_role", "evaluator"),
            party=values.get(f"person_{i}_party") or None,
            password=values.get(f"person_{i}_password") or None,
            display_name=values.get(f"person_{i}_name", ""),
        )
        for i in range(PEOPLE_ROWS)
    ]


def _parties(values: dict[str, str]) -> list[tuple[str, str]] | None:
    pairs = [
        (values.get(f"party_code_{i}", "").strip(), values.get(f"party_name_{i}", "").strip())
        for i in range(2)
    ]
    return pairs if any(c or n for c, n in pairs) else None


@router.post("/plans/new")
async def create(
    request: Request,
    file: UploadFile | None = File(None),
    values: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Create the plan and give the people their roles; on to its dashboard."""
    permissions.require(actor, "plan.create")
    shown = {k: v for k, v in values.items() if "password" not in k}
    source = values.get("source", "")
    text, filename = None, ""
    try:
        if source == UPLOAD:
            text, filename = await _read(file)
        plan = new_plan.create(
            session=session,
            actor=actor,
            code=values.get("code", ""),
            template=None if source == UPLOAD else source,
            text=text,
            source=filename or UPLOAD,
            title=values.get("title") or None,
            parties=_parties(values) if source != UPLOAD else None,
            people=_people(values),
        )
    except framework_yaml.FrameworkError as exc:
        discard(session)
        lines = (text or "").splitlines()
        problems = [
            {
                "line": d.line,
                "column": d.column,
                "message": d.message,
                "text": lines[d.line - 1] if 0 < d.line <= len(lines) else "",
            }
            for d in exc.diagnostics
        ]
        return render_form(
            request,
            errors={},
            values=shown,
            problems=problems,
            filename=filename,
            status_code=422,
        )
    except (Invalid, Conflict) as exc:
        discard(session)
        return render_form(
            request,
            errors=field_error(exc),
            values=shown,
            filename=filename,
            status_code=409 if isinstance(exc, Conflict) else 422,
        )
    return back(f"/plans/{plan.code}?created=1")
