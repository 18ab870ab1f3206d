"""First run in a real browser: an administrator creates a plan from the New-plan page (a
broken upload first, shown by line), lands on its dashboard and plans its first evaluation."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.services.examples import demo_password, example_text

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    pg = browser.new_page(viewport={"width": 1440, "height": 900})
    yield pg
    pg.close()


def test_new_plan_from_the_web_to_its_first_evaluation(
    live_url: str,
    page,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    broken = tmp_path / "mine.yaml"
    text = example_text("bilateral", "framework.yaml").replace("threshold: Full", "threshold: Max")
    broken.write_text(text, "utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "threshold: Max" in t)

    page.goto(f"{live_url}/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(demo_password("admin"))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="New plan").click()
    page.wait_for_url(f"{live_url}/plans/new")

    # a file of one's own, with a mistake: nothing is created, the line is named
    page.get_by_label("A framework file of your own").check()
    page.get_by_label("Framework file (for a file of your own)").set_input_files(str(broken))
    page.get_by_label("Plan code").fill("handover")
    page.get_by_role("button", name="Create plan").click()
    alert = page.locator("section.problems")
    assert f"line {line}, column" in alert.inner_text()
    assert "threshold: Max" in alert.inner_text()
    assert page.get_by_label("Plan code").input_value() == "handover"  # kept

    # the blank bilateral template, with the parties named and one evaluator
    page.get_by_label("Blank bilateral plan").check()
    page.get_by_label("Title (optional)").fill("Service handover")
    page.get_by_label("Party 1 code").fill("VEND")
    page.get_by_label("Party 1 name").fill("Vendor")
    page.get_by_label("Party 2 code").fill("CUST")
    page.get_by_label("Party 2 name").fill("Customer")
    page.get_by_label("Person 1 username").fill("vend-eval")
    page.get_by_label("Person 1 party code").fill("VEND")
    page.get_by_label("Person 1 password").fill("a long passphrase")
    page.get_by_role("button", name="Create plan").click()
    page.wait_for_url(f"{live_url}/plans/handover?created=1")
    assert page.get_by_role("heading", name="Service handover").is_visible()
    assert "No evaluation yet" in page.locator("main").inner_text()

    # what to do next: plan the first evaluation, then open it
    page.get_by_role("link", name="Plan the first evaluation").click()
    page.get_by_label("Code").fill("2027")
    page.get_by_label("Held on").fill("2027-10-29")
    page.get_by_role("button", name="Plan evaluation").click()
    assert "Evaluation planned" in page.locator("main").inner_text()
    page.get_by_role("button", name="Open for rating 2027").click()
    assert "Evaluation opened" in page.locator("main").inner_text()
    assert page.locator("table").get_by_text("open for rating").is_visible()
