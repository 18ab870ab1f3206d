"""First run: the New-plan page and POST /api/v1/plans (templates, uploads, people, errors)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from accord.models import AuditRecord, Membership, Plan, User
from accord.services.examples import example_text
from page_client import Browser, sign_in

BLANK = example_text("bilateral", "framework.yaml")


@pytest.fixture
def admin(app: FastAPI, people: dict[str, str]) -> Browser:
    return sign_in(app, "admin")


def _plans(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count(Plan.id))) or 0)


@pytest.mark.parametrize("who", ["rok-evaluator", "rok-signer", "observer"])
def test_only_administrators_create_plans(
    as_user: Callable[[str], TestClient], who: str, factory: sessionmaker[Session]
) -> None:
    client = as_user(who)
    assert client.get("/plans/new").status_code == 403
    r = client.post("/api/v1/plans", json={"code": "x", "template": "bilateral"})
    assert r.status_code == 403
    assert _plans(factory) == 1


def test_the_form_offers_the_templates_and_carries_the_csrf_token(admin: Browser) -> None:
    html = admin.get("/plans/new").text
    assert 'value="bilateral"' in html and 'value="opcon"' in html and 'value="upload"' in html
    assert 'enctype="multipart/form-data"' in html
    assert admin.carries_session_token(html)
    assert "New plan" in admin.get("/").text  # administrators always see the plan list


def test_a_blank_bilateral_plan_with_parties_and_people(
    admin: Browser, factory: sessionmaker[Session]
) -> None:
    r = admin.post_form(
        "/plans/new",
        {
            "source": "bilateral",
            "code": "handover",
            "title": "Service handover",
            "party_code_0": "VEND",
            "party_name_0": "Vendor",
            "party_code_1": "CUST",
            "party_name_1": "Customer",
            "person_0_username": "vend-eval",
            "person_0_role": "evaluator",
            "person_0_party": "VEND",
            "person_0_password": "a long passphrase",
            "person_1_username": "observer",
            "person_1_role": "observer",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/plans/handover?created=1"
    page = admin.get(r.headers["location"])
    assert "Service handover" in page.text and "No evaluation yet" in page.text
    assert 'href="/plans/handover/evaluations"' in page.text  # what to do next
    with factory() as s:
        plan = s.scalar(select(Plan).where(Plan.code == "handover"))
        assert plan is not None and [p.code for p in plan.parties] == ["VEND", "CUST"]
        roles = {
            (m.user.username, m.role, m.party.code if m.party else None)
            for m in s.scalars(select(Membership).where(Membership.plan_id == plan.id))
        }
        assert roles == {("vend-eval", "evaluator", "VEND"), ("observer", "observer", None)}
        assert s.scalar(select(AuditRecord).where(AuditRecord.action == "plan.create")) is not None


def test_an_uploaded_framework_with_problems_is_shown_by_line(
    admin: Browser, factory: sessionmaker[Session]
) -> None:
    broken = BLANK.replace("threshold: Full", "threshold: Perfect")
    line = next(i for i, t in enumerate(broken.splitlines(), 1) if "Perfect" in t)
    r = admin.post(
        "/plans/new",
        data={"csrf_token": admin.csrf, "source": "upload", "code": "mine"},
        files={"file": ("mine.yaml", broken.encode(), "application/yaml")},
        follow_redirects=False,
    )
    assert r.status_code == 422
    assert f"line {line}, column" in r.text and "not a level of scale" in r.text
    assert "mine.yaml" in r.text and "threshold: Perfect" in r.text  # the line itself
    assert 'value="mine"' in r.text  # what was typed stays
    assert _plans(factory) == 1


def test_an_uploaded_framework_becomes_the_plan(
    admin: Browser, factory: sessionmaker[Session]
) -> None:
    own = BLANK.replace("code: A\n", "code: NORTH\n")
    r = admin.post(
        "/plans/new",
        data={"csrf_token": admin.csrf, "source": "upload", "code": "north"},
        files={"file": ("north.yaml", own.encode(), "application/yaml")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    with factory() as s:
        plan = s.scalar(select(Plan).where(Plan.code == "north"))
        assert plan is not None and plan.parties[0].code == "NORTH"


def test_field_errors_are_422_and_nothing_is_half_written(
    admin: Browser, factory: sessionmaker[Session]
) -> None:
    cases = [
        ({"source": "bilateral", "code": "has space"}, "code-error"),
        ({"source": "nope", "code": "x1"}, "template-error"),
        ({"source": "upload", "code": "x2"}, "file-error"),  # no file chosen
        (
            {
                "source": "bilateral",
                "code": "x3",
                "party_code_0": "A",
                "party_code_1": "A",
                "party_name_0": "a",
                "party_name_1": "b",
            },
            "party_code_1-error",
        ),
        ({"source": "bilateral", "code": "x4", "person_0_username": "ghost"}, "person_0-error"),
        ({"source": "bilateral", "code": "new"}, "code-error"),  # the page's own address
    ]
    for form, error in cases:
        r = admin.post_form("/plans/new", form)
        assert r.status_code == 422, (form, r.text[:300])
        assert f'id="{error}"' in r.text, (form, error)
    # the plan was created before the unknown person was refused: it must be gone too
    assert _plans(factory) == 1
    with factory() as s:
        assert s.scalar(select(User).where(User.username == "ghost")) is None


def test_a_taken_code_is_a_409_with_the_plan_that_has_it(admin: Browser) -> None:
    r = admin.post_form("/plans/new", {"source": "opcon", "code": "opcon-cotp"})
    assert r.status_code == 409 and 'id="code-error"' in r.text
    api = admin.post(
        "/api/v1/plans",
        json={"code": "opcon-cotp", "template": "opcon"},
        headers={"X-CSRF-Token": admin.csrf},
    )
    assert api.status_code == 409 and api.json()["current"]["code"] == "opcon-cotp"


def test_the_json_twin(
    as_user: Callable[[str], TestClient], factory: sessionmaker[Session]
) -> None:
    api = as_user("admin")
    assert [t["key"] for t in api.get("/api/v1/plan-templates").json()] == ["bilateral", "opcon"]
    r = api.post("/api/v1/plans", json={"code": "bad", "yaml": "format: [unclosed"})
    assert r.status_code == 422 and "invalid YAML" in r.json()["problems"][0]["message"]
    r = api.post(
        "/api/v1/plans",
        json={
            "code": "opcon-2",
            "template": "opcon",
            "people": [{"username": "rok-evaluator", "role": "evaluator", "party": "ROK"}],
        },
    )
    assert r.status_code == 201 and [p["code"] for p in r.json()["parties"]] == ["ROK", "US"]
    # the evaluator now sees both plans
    listed = [p["code"] for p in as_user("rok-evaluator").get("/api/v1/plans").json()]
    assert listed == ["opcon-2", "opcon-cotp"]
    r = api.post("/api/v1/plans", json={"code": "both", "template": "opcon", "yaml": BLANK})
    assert r.status_code == 422 and r.json()["detail"].startswith("template:")
    assert _plans(factory) == 2


def test_home_without_plans_offers_the_new_plan_page(app: FastAPI, factory) -> None:  # type: ignore[no-untyped-def]
    from accord.db import transaction
    from accord.services import accounts
    from accord.services.actors import SYSTEM

    with transaction(factory) as s:
        user = accounts.create_user(
            session=s, actor=SYSTEM, username="first", password="long-enough", is_admin=True
        )
        token, _ = accounts.create_token(session=s, actor=SYSTEM, user=user, name="t")
    html = TestClient(app, headers={"Authorization": f"Bearer {token}"}).get("/").text
    assert "No plan yet" in html and re.search(
        r'href="/plans/new"[^>]*>Create the first plan', html
    )
