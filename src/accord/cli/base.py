"""The root Typer application; command modules register their commands on it."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="accord: conditions-based transitions, jointly evaluated.",
    no_args_is_help=True,
    add_completion=False,
)
