"""Action items: remediation for standards below threshold, carried into the next evaluation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord import permissions
from accord.i18n import gettext as _
from accord.models import ActionItem, Evaluation, Party
from accord.models.evaluation import ACTION_STATUSES

from . import Conflict, Invalid, NotFound, audit
from .actors import Actor


def item_document(item: ActionItem, evaluation_code: str, owner: str) -> dict[str, Any]:
    """The public face of an action item."""
    return {
        "uid": item.uid,
        "standard": item.standard_code,
        "evaluation": evaluation_code,
        "owner": owner,
        "due_on": item.due_on.isoformat() if item.due_on else None,
        "status": item.status,
        "notes": item.notes,
        "version": item.version,
    }


def list_items(
    *, session: Session, actor: Actor, plan_code: str, status: str | None = None
) -> list[dict[str, Any]]:
    """The plan's action items (optionally of one status), by standard."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    query = (
        select(ActionItem, Evaluation.code, Party.code)
        .join(Evaluation, Evaluation.id == ActionItem.evaluation_id)
        .join(Party, Party.id == ActionItem.owner_party_id)
        .where(ActionItem.plan_id == plan.id)
        .order_by(ActionItem.standard_code, Evaluation.held_on)
    )
    if status is not None:
        query = query.where(ActionItem.status == status)
    return [item_document(i, e, p) for i, e, p in session.execute(query)]


def open_by_standard(*, session: Session, plan_id: int) -> dict[str, list[dict[str, Any]]]:
    """Open items per standard code, for showing beside the standard in the next evaluation."""
    out: dict[str, list[dict[str, Any]]] = {}
    rows = session.execute(
        select(ActionItem, Evaluation.code, Party.code)
        .join(Evaluation, Evaluation.id == ActionItem.evaluation_id)
        .join(Party, Party.id == ActionItem.owner_party_id)
        .where(ActionItem.plan_id == plan_id, ActionItem.status.in_(("open", "in_progress")))
    )
    for item, ev_code, owner in rows:
        out.setdefault(item.standard_code, []).append(item_document(item, ev_code, owner))
    return out


def update_item(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    uid: str,
    version: int,
    status: str | None = None,
    notes: str | None = None,
    due_on: dt.date | None = None,
) -> dict[str, Any]:
    """Change an item's status, notes or due date; a stale `version` is a Conflict."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    item = session.scalar(
        select(ActionItem).where(ActionItem.uid == uid, ActionItem.plan_id == plan.id)
    )
    if item is None:
        raise NotFound(_("no action item %(uid)s", uid=repr(uid)))
    permissions.require(actor, "action.edit", plan=plan, party_id=item.owner_party_id)
    ev_code = item.evaluation.code
    owner = item.owner_party.code
    if version != item.version:
        raise Conflict(
            _("the action item changed since you loaded it"),
            current=item_document(item, ev_code, owner),
        )
    if status is not None and status not in ACTION_STATUSES:
        raise Invalid(
            _(
                "status: one of %(choices)s, not %(status)s",
                choices=", ".join(ACTION_STATUSES),
                status=repr(status),
            )
        )
    before = item_document(item, ev_code, owner)
    if status is not None:
        item.status = status
    if notes is not None:
        item.notes = notes
    if due_on is not None:
        item.due_on = due_on
    session.flush()
    after = item_document(item, ev_code, owner)
    audit.record(
        session,
        actor,
        "action_item.update",
        "action_item",
        uid,
        party=owner,
        before=before,
        after=after,
    )
    return after
