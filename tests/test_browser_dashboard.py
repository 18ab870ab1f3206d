"""A real browser (Playwright driving Debian's Chromium) opens the dashboard."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    yield pg
    pg.close()


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
