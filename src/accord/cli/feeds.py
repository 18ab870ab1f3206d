"""Feed commands: subscribe to RSS/Atom feeds (or local files), list, pause, remove, poll."""

from __future__ import annotations

from pathlib import Path

import typer
from rich import box
from rich.table import Table

from accord import i18n
from accord.feeds import limits_of
from accord.i18n import gettext as _
from accord.services import feeds as feed_service
from accord.services import plans

from .base import app
from .common import (
    DATA_DIR,
    TOKEN,
    actor_or_operator,
    out,
    settings_for,
    workspace_session,
)
from .helptext import Typer
from .language import N_

feeds_app = Typer(help=N_("Open-source feeds (RSS, Atom, local files)."), no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")

PLAN = typer.Option(None, "--plan", help=N_("Plan code (default: the only plan)."))
UID = typer.Argument(..., help=N_("The feed's uid (from `accord feeds list`)."))


@feeds_app.command(
    "add", help=N_("Subscribe the plan to a feed; nothing is fetched until `accord feeds poll`.")
)
def feeds_add(
    location: str = typer.Argument(
        ..., help=N_("An http(s) address, or a local feed file or directory of feed files.")
    ),
    title: str = typer.Option("", "--title", help=N_("Title (default: the feed's own title).")),
    interval: int | None = typer.Option(
        None, "--interval", help=N_("Minutes between polls (default ACCORD_FEED_INTERVAL_MINUTES).")
    ),
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    settings = settings_for(data_dir)
    with workspace_session(settings) as session:
        actor = actor_or_operator(session, token)
        doc = feed_service.subscribe(
            session=session,
            actor=actor,
            plan_code=plans.default_plan(session=session, code=plan).code,
            location=location,
            title=title,
            interval_minutes=interval or settings.feed_interval_minutes,
            any_path=True,  # the operator's own machine: any local path
        )
    out.print(
        _(
            "subscribed %(uid)s to %(location)s every %(minutes)s min",
            uid=doc["uid"],
            location=doc["location"],
            minutes=doc["interval_minutes"],
        ),
        highlight=False,
    )


@feeds_app.command("list", help=N_("The plan's feeds: state, last poll, next poll, items."))
def feeds_list(
    plan: str | None = PLAN, token: str | None = TOKEN, data_dir: Path | None = DATA_DIR
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        actor = actor_or_operator(session, token)
        items = feed_service.list_feeds(
            session=session,
            actor=actor,
            plan_code=plans.default_plan(session=session, code=plan).code,
        )
    if not items:
        out.print(_("no feeds: subscribe with `accord feeds add LOCATION`"))
        return
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column(_("feed"), ratio=3, overflow="fold")
    table.add_column(_("state"), ratio=2, overflow="fold")
    table.add_column(_("last poll"), ratio=2, overflow="fold")
    table.add_column(_("next poll (UTC)"), width=16, no_wrap=True)
    for f in items:
        state = _("active") if f["active"] else _("paused")
        state += _(", every %(minutes)s min", minutes=f["interval_minutes"])
        state += _(", %(n)s item(s)", n=f["items"])
        if f["failures"]:
            state += _(", %(n)s failure(s)", n=f["failures"])
        status = i18n.term(f["last_status"]) or _("never polled")
        if f["last_error"]:
            status += f": {f['last_error']}"
        table.add_row(
            f"{f['title']}\n{f['location']}\n{f['uid']}",
            state,
            status,
            (f["next_poll_at"] or "")[:16].replace("T", " ") if f["active"] else "",
        )
    out.print(table)


def _set_active(
    uid: str, active: bool, plan: str | None, token: str | None, data_dir: Path | None
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        actor = actor_or_operator(session, token)
        doc = feed_service.update_feed(
            session=session,
            actor=actor,
            plan_code=plans.default_plan(session=session, code=plan).code,
            uid=uid,
            active=active,
        )
    if active:
        line = _("resumed %(uid)s (%(title)s)", uid=doc["uid"], title=doc["title"])
    else:
        line = _("paused %(uid)s (%(title)s)", uid=doc["uid"], title=doc["title"])
    out.print(line, highlight=False)


@feeds_app.command("pause", help=N_("Stop polling a feed; its items stay."))
def feeds_pause(
    uid: str = UID,
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    _set_active(uid, False, plan, token, data_dir)


@feeds_app.command("resume", help=N_("Poll a paused feed again (it is due at once)."))
def feeds_resume(
    uid: str = UID,
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    _set_active(uid, True, plan, token, data_dir)


@feeds_app.command(
    "remove", help=N_("Unsubscribe; the items only this feed brought are removed with it.")
)
def feeds_remove(
    uid: str = UID,
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        actor = actor_or_operator(session, token)
        result = feed_service.remove_feed(
            session=session,
            actor=actor,
            plan_code=plans.default_plan(session=session, code=plan).code,
            uid=uid,
        )
    out.print(
        _("removed %(uid)s and %(n)s item(s)", uid=uid, n=result["items_removed"]),
        highlight=False,
    )


@feeds_app.command(
    "poll", help=N_("Fetch the feeds that are due and store their new items (unreviewed).")
)
def feeds_poll(
    all_now: bool = typer.Option(
        False, "--all-now", help=N_("Poll every active feed now, due or not.")
    ),
    plan: str | None = typer.Option(
        None, "--plan", help=N_("Only this plan (default: every plan).")
    ),
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    settings = settings_for(data_dir)
    with workspace_session(settings) as session:
        actor = actor_or_operator(session, token)
        reports = feed_service.poll_due(
            session=session,
            actor=actor,
            limits=limits_of(settings),
            plan_code=plan,
            all_now=all_now,
        )
    if not reports:
        out.print(_("no feed is due"))
        return
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column(_("feed"), min_width=24, overflow="fold")
    table.add_column(_("status"), no_wrap=True)
    for col in (_("new"), _("dupl."), _("matched"), _("skipped")):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column(_("notes"), overflow="fold")
    for r in reports:
        notes = [r.error] if r.error else []
        notes += r.skipped + r.warnings
        table.add_row(
            r.title,
            i18n.term(r.status),
            str(r.new),
            str(r.duplicates),
            str(r.matched),
            str(len(r.skipped)),
            "\n".join(n for n in notes if n),
        )
    out.print(table)
    failed = sum(r.status == "error" for r in reports)
    line = _(
        "%(feeds)s feed(s) polled, %(new)s new item(s)",
        feeds=len(reports),
        new=sum(r.new for r in reports),
    )
    if failed:
        line += _(", %(n)s failed", n=failed)
    out.print(line, highlight=False)
