"""Who is asking: a bearer token (API, CLI) or a web session cookie (pages), with CSRF checks.

Routes depend on `get_actor` (or `get_actor_optional`); access rules themselves live in
accord.permissions and are applied by the services.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from accord import i18n
from accord.db import transaction
from accord.i18n import gettext as _
from accord.services import accounts
from accord.services.actors import Actor, actor_for

from . import csrf
from .deps import SESSION
from .templating import request_locale

T = TypeVar("T")
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


def _token_actor(session: Session, token: str, *, remember: bool = True) -> Actor:
    """The token's actor; remembered per audit head for reads.  A write moves the head, so a
    writer would miss every time and pay the head's read on top: writes look it up directly."""
    if remember:
        actor = accounts.actor_for_token(session=session, token=token)
    else:
        user = accounts.resolve_token(session=session, token=token)
        actor = None if user is None else actor_for(session, user)
    if actor is None:
        raise NotSignedIn(_("invalid or revoked API token"))
    return actor


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
        actor = await run_in_threadpool(
            functools.partial(_token_actor, remember=request.method not in UNSAFE),
            session,
            header[7:].strip(),
        )
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
        raise BadCsrf(_("missing or wrong CSRF token: reload the page and try again"))
    request.state.actor = actor
    i18n.activate(request_locale(request))  # the user's preference, for the route's own text
    return actor


async def get_actor(actor: Actor | None = Depends(get_actor_optional)) -> Actor:
    """The signed-in actor; NotSignedIn otherwise."""
    if actor is None:
        raise NotSignedIn(_("sign in first"))
    return actor


def _caller(request: Request, session: Session) -> Actor:
    """The signed-in actor of a read, found in the calling thread (no CSRF: nothing changes)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        actor = _token_actor(session, header[7:].strip())
    else:
        token = request.cookies.get(SESSION_COOKIE)
        found = _session_actor(session, token) if token else None
        if found is None:
            raise NotSignedIn(_("sign in first"))
        actor = found[0]
    request.state.actor = actor
    i18n.activate(request_locale(request))  # the user's language, for messages raised here
    return actor


async def credentials(request: Request) -> None:
    """The dependency of a route that finds its caller with `read_in_thread`: refuses at once
    a request that carries no credentials at all (the access rule, by persona, is applied
    there with the actor found)."""
    has_bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
    if not has_bearer and not request.cookies.get(SESSION_COOKIE):
        raise NotSignedIn(_("sign in first"))


async def read_in_thread(request: Request, work: Callable[[Session, Actor], T]) -> T:
    """A read's whole database work in one trip to the thread pool: its session, its caller,
    then `work(session, actor)`; committed (a read: nothing to write) or rolled back.

    The dependencies SESSION and get_actor take three trips between them, and a sync route a
    fourth; on the hottest reads (the summary) those trips cost more than the work itself.
    """
    if request.method not in ("GET", "HEAD"):
        raise RuntimeError("read_in_thread serves reads only")

    def run() -> T:
        with transaction(request.app.state.sessionmaker) as session:
            return work(session, _caller(request, session))

    return await run_in_threadpool(run)
