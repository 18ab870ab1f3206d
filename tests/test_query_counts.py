"""The number of SQL statements of the big reads (summary, tree, rating list) and of rating
writes does not grow with the number of standards: no N+1 queries.

Two plans differ only in size (12 and 240 standards); each has an open evaluation that party
A rated in full, and an evaluation in reconciliation (both parties rated and submitted, so
joint ratings exist).  Every request is made against both and its statements are counted
with a SQLAlchemy event listener on the application's engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from accord.db import transaction
from accord.services import accounts, lifecycle, ratings
from accord.services.actors import SYSTEM, actor_for
from accord.services.plans import create_plan

SMALL, LARGE = 12, 240
LEVELS = ("None", "Partly", "Largely", "Fully")
PEOPLE = {"a-evaluator": ("A", "evaluator"), "b-evaluator": ("B", "evaluator")}


def synthetic(code: str, n: int) -> str:
    """A framework of `n` standards in 2 conditions of 3 fields each, parties A and B."""
    per_field = n // 6
    conditions, k = [], 0
    for c in range(2):
        fields = []
        for f in range(3):
            standards = []
            for _ in range(per_field):
                k += 1
                standards.append(
                    {"code": f"S{k}", "title": f"Standard {k}", "threshold": "Largely"}
                )
            fields.append({"code": f"F{c}.{f}", "title": f"Field {c}.{f}", "standards": standards})
        conditions.append({"code": f"C{c}", "title": f"Condition {c}", "fields": fields})
    doc = {
        "format": "accord/framework@1",
        "code": code,
        "title": f"Synthetic {n}",
        "version": "1",
        "parties": [{"code": "A", "name": "Party A"}, {"code": "B", "name": "Party B"}],
        "scales": [
            {
                "code": "impl",
                "name": "Implementation",
                "not_applicable": True,
                "levels": [
                    {"label": label, "value": i / (len(LEVELS) - 1)}
                    for i, label in enumerate(LEVELS)
                ],
            }
        ],
        "stages": [{"code": "IOC", "name": "Initial", "requires": ["S1", f"S{k}"]}],
        "conditions": conditions,
    }
    return yaml.safe_dump(doc, sort_keys=False)


def _rate(s: Session, plan: str, code: str, who: str, n: int, shift: int = 0) -> None:
    actor = actor_for(s, accounts.get_user(session=s, username=who))
    inputs = [
        ratings.RatingInput(f"S{k}", LEVELS[(k + shift * (k % 3 == 0)) % len(LEVELS)])
        for k in range(1, n + 1)
    ]
    ratings.save_ratings(session=s, actor=actor, plan_code=plan, code=code, ratings=inputs)


def _submit(s: Session, plan: str, code: str, who: str) -> None:
    actor = actor_for(s, accounts.get_user(session=s, username=who))
    ratings.submit(session=s, actor=actor, plan_code=plan, code=code)


@pytest.fixture
def world(factory: sessionmaker[Session]) -> dict[str, str]:
    """Plans `small` and `large`; evaluation `open` (A rated) and `joint` (in reconciliation);
    the API tokens of A's and B's evaluators."""
    tokens: dict[str, str] = {}
    with transaction(factory) as s:
        admin = accounts.create_user(
            session=s, actor=SYSTEM, username="root", password="query-count-pw-1", is_admin=True
        )
        users = {
            name: accounts.create_user(
                session=s, actor=SYSTEM, username=name, password="query-count-pw-1"
            )
            for name in PEOPLE
        }
        for name, user in users.items():
            tokens[name] = accounts.create_token(session=s, actor=SYSTEM, user=user, name="t")[0]
        root = actor_for(s, admin)
        for plan_code, n in (("small", SMALL), ("large", LARGE)):
            plan = create_plan(session=s, text=synthetic(plan_code, n), source="synthetic")
            for name, (party, role) in PEOPLE.items():
                accounts.grant_role(
                    session=s,
                    actor=SYSTEM,
                    user=users[name],
                    plan=plan,
                    role=role,
                    party_code=party,
                )
            for code in ("open", "joint", "single"):
                lifecycle.create_evaluation(
                    session=s,
                    actor=root,
                    plan_code=plan_code,
                    code=code,
                    label=code,
                    held_on=dt.date(2026, 6, 30),
                )
                lifecycle.open_evaluation(session=s, actor=root, plan_code=plan_code, code=code)
            _rate(s, plan_code, "open", "a-evaluator", n)
            _rate(s, plan_code, "joint", "a-evaluator", n)
            _rate(s, plan_code, "joint", "b-evaluator", n, shift=1)
            _submit(s, plan_code, "joint", "a-evaluator")
            _submit(s, plan_code, "joint", "b-evaluator")
    return tokens


@contextmanager
def counting(app: FastAPI) -> Iterator[list[str]]:
    """The SQL statements executed meanwhile on the application's engine."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = app.state.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


Request = Callable[[TestClient, str], Any]


def _count(app: FastAPI, client: TestClient, request: Request, plan: str) -> list[str]:
    request(client, plan)  # warm: caches filled, as in a running server
    with counting(app) as statements:
        response = request(client, plan)
    assert response.status_code == 200, response.text
    return statements


READS: dict[str, Request] = {
    "summary of an open evaluation": lambda c, p: c.get(
        f"/api/v1/plans/{p}/summary", params={"evaluation": "open"}
    ),
    "summary with joint ratings": lambda c, p: c.get(
        f"/api/v1/plans/{p}/summary", params={"evaluation": "joint"}
    ),
    "tree of an open evaluation": lambda c, p: c.get(f"/api/v1/plans/{p}/evaluations/open/tree"),
    "tree with joint ratings": lambda c, p: c.get(f"/api/v1/plans/{p}/evaluations/joint/tree"),
    "own rating list": lambda c, p: c.get(f"/api/v1/plans/{p}/evaluations/open/ratings/A"),
    "other party's list after submission": lambda c, p: c.get(
        f"/api/v1/plans/{p}/evaluations/joint/ratings/B"
    ),
    "evaluation status": lambda c, p: c.get(f"/api/v1/plans/{p}/evaluations/open/status"),
}


@pytest.mark.parametrize("name", list(READS))
def test_reads_do_not_grow_with_the_framework(
    app: FastAPI, world: dict[str, str], name: str
) -> None:
    client = TestClient(app, headers={"Authorization": f"Bearer {world['a-evaluator']}"})
    small = _count(app, client, READS[name], "small")
    large = _count(app, client, READS[name], "large")
    assert len(large) == len(small), (
        f"{name}: {len(small)} statements at {SMALL} standards, {len(large)} at {LARGE}:\n"
        + "\n".join(large)
    )
    assert len(small) <= 20, "\n".join(small)


def test_tree_has_every_standard_with_results(app: FastAPI, world: dict[str, str]) -> None:
    """The tree the counts are taken on really is the whole tree, with both parties' levels."""
    client = TestClient(app, headers={"Authorization": f"Bearer {world['a-evaluator']}"})
    tree = client.get("/api/v1/plans/large/evaluations/joint/tree").json()
    standards = [s for c in tree["conditions"] for f in c["fields"] for s in f["standards"]]
    assert len(standards) == LARGE
    assert tree["parties"] == ["A", "B"]
    assert all(s["ratings"]["A"] and s["ratings"]["B"] for s in standards)
    agreed = [s for s in standards if s["ratings"]["A"] == s["ratings"]["B"]]
    assert agreed and all(s["joint"] == s["ratings"]["A"] for s in agreed)
    # blind rating: during rating, A's evaluator sees only A's levels
    open_tree = client.get("/api/v1/plans/large/evaluations/open/tree").json()
    assert open_tree["parties"] == ["A"]


def test_rating_writes_do_not_grow_with_the_framework(app: FastAPI, world: dict[str, str]) -> None:
    """One rating costs the same at 12 and 240 standards; all of them in one request too."""
    client = TestClient(app, headers={"Authorization": f"Bearer {world['a-evaluator']}"})
    counts: dict[str, list[int]] = {"one new": [], "one change": [], "all changed": []}
    for plan, n in (("small", SMALL), ("large", LARGE)):
        url = f"/api/v1/plans/{plan}/evaluations/single/ratings"
        with counting(app) as statements:
            r = client.put(url, json={"ratings": [{"standard": "S1", "level": "Fully"}]})
        assert r.status_code == 200, r.text
        counts["one new"].append(len(statements))
        version = r.json()[0]["version"]
        with counting(app) as statements:
            r = client.put(
                url, json={"ratings": [{"standard": "S1", "level": "None", "version": version}]}
            )
        assert r.status_code == 200, r.text
        counts["one change"].append(len(statements))
        listed = client.get(f"/api/v1/plans/{plan}/evaluations/open/ratings/A").json()
        body = {
            "ratings": [
                {"standard": x["standard"], "level": "Partly", "version": x["version"]}
                for x in listed
            ]
        }
        with counting(app) as statements:
            r = client.put(f"/api/v1/plans/{plan}/evaluations/open/ratings", json=body)
        assert r.status_code == 200, r.text
        assert len(r.json()) == n
        counts["all changed"].append(len(statements))
    for what, (small, large) in counts.items():
        assert small == large, f"{what}: {small} statements at {SMALL}, {large} at {LARGE}"
