"""Framework YAML export: canonical text, export -> import -> export byte-identical."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from accord.cli import app as cli_app
from accord.engine.framework import build_framework
from accord.formats import framework_dump, framework_yaml
from test_scoring import framework_docs

ROOT = Path(__file__).resolve().parents[1]
OPCON = ROOT / "src" / "accord" / "data" / "opcon" / "framework.yaml"

texts = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)


@st.composite
def rich_docs(draw: st.DrawFn) -> dict[str, Any]:
    """The scoring strategy's frameworks plus free text, Korean titles, parties and stages."""
    doc = draw(framework_docs())
    doc["description"] = draw(texts)
    doc["parties"] = [{"code": "A", "name": draw(texts)}, {"code": "B"}]
    if draw(st.booleans()):
        doc["title"] = {"en": "Random plan", "ko": draw(texts)}
    if draw(st.booleans()):
        doc["reconciliation"] = {"rule": "lead_party", "lead_party": "B"}
    if draw(st.booleans()):
        doc["progress_rule"] = {"judged_at": "condition", "min_score_delta": 0.1}
    for cond in doc["conditions"]:
        for fld in cond["fields"]:
            for std in fld["standards"]:
                std["description"] = draw(texts)
                std["guidance"] = draw(texts)
    for stage in doc["stages"]:
        stage["name"] = draw(texts)
        if draw(st.booleans()):
            stage["target_date"] = "2031-02-28"
    return doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rich_docs())
def test_export_import_export_is_byte_identical(doc: dict[str, Any]) -> None:
    fw, problems = build_framework(doc)
    assert fw is not None, problems
    first = framework_dump.dump(fw)
    again = framework_yaml.load(first, "<export>")
    assert again == fw
    assert framework_dump.dump(again) == first


def test_opcon_round_trip_keeps_everything() -> None:
    fw = framework_yaml.load_file(OPCON)
    text = framework_dump.dump(fw)
    assert framework_yaml.load(text) == fw
    assert framework_dump.dump(framework_yaml.load(text)) == text
    assert text.startswith("format: accord/framework@1\ncode: opcon-cotp\n")
    assert "ko: 조건에 기초한" in text  # Korean kept as text, not escaped


def test_multiline_text_is_a_literal_block() -> None:
    fw = framework_yaml.load(
        framework_dump.dump_data(
            {
                "code": "p",
                "title": "P",
                "version": "1",
                "parties": [{"code": "A"}],
                "scales": [
                    {
                        "code": "yn",
                        "levels": [{"label": "No", "value": 0}, {"label": "Yes", "value": 1}],
                    }
                ],
                "conditions": [
                    {
                        "code": "C",
                        "title": "C",
                        "fields": [
                            {
                                "code": "F",
                                "title": "F",
                                "standards": [
                                    {
                                        "code": "S",
                                        "title": "S",
                                        "description": "line one\nline two",
                                        "threshold": "Yes",
                                    }
                                ],
                            }
                        ],
                    }
                ],
            }
        )
    )
    text = framework_dump.dump(fw)
    assert "description: |-\n" in text and "label: 'Yes'" in text
    assert framework_yaml.load(text).standards_by_code["S"].description == "line one\nline two"


def test_cli_framework_export(opcon: object, database_url: str, tmp_path: Path) -> None:
    env = {"ACCORD_DATABASE_URL": database_url, "ACCORD_DATA_DIR": str(tmp_path / "data")}
    out = tmp_path / "exported.yaml"
    r = CliRunner().invoke(cli_app, ["framework", "export", "2018.1", "-o", str(out)], env=env)
    assert r.exit_code == 0, r.output
    text = out.read_text("utf-8")
    assert framework_dump.dump(framework_yaml.load(text)) == text
    r = CliRunner().invoke(
        cli_app, ["framework", "export", "1999", "--plan", "opcon-cotp", "-o", "-"], env=env
    )
    assert r.exit_code == 1
    assert not (tmp_path / "-").exists()
