"""`accord framework list/diff/import/propose/approve`, run in-process with CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.models import Plan
from accord.services.examples import example_text

runner = CliRunner()
OPCON = example_text("opcon", "framework.yaml")
V2 = (
    OPCON.replace('version: "2018.1"', 'version: "2019.1"')
    .replace("target_date: 2030-12-31", "target_date: 2031-12-31")
    .replace(
        "threshold: Full\n            weight: 2", "threshold: Substantial\n            weight: 3", 1
    )
    .replace("requires: [C1.1.1, C1.2.1", "requires: [C1.2.1", 1)
)


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "ACCORD_DATABASE_URL": database_url,
        "ACCORD_DATA_DIR": str(tmp_path / "ws"),
        "COLUMNS": "160",
    }


@pytest.fixture
def v2(tmp_path: Path) -> Path:
    path = tmp_path / "v2.yaml"
    path.write_text(V2, "utf-8")
    return path


def run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=env)


def test_import_propose_approve_and_list(
    env: dict[str, str], v2: Path, opcon: Plan, people: dict[str, str]
) -> None:
    imported = run(env, "framework", "import", str(v2))
    assert imported.exit_code == 0, imported.output
    assert "created draft 2019.1 of plan opcon-cotp (26 standards" in imported.output
    again = run(env, "framework", "import", str(v2), "--plan", "opcon-cotp")
    assert again.exit_code == 1
    assert "already has framework version '2019.1' (draft)" in again.output

    early = run(env, "framework", "approve", "2019.1", "--token", people["rok-signer"])
    assert early.exit_code == 1 and "'2019.1' is draft, not proposed" in early.output
    proposed = run(env, "framework", "propose", "2019.1")
    assert proposed.exit_code == 0, proposed.output
    assert "awaiting approval of ROK, US" in proposed.output

    no_token = run(env, "framework", "approve", "2019.1")
    assert no_token.exit_code == 1 and "pass --token or set ACCORD_TOKEN" in no_token.output
    observer = run(env, "framework", "approve", "2019.1", "--token", people["observer"])
    assert observer.exit_code == 1 and "error: observer may not " in observer.output
    rok = run(
        env, "framework", "approve", "2019.1", "--party", "ROK", "--token", people["rok-signer"]
    )
    assert rok.exit_code == 0, rok.output
    assert "ROK approved 2019.1" in rok.output and "awaiting approval of US" in rok.output
    twice = run(env, "framework", "approve", "2019.1", "--token", people["rok-signer"])
    assert twice.exit_code == 1 and "ROK has already approved" in twice.output
    us = runner.invoke(
        app,
        ["framework", "approve", "2019.1"],
        env={**env, "ACCORD_TOKEN": people["us-signer"]},
    )
    assert us.exit_code == 0, us.output
    assert "2019.1 is now agreed by ROK, US; 2018.1 superseded" in us.output

    listed = run(env, "framework", "list")
    assert listed.exit_code == 0, listed.output
    rows = {
        line.split()[0]: line
        for line in listed.output.splitlines()
        if line.strip()[:4] == "2018" or line.strip()[:4] == "2019"
    }
    assert "superseded" in rows["2018.1"] and "agreed" in rows["2019.1"]
    assert "ROK ✓, US ✓" in rows["2019.1"]

    frozen = run(env, "framework", "propose", "2019.1")
    assert frozen.exit_code == 1
    assert "'2019.1' is agreed and can no longer change" in frozen.output
    assert "Traceback" not in frozen.output


def test_diff_of_versions_and_files(
    env: dict[str, str], v2: Path, tmp_path: Path, opcon: Plan
) -> None:
    assert run(env, "framework", "import", str(v2)).exit_code == 0
    shown = run(env, "framework", "diff", "2018.1", "2019.1")
    assert shown.exit_code == 0, shown.output
    text = shown.output
    assert "Standards: 0 added, 0 removed, 2 changed" in text
    assert (
        "~ C1.1.2" in text and "threshold: Full → Substantial" in text and "weight: 2 → 3" in text
    )
    assert "stages: IOC, FOC, FMC → FOC, FMC" in text and "−IOC" in text
    assert "requires:" in text and "−C1.1.1" in text
    assert "target_date: 2030-12-31 → 2031-12-31" in text

    as_json = run(env, "framework", "diff", "2018.1", "2019.1", "--json", "--plan", "opcon-cotp")
    doc = json.loads(as_json.output)
    assert doc["plan"] == "opcon-cotp" and (doc["a"], doc["b"]) == ("2018.1", "2019.1")
    assert [c["code"] for c in doc["standards"]["changed"]] == ["C1.1.1", "C1.1.2"]

    # a file against a stored version, before importing it
    v3 = tmp_path / "v3.yaml"
    v3.write_text(
        V2.replace('version: "2019.1"', 'version: "2020.1"').replace("C1.1.4", "C1.1.9"),
        "utf-8",
    )
    mixed = run(env, "framework", "diff", "2019.1", str(v3))
    assert mixed.exit_code == 0, mixed.output
    assert "+ C1.1.9" in mixed.output and "− C1.1.4" in mixed.output
    same = run(env, "framework", "diff", "2019.1", "2019.1")
    assert same.exit_code == 0 and "no differences" in same.output
    missing = run(env, "framework", "diff", "2018.1", "7")
    assert missing.exit_code == 1 and "has no framework version '7'" in missing.output


def test_diff_of_two_files_needs_no_workspace(tmp_path: Path, v2: Path) -> None:
    env = {"ACCORD_DATA_DIR": str(tmp_path / "none"), "COLUMNS": "160"}
    old = tmp_path / "old.yaml"
    old.write_text(OPCON, "utf-8")
    result = run(env, "framework", "diff", str(old), str(v2), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["plan"] is None and doc["b"] == "2019.1"
    broken = tmp_path / "broken.yaml"
    broken.write_text(V2.replace("threshold: Substantial", "threshold: Huge", 1), "utf-8")
    bad = run(env, "framework", "diff", str(old), str(broken))
    assert bad.exit_code == 1
    assert f"{broken}:" in bad.output and "threshold 'Huge' is not a level" in bad.output
    assert "Traceback" not in bad.output


def test_import_reports_problems_by_line(env: dict[str, str], tmp_path: Path, opcon: Plan) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(V2.replace("threshold: Substantial", "threshold: Huge", 1), "utf-8")
    result = run(env, "framework", "import", str(broken))
    assert result.exit_code == 1
    assert any(
        line.startswith(f"{broken}:") and "threshold 'Huge' is not a level" in line
        for line in result.output.splitlines()
    )
    missing = run(env, "framework", "import", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 1 and "cannot read file" in missing.output
    listed = run(env, "framework", "list")
    assert "2019.1" not in listed.output and "2018.1" in listed.output
