"""The annual evaluation report (PDF, HTML, Markdown, JSON, page) and the statement for the SCM."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from accord.cli import app as cli_app
from accord.db import transaction
from accord.models import Plan
from accord.reports.assemble import SECTIONS, build_report
from accord.reports.statement import resolve
from accord.services import Conflict, NotFound, accounts, examples, plans
from accord.services.actors import SYSTEM

PLAN = "opcon-cotp"
API = f"/api/v1/plans/{PLAN}/evaluations"
NOTICE = "ILLUSTRATIVE — NOT AN ACTUAL ASSESSMENT"
MARKING = "EXAMPLE MARKING // REL TO KOR, USA"


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def summary(client: TestClient) -> dict[str, Any]:
    r = client.get(f"/api/v1/plans/{PLAN}/summary", params={"evaluation": "2025"})
    assert r.status_code == 200
    return dict(r.json())


@pytest.fixture
def report_json(client: TestClient) -> dict[str, Any]:
    r = client.get(f"{API}/2025/report", params={"format": "json"})
    assert r.status_code == 200, r.text
    return dict(r.json())


# --- the files agree with the API summary -------------------------------------------------


def test_pdf_holds_every_section_and_the_summary_figures(
    client: TestClient, summary: dict[str, Any], report_json: dict[str, Any]
) -> None:
    r = client.get(f"{API}/2025/report", params={"format": "pdf", "marking": MARKING})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == 'attachment; filename="opcon-cotp-2025-report.pdf"'
    assert r.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(r.content))
    pages = [page.extract_text() for page in reader.pages]
    text = _flat(" ".join(pages))
    for _id, title in SECTIONS:
        assert title in text, title
    assert "Contents" in text and "Statement for the SCM" in text
    # the running header and footer on every page
    for n, page in enumerate(pages, start=1):
        flat = _flat(page)
        assert MARKING in flat and NOTICE in flat, f"page {n}"
        assert f"page {n} of {len(pages)}" in flat
    # the figures are the API summary's
    assert summary["progress"]["statement"] in text
    assert f"{summary['plan_score']['score']:.2f}" in text
    counts = summary["plan_score"]["counts"]
    assert f"{counts['met']}/{counts['applicable']}" in text
    for c in summary["conditions"]:
        assert f"{c['counts']['met']}/{c['counts']['applicable']}" in text
    for st in summary["stages"]:
        assert f"{st['met']}/{st['required'] - st['not_applicable']} required standards met" in text
    for claim in report_json["statement"]["claims"]:
        assert _flat(claim["text"]) in text, claim["text"]
    # Korean titles come through the CJK font, and the charts are drawn (their own labels)
    assert "조건에 기초한 전시작전통제권 전환계획" in text
    for label in ("Condition scores by evaluation", "Field scores by evaluation"):
        assert label in text
    assert "share of required standards met" in text
    xobjects = 0
    for pdf_page in reader.pages:
        resources = pdf_page.get("/Resources")
        found = resources.get_object().get("/XObject") if resources is not None else None
        xobjects += len(found.get_object()) if found is not None else 0
    assert xobjects >= 4  # the chart images, drawn as form XObjects


def test_html_file_is_self_contained_with_svg_charts(
    client: TestClient, summary: dict[str, Any]
) -> None:
    r = client.get(f"{API}/2025/report", params={"format": "html", "marking": MARKING})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert "attachment" in r.headers["content-disposition"]
    html = r.text
    assert "<script" not in html and "<link" not in html and "<style>" in html
    charts = re.findall(r'<img class="chart-img" src="data:image/svg\+xml;base64,', html)
    assert len(charts) >= 3
    assert html.count(f'<p class="banner notice screen-only">{NOTICE}</p>') == 2
    assert MARKING in html
    for sec_id, _title in SECTIONS:
        assert f'id="{sec_id}"' in html
    assert summary["progress"]["statement"] in html
    assert 'href="#progress-basis"' in html and 'id="progress-basis"' in html


def test_the_marking_is_one_line_and_cannot_break_out(client: TestClient) -> None:
    marking = 'A "quoted"\nline </style><script>x()</script> \\A'
    r = client.get(f"{API}/2025/report", params={"format": "html", "marking": marking})
    html = r.text
    assert html.count("</style>") == 1 and "<script>" not in html
    assert 'content: "A \\"quoted\\" line \\3c /style>' in html
    assert "A &#34;quoted&#34; line &lt;/style&gt;&lt;script&gt;" in html
    doc = client.get(f"{API}/2025/report", params={"marking": marking}).json()
    assert doc["marking"] == 'A "quoted" line </style><script>x()</script> \\A'


def test_markdown_and_json_agree_with_the_api_summary(
    client: TestClient, summary: dict[str, Any], report_json: dict[str, Any]
) -> None:
    assert report_json["summary"] == summary
    assert report_json["illustrative"] is True and report_json["notice"] == NOTICE
    for claim in report_json["statement"]["claims"]:
        assert resolve(report_json, claim["source"]) == claim["value"]
    r = client.get(f"{API}/2025/report", params={"format": "md"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/markdown; charset=utf-8"
    md = r.text
    assert md.startswith(f"**{NOTICE}**")
    for _id, title in SECTIONS:
        assert f"\n## {title}\n" in md
    assert f"**{summary['progress']['statement']}**" in md
    ps = summary["plan_score"]
    assert (
        f"| **plan** | whole plan | {ps['score']:.2f} | "
        f"{ps['counts']['met']}/{ps['counts']['applicable']} |" in md
    )
    for c in summary["conditions"]:
        for f in c["fields"]:
            assert f"| {f['code']} | {f['title']} | {f['score']:.2f} |" in md
    for st in summary["stages"]:
        assert f"| {st['met']}/{st['required'] - st['not_applicable']} |" in md
    assert "[^1]: " in md and "[^1]" in md.split("### Statement for the SCM")[1]


def test_json_statement_and_sections(report_json: dict[str, Any], client: TestClient) -> None:
    st = client.get(f"{API}/2025/statement").json()
    assert st["claims"] == report_json["statement"]["claims"]
    assert st["text"].startswith(NOTICE)
    assert "The two sides assessed that meaningful progress had been made" in st["text"]
    assert "Full Operational Capability (FOC)" in st["text"]
    # every claim is marked in the text and points at a report section
    for c in st["claims"]:
        assert f"[{c['id']}]" in st["marked"]
        assert c["anchor"].startswith("#")
    assert [s["id"] for s in report_json["sections"]] == [s for s, _ in SECTIONS]
    d = report_json["divergences"]
    assert d["imported"] is True and d["count"] == 4
    assert {i["resolution"] for i in d["items"]} == {"imported"}
    appendix = [s for c in report_json["appendix"] for f in c["fields"] for s in f["standards"]]
    assert len(appendix) == report_json["summary"]["ratings"]["standards"]
    assert all(set(s["parties"]) == {"ROK", "US"} and s["joint"] for s in appendix)
    assert (
        sum(s["status"] == "met" for s in appendix)
        == report_json["summary"]["plan_score"]["counts"]["met"]
    )


# --- the page -----------------------------------------------------------------------------


def test_report_page_has_sections_charts_and_downloads(client: TestClient) -> None:
    r = client.get(f"/plans/{PLAN}/evaluations/2025/report")
    assert r.status_code == 200
    html = r.text
    assert NOTICE in html
    for sec_id, title in SECTIONS:
        assert f'id="{sec_id}"' in html and title in html
    specs = re.findall(
        r'<script type="application/json" class="chart-spec" data-target="([^"]+)">(.*?)</script>',
        html,
        re.S,
    )
    assert len(specs) >= 3
    for target, spec in specs:
        assert f'id="{target}"' in html and json.loads(spec)["$schema"]
    # no inline script: every script is a file or a JSON data block
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "/static/report.js" in html
    assert f'action="/api/v1/plans/{PLAN}/evaluations/2025/report"' in html
    for fmt in ("pdf", "html", "md", "json"):
        assert f'name="format" value="{fmt}"' in html
    assert re.search(r'<a href="[^"]*/2025/report" aria-current="page">Report</a>', html)


def test_report_links_from_the_round_and_the_dashboard(client: TestClient) -> None:
    sign_off = client.get(f"/plans/{PLAN}/evaluations/2025/sign-off").text
    assert f'href="/plans/{PLAN}/evaluations/2025/report"' in sign_off
    dashboard = client.get(f"/plans/{PLAN}", params={"evaluation": "2025"}).text
    assert f'href="/plans/{PLAN}/evaluations/2025/report"' in dashboard
    open_one = client.get(f"/plans/{PLAN}", params={"evaluation": "2026"}).text
    assert "/evaluations/2026/report" not in open_one


# --- refusals -----------------------------------------------------------------------------


def test_not_concluded_is_409_and_unknown_is_404(client: TestClient) -> None:
    for url in (f"{API}/2026/report", f"{API}/2026/statement"):
        r = client.get(url)
        assert r.status_code == 409 and "not concluded" in r.json()["detail"]
    page = client.get(f"/plans/{PLAN}/evaluations/2026/report")
    assert page.status_code == 409 and "not concluded" in page.text
    assert client.get(f"{API}/1999/report").status_code == 404
    assert client.get("/api/v1/plans/nope/evaluations/2025/report").status_code == 404
    assert client.get(f"{API}/2025/report", params={"format": "docx"}).status_code == 422


def test_outsider_and_anonymous_are_refused(
    app: FastAPI, factory: sessionmaker[Session], people: dict[str, str], anon: TestClient
) -> None:
    with transaction(factory) as s:
        user = accounts.create_user(
            session=s, actor=SYSTEM, username="outsider", password="long-enough-pw"
        )
        token, _ = accounts.create_token(session=s, actor=SYSTEM, user=user, name="t")
    outsider = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    for url in (f"{API}/2025/report", f"{API}/2025/statement"):
        assert outsider.get(url).status_code == 404
        assert anon.get(url).status_code == 401
    assert outsider.get(f"/plans/{PLAN}/evaluations/2025/report").status_code == 404


def _round_2026(as_user: Callable[[str], TestClient]) -> None:
    """Rate, submit, reconcile one divergence, conclude and sign (ROK) evaluation 2026."""
    from accord.formats import framework_yaml

    fw = framework_yaml.load(examples.example_text("opcon", "framework.yaml"))
    url = f"{API}/2026"
    for user, bump in (("rok-evaluator", "C1.1.1"), ("us-evaluator", None)):
        body = [
            {
                "standard": s.code,
                "level": fw.scale(s.scale).levels[3 if s.code == bump else 2].label,
            }
            for s in fw.standards()
        ]
        client = as_user(user)
        assert client.put(f"{url}/ratings", json={"ratings": body}).status_code == 200
        assert client.post(f"{url}/submission", json={}).status_code == 200
    r = as_user("rok-evaluator").post(
        f"{url}/reconciliation/C1.1.1/proposals",
        json={"level": "Substantial", "rationale": "FOC rehearsal met every objective"},
    )
    assert r.status_code == 200
    signer = as_user("us-signer")
    assert signer.post(f"{url}/reconciliation/C1.1.1/approval", json={}).status_code == 200
    assert signer.post(f"{url}/conclusion").json()["status"] == "concluded"
    r = as_user("rok-signer").post(f"{url}/signatures", json={"passphrase": "demo-rok-signer"})
    assert r.status_code == 201, r.text


def test_report_of_a_round_reconciled_in_accord(
    as_user: Callable[[str], TestClient], client: TestClient
) -> None:
    _round_2026(as_user)
    doc = client.get(f"{API}/2026/report").json()
    d = doc["divergences"]
    assert d["imported"] is False and d["rule"] == "consensus" and d["count"] == 1
    item = d["items"][0]
    assert item["standard"] == "C1.1.1" and item["resolution"] == "reconciled"
    assert [(s["kind"], s["party"], s["level"]) for s in item["steps"]] == [
        ("propose", "ROK", "Substantial"),
        ("approve", "US", "Substantial"),
    ]
    assert item["rationale"] == "FOC rehearsal met every objective"
    raised = doc["action_items"]["raised"]
    assert raised and {i["evaluation"] for i in raised} == {"2026"}
    assert {i["standard"] for i in raised} == {g["code"] for g in doc["summary"]["gaps"]}
    sigs = doc["title_page"]["signatures"]
    assert [s["party"] for s in sigs["signed"]] == ["ROK"] and sigs["pending"] == ["US"]
    assert doc["summary"]["previous_evaluation"]["code"] == "2025"
    html = client.get(f"{API}/2026/report", params={"format": "html"}).text
    assert "ROK proposed <strong>Substantial</strong>" in html
    assert "FOC rehearsal met every objective" in html
    assert "not yet signed by US" in html
    md = client.get(f"{API}/2026/report", params={"format": "md"}).text
    assert (
        "ROK proposed Substantial: FOC rehearsal met every objective; US approved Substantial" in md
    )


# --- the command line ---------------------------------------------------------------------


runner = CliRunner()


def _cli(database_url: str, tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    env = {
        "ACCORD_DATABASE_URL": database_url,
        "ACCORD_DATA_DIR": str(tmp_path / "ws"),
        "COLUMNS": "200",
    }
    result = runner.invoke(cli_app, list(args), env=env)
    assert "Traceback" not in result.output
    return result


def test_cli_writes_each_format(database_url: str, tmp_path: Path, opcon: Plan) -> None:
    files = {fmt: tmp_path / f"r2025.{fmt}" for fmt in ("html", "pdf", "md", "json")}
    for fmt, path in files.items():
        r = _cli(database_url, tmp_path, "report", "2025", "--format", fmt, "-o", str(path))
        assert r.exit_code == 0, r.output
        assert f"wrote {path}" in r.output
    assert files["pdf"].read_bytes().startswith(b"%PDF")
    assert files["html"].read_text("utf-8").startswith("<!doctype html>")
    doc = json.loads(files["json"].read_text("utf-8"))
    assert doc["format"] == "accord/report@1" and doc["marking"] is None
    md = files["md"].read_text("utf-8")
    figures = sorted(p.name for p in (tmp_path / "r2025-figures").iterdir())
    assert {"condition_scores.png", "field_heatmap.png", "stage_readiness.png"} <= set(figures)
    for name in figures:
        assert f"](r2025-figures/{name})" in md
        assert (tmp_path / "r2025-figures" / name).read_bytes().startswith(b"\x89PNG")
    # the format follows from the file's extension; the marking from the option
    path = tmp_path / "marked.json"
    r = _cli(database_url, tmp_path, "report", "2025", "-o", str(path), "--marking", MARKING)
    assert r.exit_code == 0 and json.loads(path.read_text("utf-8"))["marking"] == MARKING
    r = _cli(database_url, tmp_path, "report", "2025", "-o", str(tmp_path / "x.txt"))
    assert r.exit_code == 1 and "--format" in r.output
    r = _cli(database_url, tmp_path, "report", "2026", "-o", str(tmp_path / "x.pdf"))
    assert r.exit_code == 1 and "not concluded" in r.output


def test_cli_statement(database_url: str, tmp_path: Path, opcon: Plan) -> None:
    r = _cli(database_url, tmp_path, "statement", "2025")
    assert r.exit_code == 0, r.output
    assert "The two sides assessed that meaningful progress had been made" in r.output
    assert "[1] across 7 of 9 fields — /summary/progress/statement" in r.output
    r = _cli(database_url, tmp_path, "statement", "2025", "--json")
    doc = json.loads(r.output)
    assert doc["evaluation"] == "2025" and doc["claims"]


# --- the statement over varied histories --------------------------------------------------

TINY = """\
format: accord/framework@1
code: tiny
title: Tiny transition
version: "1"
target_date: 2030-12-31
parties:
  - {code: A, name: Alpha}
  - {code: B, name: Beta}
scales:
  - code: five
    levels:
      - {label: L0, value: 0.0}
      - {label: L1, value: 0.25}
      - {label: L2, value: 0.5}
      - {label: L3, value: 0.75}
      - {label: L4, value: 1.0}
default_scale: five
stages:
  - {code: S1, name: Stage one, target_date: 2027-12-31, requires: [X1.1.1, X1.2.1]}
  - {code: S2, name: Stage two, target_date: 2029-12-31,
     requires: [X1.1.1, X1.1.2, X1.2.1, X2.1.1]}
conditions:
  - code: X1
    title: First condition
    fields:
      - code: X1.1
        title: Field one
        standards:
          - {code: X1.1.1, title: Standard one, threshold: L3}
          - {code: X1.1.2, title: Standard two, threshold: L3}
      - code: X1.2
        title: Field two
        standards:
          - {code: X1.2.1, title: Standard three, threshold: L2}
  - code: X2
    title: Second condition
    fields:
      - code: X2.1
        title: Field three
        standards:
          - {code: X2.1.1, title: Standard four, threshold: L2}
"""
CODES = ("X1.1.1", "X1.1.2", "X1.2.1", "X2.1.1")


@pytest.fixture
def history(factory: sessionmaker[Session]) -> Callable[..., dict[str, Any]]:
    """history("L1 L1 L2 L2", "L2 L1 L2 L2", ...) -> the report of the last evaluation of a
    new plan whose joint ratings (both parties agreeing) are those, one year apart."""
    counter = iter(range(100))

    def make(*years: str) -> dict[str, Any]:
        code = f"tiny{next(counter)}"
        evaluations = [
            {
                "code": str(2020 + i),
                "label": f"{2020 + i} joint evaluation",
                "held_on": f"{2020 + i}-10-01",
                "ratings": {c: [lv, lv, lv] for c, lv in zip(CODES, levels.split(), strict=True)},
            }
            for i, levels in enumerate(years)
        ]
        with transaction(factory) as s:
            plan = plans.create_plan(session=s, text=TINY, source="tiny.yaml", code=code)
            examples.load_history(
                session=s,
                plan=plan,
                data={"parties": ["A", "B"], "evaluations": evaluations},
                source="tiny-history.yaml",
            )
        with transaction(factory) as s:
            report = build_report(
                session=s, actor=SYSTEM, plan_code=code, code=evaluations[-1]["code"]
            )
        for claim in report["statement"]["claims"]:
            assert resolve(report, claim["source"]) == claim["value"]
        assert not report["illustrative"]
        return dict(report)

    return make


def test_statement_meaningful_progress(history) -> None:  # type: ignore[no-untyped-def]
    st = history("L1 L1 L1 L1", "L2 L2 L2 L2")["statement"]
    assert st["text"].startswith("The two sides assessed that meaningful progress had been made")
    assert "across 3 of 3 fields" in st["text"]
    assert "overall score rose from 0.25 to 0.50" in st["text"]
    assert "Stage one (S1) certification, targeted for 31 December 2027" in st["text"]
    assert "X1.1.1 remains below threshold" in st["text"]


def test_statement_no_progress(history) -> None:  # type: ignore[no-untyped-def]
    report = history("L2 L2 L2 L2", "L2 L2 L2 L2")
    st = report["statement"]["text"]
    assert "no meaningful progress had been made in the 2021 joint evaluation" in st
    assert "overall score held at 0.50" in st and "setbacks" not in st
    assert report["summary"]["progress"]["meaningful"] is False


def test_statement_regression(history) -> None:  # type: ignore[no-untyped-def]
    report = history("L3 L3 L3 L3", "L3 L1 L2 L1")
    st = report["statement"]
    assert "no meaningful progress had been made" in st["text"]
    assert "overall score fell from 0.75 to" in st["text"]
    assert "they noted setbacks in Field three (X2.1, score -0.50 to 0.25)" in st["text"]
    assert "Field one (X1.1, score -0.25 to 0.50)" in st["text"]
    setback = next(c for c in st["claims"] if c["text"].startswith("Field one"))
    assert setback["source"] == "/summary/conditions/0/fields/0/progress/delta"
    assert setback["value"] == -0.25 and setback["anchor"] == "#node-X1-1"


def test_statement_all_met(history) -> None:  # type: ignore[no-untyped-def]
    report = history("L2 L2 L2 L2", "L4 L4 L4 L4")
    st = report["statement"]["text"]
    assert "all 4 standards met their thresholds" in st
    assert "requirements of every verification stage had been met (S1 and S2)" in st
    assert report["highlights"][2]["label"] != "S1 requirements met"


def test_statement_of_a_single_evaluation(history) -> None:  # type: ignore[no-untyped-def]
    report = history("L1 L2 L3 L0")
    st = report["statement"]["text"]
    assert st.startswith("The two sides completed the first joint evaluation of the plan")
    assert "establishes the baseline" in st
    assert (
        "overall score stood at 0.28[1] and that 1 of 4 standards met its threshold"
        in (report["statement"]["marked"])
    )
    assert "1 of the 2 required standards is met" in st
    assert report["summary"]["progress"] is None and len(report["history"]) == 1


def test_statement_without_forecast_history(history) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("accord.services.forecasts")
    report = history("L1 L2 L3 L0")
    assert report["forecast"]["available"] and not report["forecast"]["enough_history"]
    assert "not yet long enough for a forecast" in report["statement"]["text"]


def test_statement_with_a_forecast(history) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("accord.services.forecasts")
    report = history("L0 L0 L1 L1", "L1 L1 L2 L1", "L2 L1 L2 L2", "L3 L2 L3 L2")
    fc = report["forecast"]
    assert fc["available"] and fc["enough_history"]
    claim = next(c for c in report["statement"]["claims"] if c["source"].startswith("/forecast"))
    assert claim["source"] == "/forecast/plan_forecast/probability_by_target"
    assert f"{claim['value'] * 100:.0f}% probability" in report["statement"]["text"]
    assert report["charts"]["forecast_fan"] is not None


def test_build_report_refuses_what_is_not_concluded(
    factory: sessionmaker[Session], opcon: Plan
) -> None:
    with transaction(factory) as s:
        with pytest.raises(Conflict, match="2026 is open, not concluded"):
            build_report(session=s, actor=SYSTEM, plan_code=PLAN, code="2026")
        with pytest.raises(NotFound):
            build_report(session=s, actor=SYSTEM, plan_code=PLAN, code="2018")
