"""One's own account: display name, interface language, password and API tokens.

Every function acts on the actor's own account only; administrators manage other accounts
through `services.admin`.  Token revocation is shared by both (owner or administrator).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from accord.i18n import gettext as _
from accord.models import ApiToken, User, WebSession

from . import Invalid, NotFound, Refused, accounts, audit, iso_utc, throttle
from .actors import Actor

LOCALES = ("ko", "en")
"""Interface languages a user may choose; None (unset) follows the browser's Accept-Language."""


def _me(session: Session, actor: Actor) -> User:
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        # the local operator (CLI) has no account of its own
        raise NotFound(_("this actor has no account"))
    return user


def token_document(row: ApiToken) -> dict[str, Any]:
    """The public face of an API token: never its secret, only the prefix to recognise it."""
    return {
        "uid": row.uid,
        "user": row.user.username,
        "name": row.name,
        "prefix": row.prefix,
        "created_at": iso_utc(row.created_at),
        "last_used_at": iso_utc(row.last_used_at),
        "revoked": row.revoked,
    }


def profile_document(session: Session, user: User) -> dict[str, Any]:
    """The public face of an account as its owner sees it."""
    tokens = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    )
    return {
        "username": user.username,
        "display_name": user.display_name,
        "is_admin": user.is_admin,
        "locale": user.locale,
        "roles": [
            {
                "plan": m.plan.code,
                "plan_title": m.plan.title,
                "party": m.party.code if m.party else None,
                "role": m.role,
            }
            for m in sorted(user.memberships, key=lambda m: (m.plan.code, m.role))
        ],
        "tokens": [token_document(t) for t in tokens],
    }


def get_profile(*, session: Session, actor: Actor) -> dict[str, Any]:
    """The actor's own account: name, language, roles and API tokens."""
    return profile_document(session, _me(session, actor))


def _check_locale(locale: str | None) -> str | None:
    if locale in (None, ""):
        return None
    if locale not in LOCALES:
        raise Invalid(
            _(
                "locale: one of %(choices)s (or empty for the browser's), not %(locale)s",
                choices=", ".join(LOCALES),
                locale=repr(locale),
            )
        )
    return locale


def update_profile(
    *,
    session: Session,
    actor: Actor,
    display_name: str | None = None,
    locale: str | None = None,
    set_locale: bool = False,
) -> dict[str, Any]:
    """Change one's display name and (with `set_locale`) interface language; None keeps it."""
    user = _me(session, actor)
    before = {"display_name": user.display_name, "locale": user.locale}
    if display_name is not None:
        name = display_name.strip()
        if not name or len(name) > 200:
            raise Invalid(_("display_name: 1 to 200 characters"))
        user.display_name = name
    if set_locale:
        user.locale = _check_locale(locale)
    after = {"display_name": user.display_name, "locale": user.locale}
    if after != before:
        session.flush()
        audit.record(
            session, actor, "profile.update", "user", user.username, before=before, after=after
        )
    return profile_document(session, user)


def change_password(
    *,
    session: Session,
    actor: Actor,
    current: str,
    new: str,
    repeated: str,
    client: str,
    policy: throttle.Policy,
    keep_session: str | None = None,
) -> None:
    """Replace one's password after checking the current one (a wrong one counts toward the
    lock-out, as at sign-in); every other web session of the account is signed out."""
    user = _me(session, actor)
    throttle.check(
        session=session, scope="password", username=user.username, client=client, policy=policy
    )
    if accounts.authenticate(session=session, username=user.username, password=current) is None:
        throttle.failed(
            session=session, scope="password", username=user.username, client=client, policy=policy
        )
        raise Refused(_("current_password: this is not your current password"))
    if new != repeated:
        raise Invalid(_("repeat_password: the two new passwords differ"))
    accounts.check_password(new, user.username)
    user.password_hash = accounts._hasher.hash(new)
    # someone who learnt the old password may hold a session: end all but this one
    others = delete(WebSession).where(WebSession.user_id == user.id)
    if keep_session:
        kept = hashlib.sha256(keep_session.encode("utf-8")).hexdigest()
        others = others.where(WebSession.token_hash != kept)
    session.execute(others)
    session.flush()
    audit.record(
        session,
        actor,
        "profile.password",
        "user",
        user.username,
        after={"changed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")},
    )


def create_own_token(*, session: Session, actor: Actor, name: str) -> tuple[str, dict[str, Any]]:
    """A new API token for oneself: the secret (shown once) and its public face."""
    name = name.strip()
    if len(name) > 100:
        raise Invalid(_("name: at most 100 characters"))
    user = _me(session, actor)
    secret, row = accounts.create_token(session=session, actor=actor, user=user, name=name)
    return secret, token_document(row)


def revoke_token(*, session: Session, actor: Actor, uid: str) -> dict[str, Any]:
    """Revoke an API token: one's own, or anyone's for an administrator (NotFound otherwise:
    another person's token is not acknowledged to exist)."""
    row = session.scalar(select(ApiToken).where(ApiToken.uid == uid))
    if row is None or not (actor.is_admin or row.user_id == actor.user_id):
        raise NotFound(_("no API token %(uid)s", uid=repr(uid)))
    if not row.revoked:
        row.revoked = True
        session.flush()
        audit.record(
            session,
            actor,
            "token.revoke",
            "user",
            row.user.username,
            before={"name": row.name, "prefix": row.prefix, "revoked": False},
            after={"name": row.name, "prefix": row.prefix, "revoked": True},
        )
    return token_document(row)
