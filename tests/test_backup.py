"""Backups: the database and evidence files round-trip; audit chain and signatures still verify."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from accord import backup as backups
from accord import schema
from accord.cli import app as cli_app
from accord.config import Settings
from accord.db import make_engine, make_sessionmaker
from accord.formats import signed_bundle
from accord.models import AuditRecord, Plan
from accord.services import audit, evidence_store, signatures
from accord.services.actors import SYSTEM
from accord.services.examples import demo_password

PLAN = "opcon-cotp"
EV = f"/api/v1/plans/{PLAN}/evaluations"
PDF = b"%PDF-1.7\n% evidence behind C1.1.1 for the backup test\n"
Client = Callable[[str], TestClient]


def _bundle(factory: sessionmaker[Session]) -> bytes:
    with factory() as s:
        plan = s.scalar(select(Plan).where(Plan.code == PLAN))
        assert plan is not None
        return signatures.export_bundle(session=s, actor=SYSTEM, plan=plan, code="2025")


@pytest.fixture
def world(as_user: Client, settings: Settings) -> str:
    """2025 signed by both parties, a file attached: what a backup must carry. Its SHA-256."""
    r = as_user("rok-evaluator").post(
        f"{EV}/2025/evidence",
        files={"file": ("exercise.pdf", PDF, "application/pdf")},
        data={"standard": "C1.1.1", "joint": "true"},
    )
    assert r.status_code == 201, r.text
    for who in ("rok-signer", "us-signer"):
        r = as_user(who).post(f"{EV}/2025/signatures", json={"passphrase": demo_password(who)})
        assert r.status_code == 201, r.text
    return hashlib.sha256(PDF).hexdigest()


def _check_restored(engine: Engine, data_dir: Path, sha: str, before: bytes, records: int) -> None:
    assert schema.current(engine) == schema.head()
    factory = make_sessionmaker(engine)
    with factory() as s:
        check = audit.verify(s)
        assert check.ok, check.reason
        assert check.records == records
    after = _bundle(factory)
    assert after == before  # the signed record is byte for byte what it was
    assert signed_bundle.verify_bundle(after).ok
    assert evidence_store.path_for(data_dir, sha).read_bytes() == PDF


@pytest.mark.parametrize("logical", [False, True], ids=["native", "logical"])
def test_round_trip_keeps_audit_chain_signatures_and_files(
    world: str,
    engine: Engine,
    factory: sessionmaker[Session],
    settings: Settings,
    empty_engine: Engine,
    tmp_path: Path,
    logical: bool,
) -> None:
    before = _bundle(factory)
    with factory() as s:
        records = audit.verify(s).records
        assert records > 0
    archive = tmp_path / "backup.tar.gz"
    report = backups.create(engine, settings.data_dir, archive, logical=logical)
    assert report.files == 1 and archive.exists()
    assert not archive.with_name("backup.tar.gz.partial").exists()
    restored_dir = tmp_path / "restored-data"
    backups.restore(empty_engine, restored_dir, archive)
    _check_restored(empty_engine, restored_dir, world, before, records)


def test_a_logical_backup_moves_between_database_kinds(
    world: str, engine: Engine, factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    archive = tmp_path / "logical.tar.gz"
    backups.create(engine, settings.data_dir, archive, logical=True)
    other = make_engine(f"sqlite:///{tmp_path / 'other' / 'accord.db'}")
    try:
        with factory() as s:
            records = audit.verify(s).records
        backups.restore(other, tmp_path / "other-data", archive)
        _check_restored(other, tmp_path / "other-data", world, _bundle(factory), records)
    finally:
        other.dispose()


def _rewrite(archive: Path, change: Callable[[str, bytes], bytes | None]) -> None:
    """Rewrite an archive member by member (None drops a member)."""
    with tarfile.open(archive, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers() if m.isfile()]  # type: ignore[union-attr]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for m, data in members:
            new = change(m.name, data)
            if new is None:
                continue
            m.size = len(new)
            tar.addfile(m, io.BytesIO(new))
    archive.write_bytes(buffer.getvalue())


def test_a_changed_member_is_refused_before_anything_is_touched(
    world: str, engine: Engine, settings: Settings, empty_engine: Engine, tmp_path: Path
) -> None:
    archive = tmp_path / "b.tar.gz"
    backups.create(engine, settings.data_dir, archive, logical=True)

    def flip(name: str, data: bytes) -> bytes:
        return data.replace(b"C1.1.1", b"C1.1.2", 1) if name == "database.jsonl" else data

    _rewrite(archive, flip)
    with pytest.raises(backups.BackupError, match=r"database\.jsonl does not match its SHA-256"):
        backups.restore(empty_engine, tmp_path / "r", archive)
    assert schema.current(empty_engine) is None  # nothing was written

    def drop_evidence(name: str, data: bytes) -> bytes | None:
        return None if name.startswith("evidence/") else data

    backups.create(engine, settings.data_dir, archive)
    _rewrite(archive, drop_evidence)
    with pytest.raises(backups.BackupError, match=r"evidence/[0-9a-f]{64} is missing"):
        backups.restore(empty_engine, tmp_path / "r", archive)


def test_refusals_name_the_problem(
    opcon: Plan, engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(gzip.compress(b"not a tar file"))
    with pytest.raises(backups.BackupError, match=r"junk\.tar\.gz: cannot read the archive"):
        backups.restore(engine, settings.data_dir, junk)
    with pytest.raises(backups.BackupError, match="no such file"):
        backups.restore(engine, settings.data_dir, tmp_path / "missing.tar.gz")
    archive = tmp_path / "b.tar.gz"
    backups.create(engine, settings.data_dir, archive, logical=True)
    # restoring over a database that holds data needs --replace
    with pytest.raises(backups.BackupError, match=r"not empty.*--replace"):
        backups.restore(engine, settings.data_dir, archive)

    def newer(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["revision"] = "9999"
        return json.dumps(manifest).encode()

    _rewrite(archive, newer)
    with pytest.raises(backups.BackupError, match="migration 9999, newer than this version"):
        backups.restore(engine, settings.data_dir, archive)


def test_replace_restores_over_existing_data(
    opcon: Plan, engine: Engine, factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    archive = tmp_path / "b.tar.gz"
    backups.create(engine, settings.data_dir, archive)
    with factory() as s, s.begin():
        s.execute(text("DELETE FROM evaluation WHERE code = '2025'"))
    backups.restore(engine, settings.data_dir, archive, replace=True)
    with factory() as s:
        assert s.scalar(text("SELECT count(*) FROM evaluation WHERE code = '2025'")) == 1


def test_cli_backup_and_restore(world: str, settings: Settings, tmp_path: Path) -> None:
    if make_url(settings.resolved_database_url()).get_backend_name() != "sqlite":
        pytest.skip("the CLI round trip uses workspace directories (SQLite)")
    runner = CliRunner()
    archive = tmp_path / "cli.tar.gz"
    data = ["--data-dir", str(settings.data_dir)]
    source = {"ACCORD_DATABASE_URL": settings.resolved_database_url()}
    r = runner.invoke(cli_app, ["backup", str(archive), *data], env=source)
    assert r.exit_code == 0, r.output
    assert "(sqlite, migration" in r.output and "1 evidence files" in r.output
    fresh = ["--data-dir", str(tmp_path / "fresh")]
    r = runner.invoke(cli_app, ["restore", str(archive), *fresh], env={"ACCORD_DATABASE_URL": None})
    assert r.exit_code == 0, r.output
    assert "audit trail intact" in r.output
    r = runner.invoke(cli_app, ["restore", str(archive), *fresh], env={"ACCORD_DATABASE_URL": None})
    assert r.exit_code == 1 and "--replace" in r.output
    with create_engine(f"sqlite:///{tmp_path / 'fresh' / 'accord.db'}").connect() as conn:
        assert conn.scalar(select(AuditRecord.id).limit(1)) is not None
