"""Request dependencies: a database session per request, committed by the dependency."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session


def get_session(request: Request) -> Iterator[Session]:
    """A session for this request: committed when the route succeeds, rolled back otherwise.

    Routes must depend on it with `Depends(get_session, scope="function")`, so that the commit
    happens before the response is sent: a failed commit then reaches the client as an error,
    never as a success whose data was lost.
    """
    factory = request.app.state.sessionmaker
    with factory() as session, session.begin():
        yield session
