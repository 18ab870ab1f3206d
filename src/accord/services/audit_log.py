"""Reading the audit trail: a plan's records (members) or the whole trail (administrators),
newest first, each checked against its hash, with the verdict on the whole chain.

Records carry no plan column: a record belongs to a plan when its target names the plan
(`plan`, `plan/...`) or is a row the plan owns (evidence, action items, feeds, meetings and
any other table with a uid and a plan_id), or when it grants or withdraws a role in it.

What a party's ratings say (its draft levels) is shown to that party only: other readers see
who did what and when, and the hash, but not the before and after (the chain still verifies:
the hash is checked on the stored record).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, func, or_, select
from sqlalchemy.orm import Session

from accord import permissions
from accord.i18n import gettext as _
from accord.models import AuditRecord, Base, Plan

from . import Invalid, audit, revisions
from .actors import Actor

PAGE = 50
MAX_PAGE = 500


@dataclass(frozen=True)
class Query:
    """What to show: records older than `before` (a sequence number), of `action` (a prefix
    such as "rating." or a whole action), by `actor`, at most `limit`."""

    before: int | None = None
    action: str = ""
    actor: str = ""
    limit: int = PAGE


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _plan_owned() -> dict[str, Table]:
    """Target types whose records name a row by its uid, with the row's table: every table
    that has both a `uid` and a `plan_id` (evidence, action items, feeds, meetings, ...), so
    that a new kind of plan-owned record shows in the plan's trail without a change here."""
    out: dict[str, Table] = {}
    for mapper in Base.registry.mappers:
        table = cast(Table, mapper.local_table)
        if "uid" in table.c and "plan_id" in table.c:
            out[table.name] = table
    return out


def _of_plan(plan: Plan) -> ColumnElement[bool]:
    uids = {
        kind: select(table.c.uid).where(table.c.plan_id == plan.id)
        for kind, table in _plan_owned().items()
    }
    granted = f'%"plan":"{_escape(plan.code)}"%'
    return or_(
        and_(AuditRecord.target_type == "plan", AuditRecord.target == plan.code),
        AuditRecord.target.like(_escape(plan.code) + "/%", escape="\\"),
        *(
            and_(AuditRecord.target_type == kind, AuditRecord.target.in_(query))
            for kind, query in uids.items()
        ),
        and_(
            AuditRecord.action.in_(("user.grant", "user.revoke")),
            or_(
                AuditRecord.after.like(granted, escape="\\"),
                AuditRecord.before.like(granted, escape="\\"),
            ),
        ),
    )


def _parties_of(actor: Actor, plan: Plan | None) -> set[str]:
    if plan is None:
        return {r.party_code for r in actor.roles if r.party_code}
    return {r.party_code for r in actor.roles_in(plan.id) if r.party_code}


PRIVATE = ("rating.",)
"""Actions whose details are a party's own (its draft levels and rationales): shown to that
party only, as the ratings themselves are (blind rating)."""


def _entry(r: AuditRecord, own_parties: set[str]) -> dict[str, Any]:
    private = bool(r.party) and r.action.startswith(PRIVATE)
    shown = not private or r.party in own_parties
    return {
        "seq": r.seq,
        "at": r.at,
        "actor": r.actor,
        "party": r.party or None,
        "action": r.action,
        "target_type": r.target_type,
        "target": r.target,
        "before": json.loads(r.before) if shown else None,
        "after": json.loads(r.after) if shown else None,
        "withheld": not shown,
        "hash": r.hash,
        "prev_hash": r.prev_hash,
        # recomputed from the stored record: False means it was changed after it was written
        "hash_ok": audit._digest(audit._fields(r)) == r.hash,
    }


REVERIFY_SECONDS = 600
"""An unchanged chain is verified again after this long anyway (per server process)."""


def _clock() -> float:
    return time.time()


def _chain_key(session: Session) -> tuple[object, ...]:
    """What names the chain's state cheaply: its head (every write appends a record), how many
    records it holds and the last row id (a deleted or re-inserted record changes them), and the
    time window.  A record edited in place changes none of these: that is what the window, the
    hash check of every record shown and `accord audit verify` (always in full) are for."""
    count, last_id = session.execute(
        select(func.count(AuditRecord.id), func.max(AuditRecord.id))
    ).one()
    return (
        "audit.verify",
        str(session.get_bind().engine.url),
        revisions.current(session),
        count,
        last_id,
        int(_clock() // REVERIFY_SECONDS),
    )


def _verify(session: Session) -> dict[str, Any]:
    v = audit.verify(session)
    return {
        "ok": v.ok,
        "records": v.records,
        "head": v.head,
        "broken_at": v.broken_at,
        "reason": v.reason,
    }


def _verification(session: Session, *, doubt: bool = False) -> dict[str, Any]:
    """The verdict on the whole chain, remembered per state of the chain (`_chain_key`): a
    page load walks the chain only when a record was added or removed since the last walk.
    `doubt` (a record shown fails its hash) walks it again when the remembered verdict is
    "intact"."""
    remembered = revisions.remembered(_chain_key(session), lambda: _verify(session))
    if doubt and remembered["ok"]:
        return _verify(session)
    return dict(remembered)


def read(
    *, session: Session, actor: Actor, plan_code: str | None = None, query: Query | None = None
) -> dict[str, Any]:
    """A page of the trail, newest first: a plan's records for its members (`audit.view`), the
    whole trail for administrators (`plan_code` None); with the chain's verification."""
    query = query or Query()
    if not 1 <= query.limit <= MAX_PAGE:
        raise Invalid(_("limit: 1 to %(max)s", max=MAX_PAGE))
    plan = None
    if plan_code is None:
        permissions.require_admin(actor)
    else:
        plan = permissions.plan_for_actor(session, actor, plan_code)
        permissions.require(actor, "audit.view", plan=plan)
    stmt = select(AuditRecord).order_by(AuditRecord.seq.desc())
    if plan is not None:
        stmt = stmt.where(_of_plan(plan))
    if query.before is not None:
        stmt = stmt.where(AuditRecord.seq < query.before)
    if query.action:
        stmt = stmt.where(AuditRecord.action.like(_escape(query.action.strip()) + "%", escape="\\"))
    if query.actor:
        stmt = stmt.where(AuditRecord.actor == query.actor.strip())
    rows = list(session.scalars(stmt.limit(query.limit + 1)))
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    own = _parties_of(actor, plan)
    records = [_entry(r, own) for r in rows]
    return {
        "plan": plan.code if plan else None,
        "verification": _verification(session, doubt=not all(e["hash_ok"] for e in records)),
        "filters": {"action": query.action, "actor": query.actor, "before": query.before},
        "records": records,
        "next_before": rows[-1].seq if more and rows else None,
    }
