"""Signing in: argon2 passwords, database sessions, cookie flags, CSRF, tokens, demo accounts."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from accord.models import ApiToken, User, WebSession
from accord.services.examples import demo_password


def _sign_in(client: TestClient, username: str, password: str, next_url: str = "/"):  # type: ignore[no-untyped-def]
    form = client.get("/sign-in")
    pre = re.search(r'name="pre_token" value="([^"]+)"', form.text)[1]
    return client.post(
        "/sign-in",
        data={"username": username, "password": password, "pre_token": pre, "next": next_url},
        follow_redirects=False,
    )


def test_sign_in_sets_a_safe_session_cookie_and_stores_only_hashes(
    anon: TestClient,
    people: dict[str, str],
    factory,  # type: ignore[no-untyped-def]
) -> None:
    r = _sign_in(anon, "rok-evaluator", demo_password("rok-evaluator"))
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("accord_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    with factory() as s:
        user = s.scalar(select(User).where(User.username == "rok-evaluator"))
        assert user.password_hash.startswith("$argon2id$")
        stored = s.scalars(select(WebSession.token_hash)).all()
        assert token not in stored and len(stored) == 1
        assert all(t.token_hash != people["observer"] for t in s.scalars(select(ApiToken)))
    page = anon.get("/", follow_redirects=True)
    assert page.status_code == 200 and "rok-evaluator" in page.text


def test_wrong_password_and_forged_form_are_refused(anon: TestClient, people) -> None:  # type: ignore[no-untyped-def]
    r = _sign_in(anon, "rok-evaluator", "wrong-password")
    assert r.status_code == 401 and "Wrong username or password" in r.text
    r = _sign_in(anon, "nobody", "whatever-it-is")
    assert r.status_code == 401
    anon.cookies.clear()
    r = anon.post(
        "/sign-in",
        data={"username": "admin", "password": demo_password("admin"), "pre_token": "forged"},
        follow_redirects=False,
    )
    assert r.status_code == 403 and "accord_session" not in r.headers.get("set-cookie", "")


def test_next_parameter_never_leaves_the_site(anon: TestClient, people) -> None:  # type: ignore[no-untyped-def]
    r = _sign_in(anon, "observer", demo_password("observer"), next_url="//evil.example/x")
    assert r.headers["location"] == "/"


def test_pages_carry_the_csrf_token(anon: TestClient, people) -> None:  # type: ignore[no-untyped-def]
    _sign_in(anon, "observer", demo_password("observer"))
    page = anon.get("/", follow_redirects=True)
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert csrf is not None, "pages carry the CSRF token for their forms and scripts"
    assert f'name="csrf_token" value="{csrf[1]}"' in page.text


def test_sign_out_ends_the_session(anon: TestClient, people, factory) -> None:  # type: ignore[no-untyped-def]
    _sign_in(anon, "observer", demo_password("observer"))
    assert anon.get("/", follow_redirects=False).status_code == 303  # to the dashboard
    anon.post("/sign-out")
    with factory() as s:
        assert s.scalars(select(WebSession)).all() == []
    r = anon.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")


def test_demo_accounts_are_listed_only_in_demo_mode(settings, people) -> None:  # type: ignore[no-untyped-def]
    from accord.web.app import create_app

    plain = TestClient(create_app(settings)).get("/sign-in")
    assert "Demo accounts" not in plain.text and "demo-observer" not in plain.text
    demo = TestClient(create_app(settings.model_copy(update={"demo": True}))).get("/sign-in")
    assert "Demo accounts" in demo.text and "demo-rok-signer" in demo.text
