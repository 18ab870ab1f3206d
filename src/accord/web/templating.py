"""Jinja2 set-up shared by the pages: the signed-in actor and CSRF token in every template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates

HERE = Path(__file__).parent


def _context(request: Request) -> dict[str, Any]:
    return {
        "actor": getattr(request.state, "actor", None),
        "csrf_token": getattr(request.state, "csrf_token", None),
    }


def make_templates() -> Jinja2Templates:
    """The page templates, with the actor and CSRF token available to each."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    # `_`, `gettext`, `ngettext` and {% trans %} in every template; the catalogs replace these
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return Jinja2Templates(env=env, context_processors=[_context])


def templates_of(request: Request) -> Jinja2Templates:
    """The application's templates."""
    templates: Jinja2Templates = request.app.state.templates
    return templates
