"""The `accord` command line.  Every command calls services; none holds business rules.

Commands live in modules by domain noun; importing this package registers them all.
"""

from __future__ import annotations

from . import (  # noqa: F401  (modules register their commands on `app`)
    accounts,
    audit,
    backup,
    evaluations,
    evidence,
    feeds,
    forecasts,
    frameworks,
    matching,
    meetings,
    plans,
    reports,
    sheets,
    signatures,
    users,
    workspace,
)
from .base import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the `accord` console script."""
    app()
