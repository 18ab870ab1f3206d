"""The framework version lifecycle on the pages: an administrator uploads a draft (or replaces
it), proposes or withdraws it; each party's signer approves it; the buttons and the JSON
twin's `allowed` show each person what they may do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from accord import schema
from accord.config import Settings
from accord.db import make_engine
from accord.models import AuditRecord, FrameworkVersion
from accord.services.examples import example_text
from page_client import Browser, sign_in

PLAN = "opcon-cotp"
BASE = f"/plans/{PLAN}/framework"
NEW = f"{BASE}/versions/new"
TREE = f"/api/v1/plans/{PLAN}/frameworks/%s/tree"


def _text(version: str = "2019.1") -> str:
    text = example_text("opcon", "framework.yaml")
    return text.replace('version: "2018.1"', f'version: "{version}"')


def _upload(browser: Browser, url: str, text: str, name: str = "fw.yaml") -> object:
    return browser.post(
        url,
        data={"csrf_token": browser.csrf},
        files={"file": (name, text.encode(), "text/yaml")},
        follow_redirects=False,
    )


def _statuses(factory: sessionmaker[Session]) -> dict[str, str]:
    with factory() as s:
        return dict(s.execute(select(FrameworkVersion.version, FrameworkVersion.status)).all())


def _audited(factory: sessionmaker[Session], action: str) -> int:
    with factory() as s:
        return s.scalar(select(func.count(AuditRecord.id)).where(AuditRecord.action == action)) or 0


@pytest.fixture
def admin(app: FastAPI, people: dict[str, str]) -> Browser:
    return sign_in(app, "admin")


@pytest.fixture
def signer(app: FastAPI, people: dict[str, str]) -> Callable[[str], Browser]:
    return lambda name: sign_in(app, name)


def test_draft_propose_and_every_party_approves_on_the_pages(
    admin: Browser, signer: Callable[[str], Browser], factory: sessionmaker[Session]
) -> None:
    form = admin.get(NEW)
    assert form.status_code == 200 and admin.carries_session_token(form.text)
    assert 'enctype="multipart/form-data"' in form.text and "ROK, US" in form.text
    r = _upload(admin, NEW, _text())
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert r.headers["location"] == f"{BASE}?version=2019.1&done=drafted"  # type: ignore[attr-defined]
    html = admin.get(r.headers["location"]).text  # type: ignore[attr-defined]
    assert "Draft 2019.1 stored" in html and "Propose to the parties" in html
    assert "Replace the draft" in html and "Approve for" not in html
    assert _statuses(factory) == {"2018.1": "agreed", "2019.1": "draft"}

    r = admin.post_form(f"{BASE}/versions/2019.1/propose", {})
    assert r.status_code == 303 and r.headers["location"].endswith("done=proposed")
    html = admin.get(f"{BASE}?version=2019.1").text
    assert "Withdraw to draft" in html and "Propose to the parties" not in html
    assert "Approve for" not in html  # administrators do not approve for a party

    rok = signer("rok-signer")
    html = rok.get(f"{BASE}?version=2019.1").text
    assert "Approve for ROK" in html and "Approve for US" not in html
    assert "Withdraw to draft" not in html and rok.carries_session_token(html)
    r = rok.post_form(f"{BASE}/versions/2019.1/approve", {"party": "ROK"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=approved")
    html = rok.get(r.headers["location"]).text
    assert "Your approval of version 2019.1 is recorded" in html
    assert "Approve for ROK" not in html and "by rok-signer" in html

    us = signer("us-signer")
    r = us.post_form(f"{BASE}/versions/2019.1/approve", {})  # one party: no need to name it
    assert r.status_code == 303 and r.headers["location"].endswith("done=agreed")
    assert "is now the agreed framework" in us.get(r.headers["location"]).text
    assert _statuses(factory) == {"2018.1": "superseded", "2019.1": "agreed"}
    for action in ("framework.draft", "framework.propose", "framework.agree"):
        assert _audited(factory, action) == 1, action
    assert _audited(factory, "framework.approve") == 2


def test_a_broken_file_lists_every_problem_by_line_and_column(
    admin: Browser, factory: sessionmaker[Session]
) -> None:
    broken = _text().replace("rollup: weighted_mean", "rollup: [unclosed")
    r = _upload(admin, NEW, broken, name="broken.yaml")
    assert r.status_code == 422  # type: ignore[attr-defined]
    html = r.text  # type: ignore[attr-defined]
    assert "Nothing was stored" in html and "broken.yaml" in html
    assert "line " in html and ", column " in html and '<pre class="excerpt">' in html
    assert 'aria-describedby="problems-h file-hint"' in html
    assert _statuses(factory) == {"2018.1": "agreed"}


def test_refused_files_are_named_at_the_file_field(
    admin: Browser, factory: sessionmaker[Session]
) -> None:
    r = admin.post(NEW, data={"csrf_token": admin.csrf}, follow_redirects=False)
    assert r.status_code == 422 and 'id="file-error"' in r.text and "choose a framework" in r.text
    taken = _upload(admin, NEW, _text("2018.1"))  # the label of the agreed version
    assert taken.status_code == 409  # type: ignore[attr-defined]
    assert "already has framework version" in taken.text  # type: ignore[attr-defined]
    assert 'aria-describedby="file-error file-hint"' in taken.text  # type: ignore[attr-defined]
    others = _text().replace("code: US", "code: JP")
    wrong = _upload(admin, NEW, others)
    assert wrong.status_code == 422 and "differ from the parties" in wrong.text  # type: ignore[attr-defined]
    assert _statuses(factory) == {"2018.1": "agreed"}


def test_replace_a_draft_and_not_what_is_proposed_or_agreed(
    admin: Browser, factory: sessionmaker[Session]
) -> None:
    _upload(admin, NEW, _text())
    form = admin.get(f"{BASE}/versions/2019.1/replace")
    assert form.status_code == 200 and "Replace draft 2019.1" in form.text
    r = _upload(admin, f"{BASE}/versions/2019.1/replace", _text("2019.2"))
    assert r.headers["location"] == f"{BASE}?version=2019.2&done=replaced"  # type: ignore[attr-defined]
    assert _statuses(factory) == {"2018.1": "agreed", "2019.2": "draft"}
    # an agreed version never changes: the form is refused, the page shows it as it is
    agreed = admin.get(f"{BASE}/versions/2018.1/replace")
    assert agreed.status_code == 409 and "is agreed and can no longer change" in agreed.text
    assert "This version is" in agreed.text and 'class="hash"' in agreed.text  # its page
    admin.post_form(f"{BASE}/versions/2019.2/propose", {})
    r = _upload(admin, f"{BASE}/versions/2019.2/replace", _text("2019.3"))
    assert r.status_code == 409  # type: ignore[attr-defined]
    assert "is proposed, not draft" in r.text and "Withdraw to draft" in r.text  # type: ignore[attr-defined]
    assert _statuses(factory) == {"2018.1": "agreed", "2019.2": "proposed"}


def test_withdraw_drops_the_approvals_and_stale_steps_show_the_current_state(
    admin: Browser, signer: Callable[[str], Browser], factory: sessionmaker[Session]
) -> None:
    _upload(admin, NEW, _text())
    admin.post_form(f"{BASE}/versions/2019.1/propose", {})
    rok = signer("rok-signer")
    rok.post_form(f"{BASE}/versions/2019.1/approve", {"party": "ROK"})
    again = rok.post_form(f"{BASE}/versions/2019.1/approve", {"party": "ROK"})
    assert again.status_code == 409 and "has already approved" in again.text
    assert 'role="alert"' in again.text and "by rok-signer" in again.text  # the state now
    r = admin.post_form(f"{BASE}/versions/2019.1/withdraw", {})
    assert r.status_code == 303 and r.headers["location"].endswith("done=withdrawn")
    html = admin.get(r.headers["location"]).text
    assert "withdrawn to draft; its approvals were dropped" in html
    assert "Propose to the parties" in html
    # the signer's page was loaded before the withdrawal: approving now is a 409, shown with
    # the version as it is (a draft again)
    stale = rok.post_form(f"{BASE}/versions/2019.1/approve", {"party": "ROK"})
    assert stale.status_code == 409 and "is draft, not proposed" in stale.text
    assert "An administrator proposes it when it is ready" in stale.text
    assert admin.post_form(f"{BASE}/versions/2018.1/propose", {}).status_code == 409
    assert _statuses(factory) == {"2018.1": "agreed", "2019.1": "draft"}


def test_only_those_allowed_see_the_buttons_and_may_press_them(
    admin: Browser,
    as_user: Callable[[str], TestClient],
    signer: Callable[[str], Browser],
    factory: sessionmaker[Session],
) -> None:
    _upload(admin, NEW, _text())
    for who in ("rok-evaluator", "observer", "rok-signer"):
        client = as_user(who)
        html = client.get(f"{BASE}?version=2019.1").text
        assert "Propose to the parties" not in html and "Upload a new draft" not in html, who
        assert client.get(NEW).status_code == 403, who
        assert client.post(f"{BASE}/versions/2019.1/propose").status_code == 403, who
        assert client.get(f"{BASE}/versions/2019.1/replace").status_code == 403, who
        allowed = client.get(TREE % "2019.1").json()["allowed"]
        assert allowed == {
            "draft": False,
            "replace": False,
            "propose": False,
            "withdraw": False,
            "approve": [],
        }, who
    assert as_user("admin").get(TREE % "2019.1").json()["allowed"] == {
        "draft": True,
        "replace": True,
        "propose": True,
        "withdraw": False,
        "approve": [],
    }
    admin.post_form(f"{BASE}/versions/2019.1/propose", {})
    assert as_user("us-signer").get(TREE % "2019.1").json()["allowed"]["approve"] == ["US"]
    assert as_user("admin").get(TREE % "2019.1").json()["allowed"]["withdraw"] is True
    evaluator = signer("rok-evaluator")
    r = evaluator.post_form(f"{BASE}/versions/2019.1/approve", {"party": "ROK"})
    assert r.status_code == 403
    missing = signer("rok-signer").post_form(f"{BASE}/versions/9.9/approve", {"party": "ROK"})
    assert missing.status_code == 404 and "no framework version" in missing.text
    assert _audited(factory, "framework.approve") == 0


def test_a_form_without_its_csrf_token_is_refused(
    admin: Browser, factory: sessionmaker[Session]
) -> None:
    _upload(admin, NEW, _text())
    r = admin.post(f"{BASE}/versions/2019.1/propose", data={}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    assert _statuses(factory)["2019.1"] == "draft"


# --------------------------------------------------------------------------- in a browser


def _audit_here(page: Any) -> list[str]:
    """axe's serious and critical violations on the page as it is (the answer to a POST, which
    `test_accessibility.audit` would lose by loading the address again)."""
    from test_accessibility import AXE

    page.add_script_tag(url=AXE)
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return [
        f"{page.url} (after a POST): {v['impact']} {v['id']} at {v['nodes'][:4]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.browser
@pytest.mark.parametrize(("scheme", "lang"), [("light", "en"), ("dark", "ko")])
def test_the_new_pages_pass_the_accessibility_audit_in_their_states(
    tmp_path: Path, scheme: str, lang: str
) -> None:
    """axe-core (as tests/test_accessibility.py runs it) on the states the staged site lacks:
    a proposed version's approval card with its button, a draft's, the upload form listing
    a broken file's problems, the replace form, and a refused party rename."""
    from playwright.sync_api import sync_playwright

    from conftest import CHROMIUM, CHROMIUM_ARGS
    from page_states import serve, stage
    from page_states import sign_in as sign_in_page
    from test_accessibility import audit

    url = f"sqlite:///{tmp_path / 'accord.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    staged = stage(Settings(data_dir=tmp_path, database_url=url), reconcile_2026=False)
    api = f"/api/v1/plans/{PLAN}/frameworks"

    def client(name: str) -> TestClient:
        return TestClient(staged.app, headers={"Authorization": f"Bearer {staged.tokens[name]}"})

    for label in ("2019.1", "2019.2"):
        assert client("admin").post(api, json={"yaml": _text(label)}).status_code == 201
    assert client("admin").post(f"{api}/2019.1/propose").status_code == 200
    assert client("us-signer").post(f"{api}/2019.1/approve").status_code == 200
    broken = tmp_path / "broken.yaml"
    broken.write_text(_text("2019.3").replace("rollup: weighted_mean", "rollup: [x"), "utf-8")
    problems: list[str] = []
    try:
        with serve(staged.app) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for user in ("rok-signer", "admin"):
                context = browser.new_context(color_scheme=scheme)
                page = sign_in_page(context, base, user)
                if lang != "en":
                    page.goto(f"{base}/language/{lang}?next=/")
                for version in ("2019.2", "2019.1"):
                    problems += audit(page, f"{base}{BASE}?version={version}")
                buttons = page.locator("form[action$='/2019.1/approve'] button").count()
                if user == "rok-signer":
                    assert buttons == 1
                else:
                    assert buttons == 0
                    problems += audit(page, f"{base}{BASE}/versions/2019.2/replace")
                    page.goto(f"{base}{NEW}")
                    page.set_input_files("#file", str(broken))
                    page.click("form[enctype] button[type=submit]")
                    assert page.locator(".diagnostics li").count() >= 1
                    problems += _audit_here(page)
                    page.goto(f"{base}/admin/parties")
                    page.fill(f"#name-{PLAN}-ROK", "")
                    page.click(f"#party-{PLAN}-ROK button[type=submit]")
                    assert page.locator(".field-error").count() == 1
                    problems += _audit_here(page)
                context.close()
            browser.close()
    finally:
        staged.app.state.engine.dispose()
    assert not problems, "\n".join(problems)
