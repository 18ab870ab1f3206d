"""Request dependencies: a database session per request, committed by the dependency."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from accord.db import WRITE, transaction
from accord.services import throttle

READS = ("GET", "HEAD", "OPTIONS")
_GATES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


async def write_gate(request: Request) -> AsyncIterator[None]:
    """On SQLite, one writing request at a time per worker process, queued on the event loop.

    A writer takes SQLite's write lock (BEGIN IMMEDIATE) at its start and keeps it until its
    commit, and every step in between needs a thread of the worker's pool.  Were writers to
    queue for the lock *in* those threads, a burst of them could occupy every thread (and
    pooled connection) while the one holding the lock waits for a thread to finish: nothing
    moves until the busy timeout turns them all into 503s.  Queued here instead, they wait
    without holding a thread or a connection; SQLite still arbitrates between processes, where
    at most one writer per process is waiting.
    """
    if request.method in READS or request.app.state.engine.dialect.name != "sqlite":
        # PostgreSQL waits for row and advisory locks without a timeout that fails requests,
        # and lets writers to different rows proceed together: no gate there
        yield
        return
    loop = asyncio.get_running_loop()
    gate = _GATES.get(loop)
    if gate is None:
        gate = _GATES[loop] = asyncio.Lock()
    async with gate:
        yield


def get_session(
    request: Request, _gate: None = Depends(write_gate, scope="function")
) -> Iterator[Session]:
    """A session for this request: committed when the route succeeds, rolled back otherwise
    (except after an error marked CommitAnyway, such as a counted failed attempt).

    Routes and dependencies take it as `SESSION` below (function scope), so that the commit
    happens before the response is sent: a failed commit then reaches the client as an error,
    never as a success whose data was lost.
    """
    with transaction(request.app.state.sessionmaker) as session:
        if request.method not in READS:
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
