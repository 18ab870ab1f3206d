"""Backups of a workspace: the database and the evidence files, in one verifiable archive.

An archive is a gzipped tar holding `manifest.json` (format, schema revision, database kind,
the SHA-256 of every other member) and one database member:

- `database.sqlite`: a SQLite database copied with SQLite's online backup API (consistent while
  the server runs);
- `database.pgdump`: `pg_dump --format=custom`, for PostgreSQL when pg_dump is installed;
- `database.jsonl`: a logical export (one JSON object per row, tables in dependency order),
  for PostgreSQL without pg_dump or on request; it restores into either database;

plus `evidence/<sha256>` for every stored evidence file.  The archive is written to a temporary
name and renamed, so a crash never leaves a half-written backup under the requested name.
Restore checks every hash before it touches anything, refuses a non-empty database unless told
to replace it, and runs in one transaction where the database allows it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Date, DateTime, Engine, LargeBinary, MetaData, Table, inspect, text
from sqlalchemy.engine import make_url

from accord import schema
from accord.models import Base
from accord.services import evidence_store

FORMAT = "accord-backup/1"
MEMBERS = {"sqlite": "database.sqlite", "pgdump": "database.pgdump", "logical": "database.jsonl"}
_BATCH = 1000


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in words."""


@dataclass(frozen=True)
class Report:
    path: Path
    method: str  # sqlite | pgdump | logical
    revision: str | None
    rows: int | None  # logical exports count their rows
    files: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment that carries the password."""
    url = engine.url.set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), env


def _dump_sqlite(engine: Engine, target: Path) -> None:
    source = sqlite3.connect(str(make_url(str(engine.url)).database))
    try:
        dest = sqlite3.connect(str(target))
        with dest:
            source.backup(dest)
        dest.close()
    finally:
        source.close()


def _dump_pg(engine: Engine, target: Path) -> None:
    url, env = _libpq(engine)
    args = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "-f", str(target), url]
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _tables(engine: Engine) -> list[Table]:
    """The accord tables in dependency order, and alembic's version table last."""
    meta = MetaData()
    version = Table("alembic_version", meta, autoload_with=engine)
    return [*Base.metadata.sorted_tables, version]


def _dump_logical(engine: Engine, target: Path) -> int:
    rows = 0
    with engine.connect() as conn, target.open("w", encoding="utf-8") as fh:
        for table in _tables(engine):
            order = list(table.primary_key.columns) or list(table.columns)
            for row in conn.execute(table.select().order_by(*order)).mappings():
                record = {k: _encode(v) for k, v in row.items()}
                fh.write(json.dumps({"t": table.name, "r": record}, ensure_ascii=False) + "\n")
                rows += 1
    return rows


def backend(engine: Engine) -> str:
    return engine.url.get_backend_name()


def create(engine: Engine, data_dir: Path, path: Path, *, logical: bool = False) -> Report:
    """Write a backup of the database behind `engine` and the evidence under `data_dir`."""
    revision = schema.current(engine)
    if revision is None:
        raise BackupError("the database is empty: there is nothing to back up")
    kind = backend(engine)
    if logical:
        method = "logical"
    elif kind == "sqlite":
        method = "sqlite"
    elif kind == "postgresql" and shutil.which("pg_dump"):
        method = "pgdump"
    else:
        method = "logical"
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="accord-backup-") as tmp:
        member = Path(tmp) / MEMBERS[method]
        rows = None
        if method == "sqlite":
            _dump_sqlite(engine, member)
        elif method == "pgdump":
            _dump_pg(engine, member)
        else:
            rows = _dump_logical(engine, member)
        files = sorted(
            p for p in (data_dir / "evidence").glob("*/*") if p.is_file() and len(p.name) == 64
        )
        hashes = {MEMBERS[method]: _sha256(member)}
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "revision": revision,
            "database": kind,
            "method": method,
            "rows": rows,
            "members": hashes | {f"evidence/{p.name}": p.name for p in files},
        }
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(member, arcname=MEMBERS[method])
            for p in files:
                tar.add(p, arcname=f"evidence/{p.name}")
        os.replace(partial, path)
    return Report(path, method, revision, rows, len(files))


def _read_archive(path: Path, into: Path) -> dict[str, Any]:
    """Unpack and check an archive: every member present, every hash right, nothing else."""
    try:
        with tarfile.open(path, "r:*") as tar:
            names = tar.getnames()
            if "manifest.json" not in names:
                raise BackupError(f"{path}: not an accord backup (no manifest.json)")
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{path}: cannot read the archive: {exc}") from None
    try:
        manifest: dict[str, Any] = json.loads((into / "manifest.json").read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path}: manifest.json is not valid JSON: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: format {manifest.get('format')!r}, expected {FORMAT}")
    members = manifest.get("members") or {}
    extra = set(names) - set(members) - {"manifest.json", "evidence"}
    if extra:
        raise BackupError(f"{path}: members not in the manifest: {', '.join(sorted(extra))}")
    for name, digest in members.items():
        member = into / name
        if not member.is_file():
            raise BackupError(f"{path}: {name} is missing")
        if _sha256(member) != digest:
            raise BackupError(f"{path}: {name} does not match its SHA-256 in the manifest")
    return manifest


def _empty(engine: Engine) -> bool:
    return not set(inspect(engine).get_table_names()) & (
        {"alembic_version"} | set(Base.metadata.tables)
    )


def _drop_all(engine: Engine) -> None:
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _decoder(table: Table) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in table.columns:
        if isinstance(col.type, DateTime):
            out[col.name] = dt.datetime.fromisoformat
        elif isinstance(col.type, Date):
            out[col.name] = dt.date.fromisoformat
        elif isinstance(col.type, LargeBinary):
            out[col.name] = base64.b64decode
    return out


def _rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            try:
                obj = json.loads(line)
                yield obj["t"], obj["r"]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise BackupError(f"database.jsonl line {number}: not a row record") from None


def _load_logical(engine: Engine, path: Path, revision: str) -> None:
    schema.upgrade(engine, revision)
    tables = {t.name: t for t in _tables(engine)}
    decoders = {name: _decoder(t) for name, t in tables.items()}
    with engine.begin() as conn:
        conn.execute(tables["alembic_version"].delete())
        batch: list[dict[str, Any]] = []
        current: str | None = None

        def flush() -> None:
            if batch and current is not None:
                conn.execute(tables[current].insert(), batch)
            batch.clear()

        for name, row in _rows(path):
            if name not in tables:
                raise BackupError(f"database.jsonl: unknown table {name!r}")
            if name != current or len(batch) >= _BATCH:
                flush()
                current = name
            decode = decoders[name]
            batch.append(
                {k: decode[k](v) if k in decode and v is not None else v for k, v in row.items()}
            )
        flush()
        if backend(engine) == "postgresql":
            for table in Base.metadata.sorted_tables:
                if "id" in table.c and table.c.id.primary_key:
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )


def _load_sqlite(engine: Engine, path: Path) -> None:
    if backend(engine) != "sqlite":
        raise BackupError(
            "this backup holds a SQLite database file: restore it into SQLite, "
            "or take a logical backup (`accord backup --logical`) to move to PostgreSQL"
        )
    source = sqlite3.connect(str(path))
    try:
        dest = sqlite3.connect(str(make_url(str(engine.url)).database))
        try:
            source.backup(dest)  # replaces the destination's pages in one step
        finally:
            dest.close()
    finally:
        source.close()


def _load_pgdump(engine: Engine, path: Path) -> None:
    if backend(engine) != "postgresql":
        raise BackupError("this backup is a PostgreSQL dump: restore it into PostgreSQL")
    if not shutil.which("pg_restore"):
        raise BackupError("this backup is a PostgreSQL dump and pg_restore is not installed")
    url, env = _libpq(engine)
    args = [
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        "-d",
        url,
        str(path),
    ]
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def restore(engine: Engine, data_dir: Path, path: Path, *, replace: bool = False) -> Report:
    """Restore an archive into the database behind `engine` and the evidence store."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with tempfile.TemporaryDirectory(prefix="accord-restore-") as tmp:
        manifest = _read_archive(path, Path(tmp))
        revision = manifest.get("revision")
        known = {
            s.revision
            for s in ScriptDirectory.from_config(schema.alembic_config()).walk_revisions()
        }
        if revision not in known:
            raise BackupError(
                f"{path}: the backup is at migration {revision}, "
                "newer than this version of accord: upgrade accord"
            )
        method = manifest.get("method")
        if method not in MEMBERS:
            raise BackupError(f"{path}: unknown backup method {method!r}")
        if not _empty(engine):
            if not replace:
                raise BackupError(
                    "the database is not empty: restore into an empty database, "
                    "or pass --replace to drop its contents first"
                )
            if method != "sqlite":  # the SQLite backup API overwrites the whole file itself
                _drop_all(engine)
        member = Path(tmp) / MEMBERS[method]
        if method == "sqlite":
            _load_sqlite(engine, member)
        elif method == "pgdump":
            _load_pgdump(engine, member)
        else:
            _load_logical(engine, member, revision)
        files = 0
        for name in manifest["members"]:
            if name.startswith("evidence/"):
                data = (Path(tmp) / name).read_bytes()
                evidence_store.store(data_dir, data)
                files += 1
        schema.upgrade(engine)  # an older backup comes up to this code's schema
    return Report(path, method, revision, manifest.get("rows"), files)
