"""Korean for the parsers' problems (framework YAML, rating sheets, importers) and for the
report's generated sentences (the statement for the SCM, the forecast's method); English
stays word for word."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from accord import i18n
from accord.formats import framework_yaml, problem_wording, sheets
from accord.models import Plan

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "accord"
REPORT = "/api/v1/plans/opcon-cotp/evaluations/2025/report"

GOOD = """\
code: mini
title: {en: Mini plan, ko: 미니 계획}
version: "1"
parties:
  - {code: A, name: Alpha}
  - {code: B, name: Beta}
scales:
  - code: s
    levels:
      - {label: low, value: 0}
      - {label: high, value: 1}
conditions:
  - code: C1
    title: One
    fields:
      - code: F1
        title: Field
        standards:
          - {code: S1, title: First, threshold: high}
stages:
  - {code: IOC, requires: [S1]}
"""
BROKEN = (
    GOOD.replace("{code: B, name: Beta}", "{code: A, name: Again}")
    .replace("threshold: high}", "threshold: middle}")
    .replace("requires: [S1]", "requires: [S1, S9]")
    .replace("    title: One\n", "    title: One\n    colour: red\n")
)


# --------------------------------------------------------------------------- framework YAML


def test_framework_problems_keep_their_place_and_speak_korean() -> None:
    _fw, english = framework_yaml.validate(BROKEN, "plan.yaml")
    rendered = [str(d) for d in english]
    # the exact English of before (tests/test_framework_yaml.py)
    assert "plan.yaml:6:6: duplicate party code 'A' (first defined on line 5)" in rendered
    assert any(r.startswith("plan.yaml:15:5: unknown key 'colour'") for r in rendered)
    with i18n.use_locale("ko"):
        _fw, korean = framework_yaml.validate(BROKEN, "plan.yaml")
    assert [(d.line, d.column) for d in korean] == [(d.line, d.column) for d in english]
    shown = [str(d) for d in korean]
    assert "plan.yaml:6:6: 당사국 코드 'A'이(가) 중복되었습니다 (처음 정의된 위치: 5행)" in shown
    assert any(r.startswith("plan.yaml:15:5: 알 수 없는 키 'colour'입니다") for r in shown)
    assert any("충족 수준 'middle'은(는) 척도 's'의 수준이 아닙니다" in r for r in shown)
    assert any("단계 'IOC'에 알 수 없는 기준 'S9'" in r for r in shown)
    assert not any(re.search(r"\b(duplicate|unknown|is not a level)\b", r) for r in shown)


def test_malformed_yaml_is_located_in_korean() -> None:
    text = "code: x\nparties:\n  - a\n b: 2\n"
    with i18n.use_locale("ko"):
        _fw, korean = framework_yaml.validate(text, "bad.yaml")
    _fw, english = framework_yaml.validate(text, "bad.yaml")
    assert str(english[0]) == "bad.yaml:4:2: invalid YAML: did not find expected key"
    assert str(korean[0]) == "bad.yaml:4:2: YAML 형식 오류: 들여쓰기가 위 행들과 맞지 않습니다"


def _sample(node: ast.expr, before: str = "") -> str:
    """A plausible English message from an engine f-string: each hole filled with a value of
    the kind it holds (a repr, a number, a kind of value)."""
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.BinOp):
        left = _sample(node.left, before)
        return left + _sample(node.right, before + left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return "a, b"  # ", ".join(...)
    if isinstance(node, ast.JoinedStr):
        out = ""
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                out += _hole(part, before + out)
            else:
                out += _sample(part)
        return out
    raise AssertionError(ast.dump(node))


def _hole(part: ast.FormattedValue, before: str) -> str:
    value = part.value
    if part.format_spec is not None:
        return "0.5"
    if isinstance(value, ast.Name) and value.id == "NOT_APPLICABLE":
        return "'N/A'"
    if part.conversion == ord("r"):
        return "'x'"
    if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "_kind":
        return "a list"
    if isinstance(value, ast.Name) and value.id == "what":
        return "party" if before.endswith("duplicate ") else "a scale"
    if isinstance(value, ast.Call):
        return "3"
    return "1.10" if isinstance(value, ast.Subscript) else "k"


def test_every_engine_problem_has_korean_words() -> None:
    """A new sentence in engine/validation.py without a pattern in problem_wording fails."""
    tree = ast.parse((SRC / "engine" / "validation.py").read_text("utf-8"))
    samples = [
        _sample(call.args[1])
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "problem"
        and len(call.args) >= 2
        and not isinstance(call.args[1], ast.Name)  # the reader's own pass-through
    ]
    assert len(samples) > 40
    with i18n.use_locale("ko"):
        untranslated = [m for m in samples if problem_wording.engine_problem(m) == m]
    assert untranslated == []
    assert all(problem_wording.engine_problem(m) == m for m in samples)  # English: as is


MESSAGE_CALLS = {"Diagnostic", "FrameworkError", "ImportFailure", "SheetError"}
MESSAGE_METHODS = {"add", "error", "append"}  # errors.add, ctx.error, problems/notes.append
RECEIVERS = {"errors", "ctx", "problems", "notes", "messages"}  # not a document being built


def _literal(node: ast.AST) -> bool:
    """Text written in the code (a string, an f-string, a sum or list of them) with words."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(re.search("[A-Za-z]{2}", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_literal(v) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _literal(node.left) or _literal(node.right)
    if isinstance(node, ast.List | ast.ListComp):
        items = node.elts if isinstance(node, ast.List) else [node.elt]
        return any(_literal(v) for v in items)
    return False


def test_parser_messages_go_through_the_catalogs() -> None:
    """No problem of formats/ is written as a literal or f-string: each goes through gettext."""
    offenders = []
    for path in sorted((SRC / "formats").glob("*.py")):
        if path.name in ("oscal_results.py", "signed_bundle.py", "framework_dump.py"):
            continue  # documents and the CLI's offline check, not messages to people
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else ""
            method = ""
            if isinstance(func, ast.Attribute):
                receiver = func.value
                held = getattr(receiver, "attr", getattr(receiver, "id", ""))
                method = func.attr if held in RECEIVERS else ""
            if name in MESSAGE_CALLS:
                args = node.args[3:] if name == "Diagnostic" else node.args
            elif method in MESSAGE_METHODS:
                args = node.args[-1:]
            else:
                continue
            if any(_literal(a) for a in args):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


# --------------------------------------------------------------------------- sheets


def test_a_sheet_that_is_not_one_is_refused_in_korean() -> None:
    data = b"code,level\nX,High\n"
    with pytest.raises(sheets.SheetError) as english:
        sheets.read(data, "s.csv")
    assert english.value.problems == [
        "row 1, column A: not an accord rating sheet (accord/rating-sheet@1)"
    ]
    with i18n.use_locale("ko"):
        with pytest.raises(sheets.SheetError) as korean:
            sheets.read(data, "s.csv")
        with pytest.raises(sheets.SheetError) as not_zip:
            sheets.read(b"PK\x03\x04garbage", "s.xlsx")
    assert korean.value.problems == ["1행 A열: accord 평정 시트(accord/rating-sheet@1)가 아닙니다"]
    assert not_zip.value.problems == ["s.xlsx: XLSX 통합문서가 아닙니다(zip 파일이 아님)"]


# --------------------------------------------------------------------------- the report

STATEMENT_EN = "The two sides assessed that meaningful progress had been made in the 2025"
METHOD_EN = "Each standard moves between the levels of its scale from one evaluation"


def test_the_korean_report_has_a_korean_statement_and_forecast_method(
    client: TestClient, opcon: Plan
) -> None:
    english = client.get(REPORT, params={"format": "md", "lang": "en"}).text
    assert STATEMENT_EN in english and METHOD_EN in english
    assert "[^8]: 14 of the 16 required standards are met" in english
    md = client.get(REPORT, params={"format": "md", "lang": "ko"}).text
    html = client.get(REPORT, params={"format": "html", "lang": "ko"}).text
    for text in (md, html):
        assert (
            "양측은 2025 annual joint evaluation에서 유의미한 진전이 있었다고 평가하였습니다"
            in text
        )
        assert "필수 기준 16개 중 14개 충족" in text
        assert "각 기준은 연속된 평가 사이에서 관측된 수준 이동으로 추정한 전이행렬에 따라" in text
        for sentence in (
            STATEMENT_EN,
            "they noted that the plan's overall score rose",
            "required standards are met",
            METHOD_EN,
            "observed moves",
            "forecasts of the next evaluation scored",
        ):
            assert sentence not in text, sentence
    assert "[^8]: 필수 기준 16개 중 14개 충족 — `/summary/stages/1/met` = 14" in md
    assert "목표일(2030. 12. 31.)까지 계획 전체가 충족될 확률: **2%**" in md
    # the document itself, and the statement API, stay English
    doc = client.get(REPORT, params={"format": "json", "lang": "ko"}).json()
    assert doc["statement"]["text"].split(". ", 1)[1].startswith(STATEMENT_EN)
