"""JSON routes for one's own account (the profile page's twin): /api/v1/me."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from accord.services import profile
from accord.services.actors import Actor

from ..auth import SESSION_COOKIE, get_actor
from ..deps import SESSION, attempts
from . import schemas

router = APIRouter(prefix="/api/v1/me", tags=["account"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorPublic} for code in (400, 401, 403, 404, 409, 422, 429)
}


class TokenPublic(BaseModel):
    uid: str
    user: str
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it by")
    created_at: str | None
    last_used_at: str | None
    revoked: bool


class RolePublic(BaseModel):
    plan: str
    plan_title: str
    party: str | None
    role: str


class ProfilePublic(BaseModel):
    username: str
    display_name: str
    is_admin: bool
    locale: str | None = Field(description="ko, en, or null: the browser's Accept-Language")
    roles: list[RolePublic]
    tokens: list[TokenPublic]


class ProfileIn(BaseModel):
    display_name: str | None = Field(None, description="Leave out to keep it")
    locale: str | None = Field(None, description="ko, en, or null for the browser's language")


class PasswordIn(BaseModel):
    current: str
    new: str
    repeated: str


class TokenIn(BaseModel):
    name: str = Field("", max_length=100)


class NewTokenPublic(TokenPublic):
    token: str = Field(description="The secret: shown in this answer only, stored as a hash")


@router.get("", response_model=ProfilePublic, responses=ERRORS)
def me(session: Session = SESSION, actor: Actor = Depends(get_actor)) -> dict[str, Any]:
    """Your account: name, interface language, roles and API tokens."""
    return profile.get_profile(session=session, actor=actor)


@router.patch("", response_model=ProfilePublic, responses=ERRORS)
def update(
    body: ProfileIn, session: Session = SESSION, actor: Actor = Depends(get_actor)
) -> dict[str, Any]:
    """Change your display name and/or interface language (only the fields sent)."""
    return profile.update_profile(
        session=session,
        actor=actor,
        display_name=body.display_name,
        locale=body.locale,
        set_locale="locale" in body.model_fields_set,
    )


@router.put("/password", status_code=204, responses=ERRORS)
def password(
    request: Request,
    body: PasswordIn,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> None:
    """Change your password; your other web sessions are signed out."""
    profile.change_password(
        session=session,
        actor=actor,
        current=body.current,
        new=body.new,
        repeated=body.repeated,
        keep_session=request.cookies.get(SESSION_COOKIE),
        **attempts(request),
    )


@router.get("/tokens", response_model=list[TokenPublic], responses=ERRORS)
def tokens(session: Session = SESSION, actor: Actor = Depends(get_actor)) -> list[dict[str, Any]]:
    """Your API tokens (never their secrets)."""
    found: list[dict[str, Any]] = profile.get_profile(session=session, actor=actor)["tokens"]
    return found


@router.post("/tokens", status_code=201, response_model=NewTokenPublic, responses=ERRORS)
def create_token(
    body: TokenIn, session: Session = SESSION, actor: Actor = Depends(get_actor)
) -> dict[str, Any]:
    """A new API token for yourself: its secret is in this answer only."""
    secret, doc = profile.create_own_token(session=session, actor=actor, name=body.name)
    return {**doc, "token": secret}


@router.delete("/tokens/{token}", response_model=TokenPublic, responses=ERRORS)
def revoke_token(
    token: str, session: Session = SESSION, actor: Actor = Depends(get_actor)
) -> dict[str, Any]:
    """Revoke one of your API tokens (the one you are using too, if you name it)."""
    return profile.revoke_token(session=session, actor=actor, uid=token)
