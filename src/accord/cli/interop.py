"""Interoperability commands: framework export, import-oscal, import-ciso (see docs/interop.md)."""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from accord.formats import ciso_library, framework_dump, oscal_catalog, safe_input
from accord.i18n import gettext as _
from accord.services import framework_versions as versions
from accord.services import plans
from accord.services.actors import SYSTEM

from .common import DATA_DIR, cannot_write, err, fail, out, settings_for, workspace_session, wrote
from .frameworks import PLAN, framework_app
from .language import N_


@contextmanager
def progress_bar(what: str) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar on standard error (drawn only on a terminal), as a callback."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _write(output: Path, text: str) -> None:
    if str(output) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, "utf-8")
    except OSError as exc:
        raise fail(cannot_write(output, exc)) from None
    out.print(wrote(output, len(text.encode("utf-8"))), highlight=False)


def _failed(exc: safe_input.ImportFailure) -> typer.Exit:
    for message in exc.messages:
        err.print(message, highlight=False, soft_wrap=True, markup=False)
    return typer.Exit(1)


@framework_app.command(
    "export", help=N_("Write a stored framework version as canonical framework YAML.")
)
def framework_export(
    version: str = typer.Argument(..., help=N_("The framework version label to export.")),
    plan: str | None = PLAN,
    output: Path = typer.Option(
        ..., "-o", "--output", help=N_("File to write the YAML to ('-' for standard output).")
    ),
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        the_plan = plans.default_plan(session=session, code=plan)
        fw = versions.framework_for(session=session, actor=SYSTEM, plan=the_plan, version=version)
    _write(output, framework_dump.dump(fw))


class GroupDepth(enum.StrEnum):
    one = "1"
    two = "2"


class EnhancementMode(enum.StrEnum):
    nested = "nested"
    separate = "separate"


class ScaleName(enum.StrEnum):
    implementation = "implementation"
    yesno = "yesno"


OUTPUT = typer.Option(
    None, "-o", "--output", help=N_("Framework YAML file to write ('-': stdout).")
)
CREATE = typer.Option(
    False, "--create-plan", help=N_("Create the plan from the framework at once.")
)
SCALE = typer.Option(ScaleName.implementation, "--scale", help=N_("Rating scale preset."))
THRESHOLD = typer.Option(
    None, "--threshold", help=N_("Level that counts as met (default: per scale, see docs).")
)
PARTY = typer.Option(None, "--party", help=N_("Party code (repeat for several; default: org)."))
CODE = typer.Option(None, "--plan", help=N_("Code of the framework / plan to make."))


def _nowhere() -> typer.Exit:
    return fail(_("say where the framework goes: -o FILE.yaml and/or --create-plan"))


def _finish(
    text: str, output: Path | None, create: bool, source: str, data_dir: Path | None
) -> None:
    if output is None and not create:
        raise _nowhere()
    if output is not None:
        _write(output, text)
    if create:
        with (
            progress_bar(_("creating the plan")),
            workspace_session(settings_for(data_dir), initialise=True) as session,
        ):
            made = plans.create_plan(session=session, text=text, source=source)
            code, parties = made.code, ", ".join(p.code for p in made.parties)
        out.print(
            _("created plan %(code)s (parties %(parties)s)", code=code, parties=parties),
            highlight=False,
        )


@framework_app.command(
    "import-oscal", help=N_("Turn an OSCAL catalog into a framework YAML file (or a plan).")
)
def framework_import_oscal(
    catalog: Path = typer.Argument(..., help=N_("OSCAL catalog in JSON.")),
    plan: str | None = CODE,
    group_depth: GroupDepth | None = typer.Option(
        None,
        "--group-depth",
        help=N_("1: groups are fields; 2: groups conditions, subgroups fields."),
    ),
    enhancements: EnhancementMode = typer.Option(
        EnhancementMode.nested,
        "--enhancements",
        help=N_("Control enhancements nested or separate."),
    ),
    scale: ScaleName = SCALE,
    threshold: str | None = THRESHOLD,
    party: list[str] | None = PARTY,
    output: Path | None = OUTPUT,
    create_plan: bool = CREATE,
    data_dir: Path | None = DATA_DIR,
) -> None:
    if output is None and not create_plan:
        raise _nowhere()
    try:
        with progress_bar(_("importing %(name)s", name=catalog.name)) as update:
            data = safe_input.load_json(safe_input.read_limited(catalog), str(catalog))
            result = oscal_catalog.convert(
                data,
                str(catalog),
                plan=plan,
                group_depth=int(group_depth.value) if group_depth else None,
                enhancements="separate" if enhancements is EnhancementMode.separate else "nested",
                scale=scale.value,
                threshold=threshold,
                party_codes=party or [],
                progress=update,
            )
    except safe_input.ImportFailure as exc:
        raise _failed(exc) from None
    for note in result.notes:
        err.print(_("note: %(text)s", text=note), highlight=False, markup=False)
    fw = result.framework
    err.print(
        _(
            "%(file)s: %(conditions)s conditions, %(fields)s fields, %(standards)s standards",
            file=catalog,
            conditions=len(fw.conditions),
            fields=len(list(fw.fields())),
            standards=len(fw.standards_by_code),
        ),
        highlight=False,
        soft_wrap=True,
    )
    _finish(result.text, output, create_plan, str(output or catalog), data_dir)


@framework_app.command(
    "import-ciso",
    help=N_("Turn a CISO Assistant framework library into a framework YAML file (or a plan)."),
)
def framework_import_ciso(
    file: Path = typer.Argument(..., help=N_("CISO Assistant framework library (YAML).")),
    plan: str | None = CODE,
    scale: ScaleName = typer.Option(
        ScaleName.implementation,
        "--scale",
        help=N_("Scale preset when the library has no scores_definition."),
    ),
    threshold: str | None = THRESHOLD,
    party: list[str] | None = PARTY,
    output: Path | None = OUTPUT,
    create_plan: bool = CREATE,
    data_dir: Path | None = DATA_DIR,
) -> None:
    if output is None and not create_plan:
        raise _nowhere()
    try:
        with progress_bar(_("importing %(name)s", name=file.name)) as update:
            doc = safe_input.load_yaml(safe_input.read_limited(file), str(file))
            result = ciso_library.convert(
                doc,
                str(file),
                plan=plan,
                party_codes=party or [],
                scale=scale.value,
                threshold=threshold,
                progress=update,
            )
    except safe_input.ImportFailure as exc:
        raise _failed(exc) from None
    for note in result.notes:
        err.print(_("note: %(text)s", text=note), highlight=False, markup=False)
    fw = result.framework
    err.print(
        _(
            "%(file)s: %(conditions)s conditions, %(fields)s fields, %(standards)s standards, "
            "%(stages)s stages",
            file=file,
            conditions=len(fw.conditions),
            fields=len(list(fw.fields())),
            standards=len(fw.standards_by_code),
            stages=len(fw.stages),
        ),
        highlight=False,
        soft_wrap=True,
    )
    _finish(result.text, output, create_plan, str(output or file), data_dir)
