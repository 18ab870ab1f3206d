"""Audit commands: verify the hash chain of the audit trail."""

from __future__ import annotations

from pathlib import Path

import typer

from accord.i18n import gettext as _
from accord.services import audit

from .base import app
from .common import DATA_DIR, out, settings_for, workspace_session
from .helptext import Typer
from .language import N_

audit_app = Typer(help=N_("The audit trail of every write."), no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def broken(at: object, reason: object) -> str:
    """The verdict on a broken audit trail."""
    return _("audit trail BROKEN at record %(at)s: %(reason)s", at=at, reason=reason)


@audit_app.command(
    "verify",
    help=N_("Walk the audit trail's hash chain and report the first broken record, if any."),
)
def verify(data_dir: Path | None = DATA_DIR) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        result = audit.verify(session)
    # the verdict goes to standard output either way; exit status 1 lets scripts alert on it
    if not result.ok:
        out.print(
            broken(result.broken_at, result.reason),
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)
    out.print(
        _(
            "audit trail intact: %(records)s records, head %(head)s",
            records=result.records,
            head=result.head,
        ),
        highlight=False,
        soft_wrap=True,
    )
