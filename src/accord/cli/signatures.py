"""Signature commands: key create, sign, export (a signed bundle) and verify (offline)."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import typer

from accord import permissions
from accord.formats import signed_bundle
from accord.i18n import gettext as _
from accord.services import oscal_export, plans, signatures
from accord.services.actors import SYSTEM

from .base import app
from .common import (
    DATA_DIR,
    TOKEN,
    cannot_read,
    cannot_write,
    err,
    fail,
    out,
    settings_for,
    token_actor,
    workspace_session,
    wrote,
)
from .helptext import Typer
from .language import N_

key_app = Typer(help=N_("Signing keys of party signers."), no_args_is_help=True)
app.add_typer(key_app, name="key")

PASSPHRASE_ENV = typer.Option(
    None,
    "--passphrase-env",
    help=N_(
        "Read the passphrase from this environment variable instead of prompting (for scripts)."
    ),
)


def _passphrase(env: str | None, prompt: str, *, twice: bool = False) -> str:
    if env:
        value = os.environ.get(env, "")
        if not value:
            raise fail(_("environment variable %(name)s is empty or unset", name=env))
        return value
    value = getpass.getpass(prompt)
    if twice and value != getpass.getpass(_("again: ")):
        raise fail(_("the two passphrases differ"))
    return value


@key_app.command(
    "create", help=N_("Create your Ed25519 signing key, its private half locked by a passphrase.")
)
def key_create(
    token: str | None = TOKEN,
    passphrase_env: str | None = PASSPHRASE_ENV,
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        actor = token_actor(session, token)
        passphrase = _passphrase(
            passphrase_env, _("new passphrase for your signing key: "), twice=True
        )
        key = signatures.create_signing_key(session=session, actor=actor, passphrase=passphrase)
        fingerprint = key.fingerprint
    out.print(_("created the signing key of %(user)s", user=actor.username), highlight=False)
    out.print(
        _("fingerprint %(fingerprint)s", fingerprint=fingerprint), highlight=False, soft_wrap=True
    )


@app.command(help=N_("Sign a concluded evaluation for your party with your signing key."))
def sign(
    evaluation: str = typer.Argument(..., help=N_("Code of the concluded evaluation to sign.")),
    plan: str | None = typer.Option(None, "--plan", help=N_("Plan code (default: the only plan).")),
    party: str | None = typer.Option(
        None, "--party", help=N_("Party to sign for (needed only if you sign for several).")
    ),
    token: str | None = TOKEN,
    passphrase_env: str | None = PASSPHRASE_ENV,
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        actor = token_actor(session, token)
        code = plans.default_plan(session=session, code=plan).code
        the_plan = permissions.plan_for_actor(session, actor, code)
        passphrase = _passphrase(passphrase_env, _("passphrase of your signing key: "))
        sig = signatures.sign_evaluation(
            session=session,
            actor=actor,
            plan=the_plan,
            code=evaluation,
            passphrase=passphrase,
            party_code=party,
        )
        signed_by = sig.party.code
        state = signatures.signatures_of(
            session=session, actor=actor, plan=the_plan, code=evaluation
        )
    out.print(
        _(
            "signed evaluation %(evaluation)s of %(plan)s for %(party)s (document sha256 %(sha)s)",
            evaluation=evaluation,
            plan=the_plan.code,
            party=signed_by,
            sha=sig.document_sha256,
        ),
        highlight=False,
        soft_wrap=True,
    )
    if state["pending"]:
        out.print(
            _("still to sign: %(parties)s", parties=", ".join(state["pending"])), highlight=False
        )
    else:
        out.print(
            _(
                "every party has signed: evaluation %(evaluation)s is now signed",
                evaluation=evaluation,
            ),
            highlight=False,
        )


@app.command(
    "export",
    help=N_("Write the signed bundle of an evaluation (document, signatures, public keys)."),
)
def export(
    evaluation: str = typer.Argument(..., help=N_("Code of the signed evaluation.")),
    plan: str | None = typer.Option(None, "--plan", help=N_("Plan code (default: the only plan).")),
    output: Path = typer.Option(
        ..., "-o", "--output", help=N_("File to write the bundle to ('-' for standard output).")
    ),
    fmt: str = typer.Option(
        "bundle",
        "--format",
        help=N_("bundle (signed, verifiable) or oscal (OSCAL assessment results)."),
    ),
    data_dir: Path | None = DATA_DIR,
) -> None:
    if fmt not in ("bundle", "oscal"):
        raise fail(_("--format must be bundle or oscal, not %(value)s", value=repr(fmt)))
    with workspace_session(settings_for(data_dir)) as session:
        the_plan = plans.default_plan(session=session, code=plan)
        if fmt == "oscal":
            data = oscal_export.assessment_results(
                session=session, actor=SYSTEM, plan=the_plan, code=evaluation
            ).encode("utf-8")
            pending: list[str] = []
        else:
            data = signatures.export_bundle(
                session=session, actor=SYSTEM, plan=the_plan, code=evaluation
            )
            pending = signatures.signatures_of(
                session=session, actor=SYSTEM, plan=the_plan, code=evaluation
            )["pending"]
    if str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise fail(cannot_write(output, exc)) from None
        out.print(wrote(output, len(data)), highlight=False, soft_wrap=True)
    if pending:
        err.print(
            _(
                "warning: not signed yet by %(parties)s: the bundle will not verify",
                parties=", ".join(pending),
            ),
            highlight=False,
        )


@app.command(
    help=N_("Check a signed bundle offline: every byte, the document hash and every signature.")
)
def verify(
    bundle: Path = typer.Argument(..., help=N_("Signed bundle written by `accord export`.")),
) -> None:
    try:
        data = bundle.read_bytes()
    except OSError as exc:
        raise fail(cannot_read(bundle, exc)) from None
    result = signed_bundle.verify_bundle(data)
    for check in result.checks:
        mark = "[green]" + _("ok") + "[/]    " if check.ok else "[bold red]" + _("FAILED") + "[/]"
        detail = f" — {check.detail}" if check.detail else ""
        out.print(f"{mark} {check.name}{detail}", highlight=False, soft_wrap=True)
    failed = result.failed
    if failed is not None:
        raise fail(_("%(file)s: verification failed: %(check)s", file=bundle, check=failed.name))
    for s in result.signatures:
        out.print(
            _(
                "%(party)s: key %(fingerprint)s (signer %(signer)s, %(at)s)",
                party=s["party"],
                fingerprint=s["fingerprint"],
                signer=s["signer"],
                at=s["signed_at"],
            ),
            highlight=False,
            soft_wrap=True,
        )
    out.print(
        _(
            "%(file)s: verified evaluation %(evaluation)s of %(plan)s. Compare each fingerprint "
            "with the one its signer gave you; signer names and times are the server's record, "
            "not signed.",
            file=bundle,
            evaluation=result.evaluation,
            plan=result.plan,
        ),
        highlight=False,
        soft_wrap=True,
    )
