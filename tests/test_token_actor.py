"""A bearer token's actor is remembered per head of the audit chain: every change that decides
it (revocation, deactivation, roles, language) is audited, so each takes effect on the very
next request, in every worker."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from accord.models import Plan


def test_changes_to_the_account_take_effect_on_the_next_request(
    as_user: Callable[[str], TestClient], opcon: Plan
) -> None:
    admin, observer = as_user("admin"), as_user("observer")
    assert observer.get("/api/v1/me").json()["locale"] is None
    assert observer.get("/api/v1/me").status_code == 200  # remembered now
    # the account's own language
    assert observer.patch("/api/v1/me", json={"locale": "ko"}).status_code == 200
    assert observer.get("/api/v1/me").json()["locale"] == "ko"
    # a new role: the US's draft ratings of the open evaluation are for its members only
    drafts = "/api/v1/plans/opcon-cotp/evaluations/2026/ratings/US"
    assert observer.get(drafts).status_code in (403, 404)
    role = {"plan": "opcon-cotp", "role": "evaluator", "party": "US"}
    assert admin.post("/api/v1/admin/users/observer/roles", json=role).status_code == 201
    assert observer.get(drafts).status_code == 200
    assert admin.post("/api/v1/admin/users/observer/roles/revoke", json=role).status_code == 200
    assert observer.get(drafts).status_code in (403, 404)
    # deactivated, then active again
    assert admin.patch("/api/v1/admin/users/observer", json={"active": False}).status_code == 200
    assert observer.get("/api/v1/me").status_code == 401
    assert admin.patch("/api/v1/admin/users/observer", json={"active": True}).status_code == 200
    assert observer.get("/api/v1/me").status_code == 200


def test_an_unchanged_database_resolves_a_token_with_one_read(
    as_user: Callable[[str], TestClient], opcon: Plan, engine: Engine
) -> None:
    observer = as_user("observer")
    observer.get("/api/v1/me")
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        statements.append(sql)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert observer.get("/api/v1/plans/opcon-cotp/summary").status_code == 200
        first = list(statements)
        statements.clear()
        assert observer.get("/api/v1/plans/opcon-cotp/summary").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    tokens = [s for s in statements if "api_token" in s]
    assert not tokens, statements  # the token was not looked up again
    assert len(statements) <= len(first)
