"""Administration from the server's shell, as the local operator: a plan from a bundled
template, the list of accounts, and listing and revoking API tokens (the web application's
New-plan and administration pages do the same)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich import box
from rich.table import Table

from accord import i18n
from accord.i18n import gettext as _
from accord.services import admin, new_plan
from accord.services.actors import SYSTEM

from .base import app
from .common import DATA_DIR, created_plan, fail, out, settings_for, workspace_session
from .helptext import Typer
from .language import N_
from .plans import plan_app
from .users import token_app, user_app


def _party(value: str) -> tuple[str, str]:
    code, sep, name = value.partition("=")
    if not sep or not code.strip() or not name.strip():
        raise fail(
            _("--party %(value)s: give it as CODE=Name, e.g. VEND=Vendor", value=repr(value))
        )
    return code.strip(), name.strip()


@plan_app.command(
    "new", help=N_("Create a plan from a bundled template (the New-plan page's templates).")
)
def plan_new(
    code: str = typer.Argument(..., help=N_("The new plan's code (no spaces).")),
    template: str = typer.Option(
        "bilateral", "--template", help=N_("Bundled template: bilateral (blank) or opcon.")
    ),
    title: str | None = typer.Option(None, "--title", help=N_("Replace the template's title.")),
    party: list[str] = typer.Option(
        [], "--party", help=N_("Rename a party, as CODE=Name; give one per party, in order.")
    ),
    data_dir: Path | None = DATA_DIR,
) -> None:
    parties = [_party(p) for p in party] or None
    with workspace_session(settings_for(data_dir), initialise=True) as session:
        plan = new_plan.create(
            session=session,
            actor=SYSTEM,
            code=code,
            template=template,
            title=title,
            parties=parties,
        )
        listed = ", ".join(p.code for p in plan.parties)
        out.print(created_plan(plan.code, plan.title, listed), highlight=False)


party_app = Typer(help=N_("The parties of each plan."), no_args_is_help=True)
app.add_typer(party_app, name="party")


@party_app.command(
    "rename",
    help=N_("Rename a party of a plan (the administration page's Parties list does the same)."),
)
def party_rename(
    code: str = typer.Argument(..., help=N_("The party's code, e.g. ROK (it does not change).")),
    name: str = typer.Argument(..., help=N_("The new name shown for the party.")),
    plan: str | None = typer.Option(
        None, "--plan", help=N_("The plan of the party (needed when several plans have the code).")
    ),
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        doc = admin.rename_party(
            session=session, actor=SYSTEM, plan_code=plan, code=code, name=name
        )
    out.print(
        _(
            "party %(party)s of plan %(plan)s is now called %(name)s",
            party=doc["code"],
            plan=doc["plan"],
            name=doc["name"],
        ),
        highlight=False,
    )


@user_app.command(
    "list",
    help=N_("List the accounts with their roles, whether they are active, and their live tokens."),
)
def user_list(data_dir: Path | None = DATA_DIR) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        users = admin.list_users(session=session, actor=SYSTEM)
    table = Table(box=box.SIMPLE_HEAD)
    for col in (_("username"), _("name"), _("roles"), _("tokens"), ""):
        table.add_column(col)
    for u in users:
        roles = "; ".join(
            f"{r['plan']}: {(r['party'] + ' ') if r['party'] else ''}{i18n.term(r['role'])}"
            for r in u["roles"]
        )
        flags = ", ".join(
            f for f, on in ((_("admin"), u["is_admin"]), (_("deactivated"), not u["active"])) if on
        )
        table.add_row(u["username"], u["display_name"], roles or "—", str(u["live_tokens"]), flags)
    out.print(table)


@token_app.command(
    "list", help=N_("List API tokens (never their secrets: the first characters identify them).")
)
def token_list(
    username: str | None = typer.Argument(None, help=N_("Only this user's tokens.")),
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        tokens = admin.list_tokens(session=session, actor=SYSTEM)
    tokens = [t for t in tokens if username is None or t["user"] == username]
    if not tokens:
        out.print(_("no API tokens"))
        return
    table = Table(box=box.SIMPLE_HEAD)
    # the id is what `token revoke` needs: folded onto two lines rather than cut short
    table.add_column(_("id"), overflow="fold")
    for col in (_("user"), _("name"), _("starts with"), _("created"), _("state")):
        table.add_column(col)
    for t in tokens:
        table.add_row(
            t["uid"],
            t["user"],
            t["name"],
            t["prefix"] + "…",
            (t["created_at"] or "")[:10],
            _("revoked") if t["revoked"] else _("live"),
        )
    out.print(table)


@token_app.command("revoke", help=N_("Revoke an API token: it stops working at once."))
def token_revoke(
    token: str = typer.Argument(..., help=N_("The token's id (from `accord token list`).")),
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        doc = admin.revoke_token(session=session, actor=SYSTEM, uid=token)
    out.print(
        _(
            "revoked token %(name)s (%(prefix)s…) of %(user)s",
            name=doc["name"],
            prefix=doc["prefix"],
            user=doc["user"],
        ),
        highlight=False,
    )
