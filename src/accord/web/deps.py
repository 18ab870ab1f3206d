"""Request dependencies: a database session per request, committed by the dependency."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from accord.db import WRITE, transaction
from accord.services import throttle


def get_session(request: Request) -> Iterator[Session]:
    """A session for this request: committed when the route succeeds, rolled back otherwise
    (except after an error marked CommitAnyway, such as a counted failed attempt).

    Routes and dependencies take it as `SESSION` below (function scope), so that the commit
    happens before the response is sent: a failed commit then reaches the client as an error,
    never as a success whose data was lost.
    """
    with transaction(request.app.state.sessionmaker) as session:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            session.connection(execution_options=WRITE)  # SQLite: take the write lock first
        yield session


SESSION = Depends(get_session, scope="function")
"""The request's session, as every route and dependency declares it: `session: Session = SESSION`.

Function scope makes the commit happen before the response is sent (see `get_session`).
"""


def attempts(request: Request) -> dict[str, Any]:
    """The client address and lock-out policy, for services that count failed attempts."""
    settings = request.app.state.settings
    return {
        "client": request.client.host if request.client else "",
        "policy": throttle.Policy(settings.lockout_failures, settings.lockout_minutes),
    }
