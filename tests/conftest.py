"""Shared fixtures: a fresh database per test (SQLite by default, PostgreSQL when
ACCORD_TEST_DATABASE_URL is set), settings, an app client, and the OPCON example."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from accord import schema
from accord.config import Settings
from accord.db import make_engine, make_sessionmaker, transaction
from accord.models import Base, Plan
from accord.services import accounts, examples
from accord.services.actors import SYSTEM
from accord.web.app import create_app


def _database_per_worker() -> None:
    """Under pytest-xdist each worker process gets its own PostgreSQL database, `<name>_gw0`
    and so on, created here if missing: the suite empties its database between tests, which
    two workers must not do to each other.  Rewriting the variable before any test module is
    imported gives every module, fixture and server subprocess the worker's own database."""
    url, worker = os.environ.get("ACCORD_TEST_DATABASE_URL"), os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    os.environ["ACCORD_TEST_DATABASE_URL"] = base.set(database=name).render_as_string(
        hide_password=False
    )


_database_per_worker()
# Rich wraps CLI output at the terminal's width, which pytest-xdist workers take from COLUMNS
# (80) and a lone pytest process does not: one width for every run, so a test's expectations
# never depend on how the suite was started (tests of narrow output set their own)
os.environ["COLUMNS"] = "200"
# the CLI speaks the locale's language (LANG=ko_KR.UTF-8: Korean): English for every test, which
# expects it, whatever the developer's shell says (tests of the CLI's Korean set their own)
os.environ["ACCORD_LANG"] = "en"
PG_URL = os.environ.get("ACCORD_TEST_DATABASE_URL")


def _reset_postgres(url: str) -> None:
    # the suite empties the database it is given: refuse anything not named as a test database
    name = make_url(url).database or ""
    if "test" not in name:
        raise pytest.UsageError(f"ACCORD_TEST_DATABASE_URL must name a test database, not {name!r}")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    schema.upgrade(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head once per session: a SQLite file to copy, or PostgreSQL."""
    if PG_URL:
        _reset_postgres(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "accord.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    with engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    return str(path)


@pytest.fixture
def database_url(_template_db: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database for this test."""
    if PG_URL:
        engine = make_engine(PG_URL)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            # a test may have moved the schema version; every test starts at head
            conn.execute(
                text("UPDATE alembic_version SET version_num = :head"), {"head": schema.head()}
            )
        engine.dispose()
        yield PG_URL
        return
    path = tmp_path / "data" / "accord.db"
    path.parent.mkdir()
    shutil.copy(_template_db, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def empty_engine(tmp_path: Path) -> Iterator[Engine]:
    """A second, empty database (no tables) of the kind under test: SQLite or PostgreSQL."""
    if not PG_URL:
        eng = make_engine(f"sqlite:///{tmp_path / 'empty' / 'accord.db'}")
        yield eng
        eng.dispose()
        return
    name = f"{make_url(PG_URL).database}_empty"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    eng = make_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    yield eng
    eng.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session committed at the end of the test's setup use; tests may commit themselves."""
    with factory() as s:
        yield s


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def opcon(factory: sessionmaker[Session]) -> Plan:
    """The OPCON example plan with its illustrative history, committed."""
    with transaction(factory) as s:
        return examples.load_example(session=s, name="opcon")


PERSONAS = ("admin", "rok-evaluator", "us-evaluator", "rok-signer", "us-signer", "observer")


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with production cost takes ~60 ms a hash: too slow for hundreds of test users."""
    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture
def people(factory: sessionmaker[Session], opcon: Plan) -> dict[str, str]:
    """The demo personas of the OPCON plan: username -> API token."""
    with transaction(factory) as s:
        plan = s.get(Plan, opcon.id)
        assert plan is not None
        examples.create_demo_people(session=s, actor=SYSTEM, plan=plan)
        return {
            name: accounts.create_token(
                session=s,
                actor=SYSTEM,
                user=accounts.get_user(session=s, username=name),
                name="tests",
            )[0]
            for name in PERSONAS
        }


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def anon(app: FastAPI) -> TestClient:
    """A client that is not signed in."""
    return TestClient(app)


@pytest.fixture
def as_user(app: FastAPI, people: dict[str, str]) -> Callable[[str], TestClient]:
    """as_user("rok-evaluator") -> a client authenticated with that persona's API token."""
    return lambda name: TestClient(app, headers={"Authorization": f"Bearer {people[name]}"})


@pytest.fixture
def client(as_user: Callable[[str], TestClient]) -> TestClient:
    """A client signed in as the observer of the OPCON plan."""
    return as_user("observer")


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def live_url(settings: Settings, opcon: Plan, people: dict[str, str]) -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1 serving the OPCON example with its personas."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    """Debian's Chromium driven by Playwright (Playwright's own browser download is not used)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
