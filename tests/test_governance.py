"""The governance chain through the services and the API: meetings, decisions, dates in force
on the dashboard and in the forecast, access, and errors that name their field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from accord.db import transaction
from accord.models import AuditRecord, Plan
from accord.services import (
    Conflict,
    Invalid,
    accounts,
    audit,
    documents,
    evaluations,
    forecasts,
    meetings,
)
from accord.services.actors import SYSTEM

P = "/api/v1/plans/opcon-cotp"


def _summary(s: Session, plan: Plan, code: str) -> dict:  # type: ignore[type-arg]
    return documents.summary_document(
        evaluations.summarize_evaluation(session=s, plan=plan, code=code)
    )


def test_the_dashboard_uses_the_dates_in_force_on_the_evaluations_day(
    factory: sessionmaker[Session], opcon: Plan
) -> None:
    with factory() as s:
        plan = s.get(Plan, opcon.id)
        assert plan is not None
        y2021 = _summary(s, plan, "2021")  # 12 Nov 2021: FOC "in 2020" (51st SCM), no date
        assert y2021["plan"]["target_date"] is None  # conditions-based since the 46th SCM
        assert y2021["dates_in_force"]["plan"]["set_by"] == "46th SCM, 23 Oct 2014"
        foc = {st["code"]: st for st in y2021["stages"]}["FOC"]
        assert (foc["target_date"], foc["target_label"]) == ("2020-12-31", "2020")
        y2022 = _summary(s, plan, "2022")  # after the 53rd SCM (2 Dec 2021): FOC in 2022
        assert {st["code"]: st for st in y2022["stages"]}["FOC"]["target_label"] == "2022"
        y2025 = _summary(s, plan, "2025")  # 17 Oct 2025: before the 57th SCM (4 Nov 2025)
        assert y2025["plan"]["target_date"] == "2030-12-31"  # the 2025 goal
        assert {st["code"]: st for st in y2025["stages"]}["FOC"]["target_label"] == "2022"
        went = _summary(s, plan, "2023")["presented_to"]
        assert [(m["label"], m["date"]["label"]) for m in went] == [
            ("48th MCM", "12 Nov 2023"),
            ("55th SCM", "13 Nov 2023"),
        ]
        assert all(m["public_record"] and not m["illustrative"] for m in went)
        y2026 = _summary(s, plan, "2026")
        assert {st["code"]: st for st in y2026["stages"]}["FOC"]["target_label"] == "2026"
        fmc = {st["code"]: st for st in y2026["stages"]}["FMC"]  # no decision: the framework's
        assert fmc["target_date"] == "2027-12-31" and fmc["target_label"] is None


def test_the_forecast_uses_the_dates_in_force_on_the_day_it_describes(
    factory: sessionmaker[Session], opcon: Plan
) -> None:
    with factory() as s:
        then = forecasts.forecast_plan(
            session=s, actor=SYSTEM, plan_code="opcon-cotp", paths=200, as_of="2022"
        )
        assert then["target_date"] is None  # 30 Sep 2022: conditions-based, no date
        assert {x["code"]: x for x in then["stages"]}["FOC"]["target_date"] == "2022-12-31"
        now = forecasts.forecast_plan(session=s, actor=SYSTEM, plan_code="opcon-cotp", paths=200)
        assert now["target_date"] == "2030-12-31"
        assert {x["code"]: x for x in now["stages"]}["FOC"]["target_date"] == "2026-12-31"


def test_an_adopted_decision_moves_a_date_from_its_own_date_with_history(
    factory: sessionmaker[Session], opcon: Plan, as_user: Callable[[str], TestClient]
) -> None:
    admin = as_user("admin")
    r = admin.post(
        P + "/meetings",
        json={"body": "SCM", "number": 58, "date": "2026-10-20", "status": "held"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["label"] == "58th SCM" and r.json()["provenance"] == "recorded"
    r = admin.post(
        P + "/decisions",
        json={
            "kind": "target_date_moved",
            "text": "FMC to be verified in 2029.",
            "meeting": "58th SCM",
            "touches": "stage",
            "code": "FMC",
            "new_date": "2029",
        },
    )
    assert r.status_code == 201, r.text
    uid = r.json()["uid"]
    assert r.json()["status"] == "proposed" and r.json()["date"]["iso"] == "2026-10-20"

    def fmc(on: str) -> Any:
        doc = admin.get(P + "/dates", params={"on": on}).json()
        return {x["what"]: x for x in doc["stages"]}["FMC"]

    assert fmc("2026-10-20")["label"] == "31 Dec 2027"  # proposed: nothing moves yet
    assert admin.post(P + f"/decisions/{uid}/adopt", json={}).status_code == 200
    assert fmc("2026-10-19")["label"] == "31 Dec 2027"
    moved = fmc("2026-10-20")
    assert moved["label"] == "2029" and moved["decision"] == uid
    assert moved["set_by"] == "58th SCM, 20 Oct 2026"
    history = admin.get(P + "/dates").json()["history"]["FMC"]
    assert [h["label"] for h in history] == ["31 Dec 2027", "2029"]
    # the 2026 evaluation (30 Oct 2026) now judges FMC against 2029
    with factory() as s:
        plan = s.get(Plan, opcon.id)
        assert plan is not None
        fmc_2026 = {st["code"]: st for st in _summary(s, plan, "2026")["stages"]}["FMC"]
        assert fmc_2026["target_label"] == "2029"
        fmc_2025 = {st["code"]: st for st in _summary(s, plan, "2025")["stages"]}["FMC"]
        assert fmc_2025["target_date"] == "2027-12-31"
    # adopted is final; the record shows who did what
    again = admin.post(P + f"/decisions/{uid}/withdraw", json={})
    assert again.status_code == 409 and again.json()["current"]["status"] == "adopted"
    with factory() as s:
        actions = list(s.scalars(select(AuditRecord.action).order_by(AuditRecord.seq)))
        assert actions[-3:] == ["meeting.add", "decision.add", "decision.adopt"]
        assert audit.verify(s).ok


def test_errors_name_the_field(as_user: Callable[[str], TestClient]) -> None:
    admin = as_user("admin")
    cases = [
        ("/meetings", {"body": "NATO", "date": "2026-01-01"}, "body"),
        ("/meetings", {"body": "MCM", "date": "2026-02-30"}, "date"),
        ("/meetings", {"body": "MCM", "date": "2026", "number": 0}, "number"),
        ("/meetings", {"body": "MCM", "date": "2026", "status": "done"}, "status"),
        ("/meetings", {"body": "MCM", "number": 50, "date": "2025-11-03"}, "already"),
        ("/meetings", {"body": "MCM", "date": "2026", "provenance": "public_record"}, "sources"),
        ("/meetings", {"body": "MCM", "date": "2026", "presented": ["1999"]}, "presented"),
        (
            "/meetings",
            {
                "body": "MCM",
                "date": "2026",
                "provenance": "public_record",
                "sources": [
                    {"publisher": "p", "title": "t", "date": "2026", "url": "javascript:alert(1)"}
                ],
            },
            "sources[0].url",
        ),
        (
            "/meetings",
            {
                "body": "MCM",
                "date": "2026",
                "provenance": "public_record",
                "sources": [{"publisher": "p", "title": "", "date": "2026"}],
            },
            "sources[0].title",
        ),
        ("/meetings", {"date": "2026"}, "body"),
        ("/decisions", {"kind": "vote", "text": "x", "date": "2026"}, "kind"),
        ("/decisions", {"kind": "other", "text": " ", "date": "2026"}, "text"),
        ("/decisions", {"kind": "other", "text": "x"}, "date"),
        ("/decisions", {"kind": "other", "text": "x", "meeting": "9th XYZ"}, "meeting"),
        ("/decisions", {"kind": "target_date_set", "text": "x", "date": "2026"}, "touches"),
        (
            "/decisions",
            {"kind": "target_date_set", "text": "x", "date": "2026", "touches": "plan_target"},
            "new_date",
        ),
        (
            "/decisions",
            {"kind": "stage_verify", "text": "x", "date": "2026", "touches": "stage", "code": "Z"},
            "stage",
        ),
        ("/stage-events", {"stage": "IOC", "kind": "passed", "date": "2026"}, "kind"),
        ("/stage-events", {"stage": "ZOC", "kind": "verified", "date": "2026"}, "stage"),
        (
            "/stage-events",
            {"stage": "IOC", "kind": "verified", "date": "2026-05", "until": "2026-04"},
            "until",
        ),
    ]
    for path, body, field in cases:
        r = admin.post(P + path, json=body)
        assert 400 <= r.status_code < 500, (path, body, r.text)
        assert field in r.json()["detail"], (path, body, r.text)
    for params, field in (
        ({"kind": "vote"}, "kind"),
        ({"provenance": "rumour"}, "provenance"),
        ({"since": "last year"}, "since"),
        ({"since": "2025", "until": "2020"}, "until"),
        ({"stage": "ZOC"}, "stage"),
        ({"body": "NATO"}, "body"),
    ):
        r = admin.get(P + "/timeline", params=params)
        assert r.status_code == 422 and field in r.json()["detail"], (params, r.text)
    assert admin.get(P + "/dates", params={"on": "soon"}).status_code == 422
    assert admin.get(P + "/meetings/99th MCM").status_code == 404


def test_public_record_items_are_not_edited(as_user: Callable[[str], TestClient]) -> None:
    r = as_user("admin").patch(P + "/meetings/MCM-50", json={"outcome": "rewritten"})
    assert r.status_code == 409 and "public record" in r.json()["detail"]


def test_signers_record_evaluators_and_observers_may_not(
    as_user: Callable[[str], TestClient],
) -> None:
    body = {"kind": "other", "text": "noted", "meeting": "MCM-51"}
    assert as_user("rok-signer").post(P + "/decisions", json=body).status_code == 201
    for who in ("rok-evaluator", "observer"):
        assert as_user(who).post(P + "/decisions", json=body).status_code == 403
        assert as_user(who).get(P + "/decisions").status_code == 200


def test_an_outsider_is_refused_on_every_governance_endpoint(
    factory: sessionmaker[Session], app: object, people: dict[str, str]
) -> None:
    with transaction(factory) as s:
        user = accounts.create_user(
            session=s, actor=SYSTEM, username="outsider", password="outsider-pass-91"
        )
        token = accounts.create_token(session=s, actor=SYSTEM, user=user, name="t")[0]
    outsider = TestClient(app, headers={"Authorization": f"Bearer {token}"})  # type: ignore[arg-type]
    reads = [
        "/bodies", "/meetings", "/meetings/MCM-50", "/meetings/MCM-50/brief", "/decisions",
        "/stage-events", "/dates", "/timeline",
    ]  # fmt: skip
    for path in reads:
        assert outsider.get(P + path).status_code == 404, path
    for page in ("/timeline", "/meetings", "/meetings/MCM-50"):
        assert outsider.get("/plans/opcon-cotp" + page).status_code == 404, page
    writes = [
        ("post", "/meetings", {"body": "MCM", "date": "2026"}),
        ("patch", "/meetings/MCM-51", {"outcome": "x"}),
        ("post", "/decisions", {"kind": "other", "text": "x", "date": "2026"}),
        ("post", "/stage-events", {"stage": "FOC", "kind": "verified", "date": "2026"}),
    ]
    for method, path, body in writes:
        assert getattr(outsider, method)(P + path, json=body).status_code == 404, path
    anon = TestClient(app)  # type: ignore[arg-type]
    assert anon.get(P + "/timeline").status_code == 401


def test_services_refuse_bad_meetings_and_keep_the_meeting_order(
    factory: sessionmaker[Session], opcon: Plan
) -> None:
    with transaction(factory) as s:
        with pytest.raises(Invalid, match="body"):
            meetings.add_meeting(
                session=s, actor=SYSTEM, plan_code="opcon-cotp", body="X", date="2026"
            )
        with pytest.raises(Conflict):
            meetings.add_meeting(
                session=s, actor=SYSTEM, plan_code="opcon-cotp", body="SCM", number=57, date="2025"
            )
        rows = meetings.list_meetings(session=s, actor=SYSTEM, plan_code="opcon-cotp")
        same_day = [(m["date"]["start"], m["body_order"]) for m in rows]
        assert same_day == sorted(same_day)
        assert [m["label"] for m in rows if m["date"]["start"].startswith("2025")] == [
            "50th MCM",
            "57th SCM",
        ]
        assert (
            meetings.get_meeting(session=s, actor=SYSTEM, plan_code="opcon-cotp", meeting="mcm 50")[
                "code"
            ]
            == "MCM-50"
        )


def test_the_pages_forms_record_a_meeting_and_a_decision(
    as_user: Callable[[str], TestClient],
) -> None:
    signer = as_user("us-signer")
    signer.follow_redirects = False
    r = signer.post(
        "/plans/opcon-cotp/meetings",
        data={"body": "SCM", "number": "58", "date": "2026-11-05", "present": "2026"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/plans/opcon-cotp/meetings/SCM-58"
    page = signer.get(r.headers["location"])
    assert "Propose a decision" in page.text and "Record the meeting" in page.text
    r = signer.post(
        "/plans/opcon-cotp/meetings/SCM-58/decisions",
        data={"kind": "stage_certify", "text": "Certify FOC in 2027", "touches": "stage",
              "code": "FOC", "new_date": "2027"},
    )  # fmt: skip
    assert r.status_code == 303
    pending = signer.get(P + "/meetings/SCM-58").json()["decisions"]
    assert [d["status"] for d in pending] == ["proposed"]
    r = signer.post(
        f"/plans/opcon-cotp/decisions/{pending[0]['uid']}/status", data={"status": "adopted"}
    )
    assert r.status_code == 303
    foc = {s["what"]: s for s in signer.get(P + "/dates").json()["stages"]}["FOC"]
    assert foc["label"] == "2027" and foc["set_by"] == "58th SCM, 5 Nov 2026"
    bad = signer.post("/plans/opcon-cotp/meetings", data={"body": "SCM", "date": "soon"})
    assert bad.status_code == 422 and "date" in bad.text
    observer_page = as_user("observer").get("/plans/opcon-cotp/meetings/SCM-58")
    assert "Propose a decision" not in observer_page.text and "Adopt" not in observer_page.text


def test_the_report_exports_the_timeline(as_user: Callable[[str], TestClient]) -> None:
    client = as_user("observer")
    report = client.get(P + "/evaluations/2025/report").json()
    assert "timeline" in [s["id"] for s in report["sections"]]
    went = [m["label"] for m in report["timeline"]["presented_to"]]
    assert went == ["50th MCM", "57th SCM"]
    assert report["charts"]["timeline"]["layer"][1]["mark"]["type"] == "point"
    assert report["timeline"]["counts"]["public record"] > 20
    md = client.get(P + "/evaluations/2025/report", params={"format": "md"}).text
    section = md.split("## Governance timeline")[1].split("\n## ")[0]
    assert "**50th MCM** (3 Nov 2025, public record)" in section
    assert "| 2007 | decision | Agreed to transfer wartime operational control" in section
    assert "| illustrative |" in section and "| public record |" in section
    # the report's statement names FOC's target as in force on the evaluation's day
    assert "(FOC) certification, targeted for 2022," in report["statement"]["text"]


def test_signatures_join_the_timeline(
    factory: sessionmaker[Session], opcon: Plan, people: dict[str, str]
) -> None:
    from accord.services import signatures, timeline
    from accord.services.actors import actor_for
    from accord.services.examples import demo_password

    with transaction(factory) as s:
        plan = s.get(Plan, opcon.id)
        assert plan is not None
        for who in ("rok-signer", "us-signer"):
            signer = actor_for(s, accounts.get_user(session=s, username=who))
            signatures.sign_evaluation(
                session=s, actor=signer, plan=plan, code="2025", passphrase=demo_password(who)
            )
    with factory() as s:
        doc = timeline.timeline_document(
            session=s, actor=SYSTEM, plan_code="opcon-cotp", kinds=["signature"]
        )
    assert [e["title"] for e in doc["events"]] == [
        "ROK signed evaluation 2025",
        "US signed evaluation 2025",
    ]
    assert all(e["illustrative"] and e["evaluation"] == "2025" for e in doc["events"])


def test_a_report_without_a_target_date_in_force_says_so(
    as_user: Callable[[str], TestClient],
) -> None:
    report = as_user("observer").get(P + "/evaluations/2023/report").json()
    assert report["title_page"]["plan"]["target_date"] is None  # conditions-based in 2023
    text = report["statement"]["text"]
    assert "met by the end of the forecast horizon, 27 October 2033" in text
    assert "no date" not in text
