"""Signing in and out of the web application."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from accord.i18n import gettext as _
from accord.services import Refused, accounts, throttle
from accord.services.examples import DEMO_PEOPLE, demo_password

from ..auth import SESSION_COOKIE
from ..deps import SESSION, attempts
from ..templating import templates_of

router = APIRouter(include_in_schema=False)
PRE_COOKIE = "accord_signin"  # double-submit token against login CSRF


def _safe_next(target: str | None) -> str:
    # only local paths: never redirect a signed-in user to another site
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _form(
    request: Request,
    *,
    error: str | None = None,
    status: int = 200,
    next_url: str = "/",
    username: str = "",
) -> Response:
    token = secrets.token_urlsafe(24)
    settings = request.app.state.settings
    demo_people = (
        [{"username": u, "display": d, "password": demo_password(u)} for u, d, *_ in DEMO_PEOPLE]
        if settings.demo
        else []
    )
    response = templates_of(request).TemplateResponse(
        request,
        "session/sign_in.html",
        {
            "pre_token": token,
            "error": error,
            "next_url": next_url,
            "username": username,
            "demo_people": demo_people,
        },
        status_code=status,
    )
    response.set_cookie(
        PRE_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=3600,
    )
    return response


@router.get("/sign-in", name="sign_in")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    """The sign-in form (with the demo accounts listed in demo mode)."""
    return _form(request, next_url=_safe_next(next))


@router.post("/sign-in")
def sign_in(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    pre_token: str = Form(""),
    next: str = Form("/"),
    session: Session = SESSION,
) -> Response:
    """Check the credentials and start a session."""
    cookie = request.cookies.get(PRE_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, pre_token):
        return _form(
            request,
            error=_("The form expired: please sign in again."),
            status=403,
            next_url=_safe_next(next),
            username=username,
        )
    try:
        user = accounts.sign_in(
            session=session, username=username, password=password, **attempts(request)
        )
    except throttle.Locked as exc:
        locked = _form(
            request, error=f"{exc}.", status=429, next_url=_safe_next(next), username=username
        )
        locked.headers["Retry-After"] = str(exc.retry_after)
        return locked
    except Refused as exc:  # the failure is counted: returning normally commits it
        return _form(
            request, error=_(str(exc)), status=401, next_url=_safe_next(next), username=username
        )
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:  # rotation: a sign-in never carries on a session that existed before it
        accounts.end_session(session=session, token=previous)
    token, _session = accounts.start_session(session=session, user=user)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=int(accounts.SESSION_TTL.total_seconds()),
    )
    response.delete_cookie(PRE_COOKIE)
    return response


@router.post("/sign-out")
def sign_out(request: Request, session: Session = SESSION) -> Response:
    """End the session (no CSRF token needed: signing out can only help)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.end_session(session=session, token=token)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
