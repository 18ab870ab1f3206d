"""Jinja2 set-up shared by the pages: the signed-in actor, CSRF token and language in every
template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates

from accord import i18n
from accord.services import frameworks

from .csrf import mask

HERE = Path(__file__).parent
LANG_COOKIE = "accord_lang"


def request_locale(request: Request) -> str:
    """The language of this request (see `i18n.choose` for the order)."""
    actor = getattr(request.state, "actor", None)
    return i18n.choose(
        explicit=request.query_params.get("lang"),
        user=getattr(actor, "locale", None),
        cookie=request.cookies.get(LANG_COOKIE),
        accept_language=request.headers.get("accept-language"),
    )


def _context(request: Request) -> dict[str, Any]:
    # rendering happens right after, in this same thread or task: the shared environment's
    # gettext reads the context variable, so nothing global changes per request
    lang = request_locale(request)
    i18n.activate(lang)
    if lang != i18n.DEFAULT:
        _know_titles(request)
    secret = getattr(request.state, "csrf_token", None)
    return {
        "actor": getattr(request.state, "actor", None),
        # masked afresh for each rendered page, so the page can be compressed (web/csrf.py)
        "csrf_token": mask(secret) if secret else None,
        "lang": lang,
    }


def _know_titles(request: Request) -> None:
    """Korean titles of every stored framework, learned before the page shows any (`|local`)."""
    sessionmaker = getattr(request.app.state, "sessionmaker", None)
    if sessionmaker is not None:
        with sessionmaker() as session:
            frameworks.learn_stored_titles(session)


def make_templates() -> Jinja2Templates:
    """The page templates, with the actor, CSRF token and language available to each."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        # installed templates do not change while the server runs: no stat() of every
        # template and include on every page (restart to see an edited template)
        auto_reload=False,
    )
    # `_`, `gettext`, `ngettext`, {% trans %} and the date/number filters in every template
    i18n.install(env)
    return Jinja2Templates(env=env, context_processors=[_context])


def templates_of(request: Request) -> Jinja2Templates:
    """The application's templates."""
    templates: Jinja2Templates = request.app.state.templates
    return templates
