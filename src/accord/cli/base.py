"""The root Typer application; command modules register their commands on it."""

from __future__ import annotations

import enum
import os

import typer

from accord import i18n

from . import language
from .helptext import Typer
from .language import N_

app = Typer(
    help=N_("accord: conditions-based transitions, jointly evaluated."),
    no_args_is_help=True,
    add_completion=False,
)


class Lang(enum.StrEnum):
    en = "en"
    ko = "ko"


@app.callback(help=N_("accord: conditions-based transitions, jointly evaluated."))
def root(
    ctx: typer.Context,
    lang: Lang | None = typer.Option(
        None,
        "--lang",
        is_eager=True,  # read before an eager --help: `accord --lang ko --help`
        help=N_(
            "Language of the messages: en or ko (default: ACCORD_LANG, else the locale's "
            "LC_ALL, LC_MESSAGES or LANG, else en)."
        ),
    ),
) -> None:
    # for the whole command, services' messages included; restored when the command ends
    chosen = language.choose(lang.value if lang else None, os.environ)
    ctx.with_resource(i18n.use_locale(chosen))
