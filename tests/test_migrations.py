"""Migrations carry data: a database filled at the first migration upgrades to head with every
record intact, the models read it, and each step downgrades back without losing those records."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    select,
)
from sqlalchemy.orm import Session

from accord import schema
from accord.models import Base

ROWS = 3


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(schema.alembic_config())
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def _value(table: Table, column: Any, i: int, ids: dict[str, list[int]]) -> Any:
    if column.foreign_keys:
        target = next(iter(column.foreign_keys)).column.table.name
        return ids[target][i % len(ids[target])]
    kind = column.type
    if isinstance(kind, Boolean):
        return i % 2 == 0
    if isinstance(kind, Integer):
        return i + 1
    if isinstance(kind, Float):
        return 0.25 * (i + 1)
    if isinstance(kind, DateTime):
        return dt.datetime(2024, 5, 1 + i, 9, 30, 15, 123456, tzinfo=dt.UTC)
    if isinstance(kind, Date):
        return dt.date(2024, 5, 1 + i)
    if isinstance(kind, LargeBinary):
        return bytes([i]) * 8
    text = f"{table.name}.{column.name}.{i}"
    length = getattr(kind, "length", None) if isinstance(kind, String) else None
    return text[-length:] if length else text


# rows that satisfy a table's CHECK constraints where arbitrary values would not
OVERRIDES: dict[str, dict[str, Any]] = {
    "evidence": {
        "kind": "note",
        "target": "joint",
        "rating_party_id": None,
        "action_item_id": None,
        "releasability": "shared",
    },
}


def _fill(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """ROWS rows in every table still empty, foreign keys pointing at real rows."""
    meta = MetaData()
    meta.reflect(engine)
    tables = [t for t in meta.sorted_tables if t.name != "alembic_version"]
    ids: dict[str, list[int]] = {}
    empty: set[str] = set()
    with engine.connect() as conn:
        for table in tables:
            if conn.execute(select(table).limit(1)).first() is None:
                empty.add(table.name)
            elif "id" in table.c:
                ids[table.name] = list(conn.scalars(select(table.c.id).order_by(table.c.id)))
    written: dict[str, list[dict[str, Any]]] = {}
    with engine.begin() as conn:
        for table in tables:
            if table.name not in empty:
                continue
            rows = []
            for i in range(ROWS):
                row = {c.name: _value(table, c, i, ids) for c in table.columns}
                row |= OVERRIDES.get(table.name, {})
                if "id" in row:
                    row["id"] = i + 1
                rows.append(row)
            conn.execute(table.insert(), rows)
            ids[table.name] = [r["id"] for r in rows if "id" in r]
            written[table.name] = rows
    return written


def _same(stored: Any, expected: Any) -> bool:
    if isinstance(expected, dt.datetime) and isinstance(stored, dt.datetime):
        if stored.tzinfo is None:  # SQLite hands back naive UTC
            stored = stored.replace(tzinfo=dt.UTC)
        return bool(stored == expected)
    return bool(stored == expected)


def _check(engine: Engine, written: dict[str, list[dict[str, Any]]]) -> None:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        for name, rows in written.items():
            table = meta.tables[name]
            stored = [dict(r) for r in conn.execute(table.select().order_by(table.c.id)).mappings()]
            assert len(stored) == len(rows), f"{name}: {len(stored)} rows, expected {len(rows)}"
            for got, want in zip(stored, rows, strict=True):
                for column, value in want.items():
                    assert _same(got[column], value), (
                        f"{name}.{column}: {got[column]!r} != {value!r}"
                    )


def test_a_database_filled_at_the_first_migration_upgrades_and_downgrades(
    empty_engine: Engine,
) -> None:
    revisions = _revisions()
    assert revisions[0] == "0001" and revisions[-1] == schema.head()
    schema.upgrade(empty_engine, revisions[0])
    written = _fill(empty_engine)
    assert set(written) >= {"plan", "party", "standard", "evaluation"}
    for revision in revisions[1:]:
        schema.upgrade(empty_engine, revision)
        assert schema.current(empty_engine) == revision
        _check(empty_engine, written)
    # the models read every row of every table, new columns included
    with Session(empty_engine) as session:
        for mapper in Base.registry.mappers:
            session.scalars(select(mapper.class_)).all()
    schema.check_current(empty_engine)
    # and back down, one step at a time, to the first migration
    for revision in reversed(revisions[:-1]):
        schema.downgrade(empty_engine, revision)
        assert schema.current(empty_engine) == revision
        _check(empty_engine, written)


def test_each_later_migration_keeps_rows_written_just_before_it(empty_engine: Engine) -> None:
    """Fill at every revision in turn (new tables included), upgrade one step, check."""
    revisions = _revisions()
    for before, after in itertools.pairwise(revisions):
        schema.upgrade(empty_engine, before)
        written = _fill(empty_engine)
        schema.upgrade(empty_engine, after)
        _check(empty_engine, written)
