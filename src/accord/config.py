"""Settings, read from ACCORD_* environment variables (see docs/settings.md)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything accord can be configured with; built explicitly, never at import."""

    model_config = SettingsConfigDict(env_prefix="ACCORD_", extra="ignore")

    data_dir: Path = Field(
        default=Path(".accord"),
        description="Workspace directory: the SQLite database and stored files live here.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the database; default: SQLite file accord.db in data_dir. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/dbname",
    )
    demo: bool = Field(
        default=False,
        description="Demo mode: the workspace holds illustrative example data, and pages say so.",
    )
    evidence_max_bytes: int = Field(
        default=25 * 1024 * 1024,
        description="Largest evidence file accepted, in bytes (default 25 MB).",
    )
    host: str = Field(default="127.0.0.1", description="Address `accord serve` listens on.")
    port: int = Field(default=8000, description="Port `accord serve` listens on.")

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the SQLite file in the workspace."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'accord.db').resolve()}"
