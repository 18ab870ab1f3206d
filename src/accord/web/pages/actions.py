"""HTML page of a plan's action items, with status and notes forms for those allowed.

JSON twin: /api/v1/plans/{plan}/action-items (and PATCH /action-items/{uid}).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord import permissions
from accord.i18n import gettext as _
from accord.models.evaluation import ACTION_STATUSES
from accord.services import Conflict, Invalid, action_items, evidence_lifecycle
from accord.services import evidence as evidence_service
from accord.services.actors import Actor
from accord.services.frameworks import current_version, framework_of

from ..auth import get_actor
from ..deps import SESSION
from .round_common import back, form_fields, parties_for, render

router = APIRouter(include_in_schema=False)


@router.get("/plans/{plan}/action-items", name="action_items")
def action_itemsrender_items(
    request: Request,
    plan: str,
    status: str | None = Query(None, description="open, in_progress, done or dropped"),
    updated: str | None = Query(None),
    evidence: str | None = Query(None),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """The plan's action items (optionally of one status)."""
    return render_items(
        request, session, actor, plan, status=status, updated=updated, evidence=evidence
    )


def render_items(
    request: Request,
    session: Session,
    actor: Actor,
    plan_code: str,
    *,
    status: str | None = None,
    updated: str | None = None,
    evidence: str | None = None,
    problem: str | None = None,
    current: dict[str, Any] | None = None,
    mine: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    the_plan = permissions.plan_for_actor(session, actor, plan_code)
    if status is not None and status not in ACTION_STATUSES:
        raise Invalid(
            _(
                "status: one of %(choices)s, not %(status)s",
                choices=", ".join(ACTION_STATUSES),
                status=repr(status),
            )
        )
    items = action_items.list_items(
        session=session, actor=actor, plan_code=plan_code, status=status
    )
    party_ids = {p.code: p.id for p in the_plan.parties}
    version = current_version(session=session, plan=the_plan)
    titles = (
        {c: s.title for c, s in framework_of(version).standards_by_code.items()} if version else {}
    )
    for item in items:
        item["title"] = titles.get(item["standard"], "")
        item["editable"] = permissions.can(
            actor, "action.edit", plan=the_plan, party_id=party_ids.get(item["owner"])
        )
    done = next((i for i in items if i["uid"] == updated), None)
    message = _("Action item for %(std)s updated.", std=done["standard"]) if done else None
    if done and evidence == "added":
        message = _("Evidence added (action item for %(std)s).", std=done["standard"])
    elif done and evidence == "removed":
        message = _("Evidence removed (action item for %(std)s).", std=done["standard"])
    shown = evidence_service.action_item_evidence(session=session, actor=actor, plan_code=plan_code)
    return render(
        request,
        "rounds/action_items.html",
        {
            "plan": the_plan,
            "items": items,
            "statuses": ACTION_STATUSES,
            "status": status,
            "message": message,
            "evidence": shown,
            "removable": evidence_lifecycle.removable(
                session=session, actor=actor, plan_code=plan_code
            ),
            "attachers": parties_for(actor, the_plan, "evidence.attach"),
            "problem": problem,
            "current": current,
            "mine": mine,
        },
        status_code=status_code,
    )


@router.post("/plans/{plan}/action-items/{uid}")
def update(
    request: Request,
    plan: str,
    uid: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Change an action item's status and notes; a stale version re-renders with the news."""
    raw = form.get("version", "").strip()
    if not raw.isdigit():
        raise Invalid(_("version: the form lacks the item's version; reload the page"))
    shown = form.get("filter") or None
    try:
        action_items.update_item(
            session=session,
            actor=actor,
            plan_code=plan,
            uid=uid,
            version=int(raw),
            status=form.get("status") or None,
            notes=form.get("notes"),
        )
    except Conflict as exc:
        if not isinstance(exc.current, dict):
            raise
        return render_items(
            request,
            session,
            actor,
            plan,
            status=shown if shown in ACTION_STATUSES else None,
            problem=str(exc),
            current=exc.current,
            mine={"status": form.get("status", ""), "notes": form.get("notes", "")},
            status_code=409,
        )
    query = f"status={shown}&" if shown in ACTION_STATUSES else ""
    return back(f"/plans/{plan}/action-items?{query}updated={uid}#ai-{uid}")
