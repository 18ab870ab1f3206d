"""Helpers for the pages with forms: errors placed next to their field, and a clean slate after
a refused write (nothing of a half-done request is committed)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord.services import Conflict, Invalid

from ..templating import templates_of

_FIELD = re.compile(r"^([a-z][a-z0-9_]*): (.+)$", re.S)


def field_error(exc: Exception) -> dict[str, str]:
    """{field: message} from a services error whose message starts with "field: " (the
    convention of services.Invalid), else {"": message} for the form as a whole."""
    text = str(exc)
    m = _FIELD.match(text)
    return {m[1]: m[2]} if m else {"": text}


def discard(session: Session) -> None:
    """Undo what the request wrote so far: the page shown next is committed as read only."""
    session.rollback()


def refused(
    session: Session, exc: Invalid | Conflict, conflict_field: str = ""
) -> tuple[int, dict[str, str]]:
    """Undo what the request wrote and say how to show the refused form again: 409 with a
    Conflict's message under `conflict_field`, or 422 with an Invalid's message under its field."""
    discard(session)
    if isinstance(exc, Conflict):
        return 409, {conflict_field: str(exc)}
    return 422, field_error(exc)


def page(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """A page with `errors` and `values` defaulted, so templates can always look them up."""
    return templates_of(request).TemplateResponse(
        request, template, {"errors": {}, "values": {}, **context}, status_code=status_code
    )


def checked(form: dict[str, str], name: str) -> bool:
    """Whether a checkbox was ticked."""
    return form.get(name, "") in ("on", "yes", "true", "1")
