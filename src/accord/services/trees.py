"""An evaluation's whole framework tree with its results, for one reader.

Conditions -> fields -> standards, each node with its roll-up (joint, and per visible party)
and each standard with its joint level and the levels of the parties the reader may see
(blind rating: another party's drafts stay hidden until every party has submitted).  A fixed
number of queries whatever the size of the framework: the tree itself comes from the cached
Framework, the results from one query for joint ratings and one for party ratings.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.engine.scoring import NodeScore, Rollup, encode, rollup
from accord.models import JointRating, PartyRating, Standard

from .actors import Actor
from .frameworks import framework_of
from .ratings import load, parties_of, submitted_party_ids


def _score(node: NodeScore) -> float | None:
    s = node.score
    return None if s is None or math.isnan(s) else round(s, 4)


def _node(node: NodeScore, party_rollups: dict[str, dict[str, NodeScore]]) -> dict[str, Any]:
    c = node.counts
    return {
        "code": node.code,
        "title": node.title,
        "score": _score(node),
        "met": c.met,
        "not_met": c.not_met,
        "not_rated": c.not_rated,
        "not_applicable": c.not_applicable,
        "parties": {p: _score(nodes[node.code]) for p, nodes in party_rollups.items()},
    }


def _by_code(r: Rollup) -> dict[str, NodeScore]:
    return {n.code: n for n in (*r.conditions, *r.fields)}


def evaluation_tree(*, session: Session, actor: Actor, plan_code: str, code: str) -> dict[str, Any]:
    """The tree of evaluation `code` with every result the actor may see."""
    plan, evaluation = load(session, actor, plan_code, code)
    fw = framework_of(evaluation.framework_version)
    parties = parties_of(session, plan)
    everyone = evaluation.status in ("reconciliation", "concluded", "signed") or (
        submitted_party_ids(session, evaluation) >= {p.id for p in parties}
    )
    own = set(actor.party_ids(plan.id))
    visible = {p.id: p.code for p in parties if everyone or p.id in own}
    joint = dict(
        session.execute(
            select(Standard.code, JointRating.level)
            .join(Standard, Standard.id == JointRating.standard_id)
            .where(JointRating.evaluation_id == evaluation.id)
        ).all()
    )
    by_party: dict[str, dict[str, str]] = defaultdict(dict)
    if visible:
        rows = session.execute(
            select(PartyRating.party_id, Standard.code, PartyRating.level)
            .join(Standard, Standard.id == PartyRating.standard_id)
            .where(
                PartyRating.evaluation_id == evaluation.id,
                PartyRating.party_id.in_(list(visible)),
            )
        )
        for party_id, std, level in rows:
            by_party[visible[party_id]][std] = level
    party_codes = list(visible.values())
    joint_nodes = rollup(fw, encode(fw, joint))
    party_nodes = {p: _by_code(rollup(fw, encode(fw, by_party.get(p, {})))) for p in party_codes}
    joint_by_code = _by_code(joint_nodes)
    ratings_of = [(p, by_party.get(p, {})) for p in party_codes]
    conditions = []
    for cond in fw.conditions:
        fields = []
        for fld in cond.fields:
            fields.append(
                {
                    **_node(joint_by_code[fld.code], party_nodes),
                    "standards": [
                        {
                            "code": s.code,
                            "title": s.title,
                            "threshold": s.threshold,
                            "joint": joint.get(s.code),
                            "ratings": {p: r.get(s.code) for p, r in ratings_of},
                        }
                        for s in fld.standards
                    ],
                }
            )
        conditions.append({**_node(joint_by_code[cond.code], party_nodes), "fields": fields})
    top = joint_nodes.plan
    return {
        "plan": plan.code,
        "evaluation": evaluation.code,
        "status": evaluation.status,
        "illustrative": evaluation.illustrative,
        "framework": evaluation.framework_version.version,
        "parties": party_codes,
        "score": _score(top),
        "met": top.counts.met,
        "not_met": top.counts.not_met,
        "not_rated": top.counts.not_rated,
        "not_applicable": top.counts.not_applicable,
        "conditions": conditions,
    }
