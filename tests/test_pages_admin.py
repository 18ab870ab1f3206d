"""Administration pages and their JSON twin /api/v1/admin: accounts, roles, parties, tokens."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from accord.models import AuditRecord, Membership, User
from page_client import Browser, sign_in

PAGES = ("/admin/users", "/admin/users/observer", "/admin/parties", "/admin/tokens")


@pytest.fixture
def admin(app: FastAPI, people: dict[str, str]) -> Browser:
    return sign_in(app, "admin")


@pytest.mark.parametrize("who", ["rok-evaluator", "rok-signer", "observer"])
def test_only_administrators_get_in(as_user: Callable[[str], TestClient], who: str) -> None:
    client = as_user(who)
    for path in (*PAGES, "/admin"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 403 and "text/html" in r.headers["content-type"], path
    for path in ("/api/v1/admin/users", "/api/v1/admin/parties", "/api/v1/admin/tokens"):
        assert client.get(path).status_code == 403, path
    r = client.post("/api/v1/admin/users", json={"username": "x", "password": "long enough x"})
    assert r.status_code == 403


def test_every_admin_form_carries_the_csrf_token(admin: Browser) -> None:
    for path in PAGES:
        html = admin.get(path).text
        for form in re.findall(r'<form method="post"(.*?)</form>', html, re.S):
            assert admin.carries_session_token(form), (path, form[:200])


def test_accounts_list_and_empty_states(admin: Browser) -> None:
    html = admin.get("/admin/users").text
    for name in ("rok-evaluator", "us-signer", "observer"):
        assert f'href="/admin/users/{name}"' in html
    html = admin.get("/admin/users/observer").text
    assert "No API tokens" not in html  # the persona has a token (the fixture's)
    assert admin.get("/admin/users/nobody").status_code == 404
    assert "nobody yet" not in admin.get("/admin/parties").text  # every party has people


def test_create_an_account_give_and_withdraw_a_role(
    admin: Browser, factory: sessionmaker[Session]
) -> None:
    r = admin.post_form(
        "/admin/users",
        {
            "username": "kim",
            "display_name": "Kim <b>",
            "password": "a long passphrase",
            "repeat_password": "a long passphrase",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/admin/users/kim?done=created"
    page = admin.get("/admin/users/kim").text
    assert "Kim &lt;b&gt;" in page and "Kim <b>" not in page
    r = admin.post_form("/admin/users/kim/roles", {"target": "opcon-cotp|ROK", "role": "evaluator"})
    assert r.status_code == 303
    assert (
        admin.post_form(
            "/admin/users/kim/roles", {"target": "opcon-cotp|ROK", "role": "evaluator"}
        ).status_code
        == 409
    )  # already held
    r = admin.post_form("/admin/users/kim/roles", {"target": "opcon-cotp|", "role": "signer"})
    assert r.status_code == 422 and 'id="target-error"' in r.text  # a signer needs a party
    with factory() as s:
        user = s.scalar(select(User).where(User.username == "kim"))
        assert user is not None
        held = [(m.role, m.party.code if m.party else None) for m in user.memberships]
        assert held == [("evaluator", "ROK")]
    r = admin.post_form(
        "/admin/users/kim/roles/revoke",
        {"plan": "opcon-cotp", "party": "ROK", "role": "evaluator"},
    )
    assert r.status_code == 303
    with factory() as s:
        assert not list(s.scalars(select(Membership).join(User).where(User.username == "kim")))
        actions = [
            a for (a,) in s.execute(select(AuditRecord.action).where(AuditRecord.target == "kim"))
        ]
        assert actions == ["user.create", "user.grant", "user.revoke"]


def test_a_refused_account_shows_the_field_and_keeps_what_was_typed(
    admin: Browser, factory: sessionmaker[Session]
) -> None:
    r = admin.post_form(
        "/admin/users",
        {"username": "lee", "password": "short", "repeat_password": "short", "display_name": "L"},
    )
    assert r.status_code == 422 and 'id="password-error"' in r.text
    assert 'value="lee"' in r.text and "short" not in r.text.split("password-error")[0][-400:]
    r = admin.post_form(
        "/admin/users",
        {"username": "observer", "password": "long enough pw", "repeat_password": "long enough pw"},
    )
    assert r.status_code == 409 and 'id="username-error"' in r.text
    with factory() as s:
        assert s.scalar(select(User).where(User.username == "lee")) is None


def test_deactivating_an_account_stops_its_tokens(
    admin: Browser, as_user: Callable[[str], TestClient]
) -> None:
    assert as_user("observer").get("/api/v1/me").status_code == 200
    r = admin.post_form("/admin/users/observer", {"display_name": "Observer"})  # active unticked
    assert r.status_code == 303
    assert as_user("observer").get("/api/v1/me").status_code == 401
    admin.post_form("/admin/users/observer", {"display_name": "Observer", "active": "on"})
    assert as_user("observer").get("/api/v1/me").status_code == 200


def test_an_administrator_cannot_lock_themselves_out(admin: Browser) -> None:
    r = admin.post_form("/admin/users/admin", {"display_name": "Admin"})  # both unticked
    assert r.status_code == 409 and "another administrator" in r.text
    api = admin.patch(
        "/api/v1/admin/users/admin", json={"is_admin": False}, headers={"X-CSRF-Token": admin.csrf}
    )
    assert api.status_code == 409 and api.json()["current"]["is_admin"] is True


def test_token_for_someone_shown_once_then_revoked(admin: Browser, app: FastAPI) -> None:
    r = admin.post_form("/admin/users/us-evaluator/tokens", {"token_name": "import job"})
    assert r.status_code == 201 and r.headers["cache-control"] == "no-store"
    secret = re.search(r'<code class="token-secret">(acc_[^<]+)</code>', r.text)
    assert secret is not None
    as_them = TestClient(app, headers={"Authorization": f"Bearer {secret[1]}"})
    assert as_them.get("/api/v1/me").json()["username"] == "us-evaluator"
    listed = admin.get("/admin/tokens").text
    assert secret[1] not in listed and "import job" in listed
    uid = next(
        t["uid"] for t in admin.get("/api/v1/admin/tokens").json() if t["name"] == "import job"
    )
    r = admin.post_form(f"/admin/tokens/{uid}/revoke", {"back": "user"})
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/users/us-evaluator")
    assert as_them.get("/api/v1/me").status_code == 401
    assert admin.post_form("/admin/tokens/no-such-token/revoke", {}).status_code == 404


def test_the_json_twin(as_user: Callable[[str], TestClient]) -> None:
    api = as_user("admin")
    users = {u["username"]: u for u in api.get("/api/v1/admin/users").json()}
    assert users["rok-signer"]["roles"] == [
        {"plan": "opcon-cotp", "party": "ROK", "role": "signer"}
    ]
    assert users["admin"]["is_admin"] and users["rok-signer"]["live_tokens"] == 1
    r = api.post("/api/v1/admin/users", json={"username": "park", "password": "pw"})
    assert r.status_code == 422 and r.json()["detail"].startswith("password:")
    r = api.post("/api/v1/admin/users", json={"username": "park", "password": "a long passphrase"})
    assert r.status_code == 201
    r = api.post(
        "/api/v1/admin/users/park/roles",
        json={"plan": "opcon-cotp", "party": "US", "role": "signer"},
    )
    assert r.status_code == 201 and r.json()["roles"][0]["party"] == "US"
    r = api.post(
        "/api/v1/admin/users/park/roles", json={"plan": "no-plan", "party": "US", "role": "signer"}
    )
    assert r.status_code == 404
    r = api.post(
        "/api/v1/admin/users/park/roles/revoke",
        json={"plan": "opcon-cotp", "party": "ROK", "role": "signer"},
    )
    assert r.status_code == 404
    parties = api.get("/api/v1/admin/parties").json()
    assert [p["code"] for p in parties[0]["parties"]] == ["ROK", "US"]
    new = api.post("/api/v1/admin/users/park/tokens", json={"name": "x"}).json()
    assert new["token"].startswith("acc_")
    assert api.delete(f"/api/v1/admin/tokens/{new['uid']}").json()["revoked"] is True
