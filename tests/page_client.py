"""A test client signed in through the sign-in form, as a browser is (a session cookie and
its CSRF token), for the page tests of profile, administration and the New-plan page."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from accord.services import accounts
from accord.services.examples import demo_password
from accord.web.auth import SESSION_COOKIE
from accord.web.csrf import unmask

TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


class Browser(TestClient):
    """A client signed in through the sign-in form (a session cookie, as a browser)."""

    csrf: str  # a masked token from one page: any page's token works for the whole session
    secret: str  # the session's CSRF secret, which pages carry masked afresh each time

    def carries_session_token(self, html: str) -> bool:
        """Whether `html` (a page or one form) carries a CSRF token of this session: masked (a
        bare secret on a page would defeat the masking) and unmasking to the session's secret."""
        found = TOKEN.search(html)
        return found is not None and found[1] != self.secret and unmask(found[1]) == self.secret

    def post_form(self, url: str, data: dict[str, str], **kw: Any) -> Any:
        return self.post(url, data={"csrf_token": self.csrf, **data}, follow_redirects=False, **kw)


def sign_in(app: FastAPI, username: str, password: str | None = None) -> Browser:
    client = Browser(app)
    pre = re.search(r'name="pre_token" value="([^"]+)"', client.get("/sign-in").text)
    assert pre is not None
    r = client.post(
        "/sign-in",
        data={
            "username": username,
            "password": password or demo_password(username),
            "pre_token": pre[1],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/profile").text)
    assert token is not None
    client.csrf = token[1]
    with app.state.sessionmaker() as s:
        found = accounts.resolve_session(session=s, token=client.cookies[SESSION_COOKIE])
        assert found is not None
        client.secret = found[1].csrf_token
    assert unmask(client.csrf) == client.secret
    return client
