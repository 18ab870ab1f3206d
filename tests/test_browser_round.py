"""The whole 2026 round in a real browser (Playwright driving Debian's Chromium): two parties
rate blind in separate browser contexts, submit, reconcile a divergence, a signer concludes,
both signers sign, and the dashboard shows 2026 with its statement.

Set ACCORD_SCREENSHOTS=/some/dir to keep a screenshot of every page (wide and 375 px).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from accord.formats import framework_yaml
from accord.services.examples import demo_password, example_text

pytestmark = pytest.mark.browser

ROK_MARKER = "ROK-BROWSER-DRAFT-41d9"
US_MARKER = "US-BROWSER-DRAFT-88ab"
WS = "/plans/opcon-cotp/evaluations/2026"
SHOTS = os.environ.get("ACCORD_SCREENSHOTS")


class Person:
    """One person in their own browser context, with the console errors their pages raise."""

    def __init__(self, browser: Any, live_url: str, username: str) -> None:
        self.base, self.username, self.errors = live_url, username, []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(f"{live_url}/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(demo_password(username))
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(f"{live_url}/plans/**")

    def go(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.page

    def shot(self, name: str, fits: bool = True) -> None:
        """Check that the page fits a 375 px phone without sideways scrolling (and keep
        screenshots when asked)."""
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)
        self.page.set_viewport_size({"width": 375, "height": 800})
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375 or not fits, f"{name}: {width} px wide at a 375 px viewport"
        if SHOTS:
            self.page.screenshot(path=f"{SHOTS}/{name}-375.png", full_page=True)
        self.page.set_viewport_size({"width": 1280, "height": 900})


def _levels() -> list[tuple[str, list[str]]]:
    fw = framework_yaml.load(example_text("opcon", "framework.yaml"))
    return [(s.code, [lv.label for lv in fw.scale(s.scale).levels]) for s in fw.standards()]


def _rate_the_rest(page: Any, marker: str, skip: str | None = None) -> int:
    """Fill every level picker (but `skip`) at its third level, then "Save all changes"."""
    n = 0
    for code, levels in _levels():
        if code == skip:
            continue
        page.locator(f'[id="level-{code}"]').select_option(levels[2])
        page.locator(f'[id="rationale-{code}"]').fill(f"{marker} evidence for {code}")
        n += 1
    page.get_by_role("button", name="Save all changes").click()
    page.wait_for_url("**saved=*")
    return n


def test_the_2026_round_in_a_browser(browser: Any, live_url: str) -> None:
    rok = Person(browser, live_url, "rok-evaluator")
    us = Person(browser, live_url, "us-evaluator")

    # ROK reaches its workspace from the dashboard and rates C1.1.1 in the level picker
    rok.page.get_by_role("link", name="2026").click()
    rok.page.get_by_role("link", name="Evaluation workspace").click()
    rok.page.wait_for_url(f"**{WS}")
    assert rok.page.get_by_role("heading", level=1).inner_text() == "2026 annual joint evaluation"
    assert rok.page.locator("#progress").inner_text().startswith("0/26")
    rok.shot("01-workspace-empty")
    rok.page.get_by_label("Level for C1.1.1").select_option("Substantial")
    rok.page.get_by_label("Rationale for C1.1.1").fill(f"{ROK_MARKER}: the HQ is fully manned")
    rok.page.get_by_role("button", name="Save C1.1.1").click()
    rok.page.wait_for_url("**saved=1&std=C1.1.1#std-C1.1.1")
    assert rok.page.get_by_role("status").inner_text() == "Saved 1 rating (C1.1.1)."
    assert rok.page.locator("#progress").inner_text().startswith("1/26")
    assert rok.page.get_by_label("Level for C1.1.1").input_value() == "Substantial"
    # ... and the other 25 through "save all"
    assert _rate_the_rest(rok.page, ROK_MARKER, skip="C1.1.1") == 25
    assert rok.page.get_by_role("status").inner_text() == "Saved 25 ratings."
    assert rok.page.locator("#progress").inner_text().startswith("26/26")

    # US rates blind: it sees nothing of ROK's drafts, nor how far ROK got
    us.go(WS)
    assert ROK_MARKER not in us.page.content()
    assert us.page.locator(".rating").count() == 0
    assert us.page.get_by_text("ROK has rated").count() == 0
    _rate_the_rest(us.page, US_MARKER)
    assert ROK_MARKER not in us.page.content()
    us.shot("02-workspace-rated")
    rok.page.reload()
    assert US_MARKER not in rok.page.content() and ROK_MARKER in rok.page.content()

    # both submit; the last submission starts reconciliation
    rok.page.get_by_label("ROK’s ratings are final").check()
    rok.page.get_by_role("button", name="Submit ROK’s ratings").click()
    rok.page.wait_for_url("**submitted=ROK")
    assert rok.page.locator('select[id^="level-"]').count() == 0
    assert US_MARKER not in rok.page.content()  # still blind: US has not submitted
    rok.shot("03-workspace-submitted")
    us.page.reload()
    us.page.get_by_label("US’s ratings are final").check()
    us.page.get_by_role("button", name="Submit US’s ratings").click()
    us.page.wait_for_url(f"**{WS}/reconciliation?begun=1")
    assert us.page.locator("#unresolved").inner_text() == "1"
    card = us.page.locator('[id="rec-C1.1.1"]')
    assert card.locator('td[data-party="ROK"]').inner_text() == "Substantial"
    assert card.locator('td[data-party="US"]').inner_text() == "Partial"

    # US proposes a joint level, ROK approves it
    us.page.get_by_label("Joint level for C1.1.1").select_option("Partial")
    us.page.get_by_label("Rationale for C1.1.1").fill("Two staff sections are short of posts.")
    us.page.get_by_role("button", name="Propose C1.1.1").click()
    us.page.wait_for_url("**done=proposed&std=C1.1.1*")
    us.shot("04-reconciliation-proposed")
    rok.go(f"{WS}/reconciliation")
    assert "Two staff sections are short of posts." in rok.page.content()
    rok.page.get_by_role("button", name="Approve Partial for ROK on C1.1.1").click()
    rok.page.wait_for_url("**done=agreed&std=C1.1.1*")
    assert rok.page.locator("#unresolved").inner_text() == "0"
    rok.shot("05-reconciliation-resolved")

    # a signer concludes; both signers sign with their passphrase
    us_signer = Person(browser, live_url, "us-signer")
    us_signer.go(f"{WS}/reconciliation")
    us_signer.page.get_by_role("button", name="Conclude the evaluation").click()
    us_signer.page.wait_for_url(f"**{WS}/sign-off?concluded=1")
    sha = us_signer.page.locator("#document-sha256").inner_text()
    assert len(sha) == 64
    us_signer.shot("06-sign-off-concluded")
    us_signer.page.get_by_label("Passphrase of your signing key").fill(demo_password("us-signer"))
    us_signer.page.get_by_role("button", name="Sign for US").click()
    us_signer.page.wait_for_url("**signed=US")
    rok_signer = Person(browser, live_url, "rok-signer")
    rok_signer.go(f"{WS}/sign-off")
    rok_signer.page.get_by_label("Passphrase of your signing key").fill(demo_password("rok-signer"))
    rok_signer.page.get_by_role("button", name="Sign for ROK").click()
    rok_signer.page.wait_for_url("**signed=ROK")
    assert "Every party has signed" in rok_signer.page.get_by_role("status").inner_text()
    assert rok_signer.page.locator("tr[data-party]").count() == 2
    assert rok_signer.page.locator("#document-sha256").inner_text() == sha
    with rok_signer.page.expect_download() as download:
        rok_signer.page.get_by_role("link", name="Download the signed bundle").click()
    assert download.value.suggested_filename == "opcon-cotp-2026.signed.json"
    rok_signer.shot("07-sign-off-signed")

    # the action items the conclusion created, and the dashboard with 2026's statement
    rok.page.get_by_role("link", name="Action items").first.click()
    rok.page.wait_for_url("**/action-items")
    assert rok.page.locator("table.action-items tbody tr").count() >= 1
    rok.shot("08-action-items")
    rok.go("/plans/opcon-cotp")
    assert "2026 annual joint evaluation" in rok.page.locator("#statement-h").inner_text()
    statement = rok.page.locator("#statement").inner_text()
    assert "progress" in statement.lower(), statement
    rok.shot("09-dashboard", fits=False)  # its agreement table is wider (not a round page)
    for person in (rok, us, us_signer, rok_signer):
        assert person.errors == [], (person.username, person.errors)
