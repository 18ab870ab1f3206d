"""Who is asking: a bearer token (API, CLI) or a web session cookie (pages), with CSRF checks.

Routes depend on `get_actor` (or `get_actor_optional`); access rules themselves live in
accord.permissions and are applied by the services.
"""

from __future__ import annotations

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from accord import i18n
from accord.services import accounts
from accord.services.actors import Actor, actor_for

from . import csrf
from .deps import SESSION
from .templating import request_locale

SESSION_COOKIE = "accord_session"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class NotSignedIn(Exception):
    """No valid credentials: 401 for the API, a redirect to the sign-in page for pages."""


class BadCsrf(Exception):
    """A cookie-authenticated write without the session's CSRF token: 403."""


async def _csrf_ok(request: Request, expected: str) -> bool:
    sent = request.headers.get("x-csrf-token")
    if sent is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    # pages carry the secret masked afresh for each response (web/csrf.py: BREACH)
    return sent is not None and csrf.matches(sent, expected)


def _token_actor(session: Session, token: str) -> Actor:
    user = accounts.resolve_token(session=session, token=token)
    if user is None:
        raise NotSignedIn("invalid or revoked API token")
    return actor_for(session, user)


def _session_actor(session: Session, token: str) -> tuple[Actor, str] | None:
    found = accounts.resolve_session(session=session, token=token)
    if found is None:
        return None
    user, web_session = found
    return actor_for(session, user), web_session.csrf_token


async def get_actor_optional(request: Request, session: Session = SESSION) -> Actor | None:
    """The signed-in actor, or None; checks CSRF on cookie-authenticated writes.

    The lookups wait on the database, so they run in the thread pool: on the event loop, a
    wait for a pooled connection would stop the requests that hold the connections from ever
    finishing (every request of the process stalled until the pool's timeout).
    """
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        actor = await run_in_threadpool(_token_actor, session, header[7:].strip())
        request.state.csrf_token = None
        request.state.actor = actor
        i18n.activate(request_locale(request))
        return actor
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found = await run_in_threadpool(_session_actor, session, token)
    if found is None:
        return None
    actor, csrf_token = found
    request.state.csrf_token = csrf_token
    if request.method in UNSAFE and not await _csrf_ok(request, csrf_token):
        raise BadCsrf("missing or wrong CSRF token: reload the page and try again")
    request.state.actor = actor
    i18n.activate(request_locale(request))  # the user's preference, for the route's own text
    return actor


async def get_actor(actor: Actor | None = Depends(get_actor_optional)) -> Actor:
    """The signed-in actor; NotSignedIn otherwise."""
    if actor is None:
        raise NotSignedIn("sign in first")
    return actor
