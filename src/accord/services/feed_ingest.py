"""Storing a feed's entries: new items verbatim, duplicates recognised by key, in batches.

One query looks up every key of a batch; new items, their keys and sources are inserted in
one savepoint.  When another poller stored one of them first (a unique-key violation), the
savepoint is rolled back and the batch goes again one item at a time, each in its own
savepoint, so that every entry ends up stored once, or recorded as a duplicate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accord.feeds import keys as feed_keys
from accord.feeds.parse import Entry
from accord.models import Feed, FeedItem, FeedItemKey, FeedItemSource

Key = tuple[str, str]  # (kind, hash)
CHUNK = 900  # bound parameters per IN (...) query


@dataclass
class Ingested:
    new: list[FeedItem] = field(default_factory=list)
    duplicates: int = 0


@dataclass
class _Pending:
    entry: Entry
    keys: list[Key]


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


def _known(session: Session, plan_id: int, wanted: set[Key]) -> dict[Key, int]:
    """The item each of `wanted` already names in the plan."""
    out: dict[Key, int] = {}
    for chunk in _chunks(sorted({h for _, h in wanted})):
        rows = session.execute(
            select(FeedItemKey.kind, FeedItemKey.value_hash, FeedItemKey.item_id).where(
                FeedItemKey.plan_id == plan_id, FeedItemKey.value_hash.in_(chunk)
            )
        )
        for kind, value, item in rows:
            if (kind, value) in wanted:
                out[(kind, value)] = item
    return out


def _sourced(session: Session, feed_id: int, items: set[int]) -> set[int]:
    """Which of `items` were already seen in this feed."""
    out: set[int] = set()
    ids = sorted(items)
    for i in range(0, len(ids), CHUNK):
        out.update(
            session.scalars(
                select(FeedItemSource.item_id).where(
                    FeedItemSource.feed_id == feed_id,
                    FeedItemSource.item_id.in_(ids[i : i + CHUNK]),
                )
            )
        )
    return out


def _item(feed: Feed, e: Entry, now: dt.datetime) -> FeedItem:
    digest = feed_keys.content_key(e.title, e.summary, e.content) or feed_keys.sha256("")
    return FeedItem(
        plan_id=feed.plan_id,
        feed_id=feed.id,
        guid=e.guid,
        link=e.link,
        title=e.title,
        summary=e.summary,
        content=e.content,
        author=e.author,
        published_at=e.published_at,
        published_raw=e.published_raw,
        content_hash=digest,
        fetched_at=now,
        status="unreviewed",
    )


def entry_keys(feed: Feed, e: Entry) -> list[Key]:
    """The dedupe keys of an entry seen in `feed`."""
    return feed_keys.keys(
        guid=e.guid,
        link=e.link,
        title=e.title,
        summary=e.summary,
        content=e.content,
        feed=feed.location,
    )


def ingest(session: Session, feed: Feed, entries: list[Entry], now: dt.datetime) -> Ingested:
    """Store the entries of one fetch of `feed`: new items, and sources for duplicates."""
    prepared = [(e, entry_keys(feed, e)) for e in entries]
    known = _known(session, feed.plan_id, {k for _, ks in prepared for k in ks})
    sourced = _sourced(session, feed.id, set(known.values()))
    claimed: dict[Key, int | _Pending] = dict(known)
    pending: list[_Pending] = []
    new_sources: list[int] = []
    extra_keys: list[tuple[Key, int]] = []
    result = Ingested()
    for entry, ks in prepared:
        hit = next((claimed[k] for k in ks if k in claimed), None)
        if hit is None:
            p = _Pending(entry, ks)
            pending.append(p)
            for k in ks:
                claimed[k] = p
            continue
        result.duplicates += 1
        for k in ks:  # the copy's other keys name the same item from now on
            if k not in claimed:
                claimed[k] = hit
                if isinstance(hit, _Pending):
                    hit.keys.append(k)
                else:
                    extra_keys.append((k, hit))
        if isinstance(hit, int) and hit not in sourced:
            sourced.add(hit)
            new_sources.append(hit)
    try:
        with session.begin_nested():
            result.new = _insert(session, feed, pending, new_sources, extra_keys, now)
    except IntegrityError:
        # a concurrent poller stored some of these first
        result = _one_by_one(session, feed, entries, now)
    return result


def _insert(
    session: Session,
    feed: Feed,
    pending: list[_Pending],
    new_sources: list[int],
    extra_keys: list[tuple[Key, int]],
    now: dt.datetime,
) -> list[FeedItem]:
    items = [_item(feed, p.entry, now) for p in pending]
    session.add_all(items)
    session.flush()
    key_rows = [
        {"plan_id": feed.plan_id, "kind": kind, "value_hash": value, "item_id": item.id}
        for p, item in zip(pending, items, strict=True)
        for kind, value in p.keys
    ] + [
        {"plan_id": feed.plan_id, "kind": kind, "value_hash": value, "item_id": item_id}
        for (kind, value), item_id in extra_keys
    ]
    source_rows = [
        {"item_id": item_id, "feed_id": feed.id, "seen_at": now}
        for item_id in [i.id for i in items] + new_sources
    ]
    if key_rows:
        session.execute(insert(FeedItemKey), key_rows)
    if source_rows:
        session.execute(insert(FeedItemSource), source_rows)
    return items


def _one_by_one(session: Session, feed: Feed, entries: list[Entry], now: dt.datetime) -> Ingested:
    result = Ingested()
    for entry in entries:
        for _attempt in range(3):
            try:
                with session.begin_nested():
                    got = ingest_one(session, feed, entry, now)
                break
            except IntegrityError:
                continue  # someone else stored it meanwhile: look again
        else:
            got = None
        if got is None:
            result.duplicates += 1
        else:
            result.new.append(got)
    return result


def ingest_one(session: Session, feed: Feed, entry: Entry, now: dt.datetime) -> FeedItem | None:
    """Store one entry (the new item), or record this feed as a source of its item (None)."""
    ks = entry_keys(feed, entry)
    known = _known(session, feed.plan_id, set(ks))
    hit = next((known[k] for k in ks if k in known), None)
    if hit is None:
        return _insert(session, feed, [_Pending(entry, ks)], [], [], now)[0]
    extra = [(k, hit) for k in ks if k not in known]
    sources = [] if _sourced(session, feed.id, {hit}) else [hit]
    _insert(session, feed, [], sources, extra, now)
    return None
