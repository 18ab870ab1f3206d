"""OSCAL: catalog -> framework import, and evaluation -> assessment-results export."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from trestle.oscal.assessment_results import AssessmentResults
from typer.testing import CliRunner

from accord.cli import app as cli_app
from accord.formats import framework_dump, framework_yaml, oscal_catalog, oscal_results, safe_input
from accord.models import Plan
from accord.services import Conflict, oscal_export
from accord.services.actors import SYSTEM
from accord.services.examples import demo_password

FIXTURES = Path(__file__).parent / "fixtures"
BASIC = FIXTURES / "oscal-basic-catalog.json"
LOW = FIXTURES / "oscal-800-53-low-slice.json"
PLAN = "opcon-cotp"


def convert(path: Path, **options: Any) -> oscal_catalog.ImportResult:
    data = safe_input.load_json(safe_input.read_limited(path), str(path))
    return oscal_catalog.convert(data, str(path), **options)


def convert_text(text: str, tmp_path: Path, **options: Any) -> oscal_catalog.ImportResult:
    path = tmp_path / "cat.json"
    path.write_text(text, "utf-8")
    return convert(path, **options)


# --------------------------------------------------------------------------- catalog import


def test_basic_catalog_groups_controls_params_and_objectives() -> None:
    fw = convert(BASIC).framework  # nested groups: depth 2 chosen by default
    assert [c.code for c in fw.conditions] == ["1", "2"]
    assert [f.code for f in fw.fields()] == ["s1.1", "2.1"]  # no label: the group id
    std = fw.standards_by_code["1.1.1"]
    assert std.title == "Information security roles and responsibilities"
    assert "All information security responsibilities should be defined" in std.description
    # a param with a label, and a selection whose choice holds another param
    assert "{{" not in std.description
    assert "[Assignment: a choice from a selection]" in std.description
    assert "Allocation of information security responsibilities" in std.guidance
    flat = convert(BASIC, group_depth=1).framework
    assert len(flat.conditions) == 1 and [f.code for f in flat.fields()] == ["1", "2"]


def test_low_slice_statement_objectives_and_enhancements() -> None:
    nested = convert(LOW).framework
    assert [f.code for f in nested.fields()] == ["ac", "ia"]
    assert list(nested.standards_by_code) == ["AC-1", "AC-2", "IA-2"]
    ac2 = nested.standards_by_code["AC-2"]
    assert ac2.title == "Account Management"
    assert "c. Require [Assignment: prerequisites and criteria] for group" in ac2.description
    assert "Assessment objectives:" in ac2.guidance and "AC-02a.[01]" in ac2.guidance
    ia2 = nested.standards_by_code["IA-2"]
    assert "Enhancements:" in ia2.description and "IA-2(1) Multi-factor" in ia2.description
    separate = convert(LOW, enhancements="separate").framework
    assert list(separate.standards_by_code) == [
        "AC-1", "AC-2", "IA-2", "IA-2(1)", "IA-2(2)", "IA-2(8)", "IA-2(12)",
    ]  # fmt: skip
    assert separate.standards_by_code["IA-2(1)"].title.startswith(
        "Identification and Authentication (Organizational Users) | Multi-factor"
    )


def test_scales_thresholds_and_round_trip() -> None:
    r = convert(LOW, scale="yesno", plan="low", party_codes=["ROK", "US"])
    fw = r.framework
    assert fw.code == "low" and [p.code for p in fw.parties] == ["ROK", "US"]
    assert [lv.label for lv in fw.scales[0].levels] == ["No", "Yes"]
    assert {s.threshold for s in fw.standards()} == {"Yes"}
    assert framework_dump.dump(framework_yaml.load(r.text)) == r.text
    r = convert(LOW, threshold="Largely implemented")
    assert {s.threshold for s in r.framework.standards()} == {"Largely implemented"}
    with pytest.raises(safe_input.ImportFailure, match="is not a level of scale"):
        convert(LOW, threshold="Maybe")


def test_json_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(safe_input.ImportFailure) as err:
        convert_text('{"catalog": {\n  "uuid": "x",\n  "groups": [}\n}', tmp_path)
    assert err.value.messages[0].startswith(f"{tmp_path / 'cat.json'}:3:14: invalid JSON")


def test_semantic_errors_name_the_json_path(tmp_path: Path) -> None:
    doc = json.loads(BASIC.read_text("utf-8"))
    del doc["catalog"]["groups"][0]["groups"][0]["controls"][0]["id"]
    doc["catalog"]["groups"][1]["controls"] = "nope"
    with pytest.raises(safe_input.ImportFailure) as err:
        convert_text(json.dumps(doc), tmp_path)
    text = str(err.value)
    assert "$.catalog.groups[1].controls: 'controls' must be a list" in text
    assert "$.catalog.groups[0].groups[0].controls[0]: a control needs an 'id'" in text
    with pytest.raises(safe_input.ImportFailure, match=r"cat.json: \$: not an OSCAL catalog"):
        convert_text("[1, 2]", tmp_path)


def test_deep_json_is_refused_before_parsing(tmp_path: Path) -> None:
    with pytest.raises(safe_input.ImportFailure, match=r"cat.json:1:101: nested deeper than 100"):
        convert_text("[" * 200_000 + "]" * 200_000, tmp_path)
    # brackets inside strings do not count
    assert safe_input.load_json('{"a": "' + "[" * 500 + '"}', "x") == {"a": "[" * 500}


def test_large_json_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    with pytest.raises(safe_input.ImportFailure, match="file too large"):
        convert(path)


def test_cli_import_oscal(database_url: str, tmp_path: Path) -> None:
    env = {"ACCORD_DATABASE_URL": database_url, "ACCORD_DATA_DIR": str(tmp_path / "data")}
    runner = CliRunner()
    out = tmp_path / "low.yaml"
    args = ["framework", "import-oscal", str(LOW), "--plan", "low", "--group-depth", "2"]
    r = runner.invoke(
        cli_app, [*args, "--enhancements", "separate", "--scale", "yesno", "-o", str(out)], env=env
    )
    assert r.exit_code == 0, r.output
    fw = framework_yaml.load(out.read_text("utf-8"))
    assert [c.code for c in fw.conditions] == ["ac", "ia"] and "IA-2(12)" in fw.standards_by_code
    r = runner.invoke(cli_app, [*args, "--party", "A", "--party", "B", "--create-plan"], env=env)
    assert r.exit_code == 0, r.output
    assert "created plan low (parties A, B)" in r.output
    r = runner.invoke(cli_app, ["plan", "create", str(out), "--code", "low2"], env=env)
    assert r.exit_code == 0, r.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"catalog": ', "utf-8")
    target = tmp_path / "never.yaml"
    r = runner.invoke(cli_app, ["framework", "import-oscal", str(bad), "-o", str(target)], env=env)
    assert r.exit_code == 1 and f"{bad}:1:13: invalid JSON" in r.output
    assert not target.exists()


# --------------------------------------------------------------------------- results export

Client = Callable[[str], TestClient]


def _plan(s: Session) -> Plan:
    plan = s.scalar(select(Plan).where(Plan.code == PLAN))
    assert plan is not None
    return plan


def _export(factory: sessionmaker[Session], code: str) -> dict[str, Any]:
    with factory() as s:
        text = oscal_export.assessment_results(session=s, actor=SYSTEM, plan=_plan(s), code=code)
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def test_assessment_results_validate_with_trestle(
    as_user: Client, factory: sessionmaker[Session]
) -> None:
    for who in ("rok-signer", "us-signer"):
        r = as_user(who).post(
            f"/api/v1/plans/{PLAN}/evaluations/2025/signatures",
            json={"passphrase": demo_password(who)},
        )
        assert r.status_code == 201, r.text
    doc = _export(factory, "2025")
    model = AssessmentResults.model_validate(doc["assessment-results"])
    assert "1.1.2" in repr(model.metadata.oscal_version)
    (result,) = doc["assessment-results"]["results"]
    findings = result["findings"]
    assert len(findings) == 26
    states = {f["props"][0]["value"]: f["target"]["status"]["state"] for f in findings}
    assert set(states.values()) <= {"satisfied", "not-satisfied"}
    kinds = {
        p["value"] for o in result["observations"] for p in o["props"] if p["name"] == "rating-kind"
    }
    assert kinds == {"party", "joint"}
    assert len(result["attestations"]) == 2
    names = {p["name"] for p in doc["assessment-results"]["metadata"]["parties"]}
    assert {"Republic of Korea", "United States", "rok-signer", "us-signer"} <= names
    roles = {r["id"] for r in doc["assessment-results"]["metadata"]["roles"]}
    assert roles == {"assessor", "signer"}
    assert _export(factory, "2025") == doc  # stable UUIDs: the same evaluation, the same file


def test_concluded_unsigned_exports_open_is_refused(
    opcon: Plan, factory: sessionmaker[Session]
) -> None:
    doc = _export(factory, "2024")
    AssessmentResults.model_validate(doc["assessment-results"])
    assert "attestations" not in doc["assessment-results"]["results"][0]
    with pytest.raises(Conflict, match="2026 is open: only a concluded or signed"):
        _export(factory, "2026")


def test_token_makes_oscal_tokens() -> None:
    assert oscal_results.token("AC-2(1)") == "AC-2_1_"
    assert oscal_results.token("4.1") == "_4.1"


def test_cli_export_oscal(opcon: Plan, database_url: str, tmp_path: Path) -> None:
    env = {"ACCORD_DATABASE_URL": database_url, "ACCORD_DATA_DIR": str(tmp_path / "data")}
    out = tmp_path / "2024.oscal.json"
    runner = CliRunner()
    r = runner.invoke(cli_app, ["export", "2024", "--format", "oscal", "-o", str(out)], env=env)
    assert r.exit_code == 0, r.output
    AssessmentResults.model_validate(json.loads(out.read_text("utf-8"))["assessment-results"])
    r = runner.invoke(cli_app, ["export", "2026", "--format", "oscal", "-o", str(out)], env=env)
    assert r.exit_code == 1 and "only a concluded or signed" in r.output
    r = runner.invoke(cli_app, ["export", "2024", "--format", "xml", "-o", str(out)], env=env)
    assert r.exit_code == 1 and "--format must be bundle or oscal" in r.output
