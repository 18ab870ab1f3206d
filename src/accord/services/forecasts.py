"""Forecasts: how likely the plan, its conditions and stages are to be met by their dates, and
how well that forecast would have done on the plan's own history (the back-test).

Both read the joint ratings of every evaluation that has them, encoded on one framework
version, and call the pure engine (`accord.engine.forecast`).  Nothing is cached: a call costs
a fraction of a second, so any process can answer it from the database alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import statistics
import threading
from collections import OrderedDict
from itertools import pairwise
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from accord import permissions
from accord.engine.forecast import (
    Backtest,
    CalibrationBin,
    Forecast,
    HorizonSkill,
    NodeForecast,
    backtest,
    forecast,
)
from accord.engine.framework import Framework
from accord.engine.scoring import RatingVector
from accord.i18n import gettext as _
from accord.models import Evaluation, Plan

from . import Invalid, NotFound, timeline
from .actors import Actor
from .documents import ILLUSTRATIVE_NOTICE
from .evaluations import encode_compatible, joint_ratings, list_evaluations
from .frameworks import current_version, framework_of

MIN_PATHS, MAX_PATHS = 100, 50_000
MAX_SEED = 2**63 - 1
SKILL_PATHS = 1_000  # the forecast document's skill comes from a back-test with fewer paths
BACKTEST_METHOD = (
    "From every evaluation that has at least two earlier ones (an origin), the model is fitted "
    "on the history up to that origin only and forecasts, per standard, the probability that "
    "it is met at the next evaluation (exactly, from the posterior mean) and two evaluations "
    "on (by simulation). Each forecast is scored against what the later joint rating showed "
    "with the Brier score, the mean squared difference between probability and outcome (0 "
    "is perfect; always answering 50% scores 0.25). Two baselines get the same score: "
    "persistence (met stays met, unmet stays unmet: probabilities 1 and 0) and a linear "
    "trend (a least-squares line through each standard's rated levels, extrapolated, clipped "
    "to its scale and rounded: met when it reaches the threshold). The calibration table "
    "groups the model's forecasts by tenths of predicted probability and shows how often "
    "those standards were in fact met."
)


def _check(paths: int, seed: int) -> None:
    if not MIN_PATHS <= paths <= MAX_PATHS:
        raise Invalid(
            _(
                "paths: must be between %(min)s and %(max)s, not %(paths)s",
                min=format(MIN_PATHS, ","),
                max=format(MAX_PATHS, ","),
                paths=format(paths, ","),
            )
        )
    if not 0 <= seed <= MAX_SEED:
        raise Invalid(
            _(
                "seed: must be a whole number between 0 and %(max)s, not %(seed)s",
                max=MAX_SEED,
                seed=seed,
            )
        )


def _history(
    session: Session, plan: Plan, as_of: str | None
) -> tuple[Framework, list[Evaluation], list[tuple[dt.date, RatingVector]]]:
    """The framework to forecast on, the evaluations used and their joint ratings on it."""
    evaluations = list_evaluations(session=session, plan=plan)
    joint = joint_ratings(session=session, evaluation_ids=[e.id for e in evaluations])
    used = [e for e in evaluations if joint.get(e.id)]
    version = current_version(session=session, plan=plan)
    if as_of is not None:
        named = next((e for e in evaluations if e.code == as_of), None)
        if named is None:
            raise NotFound(
                _(
                    "plan %(plan)s has no evaluation %(as_of)s",
                    plan=repr(plan.code),
                    as_of=repr(as_of),
                )
            )
        if named not in used:
            raise Invalid(
                _(
                    "as_of: evaluation %(as_of)s has no joint ratings to forecast from",
                    as_of=repr(as_of),
                )
            )
        used = used[: used.index(named) + 1]
        version = named.framework_version  # the framework as it stood then
    if version is None:  # no agreed version: the one the latest evaluation used
        latest = used[-1] if used else (evaluations[-1] if evaluations else None)
        if latest is None:
            raise NotFound(_("plan %(plan)s has no agreed framework version", plan=repr(plan.code)))
        version = latest.framework_version
    fw = framework_of(version)
    return fw, used, [(e.held_on, encode_compatible(fw, joint[e.id])) for e in used]


def cadence_months(dates: list[dt.date]) -> int:
    """The plan's cadence: the median interval between its evaluations in whole months
    (one a year when there are fewer than two)."""
    if len(dates) < 2:
        return 12
    gaps = [(b - a).days for a, b in pairwise(dates)]
    return max(1, min(24, round(statistics.median(gaps) / 30.4375)))


def _iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _header(plan: Plan, used: list[Evaluation]) -> dict[str, Any]:
    illustrative = plan.illustrative or any(e.illustrative for e in used)
    return {
        "plan": plan.code,
        "illustrative": illustrative,
        "notice": ILLUSTRATIVE_NOTICE if illustrative else None,
        "as_of": used[-1].code if used else None,
        "as_of_date": _iso(used[-1].held_on) if used else None,
    }


def _node(n: NodeForecast) -> dict[str, Any]:
    return {
        "probability_by_target": _r(n.probability_by_target),
        "standard_error": _r(n.standard_error),
        "median_date": _iso(n.median),
        "interval_80": [_iso(n.p10), _iso(n.p90)],
        "required": n.required,
        "met_now": n.met_now,
        "met_since": _iso(n.met_since),
    }


def forecast_document(
    plan: Plan, fw: Framework, used: list[Evaluation], fc: Forecast, skill: Backtest
) -> dict[str, Any]:
    """The forecast as JSON: the API, `accord forecast --json`, the dashboard and the report."""
    nxt = skill.next
    return {
        **_header(plan, used),
        "target_date": _iso(fc.target_date),
        "paths": fc.paths,
        "seed": fc.seed,
        "evaluations_used": fc.evaluations_used,
        "enough_history": fc.enough_history,
        "message": fc.message,
        "method": fc.method,
        "framework": {"code": fw.code, "version": fw.version},
        "evaluations": [e.code for e in used],
        "cadence_months": fc.cadence_months,
        "horizon_date": _iso(fc.horizon),
        "draws": fc.draws,
        "moves": fc.moves,
        "plan_forecast": _node(fc.plan),
        "conditions": [{"code": c.code, "title": c.title, **_node(c)} for c in fc.conditions],
        "stages": [
            {
                "code": s.code,
                "name": s.title,
                "target_date": _iso(s.own_target),
                "probability_by_stage_target": _r(s.probability_by_own_target),
                "stage_target_observed": s.own_target_observed,
                **_node(s),
            }
            for s in fc.stages
        ],
        "standards": [
            {
                "code": s.code,
                "title": s.title,
                "probability_by_target": _r(s.probability_by_target),
                "probability_at_target": _r(s.probability_at_target),
                "condition": s.condition,
                "field": s.field,
                "threshold": s.threshold,
                "start": s.start,
                "assumed": s.assumed,
                "not_applicable": s.not_applicable,
                "blocks": list(s.blocks),
            }
            for s in fc.standards
        ],
        "risks": [
            {
                "code": r.code,
                "title": r.title,
                "probability_by_target": _r(r.probability_by_target),
                "probability_at_target": _r(r.probability_at_target),
                "impact": _r(r.impact),
                "blocks": list(r.blocks),
            }
            for r in fc.risks
        ],
        "fan": [
            {
                "date": p.date.isoformat(),
                **dict(
                    zip(
                        ("p10", "p25", "p50", "p75", "p90"),
                        (round(q, 4) for q in p.quantiles),
                        strict=True,
                    )
                ),
            }
            for p in fc.fan
        ],
        "history": [
            {"evaluation": e.code, "date": d.isoformat(), "plan_score": _r(score)}
            for e, (d, score) in zip(used, fc.observed, strict=True)
        ],
        "skill": {
            "available": skill.available,
            "origins": len(skill.origins),
            "pairs": nxt.pairs if nxt else 0,
            "paths": skill.paths,
            "brier_model": _r(nxt.brier_model) if nxt else None,
            "brier_persistence": _r(nxt.brier_persistence) if nxt else None,
            "brier_trend": _r(nxt.brier_trend) if nxt else None,
            "message": skill.message,
        },
    }


def forecast_plan(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    paths: int = 10_000,
    seed: int = 0,
    as_of: str | None = None,
) -> dict[str, Any]:
    """The Monte Carlo forecast of the plan from its joint ratings (up to evaluation `as_of`,
    default: all), with the skill of the same model in a back-test; see docs/forecast.md."""
    _check(paths, seed)
    plan = permissions.plan_for_actor(session, actor, plan_code)
    fw, used, history = _history(session, plan, as_of)
    # the target dates in force on the day the forecast describes: the evaluation it is made
    # as of, or today for the forecast of the whole history (decisions move dates: timeline)
    day = used[-1].held_on if as_of is not None and used else dt.date.today()
    fw, _dates = timeline.framework_in_force(session, plan, fw, day)
    target = fw.target_date
    fc, skill = _simulate(fw, history, target, paths, seed)
    return forecast_document(plan, fw, used, fc, skill)


def _fingerprint(fw: Framework, history: list[tuple[dt.date, RatingVector]]) -> str:
    digest = hashlib.sha256(repr(fw).encode())
    for day, vector in history:
        digest.update(day.isoformat().encode())
        digest.update(np.ascontiguousarray(vector.level).tobytes())
    return digest.hexdigest()


_RUNS: OrderedDict[tuple[Any, ...], tuple[Any, Any]] = OrderedDict()
_RUNS_KEPT = 16
_RUNS_LOCK = threading.Lock()
_COMPUTE_LOCK = threading.Lock()


def _simulate(
    fw: Framework,
    history: list[tuple[dt.date, RatingVector]],
    target: dt.date | None,
    paths: int,
    seed: int,
) -> tuple[Any, Any]:
    """The forecast and its back-test.  Both are deterministic in their inputs (seeded), so a
    run is kept per fingerprint of the framework and the joint ratings: the dashboard shows
    the forecast on every view, and thousands of simulated paths are not worth repeating
    until a joint rating changes.  Keyed by content, so every worker process agrees."""
    key = (_fingerprint(fw, history), target, paths, seed)
    with _RUNS_LOCK:
        if key in _RUNS:
            _RUNS.move_to_end(key)
            return _RUNS[key]
    # one simulation at a time: requests arriving together for a new state wait for the first
    # one's result instead of each running the same thousands of paths on the same cores
    with _COMPUTE_LOCK:
        with _RUNS_LOCK:
            if key in _RUNS:
                return _RUNS[key]
        return _compute(key, fw, history, target, paths, seed)


def _compute(
    key: tuple[Any, ...],
    fw: Framework,
    history: list[tuple[dt.date, RatingVector]],
    target: dt.date | None,
    paths: int,
    seed: int,
) -> tuple[Any, Any]:
    fc = forecast(
        fw,
        history,
        target_date=target,
        paths=paths,
        seed=seed,
        cadence_months=cadence_months([d for d, _ in history]),
    )
    skill = backtest(fw, history, paths=min(paths, SKILL_PATHS), seed=seed)
    with _RUNS_LOCK:
        _RUNS[key] = (fc, skill)
        while len(_RUNS) > _RUNS_KEPT:
            _RUNS.popitem(last=False)
    return fc, skill


def _calibration(bins: tuple[CalibrationBin, ...]) -> list[dict[str, Any]]:
    return [
        {
            "lower": b.lower,
            "upper": b.upper,
            "count": b.count,
            "mean_predicted": _r(b.mean_predicted),
            "observed": _r(b.observed),
        }
        for b in bins
    ]


def _horizon(h: HorizonSkill) -> dict[str, Any]:
    return {
        "steps": h.steps,
        "pairs": h.pairs,
        "brier_model": _r(h.brier_model),
        "brier_persistence": _r(h.brier_persistence),
        "brier_trend": _r(h.brier_trend),
        "calibration": _calibration(h.calibration),
    }


def backtest_plan(
    *, session: Session, actor: Actor, plan_code: str, paths: int = 2_000, seed: int = 0
) -> dict[str, Any]:
    """How the forecast would have done on the plan's history, beside two baselines."""
    _check(paths, seed)
    plan = permissions.plan_for_actor(session, actor, plan_code)
    fw, used, history = _history(session, plan, None)
    bt = backtest(fw, history, paths=paths, seed=seed)
    nxt = bt.next
    return {
        **_header(plan, used),
        "paths": bt.paths,
        "seed": bt.seed,
        "evaluations_used": bt.evaluations_used,
        "enough_history": bt.available,
        "available": bt.available,
        "message": bt.message,
        "method": BACKTEST_METHOD,
        "framework": {"code": fw.code, "version": fw.version},
        "min_history": bt.min_history,
        "brier_model": _r(nxt.brier_model) if nxt else None,
        "brier_persistence": _r(nxt.brier_persistence) if nxt else None,
        "brier_trend": _r(nxt.brier_trend) if nxt else None,
        "calibration": _calibration(nxt.calibration) if nxt else [],
        "horizons": [_horizon(h) for h in bt.horizons],
        "origins": [
            {
                "evaluation": used[o.index].code,
                "date": o.date.isoformat(),
                "pairs": o.pairs,
                "brier_model": _r(o.brier_model),
                "brier_persistence": _r(o.brier_persistence),
                "brier_trend": _r(o.brier_trend),
            }
            for o in bt.origins
        ],
    }
