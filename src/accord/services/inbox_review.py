"""Reviewing inbox items: mark reviewed, dismiss, reopen, attach as evidence.

Each status change is one conditional UPDATE, so two reviewers acting at once cannot both win:
the second gets a Conflict carrying the item's current status.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from accord import i18n, permissions
from accord.i18n import gettext as _
from accord.models import Feed, FeedItem

from . import Conflict, audit, iso_utc
from . import evidence as evidence_service
from .actors import Actor
from .inbox import LABEL, _Context, _feeds_of, _full, _is_web, _load


def _state(item: FeedItem) -> dict[str, Any]:
    return {
        "uid": item.uid,
        "status": item.status,
        "reviewed_by": item.reviewed_by,
        "reviewed_at": iso_utc(item.reviewed_at),
    }


def _set_status(
    session: Session, actor: Actor, row: FeedItem, allowed_from: tuple[str, ...], to: str
) -> bool:
    """Set the status in one conditional UPDATE (so two reviewers cannot both win)."""
    reviewed = to != "unreviewed"
    result = session.execute(
        update(FeedItem)
        .where(FeedItem.id == row.id, FeedItem.status.in_(allowed_from))
        .values(
            status=to,
            reviewed_by=actor.username if reviewed else None,
            reviewed_at=dt.datetime.now(dt.UTC) if reviewed else None,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)
    return isinstance(result, CursorResult) and result.rowcount == 1


def _move(
    session: Session,
    actor: Actor,
    plan_code: str,
    uid: str,
    *,
    action: str,
    allowed_from: tuple[str, ...],
    to: str,
) -> tuple[_Context, FeedItem, dict[str, Any]]:
    """Change the item's status, only if it still has one of `allowed_from` (in one UPDATE)."""
    ctx, row = _load(session, actor, plan_code, uid)
    permissions.require(actor, "inbox.review", plan=ctx.plan)
    before = _state(row)
    if not _set_status(session, actor, row, allowed_from, to):
        current = _state(row)
        verb = {"review": _("review"), "dismiss": _("dismiss"), "reopen": _("reopen")}[action]
        status = i18n.term(current["status"])
        if current["reviewed_by"]:
            message = _(
                "cannot %(action)s: the item is already %(status)s by %(user)s",
                action=verb,
                status=status,
                user=current["reviewed_by"],
            )
        else:
            message = _(
                "cannot %(action)s: the item is already %(status)s", action=verb, status=status
            )
        raise Conflict(message, current=current)
    audit.record(
        session, actor, f"inbox.{action}", "feed_item", row.uid, before=before, after=_state(row)
    )
    return ctx, row, before


def mark_reviewed(*, session: Session, actor: Actor, plan_code: str, uid: str) -> dict[str, Any]:
    """An unreviewed item becomes reviewed (read, nothing to attach)."""
    ctx, row, _ = _move(
        session, actor, plan_code, uid, action="review", allowed_from=("unreviewed",), to="reviewed"
    )
    return _full(ctx, row)


def dismiss(*, session: Session, actor: Actor, plan_code: str, uid: str) -> dict[str, Any]:
    """An unreviewed item is set aside as irrelevant."""
    ctx, row, _ = _move(
        session,
        actor,
        plan_code,
        uid,
        action="dismiss",
        allowed_from=("unreviewed",),
        to="dismissed",
    )
    return _full(ctx, row)


def reopen(*, session: Session, actor: Actor, plan_code: str, uid: str) -> dict[str, Any]:
    """A reviewed or dismissed item goes back to unreviewed."""
    ctx, row, _ = _move(
        session,
        actor,
        plan_code,
        uid,
        action="reopen",
        allowed_from=("reviewed", "dismissed"),
        to="unreviewed",
    )
    return _full(ctx, row)


def _reference(item: FeedItem, feeds: list[Feed]) -> str:
    names = ", ".join(f.title for f in feeds) or "an unnamed feed"
    when = (
        item.published_at.date().isoformat()
        if item.published_at is not None
        else (item.published_raw or "date unknown")
    )
    return f"From feed {names}, published {when}, {LABEL}."


def attach_as_evidence(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    uid: str,
    evaluation: str,
    standard: str,
    data_dir: Path,
    max_bytes: int,
    joint: bool = False,
    party: str | None = None,
    releasability: str = "shared",
    note: str = "",
    acting_for: str | None = None,
) -> dict[str, Any]:
    """Attach the item as evidence (its link, or a note when it has no web link) to a party's
    rating or the joint rating, and mark it reviewed.  A dismissed item must be reopened
    first; a reviewed one may be attached again (to another standard or rating)."""
    ctx, row = _load(session, actor, plan_code, uid)
    permissions.require(actor, "inbox.review", plan=ctx.plan)
    before = _state(row)
    if row.status == "dismissed":
        raise Conflict(
            _(
                "cannot attach: the item was dismissed by %(reviewed_by)s; reopen it first",
                reviewed_by=row.reviewed_by,
            ),
            current=before,
        )
    feeds = _feeds_of(session, [row])[row.id]
    reference = _reference(row, feeds)
    text = "\n\n".join(p for p in (reference, note.strip()) if p)
    title = " ".join(row.title.split()) or "(untitled item)"
    if _is_web(row.link):
        content = evidence_service.Content(
            kind="link", url=(row.link or "").strip(), title=title, note=text
        )
    else:
        content = evidence_service.Content(kind="note", title=title, note=f"{title}\n\n{text}")
    doc = evidence_service.attach(
        session=session,
        actor=actor,
        plan_code=plan_code,
        code=evaluation,
        target=evidence_service.Target(standard=standard, party=party, joint=joint),
        content=content,
        data_dir=data_dir,
        max_bytes=max_bytes,
        releasability=releasability,
        acting_for=acting_for,
    )
    if row.status == "unreviewed":
        changed = _set_status(session, actor, row, ("unreviewed",), "reviewed")
        if not changed and row.status == "dismissed":
            raise Conflict(
                _("cannot attach: the item was dismissed meanwhile"), current=_state(row)
            )
    audit.record(
        session,
        actor,
        "inbox.attach",
        "feed_item",
        row.uid,
        party=doc["owner"],
        before=before,
        after={**_state(row), "evidence": doc["uid"], "releasability": doc["releasability"]},
    )
    return {"item": _full(ctx, row), "evidence": doc}


__all__ = ["attach_as_evidence", "dismiss", "mark_reviewed", "reopen"]
