"""Shared pieces of the evaluation-round pages: rendering, redirects, form fields, navigation."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from accord import permissions
from accord.i18n import gettext as _
from accord.models import Evaluation, Party, Plan
from accord.services import documents
from accord.services.actors import Actor

from ..templating import templates_of

EVALUATION = "/plans/{plan}/evaluations/{code}"
AFTER_RATING = ("reconciliation", "concluded", "signed")


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields (textarea line endings normalised to \\n)."""
    form = await request.form()
    return {
        key: value.replace("\r\n", "\n")
        for key, value in form.multi_items()
        if isinstance(value, str)
    }


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """A round page, with the illustrative notice when the plan is an illustration."""
    plan = context.get("plan")
    notice = documents.ILLUSTRATIVE_NOTICE if plan is not None and plan.illustrative else None
    return templates_of(request).TemplateResponse(
        request, template, {"notice": notice, **context}, status_code=status_code
    )


def back(url: str) -> Response:
    """Post/redirect/get: back to a page after a successful write."""
    return RedirectResponse(url, status_code=303)


def evaluation_url(plan: Plan, evaluation: Evaluation, tail: str = "") -> str:
    """The page URL of an evaluation (its workspace, or `tail` below it)."""
    return f"/plans/{plan.code}/evaluations/{evaluation.code}{tail}"


def parties_for(actor: Actor, plan: Plan, action: str) -> list[Party]:
    """The plan's parties for which the actor may do `action`, in their declared order."""
    return [p for p in plan.parties if permissions.can(actor, action, plan=plan, party_id=p.id)]


def acting_party_code(actor: Actor, plan: Plan, action: str, wanted: str | None) -> str:
    """The code of the party the actor acts for in `action`; Forbidden when none fits."""
    party_id = permissions.acting_party(actor, plan, action, wanted)
    return next(p.code for p in plan.parties if p.id == party_id)


def pick_party(choices: list[Party], wanted: str | None) -> Party | None:
    """The party the actor asked to act for (None if they may not), else the first choice."""
    if wanted:
        return next((p for p in choices if p.code == wanted), None)
    return choices[0] if choices else None


def round_nav(plan: Plan, evaluation: Evaluation, current: str) -> list[dict[str, Any]]:
    """The round's sub-navigation; steps not reached yet are left out."""
    items = [("workspace", _("Workspace"), evaluation_url(plan, evaluation))]
    if evaluation.status in AFTER_RATING:
        items.append(
            (
                "reconciliation",
                _("Reconciliation"),
                evaluation_url(plan, evaluation, "/reconciliation"),
            )
        )
    if evaluation.status in ("concluded", "signed"):
        items.append(("sign-off", _("Sign-off"), evaluation_url(plan, evaluation, "/sign-off")))
        items.append(("report", _("Report"), evaluation_url(plan, evaluation, "/report")))
    items.append(("action-items", _("Action items"), f"/plans/{plan.code}/action-items"))
    items.append(("dashboard", _("Dashboard"), f"/plans/{plan.code}?evaluation={evaluation.code}"))
    return [
        {"key": k, "label": label, "url": url, "current": k == current} for k, label, url in items
    ]
