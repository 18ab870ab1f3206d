"""Accounts: users and their roles, passwords (argon2), web sessions and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from accord import i18n
from accord.i18n import gettext as _
from accord.models import ApiToken, Membership, Party, Plan, User, WebSession
from accord.models.user import ROLES
from accord.permissions import require_admin

from . import Conflict, Invalid, NotFound, Refused, audit, revisions, throttle
from .actors import Actor, actor_for

_hasher = PasswordHasher()
# verified against when the username is unknown, so both paths cost the same time


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so both cases cost the same
    (computed on first use, not at import: every server process would pay for it at start)."""
    return _hasher.hash("accord-dummy-password")


SESSION_TTL = dt.timedelta(hours=12)
TOKEN_PREFIX = "acc_"


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@cache
def _common_passwords() -> frozenset[str]:
    text = (resources.files("accord") / "data" / "common_passwords.txt").read_text("utf-8")
    return frozenset(w for w in text.split("\n") if w and not w.startswith("#"))


def check_password(password: str, username: str) -> None:
    """Invalid unless the password meets the policy (NIST SP 800-63B: length and a list of
    refused passwords, no composition rules)."""
    if len(password) < 8:
        raise Invalid(_("password: at least 8 characters"))
    if len(password) > 1024:
        raise Invalid(_("password: at most 1024 characters"))
    lowered = password.lower()
    if lowered == username.strip().lower():
        raise Invalid(_("password: must not be the username"))
    if len(set(password)) == 1:
        raise Invalid(_("password: must not be one character repeated"))
    if lowered in _common_passwords():
        raise Invalid(_("password: this is one of the most common passwords; choose another"))


def create_user(
    *,
    session: Session,
    actor: Actor,
    username: str,
    password: str,
    display_name: str = "",
    is_admin: bool = False,
) -> User:
    """A new account; Conflict if the username is taken."""
    require_admin(actor)
    username = username.strip()
    if not username or any(ch.isspace() for ch in username) or len(username) > 64:
        raise Invalid(_("username: 1 to 64 characters, no spaces"))
    check_password(password, username)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(_("user %(username)s already exists", username=repr(username)))
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=_hasher.hash(password),
        is_admin=is_admin,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user.create",
        "user",
        username,
        after={"username": username, "is_admin": is_admin},
    )
    return user


def find_user(*, session: Session, username: str) -> User | None:
    """The user with this username, if any."""
    return session.scalar(select(User).where(User.username == username))


def get_user(*, session: Session, username: str) -> User:
    """The user with this username; NotFound otherwise."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(_("no user %(user)s", user=repr(username)))
    return user


def grant_role(
    *,
    session: Session,
    actor: Actor,
    user: User,
    plan: Plan,
    role: str,
    party_code: str | None = None,
) -> Membership:
    """Give `user` a role in `plan`, for a party (evaluators and signers need one)."""
    require_admin(actor)
    if role not in ROLES:
        raise Invalid(
            _("role: one of %(choices)s, not %(role)s", choices=", ".join(ROLES), role=repr(role))
        )
    party = None
    if party_code is not None:
        party = session.scalar(
            select(Party).where(Party.plan_id == plan.id, Party.code == party_code)
        )
        if party is None:
            raise Invalid(
                _(
                    "party: plan %(plan)s has no party %(party)s",
                    plan=repr(plan.code),
                    party=repr(party_code),
                )
            )
    elif role != "observer":
        raise Invalid(_("party: a %(role)s acts for a party; name it", role=i18n.term(role)))
    exists = session.scalar(
        select(Membership.id).where(
            Membership.user_id == user.id,
            Membership.plan_id == plan.id,
            Membership.party_id == (party.id if party else None),
            Membership.role == role,
        )
    )
    if exists is not None:
        raise Conflict(
            _(
                "%(user)s is already %(role)s in %(plan)s",
                user=user.username,
                role=i18n.term(role),
                plan=plan.code,
            )
        )
    membership = Membership(user=user, plan=plan, party=party, role=role)
    session.add(membership)
    session.flush()
    audit.record(
        session,
        actor,
        "user.grant",
        "user",
        user.username,
        party=party_code or "",
        after={"plan": plan.code, "party": party_code, "role": role},
    )
    return membership


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same cost either way)."""
    user = session.scalar(select(User).where(User.username == username, User.active))
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def sign_in(
    *, session: Session, username: str, password: str, client: str, policy: throttle.Policy
) -> User:
    """The user for these credentials.  Locked while the user or the client is locked out
    (even with the right password); Refused, and the failure counted, when they are wrong."""
    throttle.check(
        session=session, scope="password", username=username, client=client, policy=policy
    )
    user = authenticate(session=session, username=username, password=password)
    if user is None:
        throttle.failed(
            session=session, scope="password", username=username, client=client, policy=policy
        )
        raise Refused(_("Wrong username or password."))
    throttle.succeeded(session=session, scope="password", username=username)
    return user


def start_session(*, session: Session, user: User) -> tuple[str, WebSession]:
    """A new web session: returns the cookie token (only its hash is stored) and the row."""
    now = dt.datetime.now(dt.UTC)
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    token = secrets.token_urlsafe(32)
    ws = WebSession(
        token_hash=_sha256(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + SESSION_TTL,
    )
    session.add(ws)
    session.flush()
    return token, ws


def resolve_session(*, session: Session, token: str) -> tuple[User, WebSession] | None:
    """The user and session behind a cookie token, if it is live."""
    ws = session.scalar(select(WebSession).where(WebSession.token_hash == _sha256(token)))
    if ws is None:
        return None
    expires = ws.expires_at if ws.expires_at.tzinfo else ws.expires_at.replace(tzinfo=dt.UTC)
    if expires < dt.datetime.now(dt.UTC) or not ws.user.active:
        return None
    return ws.user, ws


def end_session(*, session: Session, token: str) -> None:
    """Sign out: forget the session."""
    session.execute(delete(WebSession).where(WebSession.token_hash == _sha256(token)))


def create_token(*, session: Session, actor: Actor, user: User, name: str) -> tuple[str, ApiToken]:
    """A new API token for `user`: returns the token text (shown once) and the row."""
    if not actor.is_admin and actor.user_id != user.id:
        raise NotFound(_("no user %(user)s", user=repr(user.username)))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, name=name or "token", prefix=secret[:10], token_hash=_sha256(secret)
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "token.create",
        "user",
        user.username,
        after={"name": row.name, "prefix": row.prefix},
    )
    return secret, row


def resolve_token(*, session: Session, token: str) -> User | None:
    """The active user a bearer token belongs to, if the token is valid."""
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _sha256(token), ~ApiToken.revoked)
    )
    if row is None or not row.user.active:
        return None
    return row.user


def actor_for_token(*, session: Session, token: str) -> Actor | None:
    """The Actor of a bearer token (None if it is not valid), remembered until the next
    audited change.  Whatever decides it (the token's revocation, the account's activation,
    its roles, its language) changes only through audited writes, so an answer remembered for
    the current head of the audit chain is exact; one indexed read instead of three."""
    digest = _sha256(token)  # the remembered key never holds the secret itself

    def lookup() -> Actor | None:
        user = resolve_token(session=session, token=token)
        return None if user is None else actor_for(session, user)

    engine = str(session.get_bind().engine.url)
    key = ("token-actor", engine, digest, revisions.current(session))
    return revisions.remembered(key, lookup)
