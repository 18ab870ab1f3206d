"""Administration: accounts, their roles in plans, parties and every API token.

Administrators only (`user.admin` in accord.permissions).  Creating accounts and granting
roles reuse `services.accounts`; this module adds what the administration page needs:
listings, changing an account's flags, withdrawing a role, and the tokens of everyone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from accord import i18n, permissions
from accord.i18n import gettext as _
from accord.models import ApiToken, Membership, Party, Plan, User
from accord.models.user import ROLES

from . import Conflict, Invalid, NotFound, accounts, audit, iso_utc, profile
from .actors import Actor
from .profile import token_document


def _require(actor: Actor) -> None:
    permissions.require(actor, "user.admin")


def user_document(user: User, tokens: int = 0) -> dict[str, Any]:
    """The public face of an account as administrators see it."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "is_admin": user.is_admin,
        "active": user.active,
        "locale": user.locale,
        "created_at": iso_utc(user.created_at),
        "roles": [
            {"plan": m.plan.code, "party": m.party.code if m.party else None, "role": m.role}
            for m in sorted(
                user.memberships,
                key=lambda m: (m.plan.code, m.party.code if m.party else "", m.role),
            )
        ],
        "live_tokens": tokens,
    }


def list_users(*, session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Every account with its roles and its number of live API tokens, by username."""
    _require(actor)
    live = dict(
        session.execute(
            select(ApiToken.user_id, func.count(ApiToken.id))
            .where(~ApiToken.revoked)
            .group_by(ApiToken.user_id)
        ).all()
    )
    users = session.scalars(
        select(User)
        .options(selectinload(User.memberships).selectinload(Membership.plan))
        .options(selectinload(User.memberships).selectinload(Membership.party))
        .order_by(User.username)
    )
    return [user_document(u, live.get(u.id, 0)) for u in users]


def create_user(
    *,
    session: Session,
    actor: Actor,
    username: str,
    password: str,
    repeated: str | None = None,
    display_name: str = "",
    is_admin: bool = False,
) -> dict[str, Any]:
    """A new account (the password policy applies); Conflict if the username is taken."""
    _require(actor)
    if repeated is not None and password != repeated:
        raise Invalid(_("repeat_password: the two passwords differ"))
    user = accounts.create_user(
        session=session,
        actor=actor,
        username=username,
        password=password,
        display_name=display_name.strip(),
        is_admin=is_admin,
    )
    return user_document(user)


def update_user(
    *,
    session: Session,
    actor: Actor,
    username: str,
    display_name: str | None = None,
    is_admin: bool | None = None,
    active: bool | None = None,
) -> dict[str, Any]:
    """Change an account's display name, administrator flag or whether it may sign in.

    Administrators cannot remove their own rights or lock themselves out (Conflict): the
    workspace would be left without anyone to undo it.
    """
    _require(actor)
    user = accounts.get_user(session=session, username=username)
    own = user.id == actor.user_id
    if own and (is_admin is False or active is False):
        raise Conflict(
            _(
                "you cannot remove your own administrator rights or deactivate yourself: "
                "ask another administrator"
            ),
            current=user_document(user),
        )
    before = {"display_name": user.display_name, "is_admin": user.is_admin, "active": user.active}
    if display_name is not None:
        name = display_name.strip()
        if not name or len(name) > 200:
            raise Invalid(_("display_name: 1 to 200 characters"))
        user.display_name = name
    if is_admin is not None:
        user.is_admin = is_admin
    if active is not None:
        user.active = active
    after = {"display_name": user.display_name, "is_admin": user.is_admin, "active": user.active}
    if after != before:
        session.flush()
        audit.record(
            session, actor, "user.update", "user", user.username, before=before, after=after
        )
    return user_document(user)


def grant_role(
    *,
    session: Session,
    actor: Actor,
    username: str,
    plan_code: str,
    role: str,
    party_code: str | None,
) -> dict[str, Any]:
    """Give an account a role in a plan (evaluators and signers for a party)."""
    _require(actor)
    user = accounts.get_user(session=session, username=username)
    plan = permissions.plan_for_actor(session, actor, plan_code)
    accounts.grant_role(
        session=session,
        actor=actor,
        user=user,
        plan=plan,
        role=role,
        party_code=party_code or None,
    )
    session.refresh(user)
    return user_document(user)


def revoke_role(
    *,
    session: Session,
    actor: Actor,
    username: str,
    plan_code: str,
    role: str,
    party_code: str | None,
) -> dict[str, Any]:
    """Withdraw a role; NotFound naming it when the account does not hold it."""
    _require(actor)
    if role not in ROLES:
        raise Invalid(
            _("role: one of %(choices)s, not %(role)s", choices=", ".join(ROLES), role=repr(role))
        )
    user = accounts.get_user(session=session, username=username)
    plan = permissions.plan_for_actor(session, actor, plan_code)
    party_id = None
    if party_code:
        party_id = session.scalar(
            select(Party.id).where(Party.plan_id == plan.id, Party.code == party_code)
        )
        if party_id is None:
            raise Invalid(
                _(
                    "party: plan %(plan)s has no party %(party)s",
                    plan=repr(plan.code),
                    party=repr(party_code),
                )
            )
    row = session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.plan_id == plan.id,
            Membership.party_id.is_(None) if party_id is None else Membership.party_id == party_id,
            Membership.role == role,
        )
    )
    if row is None:
        who = f"{party_code} {i18n.term(role)}" if party_code else i18n.term(role)
        raise NotFound(
            _("%(user)s is not %(role)s in %(plan)s", user=username, role=who, plan=plan.code)
        )
    session.delete(row)
    session.flush()
    audit.record(
        session,
        actor,
        "user.revoke",
        "user",
        user.username,
        party=party_code or "",
        before={"plan": plan.code, "party": party_code or None, "role": role},
    )
    session.refresh(user)
    return user_document(user)


def list_parties(*, session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Every plan's parties (from its framework) with the people acting for each."""
    _require(actor)
    out: list[dict[str, Any]] = []
    for plan in session.scalars(select(Plan).order_by(Plan.code)):
        members = session.execute(
            select(Membership.party_id, Membership.role, User.username)
            .join(User, User.id == Membership.user_id)
            .where(Membership.plan_id == plan.id)
            .order_by(User.username)
        ).all()
        out.append(
            {
                "plan": plan.code,
                "title": plan.title,
                "parties": [
                    {
                        "code": p.code,
                        "name": p.name,
                        "people": [
                            {"username": u, "role": r} for pid, r, u in members if pid == p.id
                        ],
                    }
                    for p in plan.parties
                ],
                "observers": [u for pid, r, u in members if pid is None],
            }
        )
    return out


PARTY_NAME_MAX = 200  # the column's width


def _party(session: Session, plan_code: str | None, code: str) -> Party:
    """Party `code` of plan `plan_code`, or of the only plan that has such a party."""
    query = select(Party).join(Plan, Plan.id == Party.plan_id).where(Party.code == code)
    if plan_code is not None:
        query = query.where(Plan.code == plan_code)
    found = list(session.scalars(query.order_by(Plan.code)))
    if not found:
        if plan_code is None:
            raise NotFound(_("no plan has a party %(party)s", party=repr(code)))
        raise NotFound(
            _(
                "plan %(plan)s has no party %(party)s",
                plan=repr(plan_code),
                party=repr(code),
            )
        )
    if len(found) > 1:
        plans = ", ".join(p.plan.code for p in found)
        raise Invalid(
            _(
                "plan: party %(party)s is in several plans (%(plans)s): name the plan",
                party=code,
                plans=plans,
            )
        )
    return found[0]


def rename_party(
    *,
    session: Session,
    actor: Actor,
    code: str,
    name: str,
    plan_code: str | None = None,
    was: str | None = None,
) -> dict[str, Any]:
    """Change the name a party is shown with (its code stays: ratings, roles and signatures
    are kept by party).  `was`, the name the editor saw, makes a stale edit a Conflict."""
    if plan_code is not None:  # a plan one may not see does not exist for them (404)
        permissions.plan_for_actor(session, actor, plan_code)
    _require(actor)
    party = _party(session, plan_code, code)
    current = {"plan": party.plan.code, "code": party.code, "name": party.name}
    new = name.strip()
    if not new or len(new) > PARTY_NAME_MAX:
        raise Invalid(_("name: 1 to %(max)s characters", max=PARTY_NAME_MAX))
    if was is not None and was != party.name:
        raise Conflict(
            _(
                "party %(party)s was renamed meanwhile: it is now called %(name)s",
                party=party.code,
                name=party.name,
            ),
            current=current,
        )
    if new != party.name:
        party.name = new
        session.flush()
        audit.record(
            session,
            actor,
            "party.rename",
            "party",
            f"{party.plan.code}/{party.code}",
            before={"name": current["name"]},
            after={"name": new},
        )
    return {**current, "name": party.name}


def list_tokens(*, session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Every API token of every account (never a secret), newest first."""
    _require(actor)
    rows = session.scalars(
        select(ApiToken).options(selectinload(ApiToken.user)).order_by(ApiToken.id.desc())
    )
    return [token_document(r) for r in rows]


def create_token(
    *, session: Session, actor: Actor, username: str, name: str
) -> tuple[str, dict[str, Any]]:
    """A new API token for an account: the secret (shown once) and its public face."""
    _require(actor)
    name = name.strip()
    if len(name) > 100:
        raise Invalid(_("name: at most 100 characters"))
    user = accounts.get_user(session=session, username=username)
    if not user.active:
        raise Conflict(
            _("%(user)s is deactivated: a token would not work", user=username),
            current=user_document(user),
        )
    secret, row = accounts.create_token(session=session, actor=actor, user=user, name=name)
    return secret, token_document(row)


def revoke_token(*, session: Session, actor: Actor, uid: str) -> dict[str, Any]:
    """Revoke any account's API token (administrators)."""
    _require(actor)
    return profile.revoke_token(session=session, actor=actor, uid=uid)
