"""A plan's evaluations: each with its status and the way into its round; administrators
plan a new one and open it for rating here.

JSON twin: GET /api/v1/plans/{plan}/evaluations, POST .../evaluations and .../{code}/open.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord import permissions
from accord.i18n import gettext as _
from accord.models.evaluation import EVALUATION_KINDS
from accord.services import Conflict, Invalid, documents, evaluations, lifecycle
from accord.services.actors import Actor
from accord.services.frameworks import current_version

from ..auth import get_actor
from ..deps import SESSION
from .forms import page, refused
from .round_common import back, form_fields

router = APIRouter(include_in_schema=False)


def _date(form: dict[str, str], name: str, *, required: bool) -> dt.date | None:
    raw = form.get(name, "").strip()
    if not raw:
        if required:
            raise Invalid(_("%(field)s: a date is needed, as YYYY-MM-DD", field=name))
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise Invalid(
            _("%(field)s: %(value)s is not a date (YYYY-MM-DD)", field=name, value=repr(raw))
        ) from None


def render_list(
    request: Request,
    session: Session,
    actor: Actor,
    plan_code: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    """The evaluations page (with the new-evaluation form's errors)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    rows = evaluations.list_evaluations(session=session, plan=plan)
    version = current_version(session=session, plan=plan)
    return page(
        request,
        "plans/evaluations.html",
        {
            "plan": plan,
            "evaluations": [
                {
                    **documents.evaluation_document(e),
                    "due_on": e.due_on,
                    "framework": e.framework_version.version,
                }
                for e in reversed(rows)
            ],
            "manage": permissions.can(actor, "evaluation.manage", plan=plan),
            "framework": version.version if version else None,
            "kinds": EVALUATION_KINDS,
            "errors": errors or {},
            "values": values or {},
            "done": done if done in ("created", "opened") else None,
            "notice": documents.ILLUSTRATIVE_NOTICE if plan.illustrative else None,
        },
        status_code=status_code,
    )


@router.get("/plans/{plan}/evaluations", name="evaluations")
def listing(
    request: Request,
    plan: str,
    done: str | None = None,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """The plan's evaluations, newest first."""
    return render_list(request, session, actor, plan, done=done)


@router.post("/plans/{plan}/evaluations")
def create(
    request: Request,
    plan: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Plan a new evaluation on the current agreed framework (administrators)."""
    try:
        lifecycle.create_evaluation(
            session=session,
            actor=actor,
            plan_code=plan,
            code=form.get("code", "").strip(),
            label=form.get("label", "").strip(),
            held_on=_date(form, "held_on", required=True) or dt.date.today(),
            kind=form.get("kind", "annual"),
            due_on=_date(form, "due_on", required=False),
        )
    except (Invalid, Conflict) as exc:
        status, errors = refused(session, exc, "code")
        return render_list(
            request, session, actor, plan, errors=errors, values=form, status_code=status
        )
    return back(f"/plans/{plan}/evaluations?done=created")


@router.post("/plans/{plan}/evaluations/{code}/open")
def open_for_rating(
    plan: str,
    code: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Open a planned evaluation for rating (administrators)."""
    lifecycle.open_evaluation(session=session, actor=actor, plan_code=plan, code=code)
    return back(f"/plans/{plan}/evaluations?done=opened")
