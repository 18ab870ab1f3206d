"""A real browser (Playwright driving Debian's Chromium) opens the dashboard."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from accord.config import Settings
from accord.models import Plan
from accord.web.app import create_app

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def live_url(settings: Settings, opcon: Plan, people: dict[str, str]) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def page():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        yield pg
        browser.close()


def sign_in(page, live_url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the form, as a person would."""
    from accord.services.examples import demo_password

    page.goto(f"{live_url}/")  # redirected to the sign-in form
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo_password(username))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_url}/plans/**")


def test_dashboard_draws_the_chart_and_shows_the_statement(live_url: str, page) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_url, "observer")
    statement = page.locator("#statement")
    assert statement.inner_text().startswith("Meaningful progress across 7 of 9 fields")
    page.wait_for_selector("#condition-chart[data-rendered='true']", timeout=15_000)
    lines = page.locator("#condition-chart svg g.mark-line.role-mark path")
    assert lines.count() == 3  # one line per condition
    assert (
        page.locator("#condition-chart svg g.mark-symbol.role-mark path").count() == 21
    )  # 3 x 7 years
    assert "ILLUSTRATIVE" in page.locator(".notice").inner_text()
    assert errors == []


def test_choosing_an_evaluation_changes_the_figures(live_url: str, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_url, "rok-evaluator")
    page.get_by_role("link", name="2023").click()
    page.wait_for_url("**evaluation=2023")
    assert "2023 annual joint evaluation" in page.locator("#statement-h").inner_text()
    assert page.locator("#statement").inner_text().startswith("Meaningful progress across 8 of 9")
