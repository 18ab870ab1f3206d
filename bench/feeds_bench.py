"""Feed benchmark: ingest and keyword-match 10,000 feed items through the services.

Five synthetic agency feeds (RSS 2.0 files, agency-like copy about the transition: meetings,
exercises, statements) of 2,000 items each, 10% of them republications of another feed's
items (same link with tracking parameters, or the same text), are subscribed to as local
files of the OPCON example plan and polled once with `services.feeds.poll_due`: reading,
parsing, dedupe, storing and `feed_matching.match_items`, on SQLite in a temporary directory.
Target: under 10 s.  Run with `python bench/feeds_bench.py` (`make bench`); the result is
merged into `bench/results.json` under the key "feeds".
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import sys
import tempfile
import time
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser
from sqlalchemy import func, select

from accord import schema
from accord.db import make_engine, make_sessionmaker, transaction
from accord.feeds import Limits
from accord.feeds.parse import parse
from accord.models import FeedItem, FeedItemSource, FeedMatch
from accord.services import examples
from accord.services import feeds as feed_service
from accord.services.actors import SYSTEM
from benchlib import cpu_model, save  # bench/ is on sys.path when run as a script

SEED = 20251104
FEEDS = ("mnd", "jcs", "usfk", "cfc", "dod")
PER_FEED = 2_000
REPUBLISHED = 0.10
TARGET_S = 10.0

EVENTS = [
    "the {n}th Military Committee Meeting",
    "the {n}th Security Consultative Meeting",
    "combined exercise Ulchi Freedom Shield {y}",
    "combined exercise Freedom Shield {y}",
    "the Korea Integrated Defense Dialogue",
    "a combined command post exercise",
    "the alliance crisis management seminar",
    "the Future-Combined Forces Command staff talks",
]
SUBJECTS = [
    "Full Operational Capability verification",
    "the critical military capabilities for the transition",
    "comprehensive counter-missile response capabilities",
    "the combined intelligence, surveillance and reconnaissance picture",
    "the counter-artillery posture of the combined forces",
    "alliance crisis management procedures",
    "the ROK-led combined targeting cell",
    "the Korean Tactical Air Control System",
    "the bridging capabilities of the United States",
    "the security environment on the Korean Peninsula",
]
VERBS = ["reviewed", "assessed", "verified", "rehearsed", "discussed", "reaffirmed", "evaluated"]
WHO = [
    "The ROK and US defense chiefs",
    "The Joint Chiefs of Staff",
    "The Future-Combined Forces Command",
    "The Minister of National Defense and the US Secretary of Defense",
    "Combined staffs",
]


def _story(rng: random.Random, i: int) -> tuple[str, str, str]:
    event = rng.choice(EVENTS).format(n=40 + i % 20, y=2019 + i % 8)
    subject = rng.choice(SUBJECTS)
    title = f"{rng.choice(WHO)} {rng.choice(VERBS)} {subject} at {event} ({i})"
    summary = (
        f"{rng.choice(WHO)} {rng.choice(VERBS)} {subject} during {event}. "
        f"They {rng.choice(VERBS)} {rng.choice(SUBJECTS)} and agreed to report progress "
        "on the conditions for the transition of wartime operational control."
    )
    content = "".join(
        f"<p>{rng.choice(WHO)} {rng.choice(VERBS)} {rng.choice(SUBJECTS)}.</p>" for _ in range(3)
    )
    return title, summary, content


def _item(
    name: str, guid: str, link: str, title: str, summary: str, content: str, when: dt.datetime
) -> str:
    return (
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
        f'<guid isPermaLink="false">{escape(guid)}</guid>'
        f"<pubDate>{format_datetime(when)}</pubDate><author>{name} public affairs</author>"
        f"<description>{escape(summary)}</description>"
        f"<content:encoded><![CDATA[{content}]]></content:encoded></item>"
    )


def write_feeds(root: Path) -> tuple[list[Path], int]:
    """The feed files, and how many of their items republish another feed's item."""
    rng = random.Random(SEED)
    start = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
    originals: list[tuple[str, str, str, str]] = []  # link, title, summary, content
    paths, copies = [], 0
    for f, name in enumerate(FEEDS):
        items = []
        for j in range(PER_FEED):
            i = f * PER_FEED + j
            when = start + dt.timedelta(hours=7 * i)
            guid = f"{name}-{i}"
            if originals and rng.random() < REPUBLISHED:
                link, title, summary, content = rng.choice(originals)
                copies += 1
                if rng.random() < 0.5:  # the same link, tracked
                    link = f"{link}?utm_source={name}&utm_medium=rss"
                else:  # the same text, another address
                    link = f"https://{name}.example.mil/releases/{i}"
            else:
                title, summary, content = _story(rng, i)
                link = f"https://{name}.example.mil/news/{i}"
                originals.append((link, title, summary, content))
            items.append(_item(name, guid, link, title, summary, content, when))
        path = root / f"{name}.rss"
        path.write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>{name.upper()} releases (synthetic)</title>"
            f"<link>https://{name}.example.mil/</link>{''.join(items)}</channel></rss>",
            "utf-8",
        )
        paths.append(path)
    return paths, copies


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths, copies = write_feeds(root)
        size = sum(p.stat().st_size for p in paths)
        engine = make_engine(f"sqlite:///{root}/bench.db")
        schema.upgrade(engine)
        factory = make_sessionmaker(engine)
        with transaction(factory) as s:
            plan = examples.load_example(session=s, name="opcon")
            for p in paths:
                feed_service.subscribe(
                    session=s, actor=SYSTEM, plan_code=plan.code, location=str(p), any_path=True
                )
        t0 = time.perf_counter()
        for p in paths:  # parsing alone, for the breakdown (the fast path for plain RSS)
            parse(p.read_bytes(), source=str(p), max_item_bytes=1 << 20)
        parse_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for p in paths:  # what feedparser alone would take, for comparison
            parse(p.read_bytes(), source=str(p), max_item_bytes=1 << 20, fast=False)
        feedparser_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        with transaction(factory) as s:
            reports = feed_service.poll_due(
                session=s, actor=SYSTEM, limits=Limits(max_bytes=100 * 1024 * 1024)
            )
        total_s = time.perf_counter() - t0
        with factory() as s:
            stored = s.scalar(select(func.count()).select_from(FeedItem))
            sources = s.scalar(select(func.count()).select_from(FeedItemSource))
            matches = s.scalar(select(func.count()).select_from(FeedMatch))
        engine.dispose()
    assert all(r.status == "ok" for r in reports), [r.error for r in reports]
    new, dupes = sum(r.new for r in reports), sum(r.duplicates for r in reports)
    assert new + dupes == len(FEEDS) * PER_FEED and dupes == copies, (new, dupes, copies)
    record = {
        "machine": {
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "feedparser": feedparser.__version__,
            "cpu_model": cpu_model(),
            "cpu_count": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
        "workload": {
            "items": len(FEEDS) * PER_FEED,
            "feeds": len(FEEDS),
            "republished": copies,
            "bytes": size,
            "database": "sqlite",
        },
        "metrics": {
            "ingest_and_match": {
                "what": "poll 5 local feeds of 2,000 items: parse, dedupe, store, keyword-match",
                "seconds": round(total_s, 3),
                "of_which_parsing_seconds": round(parse_s, 3),
                "parsing_with_feedparser_only_seconds": round(feedparser_s, 3),
                "items_per_second": round(len(FEEDS) * PER_FEED / total_s),
                "stored": stored,
                "sources": sources,
                "matches": matches,
                "target_seconds": TARGET_S,
                "pass": total_s < TARGET_S,
            }
        },
    }
    save("feeds", record)
    m = record["metrics"]["ingest_and_match"]
    print(
        f"ingest+match {len(FEEDS) * PER_FEED:,} items: {total_s:.2f} s "
        f"(parsing {parse_s:.2f} s, feedparser alone {feedparser_s:.2f} s; "
        f"{new:,} new, {dupes:,} duplicates, {matches:,} matches)  "
        f"target {TARGET_S:.0f} s  {'pass' if m['pass'] else 'FAIL'}"  # type: ignore[index]
    )
    return 0 if total_s < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
