"""Report commands: report (HTML, PDF, Markdown, JSON) and statement (the SCM paragraph)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from accord import i18n
from accord.i18n import gettext as _
from accord.reports import render
from accord.reports.assemble import build_report
from accord.services import plans
from accord.services.actors import SYSTEM

from .base import app
from .common import DATA_DIR, cannot_write, err, fail, out, settings_for, workspace_session, wrote
from .language import N_

PLAN = typer.Option(None, "--plan", help=N_("Plan code (default: the only plan)."))


def _report(
    data_dir: Path | None,
    plan: str | None,
    evaluation: str,
    marking: str | None,
    lang: str | None = None,
) -> dict[str, Any]:
    """The report's document, assembled in `lang` (default: the language in force)."""
    with workspace_session(settings_for(data_dir)) as session:
        code = plans.default_plan(session=session, code=plan).code
        with i18n.use_locale(lang or i18n.current()):
            return build_report(
                session=session, actor=SYSTEM, plan_code=code, code=evaluation, marking=marking
            )


@app.command(
    "report", help=N_("Write the report of a concluded evaluation as HTML, PDF, Markdown or JSON.")
)
def report(
    evaluation: str = typer.Argument(..., help=N_("Code of the concluded evaluation.")),
    plan: str | None = PLAN,
    fmt: str | None = typer.Option(
        None,
        "--format",
        "-f",
        help=N_("html, pdf, md or json (default: from the output file's extension)."),
    ),
    output: Path = typer.Option(
        ..., "-o", "--output", help=N_("File to write ('-' for standard output).")
    ),
    marking: str | None = typer.Option(
        None,
        "--marking",
        envvar="ACCORD_REPORT_MARKING",
        help=N_("Marking line printed on every page (default: none)."),
    ),
    lang: str | None = typer.Option(
        None,
        "--lang",
        help=N_(
            "Language of the report's text: en or ko (titles too, when given); default: the "
            "language of the command line (accord --lang, ACCORD_LANG, the locale; else en)."
        ),
    ),
    data_dir: Path | None = DATA_DIR,
) -> None:
    if lang is None:
        lang = i18n.current()  # the command line's language (base.root)
    elif i18n.supported(lang) != lang:
        raise fail(
            _(
                "--lang: one of %(choices)s, not %(value)s",
                choices=", ".join(i18n.LOCALES),
                value=repr(lang),
            )
        )
    if fmt is None:
        fmt = output.suffix.lstrip(".").lower() if str(output) != "-" else ""
        fmt = {"htm": "html", "markdown": "md"}.get(fmt, fmt)
    if fmt not in render.FORMATS:
        choices = ", ".join(render.FORMATS)
        raise fail(
            _("--format: one of %(choices)s, not %(value)s", choices=choices, value=repr(fmt))
            if fmt
            else _(
                "--format: one of %(choices)s (the output file's extension does not say)",
                choices=choices,
            )
        )
    doc = _report(data_dir, plan, evaluation, marking, lang)
    status = _("rendering the %(format)s report…", format=fmt.upper())
    problem: OSError | None = None
    with err.status(status), i18n.use_locale(lang):
        if str(output) == "-":
            sys.stdout.buffer.write(render.render(doc, fmt))
            sys.stdout.flush()
            return
        try:
            written = render.write(doc, fmt, output)
        except OSError as exc:
            problem = exc
    if problem is not None:  # said in the command line's language, not the report's
        raise fail(cannot_write(output, problem)) from None
    for path in written:
        out.print(wrote(path, path.stat().st_size), highlight=False, soft_wrap=True)
    if doc["notice"]:
        err.print(_("note: %(text)s", text=i18n.term(doc["notice"])), highlight=False)


@app.command(
    "statement",
    help=N_(
        "Print the statement for the SCM: one paragraph, each claim with the figure it rests on."
    ),
)
def statement(
    evaluation: str = typer.Argument(..., help=N_("Code of the concluded evaluation.")),
    plan: str | None = PLAN,
    as_json: bool = typer.Option(
        False, "--json", help=N_("Print the statement and its claims as JSON.")
    ),
    data_dir: Path | None = DATA_DIR,
) -> None:
    doc = _report(data_dir, plan, evaluation, None)["statement"]
    if as_json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return
    out.print(doc["marked"], highlight=False, soft_wrap=True, markup=False)
    out.print("")
    for c in doc["claims"]:
        value = json.dumps(c["value"], ensure_ascii=False)
        out.print(
            f"[{c['id']}] {c['text']} — {c['source']} = {value}",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
