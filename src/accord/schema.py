"""Creating and upgrading the database schema with Alembic, from inside the package."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


class SchemaError(RuntimeError):
    """The database cannot be used by this version of accord."""


def alembic_config() -> Config:
    """An Alembic Config pointing at the migrations shipped in the package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("accord") / "migrations"))
    return cfg


def head() -> str:
    """The newest migration this code knows."""
    rev = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert rev is not None
    return rev


def current(engine: Engine) -> str | None:
    """The database's migration, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database up to `revision` (default: the newest)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def check_current(engine: Engine) -> None:
    """SchemaError unless the database is at this code's newest migration."""
    rev = current(engine)
    if rev == head():
        return
    if rev is None:
        raise SchemaError("the database is empty: run `accord init` first")
    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if rev not in known:
        raise SchemaError(
            f"the database is at migration {rev}, newer than this version of accord: upgrade accord"
        )
    raise SchemaError(
        f"the database is at migration {rev}, older than {head()}: run `accord db upgrade`"
    )
