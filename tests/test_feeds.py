"""Feeds: parsing the fixture feeds, verbatim storage, dedupe keys, subscriptions."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from accord.db import transaction
from accord.feeds import Limits, keys
from accord.feeds.parse import FeedError, parse
from accord.models import AuditRecord, Feed, FeedItem, FeedItemKey, FeedItemSource, Plan
from accord.permissions import Forbidden
from accord.services import Conflict, Invalid, accounts, feed_ingest
from accord.services import feeds as fs
from accord.services.actors import SYSTEM, actor_for

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
PLAN = "opcon-cotp"
LIMITS = Limits(timeout_seconds=1.0, max_bytes=10 * 1024 * 1024, max_item_bytes=1024 * 1024)
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


def _parse(name: str, **kw: int) -> list:  # type: ignore[type-arg]
    data = (FIXTURES / name).read_bytes()
    return parse(data, source=name, max_item_bytes=kw.get("max_item_bytes", 1 << 20)).entries


def _subscribe(factory: sessionmaker[Session], location: Path | str, **kw: object) -> str:
    with transaction(factory) as s:
        return str(
            fs.subscribe(
                session=s,
                actor=SYSTEM,
                plan_code=PLAN,
                location=str(location),
                any_path=True,
                **kw,  # type: ignore[arg-type]
            )["uid"]
        )


def _poll(factory: sessionmaker[Session], limits: Limits = LIMITS) -> dict[str, fs.Report]:
    with transaction(factory) as s:
        reports = fs.poll_due(session=s, actor=SYSTEM, limits=limits, all_now=True)
    return {r.feed: r for r in reports}


def _items(s: Session) -> dict[str, FeedItem]:
    return {i.title: i for i in s.scalars(select(FeedItem))}


# --------------------------------------------------------------------------- parsing


def test_the_rss_fixture_parses_with_every_field() -> None:
    entries = _parse("mnd-news.rss")
    assert len(entries) == 4
    mcm = entries[0]
    assert mcm.title.endswith("toward wartime OPCON transition at 50th MCM")
    assert mcm.guid == "mnd-2025-0917-001"
    assert mcm.author == "MND Public Affairs"
    assert mcm.content.startswith("<p>The chairmen") and "<b>50th Military" in mcm.content
    assert mcm.published_raw == "Wed, 17 Sep 2025 09:30:00 +0900"
    assert mcm.published_at == dt.datetime(2025, 9, 17, 0, 30, tzinfo=dt.UTC)
    korean = entries[3]
    assert korean.title.startswith("전작권 전환") and korean.author == "국방부 대변인실"


def test_the_atom_fixture_parses() -> None:
    entries = _parse("usfk-releases.atom")
    assert [e.guid for e in entries] == [
        "tag:usfk.example.mil,2025:release-0917",
        "tag:usfk.example.mil,2025:release-1104",
        "tag:usfk.example.mil,2025:release-0314",
    ]
    assert entries[2].summary.startswith("<p>Combined staffs rehearsed <em>")
    assert entries[2].content.startswith("<p>Combined staffs rehearsed alliance")


def test_a_malformed_feed_gives_what_was_recovered_and_a_warning() -> None:
    got = parse((FIXTURES / "malformed.rss").read_bytes(), source="m.rss", max_item_bytes=1 << 20)
    assert len(got.entries) == 2
    assert got.warnings and "m.rss: malformed feed" in got.warnings[0]
    assert "undefined entity" in got.warnings[0]


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, world", b"<html><body><p>not a feed</p></body></html>", b"<rss><channel><item"],
)
def test_nothing_readable_is_an_error_naming_the_source(data: bytes) -> None:
    with pytest.raises(FeedError, match=r"^https://agency\.example/feed: "):
        parse(data, source="https://agency.example/feed", max_item_bytes=1 << 20)


def test_a_huge_item_is_skipped_whole_with_its_reason() -> None:
    data = (FIXTURES / "huge.rss").read_bytes()
    got = parse(data, source="huge.rss", max_item_bytes=64 * 1024)
    assert [e.title for e in got.entries] == ["Short summary of the annual assessment"]
    (reason,) = got.skipped
    assert "Full transcript" in reason and "ACCORD_FEED_MAX_ITEM_BYTES" in reason
    assert "summary is" in reason and "never cut" in reason
    assert len(parse(data, source="huge.rss", max_item_bytes=1 << 20).entries) == 2


def test_hostile_html_is_parsed_as_written() -> None:
    (e,) = _parse("hostile.rss")
    assert "<script>alert('title')</script>" in e.title
    assert 'onerror="alert(document.cookie)"' in e.summary and "<script>fetch(" in e.summary
    for bit in ("<style>", "<iframe", 'href="javascript:alert(1)"', 'href="/relative/path"'):
        assert bit in e.content


# --------------------------------------------------------------------------- keys


@pytest.mark.parametrize(
    ("link", "normal"),
    [
        (
            "HTTPS://MND.example.kr:443/news/a/?utm_source=rss&b=2&a=1#top",
            "https://mnd.example.kr/news/a?a=1&b=2",
        ),
        ("http://mnd.example.kr/news/a", "https://mnd.example.kr/news/a"),
        ("https://mnd.example.kr:8443/x?fbclid=1&gclid=2", "https://mnd.example.kr:8443/x"),
        ("https://mnd.example.kr/", "https://mnd.example.kr"),
        ("javascript:alert(1)", None),
        ("/relative", None),
        ("", None),
    ],
)
def test_links_are_normalised(link: str, normal: str | None) -> None:
    assert keys.normalise_link(link) == normal


def test_a_bare_guid_is_unique_only_within_its_feed() -> None:
    assert keys.guid_key("1234", "feed-a") != keys.guid_key("1234", "feed-b")
    assert keys.guid_key("tag:x,2025:1", "feed-a") == keys.guid_key("tag:x,2025:1", "feed-b")
    assert keys.guid_key("  ", "feed-a") is None


def test_the_content_key_ignores_white_space_and_case_only() -> None:
    a = keys.content_key("Joint  statement", "The two sides\n reaffirmed", "")
    assert a == keys.content_key("joint statement", "The two sides reaffirmed ", "")
    assert a != keys.content_key("Joint statement", "The two sides reaffirmed.", "")
    assert keys.content_key("", " ", "") is None


# --------------------------------------------------------------------------- storing


def test_items_are_stored_verbatim_and_unreviewed(
    opcon: Plan, factory: sessionmaker[Session], session: Session
) -> None:
    _subscribe(factory, FIXTURES / "mnd-news.rss")
    _subscribe(factory, FIXTURES / "hostile.rss")
    reports = _poll(factory)
    assert sorted(r.new for r in reports.values()) == [1, 4]
    items = _items(session)
    assert {i.status for i in items.values()} == {"unreviewed"}
    channel = ET.parse(FIXTURES / "mnd-news.rss").getroot().find("channel")
    assert channel is not None
    for el in channel.findall("item"):
        stored = items[el.findtext("title", "")]
        assert stored.summary == el.findtext("description")
        assert stored.content == (el.findtext(CONTENT) or "")
        assert stored.link == el.findtext("link")
        assert stored.guid == el.findtext("guid")
    raw = (FIXTURES / "hostile.rss").read_text("utf-8")
    hostile = next(i for t, i in items.items() if "Alliance statement" in t)
    assert hostile.title == re.search(r"<item>\s*<title>(.*?)</title>", raw, re.S)[1]  # type: ignore[index]
    cdata = re.findall(r"<!\[CDATA\[(.*?)\]\]>", raw, re.S)
    assert [hostile.summary, hostile.content] == cdata  # scripts, handlers and all


def test_the_same_story_in_two_feeds_is_one_item_seen_twice(
    opcon: Plan, factory: sessionmaker[Session], session: Session
) -> None:
    mnd = _subscribe(factory, FIXTURES / "mnd-news.rss")
    usfk = _subscribe(factory, FIXTURES / "usfk-releases.atom")
    reports = _poll(factory)
    assert (reports[mnd].new, reports[mnd].duplicates) == (4, 0)
    # the MCM story by its link (tracking parameters, case, port, fragment), the SCM
    # statement by its text; the command post exercise is new
    assert (reports[usfk].new, reports[usfk].duplicates) == (1, 2)
    items = _items(session)
    assert len(items) == 5
    feeds = {f.uid: f.id for f in session.scalars(select(Feed))}
    for title in ("50th MCM", "57th Security Consultative Meeting"):
        item = next(i for t, i in items.items() if title in t)
        assert item.feed_id == feeds[mnd]  # first seen there, and its text is MND's
        sources = set(
            session.scalars(select(FeedItemSource.feed_id).where(FeedItemSource.item_id == item.id))
        )
        assert sources == {feeds[mnd], feeds[usfk]}
    assert reports[usfk].title.startswith("US Forces Korea")  # the feed's own title


def test_a_guid_names_the_item_even_when_its_text_changes(
    opcon: Plan, factory: sessionmaker[Session], session: Session, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.rss"
    original = (FIXTURES / "mnd-news.rss").read_text("utf-8")
    feed.write_text(original, "utf-8")
    uid = _subscribe(factory, feed)
    assert _poll(factory)[uid].new == 4
    # the agency corrects its copy: same GUIDs, new text and links; nothing is overwritten
    edited = original.replace("met in Seoul", "met in Washington").replace("/news/2025/", "/n/")
    feed.write_text(edited, "utf-8")
    report = _poll(factory)[uid]
    assert (report.new, report.duplicates) == (0, 4)
    assert all("Washington" not in i.summary for i in _items(session).values())


def test_a_uri_guid_is_recognised_across_feeds(
    opcon: Plan, factory: sessionmaker[Session], session: Session
) -> None:
    _subscribe(factory, FIXTURES / "usfk-releases.atom")
    local = _subscribe(factory, FIXTURES / "local")
    report = _poll(factory)[local]
    # the mirror's entry has the USFK id; the JCS release is new; README.txt is not read
    assert (report.new, report.duplicates) == (1, 1)
    assert not any("mirror" in t for t in _items(session))


def test_duplicates_within_one_document_are_stored_once(
    opcon: Plan, factory: sessionmaker[Session], session: Session, tmp_path: Path
) -> None:
    text = (FIXTURES / "mnd-news.rss").read_text("utf-8")
    item = re.search(r"<item>.*?</item>", text, re.S)[0]  # type: ignore[index]
    feed = tmp_path / "twice.rss"
    feed.write_text(text.replace(item, item + item.replace("mnd-2025-0917-001", "x-1")), "utf-8")
    uid = _subscribe(factory, feed)
    report = _poll(factory)[uid]
    assert (report.new, report.duplicates) == (4, 1)
    assert session.scalar(select(func.count()).select_from(FeedItem)) == 4
    # the copy's own GUID now names the item too
    assert session.scalar(select(func.count()).where(FeedItemKey.kind == "guid")) == 5


def test_a_key_stored_meanwhile_by_another_poller_makes_a_duplicate(
    opcon: Plan, factory: sessionmaker[Session], session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    mnd = _subscribe(factory, FIXTURES / "mnd-news.rss")
    _poll(factory)
    with transaction(factory) as s:  # forget the file's signature: read it again
        s.execute(update(Feed).values(etag=None))
    # a second poller that looked up the keys before the first one committed
    real = feed_ingest._known
    calls = []

    def stale(s: Session, plan_id: int, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        calls.append(1)
        return {} if len(calls) == 1 else real(s, plan_id, wanted)

    monkeypatch.setattr(feed_ingest, "_known", stale)
    report = _poll(factory)[mnd]
    assert (report.status, report.new, report.duplicates) == ("ok", 0, 4)
    assert session.scalar(select(func.count()).select_from(FeedItem)) == 4


def test_the_poll_is_audited_once_per_plan_not_per_item(
    opcon: Plan, factory: sessionmaker[Session], session: Session
) -> None:
    _subscribe(factory, FIXTURES / "mnd-news.rss")
    _subscribe(factory, FIXTURES / "usfk-releases.atom")
    before = session.scalar(select(func.count()).select_from(AuditRecord))
    _poll(factory)
    rows = session.scalars(select(AuditRecord).where(AuditRecord.seq > before)).all()
    assert [r.action for r in rows] == ["feeds.poll"]
    assert '"new":5' in rows[0].after


def test_an_oversize_document_is_refused_naming_the_feed(
    opcon: Plan, factory: sessionmaker[Session], session: Session
) -> None:
    uid = _subscribe(factory, FIXTURES / "huge.rss")
    small = Limits(timeout_seconds=1, max_bytes=10_000, max_item_bytes=1 << 20)
    report = _poll(factory, small)[uid]
    assert report.status == "error" and "huge.rss" in (report.error or "")
    assert "ACCORD_FEED_MAX_BYTES" in (report.error or "")
    feed = session.scalar(select(Feed).where(Feed.uid == uid))
    assert feed is not None and feed.failures == 1 and "huge.rss" in (feed.last_error or "")


def test_a_huge_item_is_reported_skipped(opcon: Plan, factory: sessionmaker[Session]) -> None:
    uid = _subscribe(factory, FIXTURES / "huge.rss")
    report = _poll(factory, Limits(1, 1 << 20, 64 * 1024))[uid]
    assert (report.status, report.new, len(report.skipped)) == ("ok", 1, 1)


# --------------------------------------------------------------------------- subscriptions


def test_subscribing_checks_the_location(opcon: Plan, factory: sessionmaker[Session]) -> None:
    for bad, message in [
        ("ftp://agency.example/feed", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("https://", "names no host"),
        ("/no/such/feed.xml", "no file or directory"),
        ("  ", "location"),
    ]:
        with pytest.raises(Invalid, match=message):
            _subscribe(factory, bad)
    with pytest.raises(Invalid, match="interval"):
        _subscribe(factory, "https://agency.example/feed", interval_minutes=0)
    _subscribe(factory, "https://agency.example/feed")
    with pytest.raises(Conflict, match="already subscribed"):
        _subscribe(factory, "https://agency.example/feed")


def test_local_paths_need_the_operator_or_the_local_root(
    opcon: Plan, factory: sessionmaker[Session]
) -> None:
    with transaction(factory) as s:
        args = {"session": s, "actor": SYSTEM, "plan_code": PLAN}
        with pytest.raises(Invalid, match="only http"):
            fs.subscribe(**args, location=str(FIXTURES / "mnd-news.rss"))  # type: ignore[arg-type]
        with pytest.raises(Invalid, match="under"):
            fs.subscribe(
                **args,  # type: ignore[arg-type]
                location=str(FIXTURES / ".." / "ciso-small.yaml"),
                local_root=FIXTURES,
            )
        doc = fs.subscribe(
            **args,  # type: ignore[arg-type]
            location=str(FIXTURES / "local"),
            local_root=FIXTURES,
        )
        assert doc["source"] == "path" and doc["title"] == doc["location"]


def test_who_may_manage_feeds(
    people: dict[str, str], factory: sessionmaker[Session], opcon: Plan
) -> None:
    uid = _subscribe(factory, "https://agency.example/feed")
    with transaction(factory) as s:
        who = {
            n: actor_for(s, accounts.get_user(session=s, username=n))
            for n in ("observer", "rok-evaluator", "us-signer")
        }
        assert len(fs.list_feeds(session=s, actor=who["observer"], plan_code=PLAN)) == 1
        with pytest.raises(Forbidden):
            fs.subscribe(
                session=s, actor=who["observer"], plan_code=PLAN, location="https://a.example/x"
            )
        with pytest.raises(Forbidden):
            fs.update_feed(session=s, actor=who["observer"], plan_code=PLAN, uid=uid, active=False)
        fs.update_feed(session=s, actor=who["rok-evaluator"], plan_code=PLAN, uid=uid, active=False)
        fs.remove_feed(session=s, actor=who["us-signer"], plan_code=PLAN, uid=uid)


def test_pausing_stops_polling_and_resuming_makes_it_due(
    opcon: Plan, factory: sessionmaker[Session]
) -> None:
    uid = _subscribe(factory, FIXTURES / "mnd-news.rss")
    with transaction(factory) as s:
        fs.update_feed(session=s, actor=SYSTEM, plan_code=PLAN, uid=uid, active=False)
    assert _poll(factory) == {}
    with transaction(factory) as s:
        doc = fs.update_feed(
            session=s, actor=SYSTEM, plan_code=PLAN, uid=uid, active=True, interval_minutes=15
        )
        assert doc["active"] and doc["interval_minutes"] == 15
        reports = fs.poll_due(session=s, actor=SYSTEM, limits=LIMITS)  # due, not forced
    assert [r.new for r in reports] == [4]
    with transaction(factory) as s:  # polled: not due again for 15 minutes
        assert fs.poll_due(session=s, actor=SYSTEM, limits=LIMITS) == []


def test_removing_a_feed_keeps_the_items_another_feed_brought(
    opcon: Plan, factory: sessionmaker[Session], session: Session
) -> None:
    mnd = _subscribe(factory, FIXTURES / "mnd-news.rss")
    usfk = _subscribe(factory, FIXTURES / "usfk-releases.atom")
    _poll(factory)
    with transaction(factory) as s:
        result = fs.remove_feed(session=s, actor=SYSTEM, plan_code=PLAN, uid=mnd)
    assert result["items_removed"] == 2  # the UFS exercise and the Korean item
    titles = set(_items(session))
    assert len(titles) == 3 and any("50th MCM" in t for t in titles)
    usfk_id = session.scalar(select(Feed.id).where(Feed.uid == usfk))
    assert {i.feed_id for i in _items(session).values()} == {usfk_id}


EDGE_RSS = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title> t </title>
<item><title>  A &amp; B &lt;i&gt;x&lt;/i&gt;  </title><link> https://a.example/x </link>
<guid isPermaLink="true">https://a.example/x</guid><author>pa@mnd.example (MND PA)</author>
<description>  Text with &lt;b&gt;bold&lt;/b&gt; &amp; more  </description>
<pubDate>Wed, 17 Sep 2025 09:30:00 +0900</pubDate><category>news</category></item>
<item><title>Plain &amp;amp; double</title><link>/relative</link><dc:creator>Someone</dc:creator>
<description>no html here &amp; stuff</description><pubDate>not a date</pubDate></item>
</channel></rss>"""
EDGE_ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<id>x</id><entry><title type="text">A &lt;b&gt; &amp; c</title><id>tag:x,1:1</id>
<link href="https://a/x"/><link rel="enclosure" href="https://a/e"/><author><name>N</name></author>
<summary>s &amp; t</summary><updated>2025-01-01T00:00:00Z</updated></entry></feed>"""
NOT_SIMPLE = [
    EDGE_ATOM.replace(b"<name>N</name>", b"<name>N</name><email>e@x</email>"),
    EDGE_ATOM.replace(b"<summary>s &amp; t</summary>", b""),
    EDGE_ATOM.replace(b'type="text"', b'type="xhtml"'),
    EDGE_RSS.replace(b"<link>/relative</link>", b""),
    EDGE_RSS.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
    EDGE_RSS.replace(b"<channel>", b'<channel xml:base="https://a.example/">'),
]


@pytest.mark.parametrize(
    "data",
    [
        *[
            p.read_bytes()
            for p in sorted(FIXTURES.rglob("*"))
            if p.suffix in (".rss", ".atom", ".xml")
        ],
        EDGE_RSS,
        EDGE_ATOM,
        *NOT_SIMPLE,
    ],
)
def test_the_fast_path_gives_what_feedparser_gives(data: bytes) -> None:
    fast = parse(data, source="f", max_item_bytes=1 << 30)
    slow = parse(data, source="f", max_item_bytes=1 << 30, fast=False)
    assert (fast.title, fast.entries) == (slow.title, slow.entries)


def test_the_fast_path_takes_only_plain_documents() -> None:
    from accord.feeds.fastparse import fast_entries

    assert fast_entries(EDGE_RSS) is not None and fast_entries(EDGE_ATOM) is not None
    assert fast_entries((FIXTURES / "mnd-news.rss").read_bytes()) is not None
    odd = [(FIXTURES / n).read_bytes() for n in ("hostile.rss", "malformed.rss")]
    for data in [*NOT_SIMPLE, *odd]:
        assert fast_entries(data) is None
