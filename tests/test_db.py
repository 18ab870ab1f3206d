"""Database: migrations match the models, SQLite pragmas, refusing a database of another version."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from accord import schema
from accord.models import Base, Party, Plan


def test_migrations_create_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_database_is_at_head(engine: Engine) -> None:
    assert schema.current(engine) == schema.head()
    schema.check_current(engine)


def test_sqlite_pragmas(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 20000


def test_refuses_a_database_newer_than_the_code(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    with pytest.raises(schema.SchemaError, match="newer than this version of accord"):
        schema.check_current(engine)


def test_refuses_an_empty_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from accord.db import make_engine

    eng = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(schema.SchemaError, match="accord init"):
        schema.check_current(eng)
    eng.dispose()


def test_foreign_keys_and_unique_codes_are_enforced(factory: sessionmaker[Session]) -> None:
    with factory() as s:
        s.add(Plan(code="p", title="P"))
        s.commit()
        s.add(Plan(code="p", title="again"))
        with pytest.raises(IntegrityError):
            s.commit()
        s.rollback()
        s.add(Party(plan_id=999_999, code="X", name="nobody"))
        with pytest.raises(IntegrityError):
            s.commit()


def test_a_busy_database_answers_503_and_saves_nothing(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lock not granted in time is a 503 with Retry-After, not a 500 with a traceback."""
    from accord.services import documents

    def locked(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    monkeypatch.setattr(documents, "summary_document", locked)
    r = client.get("/api/v1/plans/opcon-cotp/summary")
    assert r.status_code == 503 and r.headers["retry-after"] == "2"
    assert "busy" in r.json()["detail"] and "Traceback" not in r.text
