"""The language switcher: remembers a browser's choice of interface language in a cookie."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from accord import i18n
from accord.services import NotFound

from ..templating import LANG_COOKIE

router = APIRouter(include_in_schema=False)


def _local(target: str | None) -> str:
    # only a path of this site: an absolute or scheme-relative URL would make an open redirect
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _referring_page(request: Request) -> str | None:
    # the footer's links carry no address (a page never echoes its own path): go back to the
    # page named by Referer, when it is a page of this site
    parts = urlsplit(request.headers.get("referer", ""))
    if not parts.path or (parts.netloc and parts.netloc != request.url.netloc):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@router.get("/language/{code}", name="language")
def choose_language(request: Request, code: str, next: str | None = None) -> RedirectResponse:
    """Switch this browser to `code` ("ko", "en") and go back to the page it came from."""
    lang = i18n.supported(code)
    if lang is None or lang != code:
        raise NotFound(
            i18n.gettext(
                "language %(code)s: one of %(choices)s",
                code=repr(code),
                choices=", ".join(i18n.LOCALES),
            )
        )
    target = next if next is not None else _referring_page(request)
    response = RedirectResponse(_local(target), status_code=303)
    response.set_cookie(
        LANG_COOKIE, lang, max_age=365 * 24 * 3600, httponly=True, samesite="lax", path="/"
    )
    return response
