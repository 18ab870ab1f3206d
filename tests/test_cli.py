"""The `accord` command line, run in-process with Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "ACCORD_DATABASE_URL": database_url,
        "ACCORD_DATA_DIR": str(tmp_path / "ws"),
        "COLUMNS": "160",
    }


def run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=env)


def test_init_example_and_summary(env: dict[str, str]) -> None:
    assert run(env, "init").exit_code == 0
    loaded = run(env, "example", "opcon")
    assert loaded.exit_code == 0, loaded.output
    assert "8 evaluations" in loaded.output and "ILLUSTRATIVE" in loaded.output
    result = run(env, "summary")
    assert result.exit_code == 0, result.output
    assert "2025 annual joint evaluation" in result.output
    assert "Meaningful progress across 7 of 9 fields" in result.output
    assert "ILLUSTRATIVE — NOT AN ACTUAL ASSESSMENT" in result.output
    assert "C1.1.2, C1.1.3" in result.output  # what blocks FOC
    assert "Δ 2024" in result.output


def test_summary_of_a_named_evaluation_and_json(env: dict[str, str]) -> None:
    run(env, "example", "opcon")
    result = run(env, "summary", "2024")
    assert "No meaningful progress overall: 3 of 9 fields" in result.output
    doc = json.loads(run(env, "summary", "2023", "--json").output)
    assert doc["evaluation"]["code"] == "2023" and doc["previous_evaluation"]["code"] == "2022"
    assert doc["illustrative"] is True and doc["progress"]["meaningful"] is True
    assert len(doc["conditions"]) == 3


def test_first_evaluation_has_no_progress(env: dict[str, str]) -> None:
    run(env, "example", "opcon")
    result = run(env, "summary", "2019")
    assert result.exit_code == 0
    assert "progress cannot be judged yet" in result.output


def test_errors_are_messages_not_tracebacks(env: dict[str, str]) -> None:
    result = run(env, "summary")
    assert result.exit_code == 1 and "no plan yet" in result.output
    run(env, "example", "opcon")
    result = run(env, "summary", "1999")
    assert result.exit_code == 1 and "has no evaluation '1999'" in result.output
    assert "Traceback" not in result.output
    again = run(env, "example", "opcon")
    assert again.exit_code == 1 and "already exists" in again.output
    assert run(env, "example", "opcon", "--if-missing").exit_code == 0
    result = run(env, "summary", "--plan", "nope")
    assert result.exit_code == 1 and "no plan 'nope'" in result.output


def test_summary_refuses_an_uninitialised_workspace(tmp_path: Path) -> None:
    env = {"ACCORD_DATA_DIR": str(tmp_path / "fresh"), "COLUMNS": "160"}
    (tmp_path / "fresh").mkdir()
    result = run(env, "summary")
    assert result.exit_code == 1 and "accord init" in result.output


def test_check_reports_every_problem_by_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "code: x\ntitle: X\nversion: '1'\nparties: [{code: A}]\n"
        "scales: [{code: s, levels: [{label: lo, value: 0}, {label: hi, value: 1}]}]\n"
        "conditions:\n  - code: C\n    title: C\n    fields: []\n"
        "  - code: D\n    title: D\n    fields:\n      - code: F\n        title: F\n"
        "        standards:\n          - {code: S, title: S, threshold: mid, scale: zz}\n"
    )
    result = runner.invoke(app, ["check", str(bad)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert f"{bad}:7:5: condition 'C' is empty: it needs at least one field" in lines
    assert any(line.startswith(f"{bad}:16:49:") and "unknown scale 'zz'" in line for line in lines)
    assert "Traceback" not in result.output


def test_check_accepts_the_opcon_plan_and_rejects_malformed_yaml(tmp_path: Path) -> None:
    from importlib import resources

    good = resources.files("accord.data") / "opcon" / "framework.yaml"
    result = runner.invoke(app, ["check", str(good)])
    assert result.exit_code == 0 and "26 standards" in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("code: [x\n")
    result = runner.invoke(app, ["check", str(broken)])
    assert result.exit_code == 1 and f"{broken}:2:1: invalid YAML" in result.output
    result = runner.invoke(app, ["check", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 1 and "cannot read file" in result.output


def test_db_upgrade_is_idempotent(env: dict[str, str]) -> None:
    from accord import schema

    result = run(env, "db", "upgrade")
    assert result.exit_code == 0 and schema.head() in result.output


def test_plan_create_and_list(env: dict[str, str], tmp_path: Path) -> None:
    from accord.services.examples import example_text

    source = tmp_path / "plan.yaml"
    source.write_text(example_text("opcon", "framework.yaml"))
    result = run(env, "plan", "create", str(source), "--code", "mine")
    assert result.exit_code == 0, result.output
    assert "created plan mine" in result.output and "parties ROK, US" in result.output
    listed = run(env, "plan", "list")
    assert "mine" in listed.output and "illustrative" in listed.output
    again = run(env, "plan", "create", str(source), "--code", "mine")
    assert again.exit_code == 1 and "already exists" in again.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        example_text("opcon", "framework.yaml").replace(
            "threshold: Substantial", "threshold: Huge", 1
        )
    )
    result = run(env, "plan", "create", str(broken), "--code", "other")
    assert result.exit_code == 1 and "threshold 'Huge' is not a level" in result.output
    assert "other" not in run(env, "plan", "list").output  # nothing half-written


def test_unreachable_database_is_a_message(tmp_path: Path) -> None:
    env = {
        "ACCORD_DATABASE_URL": "postgresql+psycopg://nobody:secret@127.0.0.1:9/none",
        "ACCORD_DATA_DIR": str(tmp_path / "ws"),
        "COLUMNS": "200",
    }
    result = run(env, "init")
    assert result.exit_code == 1 and "cannot use the database" in result.output
    assert "secret" not in result.output and "Traceback" not in result.output


def test_summary_since_a_chosen_evaluation(env: dict[str, str]) -> None:
    run(env, "example", "opcon")
    result = run(env, "summary", "2025", "--since", "2019")
    assert result.exit_code == 0 and "Δ 2019" in result.output
    result = run(env, "summary", "2025", "--since", "2026")
    assert result.exit_code == 1 and "no joint ratings" in result.output


def test_serve_hands_lean_workers_the_resolved_settings(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even one worker is a process of its own that builds the app from the import string
    and the exported settings, not from the CLI's objects."""
    from accord.cli import workspace
    from accord.config import Settings

    seen: dict[str, object] = {}

    def fake_run(options: dict[str, object], workers: int) -> None:
        seen.update(options=options, workers=workers, settings=Settings())

    monkeypatch.setattr(workspace, "_run_server", fake_run)
    assert run(env, "init").exit_code == 0
    result = run(env, "serve", "--port", "8123", "--demo")
    assert result.exit_code == 0, result.output
    assert seen["workers"] == 1
    assert seen["options"] == {
        "app": "accord.web.app:app_from_environment",
        "factory": True,
        "host": "127.0.0.1",
        "port": 8123,
        "log_level": "warning",
    }
    worker = seen["settings"]
    assert isinstance(worker, Settings) and worker.port == 8123 and worker.demo is True


def test_the_web_app_imports_none_of_the_cli() -> None:
    """What keeps a worker lean: `accord.web.app` (the workers' import) loads no CLI module."""
    import subprocess
    import sys

    probe = (
        "import sys, accord.web.app; print(sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('typer', 'rich', 'pygments') or m.startswith('accord.cli')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
