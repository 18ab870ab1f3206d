"""Polling feeds: fetch every due feed first (no database), then store, match and audit.

All fetching happens before anything is written, so a slow agency server never holds the
database's write lock; one bad feed never stops the others (its error is recorded on the
feed, which then backs off: interval x 2^failures, at most a day).
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from accord.feeds import Limits
from accord.feeds.fetch import Fetched, FetchError, fetch_url, read_path
from accord.feeds.parse import Entry, FeedError, parse
from accord.models import Feed, FeedItem, FeedMatch, Plan

from . import audit, feed_matching
from .actors import Actor
from .feed_ingest import ingest

log = logging.getLogger(__name__)

MAX_BACKOFF = dt.timedelta(hours=24)
FETCH_WORKERS = 4


@dataclass
class Report:
    """What one poll of one feed did."""

    feed: str  # uid
    title: str
    status: str = "ok"  # ok | not modified | error
    new: int = 0
    duplicates: int = 0
    matched: int = 0
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Outcome:
    fetched: Fetched | None = None
    entries: list[Entry] = field(default_factory=list)
    title: str = ""
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class _Target:
    id: int
    source: str
    location: str
    etag: str | None
    last_modified: str | None


def _fetch(target: _Target, limits: Limits) -> _Outcome:
    """Fetch and parse one feed; no database here (it runs in a worker thread)."""
    out = _Outcome()
    try:
        if target.source == "url":
            got = fetch_url(
                target.location,
                etag=target.etag,
                last_modified=target.last_modified,
                timeout=limits.timeout_seconds,
                max_bytes=limits.max_bytes,
            )
        else:
            got = read_path(
                Path(target.location), signature=target.etag, max_bytes=limits.max_bytes
            )
        out.fetched = got
        out.warnings += got.warnings
        problems = []
        for name, data in got.documents:
            try:
                parsed = parse(data, source=name, max_item_bytes=limits.max_item_bytes)
            except FeedError as exc:
                problems.append(str(exc))
                continue
            out.title = out.title or parsed.title
            out.entries += parsed.entries
            out.skipped += parsed.skipped
            out.warnings += parsed.warnings
        if problems and len(problems) == len(got.documents):
            out.error = "; ".join(problems)
        else:
            out.warnings += problems
    except FetchError as exc:
        out.error = str(exc)
    except Exception as exc:  # a bug must not stop the other feeds
        log.exception("feed %s", target.location)
        out.error = f"{target.location}: unexpected error: {exc!r}"
    return out


def _fit(value: str | None, size: int) -> str | None:
    return value if value is not None and len(value) <= size else None


def _record(feed: Feed, outcome: _Outcome, report: Report, now: dt.datetime) -> None:
    feed.last_polled_at = now
    if report.status == "error":
        feed.failures += 1
        feed.last_error = report.error
        feed.last_status = "error"
        delay = dt.timedelta(minutes=feed.interval_minutes) * 2**feed.failures
        feed.next_poll_at = now + min(delay, MAX_BACKOFF)
        return
    got = outcome.fetched
    feed.failures = 0
    feed.last_error = None
    feed.next_poll_at = now + dt.timedelta(minutes=feed.interval_minutes)
    if got is not None and got.status == 200:
        feed.etag = _fit(got.etag, 500)
        feed.last_modified = _fit(got.last_modified, 100)
    if outcome.title and feed.title == feed.location:  # subscribed without a title
        feed.title = outcome.title.strip()[:300] or feed.title
    feed.last_status = (
        report.status
        if report.status != "ok"
        else f"ok: {report.new} new, {report.duplicates} duplicate(s)"
        + (f", {len(report.skipped)} skipped" if report.skipped else "")
    )[:200]


def poll_feeds(
    session: Session, actor: Actor, feeds: list[Feed], limits: Limits, now: dt.datetime
) -> list[Report]:
    """Poll `feeds` (already authorised), store and match their new items, audit per plan."""
    targets = [_Target(f.id, f.source, f.location, f.etag, f.last_modified) for f in feeds]
    if len(targets) > 1:
        with ThreadPoolExecutor(max_workers=min(FETCH_WORKERS, len(targets))) as pool:
            outcomes = list(pool.map(lambda t: _fetch(t, limits), targets))
    else:
        outcomes = [_fetch(t, limits) for t in targets]
    reports: list[Report] = []
    fresh: dict[int, list[FeedItem]] = {}
    for feed, outcome in zip(feeds, outcomes, strict=True):
        report = Report(feed.uid, feed.title, skipped=outcome.skipped, warnings=outcome.warnings)
        reports.append(report)
        if outcome.error is not None:
            report.status, report.error = "error", outcome.error
        elif outcome.fetched is not None and outcome.fetched.status == 304:
            report.status = "not modified"
        else:
            try:
                got = ingest(session, feed, outcome.entries, now)
            except SQLAlchemyError as exc:
                log.exception("storing feed %s", feed.location)
                report.status, report.error = "error", f"could not store the items: {exc}"
            else:
                report.new, report.duplicates = len(got.new), got.duplicates
                fresh.setdefault(feed.plan_id, []).extend(got.new)
        _record(feed, outcome, report, now)
        report.title = feed.title
    by_feed = {r.feed: r for r in reports}
    for plan_id, items in fresh.items():
        if not items:
            continue
        plan = session.get(Plan, plan_id)
        assert plan is not None
        try:
            with session.begin_nested():
                feed_matching.match_items(
                    session,
                    plan,
                    items,
                    semantic=limits.semantic,
                    threshold=limits.semantic_threshold,
                )
        except Exception as exc:  # the items are stored; matching can be run again
            log.exception("matching feed items of %s", plan.code)
            for feed in feeds:
                if feed.plan_id == plan_id:
                    by_feed[feed.uid].warnings.append(f"matching failed: {exc}")
        else:
            _count_matches(session, items, feeds, by_feed)
    session.flush()
    for plan_id in sorted({f.plan_id for f in feeds}):
        mine = [by_feed[f.uid] for f in feeds if f.plan_id == plan_id]
        plan = session.get(Plan, plan_id)
        assert plan is not None
        audit.record(
            session,
            actor,
            "feeds.poll",
            "plan",
            plan.code,
            after={
                "feeds": len(mine),
                "new": sum(r.new for r in mine),
                "duplicates": sum(r.duplicates for r in mine),
                "skipped": sum(len(r.skipped) for r in mine),
                "errors": [r.feed for r in mine if r.status == "error"],
            },
        )
    return reports


def _count_matches(
    session: Session, items: list[FeedItem], feeds: list[Feed], by_feed: dict[str, Report]
) -> None:
    ids = [i.id for i in items]
    counts: dict[int, int] = {}
    for i in range(0, len(ids), 900):
        rows = session.execute(
            select(FeedItem.feed_id, func.count(FeedMatch.id))
            .join(FeedMatch, FeedMatch.item_id == FeedItem.id)
            .where(FeedItem.id.in_(ids[i : i + 900]))
            .group_by(FeedItem.feed_id)
        )
        for fid, n in rows:
            counts[fid] = counts.get(fid, 0) + n
    for feed in feeds:
        if feed.id in counts:
            by_feed[feed.uid].matched = counts[feed.id]
