"""The OPCON public record bundled with the plan: every real item has a source, and real and
illustrative items are never labelled as each other, in the data file, the API and the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from accord.db import transaction
from accord.models import Plan
from accord.services import Invalid, governance
from accord.services.actors import SYSTEM

P = "/api/v1/plans/opcon-cotp"
RECORD = yaml.safe_load(governance.example_record_text("opcon") or "")


def _items(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{part}[{i}]", x) for part in ("meetings", "decisions", "stage_events")
            for i, x in enumerate(doc.get(part) or [])]  # fmt: skip


def test_every_public_record_item_in_the_file_has_complete_sources() -> None:
    named = RECORD["sources"]
    for name, src in named.items():
        for key in ("publisher", "title", "date"):
            assert str(src.get(key) or "").strip(), f"source {name}: no {key}"
    public = [(w, x) for w, x in _items(RECORD) if x["provenance"] == "public_record"]
    assert len(public) >= 25
    for where, item in public:
        assert item.get("sources"), f"{where}: a public-record item without a source"
        assert all(s in named for s in item["sources"]), where
    for where, item in _items(RECORD):
        assert item["provenance"] in ("public_record", "illustrative"), where
        if item["provenance"] == "illustrative":
            assert not item.get("sources"), f"{where}: an invented item cites a source"


def test_the_record_covers_the_milestones_the_issue_names() -> None:
    meetings = {(m["body"], m["number"]): str(m["date"]) for m in RECORD["meetings"]}
    assert meetings[("SCM", 46)] == "2014-10-23"
    assert meetings[("SCM", 50)] == "2018-10-31"
    assert meetings[("MCM", 50)] == "2025-11-03" and meetings[("SCM", 57)] == "2025-11-04"
    decisions = {str(d.get("date") or d.get("meeting")): d for d in RECORD["decisions"]}
    assert decisions["2007"]["new_date"] == "2012-04-17"
    assert decisions["2010"]["new_date"] == "2015-12-01"
    assert decisions["SCM-46"]["clears_date"] is True
    assert decisions["2025"]["new_date"] == "2030"
    certify = [d for d in RECORD["decisions"] if d["kind"] == "stage_certify"]
    assert any(d.get("meeting") == "SCM-57" and d["new_date"] == "2026" for d in certify)
    stages = {(e["stage"], e["kind"]): str(e["date"]) for e in RECORD["stage_events"]}
    assert stages == {
        ("IOC", "verified"): "2019-08",
        ("FOC", "rehearsed"): "2020",
        ("FOC", "assessed"): "2022-08",
    }


def test_the_loader_refuses_an_unsourced_public_record_and_a_sourced_invention(
    factory: sessionmaker[Session], opcon: Plan
) -> None:
    base = {"format": "accord/governance@1", "sources": {"s": RECORD["sources"]["scm57"]}}
    decision = {"date": "2030", "kind": "other", "text": "x"}
    meeting = {"body": "MCM", "number": 70, "date": "2030", "provenance": "public_record"}
    unsourced = {**base, "meetings": [meeting]}
    invented = {
        **base,
        "decisions": [{**decision, "provenance": "illustrative", "sources": ["s"]}],
    }
    missing = {
        **base,
        "decisions": [{**decision, "provenance": "public_record", "sources": ["nope"]}],
    }
    for doc, message in (
        (unsourced, r"meetings\[0\]: sources: a public-record item needs at least one source"),
        (invented, r"decisions\[0\]: sources: an illustrative item has no sources"),
        (missing, r"decisions\[0\]: sources: no source named 'nope'"),
    ):
        with transaction(factory) as s, pytest.raises(Invalid, match=message):
            governance.load_record(
                session=s, actor=SYSTEM, plan_code="opcon-cotp", data=doc, source="t.yaml"
            )


def _check_labels(rows: list[dict[str, Any]], where: str) -> None:
    for row in rows:
        prov = row["provenance"]
        assert row["public_record"] == (prov == "public_record"), (where, row)
        assert row["illustrative"] == (prov == "illustrative"), (where, row)
        if prov == "public_record":
            assert row["sources"] and all(s["publisher"] and s["title"] and s["date"]
                                          for s in row["sources"]), (where, row)  # fmt: skip
        else:
            assert not row["sources"], (where, row)


def test_the_api_labels_every_item_and_never_mixes_them(
    as_user: Callable[[str], TestClient],
) -> None:
    client = as_user("observer")
    timeline = client.get(P + "/timeline").json()
    _check_labels(timeline["events"], "timeline")
    _check_labels(client.get(P + "/meetings").json(), "meetings")
    _check_labels(client.get(P + "/decisions").json(), "decisions")
    _check_labels(client.get(P + "/stage-events").json(), "stage events")
    by_kind: dict[str, set[str]] = {}
    for e in timeline["events"]:
        by_kind.setdefault(e["kind"], set()).add(e["provenance"])
    assert by_kind["evaluation"] == {"illustrative"}  # the ratings are invented: never real
    assert "public_record" in by_kind["meeting"] and "public_record" in by_kind["decision"]
    public = client.get(P + "/timeline", params={"provenance": "public_record"}).json()
    assert public["count"] > 0 and {e["provenance"] for e in public["events"]} == {"public_record"}
    invented = client.get(P + "/timeline", params={"provenance": "illustrative"}).json()
    assert {e["provenance"] for e in invented["events"]} == {"illustrative"}
    assert public["count"] + invented["count"] == timeline["count"]


def test_the_timeline_page_badges_match_the_data(as_user: Callable[[str], TestClient]) -> None:
    client = as_user("observer")
    page = client.get("/plans/opcon-cotp/timeline")
    assert page.status_code == 200
    rows = page.text.split('<tr class="event-')[1:]
    events = client.get(P + "/timeline").json()["events"]
    assert len(rows) == len(events)
    for row, event in zip(rows, events, strict=True):
        assert f'data-provenance="{event["provenance"]}"' in row
        real = ">public record</span>" in row.split("</td>")[-2]
        invented = ">illustrative</span>" in row.split("</td>")[-2]
        assert real == event["public_record"] and invented == event["illustrative"], row
    assert 'class="vl-spec" data-target="timeline-chart"' in page.text
    filtered = client.get(
        "/plans/opcon-cotp/timeline", params={"kind": "stage_event", "stage": "FOC"}
    )
    assert filtered.text.count('<tr class="event-') == 2
    assert "FOC assessed" in filtered.text and "IOC verified" not in filtered.text
