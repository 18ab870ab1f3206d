"""JSON routes for a plan's forecast and its back-test (see docs/forecast.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from accord.services import forecasts
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from . import schemas

router = APIRouter(prefix="/api/v1", tags=["forecasts"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorPublic} for code in (401, 404, 422)
}


class NodeFigures(BaseModel):
    probability_by_target: float | None
    standard_error: float | None
    median_date: str | None
    interval_80: list[str | None]
    required: int
    met_now: bool
    met_since: str | None


class ConditionForecast(NodeFigures):
    code: str
    title: str


class StageForecast(NodeFigures):
    code: str
    name: str
    target_date: str | None
    probability_by_stage_target: float | None
    stage_target_observed: bool


class StandardForecast(BaseModel):
    code: str
    title: str
    probability_by_target: float | None
    probability_at_target: float | None
    condition: str
    field: str
    threshold: str
    start: str | None
    assumed: str | None
    not_applicable: bool
    blocks: list[str]


class RiskPublic(BaseModel):
    code: str
    title: str
    probability_by_target: float | None
    probability_at_target: float | None
    impact: float | None
    blocks: list[str]


class FanPoint(BaseModel):
    date: str
    p10: float
    p25: float
    p50: float
    p75: float
    p90: float


class ObservedPoint(BaseModel):
    evaluation: str
    date: str
    plan_score: float | None


class SkillSummary(BaseModel):
    available: bool
    origins: int
    pairs: int
    paths: int
    brier_model: float | None
    brier_persistence: float | None
    brier_trend: float | None
    message: str


class FrameworkRef(BaseModel):
    code: str
    version: str


class ForecastPublic(BaseModel):
    plan: str
    illustrative: bool
    notice: str | None
    as_of: str | None
    as_of_date: str | None
    target_date: str | None
    paths: int
    seed: int
    evaluations_used: int
    enough_history: bool
    message: str
    method: str
    framework: FrameworkRef
    evaluations: list[str]
    cadence_months: int
    horizon_date: str | None
    draws: int
    moves: int
    plan_forecast: NodeFigures
    conditions: list[ConditionForecast]
    stages: list[StageForecast]
    standards: list[StandardForecast]
    risks: list[RiskPublic]
    fan: list[FanPoint]
    history: list[ObservedPoint]
    skill: SkillSummary


class CalibrationRow(BaseModel):
    lower: float
    upper: float
    count: int
    mean_predicted: float | None
    observed: float | None


class HorizonPublic(BaseModel):
    steps: int
    pairs: int
    brier_model: float | None
    brier_persistence: float | None
    brier_trend: float | None
    calibration: list[CalibrationRow]


class OriginPublic(BaseModel):
    evaluation: str
    date: str
    pairs: int
    brier_model: float | None
    brier_persistence: float | None
    brier_trend: float | None


class BacktestPublic(BaseModel):
    plan: str
    illustrative: bool
    notice: str | None
    as_of: str | None
    as_of_date: str | None
    paths: int
    seed: int
    evaluations_used: int
    enough_history: bool
    available: bool
    message: str
    method: str
    framework: FrameworkRef
    min_history: int
    brier_model: float | None
    brier_persistence: float | None
    brier_trend: float | None
    calibration: list[CalibrationRow]
    horizons: list[HorizonPublic]
    origins: list[OriginPublic]


SEED = Query(0, ge=0, le=forecasts.MAX_SEED, description="Seed of the random generator (PCG64).")


@router.get("/plans/{plan}/forecast", response_model=ForecastPublic, responses=RESPONSES)
def forecast(
    plan: str,
    paths: int = Query(
        10_000,
        ge=forecasts.MIN_PATHS,
        le=forecasts.MAX_PATHS,
        description="Monte Carlo paths (100 to 50,000).",
    ),
    seed: int = SEED,
    as_of: str | None = Query(
        None,
        description="Forecast from the history up to this evaluation (default: all of it).",
    ),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Probability that each condition, stage and the plan is met by its date, median dates
    with 80% intervals, top risks, the plan score's fan and the model's back-tested skill."""
    return forecasts.forecast_plan(
        session=session, actor=actor, plan_code=plan, paths=paths, seed=seed, as_of=as_of
    )


@router.get("/plans/{plan}/forecast/backtest", response_model=BacktestPublic, responses=RESPONSES)
def forecast_backtest(
    plan: str,
    paths: int = Query(
        2_000,
        ge=forecasts.MIN_PATHS,
        le=forecasts.MAX_PATHS,
        description="Monte Carlo paths per origin (100 to 50,000).",
    ),
    seed: int = SEED,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Brier scores of the forecast on the plan's own history beside persistence and a linear
    trend, per horizon and origin, with the calibration table."""
    return forecasts.backtest_plan(
        session=session, actor=actor, plan_code=plan, paths=paths, seed=seed
    )
