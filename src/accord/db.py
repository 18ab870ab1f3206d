"""Database engine and sessions.  `make_engine(url)` is the only place an Engine is built."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA foreign_keys=ON")  # SQLite ignores FOREIGN KEY without this
    # wait for the write lock rather than fail: under load writers queue behind each other
    cursor.execute("PRAGMA busy_timeout=20000")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster than FULL
    cursor.close()


WRITE = {"sqlite_begin": "IMMEDIATE"}
"""Execution options for a transaction that will write: on SQLite it takes the write lock at
BEGIN, waiting up to the busy timeout.  A deferred transaction that reads and then writes fails
at once with "database is locked" if another writer committed in between, whatever the busy
timeout; taking the lock first makes concurrent writers queue instead.  Ignored elsewhere."""


def _sqlite_begin(conn: Any) -> None:
    # otherwise the driver begins lazily, before the first write (reads see fresh data)
    if conn.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An Engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to `engine`; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


class CommitAnyway(Exception):
    """Mixed into an error after which the transaction's work must still be committed: a
    refused attempt that has to be counted (a wrong passphrase) is refused AND remembered."""


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session committed on success, and on a CommitAnyway error; rolled back otherwise."""
    with factory() as session:
        session.begin()
        try:
            yield session
        except CommitAnyway:
            session.commit()
            raise
        except BaseException:
            session.rollback()
            raise
        session.commit()
