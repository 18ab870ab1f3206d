"""Evidence commands: attach a file, link or note to a rating or an action item; list what you
may see; remove; carry forward into the next evaluation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich import box
from rich.table import Table

from accord import i18n
from accord.i18n import gettext as _
from accord.services import evidence as evidence_service
from accord.services import evidence_lifecycle as lifecycle
from accord.services import plans

from .base import app
from .common import (
    DATA_DIR,
    TOKEN,
    actor_or_operator,
    bad_date,
    fail,
    out,
    settings_for,
    token_actor,
    workspace_session,
)
from .helptext import Typer
from .language import N_

evidence_app = Typer(help=N_("Evidence behind ratings."), no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")

PLAN = typer.Option(None, "--plan", help=N_("Plan code (default: the only plan)."))


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(bad_date(option, value)) from None


@evidence_app.command(
    "add",
    help=N_(
        "Attach a file, link or note to a party's or the joint rating of a standard, or to an\n"
        "action item."
    ),
)
def evidence_add(
    evaluation: str = typer.Argument(..., help=N_("Evaluation code, e.g. 2026.")),
    standard: str | None = typer.Argument(
        None, help=N_("Standard code, e.g. C1.1.1 (or give --action-item instead).")
    ),
    action_item: str | None = typer.Option(
        None, "--action-item", help=N_("Attach to this action item (its uid) instead of a rating.")
    ),
    file: Path | None = typer.Option(None, "--file", help=N_("A file to attach.")),
    link: str | None = typer.Option(None, "--link", help=N_("An http(s) address to attach.")),
    note: str | None = typer.Option(None, "--note", help=N_("A note to attach.")),
    title: str = typer.Option(
        "", "--title", help=N_("Title (default: file name, address or note).")
    ),
    party: str | None = typer.Option(
        None, "--party", help=N_("The party whose rating it backs (default: your own party).")
    ),
    joint: bool = typer.Option(False, "--joint", help=N_("Attach to the joint rating instead.")),
    party_only: bool = typer.Option(
        False, "--party-only", help=N_("Releasable to your own party only (default: shared).")
    ),
    expires: str | None = typer.Option(None, "--expires", help=N_("Expiry date, YYYY-MM-DD.")),
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    given = [x for x in (file, link, note) if x is not None]
    if len(given) != 1:
        raise fail(_("give exactly one of --file, --link, --note"))
    if (standard is None) == (action_item is None):
        raise fail(_("give either STANDARD or --action-item UID"))
    if action_item is not None and joint:
        raise fail(_("--joint: an action item has no joint rating; leave --joint out"))
    expires_on = _date(expires, "--expires")
    settings = settings_for(data_dir)
    if file is not None:
        if not file.is_file():
            raise fail(_("--file: no file %(file)s", file=file))
        if file.stat().st_size > settings.evidence_max_bytes:
            raise fail(
                _(
                    "%(file)s: over the evidence limit of %(limit)s bytes "
                    "(ACCORD_EVIDENCE_MAX_BYTES)",
                    file=file,
                    limit=settings.evidence_max_bytes,
                )
            )
        content = evidence_service.Content(
            kind="file", title=title, data=file.read_bytes(), filename=file.name
        )
    elif link is not None:
        content = evidence_service.Content(kind="link", title=title, url=link)
    else:
        content = evidence_service.Content(kind="note", title=title, note=note or "")
    with workspace_session(settings) as session:
        actor = token_actor(session, token)
        doc = evidence_service.attach(
            session=session,
            actor=actor,
            plan_code=plans.default_plan(session=session, code=plan).code,
            code=evaluation,
            target=evidence_service.Target(
                standard=standard,
                party=None if joint or action_item else party,
                joint=joint,
                action_item=action_item,
            ),
            content=content,
            data_dir=settings.data_dir,
            max_bytes=settings.evidence_max_bytes,
            releasability="party-only" if party_only else "shared",
            expires_on=expires_on,
            acting_for=party if joint or action_item else None,
        )
    t = doc["target"]
    values = {
        "kind": i18n.term(doc["kind"]),
        "uid": doc["uid"],
        "releasability": i18n.term(doc["releasability"]),
    }
    if action_item:
        line = _(
            "attached %(kind)s %(uid)s to action item %(item)s (%(standard)s, %(owner)s, "
            "%(releasability)s)",
            item=action_item,
            standard=t["standard"],
            owner=doc["owner"],
            **values,
        )
    elif joint:
        line = _(
            "attached %(kind)s %(uid)s to %(standard)s (joint, %(releasability)s)",
            standard=standard,
            **values,
        )
    else:
        line = _(
            "attached %(kind)s %(uid)s to %(standard)s (%(party)s, %(releasability)s)",
            standard=standard,
            party=t.get("party"),
            **values,
        )
    out.print(line, highlight=False)


@evidence_app.command(
    "list",
    help=N_("The evidence of an evaluation that you (or, without --token, the operator) may see."),
)
def evidence_list(
    evaluation: str = typer.Argument(..., help=N_("Evaluation code, e.g. 2026.")),
    standard: str | None = typer.Option(None, "--standard", help=N_("Only this standard.")),
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        actor = actor_or_operator(session, token)
        items = evidence_service.list_evidence(
            session=session,
            actor=actor,
            plan_code=plans.default_plan(session=session, code=plan).code,
            code=evaluation,
            standard=standard,
        )
    if not items:
        out.print(_("no evidence"))
        return
    table = Table(box=box.SIMPLE_HEAD)
    for col in (_("standard"), _("rating"), _("kind"), _("title"), _("owner"),
                _("releasability"), _("dates"), _("uid")):  # fmt: skip
        table.add_column(col)
    for i in items:
        t = i["target"]
        rating = {"party": t.get("party", ""), "joint": _("joint")}.get(t["kind"], _("action item"))
        dates = i["effective_on"]
        if i["expires_on"]:
            dates += " " + _("to %(date)s", date=i["expires_on"])
        if i["expired"]:
            dates += " " + _("EXPIRED")
        if i["label"]:
            dates += f" ({i['label']})"
        table.add_row(
            t["standard"],
            rating,
            i18n.term(i["kind"]),
            i["title"],
            i["owner"],
            i18n.term(i["releasability"]),
            dates,
            i["uid"],
        )
    out.print(table)
    out.print(_("%(n)s item(s)", n=len(items)), highlight=False)


@evidence_app.command(
    "remove",
    help=N_("Remove evidence of your party (not once its evaluation is concluded or signed)."),
)
def evidence_remove(
    uid: str = typer.Argument(..., help=N_("The evidence's uid (from `accord evidence list`).")),
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    settings = settings_for(data_dir)
    with workspace_session(settings) as session:
        actor = token_actor(session, token)
        result = lifecycle.remove(
            session=session,
            actor=actor,
            plan_code=plans.default_plan(session=session, code=plan).code,
            uid=uid,
            data_dir=settings.data_dir,
        )
    line = _(
        "removed evidence %(uid)s from %(evaluation)s", uid=uid, evaluation=result["evaluation"]
    )
    if result["file_deleted"]:
        line += _("; its stored file was deleted (nothing else uses it)")
    out.print(line, highlight=False)


@evidence_app.command(
    "carry-forward",
    help=N_("Carry the rating evidence of SOURCE into TARGET as references (administrators)."),
)
def evidence_carry_forward(
    source: str = typer.Argument(..., help=N_("Evaluation to carry from, e.g. 2025.")),
    target: str = typer.Argument(..., help=N_("Evaluation to carry into, e.g. 2026.")),
    plan: str | None = PLAN,
    token: str | None = typer.Option(
        None,
        "--token",
        envvar="ACCORD_TOKEN",
        help=N_("API token of an administrator (default: the local operator)."),
    ),
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        actor = actor_or_operator(session, token)
        result = lifecycle.carry_forward(
            session=session,
            actor=actor,
            plan_code=plans.default_plan(session=session, code=plan).code,
            source=source,
            target=target,
        )
    line = _(
        "carried %(carried)s item(s) of evidence from %(source)s into %(target)s",
        carried=result["carried"],
        source=source,
        target=target,
    )
    if result["skipped"]:
        line += _(
            "; %(skipped)s skipped (standard not in %(target)s)",
            skipped=result["skipped"],
            target=target,
        )
    out.print(line, highlight=False)
