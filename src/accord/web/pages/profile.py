"""One's own account: display name and language, password, API tokens.

JSON twin: /api/v1/me (GET, PATCH), /api/v1/me/password, /api/v1/me/tokens.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord.services import Invalid, profile
from accord.services.actors import Actor

from ..auth import SESSION_COOKIE, get_actor
from ..deps import SESSION, attempts
from .forms import discard, field_error, page
from .round_common import back, form_fields

router = APIRouter(include_in_schema=False)

SAVED = ("profile", "password", "revoked")  # the template words each confirmation


def render_profile(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    secret: str | None = None,
    saved: str | None = None,
    status_code: int = 200,
) -> Response:
    """The profile page (with a form's errors, or a new token's secret shown once)."""
    me = profile.get_profile(session=session, actor=actor)
    return page(
        request,
        "profile/index.html",
        {
            "me": me,
            "locales": profile.LOCALES,
            "errors": errors or {},
            "values": values or {},
            "secret": secret,
            "saved": saved if saved in SAVED else None,
        },
        status_code=status_code,
    )


@router.get("/profile", name="profile")
def show(
    request: Request,
    saved: str | None = None,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Your account: name, language, password and API tokens."""
    return render_profile(request, session, actor, saved=saved)


@router.post("/profile")
def update(
    request: Request,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Save the display name and the interface language."""
    try:
        profile.update_profile(
            session=session,
            actor=actor,
            display_name=form.get("display_name", ""),
            locale=form.get("locale") or None,
            set_locale=True,
        )
    except Invalid as exc:
        discard(session)
        return render_profile(
            request, session, actor, errors=field_error(exc), values=form, status_code=422
        )
    return back("/profile?saved=profile")


@router.post("/profile/password")
def password(
    request: Request,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Change your password (the current one is asked for; a wrong one counts toward the
    lock-out, so the failure is committed, not discarded)."""
    try:
        profile.change_password(
            session=session,
            actor=actor,
            current=form.get("current_password", ""),
            new=form.get("new_password", ""),
            repeated=form.get("repeat_password", ""),
            keep_session=request.cookies.get(SESSION_COOKIE),
            **attempts(request),
        )
    except Invalid as exc:
        errors = field_error(exc)
        if "password" in errors:  # the policy's messages name the new password
            errors = {"new_password": errors["password"]}
        return render_profile(request, session, actor, errors=errors, status_code=422)
    return back("/profile?saved=password")


@router.post("/profile/tokens")
def create_token(
    request: Request,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Create an API token for yourself; its secret is on this answer only (never stored)."""
    try:
        secret, _doc = profile.create_own_token(
            session=session, actor=actor, name=form.get("token_name", "")
        )
    except Invalid as exc:
        discard(session)
        errors = field_error(exc)
        errors = {"token_name": errors.pop("name")} if "name" in errors else errors
        return render_profile(request, session, actor, errors=errors, values=form, status_code=422)
    response = render_profile(request, session, actor, secret=secret, status_code=201)
    response.headers["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


@router.post("/profile/tokens/{token}/revoke")
def revoke_token(
    token: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Revoke one of your API tokens."""
    profile.revoke_token(session=session, actor=actor, uid=token)
    return back("/profile?saved=revoked#tokens-h")
