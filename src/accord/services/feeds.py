"""Feed subscriptions of a plan and polling them: subscribe, list, update, remove, poll.

Nothing reaches the network unless a user subscribed to an address: polling reads only the
plan's active subscriptions.  All fetching happens before anything is written, so a slow
agency server never holds the database's write lock.  One bad feed never stops the others:
its error is recorded on the feed, which then backs off (interval x 2^failures, at most a day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from accord import permissions
from accord.feeds import Limits
from accord.i18n import gettext as _
from accord.models import Feed, FeedItem, FeedItemSource, Plan

from . import Conflict, Invalid, NotFound, audit, iso_utc
from .actors import Actor
from .feed_poll import Report, poll_feeds

MAX_INTERVAL = 7 * 24 * 60  # minutes
# how long a poller's claim on a feed lasts: longer than a round of fetches takes (a round
# that overruns it only costs a second fetch; items are deduplicated)
CLAIM_LEASE = dt.timedelta(minutes=15)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def document(feed: Feed, items: int | None = None) -> dict[str, Any]:
    """The public face of a subscription."""
    doc: dict[str, Any] = {
        "uid": feed.uid,
        "title": feed.title,
        "source": feed.source,
        "location": feed.location,
        "active": feed.active,
        "interval_minutes": feed.interval_minutes,
        "last_polled_at": iso_utc(feed.last_polled_at),
        "next_poll_at": iso_utc(feed.next_poll_at),
        "failures": feed.failures,
        "last_status": feed.last_status,
        "last_error": feed.last_error,
        "created_by": feed.created_by,
        "created_at": iso_utc(feed.created_at),
    }
    if items is not None:
        doc["items"] = items
    return doc


def _interval(minutes: int) -> int:
    if not 1 <= minutes <= MAX_INTERVAL:
        raise Invalid(
            _(
                "interval: between 1 and %(max)s minutes, not %(minutes)s",
                max=MAX_INTERVAL,
                minutes=minutes,
            )
        )
    return minutes


def _location(location: str, *, any_path: bool, local_root: Path | None) -> tuple[str, str]:
    """(source, location) of what a user subscribes to; Invalid when it is neither an http(s)
    address nor an existing local file or directory the caller may name."""
    where = location.strip()
    if not where:
        raise Invalid(_("location: an http(s) address, or a local feed file or directory"))
    if where.lower().startswith(("http://", "https://")):
        parts = urlsplit(where)
        if not parts.hostname:
            raise Invalid(_("location: %(where)s names no host", where=repr(where)))
        return "url", where
    if "://" in where:
        raise Invalid(
            _("location: only http and https addresses, not %(where)s", where=repr(where))
        )
    path = Path(where).expanduser().resolve()
    if not any_path:
        root = local_root.expanduser().resolve() if local_root is not None else None
        if root is None or not path.is_relative_to(root):
            if root:
                message = _(
                    "location: here only http(s) addresses or paths under %(root)s (local "
                    "paths: ACCORD_FEED_LOCAL_ROOT, or `accord feeds add`)",
                    root=root,
                )
            else:
                message = _(
                    "location: here only http(s) addresses (local paths: "
                    "ACCORD_FEED_LOCAL_ROOT, or `accord feeds add`)"
                )
            raise Invalid(message)
    if not (path.is_file() or path.is_dir()):
        raise Invalid(_("location: no file or directory %(path)s", path=path))
    return "path", str(path)


def _get(session: Session, plan: Plan, uid: str) -> Feed:
    feed = session.scalar(select(Feed).where(Feed.uid == uid, Feed.plan_id == plan.id))
    if feed is None:
        raise NotFound(_("no feed %(uid)s", uid=repr(uid)))
    return feed


def subscribe(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    location: str,
    title: str = "",
    interval_minutes: int = 60,
    any_path: bool = False,
    local_root: Path | None = None,
) -> dict[str, Any]:
    """Subscribe the plan to a feed (due at once); the operator's CLI may name any local path
    (`any_path`), the web API only paths under `local_root`."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    permissions.require(actor, "feeds.manage", plan=plan)
    source, where = _location(location, any_path=any_path, local_root=local_root)
    taken = session.scalar(select(Feed).where(Feed.plan_id == plan.id, Feed.location == where))
    if taken is not None:
        raise Conflict(
            _(
                "location: %(plan)s is already subscribed to %(where)s (%(uid)s)",
                plan=plan.code,
                where=where,
                uid=taken.uid,
            )
        )
    feed = Feed(
        plan_id=plan.id,
        title=(title.strip() or where)[:300],
        source=source,
        location=where,
        interval_minutes=_interval(interval_minutes),
        next_poll_at=_now(),
        failures=0,
        active=True,
        created_by=actor.username,
    )
    session.add(feed)
    session.flush()
    doc = document(feed, 0)
    audit.record(session, actor, "feeds.subscribe", "feed", feed.uid, after=doc)
    return doc


def _counts(session: Session, feed_ids: list[int]) -> dict[int, int]:
    if not feed_ids:
        return {}
    rows = session.execute(
        select(FeedItemSource.feed_id, func.count())
        .where(FeedItemSource.feed_id.in_(feed_ids))
        .group_by(FeedItemSource.feed_id)
    )
    return {fid: int(n) for fid, n in rows}


def list_feeds(*, session: Session, actor: Actor, plan_code: str) -> list[dict[str, Any]]:
    """The plan's subscriptions, with how many items each brought (every member may read)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    permissions.require(actor, "plan.view", plan=plan)
    feeds = list(session.scalars(select(Feed).where(Feed.plan_id == plan.id).order_by(Feed.id)))
    counts = _counts(session, [f.id for f in feeds])
    return [document(f, counts.get(f.id, 0)) for f in feeds]


def update_feed(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    uid: str,
    active: bool | None = None,
    interval_minutes: int | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """Pause or resume a feed, change its interval or title; resuming makes it due at once."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    permissions.require(actor, "feeds.manage", plan=plan)
    feed = _get(session, plan, uid)
    before = document(feed)
    if interval_minutes is not None:
        feed.interval_minutes = _interval(interval_minutes)
    if title is not None:
        if not title.strip():
            raise Invalid(_("title: empty"))
        feed.title = title.strip()[:300]
    if active is not None and active != feed.active:
        feed.active = active
        if active:
            feed.next_poll_at, feed.failures = _now(), 0
    session.flush()
    after = document(feed)
    audit.record(session, actor, "feeds.update", "feed", feed.uid, before=before, after=after)
    return after


def remove_feed(*, session: Session, actor: Actor, plan_code: str, uid: str) -> dict[str, Any]:
    """Unsubscribe.  Items this feed alone brought go with it; items another feed also
    brought stay, credited to that feed (pause a feed to keep its items)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    permissions.require(actor, "feeds.manage", plan=plan)
    feed = _get(session, plan, uid)
    before = document(feed)
    others = (
        select(func.min(FeedItemSource.feed_id))
        .where(FeedItemSource.item_id == FeedItem.id, FeedItemSource.feed_id != feed.id)
        .scalar_subquery()
    )
    session.execute(
        update(FeedItem)
        .where(FeedItem.feed_id == feed.id, others.is_not(None))
        .values(feed_id=others)
        .execution_options(synchronize_session=False)
    )
    dropped = session.scalar(select(func.count()).where(FeedItem.feed_id == feed.id)) or 0
    session.delete(feed)
    session.flush()
    result = {"uid": uid, "removed": True, "items_removed": dropped}
    audit.record(session, actor, "feeds.remove", "feed", uid, before=before, after=result)
    return result


# --------------------------------------------------------------------------- polling


def poll_due(
    *,
    session: Session,
    actor: Actor,
    limits: Limits,
    plan_code: str | None = None,
    all_now: bool = False,
    now: dt.datetime | None = None,
    claimed: Sequence[int] | None = None,
) -> list[Report]:
    """Poll the active feeds that are due (every active feed with `all_now`; exactly the
    `claimed` ones, see `claim_due`) of one plan, or of every plan the actor manages feeds
    of.  Nothing is fetched when no feed is due."""
    moment = now or _now()
    plan_ids = _managed_plan_ids(session, actor, plan_code)
    if not plan_ids:
        return []
    query = select(Feed).where(Feed.plan_id.in_(plan_ids), Feed.active.is_(True))
    if claimed is not None:
        query = query.where(Feed.id.in_(list(claimed)))
    feeds = [
        f
        for f in session.scalars(query.order_by(Feed.id))
        if all_now
        or claimed is not None
        or f.next_poll_at is None
        or (_utc(f.next_poll_at) or moment) <= moment
    ]
    if not feeds:
        return []
    return poll_feeds(session, actor, feeds, limits, moment)


def _managed_plan_ids(session: Session, actor: Actor, plan_code: str | None) -> list[int]:
    if plan_code is not None:
        plan = permissions.plan_for_actor(session, actor, plan_code)
        permissions.require(actor, "feeds.manage", plan=plan)
        return [plan.id]
    return [
        p.id
        for p in permissions.visible_plans(session, actor)
        if permissions.can(actor, "feeds.manage", plan=p)
    ]


def claim_due(
    *,
    session: Session,
    actor: Actor,
    now: dt.datetime | None = None,
    lease: dt.timedelta = CLAIM_LEASE,
) -> list[int]:
    """Claim the due active feeds of every plan the actor manages feeds of, for one poller:
    each claim is a conditional UPDATE that moves `next_poll_at` `lease` ahead only if the
    feed is still due, so of several pollers (worker processes, servers) exactly one wins
    each feed.  The caller commits before polling the ids returned (`poll_due(claimed=...)`),
    which then sets the real next poll time; a poller that dies leaves the feed due again
    once the lease has run out."""
    moment = now or _now()
    plan_ids = _managed_plan_ids(session, actor, None)
    if not plan_ids:
        return []
    due = (Feed.next_poll_at.is_(None)) | (Feed.next_poll_at <= moment)
    candidates = session.scalars(
        select(Feed.id)
        .where(Feed.plan_id.in_(plan_ids), Feed.active.is_(True), due)
        .order_by(Feed.id)
    ).all()
    won = []
    for feed_id in candidates:
        hit = session.execute(
            update(Feed)
            .where(Feed.id == feed_id, Feed.active.is_(True), due)
            .values(next_poll_at=moment + lease)
            .execution_options(synchronize_session=False)
        )
        if getattr(hit, "rowcount", 0) == 1:
            won.append(feed_id)
    return won


def poll_feed(
    *, session: Session, actor: Actor, plan_code: str, uid: str, limits: Limits
) -> Report:
    """Poll one feed now, paused or not (what "poll now" does)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    permissions.require(actor, "feeds.manage", plan=plan)
    feed = _get(session, plan, uid)
    return poll_feeds(session, actor, [feed], limits, _now())[0]


__all__ = [
    "CLAIM_LEASE",
    "Report",
    "claim_due",
    "document",
    "list_feeds",
    "poll_due",
    "poll_feed",
    "remove_feed",
    "subscribe",
    "update_feed",
]
