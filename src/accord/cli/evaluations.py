"""Evaluation round commands: evaluation create/open/status, rate, submit, reconcile,
conclude, action list.  Party actions act as the user of --token / ACCORD_TOKEN."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from rich import box
from rich.table import Table

from accord import i18n
from accord.i18n import gettext as _
from accord.services import action_items, lifecycle, plans, ratings, reconciliation
from accord.services.actors import SYSTEM, Actor

from .base import app
from .common import (
    DATA_DIR,
    TOKEN,
    bad_date,
    fail,
    out,
    settings_for,
    token_actor,
    workspace_session,
)
from .helptext import Typer
from .language import N_

evaluation_app = Typer(help=N_("Evaluations: create, open, status."), no_args_is_help=True)
reconcile_app = Typer(help=N_("Reconcile divergent ratings."), no_args_is_help=True)
action_app = Typer(help=N_("Action items."), no_args_is_help=True)
app.add_typer(evaluation_app, name="evaluation")
app.add_typer(reconcile_app, name="reconcile")
app.add_typer(action_app, name="action")

PLAN = typer.Option(None, "--plan", help=N_("Plan code (default: the only plan)."))
PARTY = typer.Option(None, "--party", help=N_("Party to act for, if you act for several."))


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(bad_date(option, value)) from None


def _plan_code(session, plan: str | None) -> str:  # type: ignore[no-untyped-def]
    return plans.default_plan(session=session, code=plan).code


def _print_status(doc: dict[str, object]) -> None:
    parties = doc["parties"]
    assert isinstance(parties, list)
    due = doc["due_on"] or _("no deadline")
    status = f"[bold]{i18n.term(doc['status'])}[/]"
    out.print(
        _(
            "evaluation %(code)s: %(status)s (%(due)s)",
            code=doc["evaluation"],
            status=status,
            due=due,
        ),
        highlight=False,
    )
    for p in parties:
        votes = ", ".join(p["reopen_votes"])
        if p["submitted"]:
            line = _("%(party)s: submitted", party=p["party"])
        else:
            line = _("%(party)s: not submitted", party=p["party"])
        if votes:
            line += _("; reopen agreed by %(parties)s", parties=votes)
        out.print("  " + line, highlight=False)
    own = doc["own_rated"]
    assert isinstance(own, dict)
    for party, n in own.items():
        out.print(
            "  "
            + _(
                "your party %(party)s: %(n)s/%(total)s rated",
                party=party,
                n=n,
                total=doc["standards"],
            ),
            highlight=False,
        )


def _actor(session, token: str | None, *, required: bool) -> Actor:  # type: ignore[no-untyped-def]
    if token or required:
        return token_actor(session, token)
    return SYSTEM


@evaluation_app.command(
    "create",
    help=N_("Plan an evaluation on the current agreed framework version (local operator)."),
)
def evaluation_create(
    code: str = typer.Argument(..., help=N_("Short code of the evaluation, e.g. 2027.")),
    held_on: str = typer.Option(..., "--held-on", help=N_("Date of the evaluation, YYYY-MM-DD.")),
    label: str = typer.Option(
        "", "--label", help=N_("Title, e.g. '2027 annual joint evaluation'.")
    ),
    kind: str = typer.Option("annual", "--kind", help=N_("annual, stage or adhoc.")),
    due_on: str | None = typer.Option(None, "--due-on", help=N_("Rating deadline, YYYY-MM-DD.")),
    plan: str | None = PLAN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    held, due = _date(held_on, "--held-on"), _date(due_on, "--due-on")
    assert held is not None
    with workspace_session(settings_for(data_dir)) as session:
        ev = lifecycle.create_evaluation(
            session=session,
            actor=SYSTEM,
            plan_code=_plan_code(session, plan),
            code=code,
            label=label,
            held_on=held,
            kind=kind,
            due_on=due,
        )
        out.print(
            _(
                "planned evaluation %(code)s (%(label)s) on framework %(version)s",
                code=ev.code,
                label=ev.label,
                version=ev.framework_version.version,
            ),
            highlight=False,
        )


@evaluation_app.command("open", help=N_("Open a planned evaluation for rating (local operator)."))
def evaluation_open(
    code: str = typer.Argument(..., help=N_("Evaluation code.")),
    due_on: str | None = typer.Option(None, "--due-on", help=N_("Rating deadline, YYYY-MM-DD.")),
    plan: str | None = PLAN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        doc = lifecycle.open_evaluation(
            session=session,
            actor=SYSTEM,
            plan_code=_plan_code(session, plan),
            code=code,
            due_on=_date(due_on, "--due-on"),
        )
    _print_status(doc)


@evaluation_app.command(
    "status", help=N_("Status, deadline, which parties submitted, and your party's progress.")
)
def evaluation_status(
    code: str = typer.Argument(..., help=N_("Evaluation code.")),
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        actor = _actor(session, token, required=False)
        doc = ratings.status(
            session=session, actor=actor, plan_code=_plan_code(session, plan), code=code
        )
    _print_status(doc)


@app.command(
    help=N_("Rate one standard for your party (an evaluator; while the evaluation is open).")
)
def rate(
    code: str = typer.Argument(..., help=N_("Evaluation code.")),
    standard: str = typer.Argument(..., help=N_("Standard code, e.g. C1.1.1.")),
    level: str = typer.Argument(..., help=N_("A level label of the standard's scale, or N/A.")),
    rationale: str = typer.Option("", "--rationale", help=N_("Why this level.")),
    version: int | None = typer.Option(
        None, "--version", help=N_("Version you last saw (default: the current one).")
    ),
    party: str | None = PARTY,
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        actor = token_actor(session, token)
        plan_code = _plan_code(session, plan)
        if version is None:
            from accord import permissions

            the_plan = permissions.plan_for_actor(session, actor, plan_code)
            party_id = permissions.acting_party(actor, the_plan, "rating.edit", party)
            party_code = next(r.party_code for r in actor.roles if r.party_id == party_id)
            mine = ratings.party_ratings(
                session=session,
                actor=actor,
                plan_code=plan_code,
                code=code,
                party_code=party_code or "",
                only={standard},
            )
            version = mine[0]["version"] if mine else None
        saved = ratings.save_ratings(
            session=session,
            actor=actor,
            plan_code=plan_code,
            code=code,
            party_code=party,
            ratings=[ratings.RatingInput(standard, level, rationale, version)],
        )
    out.print(
        _(
            "%(standard)s: %(level)s (version %(version)s)",
            standard=standard,
            level=saved[0]["level"],
            version=saved[0]["version"],
        ),
        highlight=False,
    )


@app.command(help=N_("Submit your party's ratings; final unless every party agrees to reopen."))
def submit(
    code: str = typer.Argument(..., help=N_("Evaluation code.")),
    party: str | None = PARTY,
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        doc = ratings.submit(
            session=session,
            actor=token_actor(session, token),
            plan_code=_plan_code(session, plan),
            code=code,
            party_code=party,
        )
    _print_status(doc)


@reconcile_app.command(
    "queue", help=N_("Divergent standards, widest gaps first, with proposals and approvals.")
)
def reconcile_queue(
    code: str = typer.Argument(..., help=N_("Evaluation code.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        doc = reconciliation.queue(
            session=session,
            actor=_actor(session, token, required=False),
            plan_code=_plan_code(session, plan),
            code=code,
        )
    if as_json:
        out.print_json(json.dumps(doc, ensure_ascii=False))
        return
    table = Table(
        title=_(
            "%(unresolved)s of %(divergent)s divergences unresolved (rule: %(rule)s)",
            unresolved=doc["unresolved"],
            divergent=doc["divergent"],
            rule=doc["rule"],
        ),
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    for col in (_("standard"), _("levels"), _("gap"), _("proposal"), _("approved by"), _("joint")):
        table.add_column(col)
    for item in doc["items"]:
        levels = ", ".join(f"{p} {i18n.term(lv)}" for p, lv in item["levels"].items())
        prop = item["proposal"]
        table.add_row(
            item["standard"],
            levels,
            str(item["gap"]),
            f"{prop['party']}: {i18n.term(prop['level'])}" if prop else "—",
            ", ".join(item["approved_by"]) or "—",
            i18n.term(item["joint"]) or "—",
        )
    out.print(table)


@reconcile_app.command(
    "propose", help=N_("Propose (or counter with) a joint level for a divergent standard.")
)
def reconcile_propose(
    code: str = typer.Argument(..., help=N_("Evaluation code.")),
    standard: str = typer.Argument(..., help=N_("Standard code.")),
    level: str = typer.Argument(..., help=N_("Proposed joint level.")),
    rationale: str = typer.Option(..., "--rationale", help=N_("Why this joint level.")),
    party: str | None = PARTY,
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        item = reconciliation.propose(
            session=session,
            actor=token_actor(session, token),
            plan_code=_plan_code(session, plan),
            code=code,
            standard=standard,
            level=level,
            rationale=rationale,
            party_code=party,
        )
    out.print(
        _(
            "%(standard)s: proposed %(level)s; approved by %(parties)s",
            standard=standard,
            level=level,
            parties=", ".join(item["approved_by"]),
        ),
        highlight=False,
    )


@reconcile_app.command("approve", help=N_("Approve the standing proposal for a standard."))
def reconcile_approve(
    code: str = typer.Argument(..., help=N_("Evaluation code.")),
    standard: str = typer.Argument(..., help=N_("Standard code.")),
    party: str | None = PARTY,
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        item = reconciliation.approve(
            session=session,
            actor=token_actor(session, token),
            plan_code=_plan_code(session, plan),
            code=code,
            standard=standard,
            party_code=party,
        )
    if item["joint"]:
        line = _(
            "%(standard)s: approved; joint level %(level)s", standard=standard, level=item["joint"]
        )
    else:
        line = _("%(standard)s: approved; waiting for other parties", standard=standard)
    out.print(line, highlight=False)


@app.command(
    help=N_(
        "Conclude an evaluation whose divergences are all resolved (a signer, or the operator)."
    )
)
def conclude(
    code: str = typer.Argument(..., help=N_("Evaluation code.")),
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        doc = lifecycle.conclude(
            session=session,
            actor=_actor(session, token, required=False),
            plan_code=_plan_code(session, plan),
            code=code,
        )
    _print_status(doc)


@action_app.command("list", help=N_("The plan's action items."))
def action_list(
    status: str | None = typer.Option(
        None, "--status", help=N_("open, in_progress, done, dropped")
    ),
    plan: str | None = PLAN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        items = action_items.list_items(
            session=session, actor=SYSTEM, plan_code=_plan_code(session, plan), status=status
        )
    table = Table(box=box.SIMPLE_HEAD)
    for col in (_("standard"), _("evaluation"), _("owner"), _("due"), _("status"), _("notes")):
        table.add_column(col)
    for i in items:
        table.add_row(
            i["standard"],
            i["evaluation"],
            i["owner"],
            i["due_on"] or "—",
            i18n.term(i["status"]),
            i["notes"],
        )
    out.print(table if items else _("no action items"))
