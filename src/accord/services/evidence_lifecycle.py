"""Evidence over time: expiry, removal (and the stored file's clean-up), carrying forward into
the next evaluation, and the references to shared evidence that the signed record carries.

The signed record is an evaluation's ratings: once the evaluation is concluded, evidence on
its ratings can no longer be removed, and once a party has signed, no shared evidence is added
(evidence.attach).  Evidence on action items is ongoing work and follows neither rule.
Replacing evidence is removing it and attaching the new one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from accord import i18n, permissions
from accord.i18n import gettext as _
from accord.models import Evaluation, Evidence, Plan, Standard

from . import Conflict, Invalid, NotFound, audit
from . import evidence_store as store
from .actors import Actor
from .evidence import Sight, audit_view, document, origins_of, rows_of, today_utc
from .ratings import load

SEALED = ("concluded", "signed")  # the ratings, and the evidence they rest on, are the record


def expired_standards(
    *, session: Session, actor: Actor, plan_code: str, code: str, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Standards whose ratings rest on expired evidence (expires_on before today), by rating."""
    plan, evaluation = load(session, actor, plan_code, code)
    day = today or today_utc()
    sight = Sight(session, actor, plan)
    flagged: dict[str, dict[str, Any]] = {}
    for ev in rows_of(session, plan, evaluation, None):
        if ev.standard is None or ev.expires_on is None or ev.expires_on >= day:
            continue
        if not sight.sees(ev):
            continue
        entry = flagged.setdefault(
            ev.standard.code,
            {"standard": ev.standard.code, "position": ev.standard.position, "ratings": []},
        )
        rating = ev.rating_party.code if ev.rating_party else "joint"
        if rating not in entry["ratings"]:
            entry["ratings"].append(rating)
        entry.setdefault("evidence", []).append(ev.uid)
    return [
        {k: v for k, v in e.items() if k != "position"}
        for e in sorted(flagged.values(), key=lambda e: e["position"])
    ]


def _may_remove(actor: Actor, plan: Plan, ev: Evidence) -> bool:
    return permissions.can(actor, "evidence.remove", plan=plan, party_id=ev.owner_party_id)


def removable(
    *, session: Session, actor: Actor, plan_code: str, code: str | None = None
) -> set[str]:
    """The uids of evidence the actor may remove now: of one evaluation, or (without `code`)
    of the plan's action items."""
    if code is None:
        plan = permissions.plan_for_actor(session, actor, plan_code)
        rows = list(
            session.scalars(
                select(Evidence).where(Evidence.plan_id == plan.id, Evidence.target == "action")
            )
        )
    else:
        plan, evaluation = load(session, actor, plan_code, code)
        rows = rows_of(session, plan, evaluation, None)
    sight = Sight(session, actor, plan)
    return {
        r.uid
        for r in rows
        if sight.sees(r)
        and _may_remove(actor, plan, r)
        and (r.target == "action" or r.evaluation.status not in SEALED)
    }


def _references(session: Session, sha256: str) -> int:
    found = session.scalar(select(func.count(Evidence.id)).where(Evidence.sha256 == sha256))
    return int(found or 0)


def _unlink_after_commit(session: Session, data_dir: Path, sha256: str) -> None:
    """Delete the stored file once the removal is committed, if still nothing refers to it."""
    engine = session.get_bind().engine

    def unlink(_session: Session) -> None:
        # checked again on a fresh connection: another writer may have attached the same file
        with engine.connect() as conn:
            left = conn.scalar(select(func.count(Evidence.id)).where(Evidence.sha256 == sha256))
        if not left:
            store.delete(data_dir, sha256)

    event.listen(session, "after_commit", unlink, once=True)


def remove(
    *, session: Session, actor: Actor, plan_code: str, uid: str, data_dir: Path
) -> dict[str, Any]:
    """Remove evidence (its owner party's evaluators and signers); Conflict once the
    evaluation's record is concluded.  The stored file goes with the last row that uses it."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    ev = session.scalar(select(Evidence).where(Evidence.uid == uid, Evidence.plan_id == plan.id))
    if ev is None or not Sight(session, actor, plan).sees(ev):
        raise NotFound(_("no evidence %(uid)s", uid=repr(uid)))
    permissions.require(actor, "evidence.remove", plan=plan, party_id=ev.owner_party_id)
    status = ev.evaluation.status
    if ev.target != "action" and status in SEALED:
        raise Conflict(
            _(
                "evidence %(uid)s backs a rating of evaluation %(evaluation)s, which is "
                "%(status)s: the record keeps its evidence (attach newer evidence to the "
                "next evaluation instead)",
                uid=uid,
                evaluation=ev.evaluation.code,
                status=i18n.term(status),
            )
        )
    doc = document(ev, origins_of(session, [ev]), today_utc())
    owner, sha256 = ev.owner_party.code, ev.sha256
    session.delete(ev)
    session.flush()
    orphan = sha256 is not None and _references(session, sha256) == 0
    if orphan:
        assert sha256 is not None
        _unlink_after_commit(session, data_dir, sha256)
    audit.record(
        session,
        actor,
        "evidence.remove",
        "evidence",
        uid,
        party=owner,
        before=audit_view(doc),
        after={"file_deleted": orphan},
    )
    return {"removed": uid, "evaluation": doc["evaluation"], "file_deleted": orphan}


def carry_forward(
    *, session: Session, actor: Actor, plan_code: str, source: str, target: str
) -> dict[str, Any]:
    """Carry rating evidence of `source` into `target` as references (administrators).

    A carried entry points at the original (carried_from), shares its file and keeps its
    effective and expiry dates, so it shows as "carried forward from <source>", never as new.
    """
    plan, src = load(session, actor, plan_code, source)
    permissions.require(actor, "evaluation.manage", plan=plan)
    _plan, dst = load(session, actor, plan_code, target)
    if dst.id == src.id:
        raise Invalid(_("from: carry forward from another evaluation, not into itself"))
    if dst.status in SEALED:
        raise Conflict(
            _(
                "evaluation %(evaluation)s is %(status)s: evidence is carried forward "
                "into an evaluation still to be rated",
                evaluation=dst.code,
                status=i18n.term(dst.status),
            )
        )
    std_ids = dict(
        session.execute(
            select(Standard.code, Standard.id).where(
                Standard.framework_version_id == dst.framework_version_id
            )
        ).all()
    )
    already = {
        (r.carried_from, r.target, r.rating_party_id, r.standard_id)
        for r in session.scalars(select(Evidence).where(Evidence.evaluation_id == dst.id))
    }
    created, skipped = [], []
    for ev in rows_of(session, plan, src, None):
        if ev.standard is None:  # action items carry themselves into the next evaluation
            continue
        sid = std_ids.get(ev.standard.code)
        root = ev.carried_from or ev.uid
        if sid is None:
            skipped.append(ev.uid)
            continue
        if (root, ev.target, ev.rating_party_id, sid) in already:
            continue
        copy = Evidence(
            plan_id=plan.id,
            evaluation_id=dst.id,
            kind=ev.kind,
            title=ev.title,
            url=ev.url,
            note=ev.note,
            sha256=ev.sha256,
            size=ev.size,
            media_type=ev.media_type,
            filename=ev.filename,
            effective_on=ev.effective_on,
            expires_on=ev.expires_on,
            releasability=ev.releasability,
            owner_party_id=ev.owner_party_id,
            target=ev.target,
            standard_id=sid,
            rating_party_id=ev.rating_party_id,
            carried_from=root,
            created_by=actor.username,
        )
        session.add(copy)
        already.add((root, ev.target, ev.rating_party_id, sid))
        created.append(copy)
    session.flush()
    result = {
        "from": src.code,
        "to": dst.code,
        "carried": len(created),
        "skipped": len(skipped),  # their standard is not in the target's framework
    }
    audit.record(
        session,
        actor,
        "evidence.carry_forward",
        "evaluation",
        f"{plan.code}/{dst.code}",
        after={**result, "evidence": [c.uid for c in created]},
    )
    return result


def record_references(session: Session, evaluation: Evaluation) -> list[dict[str, Any]]:
    """The shared evidence behind an evaluation's ratings, as the signed record and the OSCAL
    export carry it: never party-only evidence, never anything that changes with the date."""
    rows = session.scalars(
        select(Evidence).where(
            Evidence.evaluation_id == evaluation.id,
            Evidence.releasability == "shared",
            Evidence.target.in_(("party", "joint")),
        )
    )
    refs = []
    for ev in rows:
        assert ev.standard is not None
        refs.append(
            {
                "uid": ev.uid,
                "standard": ev.standard.code,
                "rating": ev.rating_party.code if ev.rating_party else "joint",
                "kind": ev.kind,
                "title": ev.title,
                "url": ev.url,
                "note": ev.note or None,
                "sha256": ev.sha256,
                "size": ev.size,
                "media_type": ev.media_type,
                "effective_on": ev.effective_on.isoformat(),
                "expires_on": ev.expires_on.isoformat() if ev.expires_on else None,
                "releasability": ev.releasability,
                "carried_from": ev.carried_from,
            }
        )
    # sorted here, not by the database, whose collation may not order by code point
    return sorted(refs, key=lambda r: (r["standard"], r["rating"], r["uid"]))


__all__ = [
    "SEALED",
    "carry_forward",
    "expired_standards",
    "record_references",
    "removable",
    "remove",
]
