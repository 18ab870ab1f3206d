"""Use cases as plain functions with keyword arguments; the caller owns the transaction."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

from accord.db import CommitAnyway
from accord.i18n import gettext as _


def iso_utc(moment: dt.datetime | None) -> str | None:
    """A timestamp as ISO 8601 UTC text, the same whether the database kept the zone or not."""
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite returns naive datetimes; accord stores UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat()


def and_join(items: Iterable[str]) -> str:
    """ "A and B and C" in the language in force (for messages); "" for no items."""
    listed = list(items)
    if not listed:
        return ""
    return functools.reduce(lambda a, b: _("%(first)s and %(second)s", first=a, second=b), listed)


class NotFound(LookupError):
    """A plan, evaluation or other object that does not exist (or may not be seen)."""


class Conflict(RuntimeError):
    """The request clashes with the current state (e.g. a plan code already taken).

    `current` optionally carries the current state, so that a client can show it and retry.
    """

    def __init__(self, message: str, *, current: object = None) -> None:
        super().__init__(message)
        self.current = current


class Invalid(ValueError):
    """Input that cannot be accepted; the message names the field or file position."""


class Refused(Invalid, CommitAnyway):
    """Invalid input whose attempt is still recorded (a wrong password or passphrase counts
    toward a lock-out), so the transaction is committed before the error is reported."""
