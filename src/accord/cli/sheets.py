"""Rating sheets (XLSX/CSV) and the history import: `accord sheet export|import`,
`accord history import`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from accord.formats.sheets import Progress as Callback
from accord.i18n import gettext as _
from accord.services import history, plans, sheets
from accord.services.actors import SYSTEM

from .base import app
from .common import DATA_DIR, TOKEN, err, fail, out, settings_for, token_actor, workspace_session
from .helptext import Typer
from .language import N_

sheet_app = Typer(
    help=N_("Party rating sheets: export, fill offline, import."), no_args_is_help=True
)
history_app = Typer(help=N_("Import past evaluation results."), no_args_is_help=True)
app.add_typer(sheet_app, name="sheet")
app.add_typer(history_app, name="history")


@contextmanager
def _progress(what: str) -> Iterator[Callback]:
    """A progress bar on the terminal (nothing when output is not one)."""
    with Progress(
        TextColumn(what),
        BarColumn(),
        TextColumn(_("{task.completed:,} rows")),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task(what, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise fail(f"{path}: {exc.strerror}") from None


@sheet_app.command(
    "export",
    help=N_(
        "Write your party's rating sheet for an evaluation (XLSX, or CSV by the file's suffix)."
    ),
)
def sheet_export(
    evaluation: str = typer.Argument(..., help=N_("Evaluation code, e.g. 2026.")),
    party: str | None = typer.Option(
        None, "--party", help=N_("Your party (if you act for several).")
    ),
    output: Path = typer.Option(..., "-o", "--output", help=N_("File to write: .xlsx or .csv.")),
    plan: str | None = typer.Option(None, "--plan", help=N_("Plan code (default: the only plan).")),
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    format = "csv" if output.suffix.lower() == ".csv" else "xlsx"
    with workspace_session(settings_for(data_dir)) as session:
        actor = token_actor(session, token)
        with _progress(_("exporting")) as update:
            done = sheets.export_sheet(
                session=session,
                actor=actor,
                plan_code=plans.default_plan(session=session, code=plan).code,
                code=evaluation,
                party_code=party,
                format=format,
                progress=update,
            )
    try:
        output.write_bytes(done.content)
    except OSError as exc:
        raise fail(f"{output}: {exc.strerror}") from None
    out.print(
        _(
            "wrote %(file)s: %(rows)s standards (%(format)s)",
            file=output,
            rows=done.rows,
            format=format,
        ),
        highlight=False,
    )


@sheet_app.command(
    "import",
    help=N_("Check a filled sheet and save its ratings, all or none; every problem is listed."),
)
def sheet_import(
    file: Path = typer.Argument(..., help=N_("A filled rating sheet (.xlsx or .csv).")),
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    data = _read(file)
    with workspace_session(settings_for(data_dir)) as session:
        actor = token_actor(session, token)
        try:
            with _progress(_("importing")) as update:
                result = sheets.import_sheet(
                    session=session, actor=actor, data=data, name=file.name, progress=update
                )
        except sheets.SheetRejected as exc:
            for line in str(exc).splitlines():
                err.print(line, highlight=False, soft_wrap=True, markup=False)
            raise typer.Exit(1) from None
    out.print(
        _(
            "imported %(file)s into %(plan)s %(evaluation)s for %(party)s: %(saved)s rating(s) "
            "saved, %(unchanged)s unchanged",
            file=file.name,
            plan=result["plan"],
            evaluation=result["evaluation"],
            party=result["party"],
            saved=result["saved"],
            unchanged=result["rows"] - result["saved"],
        ),
        highlight=False,
        soft_wrap=True,
    )


@history_app.command(
    "import",
    help=N_(
        "Import past evaluations and their ratings from a CSV, all or nothing (local operator)."
    ),
)
def history_import(
    file: Path = typer.Argument(..., help=N_("History CSV (docs/history-import.md).")),
    plan: str | None = typer.Option(None, "--plan", help=N_("Plan code (default: the only plan).")),
    data_dir: Path | None = DATA_DIR,
) -> None:
    data = _read(file)
    with workspace_session(settings_for(data_dir)) as session:
        try:
            with _progress(_("importing history")):
                result = history.import_history(
                    session=session,
                    actor=SYSTEM,
                    plan_code=plans.default_plan(session=session, code=plan).code,
                    data=data,
                    name=file.name,
                )
        except history.HistoryRejected as exc:
            for line in str(exc).splitlines():
                err.print(line, highlight=False, soft_wrap=True, markup=False)
            raise typer.Exit(1) from None
    created = ", ".join(result["created"]) or _("none")
    out.print(
        _(
            "imported %(file)s into %(plan)s: evaluations created: %(created)s; %(party)s party "
            "and %(joint)s joint rating(s)",
            file=file.name,
            plan=result["plan"],
            created=created,
            party=result["party_ratings"],
            joint=result["joint_ratings"],
        ),
        highlight=False,
        soft_wrap=True,
    )
