"""The joint evaluation round through the API: blind rating, submission, reconciliation,
conclusion and action items, with no lost update and an intact audit chain."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from accord.models import Plan
from accord.services import audit
from accord.services.examples import example_text

URL = "/api/v1/plans/opcon-cotp/evaluations/2026"


def _codes_and_levels() -> list[tuple[str, str]]:
    from accord.formats import framework_yaml

    fw = framework_yaml.load(example_text("opcon", "framework.yaml"))
    return [(s.code, fw.scale(s.scale).levels[2].label) for s in fw.standards()]


def _rate_all(client: TestClient, bump: set[str] = frozenset()) -> list[dict]:  # type: ignore[assignment]
    from accord.formats import framework_yaml

    fw = framework_yaml.load(example_text("opcon", "framework.yaml"))
    body = []
    for s in fw.standards():
        levels = fw.scale(s.scale).levels
        body.append(
            {
                "standard": s.code,
                "level": levels[3 if s.code in bump else 2].label,
                "rationale": f"evidence for {s.code}",
            }
        )
    r = client.put(f"{URL}/ratings", json={"ratings": body})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def rok(as_user: Callable[[str], TestClient]) -> TestClient:
    return as_user("rok-evaluator")


@pytest.fixture
def us(as_user: Callable[[str], TestClient]) -> TestClient:
    return as_user("us-evaluator")


def test_full_round(rok: TestClient, us: TestClient, as_user, factory, opcon: Plan) -> None:  # type: ignore[no-untyped-def]
    _rate_all(rok, bump={"C1.1.1", "C2.1.1"})
    _rate_all(us)
    # blind: neither party sees the other's draft, nor how far it got
    assert us.get(f"{URL}/ratings/ROK").status_code == 404
    assert rok.get(f"{URL}/ratings/US").status_code == 404
    assert as_user("observer").get(f"{URL}/ratings/ROK").status_code == 404
    assert as_user("admin").get(f"{URL}/ratings/US").status_code == 404
    status = us.get(f"{URL}/status").json()
    assert status["own_rated"] == {"US": 26} and "ROK" not in status["own_rated"]
    summary = us.get("/api/v1/plans/opcon-cotp/summary", params={"evaluation": "2026"}).json()
    assert summary["agreement"] == [] and summary["ratings"]["parties"] == {}
    assert len(rok.get(f"{URL}/ratings/ROK").json()) == 26

    assert rok.post(f"{URL}/submission", json={}).json()["parties"][0]["submitted"] is True
    r = rok.put(
        f"{URL}/ratings", json={"ratings": [{"standard": "C1.1.1", "level": "Full", "version": 1}]}
    )
    assert r.status_code == 409 and "final" in r.json()["detail"]
    assert us.get(f"{URL}/ratings/ROK").status_code == 404  # still blind until US submits
    assert us.post(f"{URL}/submission", json={}).json()["status"] == "reconciliation"
    assert len(us.get(f"{URL}/ratings/ROK").json()) == 26  # now all see all

    queue = rok.get(f"{URL}/reconciliation").json()
    assert queue["unresolved"] == 2 and [i["standard"] for i in queue["items"]] == [
        "C1.1.1",
        "C2.1.1",
    ]
    assert queue["items"][0]["levels"] == {"ROK": "Substantial", "US": "Partial"}
    assert rok.post(f"{URL}/conclusion").status_code == 403  # evaluators do not conclude
    signer = as_user("us-signer")
    r = signer.post(f"{URL}/conclusion")
    assert r.status_code == 409 and "2 divergence(s) unresolved" in r.json()["detail"]

    for std in ("C1.1.1", "C2.1.1"):
        r = rok.post(
            f"{URL}/reconciliation/{std}/proposals",
            json={"level": "Substantial", "rationale": "exercise results"},
        )
        assert r.status_code == 200 and r.json()["approved_by"] == ["ROK"]
    countered = us.post(
        f"{URL}/reconciliation/C2.1.1/proposals",
        json={"level": "Partial", "rationale": "tracking gaps in UFS"},
    ).json()
    assert countered["proposal"]["party"] == "US" and countered["approved_by"] == ["US"]
    assert signer.post(f"{URL}/reconciliation/C1.1.1/approval", json={}).json()["joint"] == (
        "Substantial"
    )
    assert (
        as_user("rok-signer").post(f"{URL}/reconciliation/C2.1.1/approval", json={}).json()["joint"]
        == "Partial"
    )
    assert as_user("observer").post(f"{URL}/conclusion").status_code == 403
    assert signer.post(f"{URL}/conclusion").json()["status"] == "concluded"

    items = rok.get("/api/v1/plans/opcon-cotp/action-items").json()
    assert items and all(i["evaluation"] == "2026" and i["owner"] == "ROK" for i in items)
    assert {i["standard"] for i in items} >= {"C1.1.2", "C2.1.1"}  # below threshold
    summary = rok.get("/api/v1/plans/opcon-cotp/summary").json()
    assert summary["evaluation"]["code"] == "2026" and summary["progress"]["statement"]
    with factory() as s:
        result = audit.verify(s)
        assert result.ok and result.records > 10


def test_stale_write_gets_409_with_the_current_state(rok: TestClient, people) -> None:  # type: ignore[no-untyped-def]
    first = rok.put(
        f"{URL}/ratings", json={"ratings": [{"standard": "C1.1.1", "level": "Partial"}]}
    ).json()
    assert first[0]["version"] == 1
    other_tab = rok.put(
        f"{URL}/ratings",
        json={"ratings": [{"standard": "C1.1.1", "level": "Substantial", "version": 1}]},
    )
    assert other_tab.json()[0]["version"] == 2
    stale = rok.put(
        f"{URL}/ratings", json={"ratings": [{"standard": "C1.1.1", "level": "Full", "version": 1}]}
    )
    assert stale.status_code == 409
    assert stale.json()["current"] == [{**other_tab.json()[0]}]
    unversioned = rok.put(
        f"{URL}/ratings", json={"ratings": [{"standard": "C1.1.1", "level": "Full"}]}
    )
    assert unversioned.status_code == 409  # an existing rating is never overwritten blindly
    assert rok.get(f"{URL}/ratings/ROK").json()[0]["level"] == "Substantial"


def test_bad_ratings_are_422_naming_the_field_and_nothing_is_written(
    rok: TestClient, people
) -> None:  # type: ignore[no-untyped-def]
    r = rok.put(
        f"{URL}/ratings",
        json={
            "ratings": [
                {"standard": "C1.1.1", "level": "Partial"},
                {"standard": "C9.9.9", "level": "Partial"},
                {"standard": "C3.1.1", "level": "Partial"},
            ]
        },
    )
    assert r.status_code == 422
    assert "ratings[1].standard: unknown standard 'C9.9.9'" in r.json()["detail"]
    assert "ratings[2].level: 'Partial' is not a level of C3.1.1's scale" in r.json()["detail"]
    assert rok.get(f"{URL}/ratings/ROK").json() == []


def test_who_may_rate(as_user, people) -> None:  # type: ignore[no-untyped-def]
    body = {"ratings": [{"standard": "C1.1.1", "level": "Partial"}]}
    for name in ("observer", "admin", "rok-signer"):
        assert as_user(name).put(f"{URL}/ratings", json=body).status_code == 403, name
    r = as_user("us-evaluator").put(f"{URL}/ratings", json={**body, "party": "ROK"})
    assert r.status_code == 403


def test_submission_needs_every_standard_and_can_be_reopened_by_all(
    rok,
    us,
    as_user,  # type: ignore[no-untyped-def]
    people,
) -> None:
    rok.put(f"{URL}/ratings", json={"ratings": [{"standard": "C1.1.1", "level": "Partial"}]})
    r = rok.post(f"{URL}/submission", json={})
    assert r.status_code == 422 and "25 standard(s) not rated yet" in r.json()["detail"]
    rows = rok.get(f"{URL}/ratings/ROK").json()
    body = [
        {"standard": c, "level": lv, **({"version": rows[0]["version"]} if c == "C1.1.1" else {})}
        for c, lv in _codes_and_levels()
    ]
    assert rok.put(f"{URL}/ratings", json={"ratings": body}).status_code == 200
    assert rok.post(f"{URL}/submission", json={}).status_code == 200
    assert (
        as_user("rok-signer").post(f"{URL}/reopen-votes", json={"target": "ROK"}).status_code == 200
    )
    still = rok.put(
        f"{URL}/ratings", json={"ratings": [{"standard": "C1.1.1", "level": "Full", "version": 1}]}
    )
    assert still.status_code == 409  # one party's wish is not enough
    status = as_user("us-signer").post(f"{URL}/reopen-votes", json={"target": "ROK"}).json()
    assert status["parties"][0] == {"party": "ROK", "submitted": False, "reopen_votes": []}
    current = rok.get(f"{URL}/ratings/ROK").json()[0]["version"]
    again = rok.put(
        f"{URL}/ratings",
        json={"ratings": [{"standard": "C1.1.1", "level": "Full", "version": current}]},
    )
    assert again.status_code == 200


def test_no_rating_outside_an_open_evaluation(rok: TestClient, people) -> None:  # type: ignore[no-untyped-def]
    r = rok.put(
        "/api/v1/plans/opcon-cotp/evaluations/2025/ratings",
        json={"ratings": [{"standard": "C1.1.1", "level": "Full"}]},
    )
    assert r.status_code == 409 and "concluded, not open" in r.json()["detail"]


def test_create_and_open_an_evaluation(as_user, people) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("admin")
    r = admin.post(
        "/api/v1/plans/opcon-cotp/evaluations",
        json={"code": "2027", "label": "2027 annual", "held_on": "2027-10-29"},
    )
    assert r.status_code == 201 and r.json()["status"] == "planned"
    assert (
        as_user("rok-signer")
        .post("/api/v1/plans/opcon-cotp/evaluations/2027/open", json={})
        .status_code
        == 403
    )
    opened = admin.post(
        "/api/v1/plans/opcon-cotp/evaluations/2027/open", json={"due_on": "2027-09-30"}
    ).json()
    assert opened["status"] == "open" and opened["due_on"] == "2027-09-30"
    again = admin.post(
        "/api/v1/plans/opcon-cotp/evaluations", json={"code": "2027", "held_on": "2027-10-29"}
    )
    assert again.status_code == 409


def test_a_passed_deadline_stops_rating(as_user, people) -> None:  # type: ignore[no-untyped-def]
    as_user("admin").put(f"{URL}/deadline", json={"due_on": "2026-01-31"})
    r = as_user("rok-evaluator").put(
        f"{URL}/ratings", json={"ratings": [{"standard": "C1.1.1", "level": "Partial"}]}
    )
    assert r.status_code == 409 and "deadline" in r.json()["detail"]


def test_a_failed_commit_is_an_error_never_a_silent_success(
    rok: TestClient,
    people,  # type: ignore[no-untyped-def]
    monkeypatch,
) -> None:
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import SessionTransaction

    def fail(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise IntegrityError("COMMIT", {}, Exception("simulated race"))

    monkeypatch.setattr(SessionTransaction, "commit", fail)
    r = rok.put(f"{URL}/ratings", json={"ratings": [{"standard": "C1.1.1", "level": "Partial"}]})
    assert r.status_code == 409 and "nothing of your request was saved" in r.json()["detail"]
    monkeypatch.undo()
    assert rok.get(f"{URL}/ratings/ROK").json() == []


def test_two_evaluators_of_one_party_cannot_overwrite_each_other(app, factory, people) -> None:  # type: ignore[no-untyped-def]
    from accord.db import transaction
    from accord.models import Plan as PlanRow
    from accord.services import accounts
    from accord.services.actors import SYSTEM

    with transaction(factory) as s:
        plan = s.query(PlanRow).filter_by(code="opcon-cotp").one()
        kim = accounts.create_user(session=s, actor=SYSTEM, username="kim", password="kim-password")
        accounts.grant_role(
            session=s, actor=SYSTEM, user=kim, plan=plan, role="evaluator", party_code="ROK"
        )
        kim_token, _ = accounts.create_token(session=s, actor=SYSTEM, user=kim, name="t")
    lee = TestClient(app, headers={"Authorization": f"Bearer {people['rok-evaluator']}"})
    kim_client = TestClient(app, headers={"Authorization": f"Bearer {kim_token}"})
    created = lee.put(
        f"{URL}/ratings",
        json={"ratings": [{"standard": "C2.2.1", "level": "Partial", "rationale": "lee"}]},
    ).json()[0]
    seen_by_kim = kim_client.get(f"{URL}/ratings/ROK").json()[0]
    assert seen_by_kim["version"] == created["version"] == 1
    lee_edit = lee.put(
        f"{URL}/ratings",
        json={
            "ratings": [
                {
                    "standard": "C2.2.1",
                    "level": "Substantial",
                    "rationale": "lee, after UFS",
                    "version": 1,
                }
            ]
        },
    )
    kim_edit = kim_client.put(
        f"{URL}/ratings",
        json={
            "ratings": [
                {"standard": "C2.2.1", "level": "Developing", "rationale": "kim", "version": 1}
            ]
        },
    )
    assert lee_edit.status_code == 200 and kim_edit.status_code == 409
    assert kim_edit.json()["current"][0]["rationale"] == "lee, after UFS"
    final = lee.get(f"{URL}/ratings/ROK").json()[0]
    assert (final["level"], final["version"]) == ("Substantial", 2)
