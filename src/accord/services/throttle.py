"""Lock-out after repeated failed sign-ins or signing passphrases, kept in the database.

A username is locked for `minutes` once it has `max_failures` failures within the last
`minutes`; a client address is locked once it has ten times as many (one address guessing at
many accounts).  While locked, even the right password is refused, so guessing gains nothing.
A success clears the username's failures.  The counts live in the database so that every
server worker enforces the same limit.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from accord.i18n import gettext as _
from accord.models import SignInFailure

from . import audit
from .actors import SYSTEM

SCOPES = ("password", "passphrase")


@dataclass(frozen=True)
class Policy:
    max_failures: int = 5
    minutes: int = 15


class Locked(RuntimeError):
    """Too many failures: refused until `retry_after` seconds have passed."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def check(*, session: Session, scope: str, username: str, client: str, policy: Policy) -> None:
    """Locked if this username or this client address is locked out of `scope` right now."""
    now = _now()
    since = now - dt.timedelta(minutes=policy.minutes)
    session.execute(delete(SignInFailure).where(SignInFailure.at < since))
    recent = select(func.count(), func.max(SignInFailure.at)).where(
        SignInFailure.scope == scope, SignInFailure.at >= since
    )
    for column, value, limit in (
        (SignInFailure.username, username.strip().lower(), policy.max_failures),
        (SignInFailure.client, client, policy.max_failures * 10),
    ):
        count, latest = session.execute(recent.where(column == value)).one()
        if count >= limit and latest is not None:
            wait = _aware(latest) + dt.timedelta(minutes=policy.minutes) - now
            seconds = max(1, math.ceil(wait.total_seconds()))
            minutes = math.ceil(seconds / 60)
            if scope == "password":
                message = _(
                    "too many failed sign-ins: try again in %(minutes)s minutes", minutes=minutes
                )
            else:
                message = _(
                    "too many failed signing passphrases: try again in %(minutes)s minutes",
                    minutes=minutes,
                )
            raise Locked(message, retry_after=seconds)


def failed(*, session: Session, scope: str, username: str, client: str, policy: Policy) -> None:
    """Record a failure; the one that reaches the limit is written to the audit trail."""
    name = username.strip().lower()[:150]
    session.add(SignInFailure(scope=scope, username=name, client=client[:64], at=_now()))
    session.flush()
    since = _now() - dt.timedelta(minutes=policy.minutes)
    count = session.scalar(
        select(func.count()).where(
            SignInFailure.scope == scope,
            SignInFailure.username == name,
            SignInFailure.at >= since,
        )
    )
    if count == policy.max_failures:
        audit.record(
            session,
            SYSTEM,
            "account.locked",
            "user",
            name,
            after={"scope": scope, "failures": count, "minutes": policy.minutes},
        )


def succeeded(*, session: Session, scope: str, username: str) -> None:
    """Forget the username's failures in `scope` after a success."""
    session.execute(
        delete(SignInFailure).where(
            SignInFailure.scope == scope, SignInFailure.username == username.strip().lower()
        )
    )
