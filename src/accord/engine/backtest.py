"""Back-test of the forecast: forecast from each past evaluation, score against what happened."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .framework import FloatArray, Framework, IntArray
from .scoring import NA, RatingVector
from .simulation import _carried, _members, _Setup, _setup, _simulate, starting_levels
from .transitions import MIN_HISTORY, Prior, _levels, estimate

History = Sequence[tuple[dt.date, RatingVector]]
BoolArray = npt.NDArray[np.bool_]

# --------------------------------------------------------------------------- the back-test


@dataclass(frozen=True)
class CalibrationBin:
    lower: float
    upper: float
    count: int
    mean_predicted: float | None
    observed: float | None  # share of those forecasts whose standard was met


@dataclass(frozen=True)
class HorizonSkill:
    steps: int  # evaluations ahead
    pairs: int  # (origin, standard) forecasts scored
    brier_model: float | None
    brier_persistence: float | None
    brier_trend: float | None
    calibration: tuple[CalibrationBin, ...]  # of the model, in tenths of predicted probability


@dataclass(frozen=True)
class OriginSkill:
    index: int  # position of the origin in the history
    date: dt.date
    pairs: int  # standards scored at the next evaluation
    brier_model: float | None
    brier_persistence: float | None
    brier_trend: float | None


@dataclass(frozen=True)
class Backtest:
    available: bool
    message: str
    paths: int
    seed: int
    evaluations_used: int
    min_history: int
    origins: tuple[OriginSkill, ...]
    horizons: tuple[HorizonSkill, ...]

    @property
    def next(self) -> HorizonSkill | None:
        """Skill at the next evaluation (one step ahead)."""
        return next((h for h in self.horizons if h.steps == 1), None)


def trend_forecast(levels: IntArray, sizes: IntArray, steps: int) -> FloatArray:
    """Per standard, its level index extrapolated `steps` evaluations past the last row of
    `levels` by a least-squares line through its rated points, clipped to its scale; the
    last rated level where fewer than two points exist (NaN where none)."""
    e = levels.shape[0]
    x = np.arange(e, dtype=np.float64)[:, None]
    m = (levels >= 0).astype(np.float64)
    y = np.where(levels >= 0, levels, 0).astype(np.float64)
    cnt, sx, sy = m.sum(0), (m * x).sum(0), (m * y).sum(0)
    sxx, sxy = (m * x * x).sum(0), (m * x * y).sum(0)
    den = cnt * sxx - sx * sx
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(den > 0, (cnt * sxy - sx * sy) / np.where(den > 0, den, 1.0), 0.0)
        icpt = (sy - slope * sx) / np.where(cnt > 0, cnt, 1.0)
    line = icpt + slope * (e - 1 + steps)
    pred = np.where(cnt >= 2, line, _carried(levels)[0].astype(np.float64))
    return np.where(cnt > 0, np.clip(pred, 0, sizes - 1), np.nan)


def _calibration(p: FloatArray, o: FloatArray) -> tuple[CalibrationBin, ...]:
    which = np.minimum((p * 10).astype(np.int64), 9)
    out = []
    for b in range(10):
        sel = which == b
        k = int(sel.sum())
        out.append(
            CalibrationBin(
                b / 10,
                (b + 1) / 10,
                k,
                float(p[sel].mean()) if k else None,
                float(o[sel].mean()) if k else None,
            )
        )
    return tuple(out)


def _brier(p: FloatArray, o: FloatArray) -> float | None:
    return float(((p - o) ** 2).mean()) if p.size else None


def backtest(
    fw: Framework,
    history: History,
    *,
    paths: int = 2_000,
    seed: int = 0,
    horizons: tuple[int, ...] = (1, 2),
    min_history: int = MIN_HISTORY,
    prior: Prior = Prior(),
) -> Backtest:
    """Forecast from every origin with `min_history` evaluations up to it and score the
    per-standard "met at the next evaluation" (and `horizons` further) probabilities against
    what happened, beside persistence and a linear trend."""
    if 1 not in horizons:
        raise ValueError("the back-test scores the next evaluation: horizons must include 1")
    ix = fw.index
    used = len(history)
    thr = ix.threshold_index
    sizes = np.array([len(ix.level_values[s]) for s in ix.std_scale], dtype=np.int64)
    pairs: dict[int, list[tuple[FloatArray, FloatArray, FloatArray, FloatArray]]] = {
        h: [] for h in horizons
    }
    origins: list[OriginSkill] = []
    levels = _levels(history) if history else np.zeros((0, len(ix.codes)), dtype=np.int64)
    for t in range(min_history - 1, used - 1):
        sub = history[: t + 1]
        model = estimate(fw, sub, prior)
        start, _ = starting_levels(sub)
        active = start != NA
        persist = (active & (start >= thr)).astype(np.float64)
        mean = model.mean(ix.std_field, model.std_scale)
        rows = mean[np.arange(len(ix.codes)), np.maximum(start, 0)]
        one_step = (rows * (np.arange(rows.shape[1])[None, :] >= thr[:, None])).sum(axis=1)
        ahead = [h for h in horizons if t + h < used]
        marginal: FloatArray | None = None
        setup: _Setup | None = None
        if any(h > 1 for h in ahead):
            setup = _setup(fw, model, start, _members(fw)[:1])
            rng = np.random.Generator(np.random.PCG64([seed, t]))
            sim, _ = _simulate(
                setup, model, rng, paths=paths, steps=max(ahead), target_step=-1, marginals=True
            )
            assert sim.marginal is not None
            marginal = sim.marginal / paths
        for h in ahead:
            later = levels[t + h]
            ok = active & (later >= 0)
            outcome = (later >= thr).astype(np.float64)
            if h == 1:
                p_model = one_step
            else:
                assert marginal is not None and setup is not None
                p_model = np.zeros(len(ix.codes))
                p_model[setup.pos] = marginal[h]
            trend = trend_forecast(levels[: t + 1], sizes, h)
            p_trend = np.where(
                np.isnan(trend), persist, (np.floor(trend + 0.5) >= thr).astype(np.float64)
            )
            pairs[h].append((p_model[ok], persist[ok], p_trend[ok], outcome[ok]))
            if h == 1:
                o = outcome[ok]
                origins.append(
                    OriginSkill(
                        t,
                        history[t][0],
                        int(ok.sum()),
                        _brier(p_model[ok], o),
                        _brier(persist[ok], o),
                        _brier(p_trend[ok], o),
                    )
                )
    skills = []
    for h in horizons:
        if not pairs[h]:
            continue
        pm, pp, pt, o = (np.concatenate(parts) for parts in zip(*pairs[h], strict=True))
        skills.append(
            HorizonSkill(
                h, int(o.size), _brier(pm, o), _brier(pp, o), _brier(pt, o), _calibration(pm, o)
            )
        )
    available = bool(skills) and skills[0].pairs > 0
    if used < min_history:
        message = (
            f"Not enough history: {used} evaluation{'' if used == 1 else 's'} with joint "
            f"ratings; a back-test needs at least {min_history + 1} ({min_history} to forecast "
            "from and a later one to score against)."
        )
    elif not available and origins:
        message = "Nothing to score: no standard applicable at an origin was rated after it."
    elif not available:
        message = (
            f"Not enough history: a back-test needs at least {min_history + 1} evaluations "
            f"({min_history} to forecast from and a later one to score against); there are {used}."
        )
    else:
        nxt = skills[0]
        message = (
            f"{len(origins)} origin{'s' if len(origins) > 1 else ''}, {nxt.pairs} forecasts of "
            "the next evaluation scored (Brier score: lower is better; 0 is perfect)."
        )
    return Backtest(
        available, message, paths, seed, used, min_history, tuple(origins), tuple(skills)
    )
