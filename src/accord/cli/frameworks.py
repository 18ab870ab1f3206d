"""Framework version commands: framework list, diff, import, propose, approve."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from accord import i18n
from accord.engine.diff import Change, FrameworkDiff, diff
from accord.engine.framework import Framework
from accord.formats import framework_yaml
from accord.i18n import gettext as _
from accord.services import framework_versions as versions
from accord.services import plans
from accord.services.actors import SYSTEM

from .base import app
from .common import (
    DATA_DIR,
    TOKEN,
    cannot_read,
    err,
    fail,
    out,
    settings_for,
    token_actor,
    workspace_session,
)
from .helptext import Typer
from .language import N_

framework_app = Typer(
    help=N_("Framework versions: import a draft, propose it, approve it, compare versions."),
    no_args_is_help=True,
)
app.add_typer(framework_app, name="framework")

PLAN = typer.Option(None, "--plan", help=N_("Plan code (default: the only plan)."))


def _read(file: Path) -> str:
    try:
        return file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(cannot_read(file, exc)) from None


def _approvals(info: versions.VersionInfo) -> str:
    if not any(a.approved for a in info.approvals) and info.status != "proposed":
        return "—"
    return ", ".join(f"{a.party} {'✓' if a.approved else '…'}" for a in info.approvals)


@framework_app.command(
    "list",
    help=N_("List the plan's framework versions: status, standards, approvals, content hash."),
)
def framework_list(plan: str | None = PLAN, data_dir: Path | None = DATA_DIR) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        the_plan = plans.default_plan(session=session, code=plan)
        code = the_plan.code
        rows = versions.list_versions(session=session, actor=SYSTEM, plan=the_plan)
    table = Table(
        title=_("Framework versions of %(plan)s", plan=code),
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    headers = (_("version"), _("status"), _("created"), _("standards"), _("approvals"), "sha-256")
    for col in headers:
        table.add_column(col, no_wrap=True)
    styles = {"agreed": "green", "proposed": "yellow", "draft": "cyan", "superseded": "dim"}
    for v in rows:
        table.add_row(
            escape(v.version),
            f"[{styles.get(v.status, '')}]{i18n.term(v.status)}[/]",
            v.created_at.strftime("%Y-%m-%d"),
            str(v.standards),
            _approvals(v),
            v.content_hash[:12],
        )
    out.print(table)


def _is_file(arg: str) -> bool:
    return Path(arg).is_file()


def _file_framework(arg: str) -> Framework:
    fw, diagnostics = framework_yaml.validate(_read(Path(arg)), arg)
    if fw is None:
        for d in diagnostics:
            err.print(str(d), highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    return fw


@framework_app.command(
    "diff",
    help=N_("Show added, removed and changed standards (and stages, tree, scales) from A to B."),
)
def framework_diff(
    a: str = typer.Argument(..., help=N_("The older version: a version label or a YAML file.")),
    b: str = typer.Argument(..., help=N_("The newer version: a version label or a YAML file.")),
    plan: str | None = PLAN,
    as_json: bool = typer.Option(False, "--json", help=N_("Print the diff as JSON.")),
    data_dir: Path | None = DATA_DIR,
) -> None:
    frameworks: dict[str, Framework] = {
        arg: _file_framework(arg) for arg in (a, b) if _is_file(arg)
    }
    plan_code = ""
    if len(frameworks) < 2:
        with workspace_session(settings_for(data_dir)) as session:
            the_plan = plans.default_plan(session=session, code=plan)
            plan_code = the_plan.code
            for arg in (a, b):
                if arg not in frameworks:
                    frameworks[arg] = versions.framework_for(
                        session=session, actor=SYSTEM, plan=the_plan, version=arg
                    )
    result = diff(frameworks[a], frameworks[b])
    if as_json:
        doc = {"plan": plan_code or None, **result.as_dict()}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return
    print_diff(result, a, b)


def _show(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, tuple):
        return ", ".join(value) if value else "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _change_line(c: Change) -> str:
    what = escape(c.what)
    if isinstance(c.before, tuple) and isinstance(c.after, tuple) and c.what != "levels":
        plus = [f"[green]+{escape(x)}[/]" for x in c.after if x not in c.before]
        minus = [f"[red]−{escape(x)}[/]" for x in c.before if x not in c.after]
        moved = " ".join(plus + minus)
        if max(len(c.before), len(c.after)) > 4 and moved:
            # a long list of codes: what joined and left says more than both lists in full
            return f"{what}: {moved}  ({len(c.before)} → {len(c.after)})"
        if moved:
            return f"{what}: {escape(_show(c.before))} → {escape(_show(c.after))}  ({moved})"
    before, after = escape(_show(c.before)), escape(_show(c.after))
    return f"{what}: [red]{before}[/] → [green]{after}[/]"


def print_diff(d: FrameworkDiff, a: str, b: str) -> None:
    """Readable diff: one block per section, `before → after` for every changed attribute."""
    head = "[bold]" + _("Framework %(a)s → %(b)s", a=escape(a), b=escape(b)) + "[/]"
    if (a, b) != (d.a, d.b):  # files were named: say which versions they hold
        head += "  " + _("(versions %(a)s → %(b)s)", a=escape(d.a), b=escape(d.b))
    out.print(head, soft_wrap=True)
    if d.empty:
        out.print(_("no differences"))
        return
    names = {
        "standards": _("Standards"),
        "stages": _("Stages"),
        "conditions": _("Conditions"),
        "fields": _("Fields"),
        "scales": _("Scales"),
    }
    for name, section in d.sections():
        if section.empty:
            continue
        counts = _(
            "%(added)s added, %(removed)s removed, %(changed)s changed",
            added=len(section.added),
            removed=len(section.removed),
            changed=len(section.changed),
        )
        out.print(f"\n[bold]{names.get(name, name.capitalize())}[/]: {counts}")
        for item in section.added:
            where = ""
            if item.parent:
                where = "  [dim]" + _("(in %(parent)s)", parent=escape(item.parent)) + "[/]"
            out.print(f"  [green]+ {escape(item.code)}[/]  {escape(item.title)}{where}")
        for item in section.removed:
            where = ""
            if item.parent:
                where = "  [dim]" + _("(was in %(parent)s)", parent=escape(item.parent)) + "[/]"
            out.print(f"  [red]− {escape(item.code)}[/]  {escape(item.title)}{where}")
        for changed in section.changed:
            out.print(f"  [yellow]~ {escape(changed.code)}[/]  {escape(changed.title)}")
            for c in changed.changes:
                out.print(f"      {_change_line(c)}")
    if d.framework:
        out.print("\n[bold]" + _("Plan settings") + "[/]")
        for c in d.framework:
            out.print(f"  {_change_line(c)}")


@framework_app.command(
    "import",
    help=N_("Import a framework file as a new draft version of the plan (as the local operator)."),
)
def framework_import(
    file: Path = typer.Argument(..., help=N_("Framework YAML file with a new version label.")),
    plan: str | None = PLAN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    text = _read(file)
    with workspace_session(settings_for(data_dir)) as session:
        the_plan = plans.default_plan(session=session, code=plan)
        info = versions.create_draft(
            session=session, actor=SYSTEM, plan=the_plan, text=text, source=str(file)
        )
    out.print(
        _(
            "created draft %(version)s of plan %(plan)s (%(standards)s standards, sha-256 "
            "%(hash)s); next: accord framework propose %(version)s",
            version=info.version,
            plan=info.plan,
            standards=info.standards,
            hash=info.content_hash[:12],
        ),
        highlight=False,
        soft_wrap=True,
    )


@framework_app.command(
    "propose", help=N_("Put a draft version to the parties for approval (as the local operator).")
)
def framework_propose(
    version: str = typer.Argument(..., help=N_("The draft version label.")),
    plan: str | None = PLAN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        the_plan = plans.default_plan(session=session, code=plan)
        info = versions.propose(session=session, actor=SYSTEM, plan=the_plan, version=version)
    out.print(
        _(
            "proposed %(version)s of plan %(plan)s; awaiting approval of %(parties)s",
            version=info.version,
            plan=info.plan,
            parties=", ".join(info.awaiting),
        ),
        highlight=False,
        soft_wrap=True,
    )


@framework_app.command(
    "approve",
    help=N_("Approve a proposed version for your party, as the user of an API token (a signer)."),
)
def framework_approve(
    version: str = typer.Argument(..., help=N_("The proposed version label.")),
    plan: str | None = PLAN,
    party: str | None = typer.Option(
        None, "--party", help=N_("The party to approve for (when you sign for several).")
    ),
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        actor = token_actor(session, token)
        the_plan = plans.default_plan(session=session, code=plan)
        result = versions.approve(
            session=session, actor=actor, plan=the_plan, version=version, party_code=party
        )
    info = result.version
    out.print(
        _(
            "%(party)s approved %(version)s of plan %(plan)s",
            party=result.party,
            version=info.version,
            plan=info.plan,
        ),
        highlight=False,
    )
    if info.status == "agreed":
        parties = ", ".join(a.party for a in info.approvals)
        line = _("%(version)s is now agreed by %(parties)s", version=info.version, parties=parties)
        if result.superseded:
            line += _("; %(versions)s superseded", versions=", ".join(result.superseded))
        out.print(line, highlight=False)
    else:
        out.print(
            _("awaiting approval of %(parties)s", parties=", ".join(info.awaiting)),
            highlight=False,
        )


from . import interop  # noqa: E402, F401  (registers export, import-oscal, import-ciso)
