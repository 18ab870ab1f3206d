"""Plan commands: plan create/list, check, summary."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich import box
from rich.table import Table

from accord import i18n
from accord.formats import framework_yaml
from accord.i18n import gettext as _
from accord.i18n import ngettext
from accord.services import documents, evaluations, plans

from .base import app
from .common import (
    DATA_DIR,
    cannot_read,
    created_plan,
    fail,
    out,
    settings_for,
    workspace_session,
)
from .helptext import Typer
from .language import N_

plan_app = Typer(
    help=N_("Plans: create one from a framework file, list them."), no_args_is_help=True
)
app.add_typer(plan_app, name="plan")


@plan_app.command(
    "create",
    help=N_("Create a plan, its parties and its first agreed framework version from a YAML file."),
)
def plan_create(
    file: Path = typer.Argument(
        ..., help=N_("Framework YAML file (see docs/framework-format.md).")
    ),
    code: str | None = typer.Option(
        None, "--code", help=N_("Plan code (default: the framework's).")
    ),
    data_dir: Path | None = DATA_DIR,
) -> None:
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(cannot_read(file, exc)) from None
    with workspace_session(settings_for(data_dir), initialise=True) as session:
        plan = plans.create_plan(session=session, text=text, source=str(file), code=code)
        parties = ", ".join(p.code for p in plan.parties)
    out.print(created_plan(plan.code, plan.title, parties), highlight=False)


@plan_app.command("list", help=N_("List the plans in the workspace."))
def plan_list(data_dir: Path | None = DATA_DIR) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        rows = [
            (p.code, p.title, p.target_date, p.illustrative)
            for p in plans.list_plans(session=session)
        ]
    if not rows:
        out.print(_("no plans yet: `accord example opcon` or `accord plan create FILE.yaml`"))
        return
    table = Table(box=box.SIMPLE_HEAD)
    for col in (_("code"), _("title"), _("target"), ""):
        table.add_column(col)
    for code, title, target, illustrative in rows:
        table.add_row(
            code,
            i18n.title(title),
            target.isoformat() if target else "—",
            _("illustrative") if illustrative else "",
        )
    out.print(table)


@app.command(help=N_("Validate framework files; print every problem as file:line:column: message."))
def check(
    files: list[Path] = typer.Argument(..., help=N_("Framework YAML files to validate.")),
) -> None:
    failed = False
    for path in files:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            out.print(cannot_read(f"{path}:1:1", exc), highlight=False, soft_wrap=True)
            failed = True
            continue
        fw, diagnostics = framework_yaml.validate(text, str(path))
        for d in diagnostics:
            out.print(str(d), highlight=False, soft_wrap=True)
        if fw is None:
            failed = True
        else:
            n = len(fw.index.codes)
            fields = sum(1 for _field in fw.fields())
            counts = (
                ngettext("%(num)d condition", "%(num)d conditions", len(fw.conditions)),
                ngettext("%(num)d field", "%(num)d fields", fields),
                ngettext("%(num)d standard", "%(num)d standards", n),
                ngettext("%(num)d stage", "%(num)d stages", len(fw.stages)),
            )
            out.print(
                _("%(path)s: ok (%(counts)s)", path=path, counts=", ".join(counts)),
                highlight=False,
                soft_wrap=True,
            )
    if failed:
        raise typer.Exit(1)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _delta(x: float | None) -> str:
    return "—" if x is None else f"{x:+.2f}"


@app.command(
    help=N_(
        "Scores by condition and field, met/total, progress, agreement, stages and the statement."
    )
)
def summary(
    evaluation: str | None = typer.Argument(
        None, help=N_("Evaluation code (default: the latest with joint ratings).")
    ),
    plan: str | None = typer.Option(None, "--plan", help=N_("Plan code (default: the only plan).")),
    since: str | None = typer.Option(
        None, "--since", help=N_("Measure progress since this evaluation (default: the previous).")
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print the JSON document instead.")),
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        the_plan = plans.default_plan(session=session, code=plan)
        view = evaluations.summarize_evaluation(
            session=session, plan=the_plan, code=evaluation, since=since
        )
        doc = documents.summary_document(view)
    if as_json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return
    _print_summary(doc)


def _print_summary(doc: dict[str, object]) -> None:
    ev = doc["evaluation"]
    prev = doc["previous_evaluation"]
    assert isinstance(ev, dict)
    if doc["notice"]:
        out.print(f"[bold yellow]{i18n.term(doc['notice'])}[/]")
    plan = doc["plan"]
    assert isinstance(plan, dict)
    held = f"{ev['held_on']}, {i18n.term(ev['status'])}"
    title = f"{i18n.title(plan['title'])} — {ev['label']} ({held})"
    since = f"Δ {prev['code']}" if isinstance(prev, dict) else "Δ"
    agreement = doc["agreement"]
    assert isinstance(agreement, list)
    pair = agreement[0] if agreement else None
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column(_("node"), no_wrap=True, min_width=4)
    width = max(12, out.width - 62)
    table.add_column(_("title"), no_wrap=True, overflow="ellipsis", max_width=width)
    for col in (_("score"), _("met"), since):
        table.add_column(col, justify="right", no_wrap=True, min_width=max(5, len(col)))
    table.add_column(_("progress"), no_wrap=True, min_width=10)
    table.add_column(_("agreement"), justify="right", no_wrap=True, min_width=11)
    conditions = doc["conditions"]
    assert isinstance(conditions, list)
    progress_doc = doc["progress"]
    judged = progress_doc["rule"]["judged_at"] if isinstance(progress_doc, dict) else ""
    for c in conditions:
        agree = "—"
        if pair and (st := pair["conditions"].get(c["code"])) and st["compared"]:
            agree = f"{st['exact']:.0%} κ{st['kappa']:.2f}"
        _row(table, c, bold=True, agreement=agree, judged=judged == "condition")
        for f in c["fields"]:
            _row(table, f, bold=False, agreement="", judged=judged == "field")
    plan_score = doc["plan_score"]
    assert isinstance(plan_score, dict)
    overall = "—"
    if pair and pair["overall"]["compared"]:
        overall = f"{pair['overall']['exact']:.0%} κ{pair['overall']['kappa']:.2f}"
    _row(
        table,
        {**plan_score, "code": _("plan"), "title": _("whole plan")},
        bold=True,
        agreement=overall,
        judged=False,
    )
    out.print(table)
    stages = Table(title=_("Stage readiness"), title_justify="left", box=box.SIMPLE_HEAD)
    for col in (_("stage"), _("target"), _("met"), _("ready"), _("blocked by")):
        stages.add_column(col)
    stage_list = doc["stages"]
    assert isinstance(stage_list, list)
    for st in stage_list:
        stages.add_row(
            st["code"],
            st["target_date"] or "—",
            f"{st['met']}/{st['required'] - st['not_applicable']}",
            "[green]" + _("ready") + "[/]" if st["ready"] else "[red]" + _("not ready") + "[/]",
            ", ".join(b["code"] for b in st["blocking"]) or "—",
        )
    out.print(stages)
    progress = doc["progress"]
    if isinstance(progress, dict):
        out.print(f"[bold]{i18n.progress_statement(progress)}[/]", highlight=False)
    else:
        out.print(_("No earlier evaluation with joint ratings: progress cannot be judged yet."))
    if pair:
        out.print(
            _(
                "Agreement %(parties)s: %(n)s standards compared",
                parties=" / ".join(pair["parties"]),
                n=pair["overall"]["compared"],
            ),
            highlight=False,
        )


def _row(
    table: Table, node: dict[str, object], *, bold: bool, agreement: str, judged: bool
) -> None:
    counts = node["counts"]
    assert isinstance(counts, dict)
    progress = node.get("progress")
    delta, verdict = "—", ""
    if isinstance(progress, dict):
        delta = _delta(progress["delta"])
        if judged:
            verdict = {
                True: f"[green]{i18n.term('meaningful')}[/]",
                False: f"[dim]{i18n.term('below rule')}[/]",
                None: "[dim]" + _("n/c") + "[/]",
            }[progress["meaningful"]]
    style = "bold" if bold else ""
    table.add_row(
        str(node["code"]),
        i18n.title(node["title"]),
        _pct(node["score"]),  # type: ignore[arg-type]
        f"{counts['met']}/{counts['applicable']}",
        delta,
        verdict,
        agreement,
        style=style,
    )
