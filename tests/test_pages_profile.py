"""The profile page and its JSON twin /api/v1/me: name, language, password, own API tokens."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from accord.models import AuditRecord, User
from accord.services.examples import demo_password
from page_client import Browser, sign_in


@pytest.fixture
def browse(app: FastAPI, people: dict[str, str]) -> Callable[[str], Browser]:
    return lambda username: sign_in(app, username)


def test_every_form_on_the_profile_carries_the_sessions_csrf_token(
    browse: Callable[[str], Browser],
) -> None:
    me = browse("rok-evaluator")
    html = me.get("/profile").text
    forms = re.findall(r'<form method="post"(.*?)</form>', html, re.S)
    assert len(forms) >= 4  # name, password, new token, sign out
    for form in forms:
        assert me.carries_session_token(form), form[:200]


def test_a_profile_write_without_the_csrf_token_is_refused(
    browse: Callable[[str], Browser], factory: sessionmaker[Session]
) -> None:
    me = browse("rok-evaluator")
    r = me.post("/profile", data={"display_name": "Forged"}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    with factory() as s:
        user = s.scalar(select(User).where(User.username == "rok-evaluator"))
        assert user is not None and user.display_name == "ROK evaluator"


def test_name_and_language_are_saved_and_audited(
    browse: Callable[[str], Browser], factory: sessionmaker[Session]
) -> None:
    me = browse("us-evaluator")
    r = me.post_form("/profile", {"display_name": "Sam <Evaluator>", "locale": "ko"})
    assert r.status_code == 303 and r.headers["location"] == "/profile?saved=profile"
    page = me.get("/profile")
    assert "Sam &lt;Evaluator&gt;" in page.text and "<Evaluator>" not in page.text
    assert re.search(r'<option value="ko" lang="ko" selected>', page.text)
    with factory() as s:
        user = s.scalar(select(User).where(User.username == "us-evaluator"))
        assert user is not None and (user.display_name, user.locale) == ("Sam <Evaluator>", "ko")
        last = s.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc())).first()
        assert last is not None and last.action == "profile.update"
    # back to the browser's language
    me.post_form("/profile", {"display_name": "Sam", "locale": ""})
    with factory() as s:
        user = s.scalar(select(User).where(User.username == "us-evaluator"))
        assert user is not None and user.locale is None


def test_a_bad_language_or_empty_name_is_a_422_next_to_its_field(
    browse: Callable[[str], Browser], factory: sessionmaker[Session]
) -> None:
    me = browse("us-evaluator")
    r = me.post_form("/profile", {"display_name": "Sam", "locale": "fr"})
    assert r.status_code == 422
    assert 'id="locale-error"' in r.text and "one of ko, en" in r.text
    assert 'aria-describedby="locale-error"' in r.text
    r = me.post_form("/profile", {"display_name": "  ", "locale": "en"})
    assert r.status_code == 422 and 'id="display_name-error"' in r.text
    with factory() as s:  # nothing of either attempt was saved
        user = s.scalar(select(User).where(User.username == "us-evaluator"))
        assert user is not None and (user.display_name, user.locale) == ("US evaluator", None)


def test_password_change_checks_the_current_one_and_the_policy(
    app: FastAPI, browse: Callable[[str], Browser]
) -> None:
    me = browse("observer")
    other = sign_in(app, "observer")  # a second browser of the same person
    new = "correct horse battery staple"
    r = me.post_form(
        "/profile/password",
        {"current_password": "wrong", "new_password": new, "repeat_password": new},
    )
    assert r.status_code == 422 and 'id="current_password-error"' in r.text
    r = me.post_form(
        "/profile/password",
        {
            "current_password": demo_password("observer"),
            "new_password": "password",
            "repeat_password": "password",
        },
    )
    assert r.status_code == 422 and 'id="new_password-error"' in r.text
    assert "most common passwords" in r.text
    r = me.post_form(
        "/profile/password",
        {
            "current_password": demo_password("observer"),
            "new_password": new,
            "repeat_password": "x",
        },
    )
    assert r.status_code == 422 and 'id="repeat_password-error"' in r.text
    r = me.post_form(
        "/profile/password",
        {
            "current_password": demo_password("observer"),
            "new_password": new,
            "repeat_password": new,
        },
    )
    assert r.status_code == 303
    assert me.get("/profile").status_code == 200  # this browser stays signed in
    assert other.get("/profile", follow_redirects=False).status_code == 303  # the other not
    sign_in(app, "observer", new)  # the new password works


def test_a_wrong_current_password_counts_toward_the_lock_out(
    browse: Callable[[str], Browser], factory: sessionmaker[Session]
) -> None:
    from accord.models import SignInFailure

    me = browse("observer")
    me.post_form(
        "/profile/password",
        {"current_password": "nope", "new_password": "x" * 12, "repeat_password": "x" * 12},
    )
    with factory() as s:
        failures = s.scalars(select(SignInFailure).where(SignInFailure.username == "observer"))
        assert len(list(failures)) == 1


def test_own_token_shown_once_works_and_is_revoked(
    app: FastAPI, browse: Callable[[str], Browser]
) -> None:
    me = browse("rok-signer")
    r = me.post_form("/profile/tokens", {"token_name": "laptop"})
    assert r.status_code == 201 and r.headers["cache-control"] == "no-store"
    secret = re.search(r'<code class="token-secret">(acc_[^<]+)</code>', r.text)
    assert secret is not None
    assert secret[1] not in me.get("/profile").text  # shown once: never again
    api = TestClient(app, headers={"Authorization": f"Bearer {secret[1]}"})
    mine = api.get("/api/v1/me").json()
    assert mine["username"] == "rok-signer"
    uid = next(t["uid"] for t in mine["tokens"] if t["name"] == "laptop")
    r = me.post_form(f"/profile/tokens/{uid}/revoke", {})
    assert r.status_code == 303
    assert api.get("/api/v1/me").status_code == 401


def test_someone_elses_token_cannot_be_revoked(
    as_user: Callable[[str], TestClient], browse: Callable[[str], Browser]
) -> None:
    theirs = as_user("us-signer").get("/api/v1/me/tokens").json()[0]["uid"]
    me = browse("rok-signer")
    assert me.post_form(f"/profile/tokens/{theirs}/revoke", {}).status_code == 404
    assert as_user("rok-signer").delete(f"/api/v1/me/tokens/{theirs}").status_code == 404
    assert as_user("us-signer").get("/api/v1/me").status_code == 200  # still works


def test_the_json_twin(as_user: Callable[[str], TestClient]) -> None:
    api = as_user("rok-evaluator")
    me = api.get("/api/v1/me").json()
    assert me["roles"] == [
        {
            "plan": "opcon-cotp",
            "plan_title": me["roles"][0]["plan_title"],
            "party": "ROK",
            "role": "evaluator",
        }
    ]
    assert all("token_hash" not in t and "token" not in t for t in me["tokens"])
    r = api.patch("/api/v1/me", json={"locale": "en"})
    assert r.status_code == 200 and r.json()["locale"] == "en"
    assert r.json()["display_name"] == "ROK evaluator"  # not sent: kept
    assert api.patch("/api/v1/me", json={"locale": "xx"}).status_code == 422
    new = api.post("/api/v1/me/tokens", json={"name": "ci"})
    assert new.status_code == 201 and new.json()["token"].startswith("acc_")
    r = api.put(
        "/api/v1/me/password",
        json={"current": "bad", "new": "long new password", "repeated": "long new password"},
    )
    assert r.status_code == 422 and "current_password" in r.json()["detail"]


def test_signed_out_visitors_are_sent_to_sign_in(anon: TestClient, opcon: Any) -> None:
    r = anon.get("/profile", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")
    assert anon.get("/api/v1/me").status_code == 401
