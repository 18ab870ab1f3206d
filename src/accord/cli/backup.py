"""Backup and restore of a workspace: the database and the evidence files in one archive."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.exc import OperationalError

from accord import backup as backups
from accord.db import make_engine, make_sessionmaker, transaction
from accord.i18n import gettext as _
from accord.services import audit

from .audit import broken
from .base import app
from .common import DATA_DIR, cannot_use, fail, out, settings_for, shown
from .language import N_


@app.command(
    "backup", help=N_("Back up the database and the evidence files into one verifiable archive.")
)
def backup(
    file: Path = typer.Argument(
        ..., help=N_("The archive to write, e.g. accord-2026-11-27.tar.gz.")
    ),
    logical: bool = typer.Option(
        False,
        "--logical",
        help=N_(
            "Write a logical export (restores into SQLite or PostgreSQL) instead of the "
            "database's own format."
        ),
    ),
    data_dir: Path | None = DATA_DIR,
) -> None:
    settings = settings_for(data_dir)
    url = settings.resolved_database_url()
    engine = make_engine(url)
    try:
        report = backups.create(engine, settings.data_dir, file, logical=logical)
    except backups.BackupError as exc:
        raise fail(str(exc)) from None
    except OperationalError as exc:
        raise fail(cannot_use(url, exc)) from None
    finally:
        engine.dispose()
    values = {
        "path": report.path,
        "method": report.method,
        "revision": report.revision,
        "rows": report.rows,
        "files": report.files,
    }
    out.print(
        _(
            "backup written: %(path)s (%(method)s, migration %(revision)s, %(rows)s rows, "
            "%(files)s evidence files)",
            **values,
        )
        if report.rows is not None
        else _(
            "backup written: %(path)s (%(method)s, migration %(revision)s, "
            "%(files)s evidence files)",
            **values,
        ),
        highlight=False,
        soft_wrap=True,
    )


@app.command(
    "restore", help=N_("Restore a backup (stop the server first), then verify the audit trail.")
)
def restore(
    file: Path = typer.Argument(..., help=N_("An archive written by `accord backup`.")),
    replace: bool = typer.Option(
        False, "--replace", help=N_("Drop what the database holds before restoring into it.")
    ),
    data_dir: Path | None = DATA_DIR,
) -> None:
    settings = settings_for(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url()
    engine = make_engine(url)
    try:
        report = backups.restore(engine, settings.data_dir, file, replace=replace)
        with transaction(make_sessionmaker(engine)) as session:
            check = audit.verify(session)
    except backups.BackupError as exc:
        raise fail(str(exc)) from None
    except OperationalError as exc:
        raise fail(cannot_use(url, exc)) from None
    finally:
        engine.dispose()
    out.print(
        _(
            "restored %(path)s (%(method)s, migration %(revision)s, %(files)s evidence files) "
            "into %(url)s",
            path=report.path,
            method=report.method,
            revision=report.revision,
            files=report.files,
            url=shown(url),
        ),
        highlight=False,
        soft_wrap=True,
    )
    if not check.ok:
        raise fail(broken(check.broken_at, check.reason))
    out.print(_("audit trail intact: %(records)s records", records=check.records), highlight=False)
