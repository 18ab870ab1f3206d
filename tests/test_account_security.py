"""Account security: lock-out after repeated failures (passwords and signing passphrases, counted
in the database so every worker enforces them), session rotation and expiry, password policy."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from accord.models import AuditRecord, SignInFailure, WebSession
from accord.services import Invalid, accounts, throttle
from accord.services.actors import SYSTEM
from accord.services.examples import demo_password

PLAN = "opcon-cotp"
Client = Callable[[str], TestClient]


def _sign_in(client: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    form = client.get("/sign-in")
    match = re.search(r'name="pre_token" value="([^"]+)"', form.text)
    assert match is not None
    return client.post(
        "/sign-in",
        data={"username": username, "password": password, "pre_token": match[1], "next": "/"},
        follow_redirects=False,
    )


def _later(monkeypatch: pytest.MonkeyPatch, minutes: int) -> None:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)
    monkeypatch.setattr(throttle, "_now", lambda: moment)


def test_five_wrong_passwords_lock_the_user_out_even_with_the_right_one(
    anon: TestClient,
    people: dict[str, str],
    factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for _ in range(5):
        r = _sign_in(anon, "rok-evaluator", "not-the-password")
        assert r.status_code == 401 and "Wrong username or password" in r.text
    r = _sign_in(anon, "ROK-Evaluator ", demo_password("rok-evaluator"))  # case, spaces: same
    assert r.status_code == 429
    assert "too many failed sign-ins: try again in 15 minutes" in r.text
    assert 0 < int(r.headers["retry-after"]) <= 15 * 60
    assert "accord_session" not in r.headers.get("set-cookie", "")
    with factory() as s:
        locked = s.scalars(select(AuditRecord).where(AuditRecord.action == "account.locked")).all()
        assert [a.target for a in locked] == ["rok-evaluator"]
    # another user is not affected
    assert _sign_in(anon, "us-evaluator", demo_password("us-evaluator")).status_code == 303
    # after the window the right password works again, and clears the count
    _later(monkeypatch, 16)
    assert _sign_in(anon, "rok-evaluator", demo_password("rok-evaluator")).status_code == 303
    with factory() as s:
        left = s.scalar(select(func.count()).where(SignInFailure.username == "rok-evaluator"))
        assert left == 0


def test_one_client_guessing_many_accounts_is_locked_out(
    anon: TestClient, people: dict[str, str]
) -> None:
    for i in range(50):  # ten times the per-user limit, each user below it
        assert _sign_in(anon, f"nobody-{i % 25}", "guess").status_code == 401
    r = _sign_in(anon, "observer", demo_password("observer"))
    assert r.status_code == 429


def test_wrong_signing_passphrases_are_counted_though_refused(
    as_user: Client, people: dict[str, str], factory: sessionmaker[Session]
) -> None:
    url = f"/api/v1/plans/{PLAN}/evaluations/2025/signatures"
    signer = as_user("rok-signer")
    for _ in range(5):
        r = signer.post(url, json={"passphrase": "wrong-passphrase"})
        assert r.status_code == 422 and "does not unlock" in r.json()["detail"]
    with factory() as s:  # the refusal rolled nothing back: every failure is on record
        n = s.scalar(select(func.count()).where(SignInFailure.scope == "passphrase"))
        assert n == 5
    r = signer.post(url, json={"passphrase": demo_password("rok-signer")})
    assert r.status_code == 429 and "too many failed signing passphrases" in r.json()["detail"]
    assert int(r.headers["retry-after"]) > 0
    # the other party's signer is not locked out
    r = as_user("us-signer").post(url, json={"passphrase": demo_password("us-signer")})
    assert r.status_code == 201, r.text


def test_sign_in_rotates_the_session(
    anon: TestClient, people: dict[str, str], factory: sessionmaker[Session]
) -> None:
    assert _sign_in(anon, "rok-evaluator", demo_password("rok-evaluator")).status_code == 303
    first = anon.cookies.get("accord_session")
    assert _sign_in(anon, "rok-evaluator", demo_password("rok-evaluator")).status_code == 303
    second = anon.cookies.get("accord_session")
    assert first and second and first != second
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(WebSession)) == 1
    other = TestClient(anon.app, base_url="http://testserver")
    other.cookies.set("accord_session", first)
    assert other.get("/", follow_redirects=False).status_code == 303  # to the sign-in page


def test_an_expired_session_signs_the_browser_out(
    anon: TestClient, people: dict[str, str], factory: sessionmaker[Session]
) -> None:
    assert _sign_in(anon, "rok-evaluator", demo_password("rok-evaluator")).status_code == 303
    assert anon.get("/", follow_redirects=False).status_code in (200, 303)
    page = anon.get(f"/plans/{PLAN}", follow_redirects=False)
    assert page.status_code == 200
    with factory() as s, s.begin():
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        s.execute(update(WebSession).values(expires_at=past))
    r = anon.get(f"/plans/{PLAN}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 8 characters"),
        ("x" * 1025, "at most 1024 characters"),
        ("Kim.Analyst", "must not be the username"),
        ("zzzzzzzzzz", "one character repeated"),
        ("Password123", "most common passwords"),
        ("opcon2030", "most common passwords"),
    ],
)
def test_password_policy_refuses_weak_passwords(
    factory: sessionmaker[Session], password: str, problem: str
) -> None:
    with factory() as s, pytest.raises(Invalid, match=problem):
        accounts.create_user(session=s, actor=SYSTEM, username="kim.analyst", password=password)


def test_a_long_passphrase_is_accepted(factory: sessionmaker[Session]) -> None:
    with factory() as s:
        user = accounts.create_user(
            session=s, actor=SYSTEM, username="kim", password="three rivers meet at dawn"
        )
        assert user.id is not None
