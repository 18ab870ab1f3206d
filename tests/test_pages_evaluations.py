"""The evaluations list of a plan: every evaluation and the way in; planning and opening one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from accord.models import Evaluation
from page_client import TOKEN, Browser, sign_in

PAGE = "/plans/opcon-cotp/evaluations"


@pytest.fixture
def admin(app: FastAPI, people: dict[str, str]) -> Browser:
    return sign_in(app, "admin")


def test_every_evaluation_with_its_next_step(client: TestClient) -> None:
    html = client.get(PAGE).text
    assert "8 evaluations" in html
    assert 'href="/plans/opcon-cotp/evaluations/2026">Workspace' in html  # open
    assert 'href="/plans/opcon-cotp/evaluations/2025/report">Report' in html  # concluded
    assert "Plan an evaluation" not in html  # observers do not manage evaluations
    assert 'href="/api/v1/plans/opcon-cotp/evaluations"' in html


def test_plan_and_open_an_evaluation(admin: Browser, factory: sessionmaker[Session]) -> None:
    html = admin.get(PAGE).text
    assert admin.carries_session_token(html) and "Plan an evaluation" in html
    # the token this page carries (masked for this response) is the one the POST sends
    admin.csrf = TOKEN.findall(html)[-1]
    r = admin.post_form(
        PAGE, {"code": "2027", "label": "2027 annual", "held_on": "2027-10-29", "kind": "annual"}
    )
    assert r.status_code == 303 and r.headers["location"].endswith("?done=created")
    assert "Open for rating" in admin.get(PAGE).text
    r = admin.post_form(f"{PAGE}/2027/open", {})
    assert r.status_code == 303
    with factory() as s:
        ev = s.scalar(select(Evaluation).where(Evaluation.code == "2027"))
        assert ev is not None and ev.status == "open"
    assert admin.post_form(f"{PAGE}/2027/open", {}).status_code == 409  # already open


def test_form_errors_name_their_field(admin: Browser, factory: sessionmaker[Session]) -> None:
    r = admin.post_form(PAGE, {"code": "2028", "held_on": "29.10.2028"})
    assert r.status_code == 422 and 'id="held_on-error"' in r.text and 'value="2028"' in r.text
    r = admin.post_form(PAGE, {"code": "has space", "held_on": "2028-10-29"})
    assert r.status_code == 422 and 'id="code-error"' in r.text
    r = admin.post_form(PAGE, {"code": "2025", "held_on": "2028-10-29"})
    assert r.status_code == 409 and "already has evaluation" in r.text
    with factory() as s:
        assert s.scalar(select(Evaluation).where(Evaluation.code == "2028")) is None


def test_only_administrators_plan_or_open(as_user: Callable[[str], TestClient]) -> None:
    for who in ("rok-evaluator", "rok-signer", "observer"):
        r = as_user(who).post(PAGE, data={"code": "2029", "held_on": "2029-10-29"})
        assert r.status_code == 403, who


def test_a_plan_without_evaluations_says_what_to_do(
    as_user: Callable[[str], TestClient], people: dict[str, str]
) -> None:
    api = as_user("admin")
    assert (
        api.post("/api/v1/plans", json={"code": "fresh", "template": "bilateral"}).status_code
        == 201
    )
    html = api.get("/plans/fresh/evaluations").text
    assert "No evaluation yet" in html and "Plan the first one below" in html
    dashboard = api.get("/plans/fresh").text
    assert 'href="/plans/fresh/evaluations">Plan the first evaluation' in dashboard
