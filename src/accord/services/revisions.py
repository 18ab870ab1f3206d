"""The database's content revision, and answers remembered per revision.

Every change to a plan's content is appended to the audit chain in the same transaction (the
services' rule: no write without its audit record), so the head of the chain names the state
of the whole database: its hash changes with every committed change and only then.  Reading it
is one indexed lookup, which makes it a cheap, exact cache key that every server worker agrees
on, with nothing held in one process that another would need to know.

`remembered` keeps a few answers per key (a summary document, say) for as long as the key is
current; a key that includes the revision can never return an answer older than the data.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.models import AuditRecord

T = TypeVar("T")

_KEPT = 256
_HEAD = select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)
_MEMO: OrderedDict[Hashable, object] = OrderedDict()
_LOCK = threading.Lock()
_FLIGHTS: dict[Hashable, threading.Lock] = {}  # one computation per missing key at a time


def current(session: Session) -> str:
    """The head of the audit chain as `seq:hash` ("0:" for an empty chain)."""
    # on the connection: two columns need none of the ORM's work on the result
    head = session.connection().execute(_HEAD).first()
    return f"{head[0]}:{head[1]}" if head else "0:"


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its remembered result for `key`; the key must include the revision.

    Requests that miss together compute once: the others wait for the first one's answer
    (after a change, a burst of readers would otherwise each build the same document at once
    and all answer late).  If that computation fails, the next in line computes.
    """
    with _LOCK:
        if key in _MEMO:
            _MEMO.move_to_end(key)
            return _MEMO[key]  # type: ignore[return-value]
        flight = _FLIGHTS.setdefault(key, threading.Lock())
    with flight:
        with _LOCK:
            if key in _MEMO:
                _MEMO.move_to_end(key)
                return _MEMO[key]  # type: ignore[return-value]
        try:
            value = compute()
            with _LOCK:
                _MEMO[key] = value
                while len(_MEMO) > _KEPT:
                    _MEMO.popitem(last=False)
        finally:
            with _LOCK:
                if _FLIGHTS.get(key) is flight:
                    del _FLIGHTS[key]
    return value


def forget() -> None:
    """Drop every remembered answer (tests, and after restoring a backup in-process)."""
    with _LOCK:
        _MEMO.clear()
