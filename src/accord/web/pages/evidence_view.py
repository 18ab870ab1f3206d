"""What the round pages show of evidence: the visible items by standard and by action item,
the ratings resting on expired evidence, and which items the actor may remove."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from accord.models import Evaluation, Plan
from accord.services import evidence as evidence_service
from accord.services import evidence_lifecycle
from accord.services.actors import Actor

from .round_common import parties_for


def workspace_evidence(
    session: Session, actor: Actor, plan: Plan, evaluation: Evaluation
) -> dict[str, Any]:
    """The workspace's evidence context: `evidence` by standard, `expired` ratings by
    standard, `removable` uids and the parties the actor may attach for (`attachers`)."""
    by_standard: dict[str, list[dict[str, Any]]] = {}
    for doc in evidence_service.list_evidence(
        session=session, actor=actor, plan_code=plan.code, code=evaluation.code
    ):
        by_standard.setdefault(doc["target"]["standard"], []).append(doc)
    expired = {
        f["standard"]: f["ratings"]
        for f in evidence_lifecycle.expired_standards(
            session=session, actor=actor, plan_code=plan.code, code=evaluation.code
        )
    }
    return {
        "evidence": by_standard,
        "expired": expired,
        "removable": evidence_lifecycle.removable(
            session=session, actor=actor, plan_code=plan.code, code=evaluation.code
        ),
        "attachers": parties_for(actor, plan, "evidence.attach"),
    }
