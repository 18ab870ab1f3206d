"""Reconciliation: from the parties' ratings to the joint ratings.

When every party has submitted, equal ratings become joint ratings at once.  Divergent ones
follow the framework's rule: `conservative` takes the lower level and `lead_party` the lead
party's level, at once; `consensus` (the default) queues them, widest gaps first, and one
party proposes a joint level with a rationale that every other party approves or counters
(a counter is a proposal of its own).  Every step is recorded.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from accord import i18n, permissions
from accord.engine.framework import NOT_APPLICABLE, Framework
from accord.i18n import gettext as _
from accord.models import (
    Evaluation,
    JointRating,
    Party,
    PartyRating,
    Plan,
    ReconciliationStep,
    Standard,
)

from . import Conflict, Invalid, NotFound, audit, iso_utc
from .actors import Actor
from .frameworks import framework_of
from .ratings import load, parties_of


def _rank(fw: Framework, code: str, level: str) -> int:
    """Position of a level on its scale; N/A sorts below every level."""
    if level == NOT_APPLICABLE:
        return -1
    scale = fw.scale(fw.standards_by_code[code].scale)
    return scale.index_of(level)


def _party_levels(session: Session, evaluation: Evaluation) -> dict[str, dict[str, str]]:
    """{standard code: {party code: level}} for one evaluation."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    rows = session.execute(
        select(Standard.code, Party.code, PartyRating.level)
        .join(Standard, Standard.id == PartyRating.standard_id)
        .join(Party, Party.id == PartyRating.party_id)
        .where(PartyRating.evaluation_id == evaluation.id)
    )
    for std, party, level in rows:
        out[std][party] = level
    return out


def begin(*, session: Session, actor: Actor, plan: Plan, evaluation: Evaluation) -> None:
    """Start reconciliation: agree equal ratings, apply the framework's rule to the rest."""
    fw = framework_of(evaluation.framework_version)
    rule = fw.reconciliation
    ids = dict(
        session.execute(
            select(Standard.code, Standard.id).where(
                Standard.framework_version_id == evaluation.framework_version_id
            )
        ).all()
    )
    rows = []
    counts = {"agreed": 0, "rule": 0, "divergent": 0}
    for code, levels in _party_levels(session, evaluation).items():
        distinct = set(levels.values())
        if len(distinct) == 1:
            level, source = distinct.pop(), "agreed"
        elif rule.rule == "conservative":
            level = min(levels.values(), key=lambda lv: _rank(fw, code, lv))
            source = "rule"
        elif rule.rule == "lead_party" and rule.lead_party in levels:
            level, source = levels[rule.lead_party], "rule"
        else:
            counts["divergent"] += 1
            continue
        counts[source] += 1
        rows.append(
            {
                "evaluation_id": evaluation.id,
                "standard_id": ids[code],
                "level": level,
                "rationale": "",
                "source": source,
                "version": 1,
            }
        )
    if rows:
        session.execute(insert(JointRating), rows)
    evaluation.status = "reconciliation"
    session.flush()
    audit.record(
        session,
        actor,
        "reconciliation.begin",
        "evaluation",
        f"{plan.code}/{evaluation.code}",
        before={"status": "open"},
        after={"status": "reconciliation", "rule": rule.rule, **counts},
    )


def discard(*, session: Session, evaluation: Evaluation) -> None:
    """Forget joint ratings and steps (a submission was reopened); the caller audits."""
    session.execute(delete(JointRating).where(JointRating.evaluation_id == evaluation.id))
    session.execute(
        delete(ReconciliationStep).where(ReconciliationStep.evaluation_id == evaluation.id)
    )


def queue(*, session: Session, actor: Actor, plan_code: str, code: str) -> dict[str, Any]:
    """Divergent standards, widest gap first, with the parties' levels and the latest proposal."""
    plan, evaluation = load(session, actor, plan_code, code)
    if evaluation.status == "open":
        raise Conflict(
            _(
                "evaluation %(code)s is still open: reconciliation starts when every "
                "party has submitted",
                code=code,
            )
        )
    fw = framework_of(evaluation.framework_version)
    levels = _party_levels(session, evaluation)
    joint = dict(
        session.execute(
            select(Standard.code, JointRating.level)
            .join(Standard, Standard.id == JointRating.standard_id)
            .where(JointRating.evaluation_id == evaluation.id)
        ).all()
    )
    steps: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for std_code, step in _steps(session, evaluation):
        steps[std_code].append(step)
    parties = [p.code for p in parties_of(session, plan)]
    items: list[dict[str, Any]] = []
    for std in fw.standards():
        by_party = levels.get(std.code, {})
        if len(set(by_party.values())) <= 1:
            continue
        ranks = [_rank(fw, std.code, lv) for lv in by_party.values()]
        proposal, approvals = _latest(steps.get(std.code, []))
        items.append(
            {
                "standard": std.code,
                "title": std.title,
                "condition": std.condition,
                "field": std.field,
                "threshold": std.threshold,
                "levels": {p: by_party.get(p) for p in parties},
                "gap": max(ranks) - min(ranks),
                "joint": joint.get(std.code),
                "proposal": proposal,
                "approved_by": approvals,
                "history": steps.get(std.code, []),
            }
        )
    items.sort(key=lambda i: (i["joint"] is not None, -i["gap"], fw.index.position[i["standard"]]))
    open_items = sum(1 for i in items if i["joint"] is None)
    return {
        "evaluation": code,
        "status": evaluation.status,
        "rule": fw.reconciliation.rule,
        "divergent": len(items),
        "unresolved": open_items,
        "items": items,
    }


def _steps(
    session: Session, evaluation: Evaluation, standard_id: int | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """(standard code, step) pairs in the order they were taken, in one query."""
    query = (
        select(ReconciliationStep, Standard.code, Party.code)
        .join(Standard, Standard.id == ReconciliationStep.standard_id)
        .join(Party, Party.id == ReconciliationStep.party_id)
        .where(ReconciliationStep.evaluation_id == evaluation.id)
        .order_by(ReconciliationStep.id)
    )
    if standard_id is not None:
        query = query.where(ReconciliationStep.standard_id == standard_id)
    return [
        (
            code,
            {
                "id": s.id,
                "kind": s.kind,
                "party": party,
                "level": s.level,
                "rationale": s.rationale,
                "at": iso_utc(s.at),
            },
        )
        for s, code, party in session.execute(query)
    ]


def _latest(steps: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, list[str]]:
    """The standing proposal and the parties that approve it (its proposer included)."""
    proposals = [s for s in steps if s["kind"] == "propose"]
    if not proposals:
        return None, []
    last = proposals[-1]
    approvals = sorted(
        {last["party"]}
        | {s["party"] for s in steps if s["kind"] == "approve" and s["id"] > last["id"]}
    )
    return last, approvals


def _divergent_unresolved(
    session: Session,
    actor: Actor,
    plan_code: str,
    code: str,
    standard: str,
    party_code: str | None,
) -> tuple[Plan, Evaluation, Framework, Standard, int]:
    """The standard to reconcile and the acting party; permission before state checks."""
    plan, evaluation = load(session, actor, plan_code, code)
    party_id = permissions.acting_party(actor, plan, "reconcile", party_code)
    if evaluation.status != "reconciliation":
        raise Conflict(
            _(
                "evaluation %(code)s is %(status)s, not in reconciliation",
                code=code,
                status=i18n.term(evaluation.status),
            )
        )
    fw = framework_of(evaluation.framework_version)
    row = session.scalar(
        select(Standard).where(
            Standard.framework_version_id == evaluation.framework_version_id,
            Standard.code == standard,
        )
    )
    if row is None:
        raise NotFound(
            _(
                "evaluation %(code)s has no standard %(standard)s",
                code=code,
                standard=repr(standard),
            )
        )
    if (
        session.scalar(
            select(JointRating.id).where(
                JointRating.evaluation_id == evaluation.id, JointRating.standard_id == row.id
            )
        )
        is not None
    ):
        raise Conflict(_("%(standard)s already has a joint rating", standard=standard))
    levels = _party_levels(session, evaluation).get(standard, {})
    if len(set(levels.values())) <= 1:
        raise Conflict(_("%(standard)s is not divergent", standard=standard))
    return plan, evaluation, fw, row, party_id


def propose(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    code: str,
    standard: str,
    level: str,
    rationale: str,
    party_code: str | None = None,
) -> dict[str, Any]:
    """Propose (or counter with) a joint level and its rationale for a divergent standard."""
    plan, evaluation, fw, row, party_id = _divergent_unresolved(
        session, actor, plan_code, code, standard, party_code
    )
    if not fw.scale(row.scale_code).accepts(level):
        raise Invalid(
            _(
                "level: %(level)s is not a level of %(standard)s's scale",
                level=repr(level),
                standard=standard,
            )
        )
    if not rationale.strip():
        raise Invalid(_("rationale: say why this joint level is right"))
    step = ReconciliationStep(
        evaluation_id=evaluation.id,
        standard_id=row.id,
        party_id=party_id,
        user_id=actor.user_id,
        kind="propose",
        level=level,
        rationale=rationale.strip(),
    )
    session.add(step)
    session.flush()
    party = session.get(Party, party_id)
    assert party is not None
    audit.record(
        session,
        actor,
        "reconciliation.propose",
        "standard",
        f"{plan.code}/{code}/{standard}",
        party=party.code,
        after={"level": level, "rationale": rationale.strip()},
    )
    _settle_if_agreed(session, actor, plan, evaluation, row)
    return _item(session, actor, plan_code, code, standard)


def approve(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    code: str,
    standard: str,
    party_code: str | None = None,
) -> dict[str, Any]:
    """Approve the latest proposal for a standard; when every party has, it is the joint level."""
    plan, evaluation, _fw, row, party_id = _divergent_unresolved(
        session, actor, plan_code, code, standard, party_code
    )
    proposal, approvals = _latest([s for _, s in _steps(session, evaluation, row.id)])
    if proposal is None:
        raise Conflict(_("there is no proposal for %(standard)s to approve yet", standard=standard))
    party = session.get(Party, party_id)
    assert party is not None
    if party.code in approvals:
        raise Conflict(
            _(
                "%(party)s has already approved the current proposal for %(standard)s",
                party=party.code,
                standard=standard,
            )
        )
    session.add(
        ReconciliationStep(
            evaluation_id=evaluation.id,
            standard_id=row.id,
            party_id=party_id,
            user_id=actor.user_id,
            kind="approve",
            level=proposal["level"],
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        "reconciliation.approve",
        "standard",
        f"{plan.code}/{code}/{standard}",
        party=party.code,
        after={"level": proposal["level"]},
    )
    _settle_if_agreed(session, actor, plan, evaluation, row)
    return _item(session, actor, plan_code, code, standard)


def _settle_if_agreed(
    session: Session, actor: Actor, plan: Plan, evaluation: Evaluation, row: Standard
) -> None:
    proposal, approvals = _latest([s for _, s in _steps(session, evaluation, row.id)])
    if proposal is None or set(approvals) < {p.code for p in parties_of(session, plan)}:
        return
    session.add(
        JointRating(
            evaluation_id=evaluation.id,
            standard_id=row.id,
            level=proposal["level"],
            rationale=proposal["rationale"],
            source="reconciled",
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        "reconciliation.agreed",
        "standard",
        f"{plan.code}/{evaluation.code}/{row.code}",
        after={"level": proposal["level"], "approved_by": approvals},
    )


def _item(
    session: Session, actor: Actor, plan_code: str, code: str, standard: str
) -> dict[str, Any]:
    for item in queue(session=session, actor=actor, plan_code=plan_code, code=code)["items"]:
        if item["standard"] == standard:
            return dict(item)
    raise NotFound(standard)
