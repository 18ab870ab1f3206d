"""A party's ratings: blind until it submits; submission, and reopening by common consent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from accord import i18n, permissions
from accord.i18n import gettext as _
from accord.models import (
    Evaluation,
    Party,
    PartyRating,
    PartySubmission,
    Plan,
    ReopenVote,
    Standard,
)
from accord.models.base import utcnow

from . import Conflict, Invalid, NotFound, audit, iso_utc
from .actors import Actor
from .evaluations import get_evaluation
from .frameworks import framework_of

FEW = 500
"""Up to this many standards, a request's rows are fetched by code (IN ...), else all of them."""


def _stale() -> str:
    return _("ratings changed since you loaded them: reload and try again")


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
            _(
                "evaluation %(evaluation)s is %(status)s, not open: ratings can change "
                "only while it is open",
                evaluation=evaluation.code,
                status=i18n.term(evaluation.status),
            )
        )
    if evaluation.due_on is not None and dt.datetime.now(dt.UTC).date() > evaluation.due_on:
        raise Conflict(
            _(
                "the rating deadline of evaluation %(evaluation)s (%(due)s) has passed",
                evaluation=evaluation.code,
                due=evaluation.due_on.isoformat(),
            )
        )


def rating_document(r: Any, code: str) -> dict[str, Any]:
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
            _("your party has submitted: its ratings are final unless every party agrees to reopen")
        )
    fw = framework_of(evaluation.framework_version)
    problems, seen = [], set()
    for i, r in enumerate(ratings):
        std = fw.standards_by_code.get(r.standard)
        if std is None:
            problems.append(
                _(
                    "ratings[%(i)s].standard: unknown standard %(standard)s",
                    i=i,
                    standard=repr(r.standard),
                )
            )
        elif r.standard in seen:
            problems.append(
                _("ratings[%(i)s].standard: %(standard)s appears twice", i=i, standard=r.standard)
            )
        elif not fw.scale(std.scale).accepts(r.level):
            scale = fw.scale(std.scale)
            levels = ", ".join(lv.label for lv in scale.levels) + (
                ", N/A" if scale.allows_na else ""
            )
            problems.append(
                _(
                    "ratings[%(i)s].level: %(level)s is not a level of %(standard)s's scale "
                    "(%(levels)s)",
                    i=i,
                    level=repr(r.level),
                    standard=r.standard,
                    levels=levels,
                )
            )
        seen.add(r.standard)
    if problems:
        raise Invalid("; ".join(problems))
    # only the standards (and ratings) the request names: one rating costs one row, not n
    wanted = [r.standard for r in ratings]
    few = len(wanted) <= FEW
    standards = dict(
        session.execute(
            select(Standard.code, Standard.id).where(
                Standard.framework_version_id == evaluation.framework_version_id,
                *([Standard.code.in_(wanted)] if few else []),
            )
        ).all()
    )
    # plain rows, not ORM objects: changes go out as one executemany UPDATE below
    existing = {
        row.standard_id: row
        for row in session.execute(
            select(
                PartyRating.id,
                PartyRating.standard_id,
                PartyRating.level,
                PartyRating.rationale,
                PartyRating.version,
                PartyRating.updated_at,
            ).where(
                PartyRating.evaluation_id == evaluation.id,
                PartyRating.party_id == party_id,
                *([PartyRating.standard_id.in_(list(standards.values()))] if few else []),
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
        raise Conflict(_stale(), current=stale)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    new_rows, changed = [], []
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
            if (row.level, row.rationale) != (r.level, r.rationale):
                changed.append(
                    {"rid": row.id, "seen": row.version, "lv": r.level, "why": r.rationale}
                )
    if new_rows:
        session.execute(insert(PartyRating), new_rows)
    if changed:
        _update(session, changed)
    # the acting party is one of the actor's roles: its code is at hand, no query needed
    acting = next(r.party_code for r in actor.roles_in(plan.id) if r.party_id == party_id)
    audit.record(
        session,
        actor,
        "rating.save",
        "evaluation",
        f"{plan.code}/{evaluation.code}",
        before=before,
        after=after,
        party=acting or "",
    )
    # the actor's own party: visible to them by definition, so no second permission round
    return _listing(session, evaluation, party_id, set(after))


def _update(session: Session, changed: list[dict[str, Any]]) -> None:
    """Apply changes in one executemany UPDATE, each row only at the version last seen.

    The version condition is the optimistic lock the ORM's version counter gave: a row
    changed meanwhile by another transaction matches nothing, and the shortfall in the row
    count aborts the request as a conflict (nothing is written).
    """
    table = cast(Table, PartyRating.__table__)
    statement = (
        update(table)
        .where(table.c.id == bindparam("rid"), table.c.version == bindparam("seen"))
        .values(
            level=bindparam("lv"),
            rationale=bindparam("why"),
            version=table.c.version + 1,
            updated_at=utcnow(),
        )
    )
    connection = session.connection()
    if not connection.dialect.supports_sane_multi_rowcount:  # pragma: no cover - both do
        for row in changed:
            if connection.execute(statement, row).rowcount != 1:
                raise Conflict(_stale())
        return
    if connection.execute(statement, changed).rowcount != len(changed):
        raise Conflict(_stale())


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
        raise NotFound(
            _(
                "no visible ratings of party %(party)s in evaluation %(code)s",
                party=repr(party_code),
                code=code,
            )
        )
    return _listing(session, evaluation, party.id, only)


def _listing(
    session: Session, evaluation: Evaluation, party_id: int, only: set[str] | None
) -> list[dict[str, Any]]:
    """The documents of a party's ratings (of the standards in `only`, when given)."""
    narrow = only is not None and len(only) <= FEW
    rows = session.execute(
        select(
            Standard.code,
            PartyRating.level,
            PartyRating.rationale,
            PartyRating.version,
            PartyRating.updated_at,
        )
        .join(Standard, Standard.id == PartyRating.standard_id)
        .where(
            PartyRating.evaluation_id == evaluation.id,
            PartyRating.party_id == party_id,
            *([Standard.code.in_(sorted(only or ()))] if narrow else []),
        )
        .order_by(Standard.position)
    ).all()
    # plain columns, not ORM objects: a thousand ratings are listed at a fraction of the cost
    return [
        {
            "standard": c,
            "level": level,
            "rationale": rationale,
            "version": version,
            "updated_at": iso_utc(at),
        }
        for c, level, rationale, version, at in rows
        if only is None or c in only
    ]


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
        raise Conflict(_("your party has already submitted"))
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
        raise Invalid(
            _(
                "ratings: %(count)s standard(s) not rated yet: %(shown)s",
                count=len(missing),
                shown=shown,
            )
        )
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
            _(
                "evaluation %(code)s is %(status)s: submissions can no longer be reopened",
                code=code,
                status=i18n.term(evaluation.status),
            )
        )
    parties = {p.code: p for p in parties_of(session, plan)}
    if target not in parties:
        raise Invalid(
            _(
                "party: plan %(plan)s has no party %(party)s",
                plan=repr(plan.code),
                party=repr(target),
            )
        )
    target_id = parties[target].id
    if target_id not in submitted_party_ids(session, evaluation):
        raise Conflict(_("%(party)s has not submitted: there is nothing to reopen", party=target))
    exists = session.scalar(
        select(ReopenVote.id).where(
            ReopenVote.evaluation_id == evaluation.id,
            ReopenVote.target_party_id == target_id,
            ReopenVote.party_id == voter,
        )
    )
    if exists is not None:
        raise Conflict(_("your party has already agreed to reopen this submission"))
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
        own[own_party.code] = (
            session.scalar(
                select(func.count(PartyRating.id)).where(
                    PartyRating.evaluation_id == evaluation.id, PartyRating.party_id == pid
                )
            )
            or 0
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
