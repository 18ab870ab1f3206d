"""An evaluator completes a party's rating and submission with the keyboard only: Tab, Enter,
Space, arrow keys and typing; no mouse, no element.click(), no form filling by script."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accord.services.examples import demo_password
from page_states import levels

pytestmark = pytest.mark.browser

WS = "/plans/opcon-cotp/evaluations/2026"
MAX_TABS = 60  # from one control to the next; a focus trap or a skipped control fails the test


def focused(page: Any) -> dict[str, str]:
    """The focused element's tag, id, name, href and text."""
    return dict(
        page.evaluate(
            "() => { const e = document.activeElement; return {tag: e.tagName.toLowerCase(),"
            " id: e.id || '', name: e.getAttribute('name') || '', href: e.getAttribute('href')"
            " || '', text: (e.textContent || '').trim().slice(0, 80)}; }"
        )
    )


def tab_to(page: Any, wanted: Callable[[dict[str, str]], bool], what: str) -> None:
    """Press Tab until the focused element is `wanted`."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if wanted(focused(page)):
            return
    raise AssertionError(f"{what}: not reached with {MAX_TABS} Tab presses")


def test_an_evaluator_rates_and_submits_with_the_keyboard(
    browser: Any, live_url: str, as_user: Callable[[str], TestClient]
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_url}/sign-in")

    # the skip link comes first and moves the focus past the navigation
    page.keyboard.press("Tab")
    assert focused(page)["href"] == "#main"
    tab_to(page, lambda f: f["id"] == "username", "the username field")
    page.keyboard.type("rok-evaluator")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "password"
    page.keyboard.type(demo_password("rok-evaluator"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_url}/plans/**")

    # on the dashboard: the 2026 evaluation, then its workspace, by their links
    tab_to(page, lambda f: f["href"] == "?evaluation=2026", "the 2026 evaluation")
    page.keyboard.press("Enter")
    page.wait_for_url("**evaluation=2026")
    tab_to(page, lambda f: f["href"] == WS, "the workspace link")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_url}{WS}")

    # every standard: its level with the arrow keys, its rationale typed
    standards = levels()
    for code, labels in standards:
        tab_to(page, lambda f, c=code: f["id"] == f"level-{c}", f"the level of {code}")
        for _ in range(3):  # "— choose —", then the first, second and third levels
            page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.value") == labels[2], code
        page.keyboard.press("Tab")
        assert focused(page)["id"] == f"rationale-{code}"
        page.keyboard.type(f"keyboard rationale for {code}")
    tab_to(page, lambda f: f["text"] == "Save all changes", "Save all changes")
    page.keyboard.press("Enter")
    page.wait_for_url("**saved=*")

    # the confirmation box with Space, then the submit button with Enter
    tab_to(page, lambda f: f["id"] == "confirm", "the confirmation checkbox")
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked") is True
    tab_to(page, lambda f: f["text"].startswith("Submit ROK"), "the submit button")
    page.keyboard.press("Enter")
    page.wait_for_url("**submitted=*")
    context.close()

    status = as_user("observer").get(f"/api/v1{WS}/status").json()
    assert {p["party"]: p["submitted"] for p in status["parties"]} == {"ROK": True, "US": False}
    stored = as_user("rok-evaluator").get(f"/api/v1{WS}/ratings/ROK").json()
    rows = stored["ratings"] if isinstance(stored, dict) else stored
    got = {r["standard"]: (r["level"], r["rationale"]) for r in rows}
    assert got == {c: (lv[2], f"keyboard rationale for {c}") for c, lv in standards}
