"""Evaluations: find them, load their ratings, and summarize them with the engine."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.engine.framework import Framework
from accord.engine.scoring import RatingVector, Rollup, encode, rollup
from accord.engine.summary import EvaluationSummary, summarize
from accord.engine.timeline import DatesInForce
from accord.i18n import gettext as _
from accord.models import Evaluation, JointRating, Party, PartyRating, Plan, Standard

from . import Invalid, NotFound, timeline
from .frameworks import framework_of

Ratings = dict[str, str]


def list_evaluations(*, session: Session, plan: Plan) -> list[Evaluation]:
    """The plan's evaluations, oldest first."""
    return list(
        session.scalars(
            select(Evaluation)
            .where(Evaluation.plan_id == plan.id)
            .order_by(Evaluation.held_on, Evaluation.id)
        )
    )


def get_evaluation(*, session: Session, plan: Plan, code: str) -> Evaluation:
    """The plan's evaluation with this code; NotFound otherwise."""
    ev = session.scalar(
        select(Evaluation).where(Evaluation.plan_id == plan.id, Evaluation.code == code)
    )
    if ev is None:
        raise NotFound(
            _("plan %(plan)s has no evaluation %(code)s", plan=repr(plan.code), code=repr(code))
        )
    return ev


def joint_ratings(*, session: Session, evaluation_ids: Iterable[int]) -> dict[int, Ratings]:
    """{evaluation id: {standard code: level}} for the joint ratings, in one query."""
    out: dict[int, Ratings] = defaultdict(dict)
    rows = session.execute(
        select(JointRating.evaluation_id, Standard.code, JointRating.level)
        .join(Standard, Standard.id == JointRating.standard_id)
        .where(JointRating.evaluation_id.in_(list(evaluation_ids)))
    )
    for ev_id, code, level in rows:
        out[ev_id][code] = level
    return out


def party_ratings(
    *, session: Session, evaluation_ids: Iterable[int]
) -> dict[int, dict[str, Ratings]]:
    """{evaluation id: {party code: {standard code: level}}}, in one query."""
    out: dict[int, dict[str, Ratings]] = defaultdict(lambda: defaultdict(dict))
    rows = session.execute(
        select(PartyRating.evaluation_id, Party.code, Standard.code, PartyRating.level)
        .join(Standard, Standard.id == PartyRating.standard_id)
        .join(Party, Party.id == PartyRating.party_id)
        .where(PartyRating.evaluation_id.in_(list(evaluation_ids)))
    )
    for ev_id, party, code, level in rows:
        out[ev_id][party][code] = level
    return out


def encode_compatible(fw: Framework, ratings: Mapping[str, str]) -> RatingVector:
    """Encode ratings made on another framework version: what this version lacks is unrated."""
    keep = {
        code: level
        for code, level in ratings.items()
        if code in fw.standards_by_code
        and fw.scale(fw.standards_by_code[code].scale).accepts(level)
    }
    return encode(fw, keep)


@dataclass(frozen=True)
class SummaryView:
    plan: Plan
    evaluation: Evaluation
    previous: Evaluation | None
    framework: Framework
    summary: EvaluationSummary
    joint_rated: int
    party_rated: dict[str, int]
    dates: DatesInForce | None = None  # the target dates in force when it was held
    presented_to: tuple[dict[str, Any], ...] = ()  # where it went and when (meetings)


def summarize_evaluation(
    *, session: Session, plan: Plan, code: str | None = None, since: str | None = None
) -> SummaryView:
    """The engine's summary of one evaluation (default: the latest with joint ratings).

    Progress is measured against evaluation `since`, by default the latest earlier evaluation
    that has joint ratings.
    """
    evaluations = list_evaluations(session=session, plan=plan)
    if not evaluations:
        raise NotFound(_("plan %(plan)s has no evaluations yet", plan=repr(plan.code)))
    joint = joint_ratings(session=session, evaluation_ids=[e.id for e in evaluations])
    if code is None:
        with_joint = [e for e in evaluations if joint.get(e.id)]
        current = with_joint[-1] if with_joint else evaluations[-1]
    else:
        named = [e for e in evaluations if e.code == code]
        if not named:
            raise NotFound(
                _("plan %(plan)s has no evaluation %(code)s", plan=repr(plan.code), code=repr(code))
            )
        current = named[0]
    earlier = [e for e in evaluations[: evaluations.index(current)] if joint.get(e.id)]
    previous = earlier[-1] if earlier else None
    if since is not None:
        previous = next((e for e in evaluations if e.code == since), None)
        if previous is None:
            raise NotFound(
                _(
                    "plan %(plan)s has no evaluation %(since)s",
                    plan=repr(plan.code),
                    since=repr(since),
                )
            )
        if previous is current or not joint.get(previous.id):
            raise Invalid(
                _(
                    "since: evaluation %(since)s has no joint ratings to compare "
                    "%(evaluation)s with",
                    since=repr(since),
                    evaluation=repr(current.code),
                )
            )
    # stage and plan target dates as in force on the day the evaluation was held
    fw, dates = timeline.framework_in_force(
        session, plan, framework_of(current.framework_version), current.held_on
    )
    # blind rating: drafts are never read for a summary, so nothing about them can leak
    parties = (
        {}
        if current.status in ("planned", "open")
        else party_ratings(session=session, evaluation_ids=[current.id]).get(current.id, {})
    )
    summary = summarize(
        fw,
        encode(fw, joint.get(current.id, {})),
        previous=encode_compatible(fw, joint[previous.id]) if previous else None,
        parties={p: encode(fw, r) for p, r in parties.items()},
    )
    return SummaryView(
        plan=plan,
        evaluation=current,
        previous=previous,
        framework=fw,
        summary=summary,
        joint_rated=len(joint.get(current.id, {})),
        party_rated={p: len(r) for p, r in parties.items()},
        dates=dates,
        presented_to=tuple(timeline.meetings_of_evaluation(session, plan, current.id)),
    )


@dataclass(frozen=True)
class HistoryPoint:
    evaluation: Evaluation
    rollup: Rollup


def plan_history(*, session: Session, plan: Plan) -> list[HistoryPoint]:
    """Roll-ups of every evaluation that has joint ratings, oldest first."""
    evaluations = list_evaluations(session=session, plan=plan)
    joint = joint_ratings(session=session, evaluation_ids=[e.id for e in evaluations])
    out = []
    for ev in evaluations:
        if joint.get(ev.id):
            fw = framework_of(ev.framework_version)
            out.append(HistoryPoint(ev, rollup(fw, encode(fw, joint[ev.id]))))
    return out
