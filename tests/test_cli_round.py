"""The evaluation round from the command line, acting as users through their API tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.formats import framework_yaml
from accord.services.examples import example_text

runner = CliRunner()


@pytest.fixture
def run(database_url: str, tmp_path: Path, people: dict[str, str]):  # type: ignore[no-untyped-def]
    def invoke(user: str | None, *args: str):  # type: ignore[no-untyped-def]
        env = {
            "ACCORD_DATABASE_URL": database_url,
            "ACCORD_DATA_DIR": str(tmp_path / "ws"),
            "COLUMNS": "200",
        }
        if user:
            env["ACCORD_TOKEN"] = people[user]
        result = runner.invoke(app, list(args), env=env)
        assert "Traceback" not in result.output
        return result

    return invoke


def test_round_from_the_command_line(run) -> None:  # type: ignore[no-untyped-def]
    fw = framework_yaml.load(example_text("opcon", "framework.yaml"))
    for user, bump in (("rok-evaluator", "C1.1.1"), ("us-evaluator", None)):
        for s in fw.standards():
            level = fw.scale(s.scale).levels[3 if s.code == bump else 2].label
            r = run(user, "rate", "2026", s.code, level, "--rationale", "seen in exercises")
            assert r.exit_code == 0, r.output
        assert run(user, "submit", "2026").exit_code == 0
    status = run(None, "evaluation", "status", "2026")
    assert "reconciliation" in status.output and "ROK: submitted" in status.output
    queue = run("us-evaluator", "reconcile", "queue", "2026")
    assert "1 of 1 divergences unresolved" in queue.output and "C1.1.1" in queue.output
    r = run(
        "rok-evaluator",
        "reconcile",
        "propose",
        "2026",
        "C1.1.1",
        "Substantial",
        "--rationale",
        "FOC rehearsal",
    )
    assert r.exit_code == 0 and "approved by ROK" in r.output
    r = run("us-signer", "reconcile", "approve", "2026", "C1.1.1")
    assert "joint level Substantial" in r.output
    r = run("rok-evaluator", "conclude", "2026")
    assert r.exit_code == 1 and "may not conclude evaluations" in r.output
    assert "concluded" in run("rok-signer", "conclude", "2026").output
    assert "C1.1.2" in run(None, "action", "list", "--status", "open").output


def test_party_commands_need_a_token_and_the_right_role(run) -> None:  # type: ignore[no-untyped-def]
    r = run(None, "rate", "2026", "C1.1.1", "Partial")
    assert r.exit_code == 1 and "--token" in r.output
    r = run("observer", "rate", "2026", "C1.1.1", "Partial")
    assert r.exit_code == 1 and "may not rate" in r.output
    r = run("rok-evaluator", "rate", "2026", "C1.1.1", "Huge")
    assert r.exit_code == 1 and "'Huge' is not a level" in r.output


def test_create_and_open_an_evaluation(run) -> None:  # type: ignore[no-untyped-def]
    r = run(
        None,
        "evaluation",
        "create",
        "2027",
        "--held-on",
        "2027-10-29",
        "--label",
        "2027 annual joint evaluation",
    )
    assert r.exit_code == 0 and "planned evaluation 2027" in r.output
    r = run(None, "evaluation", "open", "2027", "--due-on", "2027-09-30")
    assert "open" in r.output and "2027-09-30" in r.output
    r = run(None, "evaluation", "create", "2028", "--held-on", "soon")
    assert r.exit_code == 1 and "--held-on: a date" in r.output
