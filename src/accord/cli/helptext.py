"""`--help` in the command line's language (docs/i18n.md, "The command line").

Typer reads the help texts once, at import, before any language is chosen, so they stay the
English msgids: every `help=` of an option, an argument, a command or a group is a literal
marked with `N_` (extracted into the catalogs, not translated there) and `HelpCommand` and
`HelpGroup` translate them while they draw their help, in the language the command line would
use (`accord --lang`, else ACCORD_LANG, else the locale). The `Typer` of this module gives every
command and group of accord those classes. English help is the msgids themselves, unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from typer import (
    _click,  # Typer's own Click: the types its commands' methods take
    rich_utils,
)
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandFunctionType

from accord import i18n

from . import language
from .language import N_

TYPER_TEXTS = {
    # Typer's own words in the help panels: module constants it reads while drawing
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "DEFAULT_STRING": N_("[default: {}]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
}
HELP_OPTION = N_("Show this message and exit.")  # Click's --help


def help_language(ctx: _click.Context) -> str:
    """The language of the help being drawn: `--lang` when it was read before `--help` (it is
    eager, and the root callback has run before a subcommand's help), else the environment."""
    chosen = ctx.find_root().params.get("lang")
    return language.choose(getattr(chosen, "value", chosen), os.environ)


def _objects(command: TyperCommand | TyperGroup, ctx: _click.Context) -> Iterator[object]:
    yield command
    yield from command.get_params(ctx)
    yield from getattr(command, "commands", {}).values()  # the rows of a group's list


@contextmanager
def translated(command: TyperCommand | TyperGroup, ctx: _click.Context) -> Iterator[None]:
    """The help texts of `command`, its parameters and subcommands (and Typer's panel words)
    in the help language for the block; the English msgids are put back after it."""
    saved: list[tuple[object, str, Any]] = []
    with i18n.use_locale(help_language(ctx)) as lang:
        catalog = i18n.translations(lang)  # no %-formatting: "80% intervals" is plain text

        def swap(obj: object, attr: str) -> None:
            text = getattr(obj, attr, None)
            if isinstance(text, str) and text:
                saved.append((obj, attr, text))
                setattr(obj, attr, catalog.gettext(text))

        try:
            for obj in _objects(command, ctx):
                for attr in ("help", "short_help", "rich_help_panel"):
                    swap(obj, attr)
            for name, english in TYPER_TEXTS.items():
                if getattr(rich_utils, name, None) == english:  # as this Typer version has it
                    swap(rich_utils, name)
            yield
        finally:
            for obj, attr, text in reversed(saved):
                setattr(obj, attr, text)


class HelpCommand(TyperCommand):
    """A command whose help is drawn in the command line's language."""

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        with translated(self, ctx):
            super().format_help(ctx, formatter)


class HelpGroup(TyperGroup):
    """A group whose help (its commands' one-line help included) is in that language."""

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        with translated(self, ctx):
            super().format_help(ctx, formatter)


class Typer(typer.Typer):
    """typer.Typer whose groups and commands translate their help when drawing it."""

    def __init__(self, *, cls: type[TyperGroup] | None = None, **kwargs: Any) -> None:
        super().__init__(cls=cls or HelpGroup, **kwargs)

    def command(
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        return super().command(name, cls=cls or HelpCommand, **kwargs)
