"""The inbox: feed items awaiting review, with the standards they were matched to.

Items are agency feeds republished verbatim and unreviewed; nothing here changes their text.
Every plan member reads the inbox ("plan.view"); reviewing, dismissing, reopening and
attaching as evidence need "inbox.review" (attaching also "evidence.attach" for a party).
Status changes are optimistic: they apply only to the status the actor saw, so a second
reviewer gets a Conflict carrying the item's current status instead of overwriting it.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from accord import permissions
from accord.feeds import sanitize
from accord.i18n import gettext as _
from accord.models import Evaluation, Feed, FeedItem, FeedItemSource, FeedMatch, Plan
from accord.models.feed import ITEM_STATUSES

from . import Invalid, NotFound, iso_utc
from .actors import Actor
from .frameworks import current_version, framework_of

LABEL = "unreviewed open-source item"
EXCERPT_CHARS = 280
MAX_LIMIT = 200
OPEN_EVALUATION = ("open", "reconciliation")


def _is_web(link: str | None) -> bool:
    return bool(link) and str(link).strip().lower().startswith(("https://", "http://"))


class _Context:
    """The plan, its current framework version and the names of its conditions and standards."""

    def __init__(self, session: Session, actor: Actor, plan_code: str) -> None:
        self.session = session
        self.plan: Plan = permissions.plan_for_actor(session, actor, plan_code)
        self.version = current_version(session=session, plan=self.plan)
        fw = framework_of(self.version) if self.version is not None else None
        self.conditions = {c.code: c.title for c in fw.conditions} if fw else {}
        self.standards = (
            {c: (s.title, s.condition) for c, s in fw.standards_by_code.items()} if fw else {}
        )
        self.version_id = self.version.id if self.version is not None else -1

    def feeds(self) -> list[Feed]:
        return list(
            self.session.scalars(
                select(Feed).where(Feed.plan_id == self.plan.id).order_by(Feed.title, Feed.id)
            )
        )


def _in_feed(feed_id: int) -> ColumnElement[bool]:
    seen = select(FeedItemSource.item_id).where(FeedItemSource.feed_id == feed_id)
    return or_(FeedItem.feed_id == feed_id, FeedItem.id.in_(seen))


def _matched(ctx: _Context, *, condition: str | None = None, standard: str | None = None) -> Any:
    query = select(FeedMatch.item_id).where(FeedMatch.framework_version_id == ctx.version_id)
    if condition is not None:
        query = query.where(FeedMatch.condition_code == condition)
    if standard is not None:
        query = query.where(FeedMatch.standard_code == standard)
    return query


def _filters(
    ctx: _Context,
    *,
    condition: str | None,
    feed: Feed | None,
    standard: str | None,
    q: str | None,
) -> dict[str, ColumnElement[bool]]:
    out: dict[str, ColumnElement[bool]] = {}
    if condition is not None:
        out["condition"] = FeedItem.id.in_(_matched(ctx, condition=condition))
    if feed is not None:
        out["feed"] = _in_feed(feed.id)
    if standard is not None:
        out["standard"] = FeedItem.id.in_(_matched(ctx, standard=standard))
    if q:
        needle = q.strip().lower()
        out["q"] = or_(
            func.lower(FeedItem.title).contains(needle, autoescape=True),
            func.lower(FeedItem.summary).contains(needle, autoescape=True),
        )
    return out


def _count(session: Session, query: Any) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _feeds_of(session: Session, items: list[FeedItem]) -> dict[int, list[Feed]]:
    out: dict[int, list[Feed]] = {i.id: [i.feed] for i in items}
    rows = session.execute(
        select(FeedItemSource.item_id, Feed)
        .join(Feed, Feed.id == FeedItemSource.feed_id)
        .where(FeedItemSource.item_id.in_(out))
        .order_by(FeedItemSource.seen_at, FeedItemSource.id)
    ).all()
    for item_id, feed in rows:
        if feed not in out[item_id]:
            out[item_id].append(feed)
    return out


def _matches_of(ctx: _Context, items: list[FeedItem]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {i.id: [] for i in items}
    rows = ctx.session.scalars(
        select(FeedMatch)
        .where(FeedMatch.item_id.in_(out), FeedMatch.framework_version_id == ctx.version_id)
        .order_by(FeedMatch.score.desc(), FeedMatch.standard_code, FeedMatch.method)
    )
    for m in rows:
        title, _ = ctx.standards.get(m.standard_code, ("", m.condition_code))
        out[m.item_id].append(
            {
                "standard": m.standard_code,
                "title": title,
                "condition": m.condition_code,
                "condition_title": ctx.conditions.get(m.condition_code, ""),
                "score": round(m.score, 3),
                "method": m.method,
                "reason": m.reason,
            }
        )
    return out


def _document(item: FeedItem, feeds: list[Feed], matches: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "uid": item.uid,
        "label": LABEL,
        "title": item.title,  # verbatim
        "title_text": sanitize.to_text(item.title) or "(untitled item)",
        "link": item.link,  # verbatim
        "web_link": item.link.strip() if item.link and _is_web(item.link) else None,
        "author": item.author,
        "published_at": iso_utc(item.published_at),
        "published_raw": item.published_raw,
        "fetched_at": iso_utc(item.fetched_at),
        "feeds": [{"uid": f.uid, "title": f.title} for f in feeds],
        "excerpt": sanitize.to_text(item.summary or item.content, limit=EXCERPT_CHARS),
        "status": item.status,
        "reviewed_by": item.reviewed_by,
        "reviewed_at": iso_utc(item.reviewed_at),
        "matches": matches,
    }


def _standards(ctx: _Context) -> list[dict[str, str]]:
    return [{"code": c, "title": t, "condition": k} for c, (t, k) in ctx.standards.items()]


def _evaluations(session: Session, plan: Plan) -> tuple[list[dict[str, str]], str | None]:
    """The plan's evaluations, newest first, and the one evidence goes to by default."""
    rows = list(
        session.scalars(
            select(Evaluation)
            .where(Evaluation.plan_id == plan.id)
            .order_by(Evaluation.held_on.desc(), Evaluation.id.desc())
        )
    )
    default = next((e.code for e in rows if e.status in OPEN_EVALUATION), None)
    if default is None and rows:
        default = rows[0].code
    return [{"code": e.code, "label": e.label, "status": e.status} for e in rows], default


def list_items(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    status: str = "unreviewed",
    condition: str | None = None,
    feed: str | None = None,
    standard: str | None = None,
    q: str | None = None,
    page: int = 1,
    limit: int = 50,
) -> dict[str, Any]:
    """Items of one status (filtered by condition, feed uid, standard, text), newest first,
    with their matches in the plan's current framework version, facet counts and totals."""
    ctx = _Context(session, actor, plan_code)
    if status not in ITEM_STATUSES:
        raise Invalid(
            _(
                "status: one of %(choices)s, not %(status)s",
                choices=", ".join(ITEM_STATUSES),
                status=repr(status),
            )
        )
    if condition is not None and condition not in ctx.conditions:
        raise Invalid(
            _(
                "condition: plan %(plan)s has no condition %(condition)s",
                plan=repr(ctx.plan.code),
                condition=repr(condition),
            )
        )
    if standard is not None and standard not in ctx.standards:
        raise Invalid(
            _(
                "standard: plan %(plan)s has no standard %(standard)s",
                plan=repr(ctx.plan.code),
                standard=repr(standard),
            )
        )
    if page < 1 or not 1 <= limit <= MAX_LIMIT:
        raise Invalid(_("page: 1 or more; limit: 1 to %(max)s", max=MAX_LIMIT))
    feeds = ctx.feeds()
    chosen = None
    if feed is not None:
        chosen = next((f for f in feeds if f.uid == feed), None)
        if chosen is None:
            raise Invalid(
                _(
                    "feed: plan %(plan)s has no feed %(feed)s",
                    plan=repr(ctx.plan.code),
                    feed=repr(feed),
                )
            )
    filters = _filters(ctx, condition=condition, feed=chosen, standard=standard, q=q)
    base = select(FeedItem.id).where(FeedItem.plan_id == ctx.plan.id)

    def where(query: Any, *, without: str = "", with_status: bool = True) -> Any:
        clauses = [c for name, c in filters.items() if name != without]
        if with_status:
            clauses.append(FeedItem.status == status)
        return query.where(*clauses)

    total = _count(session, where(base))
    by_status = {
        s: _count(session, where(base, with_status=False).where(FeedItem.status == s))
        for s in ITEM_STATUSES
    }
    by_condition: dict[str, int] = dict(
        session.execute(
            where(
                select(FeedMatch.condition_code, func.count(func.distinct(FeedItem.id)))
                .join(FeedMatch, FeedMatch.item_id == FeedItem.id)
                .where(
                    FeedItem.plan_id == ctx.plan.id,
                    FeedMatch.framework_version_id == ctx.version_id,
                ),
                without="condition",
            ).group_by(FeedMatch.condition_code)
        ).all()
    )
    by_feed = {
        f.uid: _count(session, where(base, without="feed").where(_in_feed(f.id))) for f in feeds
    }
    rows = list(
        session.scalars(
            where(select(FeedItem).where(FeedItem.plan_id == ctx.plan.id))
            .order_by(
                FeedItem.published_at.is_(None),
                FeedItem.published_at.desc(),
                FeedItem.fetched_at.desc(),
                FeedItem.id.desc(),
            )
            .offset((page - 1) * limit)
            .limit(limit)
        )
    )
    feeds_of, matches = _feeds_of(session, rows), _matches_of(ctx, rows)
    evaluations, default = _evaluations(session, ctx.plan)
    return {
        "plan": ctx.plan.code,
        "label": LABEL,
        "framework_version": ctx.version.version if ctx.version is not None else None,
        "filters": {
            "status": status,
            "condition": condition,
            "feed": feed,
            "standard": standard,
            "q": q or None,
        },
        "total": total,
        "page": page,
        "limit": limit,
        "pages": max(1, math.ceil(total / limit)),
        "counts": by_status,
        "facets": {
            "condition": [
                {"code": c, "title": t, "count": by_condition.get(c, 0)}
                for c, t in ctx.conditions.items()
            ],
            "feed": [{"uid": f.uid, "title": f.title, "count": by_feed[f.uid]} for f in feeds],
        },
        "feeds_subscribed": len(feeds),
        "evaluations": evaluations,
        "default_evaluation": default,
        "standards": _standards(ctx),
        "items": [_document(i, feeds_of[i.id], matches[i.id]) for i in rows],
    }


def _load(session: Session, actor: Actor, plan_code: str, uid: str) -> tuple[_Context, FeedItem]:
    ctx = _Context(session, actor, plan_code)
    item = session.scalar(
        select(FeedItem).where(FeedItem.uid == uid, FeedItem.plan_id == ctx.plan.id)
    )
    if item is None:
        raise NotFound(
            _("no feed item %(uid)s in plan %(plan)s", uid=repr(uid), plan=repr(ctx.plan.code))
        )
    return ctx, item


def _full(ctx: _Context, item: FeedItem) -> dict[str, Any]:
    doc = _document(
        item, _feeds_of(ctx.session, [item])[item.id], _matches_of(ctx, [item])[item.id]
    )
    body = item.content or item.summary
    # the one place feed HTML becomes markup for a page (item.html renders it with |safe)
    doc |= {
        "summary": item.summary,
        "content": item.content,
        "html": sanitize.to_html(body, base_url=doc["web_link"]),
        "html_source": "content" if item.content else "summary",
    }
    return doc


def item(*, session: Session, actor: Actor, plan_code: str, uid: str) -> dict[str, Any]:
    """One item: verbatim text and metadata, the display HTML (sanitised) and its matches."""
    ctx, row = _load(session, actor, plan_code, uid)
    out = _full(ctx, row)
    evaluations, default = _evaluations(session, ctx.plan)
    out |= {
        "evaluations": evaluations,
        "default_evaluation": default,
        "standards": _standards(ctx),
    }
    return out


__all__ = [
    "EXCERPT_CHARS",
    "LABEL",
    "MAX_LIMIT",
    "item",
    "list_items",
]
