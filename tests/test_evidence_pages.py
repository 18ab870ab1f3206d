"""Evidence on the round pages: the workspace's and the action-items page's forms (attach a
file, link or note; remove), their messages, the expired and carried-forward flags, and one
attach in a real browser."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from accord.config import Settings
from accord.db import transaction
from accord.services import accounts
from accord.services import evidence as ev
from accord.services import evidence_lifecycle as evl
from accord.services.actors import SYSTEM, actor_for
from accord.services.examples import demo_password
from test_evidence_surfaces import concluded_2026

LIMIT = 4096
PLAN = "/plans/opcon-cotp"
WS = f"{PLAN}/evaluations/2026"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, evidence_max_bytes=LIMIT)


class Browser(TestClient):
    csrf: str

    def post_form(self, url: str, data: dict[str, str], **kw: Any) -> Any:
        return self.post(url, data={"csrf_token": self.csrf, **data}, follow_redirects=False, **kw)


def sign_in(app: FastAPI, username: str) -> Browser:
    client = Browser(app)
    pre = re.search(r'name="pre_token" value="([^"]+)"', client.get("/sign-in").text)
    assert pre is not None
    client.post(
        "/sign-in",
        data={"username": username, "password": demo_password(username), "pre_token": pre[1]},
    )
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(WS).text)
    assert token is not None
    client.csrf = token[1]
    return client


@pytest.fixture
def browse(app: FastAPI, people: dict[str, str]) -> Callable[[str], Browser]:
    return lambda username: sign_in(app, username)


def _item(html: str, title: str) -> str:
    """The whole <li> of the evidence item with this title."""
    rest = r"(?:(?!</li>).)*"
    m = re.search(
        r'<li class="evidence-item' + rest + re.escape(title) + rest + "</li>", html, re.S
    )
    assert m is not None, title
    return m.group(0)


def test_attach_a_link_a_note_and_a_file_on_the_workspace(
    browse: Callable[[str], Browser],
) -> None:
    rok = browse("rok-evaluator")
    html = rok.get(WS).text
    assert 'id="ev-add-C1.1.1"' in html and 'form="ev-add-C1.1.1"' in html
    r = rok.post_form(
        f"{WS}/evidence",
        {"standard": "C1.1.1", "url": "https://example.org/ex", "title": "Exercise plan"},
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"{WS}?evidence=added&std=C1.1.1#std-C1.1.1"
    html = rok.get(r.headers["location"]).text
    assert "Evidence added (C1.1.1)." in html
    assert 'href="https://example.org/ex" rel="noopener noreferrer nofollow"' in html
    assert 'data-evidence-count="C1.1.1">1<' in html
    r = rok.post_form(
        f"{WS}/evidence",
        {
            "standard": "C1.1.2",
            "note": "seen at the CPX",
            "rating": "joint",
            "releasability": "party-only",
            "expires_on": "2099-01-01",
        },
    )
    assert r.status_code == 303
    html = rok.get(WS).text
    item = _item(html, "seen at the CPX")
    assert "joint rating" in item and ">party-only</span>" in item and "to 2099-01-01" in item
    r = rok.post(
        f"{WS}/evidence",
        data={"csrf_token": rok.csrf, "standard": "C1.1.1", "title": "The report"},
        files={"file": ("report.pdf", b"%PDF-1.7 page", "application/pdf")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    html = rok.get(WS).text
    assert 'data-evidence-count="C1.1.1">2<' in html and "download>The report</a>" in html
    us = browse("us-evaluator").get(WS).text  # ROK's draft rating: blind until both submit
    assert "Exercise plan" not in us and "seen at the CPX" not in us


def test_mistakes_are_messages_on_the_page(browse: Callable[[str], Browser]) -> None:
    rok = browse("rok-evaluator")
    big = rok.post(
        f"{WS}/evidence",
        data={"csrf_token": rok.csrf, "standard": "C1.1.1"},
        files={"file": ("big.pdf", b"%PDF" + b"x" * LIMIT, "application/pdf")},
    )
    assert big.status_code == 413 and f"over the evidence limit of {LIMIT} bytes" in big.text
    assert 'role="alert"' in big.text and "Nothing was attached" in big.text
    bad = rok.post_form(f"{WS}/evidence", {"standard": "C1.1.1", "url": "javascript:alert(1)"})
    assert bad.status_code == 422 and "url: an http(s) address" in bad.text
    assert 'value="javascript:alert(1)"' in bad.text  # kept in the form, escaped, never a link
    assert 'href="javascript' not in bad.text
    none = rok.post_form(f"{WS}/evidence", {"standard": "C1.1.1"})
    assert none.status_code == 422 and "give one of a file, a link or a note" in none.text
    both = rok.post_form(
        f"{WS}/evidence", {"standard": "C1.1.1", "note": "a", "url": "https://x.org"}
    )
    assert both.status_code == 422 and "not a link and a note" in both.text
    date = rok.post_form(
        f"{WS}/evidence", {"standard": "C1.1.1", "note": "a", "expires_on": "soon"}
    )
    assert date.status_code == 422 and "expires_on: a date as YYYY-MM-DD" in date.text
    std = rok.post_form(f"{WS}/evidence", {"standard": "Z9", "note": "a"})
    assert std.status_code == 422 and "has no standard" in std.text and "Z9" in std.text
    assert (
        browse("observer")
        .post_form(f"{WS}/evidence", {"standard": "C1.1.1", "note": "a"})
        .status_code
        == 403
    )
    assert 'data-evidence-count="C1.1.1">0<' in rok.get(WS).text


def test_remove_on_the_workspace_and_refused_once_concluded(
    browse: Callable[[str], Browser], factory: sessionmaker[Session], settings: Settings
) -> None:
    rok = browse("rok-signer")
    rok.post_form(f"{WS}/evidence", {"standard": "C1.1.1", "note": "to go", "rating": "joint"})
    html = rok.get(WS).text
    uid = re.search(r'data-evidence="([^"]+)"', html)
    assert uid is not None and f'form="ev-rm-{uid[1]}"' in html
    assert f'form="ev-rm-{uid[1]}"' not in browse("us-signer").get(WS).text  # not theirs
    r = rok.post_form(
        f"{PLAN}/evidence/{uid[1]}/removal", {"evaluation": "2026", "standard": "C1.1.1"}
    )
    assert r.status_code == 303 and r.headers["location"].endswith(
        "evidence=removed&std=C1.1.1#std-C1.1.1"
    )
    html = rok.get(r.headers["location"]).text
    assert "Evidence removed (C1.1.1)." in html and 'data-evidence-count="C1.1.1">0<' in html
    with transaction(factory) as s:
        kept = ev.attach(
            session=s,
            actor=actor_for(s, accounts.get_user(session=s, username="rok-signer")),
            plan_code="opcon-cotp",
            code="2025",
            target=ev.Target(standard="C1.1.1", joint=True),
            content=ev.Content(kind="note", note="kept"),
            data_dir=settings.data_dir,
            max_bytes=LIMIT,
        )
    ws25 = rok.get(f"{PLAN}/evaluations/2025").text
    assert "kept" in ws25 and f'form="ev-rm-{kept["uid"]}"' not in ws25
    r = rok.post_form(f"{PLAN}/evidence/{kept['uid']}/removal", {"evaluation": "2025"})
    assert (
        r.status_code == 409
        and "Nothing was removed" in r.text
        and "record keeps its evidence" in r.text
    )


def test_expired_and_carried_forward_are_flagged(
    browse: Callable[[str], Browser], factory: sessionmaker[Session], settings: Settings
) -> None:
    with transaction(factory) as s:
        rok = actor_for(s, accounts.get_user(session=s, username="rok-evaluator"))
        ev.attach(
            session=s,
            actor=rok,
            plan_code="opcon-cotp",
            code="2025",
            target=ev.Target(standard="C1.1.1", joint=True),
            content=ev.Content(kind="link", title="Old certificate", url="https://example.org/c"),
            data_dir=settings.data_dir,
            max_bytes=LIMIT,
            effective_on=dt.date(2024, 1, 1),
            expires_on=dt.date(2025, 1, 1),
        )
        evl.carry_forward(
            session=s, actor=SYSTEM, plan_code="opcon-cotp", source="2025", target="2026"
        )
    us = browse("us-evaluator")
    html = us.get(f"{PLAN}/evaluations/2025").text
    assert 'data-expired="C1.1.1">joint rating rests on expired evidence' in html
    assert "rests on expired evidence</span>" in html
    assert ">expired</span>" in _item(html, "Old certificate")
    html = us.get(WS).text
    assert "carried forward from 2025" in _item(html, "Old certificate")


def test_action_item_evidence_on_its_page(
    browse: Callable[[str], Browser], factory: sessionmaker[Session]
) -> None:
    item = concluded_2026(factory)
    us = browse("us-evaluator")
    r = us.post_form(
        f"{PLAN}/action-items/{item}/evidence",
        {"url": "https://example.org/fix", "title": "Fix plan"},
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"{PLAN}/action-items?updated={item}&evidence=added#ai-{item}"
    html = us.get(r.headers["location"]).text
    assert "Evidence added (action item for" in html and "Fix plan" in html
    assert f'data-evidence-count="{item}">1<' in html
    uid = re.search(r'data-evidence="([^"]+)"', html)
    assert uid is not None
    bad = us.post_form(f"{PLAN}/action-items/{item}/evidence", {"url": "ftp://x"})
    assert bad.status_code == 422 and "url: an http(s) address" in bad.text
    r = us.post_form(f"{PLAN}/evidence/{uid[1]}/removal", {"back": "action-items", "item": item})
    assert r.status_code == 303 and "evidence=removed" in r.headers["location"]
    assert f'data-evidence-count="{item}">0<' in us.get(f"{PLAN}/action-items").text


@pytest.mark.browser
def test_attach_a_link_in_the_browser(live_url: str, browser: Any) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_url}/")
    page.get_by_label("Username").fill("rok-evaluator")
    page.get_by_label("Password").fill(demo_password("rok-evaluator"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_url}/plans/**")
    page.goto(f"{live_url}{WS}#std-C1.1.1")
    std = page.locator("#std-C1\\.1\\.1")
    std.get_by_text("Add evidence").click()
    std.get_by_label("Title").fill("Browser exercise link")
    std.get_by_label("or link").fill("https://example.org/browser")
    std.get_by_label("every party").check()
    std.get_by_role("button", name="Attach").click()
    page.wait_for_url("**evidence=added**")
    assert page.get_by_role("status").inner_text() == "Evidence added (C1.1.1)."
    link = page.locator("#std-C1\\.1\\.1 .evidence-list a", has_text="Browser exercise link")
    assert link.get_attribute("href") == "https://example.org/browser"
    assert page.locator('[data-evidence-count="C1.1.1"]').inner_text() == "1"
