"""People commands: user add, token create (run by the local operator on the server)."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from accord import i18n
from accord.i18n import gettext as _
from accord.services import accounts, plans
from accord.services.actors import SYSTEM

from .base import app
from .common import DATA_DIR, fail, out, settings_for, workspace_session
from .helptext import Typer
from .language import N_

user_app = Typer(help=N_("Accounts and their roles."), no_args_is_help=True)
token_app = Typer(help=N_("API tokens for the API and the CLI."), no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")


@user_app.command(
    "add", help=N_("Create an account (or, if it exists, give it a role) as the local operator.")
)
def user_add(
    username: str = typer.Argument(..., help=N_("Login name (no spaces).")),
    plan: str | None = typer.Option(None, "--plan", help=N_("Plan to give the role in.")),
    party: str | None = typer.Option(None, "--party", help=N_("Party the user acts for.")),
    role: str | None = typer.Option(
        None, "--role", help=N_("evaluator, signer or observer (needs --plan).")
    ),
    admin: bool = typer.Option(False, "--admin", help=N_("Make the user an administrator.")),
    name: str = typer.Option("", "--name", help=N_("Display name.")),
    password_env: str | None = typer.Option(
        None,
        "--password-env",
        help=N_(
            "Read the password from this environment variable instead of prompting (for scripts)."
        ),
    ),
    data_dir: Path | None = DATA_DIR,
) -> None:
    import os

    if role and not plan:
        raise fail(_("--role needs --plan"))
    with workspace_session(settings_for(data_dir)) as session:
        existing = accounts.find_user(session=session, username=username)
        if existing is None:
            if password_env:
                password = os.environ.get(password_env, "")
                if not password:
                    raise fail(
                        _("environment variable %(name)s is empty or unset", name=password_env)
                    )
            else:
                password = getpass.getpass(_("password for %(user)s: ", user=username))
                if password != getpass.getpass(_("again: ")):
                    raise fail(_("the two passwords differ"))
            user = accounts.create_user(
                session=session,
                actor=SYSTEM,
                username=username,
                password=password,
                display_name=name,
                is_admin=admin,
            )
        else:
            user = existing
        if role and plan:
            the_plan = plans.get_plan(session=session, code=plan)
            accounts.grant_role(
                session=session, actor=SYSTEM, user=user, plan=the_plan, role=role, party_code=party
            )
    out.print(_user_line(existing is None, username, role, party, plan), highlight=False)


def _user_line(
    created: bool, user: str, role: str | None, party: str | None, plan: str | None
) -> str:
    v = {"user": user, "role": i18n.term(role), "plan": plan, "party": party}
    if not role:
        return _("created user %(user)s", **v) if created else _("updated user %(user)s", **v)
    if party:
        if created:
            return _("created user %(user)s as %(party)s %(role)s in %(plan)s", **v)
        return _("updated user %(user)s as %(party)s %(role)s in %(plan)s", **v)
    if created:
        return _("created user %(user)s as %(role)s in %(plan)s", **v)
    return _("updated user %(user)s as %(role)s in %(plan)s", **v)


@token_app.command(
    "create", help=N_("Create an API token; it is printed once and stored only as a hash.")
)
def token_create(
    username: str = typer.Argument(..., help=N_("The user the token acts as.")),
    name: str = typer.Option("cli", "--name", help=N_("A label to recognise the token by.")),
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        user = accounts.get_user(session=session, username=username)
        secret, _token = accounts.create_token(session=session, actor=SYSTEM, user=user, name=name)
    out.print(secret, highlight=False, soft_wrap=True)
    typer.echo(
        _("(shown once: store it now; send it as 'Authorization: Bearer <token>')"), err=True
    )
