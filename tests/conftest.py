"""Shared fixtures: a fresh database per test (SQLite by default, PostgreSQL when
ACCORD_TEST_DATABASE_URL is set), settings, an app client, and the OPCON example."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from accord import schema
from accord.config import Settings
from accord.db import make_engine, make_sessionmaker, transaction
from accord.models import Base, Plan
from accord.services import examples
from accord.web.app import create_app

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


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c
