"""Helpers shared by the CLI modules: consoles, settings, sessions with errors as messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from accord import i18n, schema
from accord.config import Settings
from accord.db import make_engine, make_sessionmaker, transaction
from accord.formats import framework_yaml
from accord.i18n import gettext as _
from accord.permissions import Forbidden
from accord.services import Conflict, Invalid, NotFound, accounts, frameworks, throttle
from accord.services.actors import SYSTEM, Actor, actor_for

from .language import N_

out = Console()
err = Console(stderr=True)

DATA_DIR = typer.Option(
    None, "--data-dir", envvar="ACCORD_DATA_DIR", help=N_("Workspace directory (default .accord).")
)


def settings_for(data_dir: Path | None, **extra: object) -> Settings:
    values: dict[str, object] = {k: v for k, v in extra.items() if v is not None}
    if data_dir is not None:
        values["data_dir"] = data_dir
    return Settings(**values)  # type: ignore[arg-type]


def fail(message: str, code: int = 1) -> typer.Exit:
    label = _("error:")  # outside the f-string: the extractor does not look inside one
    err.print(f"[bold red]{label}[/] {message}", highlight=False)
    return typer.Exit(code)


def shown(url: str) -> str:
    """A database URL fit to print: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def cannot_use(url: str, exc: OperationalError) -> str:
    """The message for a database that cannot be reached or opened."""
    return _("cannot use the database %(url)s: %(reason)s", url=shown(url), reason=exc.orig)


def cannot_write(path: object, exc: OSError) -> str:
    """The message for a file that cannot be written."""
    return _("%(path)s: cannot write file: %(reason)s", path=path, reason=exc)


def cannot_read(path: object, exc: Exception) -> str:
    """The message for a file that cannot be read."""
    return _("%(path)s: cannot read file: %(reason)s", path=path, reason=exc)


def bad_date(option: str, value: str) -> str:
    """The message for an option that wants a date."""
    return _("%(option)s: a date as YYYY-MM-DD, not %(value)s", option=option, value=repr(value))


def created_plan(code: str, title: str, parties: str) -> str:
    """The line for a plan created (from a file or a template)."""
    return _(
        "created plan %(code)s (%(title)s; parties %(parties)s)",
        code=code,
        title=title,
        parties=parties,
    )


def wrote(path: object, size: int) -> str:
    """The line for a file written."""
    return _("wrote %(path)s (%(size)s bytes)", path=path, size=size)


@contextmanager
def workspace_session(settings: Settings, *, initialise: bool = False) -> Iterator[Session]:
    """A committed-on-success session on the workspace database, with errors as messages."""
    url = settings.resolved_database_url()
    parsed = make_url(url)
    if (
        not initialise
        and parsed.get_backend_name() == "sqlite"
        and parsed.database not in (None, "", ":memory:")
        and not Path(parsed.database).exists()
    ):
        raise fail(
            _("no accord database at %(path)s: run `accord init` first", path=parsed.database)
        )
    engine = make_engine(url)
    try:
        if initialise:
            schema.upgrade(engine)
        schema.check_current(engine)
        with transaction(make_sessionmaker(engine)) as session:
            if i18n.current() != i18n.DEFAULT:  # tables show the frameworks' Korean titles
                frameworks.learn_stored_titles(session)
            yield session
    except schema.SchemaError as exc:
        raise fail(str(exc)) from None
    except (NotFound, Conflict, Invalid, Forbidden, throttle.Locked) as exc:
        raise fail(str(exc)) from None
    except framework_yaml.FrameworkError as exc:
        for d in exc.diagnostics:
            err.print(str(d), highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except OperationalError as exc:
        raise fail(cannot_use(url, exc)) from None
    finally:
        engine.dispose()


TOKEN = typer.Option(
    None,
    "--token",
    envvar="ACCORD_TOKEN",
    help=N_("API token of the user to act as (from `accord token create`)."),
)


def actor_or_operator(session: Session, token: str | None) -> Actor:
    """The token's user when a token is given; else the local operator (SYSTEM)."""
    return token_actor(session, token) if token else SYSTEM


def token_actor(session: Session, token: str | None) -> Actor:
    """The user an API token belongs to, for commands a party's member runs; fails politely."""
    if not token:
        raise fail(_("this command acts as a user: pass --token or set ACCORD_TOKEN"))
    user = accounts.resolve_token(session=session, token=token)
    if user is None:
        raise fail(_("the API token is not valid (revoked, or from another workspace)"))
    return actor_for(session, user)
