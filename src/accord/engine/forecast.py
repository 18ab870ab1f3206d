"""Monte Carlo forecast of when standards, conditions, stages and the plan meet their thresholds,
and a back-test of that forecast on the history it was given.

The model: from one evaluation to the next a standard moves between the levels of its scale by
a transition matrix (row: level now, column: level at the next evaluation).  A standard has only
a handful of observed moves, so rows are pooled with Dirichlet priors along the framework tree:

- a weak base prior per scale, `Prior.strength` pseudo-moves per row, shared out as `stay` :
  `step` : `jump` (staying, moving one level either way, moving further): symmetric, so the
  prior alone predicts neither progress nor decline;
- the posterior of the whole framework (per scale) is the prior of each condition with
  concentration `Prior.condition`, and the condition's posterior is the prior of each field
  with concentration `Prior.field`.  The broader posterior is computed from the *other*
  members' moves only (the framework without this condition, the condition without this
  field), so no observed move is counted twice.

A concentration handed down is capped by the weight of what the broader level has seen, and
moves that would leave the scale count as staying.  Every standard of a field (and scale)
shares its field's matrix.  Paths draw their matrices from the posterior, down the same chain
(`TransitionModel.draw`), so the spread of the results includes the uncertainty of the
estimates, and the standards of a field move together in a path.  The full account, with the
figures reported and the limits, is docs/forecast.md.

Everything is a pure function of its inputs; randomness comes from `PCG64(seed)` only.
"""

import datetime as dt
import math
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from .framework import Framework, IntArray, Standard
from .scoring import NA, RatingVector, node_scores
from .simulation import (
    FanPoint,
    Forecast,
    NodeForecast,
    NodeKind,
    Risk,
    StandardForecast,
    _members,
    _setup,
    _simulate,
    _tables,
    add_months,
    plan_weights,
    starting_levels,
)
from .transitions import MIN_HISTORY, QUANTILES, Prior, TransitionModel, _levels, estimate

History = Sequence[tuple[dt.date, RatingVector]]
BoolArray = npt.NDArray[np.bool_]

# --------------------------------------------------------------------------- the forecast


def method_text(*, prior: Prior, cadence_months: int, draws: int | None = None) -> str:
    """The model in one paragraph, with the settings it ran with."""
    every = "once a year" if cadence_months == 12 else f"every {cadence_months} months"
    shared = f" ({draws:,} draws, shared out over the paths)" if draws else ""
    return (
        "Each standard moves between the levels of its scale from one evaluation to the next "
        "by a transition matrix estimated from the moves observed between consecutive "
        "evaluations. Because a standard has few moves, matrices are pooled along the "
        f"framework tree with Dirichlet priors: a weak base prior of {prior.strength:g} "
        f"pseudo-moves per level, weighted {prior.stay:g} : {prior.step:g} : {prior.jump:g} "
        "for staying, moving one level (either way) and moving further; the posterior of the "
        "whole framework is the prior of each condition (concentration "
        f"{prior.condition:g}), whose posterior is the prior of each field (concentration "
        f"{prior.field:g}), each from the other members' moves so that none counts twice, "
        "and never surer than what the broader level has seen. "
        f"Every path draws its matrices from that posterior{shared} and simulates one "
        f"evaluation {every} from the latest one; N/A stays N/A; a standard not rated at the "
        "latest evaluation starts from its latest earlier rating, or from the lowest level if "
        "never rated (flagged). A condition, stage or the plan is met at the first simulated "
        "evaluation at which all its applicable standards reach their thresholds together."
    )


def _quantile_dates(first: npt.NDArray[np.int16], dates: Sequence[dt.date]) -> list[dt.date | None]:
    q = np.quantile(first, (0.1, 0.5, 0.9), method="inverted_cdf")
    return [dates[int(s)] if int(s) < len(dates) else None for s in q.tolist()]


def _step_of(day: dt.date, dates: Sequence[dt.date]) -> int:
    """The last simulated step on or before `day` (-1: before the latest evaluation)."""
    return sum(1 for d in dates if d <= day) - 1


def _satisfied(levels: IntArray, thr: IntArray) -> BoolArray:
    out: BoolArray = (levels == NA) | (levels >= thr)
    return out


def forecast(
    fw: Framework,
    history: History,
    *,
    target_date: dt.date | None,
    paths: int = 10_000,
    seed: int = 0,
    cadence_months: int = 12,
    horizon_years: int = 10,
    prior: Prior = Prior(),
    min_history: int = MIN_HISTORY,
) -> Forecast:
    """Forecast from `history` (date, joint ratings), oldest first, all encoded on `fw`."""
    if paths < 1 or cadence_months < 1 or horizon_years < 1:
        raise ValueError("paths, cadence_months and horizon_years must be positive")
    ix = fw.index
    n = len(ix.codes)
    nodes = _members(fw)
    stds = list(fw.standards())
    stage_of: list[list[str]] = [[] for _ in range(n)]
    for code, kind, _, pos in nodes:
        if kind == "stage":
            for p in pos.tolist():
                stage_of[p].append(code)
    used = len(history)
    as_of = history[-1][0] if history else None
    if history:
        start, source = starting_levels(history)
        seen = _satisfied(_levels(history), ix.threshold_index[None, :])
    else:
        start, source = np.zeros(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
        seen = np.zeros((0, n), dtype=bool)
    observed = tuple((d, _opt(node_scores(fw, v)[2])) for d, v in history)
    sat_now = _satisfied(start, ix.threshold_index)
    stage_dates = [st.target_date for st in fw.stages]

    def assumed(p: int) -> str | None:
        if start[p] == NA or source[p] == used - 1:
            return None
        if source[p] < 0:
            return "never rated: starts at the lowest level"
        when = history[int(source[p])][0].isoformat()
        return f"not rated at the latest evaluation: carried forward from {when}"

    def met_since(pos: IntArray) -> dt.date | None:
        since = None
        for e in range(used - 1, -1, -1):
            if not seen[e, pos].all():
                break
            since = history[e][0]
        return since

    enough = used >= min_history
    if not enough:
        message = (
            f"Not enough history: {used} evaluation{'' if used == 1 else 's'} with joint "
            f"ratings; a forecast needs at least {min_history}, so that every standard has "
            "moves to learn from."
        )
        return Forecast(
            enough_history=False,
            message=message,
            method=method_text(prior=prior, cadence_months=cadence_months),
            paths=paths,
            seed=seed,
            draws=0,
            evaluations_used=used,
            moves=0,
            as_of=as_of,
            target_date=target_date,
            cadence_months=cadence_months,
            horizon=None,
            plan=_empty_node(nodes[0], target_date, sat_now, start, met_since),
            conditions=tuple(
                _empty_node(nd, target_date, sat_now, start, met_since)
                for nd in nodes
                if nd[1] == "condition"
            ),
            stages=tuple(
                _empty_node(nd, d, sat_now, start, met_since)
                for nd, d in zip(nodes[1 + len(fw.conditions) :], stage_dates, strict=True)
            ),
            standards=tuple(
                _standard(fw, stds[p], start[p], assumed(p), (None, None), stage_of[p])
                for p in range(n)
            ),
            risks=(),
            fan=(),
            observed=observed,
        )
    assert as_of is not None
    model = estimate(fw, history, prior)
    steps = -(-horizon_years * 12 // cadence_months)
    latest = max([d for d in (target_date, *stage_dates) if d is not None], default=as_of)
    limit = max(steps, -(-50 * 12 // cadence_months))
    while steps < limit and add_months(as_of, steps * cadence_months) <= latest:
        steps += 1
    dates = [add_months(as_of, i * cadence_months) for i in range(steps + 1)]
    by = target_date or dates[-1]
    target_step = _step_of(by, dates)
    setup = _setup(fw, model, start, nodes)
    rng = np.random.Generator(np.random.PCG64(seed))
    sim, draws = _simulate(setup, model, rng, paths=paths, steps=steps, target_step=target_step)

    def observed_by(pos: IntArray, day: dt.date) -> float:
        rows = [e for e in range(used) if history[e][0] <= day]
        return float(any(seen[e, pos].all() for e in rows))

    results: list[NodeForecast] = []
    for q, (code, kind, title, pos) in enumerate(nodes):
        first = sim.first[:, q]
        own = stage_dates[q - 1 - len(fw.conditions)] if kind == "stage" else target_date
        p_by = float((first <= target_step).mean()) if target_step >= 0 else observed_by(pos, by)
        se = _standard_error(first <= target_step, sim.per_draw) if target_step >= 0 else 0.0
        own_observed = own is not None and own < as_of
        p_own: float | None = None
        if own is not None:
            p_own = (
                observed_by(pos, own)
                if own_observed
                else float((first <= _step_of(own, dates)).mean())
            )
        p10, median, p90 = _quantile_dates(first, dates)
        results.append(
            NodeForecast(
                code=code,
                kind=kind,
                title=title,
                own_target=own,
                required=int((start[pos] != NA).sum()),
                met_now=bool(sat_now[pos].all()),
                met_since=met_since(pos),
                probability_by_target=p_by,
                probability_by_own_target=p_own,
                standard_error=se,
                own_target_observed=own_observed,
                median=median,
                p10=p10,
                p90=p90,
            )
        )
    prob, at = np.full(n, np.nan), np.full(n, np.nan)
    if target_step >= 0:
        prob[setup.pos] = sim.met_by_target / paths
        at[setup.pos] = sim.met_at_target / paths
    else:
        before = [e for e in range(used) if history[e][0] <= by]
        for p in setup.pos.tolist():
            prob[p] = observed_by(np.array([p]), by)
            at[p] = float(seen[before[-1], p]) if before else np.nan
    standards = tuple(
        _standard(fw, stds[p], start[p], assumed(p), (_opt(prob[p]), _opt(at[p])), stage_of[p])
        for p in range(n)
    )
    impact = np.zeros(n)
    impact[setup.pos] = sim.rescued / paths
    std_cond = ix.field_condition[ix.std_field]
    candidates = [
        Risk(
            code=ix.codes[p],
            title=stds[p].title,
            probability_by_target=float(prob[p]),
            probability_at_target=float(at[p]),
            impact=float(impact[p]),
            blocks=(ix.condition_codes[int(std_cond[p])], *stage_of[p]),
        )
        for p in setup.pos.tolist()
        if target_step >= 0 and (prob[p] < 1.0 or impact[p] >= 0.001)
    ]
    candidates.sort(key=lambda r: (-r.impact, r.probability_by_target, -len(r.blocks), r.code))
    fan_q = np.quantile(sim.scores, QUANTILES, axis=0)
    fan = tuple(
        FanPoint(dates[i], (q[0], q[1], q[2], q[3], q[4]))
        for i in range(steps + 1)
        for q in ([round(float(x), 6) for x in fan_q[:, i]],)
        if setup.pos.size  # no plan score when nothing applies
    )
    assumed_count = sum(1 for p in range(n) if assumed(p) is not None)
    message = f"Forecast from {used} evaluations ({model.moves} observed moves)."
    if assumed_count:
        noun = "standards start" if assumed_count > 1 else "standard starts"
        message += f" {assumed_count} {noun} from an assumed level."
    if target_date is None:
        message += (
            " The plan has no target date: probabilities are by the end of the horizon, "
            f"{by.isoformat()}."
        )
    elif target_step < 0:
        message += (
            " The target date lies before the latest evaluation: its figures are observed, "
            "not forecast."
        )
    return Forecast(
        enough_history=True,
        message=message,
        method=method_text(prior=prior, cadence_months=cadence_months, draws=draws),
        paths=paths,
        seed=seed,
        draws=draws,
        evaluations_used=used,
        moves=model.moves,
        as_of=as_of,
        target_date=target_date,
        cadence_months=cadence_months,
        horizon=dates[-1],
        plan=results[0],
        conditions=tuple(r for r in results if r.kind == "condition"),
        stages=tuple(r for r in results if r.kind == "stage"),
        standards=standards,
        risks=tuple(candidates[:10]),
        fan=fan,
        observed=observed,
    )


def _standard_error(hit: BoolArray, per_draw: int) -> float:
    """Standard error of the share of `hit` paths, allowing for the paths that share a draw
    of the matrices (clusters of `per_draw` consecutive paths)."""
    n = hit.size
    groups = np.arange(n) // per_draw
    size = np.bincount(groups).astype(np.float64)
    if size.size < 2:
        return float("nan")
    dev = np.bincount(groups, weights=hit.astype(np.float64)) - size * hit.mean()
    return float(np.sqrt((dev**2).sum() * size.size / (size.size - 1)) / n)


def _opt(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _empty_node(
    node: tuple[str, NodeKind, str, IntArray],
    own: dt.date | None,
    sat_now: BoolArray,
    start: IntArray,
    met_since: Callable[[IntArray], dt.date | None],
) -> NodeForecast:
    code, kind, title, pos = node
    return NodeForecast(
        code=code,
        kind=kind,
        title=title,
        own_target=own,
        required=int((start[pos] != NA).sum()),
        met_now=bool(sat_now[pos].all()),
        met_since=met_since(pos),
        probability_by_target=None,
        probability_by_own_target=None,
        standard_error=None,
        own_target_observed=False,
        median=None,
        p10=None,
        p90=None,
    )


def _standard(
    fw: Framework,
    std: Standard,
    level: np.int64 | int,
    assumed: str | None,
    probability: tuple[float | None, float | None],
    blocks: list[str],
) -> StandardForecast:
    lv = int(level)
    na = lv == NA
    return StandardForecast(
        code=std.code,
        title=std.title,
        condition=std.condition,
        field=std.field,
        threshold=std.threshold,
        start=None if na else fw.scale(std.scale).levels[lv].label,
        assumed=assumed,
        not_applicable=na,
        probability_by_target=None if na else probability[0],
        probability_at_target=None if na else probability[1],
        blocks=tuple(blocks),
    )


# the back-test and the building blocks live in their own modules; callers import them here
from .backtest import (  # noqa: E402
    Backtest,
    CalibrationBin,
    HorizonSkill,
    OriginSkill,
    backtest,
    trend_forecast,
)

__all__ = [
    "Backtest",
    "CalibrationBin",
    "FanPoint",
    "Forecast",
    "HorizonSkill",
    "NodeForecast",
    "OriginSkill",
    "Prior",
    "Risk",
    "StandardForecast",
    "TransitionModel",
    "_tables",
    "add_months",
    "backtest",
    "estimate",
    "forecast",
    "method_text",
    "plan_weights",
    "starting_levels",
    "trend_forecast",
]
