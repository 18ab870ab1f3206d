"""Governance commands: meetings of the plan's bodies and their briefs, decisions, the dates in
force and the timeline (docs/governance.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
import yaml
from rich import box
from rich.table import Table

from accord import i18n
from accord.i18n import gettext as _
from accord.reports import brief as brief_report
from accord.services import governance, meetings, plans, timeline

from .base import app
from .common import (
    DATA_DIR,
    TOKEN,
    actor_or_operator,
    cannot_write,
    err,
    fail,
    out,
    settings_for,
    wrote,
)
from .common import workspace_session as _ws
from .helptext import Typer
from .language import N_

meeting_app = Typer(
    help=N_("Meetings of the plan's bodies and their briefs."), no_args_is_help=True
)
decision_app = Typer(help=N_("Decisions of the plan's bodies."), no_args_is_help=True)
app.add_typer(meeting_app, name="meeting")
app.add_typer(decision_app, name="decision")

PLAN = typer.Option(None, "--plan", help=N_("Plan code (default: the only plan)."))
JSON = typer.Option(False, "--json", help=N_("Print JSON (the API's document) instead of a table."))
MEETING = typer.Argument(..., help=N_("The meeting: MCM-50, '50th MCM' or its uid."))
MARK = {"public_record": "public record", "illustrative": "illustrative", "recorded": ""}


def _mark(provenance: str) -> str:
    """How a record's provenance is marked, in the language in force (MARK in English)."""
    marks = {"public_record": _("public record"), "illustrative": _("illustrative")}
    return marks.get(provenance, MARK[provenance])


def _print_json(doc: Any) -> None:
    out.print_json(json.dumps(doc, ensure_ascii=False))


def _run(data_dir: Path | None, token: str | None, plan: str | None, fn: Any) -> Any:
    with _ws(settings_for(data_dir)) as session:
        actor = actor_or_operator(session, token)
        code = plans.default_plan(session=session, code=plan).code
        return fn(session, actor, code)


@meeting_app.command(
    "list", help=N_("The plan's meetings in date order, each marked public record or illustrative.")
)
def meeting_list(
    body: str | None = typer.Option(None, "--body", help=N_("Only this body's meetings.")),
    as_json: bool = JSON,
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    rows = _run(
        data_dir,
        token,
        plan,
        lambda s, a, c: meetings.list_meetings(session=s, actor=a, plan_code=c, body=body),
    )
    if as_json:
        return _print_json(rows)
    table = Table(box=box.SIMPLE)
    for col in (_("meeting"), _("date"), _("status"), _("presented"), _("source")):
        table.add_column(col)
    for m in rows:
        presented = " ".join(p["code"] for p in m["presented"])
        status = i18n.term(m["status"])
        table.add_row(
            m["label"],
            i18n.format_partial_date(m["date"]),
            status,
            presented,
            _mark(m["provenance"]),
        )
    out.print(table)


@meeting_app.command(
    "show",
    help=N_("One meeting: what was presented, its outcome, its decisions and their sources."),
)
def meeting_show(
    meeting: str = MEETING,
    as_json: bool = JSON,
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    m = _run(
        data_dir,
        token,
        plan,
        lambda s, a, c: meetings.get_meeting(session=s, actor=a, plan_code=c, meeting=meeting),
    )
    if as_json:
        return _print_json(m)
    mark = f" [{_mark(m['provenance'])}]" if MARK[m["provenance"]] else ""
    status = i18n.term(m["status"])
    out.print(f"{m['label']} · {m['date']['label']} · {status}{mark}", markup=False)
    if m["presented"]:
        presented = ", ".join(p["label"] for p in m["presented"])
        out.print(_("presented: %(meetings)s", meetings=presented), highlight=False)
    if m["outcome"]:
        out.print(_("outcome: %(text)s", text=m["outcome"]), highlight=False, soft_wrap=True)
    for d in m["decisions"]:
        line = f"- [{i18n.term(d['status'])}] {d['text']} ({i18n.term(d['kind'])})"
        out.print(line, highlight=False, soft_wrap=True)
    for src in m["sources"]:
        out.print(
            _(
                "source: %(publisher)s, %(title)s (%(date)s)",
                publisher=src["publisher"],
                title=src["title"],
                date=src["date"],
            ),
            highlight=False,
        )


@meeting_app.command("add", help=N_("Record a meeting of one of the plan's bodies."))
def meeting_add(
    body: str = typer.Argument(..., help=N_("A body the plan declares, e.g. MCM.")),
    date: str = typer.Argument(..., help=N_("YYYY-MM-DD (or YYYY-MM, YYYY).")),
    number: int | None = typer.Option(None, "--number", help=N_("50 for the 50th MCM.")),
    place: str = typer.Option("", "--place", help=N_("Where it meets.")),
    title: str = typer.Option("", "--title", help=N_("A full title, if any.")),
    status: str = typer.Option("planned", "--status", help=N_("planned, held or cancelled.")),
    outcome: str = typer.Option("", "--outcome", help=N_("What it concluded.")),
    present: list[str] = typer.Option([], "--present", help=N_("An evaluation presented to it.")),
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    m = _run(
        data_dir,
        token,
        plan,
        lambda s, a, c: meetings.add_meeting(
            session=s, actor=a, plan_code=c, body=body, date=date, number=number, place=place,
            title=title, status=status, outcome=outcome, presented=present,
        ),
    )  # fmt: skip
    out.print(
        _(
            "recorded %(meeting)s (%(code)s) on %(date)s",
            meeting=m["label"],
            code=m["code"],
            date=i18n.format_partial_date(m["date"]),
        ),
        highlight=False,
    )


@meeting_app.command(
    "update", help=N_("Record a meeting's outcome or status, or present an evaluation to it.")
)
def meeting_update(
    meeting: str = MEETING,
    status: str | None = typer.Option(None, "--status", help=N_("planned, held or cancelled.")),
    outcome: str | None = typer.Option(None, "--outcome", help=N_("What it concluded.")),
    place: str | None = typer.Option(None, "--place", help=N_("Where it met.")),
    present: list[str] = typer.Option([], "--present", help=N_("Another evaluation presented.")),
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    m = _run(
        data_dir,
        token,
        plan,
        lambda s, a, c: meetings.update_meeting(
            session=s, actor=a, plan_code=c, meeting=meeting, status=status, outcome=outcome,
            place=place, present=present,
        ),
    )  # fmt: skip
    out.print(
        _("updated %(meeting)s: %(status)s", meeting=m["label"], status=i18n.term(m["status"])),
        highlight=False,
    )


@meeting_app.command(
    "brief",
    help=N_(
        "Write the brief the body reads: evaluation summary, statement, pending decisions, open\n"
        "action items and the dates in force, as JSON, HTML, Markdown or PDF."
    ),
)
def meeting_brief(
    meeting: str = MEETING,
    fmt: str | None = typer.Option(
        None, "--format", "-f", help=N_("json, html, md or pdf (default: the output's extension).")
    ),
    output: Path = typer.Option(..., "-o", "--output", help=N_("File to write ('-': stdout).")),
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    if fmt is None:
        fmt = output.suffix.lstrip(".").lower() if str(output) != "-" else ""
        fmt = {"htm": "html", "markdown": "md"}.get(fmt, fmt)
    if fmt not in brief_report.FORMATS:
        choices = ", ".join(brief_report.FORMATS)
        raise fail(
            _("--format: one of %(choices)s, not %(value)s", choices=choices, value=repr(fmt))
        )
    doc = _run(
        data_dir,
        token,
        plan,
        lambda s, a, c: brief_report.build_brief(session=s, actor=a, plan_code=c, meeting=meeting),
    )
    data = brief_report.render(doc, fmt)
    if str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise fail(cannot_write(output, exc)) from None
    out.print(wrote(output, len(data)), highlight=False, soft_wrap=True)
    if doc["notice"]:
        err.print(_("note: %(text)s", text=i18n.term(doc["notice"])), highlight=False)


@meeting_app.command(
    "import",
    help=N_("Load a governance record file: its meetings, decisions and stage verifications."),
)
def meeting_import(
    file: Path = typer.Argument(..., help=N_("A governance record (format accord/governance@1).")),
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    try:
        data = yaml.safe_load(file.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise fail(
            _("%(file)s: cannot read it as YAML: %(reason)s", file=file, reason=exc)
        ) from None
    counts = _run(
        data_dir,
        token,
        plan,
        lambda s, a, c: governance.load_record(
            session=s, actor=a, plan_code=c, data=data, source=str(file)
        ),
    )
    out.print(
        _(
            "loaded %(meetings)s meetings, %(decisions)s decisions and %(events)s stage "
            "verifications from %(file)s",
            meetings=counts["meetings"],
            decisions=counts["decisions"],
            events=counts["stage_events"],
            file=file,
        ),
        highlight=False,
        soft_wrap=True,
    )


@decision_app.command("add", help=N_("Record a decision (proposed unless --adopted)."))
def decision_add(
    text: str = typer.Argument(..., help=N_("What was decided.")),
    kind: str = typer.Option(
        ...,
        "--kind",
        help=N_(
            "target_date_set, target_date_moved, stage_verify, stage_certify, "
            "framework_revision, roadmap or other."
        ),
    ),
    meeting: str | None = typer.Option(None, "--meeting", help=N_("The meeting that took it.")),
    date: str | None = typer.Option(None, "--date", help=N_("Default: the meeting's date.")),
    stage: str | None = typer.Option(None, "--stage", help=N_("The stage it touches.")),
    standard: str | None = typer.Option(None, "--standard", help=N_("The standard it touches.")),
    plan_target: bool = typer.Option(
        False, "--plan-target", help=N_("It touches the target date.")
    ),
    new_date: str | None = typer.Option(None, "--new-date", help=N_("The date it sets.")),
    clears_date: bool = typer.Option(False, "--clears-date", help=N_("It removes the date.")),
    adopted: bool = typer.Option(False, "--adopted", help=N_("Record it as adopted already.")),
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    touches = "plan_target" if plan_target else ("stage" if stage else None)
    touches = touches or ("standard" if standard else None)
    d = _run(
        data_dir,
        token,
        plan,
        lambda s, a, c: meetings.add_decision(
            session=s, actor=a, plan_code=c, kind=kind, text=text, meeting=meeting, date=date,
            touches=touches, code=stage or standard, new_date=new_date, clears_date=clears_date,
            status="adopted" if adopted else "proposed",
        ),
    )  # fmt: skip
    out.print(
        _("recorded decision %(uid)s (%(status)s)", uid=d["uid"], status=i18n.term(d["status"])),
        highlight=False,
    )


def _set_status(uid: str, status: str, plan: str | None, token: str | None, dd: Any) -> None:
    d = _run(
        dd,
        token,
        plan,
        lambda s, a, c: meetings.set_decision_status(
            session=s, actor=a, plan_code=c, uid=uid, status=status
        ),
    )
    out.print(
        _("decision %(uid)s %(status)s", uid=d["uid"], status=i18n.term(d["status"])),
        highlight=False,
    )


@decision_app.command(
    "adopt",
    help=N_("Adopt a proposed decision: a date it sets is in force from the decision's date."),
)
def decision_adopt(
    uid: str = typer.Argument(..., help=N_("The decision's uid.")),
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    _set_status(uid, "adopted", plan, token, data_dir)


@decision_app.command("withdraw", help=N_("Withdraw a proposed decision."))
def decision_withdraw(
    uid: str = typer.Argument(..., help=N_("The decision's uid.")),
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    _set_status(uid, "withdrawn", plan, token, data_dir)


@decision_app.command("list", help=N_("The plan's decisions in date order."))
def decision_list(
    status: str | None = typer.Option(None, "--status", help=N_("proposed, adopted or withdrawn.")),
    as_json: bool = JSON,
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    rows = _run(
        data_dir,
        token,
        plan,
        lambda s, a, c: meetings.list_decisions(session=s, actor=a, plan_code=c, status=status),
    )
    if as_json:
        return _print_json(rows)
    table = Table(box=box.SIMPLE)
    for col in (_("date"), _("by"), _("decision"), _("status"), _("source")):
        table.add_column(col)
    for d in rows:
        table.add_row(
            i18n.format_partial_date(d["date"]),
            d["decided_by"],
            d["text"],
            i18n.term(d["status"]),
            _mark(d["provenance"]),
        )
    out.print(table)


@app.command(
    "dates", help=N_("The target dates in force on a day, and the decision that set each.")
)
def dates(
    on: str | None = typer.Option(None, "--on", help=N_("The day (default: today).")),
    as_json: bool = JSON,
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    doc = _run(
        data_dir,
        token,
        plan,
        lambda s, a, c: timeline.dates_document(session=s, actor=a, plan_code=c, on=on),
    )
    if as_json:
        return _print_json(doc)
    table = Table(box=box.SIMPLE, title=_("dates in force on %(day)s", day=doc["on"]))
    for col in (_("target"), _("date"), _("set by")):
        table.add_column(col)
    for item in [doc["plan"], *doc["stages"]]:
        table.add_row(
            i18n.term(item["what"]),
            i18n.format_partial_date(item["date"]) or _("none"),
            item["set_by"],
        )
    out.print(table)


@app.command(
    "timeline",
    help=N_("Evaluations, signatures, stage verifications, meetings and decisions, in order."),
)
def timeline_command(
    kind: list[str] = typer.Option(
        [],
        "--kind",
        help=N_("evaluation, signature, stage_event, meeting or decision (repeatable)."),
    ),
    provenance: list[str] = typer.Option(
        [], "--provenance", help=N_("public_record, illustrative or recorded (repeatable).")
    ),
    since: str | None = typer.Option(
        None, "--since", help=N_("From this date (YYYY, YYYY-MM...).")
    ),
    until: str | None = typer.Option(None, "--until", help=N_("Up to this date.")),
    stage: str | None = typer.Option(None, "--stage", help=N_("Only events about this stage.")),
    body: str | None = typer.Option(
        None, "--body", help=N_("Only this body's meetings/decisions.")
    ),
    as_json: bool = JSON,
    plan: str | None = PLAN,
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    doc = _run(
        data_dir,
        token,
        plan,
        lambda s, a, c: timeline.timeline_document(
            session=s, actor=a, plan_code=c, kinds=kind, provenance=provenance, since=since,
            until=until, stage=stage, body=body,
        ),
    )  # fmt: skip
    if as_json:
        return _print_json(doc)
    table = Table(box=box.SIMPLE)
    for col in (_("date"), _("kind"), _("what"), _("source")):
        table.add_column(col)
    for e in doc["events"]:
        table.add_row(
            i18n.format_partial_date(e["date"]),
            i18n.term(e["kind"]),
            e["title"],
            _mark(e["provenance"]),
        )
    out.print(table)
