"""HTML pages of the inbox: the list of feed items and one item, with the reviewers' forms.

JSON twins: /api/v1/plans/{plan}/inbox and /api/v1/plans/{plan}/inbox/{item}.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord import permissions
from accord.i18n import lazy_gettext
from accord.models.feed import ITEM_STATUSES
from accord.services import Conflict, Invalid, inbox_review
from accord.services import inbox as inbox_service
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from .round_common import back, form_fields, parties_for, render

router = APIRouter(include_in_schema=False)
FILTERS = ("status", "condition", "feed", "standard", "q")
DONE = {
    "reviewed": lazy_gettext("marked reviewed"),
    "dismissed": lazy_gettext("dismissed"),
    "reopened": lazy_gettext("put back to unreviewed"),
    "attached": lazy_gettext("attached as evidence and marked reviewed"),
}


def _abilities(actor: Actor, session: Session, plan_code: str) -> dict[str, Any]:
    plan = permissions.plan_for_actor(session, actor, plan_code)
    attach_for = parties_for(actor, plan, "evidence.attach")
    return {
        "plan": plan,
        "can_review": permissions.can(actor, "inbox.review", plan=plan),
        "attach_parties": attach_for,
    }


def _list_page(
    request: Request,
    session: Session,
    actor: Actor,
    plan_code: str,
    filters: dict[str, str],
    *,
    page: int = 1,
    done: str | None = None,
    problem: str | None = None,
    current: Any = None,
    status_code: int = 200,
) -> Response:
    data = inbox_service.list_items(
        session=session,
        actor=actor,
        plan_code=plan_code,
        status=filters.get("status") or "unreviewed",
        condition=filters.get("condition") or None,
        feed=filters.get("feed") or None,
        standard=filters.get("standard") or None,
        q=filters.get("q") or None,
        page=page,
    )
    query = urlencode({k: v for k, v in filters.items() if v})
    tabs = [
        {
            "status": s,
            "count": data["counts"][s],
            "current": s == data["filters"]["status"],
            "url": "?" + urlencode({k: v for k, v in {**filters, "status": s}.items() if v}),
        }
        for s in ITEM_STATUSES
    ]
    return render(
        request,
        "inbox/list.html",
        {
            **_abilities(actor, session, plan_code),
            "data": data,
            "filters": data["filters"],
            "query": query,
            "tabs": tabs,
            "message": DONE.get(done or ""),
            "problem": problem,
            "current": current,
        },
        status_code=status_code,
    )


@router.get("/plans/{plan}/inbox", name="inbox")
def inbox_page(
    request: Request,
    plan: str,
    status: str = Query("unreviewed"),
    condition: str | None = Query(None),
    feed: str | None = Query(None),
    standard: str | None = Query(None),
    q: str | None = Query(None),
    page: int = Query(1, ge=1),
    done: str | None = Query(None),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Feed items of one status with their matched standards, filters and actions."""
    filters = {"status": status, "condition": condition, "feed": feed, "standard": standard}
    filters |= {"q": q}
    clean = {k: v for k, v in filters.items() if v}
    return _list_page(request, session, actor, plan, clean, page=page, done=done)


@router.get("/plans/{plan}/inbox/{item}", name="inbox_item")
def item_page(
    request: Request,
    plan: str,
    item: str,
    done: str | None = Query(None),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """One item: verbatim metadata, the display-sanitised text, its matches and actions."""
    data = inbox_service.item(session=session, actor=actor, plan_code=plan, uid=item)
    return render(
        request,
        "inbox/item.html",
        {
            **_abilities(actor, session, plan),
            "item": data,
            "message": DONE.get(done or ""),
        },
    )


def _back(plan: str, item: str, form: dict[str, str], done: str) -> Response:
    if form.get("back") == "item":
        return back(f"/plans/{plan}/inbox/{item}?done={done}")
    query = urlencode({**_filters_of(form), "done": done})
    return back(f"/plans/{plan}/inbox?{query}")


def _filters_of(form: dict[str, str]) -> dict[str, str]:
    """The list's filters, carried by the action forms as f_status, f_condition, ..."""
    return {k: form[f"f_{k}"] for k in FILTERS if form.get(f"f_{k}")}


def _act(
    request: Request,
    session: Session,
    actor: Actor,
    plan: str,
    item: str,
    form: dict[str, str],
    done: str,
    action: Any,
    **kwargs: Any,
) -> Response:
    try:
        action(session=session, actor=actor, plan_code=plan, uid=item, **kwargs)
    except (Conflict, Invalid) as exc:
        # nothing was saved: show the list (with the item's current state) and the reason
        return _list_page(
            request,
            session,
            actor,
            plan,
            _filters_of(form),
            problem=str(exc),
            current=exc.current if isinstance(exc, Conflict) else None,
            status_code=409 if isinstance(exc, Conflict) else 422,
        )
    return _back(plan, item, form, done)


@router.post("/plans/{plan}/inbox/{item}/review")
def review(
    request: Request,
    plan: str,
    item: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Mark reviewed, then back to the list."""
    return _act(request, session, actor, plan, item, form, "reviewed", inbox_review.mark_reviewed)


@router.post("/plans/{plan}/inbox/{item}/dismiss")
def dismiss(
    request: Request,
    plan: str,
    item: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Dismiss, then back to the list."""
    return _act(request, session, actor, plan, item, form, "dismissed", inbox_review.dismiss)


@router.post("/plans/{plan}/inbox/{item}/reopen")
def reopen(
    request: Request,
    plan: str,
    item: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Back to unreviewed, then back to the list."""
    return _act(request, session, actor, plan, item, form, "reopened", inbox_review.reopen)


@router.post("/plans/{plan}/inbox/{item}/attach")
def attach(
    request: Request,
    plan: str,
    item: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Attach as evidence (the form's evaluation, standard, rating, releasability, note)."""
    rating = form.get("rating", "own")
    settings = request.app.state.settings
    return _act(
        request,
        session,
        actor,
        plan,
        item,
        form,
        "attached",
        inbox_review.attach_as_evidence,
        evaluation=form.get("evaluation", ""),
        standard=form.get("standard", ""),
        joint=rating == "joint",
        party=None,
        releasability=form.get("releasability") or "shared",
        note=form.get("note", ""),
        acting_for=form.get("party") or None,
        data_dir=settings.data_dir,
        max_bytes=settings.evidence_max_bytes,
    )
