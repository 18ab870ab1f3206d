"""Evidence behind ratings and action items: attach, list, download, expiry.

Removal, carrying forward and the references the signed record carries live in
evidence_lifecycle.

Who sees what: party-only evidence exists only for its owner party's members (everyone else,
administrators and observers included, gets a 404 and no count); evidence on a party's draft
rating follows the blind rule of its rating (hidden from the other parties until every party
has submitted).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord import i18n, permissions
from accord.i18n import gettext as _
from accord.models import ActionItem, Evaluation, Evidence, Party, Plan, Signature, Standard
from accord.models.evidence import RELEASABILITY

from . import Conflict, Invalid, NotFound, and_join, audit, iso_utc
from . import evidence_store as store
from .actors import Actor
from .ratings import all_submitted, load


@dataclass(frozen=True)
class Target:
    """What evidence is attached to: a party's rating, the joint rating, or an action item."""

    standard: str | None = None
    party: str | None = None  # the rated party (default: the actor's own)
    joint: bool = False
    action_item: str | None = None  # uid


@dataclass(frozen=True)
class Content:
    """The evidence itself: exactly one of file bytes, a link or a note."""

    kind: str  # file | link | note
    title: str = ""
    data: bytes | None = None
    filename: str | None = None
    url: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Download:
    data: bytes
    filename: str
    media_type: str  # the type to serve with (never HTML, SVG or an unknown type)


class Sight:
    """Visibility of evidence to one actor in one plan, with the blind state cached."""

    def __init__(self, session: Session, actor: Actor, plan: Plan) -> None:
        self.session, self.plan = session, plan
        self.own = actor.party_ids(plan.id)
        self._open: dict[int, bool] = {}

    def sees(self, ev: Evidence) -> bool:
        if ev.releasability == "party-only" and ev.owner_party_id not in self.own:
            return False
        if ev.target == "party" and ev.rating_party_id not in self.own:
            if ev.evaluation_id not in self._open:
                self._open[ev.evaluation_id] = all_submitted(self.session, self.plan, ev.evaluation)
            return self._open[ev.evaluation_id]
        return True


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def origins_of(session: Session, rows: list[Evidence]) -> dict[str, str]:
    """Original uid -> the code of the evaluation it was first given in."""
    uids = {r.carried_from for r in rows if r.carried_from}
    if not uids:
        return {}
    return dict(
        session.execute(
            select(Evidence.uid, Evaluation.code)
            .join(Evaluation, Evaluation.id == Evidence.evaluation_id)
            .where(Evidence.uid.in_(uids))
        ).all()
    )


def _label(ev: Evidence, origin: str | None) -> str | None:
    if not ev.carried_from:
        return None
    # the original may since have been removed (from an evaluation still open)
    return f"carried forward from {origin}" if origin else "carried forward (original removed)"


def document(ev: Evidence, origins: dict[str, str], today: dt.date) -> dict[str, Any]:
    """The public face of one piece of evidence."""
    target: dict[str, Any] = {"kind": ev.target}
    if ev.target == "action":
        assert ev.action_item is not None
        target |= {"action_item": ev.action_item.uid, "standard": ev.action_item.standard_code}
    else:
        assert ev.standard is not None
        target["standard"] = ev.standard.code
        if ev.rating_party is not None:
            target["party"] = ev.rating_party.code
    origin = origins.get(ev.carried_from) if ev.carried_from else None
    return {
        "uid": ev.uid,
        "evaluation": ev.evaluation.code,
        "kind": ev.kind,
        "title": ev.title,
        "url": ev.url,
        "note": ev.note,
        "sha256": ev.sha256,
        "size": ev.size,
        "media_type": ev.media_type,
        "filename": ev.filename,
        "effective_on": ev.effective_on.isoformat(),
        "expires_on": ev.expires_on.isoformat() if ev.expires_on else None,
        "expired": ev.expires_on is not None and ev.expires_on < today,
        "releasability": ev.releasability,
        "owner": ev.owner_party.code,
        "target": target,
        "carried_from": ev.carried_from,
        "carried_from_evaluation": origin,
        "label": _label(ev, origin),
        "created_by": ev.created_by,
        "created_at": iso_utc(ev.created_at),
    }


def _standard(session: Session, evaluation: Evaluation, code: str) -> Standard:
    std = session.scalar(
        select(Standard).where(
            Standard.framework_version_id == evaluation.framework_version_id, Standard.code == code
        )
    )
    if std is None:
        raise Invalid(
            _(
                "standard: evaluation %(evaluation)s has no standard %(code)s",
                evaluation=evaluation.code,
                code=repr(code),
            )
        )
    return std


def _party(session: Session, plan: Plan, code: str) -> Party:
    party = session.scalar(select(Party).where(Party.plan_id == plan.id, Party.code == code))
    if party is None:
        raise Invalid(
            _("party: plan %(plan)s has no party %(party)s", plan=repr(plan.code), party=repr(code))
        )
    return party


def _check_content(content: Content, max_bytes: int) -> None:
    if content.kind == "file":
        if content.data is None:
            raise Invalid(_("file: no file given"))
        store.check_size(len(content.data), max_bytes)
        if not content.data:
            raise Invalid(_("file: the file is empty"))
    elif content.kind == "link":
        url = (content.url or "").strip()
        if not url.lower().startswith(("https://", "http://")):
            raise Invalid(_("url: an http(s) address, not %(url)s", url=repr(content.url)))
    elif content.kind == "note":
        if not content.note.strip():
            raise Invalid(_("note: the note is empty"))
    else:
        raise Invalid(_("kind: file, link or note, not %(kind)s", kind=repr(content.kind)))


def _require_unsigned(session: Session, evaluation: Evaluation) -> None:
    """Shared rating evidence is part of the signed record: none is added once a party signed."""
    signed = sorted(
        session.scalars(
            select(Party.code)
            .join(Signature, Signature.party_id == Party.id)
            .where(Signature.evaluation_id == evaluation.id)
        )
    )
    if signed or evaluation.status == "signed":
        parties = and_join(signed) or _("every party")
        raise Conflict(
            _(
                "evaluation %(evaluation)s is signed by %(parties)s: shared evidence on "
                "its ratings would change the signed record; attach it party-only, or to "
                "the next evaluation",
                evaluation=evaluation.code,
                parties=parties,
            )
        )


def attach(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    code: str,
    target: Target,
    content: Content,
    data_dir: Path,
    max_bytes: int,
    releasability: str = "shared",
    effective_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    acting_for: str | None = None,
) -> dict[str, Any]:
    """Attach evidence; a party's members attach to their own party's rating and to joint
    ratings and action items of their plan.  Party-only evidence belongs to the attaching party."""
    plan, evaluation = load(session, actor, plan_code, code)
    if releasability not in RELEASABILITY:
        raise Invalid(
            _(
                "releasability: shared or party-only, not %(releasability)s",
                releasability=repr(releasability),
            )
        )
    _check_content(content, max_bytes)
    effective = effective_on or today_utc()
    if expires_on is not None and expires_on < effective:
        raise Invalid(_("expires_on: before the effective date"))
    std: Standard | None = None
    item: ActionItem | None = None
    rated: Party | None = None
    if target.action_item is not None:
        item = session.scalar(
            select(ActionItem).where(
                ActionItem.uid == target.action_item, ActionItem.plan_id == plan.id
            )
        )
        if item is None:
            raise NotFound(_("no action item %(uid)s", uid=repr(target.action_item)))
        kind = "action"
        owner = permissions.acting_party(actor, plan, "evidence.attach", acting_for)
    else:
        if not target.standard:
            raise Invalid(_("standard: name the standard (or give action_item)"))
        std = _standard(session, evaluation, target.standard)
        if target.joint:
            kind = "joint"
            owner = permissions.acting_party(actor, plan, "evidence.attach", acting_for)
        else:
            kind = "party"
            if target.party is not None:
                rated = _party(session, plan, target.party)
            owner = permissions.acting_party(
                actor, plan, "evidence.attach", rated.code if rated else acting_for
            )
            rated = rated or session.get(Party, owner)
    if kind != "action" and releasability == "shared":
        _require_unsigned(session, evaluation)
    ev = Evidence(
        plan_id=plan.id,
        evaluation_id=evaluation.id,
        kind=content.kind,
        title=(content.title or content.filename or content.url or content.note)[:300].strip(),
        url=content.url.strip() if content.kind == "link" and content.url else None,
        note=content.note,
        effective_on=effective,
        expires_on=expires_on,
        releasability=releasability,
        owner_party_id=owner,
        target=kind,
        standard_id=std.id if std else None,
        rating_party_id=rated.id if rated else None,
        action_item_id=item.id if item else None,
        created_by=actor.username,
    )
    if content.kind == "file":
        assert content.data is not None
        ev.sha256 = store.store(data_dir, content.data)
        ev.size = len(content.data)
        ev.media_type = store.sniff(content.data)
        ev.filename = Path((content.filename or "evidence").replace("\\", "/")).name[:255]
    session.add(ev)
    session.flush()
    doc = document(ev, {}, today_utc())
    audit.record(
        session,
        actor,
        "evidence.attach",
        "evidence",
        ev.uid,
        party=ev.owner_party.code,
        after=audit_view(doc),
    )
    return doc


def audit_view(doc: dict[str, Any]) -> dict[str, Any]:
    # every member reads the audit trail: party-only evidence leaves only its existence there
    keys: tuple[str, ...] = ("uid", "evaluation", "kind", "releasability", "owner", "carried_from")
    if doc["releasability"] == "shared":
        keys += ("title", "url", "sha256", "size", "media_type", "target", "expires_on")
    return {k: doc[k] for k in keys}


def rows_of(
    session: Session, plan: Plan, evaluation: Evaluation, standard: str | None
) -> list[Evidence]:
    query = select(Evidence).where(
        Evidence.plan_id == plan.id, Evidence.evaluation_id == evaluation.id
    )
    rows = list(session.scalars(query.order_by(Evidence.id)))
    if standard is None:
        return rows
    return [
        r
        for r in rows
        if (r.standard is not None and r.standard.code == standard)
        or (r.action_item is not None and r.action_item.standard_code == standard)
    ]


def list_evidence(
    *, session: Session, actor: Actor, plan_code: str, code: str, standard: str | None = None
) -> list[dict[str, Any]]:
    """The evidence of an evaluation (of one standard) the actor may see."""
    plan, evaluation = load(session, actor, plan_code, code)
    sight = Sight(session, actor, plan)
    rows = [r for r in rows_of(session, plan, evaluation, standard) if sight.sees(r)]
    origins, day = origins_of(session, rows), today_utc()
    return [document(r, origins, day) for r in rows]


def action_item_evidence(
    *, session: Session, actor: Actor, plan_code: str
) -> dict[str, list[dict[str, Any]]]:
    """The evidence the actor may see on each action item of a plan, by action item uid."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    sight = Sight(session, actor, plan)
    rows = [
        r
        for r in session.scalars(
            select(Evidence)
            .where(Evidence.plan_id == plan.id, Evidence.target == "action")
            .order_by(Evidence.id)
        )
        if sight.sees(r)
    ]
    origins, day = origins_of(session, rows), today_utc()
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        assert r.action_item is not None
        out.setdefault(r.action_item.uid, []).append(document(r, origins, day))
    return out


def action_item_evaluation(*, session: Session, actor: Actor, plan_code: str, uid: str) -> str:
    """The code of the evaluation that raised an action item (NotFound if there is none)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    item = session.scalar(
        select(ActionItem).where(ActionItem.uid == uid, ActionItem.plan_id == plan.id)
    )
    if item is None:
        raise NotFound(_("no action item %(uid)s", uid=repr(uid)))
    return item.evaluation.code


def counts(*, session: Session, actor: Actor, plan_code: str, code: str) -> dict[str, int]:
    """How much visible evidence each standard has (invisible evidence is not counted)."""
    out: dict[str, int] = {}
    for doc in list_evidence(session=session, actor=actor, plan_code=plan_code, code=code):
        out[doc["target"]["standard"]] = out.get(doc["target"]["standard"], 0) + 1
    return out


def download(
    *, session: Session, actor: Actor, plan_code: str, uid: str, data_dir: Path
) -> Download:
    """A stored file, if the actor may see its evidence; NotFound otherwise (never Forbidden)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    ev = session.scalar(select(Evidence).where(Evidence.uid == uid, Evidence.plan_id == plan.id))
    if ev is None or not Sight(session, actor, plan).sees(ev):
        raise NotFound(_("no evidence %(uid)s", uid=repr(uid)))
    if ev.kind != "file" or ev.sha256 is None:
        raise NotFound(
            _("evidence %(uid)s is a %(kind)s, not a file", uid=repr(uid), kind=i18n.term(ev.kind))
        )
    return Download(
        data=store.read(data_dir, ev.sha256),
        filename=ev.filename or "evidence",
        media_type=store.served_type(ev.media_type),
    )


__all__ = [
    "Content",
    "Download",
    "Target",
    "action_item_evaluation",
    "action_item_evidence",
    "attach",
    "counts",
    "download",
    "list_evidence",
]
