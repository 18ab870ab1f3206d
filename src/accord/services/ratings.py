"""A party's ratings: blind until it submits; submission, and reopening by common consent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from accord import permissions
from accord.models import (
    Evaluation,
    Party,
    PartyRating,
    PartySubmission,
    Plan,
    ReopenVote,
    Standard,
)

from . import Conflict, Invalid, NotFound, audit, iso_utc
from .actors import Actor
from .evaluations import get_evaluation
from .frameworks import framework_of


@dataclass(frozen=True)
class RatingInput:
    standard: str
    level: str
    rationale: str = ""
    version: int | None = None  # the version the client last saw; None for a new rating


def load(session: Session, actor: Actor, plan_code: str, code: str) -> tuple[Plan, Evaluation]:
    """The plan and evaluation, if the actor may see them (NotFound otherwise)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    return plan, get_evaluation(session=session, plan=plan, code=code)


def parties_of(session: Session, plan: Plan) -> list[Party]:
    """The plan's parties in their declared order."""
    return list(
        session.scalars(select(Party).where(Party.plan_id == plan.id).order_by(Party.position))
    )


def submitted_party_ids(session: Session, evaluation: Evaluation) -> set[int]:
    """Parties that have submitted their ratings for this evaluation."""
    return set(
        session.scalars(
            select(PartySubmission.party_id).where(PartySubmission.evaluation_id == evaluation.id)
        )
    )


def all_submitted(session: Session, plan: Plan, evaluation: Evaluation) -> bool:
    """True once every party has submitted (or the evaluation is past rating)."""
    if evaluation.status in ("reconciliation", "concluded", "signed"):
        return True
    return submitted_party_ids(session, evaluation) >= {p.id for p in parties_of(session, plan)}


def may_see_party(
    session: Session, actor: Actor, plan: Plan, evaluation: Evaluation, party_id: int
) -> bool:
    """Blind rating: a party's ratings are its own until every party has submitted."""
    return party_id in actor.party_ids(plan.id) or all_submitted(session, plan, evaluation)


def _require_open(evaluation: Evaluation) -> None:
    if evaluation.status != "open":
        raise Conflict(
            f"evaluation {evaluation.code} is {evaluation.status}, not open: "
            "ratings can change only while it is open"
        )
    if evaluation.due_on is not None and dt.datetime.now(dt.UTC).date() > evaluation.due_on:
        raise Conflict(
            f"the rating deadline of evaluation {evaluation.code} "
            f"({evaluation.due_on.isoformat()}) has passed"
        )


def rating_document(r: PartyRating, code: str) -> dict[str, Any]:
    """The public face of one party rating."""
    return {
        "standard": code,
        "level": r.level,
        "rationale": r.rationale,
        "version": r.version,
        "updated_at": iso_utc(r.updated_at),
    }


def save_ratings(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    code: str,
    ratings: Sequence[RatingInput],
    party_code: str | None = None,
) -> list[dict[str, Any]]:
    """Create or change a party's ratings in one transaction; all valid or nothing written.

    A change must carry the version the client last saw: a stale version is a Conflict that
    carries the current state, so no update is ever lost.
    """
    plan, evaluation = load(session, actor, plan_code, code)
    party_id = permissions.acting_party(actor, plan, "rating.edit", party_code)
    _require_open(evaluation)
    if party_id in submitted_party_ids(session, evaluation):
        raise Conflict(
            "your party has submitted: its ratings are final unless every party agrees to reopen"
        )
    fw = framework_of(evaluation.framework_version)
    standards = dict(
        session.execute(
            select(Standard.code, Standard.id).where(
                Standard.framework_version_id == evaluation.framework_version_id
            )
        ).all()
    )
    problems, seen = [], set()
    for i, r in enumerate(ratings):
        std = fw.standards_by_code.get(r.standard)
        if std is None:
            problems.append(f"ratings[{i}].standard: unknown standard {r.standard!r}")
        elif r.standard in seen:
            problems.append(f"ratings[{i}].standard: {r.standard} appears twice")
        elif not fw.scale(std.scale).accepts(r.level):
            levels = ", ".join(lv.label for lv in fw.scale(std.scale).levels)
            problems.append(
                f"ratings[{i}].level: {r.level!r} is not a level of {r.standard}'s "
                f"scale ({levels}{', N/A' if fw.scale(std.scale).allows_na else ''})"
            )
        seen.add(r.standard)
    if problems:
        raise Invalid("; ".join(problems))
    existing = {
        row.standard_id: row
        for row in session.scalars(
            select(PartyRating).where(
                PartyRating.evaluation_id == evaluation.id, PartyRating.party_id == party_id
            )
        )
    }
    stale = []
    for r in ratings:
        row = existing.get(standards[r.standard])
        if row is not None and r.version != row.version:
            stale.append(rating_document(row, r.standard))
        elif row is None and r.version is not None:
            stale.append({"standard": r.standard, "level": None, "version": None})
    if stale:
        raise Conflict("ratings changed since you loaded them: reload and try again", current=stale)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    new_rows = []
    for r in ratings:
        sid = standards[r.standard]
        row = existing.get(sid)
        after[r.standard] = r.level
        if row is None:
            before[r.standard] = None
            new_rows.append(
                {
                    "evaluation_id": evaluation.id,
                    "party_id": party_id,
                    "standard_id": sid,
                    "level": r.level,
                    "rationale": r.rationale,
                    "version": 1,
                }
            )
        else:
            before[r.standard] = row.level
            row.level, row.rationale = r.level, r.rationale
    if new_rows:
        session.execute(insert(PartyRating), new_rows)
    session.flush()
    party = session.get(Party, party_id)
    assert party is not None
    audit.record(
        session,
        actor,
        "rating.save",
        "evaluation",
        f"{plan.code}/{evaluation.code}",
        before=before,
        after=after,
        party=party.code,
    )
    return party_ratings(
        session=session,
        actor=actor,
        plan_code=plan_code,
        code=code,
        party_code=party.code,
        only=set(after),
    )


def party_ratings(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    code: str,
    party_code: str,
    only: set[str] | None = None,
) -> list[dict[str, Any]]:
    """A party's ratings, if the actor may see them; NotFound otherwise (drafts are private)."""
    plan, evaluation = load(session, actor, plan_code, code)
    party = session.scalar(select(Party).where(Party.plan_id == plan.id, Party.code == party_code))
    if party is None or not may_see_party(session, actor, plan, evaluation, party.id):
        raise NotFound(f"no visible ratings of party {party_code!r} in evaluation {code}")
    rows = session.execute(
        select(PartyRating, Standard.code)
        .join(Standard, Standard.id == PartyRating.standard_id)
        .where(PartyRating.evaluation_id == evaluation.id, PartyRating.party_id == party.id)
        .order_by(Standard.position)
    ).all()
    return [rating_document(r, c) for r, c in rows if only is None or c in only]


def submit(
    *, session: Session, actor: Actor, plan_code: str, code: str, party_code: str | None = None
) -> dict[str, Any]:
    """Submit a party's ratings: every standard rated; final unless every party agrees to reopen.

    When the last party submits, reconciliation begins.
    """
    from .reconciliation import begin

    plan, evaluation = load(session, actor, plan_code, code)
    party_id = permissions.acting_party(actor, plan, "rating.submit", party_code)
    _require_open(evaluation)
    if party_id in submitted_party_ids(session, evaluation):
        raise Conflict("your party has already submitted")
    rated = set(
        session.scalars(
            select(PartyRating.standard_id).where(
                PartyRating.evaluation_id == evaluation.id, PartyRating.party_id == party_id
            )
        )
    )
    missing = list(
        session.scalars(
            select(Standard.code)
            .where(
                Standard.framework_version_id == evaluation.framework_version_id,
                Standard.id.not_in(rated) if rated else Standard.id.is_not(None),
            )
            .order_by(Standard.position)
        )
    )
    if missing:
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        raise Invalid(f"ratings: {len(missing)} standard(s) not rated yet: {shown}")
    party = session.get(Party, party_id)
    assert party is not None
    session.add(
        PartySubmission(evaluation_id=evaluation.id, party_id=party_id, user_id=actor.user_id)
    )
    session.flush()
    audit.record(
        session,
        actor,
        "rating.submit",
        "evaluation",
        f"{plan.code}/{evaluation.code}",
        party=party.code,
        after={"submitted": party.code},
    )
    if all_submitted(session, plan, evaluation):
        begin(session=session, actor=actor, plan=plan, evaluation=evaluation)
    return status(session=session, actor=actor, plan_code=plan_code, code=code)


def vote_reopen(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    code: str,
    target: str,
    party_code: str | None = None,
) -> dict[str, Any]:
    """A party's signer agrees to reopen `target`'s submission; when every party agrees, it is.

    Reopening during reconciliation returns the evaluation to open and discards the joint
    ratings and reconciliation steps reached so far (they rested on the reopened ratings).
    """
    from .reconciliation import discard

    plan, evaluation = load(session, actor, plan_code, code)
    voter = permissions.acting_party(actor, plan, "submission.reopen", party_code)
    if evaluation.status not in ("open", "reconciliation"):
        raise Conflict(
            f"evaluation {code} is {evaluation.status}: submissions can no longer be reopened"
        )
    parties = {p.code: p for p in parties_of(session, plan)}
    if target not in parties:
        raise Invalid(f"party: plan {plan.code!r} has no party {target!r}")
    target_id = parties[target].id
    if target_id not in submitted_party_ids(session, evaluation):
        raise Conflict(f"{target} has not submitted: there is nothing to reopen")
    exists = session.scalar(
        select(ReopenVote.id).where(
            ReopenVote.evaluation_id == evaluation.id,
            ReopenVote.target_party_id == target_id,
            ReopenVote.party_id == voter,
        )
    )
    if exists is not None:
        raise Conflict("your party has already agreed to reopen this submission")
    session.add(
        ReopenVote(
            evaluation_id=evaluation.id,
            target_party_id=target_id,
            party_id=voter,
            user_id=actor.user_id,
        )
    )
    session.flush()
    voter_code = next(p.code for p in parties.values() if p.id == voter)
    audit.record(
        session,
        actor,
        "submission.reopen_vote",
        "evaluation",
        f"{plan.code}/{code}",
        party=voter_code,
        after={"reopen": target},
    )
    votes = set(
        session.scalars(
            select(ReopenVote.party_id).where(
                ReopenVote.evaluation_id == evaluation.id, ReopenVote.target_party_id == target_id
            )
        )
    )
    if votes >= {p.id for p in parties.values()}:
        session.execute(
            delete(PartySubmission).where(
                PartySubmission.evaluation_id == evaluation.id,
                PartySubmission.party_id == target_id,
            )
        )
        session.execute(
            delete(ReopenVote).where(
                ReopenVote.evaluation_id == evaluation.id, ReopenVote.target_party_id == target_id
            )
        )
        if evaluation.status == "reconciliation":
            discard(session=session, evaluation=evaluation)
            evaluation.status = "open"
        session.flush()
        audit.record(
            session,
            actor,
            "submission.reopen",
            "evaluation",
            f"{plan.code}/{code}",
            party=voter_code,
            before={"submitted": target},
            after={"reopened": target},
        )
    return status(session=session, actor=actor, plan_code=plan_code, code=code)


def status(*, session: Session, actor: Actor, plan_code: str, code: str) -> dict[str, Any]:
    """Where the evaluation stands: status, deadline, submissions, the actor's own progress.

    Counts of another party's draft ratings are never included.
    """
    plan, evaluation = load(session, actor, plan_code, code)
    submitted = submitted_party_ids(session, evaluation)
    total = len(framework_of(evaluation.framework_version).index.codes)
    own: dict[str, int] = {}
    for pid in actor.party_ids(plan.id):
        own_party = session.get(Party, pid)
        assert own_party is not None
        own[own_party.code] = len(
            session.scalars(
                select(PartyRating.id).where(
                    PartyRating.evaluation_id == evaluation.id, PartyRating.party_id == pid
                )
            ).all()
        )
    votes = session.execute(
        select(ReopenVote.target_party_id, ReopenVote.party_id).where(
            ReopenVote.evaluation_id == evaluation.id
        )
    ).all()
    codes = {p.id: p.code for p in parties_of(session, plan)}
    return {
        "evaluation": evaluation.code,
        "status": evaluation.status,
        "due_on": evaluation.due_on.isoformat() if evaluation.due_on else None,
        "version": evaluation.version,
        "standards": total,
        "parties": [
            {
                "party": c,
                "submitted": pid in submitted,
                "reopen_votes": sorted(codes[v] for t, v in votes if t == pid),
            }
            for pid, c in codes.items()
        ],
        "own_rated": own,
    }
