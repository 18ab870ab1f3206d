"""One evaluation's full summary, and a plan's history of them: the engine's front door."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from .agreement import PairAgreement, agreement
from .framework import Framework
from .progress import ProgressReport, compare
from .scoring import Gap, RatingVector, Rollup, StageReadiness, gaps, rollup, stage_readiness


@dataclass(frozen=True)
class EvaluationSummary:
    rollup: Rollup
    stages: tuple[StageReadiness, ...]
    gaps: tuple[Gap, ...]
    progress: ProgressReport | None  # None for the first evaluation
    agreement: tuple[PairAgreement, ...]  # one per pair of parties that rated


def summarize(
    fw: Framework,
    joint: RatingVector,
    *,
    previous: RatingVector | None = None,
    parties: Mapping[str, RatingVector] | None = None,
) -> EvaluationSummary:
    """Roll-up, stage readiness, gaps, progress since `previous` and party agreement."""
    pairs = combinations(sorted(parties or {}), 2)
    return EvaluationSummary(
        rollup=rollup(fw, joint),
        stages=stage_readiness(fw, joint),
        gaps=gaps(fw, joint),
        progress=compare(fw, previous, joint) if previous is not None else None,
        agreement=tuple(
            agreement(fw, (a, b), parties[a], parties[b])  # type: ignore[index]
            for a, b in pairs
        ),
    )


@dataclass(frozen=True)
class EvaluationInput:
    """What the engine needs of one evaluation: its joint and party ratings."""

    code: str
    joint: RatingVector
    parties: Mapping[str, RatingVector]


def summarize_history(
    fw: Framework, evaluations: Sequence[EvaluationInput]
) -> list[EvaluationSummary]:
    """Summaries of evaluations in date order, each compared with the one before it."""
    out: list[EvaluationSummary] = []
    previous: RatingVector | None = None
    for ev in evaluations:
        out.append(summarize(fw, ev.joint, previous=previous, parties=ev.parties))
        previous = ev.joint
    return out
