"""The audit trail: a round of writes through the API leaves an intact hash chain that names
every step, and tampering with it in the database (a changed field, a deleted record, two
records swapped, a changed last record) is found at the right record, by `audit.verify` and
by `accord audit verify`.

Tampering runs in a transaction that is rolled back, so every test sees the same trail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from accord.cli import app as cli
from accord.config import Settings
from accord.db import make_engine, make_sessionmaker, transaction
from accord.formats import framework_yaml
from accord.models import Base
from accord.services import accounts, audit, examples
from accord.services.actors import SYSTEM
from accord.services.examples import demo_password, example_text
from accord.web.app import create_app

PG_URL = os.environ.get("ACCORD_TEST_DATABASE_URL")
URL = "/api/v1/plans/opcon-cotp/evaluations/2026"
PEOPLE = ("admin", "rok-evaluator", "us-evaluator", "rok-signer", "us-signer")
COLUMNS = (
    "seq",
    "at",
    "actor",
    "party",
    "action",
    "target_type",
    "target",
    "before",
    "after",
    "prev_hash",
    "hash",
)
ROUND_ACTIONS = {
    "rating.save",
    "rating.submit",
    "reconciliation.begin",
    "reconciliation.propose",
    "reconciliation.approve",
    "reconciliation.agreed",
    "evaluation.conclude",
    "action_item.update",
    "evaluation.sign",
}


@dataclass(frozen=True)
class Trail:
    url: str
    data_dir: Path
    engine: Engine
    records: int
    head: str


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _round(c: dict[str, TestClient]) -> None:
    """The joint round of test_workflow: rate, submit, reconcile, conclude, act, sign."""
    fw = framework_yaml.load(example_text("opcon", "framework.yaml"))
    for name, bump in (("rok-evaluator", {"C1.1.1", "C2.1.1"}), ("us-evaluator", set())):
        body = [
            {
                "standard": s.code,
                "level": fw.scale(s.scale).levels[3 if s.code in bump else 2].label,
                "rationale": f"evidence for {s.code}",
            }
            for s in fw.standards()
        ]
        _ok(c[name].put(f"{URL}/ratings", json={"ratings": body}))
        _ok(c[name].post(f"{URL}/submission", json={}))
    for std in ("C1.1.1", "C2.1.1"):
        proposal = {"level": "Substantial", "rationale": "exercise results"}
        _ok(c["rok-evaluator"].post(f"{URL}/reconciliation/{std}/proposals", json=proposal))
    counter = {"level": "Partial", "rationale": "tracking gaps"}
    _ok(c["us-evaluator"].post(f"{URL}/reconciliation/C2.1.1/proposals", json=counter))
    _ok(c["us-signer"].post(f"{URL}/reconciliation/C1.1.1/approval", json={}))
    _ok(c["rok-signer"].post(f"{URL}/reconciliation/C2.1.1/approval", json={}))
    assert _ok(c["us-signer"].post(f"{URL}/conclusion"))["status"] == "concluded"
    item = _ok(c["rok-evaluator"].get("/api/v1/plans/opcon-cotp/action-items"))[0]
    _ok(
        c["rok-evaluator"].patch(
            f"/api/v1/plans/opcon-cotp/action-items/{item['uid']}",
            json={"version": item["version"], "status": "in_progress"},
        )
    )
    signature = {"passphrase": demo_password("rok-signer")}
    _ok(c["rok-signer"].post(f"{URL}/signatures", json=signature), 201)


@pytest.fixture(scope="module")
def trail(_template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trail]:
    """A database holding the OPCON example, its people and one round of writes."""
    data_dir = tmp_path_factory.mktemp("audit") / "data"
    if PG_URL:
        url = PG_URL
        engine = make_engine(url)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    else:
        data_dir.mkdir()
        shutil.copy(_template_db, data_dir / "accord.db")
        url = f"sqlite:///{data_dir / 'accord.db'}"
        engine = make_engine(url)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        with transaction(make_sessionmaker(engine)) as s:
            plan = examples.load_example(session=s, name="opcon")
            examples.create_demo_people(session=s, actor=SYSTEM, plan=plan)
            tokens = {
                name: accounts.create_token(
                    session=s,
                    actor=SYSTEM,
                    user=accounts.get_user(session=s, username=name),
                    name="audit",
                )[0]
                for name in PEOPLE
            }
    app = create_app(Settings(data_dir=data_dir, database_url=url))
    clients = {
        name: TestClient(app, headers={"Authorization": f"Bearer {token}"})
        for name, token in tokens.items()
    }
    _round(clients)
    app.state.engine.dispose()
    with Session(engine) as s:
        result = audit.verify(s)
    assert result.ok, result.reason
    yield Trail(url, data_dir, engine, result.records, result.head)
    engine.dispose()


@contextmanager
def tampering(trail: Trail) -> Iterator[Connection]:
    """A connection whose changes are rolled back at the end."""
    with trail.engine.connect() as conn:
        tx = conn.begin()
        try:
            yield conn
        finally:
            tx.rollback()


def _verify(conn: Connection) -> audit.Verification:
    with Session(bind=conn) as s:
        return audit.verify(s)


def _row(conn: Connection, seq: int) -> dict[str, Any]:
    cols = ", ".join(f'"{c}"' for c in ("id", *COLUMNS))
    row = conn.execute(text(f"SELECT {cols} FROM audit_record WHERE seq = :seq"), {"seq": seq})
    return dict(row.mappings().one())


def _write(conn: Connection, row_id: int, values: dict[str, Any]) -> None:
    sets = ", ".join(f'"{c}" = :{c}' for c in values)
    conn.execute(text(f"UPDATE audit_record SET {sets} WHERE id = :id"), {**values, "id": row_id})


def _middle(trail: Trail) -> int:
    seq = trail.records // 2
    assert 1 < seq < trail.records - 1
    return seq


def test_a_round_of_writes_leaves_an_intact_chain(trail: Trail) -> None:
    assert trail.records > 20 and len(trail.head) == 64
    with tampering(trail) as conn:
        result = _verify(conn)
    assert result == audit.Verification(True, trail.records, trail.head)


def test_every_write_of_the_round_is_recorded(trail: Trail) -> None:
    with trail.engine.connect() as conn:
        actions = set(conn.scalars(text("SELECT DISTINCT action FROM audit_record")))
        signed = conn.execute(
            text("SELECT actor, party FROM audit_record WHERE action = 'evaluation.sign'")
        ).one()
    assert actions >= ROUND_ACTIONS, f"never recorded: {sorted(ROUND_ACTIONS - actions)}"
    assert tuple(signed) == ("rok-signer", "ROK")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("before", '{"level":"Full"}'),
        ("after", '{"level":"Full"}'),
        ("actor", "mallory"),
        ("at", "2020-01-01T00:00:00.000000+00:00"),
        ("party", "US"),
        ("action", "rating.delete"),
    ],
)
def test_a_changed_field_is_found_at_its_record(trail: Trail, column: str, value: str) -> None:
    seq = _middle(trail)
    with tampering(trail) as conn:
        row = _row(conn, seq)
        assert row[column] != value
        _write(conn, row["id"], {column: value})
        result = _verify(conn)
    assert not result.ok and result.broken_at == seq
    assert result.reason == f"record {seq} was changed after it was written"


def test_a_changed_record_with_a_recomputed_hash_breaks_the_next_link(trail: Trail) -> None:
    seq = _middle(trail)
    with tampering(trail) as conn:
        row = _row(conn, seq)
        fields = {c: row[c] for c in COLUMNS if c != "hash"}
        fields["after"] = '{"level":"Full"}'
        _write(conn, row["id"], {"after": fields["after"], "hash": audit._digest(fields)})
        result = _verify(conn)
    assert not result.ok and result.broken_at == seq + 1
    assert "previous-hash differs" in result.reason


def test_a_deleted_record_is_found_at_its_place(trail: Trail) -> None:
    seq = _middle(trail)
    with tampering(trail) as conn:
        conn.execute(text("DELETE FROM audit_record WHERE seq = :seq"), {"seq": seq})
        result = _verify(conn)
    assert not result.ok and result.broken_at == seq
    assert result.reason == (
        f"record {seq} is missing or out of order (found {seq + 1} in its place)"
    )


@pytest.mark.parametrize("with_seq", [True, False], ids=["with-seq", "keeping-seq"])
def test_two_swapped_records_are_found(trail: Trail, with_seq: bool) -> None:
    first = _middle(trail)
    second = first + 3
    swapped = COLUMNS if with_seq else tuple(c for c in COLUMNS if c != "seq")
    with tampering(trail) as conn:
        a, b = _row(conn, first), _row(conn, second)
        if with_seq:  # seq is unique: park one record out of the way first
            _write(conn, a["id"], {"seq": -1})
        _write(conn, b["id"], {c: a[c] for c in swapped})
        _write(conn, a["id"], {c: b[c] for c in swapped})
        result = _verify(conn)
    assert not result.ok and result.broken_at == first
    if with_seq:
        assert "missing or out of order" in result.reason
    else:
        assert "previous-hash differs" in result.reason


def test_a_changed_last_record_is_found(trail: Trail) -> None:
    with tampering(trail) as conn:
        last = _row(conn, trail.records)
        _write(conn, last["id"], {"after": '{"status":"open"}'})
        result = _verify(conn)
    assert not result.ok and result.broken_at == trail.records


def test_a_truncated_tail_is_invisible_to_the_chain_alone(trail: Trail) -> None:
    """A known limit: dropping the newest records leaves a shorter chain that is intact.

    Only a head hash kept outside the database (`accord audit verify` prints it) shows it.
    """
    with tampering(trail) as conn:
        conn.execute(text("DELETE FROM audit_record WHERE seq > :seq"), {"seq": trail.records - 2})
        result = _verify(conn)
    assert result.ok and result.records == trail.records - 2
    assert result.head != trail.head


def _cli(trail: Trail) -> Any:
    # the workspace's own SQLite file; PostgreSQL is named by the environment as in production
    env = {"ACCORD_DATABASE_URL": trail.url} if PG_URL else {"ACCORD_DATABASE_URL": None}
    args = ["audit", "verify", "--data-dir", str(trail.data_dir)]
    return CliRunner().invoke(cli, args, env=env)


def test_cli_reports_an_intact_trail(trail: Trail) -> None:
    result = _cli(trail)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"audit trail intact: {trail.records} records, head {trail.head}"
    )


def test_cli_reports_a_broken_trail_and_exits_1(trail: Trail) -> None:
    seq = _middle(trail)
    with trail.engine.begin() as conn:  # the CLI reads committed data: restore it afterwards
        row = _row(conn, seq)
        _write(conn, row["id"], {"actor": "mallory"})
    try:
        result = _cli(trail)
    finally:
        with trail.engine.begin() as conn:
            _write(conn, row["id"], {"actor": row["actor"]})
    assert result.exit_code == 1, result.output
    assert result.output.strip() == (
        f"audit trail BROKEN at record {seq}: record {seq} was changed after it was written"
    )
    assert _cli(trail).exit_code == 0  # restored
