"""The OPCON example staged so that every page has something to show, served by a real uvicorn
on 127.0.0.1: shared by the accessibility and keyboard tests and by tools/screenshots.py.

The states: 2019-2025 concluded (sign-off and report pages), 2026 in reconciliation with two
divergent standards, one of them with a pending proposal, 2027 open for rating, and one feed
item in the inbox matched to a standard.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from accord.config import Settings
from accord.db import make_sessionmaker, transaction
from accord.formats import framework_yaml
from accord.models import Feed, FeedItem, FeedItemSource, FeedMatch, Plan
from accord.services import accounts, examples
from accord.services.actors import SYSTEM
from accord.services.examples import example_text
from accord.services.frameworks import current_version
from accord.web.app import create_app

PLAN = "/plans/opcon-cotp"
API = "/api/v1/plans/opcon-cotp"
PERSONAS = ("admin", "rok-evaluator", "us-evaluator", "rok-signer", "us-signer", "observer")
DIVERGENT = ("C1.1.1", "C2.1.1")


@dataclass
class Staged:
    """The application and what was created in it."""

    app: FastAPI
    tokens: dict[str, str]  # username -> API token
    ids: dict[str, str] = field(default_factory=dict)  # e.g. "inbox_item" -> its uid


def levels() -> list[tuple[str, list[str]]]:
    """(standard code, its scale's level labels) for every OPCON standard, in order."""
    fw = framework_yaml.load(example_text("opcon", "framework.yaml"))
    return [(s.code, [lv.label for lv in fw.scale(s.scale).levels]) for s in fw.standards()]


def _check(response: Any) -> Any:
    assert response.status_code < 400, f"{response.request.url}: {response.text[:300]}"
    return response


def _people(app: FastAPI) -> tuple[Plan, dict[str, str]]:
    factory = make_sessionmaker(app.state.engine)
    with transaction(factory) as s:
        plan = examples.load_example(session=s, name="opcon")
        examples.create_demo_people(session=s, actor=SYSTEM, plan=plan)
        tokens = {
            name: accounts.create_token(
                session=s,
                actor=SYSTEM,
                user=accounts.get_user(session=s, username=name),
                name="pages",
            )[0]
            for name in PERSONAS
        }
        return plan, tokens


def _inbox_item(app: FastAPI, plan_id: int) -> str:
    factory = make_sessionmaker(app.state.engine)
    with transaction(factory) as s:
        plan = s.get(Plan, plan_id)
        assert plan is not None
        version = current_version(session=s, plan=plan)
        assert version is not None
        feed = Feed(
            plan_id=plan.id,
            title="MND press releases",
            source="url",
            location="https://mnd.example/rss",
            created_by="admin",
        )
        s.add(feed)
        s.flush()
        item = FeedItem(
            plan_id=plan.id,
            feed_id=feed.id,
            guid="pages-1",
            content_hash="0" * 64,
            published_at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC),
            title="Combined exercise tests wartime command",
            summary="<p>The <b>combined</b> staff led the exercise.</p>",
            link="https://mnd.example/news/1",
            author="MND spokesperson",
        )
        s.add(item)
        s.flush()
        s.add(FeedItemSource(item_id=item.id, feed_id=feed.id))
        s.add(
            FeedMatch(
                item_id=item.id,
                framework_version_id=version.id,
                standard_code="C1.1.1",
                condition_code="C1",
                method="keyword",
                score=0.82,
                reason="keyword: combined exercise, wartime command",
            )
        )
        return item.uid


def stage(settings: Settings, *, reconcile_2026: bool = True) -> Staged:
    """A fresh application on `settings` with the states above (`reconcile_2026=False` leaves
    2026 open and unrated, as the example ships, and adds no 2027)."""
    app = create_app(settings)
    plan, tokens = _people(app)
    staged = Staged(app=app, tokens=tokens)
    staged.ids["inbox_item"] = _inbox_item(app, plan.id)

    def client(name: str) -> TestClient:
        return TestClient(app, headers={"Authorization": f"Bearer {tokens[name]}"})

    # a meeting of the example's governance record, preferably one that was presented something
    meetings = client("admin").get(f"{API}/meetings")
    if meetings.status_code == 200 and meetings.json():
        rows = meetings.json()
        staged.ids["meeting"] = next((m for m in rows if m.get("presented")), rows[-1])["code"]
    if not reconcile_2026:
        return staged

    ws = f"{API}/evaluations/2026"
    for user, bump in (("rok-evaluator", set(DIVERGENT)), ("us-evaluator", set())):
        body = [
            {"standard": c, "level": lv[3 if c in bump else 2], "rationale": f"{user}: {c}"}
            for c, lv in levels()
        ]
        _check(client(user).put(f"{ws}/ratings", json={"ratings": body}))
        _check(client(user).post(f"{ws}/submission", json={}))
    proposal = {"level": levels()[0][1][2], "rationale": "agreed at the working group"}
    _check(
        client("rok-evaluator").post(f"{ws}/reconciliation/{DIVERGENT[0]}/proposals", json=proposal)
    )
    admin = client("admin")
    new = {"code": "2027", "label": "2027 annual joint evaluation", "held_on": "2027-10-29"}
    _check(admin.post(f"{API}/evaluations", json=new))
    _check(admin.post(f"{API}/evaluations/2027/open", json={}))
    return staged


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """`app` served by uvicorn on a free loopback port, in a thread; yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


def sign_in(context: Any, base: str, username: str) -> Any:
    """A page of the Playwright `context`, signed in through the sign-in form."""
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    page.fill("#username", username)
    page.fill("#password", examples.demo_password(username))
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/sign-in" not in url)
    return page
