"""The audit trail viewer (/plans/{plan}/audit, /audit) and its JSON twin."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from accord.db import transaction
from accord.models import AuditRecord, Plan

PAGE = "/plans/opcon-cotp/audit"
API = "/api/v1/plans/opcon-cotp/audit"


def _rate(as_user: Callable[[str], TestClient]) -> None:
    r = as_user("rok-evaluator").put(
        "/api/v1/plans/opcon-cotp/evaluations/2026/ratings",
        json={"ratings": [{"standard": "C1.1.1", "level": "Full", "rationale": "secret reason"}]},
    )
    assert r.status_code == 200, r.text


def test_members_see_the_plans_records_and_the_verdict(
    as_user: Callable[[str], TestClient], people: dict[str, str]
) -> None:
    _rate(as_user)
    html = as_user("observer").get(PAGE).text
    assert "The chain is intact" in html and "rating.save" in html and "user.grant" in html
    doc = as_user("observer").get(API).json()
    assert doc["verification"]["ok"] and doc["verification"]["records"] >= 6
    assert all(r["hash_ok"] for r in doc["records"])
    seqs = [r["seq"] for r in doc["records"]]
    assert seqs == sorted(seqs, reverse=True)  # newest first


def test_a_partys_rating_details_stay_with_that_party(
    as_user: Callable[[str], TestClient], people: dict[str, str]
) -> None:
    """Blind rating: the US must not read ROK's draft level in the trail."""
    _rate(as_user)
    for who, shown in (("rok-signer", True), ("us-evaluator", False), ("observer", False)):
        doc = as_user(who).get(API, params={"action": "rating."}).json()
        (rec,) = doc["records"]
        assert rec["withheld"] is not shown, who
        assert rec["after"] == ({"C1.1.1": "Full"} if shown else None), who
        html = as_user(who).get(PAGE, params={"action": "rating."}).text
        assert ("<dt>C1.1.1</dt><dd>Full</dd>" in html) is shown, who
        assert ("details shown to ROK only" in html) is not shown, who


def test_filters_and_paging(as_user: Callable[[str], TestClient], people: dict[str, str]) -> None:
    api = as_user("admin")
    first = api.get(API, params={"limit": 2}).json()
    assert len(first["records"]) == 2 and first["next_before"] == first["records"][-1]["seq"]
    older = api.get(API, params={"limit": 2, "before": first["next_before"]}).json()
    assert older["records"][0]["seq"] < first["records"][-1]["seq"]
    only = api.get(API, params={"who": "nobody"}).json()
    assert only["records"] == []
    html = api.get(PAGE, params={"who": "nobody"}).text
    assert "No records match these filters" in html
    assert api.get(API, params={"limit": 0}).status_code == 422


def test_records_of_another_plan_are_not_shown(
    as_user: Callable[[str], TestClient], people: dict[str, str]
) -> None:
    api = as_user("admin")
    created = api.post("/api/v1/plans", json={"code": "other", "template": "bilateral"})
    assert created.status_code == 201
    ours = api.get(API, params={"limit": 500}).json()["records"]
    assert not any(r["target"] == "other" for r in ours)
    theirs = api.get("/api/v1/plans/other/audit").json()["records"]
    assert [r["action"] for r in theirs] == ["plan.create"]
    assert as_user("observer").get("/api/v1/plans/other/audit").status_code == 404


def test_the_whole_trail_is_for_administrators(
    as_user: Callable[[str], TestClient], people: dict[str, str]
) -> None:
    assert as_user("admin").get("/audit").status_code == 200
    assert "token.create" in as_user("admin").get("/audit").text
    for who in ("observer", "rok-signer"):
        assert as_user(who).get("/audit").status_code == 403
        assert as_user(who).get("/api/v1/audit").status_code == 403


def test_a_changed_record_is_shown_broken(
    as_user: Callable[[str], TestClient], factory: sessionmaker[Session], people: dict[str, str]
) -> None:
    _rate(as_user)
    with transaction(factory) as s:
        rec = s.scalar(select(AuditRecord).where(AuditRecord.action == "rating.save"))
        assert rec is not None
        s.execute(update(AuditRecord).where(AuditRecord.id == rec.id).values(actor="mallory"))
        seq = rec.seq
    doc = as_user("admin").get(API).json()
    assert doc["verification"]["ok"] is False and doc["verification"]["broken_at"] == seq
    assert next(r for r in doc["records"] if r["seq"] == seq)["hash_ok"] is False
    html = as_user("admin").get(PAGE).text
    assert f"The chain is broken at record {seq}" in html and "changed after it was written" in html


def test_an_empty_trail_says_so(
    as_user: Callable[[str], TestClient], factory: sessionmaker[Session], people: dict[str, str]
) -> None:
    html = as_user("admin").get(PAGE, params={"before": 1}).text
    assert "No records match these filters" in html
    with factory() as s:
        assert s.scalar(select(Plan).where(Plan.code == "opcon-cotp")) is not None


def test_records_of_rows_the_plan_owns_are_in_its_trail(
    as_user: Callable[[str], TestClient], people: dict[str, str]
) -> None:
    """A feed's record names the feed by its uid, not the plan: it still belongs here."""
    api = as_user("admin")
    r = api.post(
        "/api/v1/plans/opcon-cotp/feeds", json={"location": "https://feeds.example.org/a.xml"}
    )
    assert r.status_code == 201, r.text
    actions = [x["action"] for x in api.get(API, params={"action": "feeds."}).json()["records"]]
    assert actions == ["feeds.subscribe"]
    assert api.post("/api/v1/plans", json={"code": "other", "template": "bilateral"}).is_success
    assert api.get("/api/v1/plans/other/audit", params={"action": "feeds."}).json()["records"] == []
