"""Creating and upgrading the database schema with Alembic, from inside the package."""

from __future__ import annotations

from collections.abc import Callable
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


def _migrate(engine: Engine, run: Callable[[Config], None]) -> None:
    """Run alembic on one connection.  On SQLite, foreign keys are off while it runs: batch
    migrations rebuild a table by dropping it, and with foreign keys on that drop would
    cascade into every row that refers to it.  The keys are checked before committing."""
    cfg = alembic_config()
    sqlite = engine.url.get_backend_name() == "sqlite"
    with engine.connect() as conn:
        if sqlite:  # on the driver's connection: outside any transaction, or it is ignored
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                run(cfg)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise SchemaError(
                            f"migration left rows with broken references: {broken[:5]}"
                        )
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database up to `revision` (default: the newest)."""
    _migrate(engine, lambda cfg: command.upgrade(cfg, revision))


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back down to `revision` (every migration has a downgrade)."""
    _migrate(engine, lambda cfg: command.downgrade(cfg, revision))


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
