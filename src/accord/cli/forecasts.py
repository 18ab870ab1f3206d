"""The forecast command: when the plan is likely to be met, and how well that back-tests."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.table import Table

from accord import i18n
from accord.i18n import gettext as _
from accord.i18n import ngettext
from accord.services import forecasts, plans
from accord.services.actors import SYSTEM

from .base import app
from .common import DATA_DIR, out, settings_for, workspace_session
from .language import N_


@app.command(
    "forecast",
    help=N_(
        "Probability that the plan, its conditions and stages are met by their dates, median\n"
        "dates with 80% intervals and the top risks; or, with --backtest, the forecast's skill."
    ),
)
def forecast(
    plan: str | None = typer.Option(None, "--plan", help=N_("Plan code (default: the only plan).")),
    paths: int | None = typer.Option(
        None,
        "--paths",
        help=N_("Monte Carlo paths, 100 to 50,000 (default 10,000; 2,000 with --backtest)."),
    ),
    seed: int = typer.Option(0, "--seed", help=N_("Seed of the random generator.")),
    as_of: str | None = typer.Option(
        None, "--as-of", help=N_("Forecast from the history up to this evaluation (default: all).")
    ),
    backtest: bool = typer.Option(
        False, "--backtest", help=N_("Show the back-test (Brier scores, calibration) instead.")
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print the JSON document instead.")),
    data_dir: Path | None = DATA_DIR,
) -> None:
    with workspace_session(settings_for(data_dir)) as session:
        code = plans.default_plan(session=session, code=plan).code
        if backtest:
            doc = forecasts.backtest_plan(
                session=session, actor=SYSTEM, plan_code=code, paths=paths or 2_000, seed=seed
            )
        else:
            doc = forecasts.forecast_plan(
                session=session,
                actor=SYSTEM,
                plan_code=code,
                paths=paths or 10_000,
                seed=seed,
                as_of=as_of,
            )
    if as_json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return
    if doc["notice"]:
        out.print(f"[bold yellow]{i18n.term(doc['notice'])}[/]")
    (_print_backtest if backtest else _print_forecast)(doc)


def _pct(x: float | None) -> str:
    if x is None:
        return "—"
    if 0 < x < 0.001:
        return "<0.1%"
    if 0.999 < x < 1:
        return ">99.9%"
    return f"{x:.1%}"


def _date(d: str | None, horizon: str | None) -> str:
    """A date, or '>HORIZON' when it lies beyond the simulated years."""
    return d if d is not None else f">{horizon}" if horizon else "—"


_LEFT = ("code", "stage", "origin", "blocks")


def _headers() -> dict[str, str]:
    """The column headers in the language in force (P, p10, p90: symbols, as they are)."""
    return {
        "code": _("code"),
        "title": _("title"),
        "median": _("median"),
        "stage": _("stage"),
        "target": _("target"),
        "P own": _("P own"),
        "P plan": _("P plan"),
        "P by": _("P by"),
        "P at": _("P at"),
        "impact": _("impact"),
        "blocks": _("blocks"),
        "origin": _("origin"),
        "date": _("date"),
        "forecasts": _("forecasts"),
        "model": _("model"),
        "persistence": _("persistence"),
        "trend": _("trend"),
    }


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    headers = _headers()
    for col in columns:
        if col == "title":
            table.add_column(headers[col], ratio=1, min_width=12)
        else:
            table.add_column(
                headers.get(col, col), no_wrap=True, justify="left" if col in _LEFT else "right"
            )
    return table


def _print_forecast(doc: dict[str, Any]) -> None:
    out.print(
        _(
            "Forecast for %(plan)s as of %(as_of)s (%(date)s), target %(target)s: %(paths)s "
            "paths, seed %(seed)s, %(used)s evaluations used",
            plan=doc["plan"],
            as_of=doc["as_of"] or "—",
            date=doc["as_of_date"] or "—",
            target=doc["target_date"] or "—",
            paths=format(doc["paths"], ","),
            seed=doc["seed"],
            used=doc["evaluations_used"],
        ),
        highlight=False,
    )
    if not doc["enough_history"]:
        _not_enough(doc["message"])
        return
    horizon = doc["horizon_date"]
    target = doc["target_date"] or horizon
    whole = doc["plan_forecast"]
    low, high = whole["interval_80"]
    line = _(
        "%(p)s by %(target)s; median %(median)s, 80%% interval %(low)s to %(high)s",
        p=_pct(whole["probability_by_target"]),
        target=target,
        median=_date(whole["median_date"], horizon),
        low=_date(low, horizon),
        high=_date(high, horizon),
    )
    whole_plan = _("Whole plan")
    out.print(f"[bold]{whole_plan}[/]: {line}", highlight=False)
    conditions = _table(
        _("Conditions, met by %(target)s", target=target),
        "code",
        "title",
        "P",
        "median",
        "p10",
        "p90",
    )
    for c in doc["conditions"]:
        low, high = c["interval_80"]
        conditions.add_row(
            c["code"],
            c["title"],
            _pct(c["probability_by_target"]),
            _date(c["median_date"], horizon),
            _date(low, horizon),
            _date(high, horizon),
        )
    out.print(conditions)
    stages = _table(_("Stages"), "stage", "target", "P own", "P plan", "median", "p10", "p90")
    for s in doc["stages"]:
        low, high = s["interval_80"]
        own = _pct(s["probability_by_stage_target"])
        stages.add_row(
            s["code"],
            s["target_date"] or "—",
            f"{own}*" if s["stage_target_observed"] else own,
            _pct(s["probability_by_target"]),
            _date(s["median_date"], horizon),
            _date(low, horizon),
            _date(high, horizon),
        )
    out.print(stages)
    out.print(
        _(
            "P own: met by the stage's target date (*: that date has passed, observed); P plan: "
            "by %(target)s. median, p10, p90: date by which it is met in 50%%, 10%%, 90%% of "
            "paths (80%% interval p10 to p90); >%(horizon)s: not within the simulated years.",
            target=target,
            horizon=horizon,
        ),
        style="dim",
        highlight=False,
    )
    risks = _table(
        _("Top risks, %(target)s", target=target),
        "code",
        "title",
        "P by",
        "P at",
        "impact",
        "blocks",
    )
    for r in doc["risks"]:
        risks.add_row(
            r["code"],
            r["title"],
            _pct(r["probability_by_target"]),
            _pct(r["probability_at_target"]),
            f"+{r['impact']:.1%}" if r["impact"] else "—",
            ", ".join(r["blocks"]),
        )
    out.print(risks)
    out.print(
        _(
            "P by: met at some evaluation up to the target date; P at: met at the last one "
            "before it. impact: how much the whole plan's probability would rise if that "
            "standard were certain to be met (a standard met now still blocks when it slips)."
        ),
        style="dim",
    )
    skill = doc["skill"]
    if skill["available"]:
        out.print(
            _(
                "Skill (back-test, %(origins)s origins, %(pairs)s forecasts of the next "
                "evaluation): Brier model %(model)s, persistence %(persistence)s, trend "
                "%(trend)s (lower is better)",
                origins=skill["origins"],
                pairs=skill["pairs"],
                model=format(skill["brier_model"], ".3f"),
                persistence=format(skill["brier_persistence"], ".3f"),
                trend=format(skill["brier_trend"], ".3f"),
            ),
            highlight=False,
        )
    else:
        out.print(
            _("Skill: not enough history: %(reason)s", reason=skill["message"]), highlight=False
        )
    out.print(doc["message"], highlight=False)


_RIVALS = ("model", "persistence", "trend")


def _not_enough(message: str) -> None:
    label = _("not enough history")
    out.print(f"[bold]{label}[/]: {message}", highlight=False)


def _b(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _print_backtest(doc: dict[str, Any]) -> None:
    out.print(
        _(
            "Back-test of %(plan)s: %(used)s evaluations with joint ratings, %(paths)s paths, "
            "seed %(seed)s",
            plan=doc["plan"],
            used=doc["evaluations_used"],
            paths=format(doc["paths"], ","),
            seed=doc["seed"],
        ),
        highlight=False,
    )
    if not doc["available"]:
        _not_enough(doc["message"])
        return
    horizons = Table(
        title=_("Brier scores (lower is better)"), title_justify="left", box=box.SIMPLE_HEAD
    )
    for col in (_("ahead"), _("forecasts"), _("model"), _("persistence"), _("trend")):
        horizons.add_column(col, justify="right")
    for h in doc["horizons"]:
        horizons.add_row(
            ngettext("%(num)d evaluation", "%(num)d evaluations", h["steps"]),
            str(h["pairs"]),
            _b(h["brier_model"]),
            _b(h["brier_persistence"]),
            _b(h["brier_trend"]),
        )
    out.print(horizons)
    origins = _table(_("Next evaluation, per origin"), "origin", "date", "forecasts", *_RIVALS)
    for o in doc["origins"]:
        origins.add_row(
            o["evaluation"],
            o["date"],
            str(o["pairs"]),
            _b(o["brier_model"]),
            _b(o["brier_persistence"]),
            _b(o["brier_trend"]),
        )
    out.print(origins)
    calibration = Table(
        title=_("Calibration of the model (next evaluation)"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for col in (_("predicted"), _("forecasts"), _("mean predicted"), _("observed met")):
        calibration.add_column(col, justify="right")
    for row in doc["calibration"]:
        calibration.add_row(
            f"{row['lower']:.0%}–{row['upper']:.0%}",
            str(row["count"]),
            _pct(row["mean_predicted"]),
            _pct(row["observed"]),
        )
    out.print(calibration)
    out.print(doc["message"], highlight=False)
