"""An evaluation's lifecycle: planned -> open -> reconciliation -> concluded -> signed.

Rating, submission and reconciliation live in their own modules; this one creates and opens
evaluations, sets deadlines and concludes them (creating the action items).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord import i18n, permissions
from accord.engine.scoring import encode, gaps
from accord.i18n import gettext as _
from accord.models import ActionItem, Evaluation, JointRating, Party
from accord.models.evaluation import EVALUATION_KINDS

from . import Conflict, Invalid, audit
from .actors import Actor
from .evaluations import joint_ratings
from .frameworks import current_version, framework_of
from .ratings import load, parties_of, status


def create_evaluation(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    code: str,
    label: str,
    held_on: dt.date,
    kind: str = "annual",
    due_on: dt.date | None = None,
) -> Evaluation:
    """A planned evaluation on the plan's current agreed framework version."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    permissions.require(actor, "evaluation.manage", plan=plan)
    if kind not in EVALUATION_KINDS:
        raise Invalid(
            _(
                "kind: one of %(choices)s, not %(kind)s",
                choices=", ".join(EVALUATION_KINDS),
                kind=repr(kind),
            )
        )
    if not code.strip() or any(ch.isspace() for ch in code):
        raise Invalid(_("code: a short code without spaces, e.g. 2027"))
    if (
        session.scalar(
            select(Evaluation.id).where(Evaluation.plan_id == plan.id, Evaluation.code == code)
        )
        is not None
    ):
        raise Conflict(
            _(
                "plan %(plan)s already has evaluation %(code)s",
                plan=repr(plan.code),
                code=repr(code),
            )
        )
    version = current_version(session=session, plan=plan)
    if version is None:
        raise Conflict(
            _("plan %(plan)s has no agreed framework version to evaluate", plan=repr(plan.code))
        )
    ev = Evaluation(
        plan=plan,
        framework_version=version,
        code=code,
        label=label or code,
        kind=kind,
        held_on=held_on,
        status="planned",
        due_on=due_on,
        illustrative=plan.illustrative,
    )
    session.add(ev)
    session.flush()
    audit.record(
        session,
        actor,
        "evaluation.create",
        "evaluation",
        f"{plan.code}/{code}",
        after={
            "label": ev.label,
            "held_on": held_on.isoformat(),
            "framework": version.version,
            "due_on": due_on,
        },
    )
    return ev


def open_evaluation(
    *, session: Session, actor: Actor, plan_code: str, code: str, due_on: dt.date | None = None
) -> dict[str, Any]:
    """Open a planned evaluation for rating (optionally with a deadline)."""
    plan, ev = load(session, actor, plan_code, code)
    permissions.require(actor, "evaluation.manage", plan=plan)
    if ev.status != "planned":
        raise Conflict(
            _(
                "evaluation %(code)s is %(status)s, not planned",
                code=code,
                status=i18n.term(ev.status),
            )
        )
    ev.status = "open"
    if due_on is not None:
        ev.due_on = due_on
    session.flush()
    audit.record(
        session,
        actor,
        "evaluation.open",
        "evaluation",
        f"{plan.code}/{code}",
        before={"status": "planned"},
        after={"status": "open", "due_on": ev.due_on},
    )
    return status(session=session, actor=actor, plan_code=plan_code, code=code)


def set_deadline(
    *, session: Session, actor: Actor, plan_code: str, code: str, due_on: dt.date | None
) -> dict[str, Any]:
    """Set or clear the rating deadline of a planned or open evaluation."""
    plan, ev = load(session, actor, plan_code, code)
    permissions.require(actor, "evaluation.manage", plan=plan)
    if ev.status not in ("planned", "open"):
        raise Conflict(
            _(
                "evaluation %(code)s is %(status)s: its rating deadline is past use",
                code=code,
                status=i18n.term(ev.status),
            )
        )
    before = ev.due_on
    ev.due_on = due_on
    session.flush()
    audit.record(
        session,
        actor,
        "evaluation.deadline",
        "evaluation",
        f"{plan.code}/{code}",
        before={"due_on": before},
        after={"due_on": due_on},
    )
    return status(session=session, actor=actor, plan_code=plan_code, code=code)


def conclude(*, session: Session, actor: Actor, plan_code: str, code: str) -> dict[str, Any]:
    """Conclude once every standard has a joint rating; every gap gets an action item."""
    plan, ev = load(session, actor, plan_code, code)
    permissions.require(actor, "evaluation.conclude", plan=plan)
    if ev.status != "reconciliation":
        raise Conflict(
            _(
                "evaluation %(code)s is %(status)s, not in reconciliation",
                code=code,
                status=i18n.term(ev.status),
            )
        )
    fw = framework_of(ev.framework_version)
    joint = joint_ratings(session=session, evaluation_ids=[ev.id]).get(ev.id, {})
    missing = [c for c in fw.index.codes if c not in joint]
    if missing:
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        raise Conflict(
            _("%(count)s divergence(s) unresolved: %(shown)s", count=len(missing), shown=shown)
        )
    owner = _action_owner(session, plan, fw.reconciliation.lead_party)
    due = (
        ev.held_on.replace(year=ev.held_on.year + 1)
        if not (ev.held_on.month == 2 and ev.held_on.day == 29)
        else ev.held_on + dt.timedelta(days=365)
    )
    items = [
        ActionItem(
            plan_id=plan.id,
            evaluation_id=ev.id,
            standard_code=g.code,
            owner_party_id=owner.id,
            due_on=due,
            status="open",
            notes=f"{g.level} against a threshold of {g.threshold}"
            + (f"; blocks {', '.join(g.blocks)}" if g.blocks else ""),
        )
        for g in gaps(fw, encode(fw, joint))
    ]
    session.add_all(items)
    ev.status = "concluded"
    session.flush()
    audit.record(
        session,
        actor,
        "evaluation.conclude",
        "evaluation",
        f"{plan.code}/{code}",
        before={"status": "reconciliation"},
        after={"status": "concluded", "action_items": [i.standard_code for i in items]},
    )
    return status(session=session, actor=actor, plan_code=plan_code, code=code)


def _action_owner(session: Session, plan: Any, lead: str | None) -> Party:
    parties = parties_of(session, plan)
    for p in parties:
        if p.code == lead:
            return p
    return parties[0]


def joint_count(session: Session, evaluation: Evaluation) -> int:
    """How many standards have a joint rating."""
    return int(
        session.scalar(
            select(func.count(JointRating.id)).where(JointRating.evaluation_id == evaluation.id)
        )
        or 0
    )
