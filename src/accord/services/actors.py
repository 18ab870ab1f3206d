"""Who is acting: a user with their roles, or the local system operator (CLI set-up commands)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.models import Membership, Party, User


@dataclass(frozen=True)
class Role:
    plan_id: int
    party_id: int | None
    party_code: str | None
    role: str  # evaluator | signer | observer


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    is_admin: bool
    roles: tuple[Role, ...] = ()
    locale: str | None = None  # the user's interface language ("ko", "en"), None: negotiate

    @property
    def is_system(self) -> bool:
        return self.user_id is None

    def roles_in(self, plan_id: int) -> tuple[Role, ...]:
        """This actor's roles in a plan."""
        return tuple(r for r in self.roles if r.plan_id == plan_id)

    def party_ids(self, plan_id: int, *roles: str) -> set[int]:
        """Parties this actor acts for in a plan (with one of `roles`, if given)."""
        return {
            r.party_id
            for r in self.roles_in(plan_id)
            if r.party_id is not None and (not roles or r.role in roles)
        }


SYSTEM = Actor(user_id=None, username="system", is_admin=True)
"""The local operator running set-up commands (init, user add, example) on the server."""


def actor_for(session: Session, user: User) -> Actor:
    """The Actor for a stored user, with every role they hold."""
    rows = session.execute(
        select(Membership.plan_id, Membership.party_id, Party.code, Membership.role)
        .outerjoin(Party, Party.id == Membership.party_id)
        .where(Membership.user_id == user.id)
    ).all()
    return Actor(
        user_id=user.id,
        username=user.username,
        is_admin=user.is_admin,
        roles=tuple(Role(plan, party, code, role) for plan, party, code, role in rows),
        locale=user.locale,
    )
