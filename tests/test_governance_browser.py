"""A real browser draws the timeline chart (vega-embed under the CSP) and its filters work."""

from __future__ import annotations

import pytest

from test_browser_dashboard import sign_in

pytestmark = pytest.mark.browser


def test_the_timeline_chart_draws_every_event(live_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_url, "observer")
    page.goto(f"{live_url}/plans/opcon-cotp/timeline")
    page.wait_for_selector("#timeline-chart[data-rendered='true']", timeout=15_000)
    rows = page.locator("#timeline-table tbody tr").count()
    points = page.locator("#timeline-chart svg g.mark-symbol.role-mark path").count()
    assert rows > 30 and points == rows  # one point per event listed
    page.get_by_role("checkbox", name="meeting", exact=True).check()
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**kind=meeting**")
    page.wait_for_selector("#timeline-chart[data-rendered='true']", timeout=15_000)
    meetings = page.locator("#timeline-table tbody tr").count()
    assert 0 < meetings < rows
    assert page.locator("#timeline-chart svg g.mark-symbol.role-mark path").count() == meetings
    assert errors == []
    page.close()
