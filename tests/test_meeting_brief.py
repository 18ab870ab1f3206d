"""A meeting's brief in the report formats (API, page and `accord meeting brief`), and the
governance commands of the CLI."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from typer.testing import CliRunner

from accord.cli import app as cli
from accord.models import Plan

P = "/api/v1/plans/opcon-cotp"
runner = CliRunner()


def test_the_brief_of_a_meeting_to_come(as_user: Callable[[str], TestClient]) -> None:
    client = as_user("observer")
    b = client.get(P + "/meetings/MCM-51/brief").json()
    assert b["format"] == "accord/meeting-brief@1"
    assert b["meeting"]["label"] == "51st MCM" and b["meeting"]["illustrative"]
    assert b["illustrative"] and b["notice"] == "ILLUSTRATIVE — NOT AN ACTUAL ASSESSMENT"
    assert [e["evaluation"]["code"] for e in b["evaluations"]] == ["2026"]
    assert b["evaluations"][0]["statement"] is None  # open: no report, no SCM paragraph yet
    assert [d["text"] for d in b["pending_decisions"]] == [
        "Recommend to the SCM that FOC of the F-CFC headquarters be certified."
    ]
    assert b["pending_decisions"][0]["illustrative"] and not b["decisions_taken"]
    dates = {s["what"]: s for s in b["dates_in_force"]["stages"]}
    assert dates["FOC"]["label"] == "2026" and dates["FOC"]["set_by"] == "57th SCM, 4 Nov 2025"
    md = client.get(P + "/meetings/MCM-51/brief", params={"format": "md"})
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert 'filename="opcon-cotp-MCM-51-brief.md"' in md.headers["content-disposition"]
    text = md.text
    assert text.startswith("# Meeting brief: 51st MCM")
    assert "## Decisions pending" in text and "1. Recommend to the SCM" in text
    assert "*illustrative*" in text and "ILLUSTRATIVE — NOT AN ACTUAL ASSESSMENT" in text
    assert "| FOC Full Operational Capability | 2026 | 57th SCM, 4 Nov 2025 |" in text
    html = client.get(P + "/meetings/MCM-51/brief", params={"format": "html"}).text
    assert "<h2>Decisions pending</h2>" in html and "<style>" in html and "<script" not in html
    assert client.get(P + "/meetings/MCM-51/brief", params={"format": "doc"}).status_code == 422


def test_the_brief_of_a_held_meeting_has_the_statement_and_the_chain(
    as_user: Callable[[str], TestClient],
) -> None:
    b = as_user("observer").get(P + "/meetings/SCM-57/brief").json()
    assert b["meeting"]["public_record"] and b["meeting"]["sources"]
    assert [m["label"] for m in b["earlier"]] == ["50th MCM"]  # the MCM reported to the SCM
    ev = b["evaluations"][0]
    assert ev["evaluation"]["code"] == "2025" and ev["illustrative"]
    assert ev["statement"].startswith("ILLUSTRATIVE — NOT AN ACTUAL ASSESSMENT. The two sides")
    assert not b["pending_decisions"]
    assert {d["kind"] for d in b["decisions_taken"]} == {"roadmap", "stage_certify"}
    # on the meeting's own day, its FOC decision is in force
    dates = {s["what"]: s for s in b["dates_in_force"]["stages"]}
    assert dates["FOC"]["label"] == "2026"


def test_the_brief_as_pdf(as_user: Callable[[str], TestClient]) -> None:
    r = as_user("observer").get(P + "/meetings/MCM-51/brief", params={"format": "pdf"})
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "51st MCM" in text and "Decisions pending" in text and "ILLUSTRATIVE" in text


def test_the_meeting_page_and_the_meetings_page(as_user: Callable[[str], TestClient]) -> None:
    client = as_user("observer")
    page = client.get("/plans/opcon-cotp/meetings/50th MCM")
    assert page.status_code == 200
    assert "<h1>50th MCM" in page.text and "public record" in page.text
    assert "/meetings/MCM-50/brief?format=pdf" in page.text
    listing = client.get("/plans/opcon-cotp/meetings")
    assert listing.status_code == 200 and "Dates in force today" in listing.text
    assert "57th SCM" in listing.text and "Agreed to transfer wartime operational" in listing.text
    dash = client.get("/plans/opcon-cotp", params={"evaluation": "2023"})
    assert 'href="/plans/opcon-cotp/meetings/MCM-48">48th MCM</a>' in dash.text
    assert 'href="/plans/opcon-cotp/meetings/SCM-55">55th SCM</a>' in dash.text


@pytest.fixture
def env(database_url: str, tmp_path: Path, opcon: Plan) -> dict[str, str]:
    return {
        "ACCORD_DATABASE_URL": database_url,
        "ACCORD_DATA_DIR": str(tmp_path / "ws"),
        "COLUMNS": "200",
    }


def run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, list(args), env=env)


def test_cli_meeting_brief_in_every_format(env: dict[str, str], tmp_path: Path) -> None:
    for fmt in ("md", "json", "html"):
        target = tmp_path / f"brief.{fmt}"
        r = run(env, "meeting", "brief", "51st MCM", "-o", str(target))
        assert r.exit_code == 0, r.output
        assert target.stat().st_size > 500
    assert json.loads((tmp_path / "brief.json").read_text())["meeting"]["code"] == "MCM-51"
    assert "Decisions pending" in (tmp_path / "brief.md").read_text()
    r = run(env, "meeting", "brief", "MCM-51", "-o", "-", "--format", "md")
    assert r.exit_code == 0 and "# Meeting brief: 51st MCM" in r.output
    bad = run(env, "meeting", "brief", "MCM-51", "-o", str(tmp_path / "x.doc"))
    assert bad.exit_code == 1 and "--format" in bad.output
    missing = run(env, "meeting", "brief", "99th MCM", "-o", "-", "-f", "md")
    assert missing.exit_code == 1 and "no meeting '99th MCM'" in missing.output


def test_cli_meetings_decisions_dates_and_timeline(env: dict[str, str]) -> None:
    listed = run(env, "meeting", "list", "--body", "MCM")
    assert listed.exit_code == 0 and "50th MCM" in listed.output and "57th SCM" not in listed.output
    shown = run(env, "meeting", "show", "SCM-57")
    assert "Pursue certification of Full Operational Capability" in shown.output
    assert "[public record]" in shown.output and "source: " in shown.output
    added = run(env, "meeting", "add", "SCM", "2026-11-05", "--number", "58", "--present", "2026")
    assert added.exit_code == 0 and "recorded 58th SCM (SCM-58)" in added.output
    r = run(env, "decision", "add", "FMC in 2029", "--kind", "target_date_moved", "--meeting",
            "SCM-58", "--stage", "FMC", "--new-date", "2029")  # fmt: skip
    assert r.exit_code == 0, r.output
    uid = r.output.split("decision ")[1].split()[0]
    assert run(env, "decision", "adopt", uid).exit_code == 0
    dates = json.loads(run(env, "dates", "--on", "2026-11-05", "--json").output)
    assert {s["what"]: s["label"] for s in dates["stages"]}["FMC"] == "2029"
    earlier = run(env, "dates", "--on", "2026-11-04")
    assert "31 Dec 2027" in earlier.output and "the framework" in earlier.output
    decided = json.loads(run(env, "decision", "list", "--status", "proposed", "--json").output)
    assert [d["meeting"] for d in decided] == ["MCM-51"]
    tl = run(env, "timeline", "--kind", "meeting", "--since", "2025", "--until", "2025")
    assert tl.exit_code == 0 and "50th MCM" in tl.output and "56th SCM" not in tl.output
    doc = json.loads(run(env, "timeline", "--provenance", "public_record", "--json").output)
    assert doc["count"] > 20 and all(e["public_record"] for e in doc["events"])
    bad = run(env, "timeline", "--kind", "vote")
    assert bad.exit_code == 1 and "kind" in bad.output
    upd = run(env, "meeting", "update", "SCM-58", "--status", "held", "--outcome", "done")
    assert upd.exit_code == 0 and "held" in upd.output
    assert run(env, "decision", "withdraw", uid).exit_code == 1  # adopted: final


def test_the_summary_json_says_where_the_evaluation_went(
    as_user: Callable[[str], TestClient],
) -> None:
    doc = as_user("observer").get(P + "/summary", params={"evaluation": "2025"}).json()
    assert [m["code"] for m in doc["presented_to"]] == ["MCM-50", "SCM-57"]
    assert doc["dates_in_force"]["on"] == "2025-10-17"
    assert doc["dates_in_force"]["plan"]["label"] == "2030"


def test_cli_meeting_import(env: dict[str, str], tmp_path: Path) -> None:
    record = tmp_path / "record.yaml"
    record.write_text(
        "format: accord/governance@1\n"
        "sources:\n"
        "  c: {publisher: Secretariat, title: Minutes of the 60th SCM, date: '2028-10-01'}\n"
        "meetings:\n"
        "  - {body: SCM, number: 60, date: '2028-10-01', status: held, provenance: public_record,\n"
        "     sources: [c]}\n"
        "decisions:\n"
        "  - {meeting: SCM-60, kind: target_date_moved, touches: plan_target, new_date: '2031',\n"
        "     status: adopted, provenance: public_record, sources: [c], text: Moved to 2031.}\n",
        "utf-8",
    )
    r = run(env, "meeting", "import", str(record))
    assert r.exit_code == 0, r.output
    assert "loaded 1 meetings, 1 decisions and 0 stage verifications" in r.output
    dates = json.loads(run(env, "dates", "--on", "2028-10-01", "--json").output)
    assert dates["plan"]["label"] == "2031" and dates["plan"]["set_by"] == "60th SCM, 1 Oct 2028"
    record.write_text("format: accord/governance@1\nmeetings: [{body: XX, date: '2028'}]\n")
    bad = run(env, "meeting", "import", str(record))
    assert bad.exit_code == 1 and "meetings[0]: body: 'XX' is not a body" in bad.output
