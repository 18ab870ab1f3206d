"""CLI equivalents of the New-plan and administration pages: plan new, user list, token
list and revoke."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from accord.cli import app
from accord.services import admin
from accord.services.actors import SYSTEM

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "ACCORD_DATABASE_URL": database_url,
        "ACCORD_DATA_DIR": str(tmp_path / "ws"),
        "ACCORD_PW": "a long passphrase",
        "COLUMNS": "160",
    }


def run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=env)


def test_plan_from_a_template_people_and_tokens(
    env: dict[str, str], factory: sessionmaker[Session]
) -> None:
    r = run(env, "plan", "new", "handover", "--party", "VEND=Vendor", "--party", "CUST=Customer")
    assert r.exit_code == 0, r.output
    assert "created plan handover (Bilateral transition plan; parties VEND, CUST)" in r.output
    r = run(env, "plan", "new", "handover")
    assert r.exit_code == 1 and "already exists" in r.output
    r = run(env, "plan", "new", "other", "--template", "nope")
    assert r.exit_code == 1 and "template: one of bilateral, opcon" in r.output
    r = run(env, "plan", "new", "other", "--party", "VEND")
    assert r.exit_code == 1 and "CODE=Name" in r.output
    r = run(
        env,
        "user",
        "add",
        "kim",
        "--plan",
        "handover",
        "--party",
        "VEND",
        "--role",
        "evaluator",
        "--password-env",
        "ACCORD_PW",
    )
    assert r.exit_code == 0, r.output
    assert run(env, "token", "create", "kim").exit_code == 0
    listed = run(env, "user", "list")
    assert "kim" in listed.output and "handover: VEND evaluator" in listed.output
    tokens = run(env, "token", "list", "kim")
    assert "live" in tokens.output
    uid = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", tokens.output)
    assert uid is not None
    with factory() as s:
        full = admin.list_tokens(session=s, actor=SYSTEM)[0]["uid"]
    assert full == uid[0]
    r = run(env, "token", "revoke", full)
    assert r.exit_code == 0 and "revoked token cli" in r.output
    assert "revoked" in run(env, "token", "list").output
    assert run(env, "token", "revoke", "no-such").exit_code == 1
