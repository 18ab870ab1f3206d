"""Polling feeds over HTTP (a loopback server on 127.0.0.1 only) and from local directories:
conditional GET, timeouts, backoff, isolation of failures, the background poller."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from accord.cli import app as cli_app
from accord.config import Settings
from accord.db import transaction
from accord.feeds import Limits, fetch
from accord.feeds.poller import Poller
from accord.models import Feed, FeedItem, Plan
from accord.services import feeds as fs
from accord.services.actors import SYSTEM

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
PLAN = "opcon-cotp"
LIMITS = Limits(timeout_seconds=2.0, max_bytes=1 << 20, max_item_bytes=1 << 20)
RSS = (FIXTURES / "mnd-news.rss").read_bytes()
ATOM = (FIXTURES / "usfk-releases.atom").read_bytes()


@dataclass
class Route:
    body: bytes = RSS
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0


@dataclass
class FeedServer:
    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str, route: Route | None = None) -> str:
        self.routes[path] = route or Route()
        return self.base + path

    def hits(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.requests if p == path]


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """An HTTP server on 127.0.0.1 serving the routes a test sets, recording each request."""
    state = FeedServer(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append((self.path, dict(self.headers.items())))
            route = state.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            time.sleep(route.delay)
            if (route.etag and self.headers.get("If-None-Match") == route.etag) or (
                route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified
            ):
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(route.status)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(route.body)))
            if route.etag:
                self.send_header("ETag", route.etag)
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)
            self.end_headers()
            with contextlib.suppress(OSError):  # the client gave up (a timeout test)
                self.wfile.write(route.body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def _subscribe(factory: sessionmaker[Session], location: str, interval: int = 60) -> str:
    with transaction(factory) as s:
        doc = fs.subscribe(
            session=s,
            actor=SYSTEM,
            plan_code=PLAN,
            location=location,
            interval_minutes=interval,
            any_path=True,
        )
    return str(doc["uid"])


def _poll(
    factory: sessionmaker[Session],
    *,
    limits: Limits = LIMITS,
    now: dt.datetime | None = None,
    all_now: bool = True,
) -> dict[str, fs.Report]:
    with transaction(factory) as s:
        reports = fs.poll_due(session=s, actor=SYSTEM, limits=limits, all_now=all_now, now=now)
    return {r.feed: r for r in reports}


def _feed(factory: sessionmaker[Session], uid: str) -> Feed:
    with factory() as s:
        feed = s.scalar(select(Feed).where(Feed.uid == uid))
        assert feed is not None
        return feed


def _utc(moment: dt.datetime | None) -> dt.datetime:
    assert moment is not None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def test_an_etag_makes_the_next_poll_a_304(
    opcon: Plan, factory: sessionmaker[Session], server: FeedServer
) -> None:
    uid = _subscribe(factory, server.url("/mnd.rss", Route(etag='"v1"')))
    assert _poll(factory)[uid].new == 4
    assert _feed(factory, uid).etag == '"v1"'
    report = _poll(factory)[uid]
    assert (report.status, report.new) == ("not modified", 0)
    first, second = server.hits("/mnd.rss")
    assert "If-None-Match" not in first and second["If-None-Match"] == '"v1"'
    assert first["User-Agent"].startswith("accord-feeds/")
    assert _feed(factory, uid).last_status == "not modified"


def test_last_modified_makes_the_next_poll_a_304(
    opcon: Plan, factory: sessionmaker[Session], server: FeedServer
) -> None:
    stamp = "Wed, 17 Sep 2025 01:00:00 GMT"
    uid = _subscribe(factory, server.url("/atom", Route(body=ATOM, last_modified=stamp)))
    assert _poll(factory)[uid].new == 3
    assert _poll(factory)[uid].status == "not modified"
    assert server.hits("/atom")[1]["If-Modified-Since"] == stamp
    # the feed changes: a new validator, a full fetch, duplicates recognised
    server.routes["/atom"] = Route(body=ATOM, last_modified="Thu, 18 Sep 2025 01:00:00 GMT")
    report = _poll(factory)[uid]
    assert (report.status, report.new, report.duplicates) == ("ok", 0, 3)


def test_a_server_slower_than_the_timeout_is_an_error(
    opcon: Plan, factory: sessionmaker[Session], server: FeedServer
) -> None:
    uid = _subscribe(factory, server.url("/slow", Route(delay=1.5)))
    report = _poll(factory, limits=Limits(0.3, 1 << 20, 1 << 20))[uid]
    assert report.status == "error" and "no answer within 0.3 s" in (report.error or "")
    assert server.base in (report.error or "")


def test_failures_back_off_and_success_resets(
    opcon: Plan, factory: sessionmaker[Session], server: FeedServer
) -> None:
    uid = _subscribe(factory, server.url("/flaky", Route(status=503)), interval=60)
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    waits = []
    for _ in range(6):
        report = _poll(factory, now=now, all_now=False)[uid]
        assert report.status == "error" and "HTTP 503" in (report.error or "")
        feed = _feed(factory, uid)
        waits.append((_utc(feed.next_poll_at) - now) / dt.timedelta(minutes=1))
        assert _poll(factory, now=now, all_now=False) == {}  # not due again yet
        now = _utc(feed.next_poll_at)
    assert waits == [120, 240, 480, 960, 1440, 1440]  # interval x 2^failures, at most a day
    assert _feed(factory, uid).failures == 6
    server.routes["/flaky"] = Route()
    assert _poll(factory, now=now, all_now=False)[uid].new == 4
    feed = _feed(factory, uid)
    assert feed.failures == 0 and feed.last_error is None
    assert _utc(feed.next_poll_at) - now == dt.timedelta(minutes=60)


def test_one_failing_feed_does_not_stop_the_others(
    opcon: Plan, factory: sessionmaker[Session], server: FeedServer
) -> None:
    bad = _subscribe(factory, server.url("/gone", Route(status=404)))
    garbage = _subscribe(factory, server.url("/html", Route(body=b"<html>maintenance</html>")))
    refused = _subscribe(factory, "http://127.0.0.1:9/nothing-listens-here")
    good = _subscribe(factory, server.url("/mnd.rss"))
    reports = _poll(factory)
    assert [reports[u].status for u in (bad, garbage, refused)] == ["error"] * 3
    assert "HTTP 404" in (reports[bad].error or "")
    assert "not an RSS or Atom feed" in (reports[garbage].error or "")
    assert (reports[good].status, reports[good].new) == ("ok", 4)


def test_an_oversize_response_is_refused_naming_the_feed(
    opcon: Plan, factory: sessionmaker[Session], server: FeedServer
) -> None:
    url = server.url("/big", Route(body=RSS * 4))
    uid = _subscribe(factory, url)
    report = _poll(factory, limits=Limits(2.0, len(RSS) * 2, 1 << 20))[uid]
    assert report.status == "error"
    assert (report.error or "").startswith(url) and "ACCORD_FEED_MAX_BYTES" in (report.error or "")


def test_nothing_reaches_the_network_without_a_subscription(
    opcon: Plan, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*_args: Any, **_kw: Any) -> Any:
        raise AssertionError("a feed went to the network")

    monkeypatch.setattr(fetch, "_open", no_network)
    assert _poll(factory) == {}  # no feed at all
    _subscribe(factory, "https://agency.example/feed.xml")  # subscribing fetches nothing
    with transaction(factory) as s:
        fs.update_feed(
            session=s,
            actor=SYSTEM,
            plan_code=PLAN,
            uid=fs.list_feeds(session=s, actor=SYSTEM, plan_code=PLAN)[0]["uid"],
            active=False,
        )
    local = _subscribe(factory, str(FIXTURES / "local"))  # local sources never use it
    assert list(_poll(factory)) == [local]


def test_a_local_directory_is_read_whole_and_only_again_when_it_changes(
    opcon: Plan, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    uid = _subscribe(factory, str(drop))
    assert (_poll(factory)[uid].status, _poll(factory)[uid].new) == ("ok", 0)  # empty is fine
    for f in (FIXTURES / "local").iterdir():
        shutil.copy(f, drop / f.name)
    assert _poll(factory)[uid].new == 2
    assert _poll(factory)[uid].status == "not modified"
    shutil.copy(FIXTURES / "usfk-releases.atom", drop / "usfk.atom")
    (drop / "broken.xml").write_bytes(b"<html>not a feed</html>")
    report = _poll(factory)[uid]
    # the directory is read whole: the two known items again, and the mirror's GUID
    assert (report.status, report.new, report.duplicates) == ("ok", 2, 3)
    assert any("broken.xml: not an RSS or Atom feed" in w for w in report.warnings)


def test_the_background_poller_polls_and_stops(
    opcon: Plan, factory: sessionmaker[Session], server: FeedServer, settings: Settings
) -> None:
    _subscribe(factory, server.url("/mnd.rss"))
    poller = Poller(settings, every=0.1)
    poller.start()
    try:
        deadline = time.monotonic() + 10
        while poller.rounds < 2:
            assert time.monotonic() < deadline, "the poller did not poll"
            time.sleep(0.05)
    finally:
        poller.stop()
    assert poller._thread is None
    assert len(server.hits("/mnd.rss")) == 1  # polled once, then not due for an hour
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(FeedItem)) == 4


def test_serve_poll_feeds_runs_the_poller_beside_the_server(
    opcon: Plan,
    factory: sessionmaker[Session],
    server: FeedServer,
    settings: Settings,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from accord.cli import workspace

    _subscribe(factory, server.url("/mnd.rss"))
    seen: dict[str, Any] = {}

    def fake_run(options: dict[str, Any], workers: int) -> None:
        # the worker processes would serve here; the poller works meanwhile in its own thread
        deadline = time.monotonic() + 10
        while not server.hits("/mnd.rss") and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        seen["threads"] = [t.name for t in threading.enumerate()]

    monkeypatch.setattr(workspace, "_run_server", fake_run)
    env = {
        "ACCORD_DATABASE_URL": database_url,
        "ACCORD_DATA_DIR": str(settings.data_dir),
        "ACCORD_FEED_CHECK_SECONDS": "1",
    }
    r = CliRunner().invoke(cli_app, ["serve", "--poll-feeds"], env=env)
    assert r.exit_code == 0, r.output
    assert "polling due feeds every 1 s" in r.output
    assert "accord-feed-poller" in seen["threads"]
    assert "accord-feed-poller" not in [t.name for t in threading.enumerate()]
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(FeedItem)) == 4


def test_serve_without_poll_feeds_polls_nothing(
    opcon: Plan,
    factory: sessionmaker[Session],
    settings: Settings,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from accord.cli import workspace

    seen: dict[str, Any] = {}
    monkeypatch.setattr(
        workspace,
        "_run_server",
        lambda options, workers: seen.update(t=[t.name for t in threading.enumerate()]),
    )
    env = {"ACCORD_DATABASE_URL": database_url, "ACCORD_DATA_DIR": str(settings.data_dir)}
    r = CliRunner().invoke(cli_app, ["serve"], env=env)
    assert r.exit_code == 0, r.output
    assert "accord-feed-poller" not in seen["t"] and "polling" not in r.output


def test_a_claimed_feed_is_not_due_for_another_poller_until_the_lease_ends(
    opcon: Plan, factory: sessionmaker[Session], server: FeedServer
) -> None:
    for i in range(3):
        _subscribe(factory, server.url(f"/claim{i}.rss"))
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    with transaction(factory) as s:
        first = fs.claim_due(session=s, actor=SYSTEM, now=now)
    with transaction(factory) as s:
        second = fs.claim_due(session=s, actor=SYSTEM, now=now)
    assert len(first) == 3 and second == []
    assert server.requests == []  # claiming fetches nothing
    # a poller that died holding the claim: the feeds are due again once the lease is over
    with transaction(factory) as s:
        again = fs.claim_due(session=s, actor=SYSTEM, now=now + fs.CLAIM_LEASE)
    assert again == first


def test_two_pollers_on_one_database_never_poll_a_feed_twice(
    opcon: Plan, factory: sessionmaker[Session], server: FeedServer, settings: Settings
) -> None:
    from accord.services import audit

    paths = [f"/both{i}.rss" for i in range(8)]
    for path in paths:
        _subscribe(factory, server.url(path, Route(delay=0.2)))
    pollers = [Poller(settings), Poller(settings)]
    start = threading.Barrier(len(pollers))
    polled: list[int] = []
    errors: list[BaseException] = []

    def rounds(poller: Poller) -> None:
        try:
            start.wait(timeout=10)
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline:
                polled.append(poller.run_once())
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=rounds, args=(p,)) for p in pollers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert sum(polled) == len(paths)
    assert [len(server.hits(p)) for p in paths] == [1] * len(paths)
    with factory() as s:
        assert audit.verify(s).ok
        feeds = s.scalars(select(Feed)).all()
        assert all(f.failures == 0 and f.last_polled_at is not None for f in feeds)
