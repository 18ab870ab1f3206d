"""Pages are compressed, so the CSRF secret they carry is masked afresh for each response
(web/csrf.py, against BREACH); a masked token still proves the session, a tampered one does not."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from accord.web.csrf import mask, matches, unmask
from page_client import TOKEN, Browser, sign_in

SECRET = "k3Y-secret_of-43-characters-like-token_url1"
PLAN = "/plans/opcon-cotp"


@pytest.fixture
def me(app: FastAPI, people: dict[str, str]) -> Browser:
    return sign_in(app, "rok-evaluator")


def test_mask_hides_the_secret_under_a_fresh_pad_and_unmask_recovers_it() -> None:
    tokens = {mask(SECRET) for _ in range(20)}
    assert len(tokens) == 20, "every mask has its own pad"
    for token in tokens:
        assert SECRET not in token and unmask(token) == SECRET and matches(token, SECRET)
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token), "safe in HTML attributes and headers"
    assert matches(SECRET, SECRET)  # the bare secret, which no page shows any more
    assert not matches(mask("another secret of the same length, like this"), SECRET)


@pytest.mark.parametrize(
    "token", ["", "x" * 43, "!!not base64!!", "abc", "é" * 10, mask(SECRET)[:-2]]
)
def test_malformed_or_truncated_tokens_never_match(token: str) -> None:
    assert not matches(token, SECRET)


def test_a_tampered_token_unmasks_to_something_else() -> None:
    token = mask(SECRET)
    flipped = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    assert unmask(flipped) != SECRET and not matches(flipped, SECRET)


def test_two_renders_carry_different_tokens_for_the_same_secret_and_both_work(
    me: Browser,
) -> None:
    first, second = me.get("/profile").text, me.get("/profile").text
    one, two = TOKEN.search(first), TOKEN.search(second)
    assert one is not None and two is not None and one[1] != two[1]
    assert unmask(one[1]) == unmask(two[1]) == me.secret
    # every form and the htmx header of one page carry that page's token
    assert set(TOKEN.findall(first)) == {one[1]}
    assert f'"X-CSRF-Token": "{one[1]}"' in first
    for token, name in ((one[1], "First"), (two[1], "Second")):
        r = me.post(
            "/profile",
            data={"csrf_token": token, "display_name": name, "locale": ""},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text[:300]
    # and as the header htmx sends, on the JSON twin
    r = me.patch("/api/v1/me", json={"display_name": "Third"}, headers={"X-CSRF-Token": two[1]})
    assert r.status_code == 200, r.text[:300]


def test_a_tampered_or_foreign_token_is_refused(app: FastAPI, me: Browser) -> None:
    token = TOKEN.search(me.get("/profile").text)
    assert token is not None
    tampered = token[1][:-3] + ("AAA" if token[1][-3:] != "AAA" else "BBB")
    other = sign_in(app, "us-evaluator")  # a valid masked token of another session
    for sent in (tampered, other.csrf, mask(other.secret), token[1][: len(token[1]) // 2]):
        r = me.post("/profile", data={"csrf_token": sent, "display_name": "Forged"})
        assert r.status_code == 403 and "CSRF" in r.text, sent
        r = me.patch("/api/v1/me", json={"display_name": "Forged"}, headers={"X-CSRF-Token": sent})
        assert r.status_code == 403, sent
    assert "Forged" not in me.get("/profile").text


def test_pages_and_json_are_gzip_encoded_when_the_client_accepts_gzip(
    me: Browser, as_user: Callable[[str], TestClient]
) -> None:
    # a page with request-chosen text next to the (masked) token
    path = f"{PLAN}/framework?q=csrf_token"
    r = me.get(path, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in r.headers["vary"].lower()
    assert me.carries_session_token(r.text)
    plain = me.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and me.carries_session_token(plain.text)
    api = as_user("observer").get(f"/api/v1{PLAN}/evaluations", headers={"Accept-Encoding": "gzip"})
    assert api.status_code == 200 and api.headers["content-encoding"] == "gzip"


def test_the_wire_bytes_are_gzip_and_the_length_is_theirs(me: Browser) -> None:
    """Content-Length counts the compressed bytes that travel (no truncated or padded body)."""
    with me.stream("GET", "/profile", headers={"Accept-Encoding": "gzip"}) as r:
        raw = b"".join(r.iter_raw())
    assert int(r.headers["content-length"]) == len(raw)
    html = gzip.decompress(raw).decode()
    assert me.carries_session_token(html) and len(raw) < len(html.encode())


def test_the_sign_in_form_carries_a_fresh_token_on_each_render(anon: TestClient) -> None:
    """The sign-in token sits next to the reflected user name and `next`: it is new (and its
    cookie with it) on every render, so compression has nothing fixed to find."""
    pre = re.compile(r'name="pre_token" value="([^"]+)"')
    one = anon.get("/sign-in?next=/x", headers={"Accept-Encoding": "gzip"})
    two = anon.get("/sign-in?next=/x", headers={"Accept-Encoding": "gzip"})
    a, b = pre.search(one.text), pre.search(two.text)
    assert a is not None and b is not None and a[1] != b[1]
    assert one.cookies["accord_signin"] == a[1] and two.cookies["accord_signin"] == b[1]
