"""JSON routes for administration (the administration pages' twin): accounts, roles,
parties and every API token.  Administrators only; the services check it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from accord.services import admin
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from . import schemas
from .account import NewTokenPublic, TokenIn, TokenPublic

router = APIRouter(prefix="/api/v1/admin", tags=["administration"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorPublic} for code in (400, 401, 403, 404, 409, 422)
}


class RoleRef(BaseModel):
    plan: str
    party: str | None = Field(None, description="Evaluators and signers act for a party")
    role: str = Field(description="evaluator, signer or observer")


class UserPublic(BaseModel):
    username: str
    display_name: str
    is_admin: bool
    active: bool
    locale: str | None
    created_at: str | None
    roles: list[RoleRef]
    live_tokens: int


class UserIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(description="Subject to the password policy (docs/security.md)")
    display_name: str = ""
    is_admin: bool = False


class UserChange(BaseModel):
    display_name: str | None = None
    is_admin: bool | None = None
    active: bool | None = Field(None, description="False: the account can no longer sign in")


class PartyPerson(BaseModel):
    username: str
    role: str


class PartyPublic(BaseModel):
    code: str
    name: str
    people: list[PartyPerson]


class PlanPartiesPublic(BaseModel):
    plan: str
    title: str
    parties: list[PartyPublic]
    observers: list[str]


class PartyRename(BaseModel):
    name: str = Field(description="The name shown for the party (1 to 200 characters)")
    was: str | None = Field(
        None, description="The name you saw: a different current name answers 409 (a stale edit)"
    )


class PartyNamePublic(BaseModel):
    plan: str
    code: str
    name: str


@router.get("/users", response_model=list[UserPublic], responses=ERRORS)
def users(session: Session = SESSION, actor: Actor = Depends(get_actor)) -> list[dict[str, Any]]:
    """Every account with its roles."""
    return admin.list_users(session=session, actor=actor)


@router.post("/users", status_code=201, response_model=UserPublic, responses=ERRORS)
def create_user(
    body: UserIn, session: Session = SESSION, actor: Actor = Depends(get_actor)
) -> dict[str, Any]:
    """Create an account (Conflict if the username is taken)."""
    return admin.create_user(
        session=session,
        actor=actor,
        username=body.username,
        password=body.password,
        display_name=body.display_name,
        is_admin=body.is_admin,
    )


@router.patch("/users/{username}", response_model=UserPublic, responses=ERRORS)
def update_user(
    username: str,
    body: UserChange,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Change an account's display name, administrator flag or whether it may sign in."""
    return admin.update_user(
        session=session,
        actor=actor,
        username=username,
        display_name=body.display_name,
        is_admin=body.is_admin,
        active=body.active,
    )


@router.post(
    "/users/{username}/roles", status_code=201, response_model=UserPublic, responses=ERRORS
)
def grant_role(
    username: str,
    body: RoleRef,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Give an account a role in a plan."""
    return admin.grant_role(
        session=session,
        actor=actor,
        username=username,
        plan_code=body.plan,
        role=body.role,
        party_code=body.party,
    )


@router.post("/users/{username}/roles/revoke", response_model=UserPublic, responses=ERRORS)
def revoke_role(
    username: str,
    body: RoleRef,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Withdraw a role from an account."""
    return admin.revoke_role(
        session=session,
        actor=actor,
        username=username,
        plan_code=body.plan,
        role=body.role,
        party_code=body.party,
    )


@router.get("/parties", response_model=list[PlanPartiesPublic], responses=ERRORS)
def parties(session: Session = SESSION, actor: Actor = Depends(get_actor)) -> list[dict[str, Any]]:
    """Every plan's parties and the people acting for each."""
    return admin.list_parties(session=session, actor=actor)


@router.patch("/parties/{plan}/{party}", response_model=PartyNamePublic, responses=ERRORS)
def rename_party(
    plan: str,
    party: str,
    body: PartyRename,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Rename a party of a plan (its code stays); 409 with the current name on a stale edit."""
    return admin.rename_party(
        session=session, actor=actor, plan_code=plan, code=party, name=body.name, was=body.was
    )


@router.get("/tokens", response_model=list[TokenPublic], responses=ERRORS)
def tokens(session: Session = SESSION, actor: Actor = Depends(get_actor)) -> list[dict[str, Any]]:
    """Every API token of every account (never a secret), newest first."""
    return admin.list_tokens(session=session, actor=actor)


@router.post(
    "/users/{username}/tokens", status_code=201, response_model=NewTokenPublic, responses=ERRORS
)
def create_token(
    username: str,
    body: TokenIn,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """A new API token for an account: its secret is in this answer only."""
    secret, doc = admin.create_token(
        session=session, actor=actor, username=username, name=body.name
    )
    return {**doc, "token": secret}


@router.delete("/tokens/{token}", response_model=TokenPublic, responses=ERRORS)
def revoke_token(
    token: str, session: Session = SESSION, actor: Actor = Depends(get_actor)
) -> dict[str, Any]:
    """Revoke any API token."""
    return admin.revoke_token(session=session, actor=actor, uid=token)
