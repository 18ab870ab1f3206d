"""Request dependencies: a database session per request, committed by the dependency."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from sqlalchemy.orm import Session


def get_session(request: Request) -> Iterator[Session]:
    """A session for this request: committed when the route succeeds, rolled back otherwise.

    Routes and dependencies take it as `SESSION` below (function scope), so that the commit
    happens before the response is sent: a failed commit then reaches the client as an error,
    never as a success whose data was lost.
    """
    factory = request.app.state.sessionmaker
    with factory() as session, session.begin():
        yield session


SESSION = Depends(get_session, scope="function")
"""The request's session, as every route and dependency declares it: `session: Session = SESSION`.

Function scope makes the commit happen before the response is sent (see `get_session`).
"""
