"""Public JSON shapes of the API (they document the OpenAPI schema and validate responses)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class PlanRef(BaseModel):
    code: str
    title: str
    target_date: str | None
    illustrative: bool


class PlanPublic(PlanRef):
    uid: str
    description: str
    parties: list[dict[str, str]]


class EvaluationPublic(BaseModel):
    code: str
    uid: str
    label: str
    kind: str
    held_on: str | None
    status: str
    illustrative: bool


class Counts(BaseModel):
    met: int
    not_met: int
    not_rated: int
    not_applicable: int
    total: int
    applicable: int
    share_met: float | None


class NodeProgress(BaseModel):
    before: float | None
    after: float | None
    delta: float | None
    newly_met: list[str]
    newly_unmet: list[str]
    meaningful: bool | None
    reasons: list[str]


class Node(BaseModel):
    code: str
    title: str
    score: float | None
    counts: Counts
    progress: NodeProgress | None


class ConditionNode(Node):
    fields: list[Node]


class Blocker(BaseModel):
    code: str
    reason: str
    level: str | None
    threshold: str


class StagePublic(BaseModel):
    code: str
    name: str
    target_date: str | None
    target_label: str | None = None  # "2026" for a target known only to the year
    required: int
    met: int
    not_applicable: int
    share_met: float | None
    ready: bool
    blocking: list[Blocker]


class GapPublic(BaseModel):
    code: str
    title: str
    condition: str
    field: str
    level: str
    threshold: str
    levels_short: int
    distance: float | None
    blocks: list[str]


class Rule(BaseModel):
    judged_at: str
    min_score_delta: float
    min_newly_met: int
    combine: str
    overall_share: float
    text: str


class BasisNode(NodeProgress):
    code: str
    title: str


class ProgressPublic(BaseModel):
    statement: str
    meaningful: bool
    rule: Rule
    qualifying: list[str]
    comparable: int
    total: int
    basis: list[BasisNode]


class AgreementStats(BaseModel):
    compared: int
    exact: float | None
    within_one: float | None
    kappa: float | None
    divergent: list[str]


class PairAgreement(BaseModel):
    parties: list[str]
    overall: AgreementStats
    conditions: dict[str, AgreementStats]


class FrameworkRef(BaseModel):
    code: str
    version: str
    rollup: str


class RatingCounts(BaseModel):
    joint: int
    parties: dict[str, int]
    standards: int


class SummaryPublic(BaseModel):
    plan: PlanRef
    illustrative: bool
    notice: str | None
    evaluation: EvaluationPublic
    previous_evaluation: EvaluationPublic | None
    framework: FrameworkRef
    ratings: RatingCounts
    plan_score: Node
    conditions: list[ConditionNode]
    unrated: list[str]
    stages: list[StagePublic]
    gaps: list[GapPublic]
    progress: ProgressPublic | None
    agreement: list[PairAgreement]
    # the target dates in force on the day of the evaluation, and what set them (governance)
    dates_in_force: dict[str, Any] | None = None
    presented_to: list[dict[str, Any]] = []  # the meetings it went to, in chain order


class HistoryPoint(BaseModel):
    evaluation: str
    held_on: str | None
    label: str
    plan_score: float | None
    conditions: dict[str, float | None]
    met: int
    applicable: int


class HistoryPublic(BaseModel):
    plan: str
    illustrative: bool
    notice: str | None
    points: list[HistoryPoint]


class ErrorPublic(BaseModel):
    detail: str
