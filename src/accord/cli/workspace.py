"""Workspace commands: init, db upgrade, example, serve, demo."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from accord import i18n, schema
from accord.config import Settings
from accord.db import make_engine
from accord.i18n import gettext as _
from accord.services import accounts, documents, evaluations, examples, plans
from accord.services.actors import SYSTEM

from .base import app
from .common import DATA_DIR, out, settings_for, shown, workspace_session
from .helptext import Typer
from .language import N_

example_app = Typer(help=N_("Load a bundled example plan."), no_args_is_help=True)
db_app = Typer(help=N_("Database schema."), no_args_is_help=True)
app.add_typer(example_app, name="example")
app.add_typer(db_app, name="db")


@app.command(help=N_("Create the workspace and bring its database up to date."))
def init(data_dir: Path | None = DATA_DIR) -> None:
    settings = settings_for(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with workspace_session(settings, initialise=True):
        pass
    out.print(
        _(
            "workspace ready: %(dir)s (database %(url)s)",
            dir=settings.data_dir.resolve(),
            url=shown(settings.resolved_database_url()),
        ),
        highlight=False,
    )


@db_app.command("upgrade", help=N_("Apply pending database migrations."))
def db_upgrade(data_dir: Path | None = DATA_DIR) -> None:
    settings = settings_for(data_dir)
    with workspace_session(settings, initialise=True):
        pass
    engine = make_engine(settings.resolved_database_url())
    try:
        out.print(_("database at migration %(revision)s", revision=schema.current(engine)))
    finally:
        engine.dispose()


@example_app.command(
    "opcon", help=N_("Load the ROK–US OPCON plan and its illustrative 2019–2026 history.")
)
def example_opcon(
    data_dir: Path | None = DATA_DIR,
    if_missing: bool = typer.Option(
        False, "--if-missing", help=N_("Do nothing (and succeed) when the plan is there.")
    ),
) -> None:
    settings = settings_for(data_dir)
    with workspace_session(settings, initialise=True) as session:
        if if_missing and any(p.code == "opcon-cotp" for p in plans.list_plans(session=session)):
            out.print(_("the OPCON example is already loaded"))
            return
        plan = examples.load_example(session=session, name="opcon")
        count = len(evaluations.list_evaluations(session=session, plan=plan))
    notice = f"[bold]{i18n.term(documents.ILLUSTRATIVE_NOTICE)}[/]"
    out.print(
        _(
            "loaded plan %(code)s with %(n)s evaluations (%(notice)s)",
            code=plan.code,
            n=count,
            notice=notice,
        )
    )


@app.command(help=N_("Serve the web application and the API."))
def serve(
    data_dir: Path | None = DATA_DIR,
    host: str | None = typer.Option(
        None, "--host", envvar="ACCORD_HOST", help=N_("Address to listen on (default 127.0.0.1).")
    ),
    port: int | None = typer.Option(
        None, "--port", envvar=["PORT", "ACCORD_PORT"], help=N_("Port to listen on (default 8000).")
    ),
    demo: bool = typer.Option(False, "--demo", help=N_("Serve in demo mode.")),
    poll_feeds: bool = typer.Option(
        False,
        "--poll-feeds",
        help=N_("Also poll the subscribed feeds in the background (default off)."),
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        help=N_("Worker processes serving requests (default 1); they share only the database."),
    ),
) -> None:
    settings = settings_for(data_dir, host=host, port=port, demo=demo or None)
    _serve(settings, poll_feeds=poll_feeds, workers=workers)


@contextmanager
def _exported(settings: Settings) -> Iterator[None]:
    """The resolved settings as ACCORD_* environment variables, for worker processes (which
    build theirs with `Settings()`); the environment is restored afterwards."""
    values = settings.model_dump()
    values["data_dir"] = settings.data_dir.resolve()
    values["database_url"] = settings.resolved_database_url()
    keys = {f"ACCORD_{name.upper()}": value for name, value in values.items()}
    saved = {key: os.environ.get(key) for key in keys}
    try:
        for key, value in keys.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = str(value)
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _serve(settings: Settings, *, poll_feeds: bool = False, workers: int = 1) -> None:
    from accord.feeds.poller import Poller

    with workspace_session(settings):
        pass
    url = f"[bold]http://{settings.host}:{settings.port}/[/]"
    out.print(
        _(
            "accord is serving at %(url)s with %(n)s worker processes (Ctrl+C to stop)",
            url=url,
            n=workers,
        )
        if workers > 1
        else _("accord is serving at %(url)s (Ctrl+C to stop)", url=url),
        highlight=False,
        soft_wrap=True,
    )
    poller = Poller(settings) if poll_feeds else None
    if poller is not None:
        out.print(
            _("polling due feeds every %(s)s s", s=format(poller.every, "g")), highlight=False
        )
        poller.start()
    try:
        # every worker, even a single one, is a fresh process that imports only the web app
        # (not Typer, Rich and every CLI command: about 20 MB less) and builds it from the
        # environment; the feed poller stays in this one process
        with _exported(settings):
            _run_server(
                {
                    "app": "accord.web.app:app_from_environment",
                    "factory": True,
                    "host": settings.host,
                    "port": settings.port,
                    "log_level": "warning",
                },
                workers,
            )
    finally:
        if poller is not None:
            poller.stop()


def _run_server(options: dict[str, Any], workers: int) -> None:
    """Serve with uvicorn from `workers` spawned processes supervised by this one, which
    restarts a worker that dies and stops them all on Ctrl+C or SIGTERM."""
    import signal

    import uvicorn
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors.multiprocess import SIGNALS

    from accord.web.supervisor import Supervisor, listening_sockets

    config = uvicorn.Config(**options, workers=workers)
    slots = listening_sockets(config, workers)  # one per worker: the kernel balances them
    handlers = {sig: signal.getsignal(sig) for sig in SIGNALS}  # the supervisor sets its own
    main = sys.modules["__main__"]
    script = main.__dict__.pop("__file__", None)
    try:
        # what uvicorn.run does for workers > 1, used for one worker as well. A spawned process
        # re-runs the parent's main script when it has a file: the `accord` script, which
        # imports the whole CLI; without `__file__` the workers skip it and stay lean.
        supervisor = Supervisor(config, slots)
        supervisor.run()
    finally:
        if script is not None:
            main.__file__ = script
        for sock in slots:
            sock.close()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    if any(p.exitcode == STARTUP_FAILURE for p in supervisor.processes):
        raise typer.Exit(STARTUP_FAILURE)


@app.command(
    help=N_("Create the demo workspace with the OPCON example if it is empty, then serve it.")
)
def demo(
    data_dir: Path = typer.Option(
        Path(".accord-demo"),
        "--data-dir",
        envvar="ACCORD_DATA_DIR",
        help=N_("Demo workspace directory."),
    ),
    port: int = typer.Option(
        8000, "--port", envvar=["PORT", "ACCORD_PORT"], help=N_("Port to listen on.")
    ),
) -> None:
    settings = settings_for(data_dir, port=port, demo=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with workspace_session(settings, initialise=True) as session:
        if not plans.list_plans(session=session):
            plan = examples.load_example(session=session, name="opcon")
            examples.create_demo_people(session=session, actor=SYSTEM, plan=plan)
            out.print(
                _(
                    "loaded the OPCON example plan (%(code)s) into %(dir)s",
                    code=plan.code,
                    dir=settings.data_dir.resolve(),
                ),
                highlight=False,
            )
        demo_accounts = [
            u
            for u, *_rest in examples.DEMO_PEOPLE
            if accounts.find_user(session=session, username=u) is not None
        ]
        illustrative = any(p.illustrative for p in plans.list_plans(session=session))
    if demo_accounts:
        out.print(_("demo sign-ins (username / password):"))
        for username in demo_accounts:
            out.print(f"  {username:<15} {examples.demo_password(username)}", highlight=False)
    if illustrative:
        notice = i18n.term(documents.ILLUSTRATIVE_NOTICE)
        invented = _("the example's ratings are invented.")
        out.print(f"[bold yellow]{notice}[/]: {invented}")
    _serve(settings)
