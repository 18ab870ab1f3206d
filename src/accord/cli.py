"""The `accord` command line.  Every command calls services; none holds business rules."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from accord import schema
from accord.config import Settings
from accord.db import make_engine, make_sessionmaker, transaction
from accord.formats import framework_yaml
from accord.services import Conflict, Invalid, NotFound, documents, evaluations, examples, plans

app = typer.Typer(
    help="accord: conditions-based transitions, jointly evaluated.",
    no_args_is_help=True,
    add_completion=False,
)
example_app = typer.Typer(help="Load a bundled example plan.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
plan_app = typer.Typer(
    help="Plans: create one from a framework file, list them.", no_args_is_help=True
)
app.add_typer(example_app, name="example")
app.add_typer(db_app, name="db")
app.add_typer(plan_app, name="plan")

out = Console()
err = Console(stderr=True)

DataDir = typer.Option(
    None, "--data-dir", envvar="ACCORD_DATA_DIR", help="Workspace directory (default .accord)."
)


def _settings(data_dir: Path | None, **extra: object) -> Settings:
    values: dict[str, object] = {k: v for k, v in extra.items() if v is not None}
    if data_dir is not None:
        values["data_dir"] = data_dir
    return Settings(**values)  # type: ignore[arg-type]


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _shown(url: str) -> str:
    """A database URL fit to print: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def _session(settings: Settings, *, initialise: bool = False) -> Iterator[Session]:
    """A committed-on-success session on the workspace database, with errors as messages."""
    url = settings.resolved_database_url()
    parsed = make_url(url)
    if (
        not initialise
        and parsed.get_backend_name() == "sqlite"
        and parsed.database not in (None, "", ":memory:")
        and not Path(parsed.database).exists()
    ):
        raise _fail(f"no accord database at {parsed.database}: run `accord init` first")
    engine = make_engine(url)
    try:
        if initialise:
            schema.upgrade(engine)
        schema.check_current(engine)
        with transaction(make_sessionmaker(engine)) as session:
            yield session
    except schema.SchemaError as exc:
        raise _fail(str(exc)) from None
    except (NotFound, Conflict, Invalid) as exc:
        raise _fail(str(exc)) from None
    except framework_yaml.FrameworkError as exc:
        for d in exc.diagnostics:
            err.print(str(d), highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except OperationalError as exc:
        raise _fail(f"cannot use the database {_shown(url)}: {exc.orig}") from None
    finally:
        engine.dispose()


@app.command()
def init(data_dir: Path | None = DataDir) -> None:
    """Create the workspace and bring its database up to date."""
    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with _session(settings, initialise=True):
        pass
    out.print(
        f"workspace ready: {settings.data_dir.resolve()} "
        f"(database {_shown(settings.resolved_database_url())})",
        highlight=False,
    )


@db_app.command("upgrade")
def db_upgrade(data_dir: Path | None = DataDir) -> None:
    """Apply pending database migrations."""
    settings = _settings(data_dir)
    with _session(settings, initialise=True):
        pass
    engine = make_engine(settings.resolved_database_url())
    try:
        out.print(f"database at migration {schema.current(engine)}")
    finally:
        engine.dispose()


@example_app.command("opcon")
def example_opcon(
    data_dir: Path | None = DataDir,
    if_missing: bool = typer.Option(
        False, "--if-missing", help="Do nothing (and succeed) when the plan is there."
    ),
) -> None:
    """Load the ROK–US OPCON plan and its illustrative 2019–2026 history."""
    settings = _settings(data_dir)
    with _session(settings, initialise=True) as session:
        if if_missing and any(p.code == "opcon-cotp" for p in plans.list_plans(session=session)):
            out.print("the OPCON example is already loaded")
            return
        plan = examples.load_example(session=session, name="opcon")
        count = len(evaluations.list_evaluations(session=session, plan=plan))
    out.print(
        f"loaded plan {plan.code} with {count} evaluations "
        f"([bold]{documents.ILLUSTRATIVE_NOTICE}[/])"
    )


@plan_app.command("create")
def plan_create(
    file: Path = typer.Argument(..., help="Framework YAML file (see docs/framework-format.md)."),
    code: str | None = typer.Option(None, "--code", help="Plan code (default: the framework's)."),
    data_dir: Path | None = DataDir,
) -> None:
    """Create a plan, its parties and its first agreed framework version from a YAML file."""
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"{file}: cannot read file: {exc}") from None
    with _session(_settings(data_dir), initialise=True) as session:
        plan = plans.create_plan(session=session, text=text, source=str(file), code=code)
        parties = ", ".join(p.code for p in plan.parties)
    out.print(f"created plan {plan.code} ({plan.title}; parties {parties})", highlight=False)


@plan_app.command("list")
def plan_list(data_dir: Path | None = DataDir) -> None:
    """List the plans in the workspace."""
    with _session(_settings(data_dir)) as session:
        rows = [
            (p.code, p.title, p.target_date, p.illustrative)
            for p in plans.list_plans(session=session)
        ]
    if not rows:
        out.print("no plans yet: `accord example opcon` or `accord plan create FILE.yaml`")
        return
    table = Table(box=box.SIMPLE_HEAD)
    for col in ("code", "title", "target", ""):
        table.add_column(col)
    for code, title, target, illustrative in rows:
        table.add_row(
            code,
            title,
            target.isoformat() if target else "—",
            "illustrative" if illustrative else "",
        )
    out.print(table)


@app.command()
def check(
    files: list[Path] = typer.Argument(..., help="Framework YAML files to validate."),
) -> None:
    """Validate framework files; print every problem as file:line:column: message."""
    failed = False
    for path in files:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            out.print(f"{path}:1:1: cannot read file: {exc}", highlight=False, soft_wrap=True)
            failed = True
            continue
        fw, diagnostics = framework_yaml.validate(text, str(path))
        for d in diagnostics:
            out.print(str(d), highlight=False, soft_wrap=True)
        if fw is None:
            failed = True
        else:
            n = len(fw.index.codes)
            counts = (
                (len(fw.conditions), "condition"),
                (sum(1 for _ in fw.fields()), "field"),
                (n, "standard"),
                (len(fw.stages), "stage"),
            )
            listed = ", ".join(f"{k} {noun}{'' if k == 1 else 's'}" for k, noun in counts)
            out.print(
                f"{path}: ok ({listed})",
                highlight=False,
                soft_wrap=True,
            )
    if failed:
        raise typer.Exit(1)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _delta(x: float | None) -> str:
    return "—" if x is None else f"{x:+.2f}"


@app.command()
def summary(
    evaluation: str | None = typer.Argument(
        None, help="Evaluation code (default: the latest with joint ratings)."
    ),
    plan: str | None = typer.Option(None, "--plan", help="Plan code (default: the only plan)."),
    since: str | None = typer.Option(
        None, "--since", help="Measure progress since this evaluation (default: the previous)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON document instead."),
    data_dir: Path | None = DataDir,
) -> None:
    """Scores by condition and field, met/total, progress, agreement, stages and the statement."""
    with _session(_settings(data_dir)) as session:
        the_plan = plans.default_plan(session=session, code=plan)
        view = evaluations.summarize_evaluation(
            session=session, plan=the_plan, code=evaluation, since=since
        )
        doc = documents.summary_document(view)
    if as_json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return
    _print_summary(doc)


def _print_summary(doc: dict[str, object]) -> None:
    ev = doc["evaluation"]
    prev = doc["previous_evaluation"]
    assert isinstance(ev, dict)
    if doc["notice"]:
        out.print(f"[bold yellow]{doc['notice']}[/]")
    plan = doc["plan"]
    assert isinstance(plan, dict)
    title = f"{plan['title']} — {ev['label']} ({ev['held_on']}, {ev['status']})"
    since = f"Δ {prev['code']}" if isinstance(prev, dict) else "Δ"
    agreement = doc["agreement"]
    assert isinstance(agreement, list)
    pair = agreement[0] if agreement else None
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("node", no_wrap=True, min_width=4)
    table.add_column("title", no_wrap=True, overflow="ellipsis", max_width=max(12, out.width - 62))
    for col in ("score", "met", since):
        table.add_column(col, justify="right", no_wrap=True, min_width=max(5, len(col)))
    table.add_column("progress", no_wrap=True, min_width=10)
    table.add_column("agreement", justify="right", no_wrap=True, min_width=11)
    conditions = doc["conditions"]
    assert isinstance(conditions, list)
    progress_doc = doc["progress"]
    judged = progress_doc["rule"]["judged_at"] if isinstance(progress_doc, dict) else ""
    for c in conditions:
        agree = "—"
        if pair and (st := pair["conditions"].get(c["code"])) and st["compared"]:
            agree = f"{st['exact']:.0%} κ{st['kappa']:.2f}"
        _row(table, c, bold=True, agreement=agree, judged=judged == "condition")
        for f in c["fields"]:
            _row(table, f, bold=False, agreement="", judged=judged == "field")
    plan_score = doc["plan_score"]
    assert isinstance(plan_score, dict)
    overall = "—"
    if pair and pair["overall"]["compared"]:
        overall = f"{pair['overall']['exact']:.0%} κ{pair['overall']['kappa']:.2f}"
    _row(
        table,
        {**plan_score, "code": "plan", "title": "whole plan"},
        bold=True,
        agreement=overall,
        judged=False,
    )
    out.print(table)
    stages = Table(title="Stage readiness", title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("stage", "target", "met", "ready", "blocked by"):
        stages.add_column(col)
    stage_list = doc["stages"]
    assert isinstance(stage_list, list)
    for st in stage_list:
        stages.add_row(
            st["code"],
            st["target_date"] or "—",
            f"{st['met']}/{st['required'] - st['not_applicable']}",
            "[green]ready[/]" if st["ready"] else "[red]not ready[/]",
            ", ".join(b["code"] for b in st["blocking"]) or "—",
        )
    out.print(stages)
    progress = doc["progress"]
    if isinstance(progress, dict):
        out.print(f"[bold]{progress['statement']}[/]", highlight=False)
    else:
        out.print("No earlier evaluation with joint ratings: progress cannot be judged yet.")
    if pair:
        out.print(
            f"Agreement {' / '.join(pair['parties'])}: "
            f"{pair['overall']['compared']} standards compared",
            highlight=False,
        )


def _row(
    table: Table, node: dict[str, object], *, bold: bool, agreement: str, judged: bool
) -> None:
    counts = node["counts"]
    assert isinstance(counts, dict)
    progress = node.get("progress")
    delta, verdict = "—", ""
    if isinstance(progress, dict):
        delta = _delta(progress["delta"])
        if judged:
            verdict = {
                True: "[green]meaningful[/]",
                False: "[dim]below rule[/]",
                None: "[dim]n/c[/]",
            }[progress["meaningful"]]
    style = "bold" if bold else ""
    table.add_row(
        str(node["code"]),
        str(node["title"]),
        _pct(node["score"]),  # type: ignore[arg-type]
        f"{counts['met']}/{counts['applicable']}",
        delta,
        verdict,
        agreement,
        style=style,
    )


@app.command()
def serve(
    data_dir: Path | None = DataDir,
    host: str | None = typer.Option(
        None, "--host", envvar="ACCORD_HOST", help="Address to listen on (default 127.0.0.1)."
    ),
    port: int | None = typer.Option(
        None, "--port", envvar=["PORT", "ACCORD_PORT"], help="Port to listen on (default 8000)."
    ),
    demo: bool = typer.Option(False, "--demo", help="Serve in demo mode."),
) -> None:
    """Serve the web application and the API."""
    settings = _settings(data_dir, host=host, port=port, demo=demo or None)
    _serve(settings)


def _serve(settings: Settings) -> None:
    import uvicorn

    from accord.web.app import create_app

    with _session(settings):
        pass
    out.print(
        f"accord is serving at [bold]http://{settings.host}:{settings.port}/[/] (Ctrl+C to stop)",
        highlight=False,
    )
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")


@app.command()
def demo(
    data_dir: Path = typer.Option(
        Path(".accord-demo"),
        "--data-dir",
        envvar="ACCORD_DATA_DIR",
        help="Demo workspace directory.",
    ),
    port: int = typer.Option(
        8000, "--port", envvar=["PORT", "ACCORD_PORT"], help="Port to listen on."
    ),
) -> None:
    """Create the demo workspace with the OPCON example if it is empty, then serve it."""
    settings = _settings(data_dir, port=port, demo=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with _session(settings, initialise=True) as session:
        if not plans.list_plans(session=session):
            plan = examples.load_example(session=session, name="opcon")
            out.print(
                f"loaded the OPCON example plan ({plan.code}) into {settings.data_dir.resolve()}",
                highlight=False,
            )
        illustrative = any(p.illustrative for p in plans.list_plans(session=session))
    if illustrative:
        out.print(
            f"[bold yellow]{documents.ILLUSTRATIVE_NOTICE}[/]: the example's ratings are invented."
        )
    _serve(settings)


def main() -> None:
    """Entry point of the `accord` console script."""
    app()
