"""The JSON API: plans, evaluations, summary and history; errors are 4xx with a message."""

from __future__ import annotations

from fastapi.testclient import TestClient

from accord.db import transaction
from accord.models import Plan


def test_summary_is_the_dashboard_twin(client: TestClient, opcon: Plan) -> None:
    r = client.get(f"/api/v1/plans/{opcon.code}/summary")
    assert r.status_code == 200
    doc = r.json()
    assert doc["evaluation"]["code"] == "2025"  # latest with joint ratings, not the open 2026
    assert doc["notice"] == "ILLUSTRATIVE — NOT AN ACTUAL ASSESSMENT"
    assert doc["progress"]["statement"].startswith("Meaningful progress across 7 of 9 fields")
    assert set(doc["progress"]["qualifying"]) == {
        n["code"] for n in doc["progress"]["basis"] if n["meaningful"]
    }
    foc = next(s for s in doc["stages"] if s["code"] == "FOC")
    assert not foc["ready"] and [b["code"] for b in foc["blocking"]] == ["C1.1.2", "C1.1.3"]
    (pair,) = doc["agreement"]
    assert pair["parties"] == ["ROK", "US"] and pair["overall"]["compared"] == 26
    assert sum(len(c["fields"]) for c in doc["conditions"]) == 9
    assert doc["gaps"][0]["blocks"] == ["FOC", "FMC"]
    assert doc["plan_score"]["counts"]["total"] == 26


def test_summary_of_the_open_evaluation_is_unrated_not_zero(
    client: TestClient, opcon: Plan
) -> None:
    doc = client.get(f"/api/v1/plans/{opcon.code}/summary", params={"evaluation": "2026"}).json()
    assert doc["evaluation"]["status"] == "open"
    assert doc["plan_score"]["score"] is None
    assert doc["plan_score"]["counts"]["not_rated"] == 26
    assert len(doc["unrated"]) == 26
    assert doc["progress"]["comparable"] == 0
    assert all(
        not s["ready"] and all(b["reason"] == "not rated" for b in s["blocking"])
        for s in doc["stages"]
    )


def test_history_lists_condition_scores_by_year(client: TestClient, opcon: Plan) -> None:
    doc = client.get(f"/api/v1/plans/{opcon.code}/history").json()
    assert doc["illustrative"] is True
    assert [p["evaluation"] for p in doc["points"]] == [str(y) for y in range(2019, 2026)]
    assert all(set(p["conditions"]) == {"C1", "C2", "C3"} for p in doc["points"])
    c1 = [p["conditions"]["C1"] for p in doc["points"]]
    assert c1[-1] > c1[0]


def test_plans_and_evaluations(client: TestClient, opcon: Plan) -> None:
    plans = client.get("/api/v1/plans").json()
    assert [p["code"] for p in plans] == [opcon.code]
    assert [p["code"] for p in plans[0]["parties"]] == ["ROK", "US"]
    evs = client.get(f"/api/v1/plans/{opcon.code}/evaluations").json()
    assert [e["status"] for e in evs][-2:] == ["concluded", "open"]


def test_unknown_things_are_404_with_a_message(client: TestClient, opcon: Plan) -> None:
    r = client.get("/api/v1/plans/nope/summary")
    assert r.status_code == 404 and r.json() == {"detail": "no plan 'nope'"}
    r = client.get(f"/api/v1/plans/{opcon.code}/summary", params={"evaluation": "1999"})
    assert r.status_code == 404 and "no evaluation '1999'" in r.json()["detail"]
    assert client.get("/api/v1/nothing").status_code == 404


def test_plan_without_evaluations_is_404_not_500(as_user, factory) -> None:  # type: ignore[no-untyped-def]
    client = as_user("admin")
    from accord.db import transaction
    from accord.services import plans
    from accord.services.examples import example_text

    with transaction(factory) as s:
        plans.create_plan(
            session=s, text=example_text("opcon", "framework.yaml"), source="f.yaml", code="bare"
        )
    r = client.get("/api/v1/plans/bare/summary")
    assert r.status_code == 404 and "no evaluations yet" in r.json()["detail"]


def test_signed_out_callers_get_401_and_plans_of_others_are_invisible(
    anon: TestClient,
    as_user,
    opcon: Plan,
    factory,  # type: ignore[no-untyped-def]
) -> None:
    r = anon.get(f"/api/v1/plans/{opcon.code}/summary")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    bad = anon.get("/api/v1/plans", headers={"Authorization": "Bearer acc_nonsense"})
    assert bad.status_code == 401
    from accord.db import transaction
    from accord.services import plans
    from accord.services.examples import example_text

    with transaction(factory) as s:
        plans.create_plan(
            session=s, text=example_text("opcon", "framework.yaml"), source="f.yaml", code="private"
        )
    observer = as_user("observer")
    assert [p["code"] for p in observer.get("/api/v1/plans").json()] == [opcon.code]
    r = observer.get("/api/v1/plans/private/summary")
    assert r.status_code == 404 and r.json()["detail"] == "no plan 'private'"  # not 403
    assert {p["code"] for p in as_user("admin").get("/api/v1/plans").json()} == {
        opcon.code,
        "private",
    }


def test_openapi_document_and_security_headers(client: TestClient) -> None:
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert "/api/v1/plans/{plan}/summary" in r.json()["paths"]
    csp = r.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"


def test_progress_since_a_chosen_evaluation(client: TestClient, opcon: Plan) -> None:
    url = f"/api/v1/plans/{opcon.code}/summary"
    doc = client.get(url, params={"evaluation": "2025", "since": "2019"}).json()
    assert doc["previous_evaluation"]["code"] == "2019"
    default = client.get(url, params={"evaluation": "2025"}).json()
    before = {n["code"]: n["before"] for n in doc["progress"]["basis"]}
    assert before != {n["code"]: n["before"] for n in default["progress"]["basis"]}
    c1 = next(c for c in doc["conditions"] if c["code"] == "C1")
    assert c1["progress"]["before"] < c1["progress"]["after"]
    r = client.get(url, params={"evaluation": "2025", "since": "2026"})
    assert r.status_code == 422 and "no joint ratings" in r.json()["detail"]
    r = client.get(url, params={"since": "1980"})
    assert r.status_code == 404


def test_summary_is_remembered_per_revision_of_the_audit_chain(
    client: TestClient,
    opcon: Plan,
    factory,  # type: ignore[no-untyped-def]
) -> None:
    """The summary is computed once per state of the database, named by the head of the audit
    chain, and computed again as soon as an audited change is committed."""
    from sqlalchemy import select

    from accord.models import Evaluation, JointRating
    from accord.services import audit
    from accord.services.actors import SYSTEM

    url = f"/api/v1/plans/{opcon.code}/summary"
    before = client.get(url).json()
    with transaction(factory) as s:
        ev = s.scalar(select(Evaluation).where(Evaluation.code == "2025"))
        for r in s.scalars(select(JointRating).where(JointRating.evaluation_id == ev.id)).all()[:5]:
            s.delete(r)
    # not audited: the same state as far as the chain can tell, so the remembered answer
    assert client.get(url).json() == before
    with transaction(factory) as s:
        audit.record(s, SYSTEM, "test.touch", "plan", opcon.code)
    after = client.get(url).json()
    assert after["ratings"]["joint"] == before["ratings"]["joint"] - 5
    assert len(after["unrated"]) == len(before["unrated"]) + 5
