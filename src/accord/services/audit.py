"""The audit trail: every write appends a record chained to the previous one by SHA-256.

A record's hash covers its sequence number, time, actor, party, action, target, before and
after, and the previous record's hash.  Changing, deleting or reordering any record breaks
the chain from that point, and `verify` names the first broken link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from accord.models import AuditRecord

from .actors import Actor

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 text; dates as ISO strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _digest(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest()


def _fields(r: AuditRecord) -> dict[str, Any]:
    return {
        "seq": r.seq,
        "at": r.at,
        "actor": r.actor,
        "party": r.party,
        "action": r.action,
        "target_type": r.target_type,
        "target": r.target,
        "before": r.before,
        "after": r.after,
        "prev_hash": r.prev_hash,
    }


def record(
    session: Session,
    actor: Actor,
    action: str,
    target_type: str,
    target: str,
    *,
    before: Any = None,
    after: Any = None,
    party: str = "",
) -> AuditRecord:
    """Append one record to the chain, in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        # one writer at a time extends the chain; released at commit or rollback
        session.execute(text("SELECT pg_advisory_xact_lock(804231)"))
    last = session.execute(
        select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    rec = AuditRecord(
        seq=seq,
        at=dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        actor=actor.username,
        party=party,
        action=action,
        target_type=target_type,
        target=target,
        before=canonical(before),
        after=canonical(after),
        prev_hash=prev,
    )
    rec.hash = _digest(_fields(rec))
    session.add(rec)
    session.flush()
    return rec


@dataclass(frozen=True)
class Verification:
    ok: bool
    records: int
    head: str  # hash of the last record (GENESIS when empty)
    broken_at: int | None = None  # sequence number of the first bad record
    reason: str = ""


def verify(session: Session) -> Verification:
    """Walk the chain in order and report the first broken link."""
    prev, expected_seq, count = GENESIS, 1, 0
    rows = session.scalars(select(AuditRecord).order_by(AuditRecord.id))
    for r in rows:
        count += 1
        if r.seq != expected_seq:
            return Verification(
                False,
                count,
                prev,
                expected_seq,
                f"record {expected_seq} is missing or out of order (found {r.seq} in its place)",
            )
        if r.prev_hash != prev:
            return Verification(
                False,
                count,
                prev,
                r.seq,
                f"record {r.seq} does not follow record {r.seq - 1}: its previous-hash differs",
            )
        if _digest(_fields(r)) != r.hash:
            return Verification(
                False, count, prev, r.seq, f"record {r.seq} was changed after it was written"
            )
        prev, expected_seq = r.hash, expected_seq + 1
    return Verification(True, count, prev)


def count(session: Session) -> int:
    """How many records the trail holds."""
    return int(session.scalar(select(func.count(AuditRecord.id))) or 0)
