"""Renaming a party: the service (administrators only, audited, 422 by field, 409 on a stale
edit), its API route, the form on the administration page's Parties list, and the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from accord.cli import app as cli
from accord.db import transaction
from accord.models import AuditRecord, Party, Plan
from accord.permissions import Forbidden
from accord.services import Conflict, Invalid, NotFound, admin, new_plan
from accord.services.accounts import get_user
from accord.services.actors import SYSTEM, actor_for
from page_client import Browser, sign_in

PLAN = "opcon-cotp"
API = f"/api/v1/admin/parties/{PLAN}/ROK"
FORM = f"/admin/parties/{PLAN}/ROK"


def _name(factory: sessionmaker[Session], plan: str = PLAN, code: str = "ROK") -> str:
    with factory() as s:
        found = s.scalar(select(Party.name).join(Plan).where(Plan.code == plan, Party.code == code))
        assert found is not None
        return found


def _renames(factory: sessionmaker[Session]) -> list[AuditRecord]:
    with factory() as s:
        return list(s.scalars(select(AuditRecord).where(AuditRecord.action == "party.rename")))


def test_the_service_renames_audits_and_refuses_by_field(
    factory: sessionmaker[Session], people: dict[str, str]
) -> None:
    before = _name(factory)
    with transaction(factory) as s:
        doc = admin.rename_party(
            session=s, actor=SYSTEM, plan_code=PLAN, code="ROK", name="  ROK JCS  ", was=before
        )
    assert doc == {"plan": PLAN, "code": "ROK", "name": "ROK JCS"}
    (record,) = _renames(factory)
    assert record.target == f"{PLAN}/ROK" and record.actor == "system"
    assert json.loads(record.before) == {"name": before}
    assert json.loads(record.after) == {"name": "ROK JCS"}
    with transaction(factory) as s:  # the same name again: nothing to write
        admin.rename_party(session=s, actor=SYSTEM, plan_code=PLAN, code="ROK", name="ROK JCS")
    assert len(_renames(factory)) == 1
    for bad in ("", "   ", "x" * 201):
        with factory() as s, pytest.raises(Invalid, match=r"^name: 1 to 200 characters$"):
            admin.rename_party(session=s, actor=SYSTEM, plan_code=PLAN, code="ROK", name=bad)
    with factory() as s, pytest.raises(Conflict, match="now called ROK JCS") as stale:
        admin.rename_party(
            session=s, actor=SYSTEM, plan_code=PLAN, code="ROK", name="Other", was=before
        )
    assert stale.value.current == {"plan": PLAN, "code": "ROK", "name": "ROK JCS"}
    with factory() as s, pytest.raises(NotFound, match="no party 'XX'"):
        admin.rename_party(session=s, actor=SYSTEM, plan_code=PLAN, code="XX", name="X")
    with factory() as s, pytest.raises(NotFound, match="no plan 'nope'"):
        admin.rename_party(session=s, actor=SYSTEM, plan_code="nope", code="ROK", name="X")
    with factory() as s:
        signer = actor_for(s, get_user(session=s, username="rok-signer"))
        with pytest.raises(Forbidden):
            admin.rename_party(session=s, actor=signer, plan_code=PLAN, code="ROK", name="X")
    assert _name(factory) == "ROK JCS"


def test_a_code_in_several_plans_needs_the_plan(
    factory: sessionmaker[Session], people: dict[str, str]
) -> None:
    with transaction(factory) as s:
        new_plan.create(
            session=s, actor=SYSTEM, code="second", template="opcon", text=None, source="t"
        )
    with factory() as s, pytest.raises(Invalid, match=r"^plan: .*several plans.*second"):
        admin.rename_party(session=s, actor=SYSTEM, code="ROK", name="X")
    with transaction(factory) as s:
        admin.rename_party(
            session=s, actor=SYSTEM, code="ROK", name="Second ROK", plan_code="second"
        )
    assert _name(factory, "second") == "Second ROK" and _name(factory) != "Second ROK"


def test_the_api_route(
    as_user: Callable[[str], TestClient], factory: sessionmaker[Session]
) -> None:
    r = as_user("admin").patch(API, json={"name": "ROK JCS"})
    assert r.status_code == 200 and r.json() == {"plan": PLAN, "code": "ROK", "name": "ROK JCS"}
    r = as_user("admin").patch(API, json={"name": ""})
    assert r.status_code == 422 and r.json()["detail"].startswith("name:")
    r = as_user("admin").patch(API, json={"name": "Again", "was": "Republic of Nowhere"})
    assert r.status_code == 409 and r.json()["current"]["name"] == "ROK JCS"
    assert as_user("rok-signer").patch(API, json={"name": "X"}).status_code == 403
    assert (
        as_user("admin").patch(f"/api/v1/admin/parties/{PLAN}/XX", json={"name": "X"}).status_code
        == 404
    )
    assert _name(factory) == "ROK JCS"


@pytest.fixture
def admin_browser(app: FastAPI, people: dict[str, str]) -> Browser:
    return sign_in(app, "admin")


def test_the_form_on_the_parties_page(
    admin_browser: Browser, factory: sessionmaker[Session]
) -> None:
    before = _name(factory)
    html = admin_browser.get("/admin/parties").text
    assert f'action="{FORM}"' in html and f'name="was" value="{before}"' in html
    assert admin_browser.carries_session_token(html)
    r = admin_browser.post_form(FORM, {"name": "ROK JCS", "was": before})
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/parties?done=renamed")
    html = admin_browser.get(r.headers["location"]).text
    assert "Party renamed." in html and 'value="ROK JCS"' in html
    # too long: 422, the message next to the field, what was typed kept
    r = admin_browser.post_form(FORM, {"name": "y" * 201, "was": "ROK JCS"})
    assert r.status_code == 422 and "1 to 200 characters" in r.text
    fid = f"name-{PLAN}-ROK"
    assert f'aria-describedby="{fid}-error"' in r.text and f'id="{fid}-error"' in r.text
    assert 'value="' + "y" * 201 + '"' in r.text
    # a stale edit (the form was loaded before someone else's rename): 409, the current name
    r = admin_browser.post_form(FORM, {"name": "Mine", "was": before})
    assert r.status_code == 409 and "now called ROK JCS" in r.text
    assert 'name="was" value="ROK JCS"' in r.text  # sending again renames from the current one
    assert _name(factory) == "ROK JCS" and len(_renames(factory)) == 1
    r = admin_browser.post(FORM, data={"name": "No token"}, follow_redirects=False)
    assert r.status_code == 403 and _name(factory) == "ROK JCS"


def test_members_cannot_rename(as_user: Callable[[str], TestClient]) -> None:
    r = as_user("rok-signer").post(FORM, data={"name": "X"}, follow_redirects=False)
    assert r.status_code == 403


def test_the_cli(
    database_url: str, tmp_path: Path, factory: sessionmaker[Session], opcon: Plan
) -> None:
    env = {"ACCORD_DATABASE_URL": database_url, "ACCORD_DATA_DIR": str(tmp_path / "ws")}
    runner = CliRunner()
    r = runner.invoke(cli, ["party", "rename", "ROK", "ROK JCS", "--plan", PLAN], env=env)
    assert r.exit_code == 0, r.output
    assert f"party ROK of plan {PLAN} is now called ROK JCS" in r.output
    assert _name(factory) == "ROK JCS"
    r = runner.invoke(cli, ["party", "rename", "US", ""], env=env)  # one plan has US: no --plan
    assert r.exit_code == 1 and "name: 1 to 200 characters" in r.output
    r = runner.invoke(cli, ["party", "rename", "XX", "Name"], env=env)
    assert r.exit_code == 1 and "no plan has a party 'XX'" in r.output
