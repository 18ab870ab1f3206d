"""The framework version lifecycle: draft -> proposed -> agreed -> superseded.

An administrator imports a draft (and may replace it while it is a draft), then proposes it.
A signer of each party approves the proposed version for that party; with the last party's
approval it becomes agreed and the version agreed before it is superseded.  Agreed and
superseded versions never change: the evaluations held on them depend on their exact text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from accord import i18n, permissions
from accord.engine.diff import FrameworkDiff, diff
from accord.engine.framework import Framework
from accord.formats import framework_yaml
from accord.i18n import gettext as _
from accord.models import FrameworkApproval, FrameworkVersion, Party, Plan, Standard, User

from . import Conflict, Invalid, NotFound, audit
from .actors import Actor
from .frameworks import framework_of, insert_standards, parse_framework

FINAL = ("agreed", "superseded")


@dataclass(frozen=True)
class PartyApproval:
    """One party's approval of a version (`approved` False while it is awaited)."""

    party: str
    approved: bool
    username: str | None = None
    at: dt.datetime | None = None


@dataclass(frozen=True)
class VersionInfo:
    """A framework version as shown: status, hash, approvals by party, and its YAML source."""

    plan: str
    version: str
    uid: str
    status: str
    content_hash: str
    created_at: dt.datetime
    standards: int
    approvals: tuple[PartyApproval, ...]
    source_yaml: str

    @property
    def awaiting(self) -> tuple[str, ...]:
        """Parties whose approval a proposed version still needs."""
        if self.status != "proposed":
            return ()
        return tuple(a.party for a in self.approvals if not a.approved)


@dataclass(frozen=True)
class Approved:
    """The outcome of an approval: the version now, the approving party, what it superseded."""

    version: VersionInfo
    party: str
    superseded: tuple[str, ...]


# --------------------------------------------------------------------------- helpers


def _visible(actor: Actor, plan: Plan) -> None:
    # as permissions.plan_for_actor: a plan the actor may not see does not exist for them
    if not permissions.can(actor, "plan.view", plan=plan):
        raise NotFound(_("no plan %(code)s", code=repr(plan.code)))


def _row(session: Session, plan: Plan, version: str) -> FrameworkVersion:
    row = session.scalar(
        select(FrameworkVersion).where(
            FrameworkVersion.plan_id == plan.id, FrameworkVersion.version == version
        )
    )
    if row is None:
        raise NotFound(
            _(
                "plan %(plan)s has no framework version %(version)s",
                plan=repr(plan.code),
                version=repr(version),
            )
        )
    return row


def _require_status(row: FrameworkVersion, wanted: str) -> None:
    if row.status == wanted:
        return
    if row.status in FINAL:
        raise Conflict(
            _(
                "framework version %(version)s is %(status)s and can no longer change",
                version=repr(row.version),
                status=i18n.term(row.status),
            )
        )
    raise Conflict(
        _(
            "framework version %(version)s is %(status)s, not %(wanted)s",
            version=repr(row.version),
            status=i18n.term(row.status),
            wanted=i18n.term(wanted),
        )
    )


def _target(plan: Plan, version: str) -> str:
    return f"{plan.code}/{version}"


def _load_for(plan: Plan, text: str, source: str, fw: Framework | None = None) -> Framework:
    """Validate `text` as a version of `plan`: FrameworkError, or Invalid for other parties."""
    fw = fw or parse_framework(text, source)
    theirs = [p.code for p in fw.parties]
    ours = [p.code for p in plan.parties]
    if sorted(theirs) != sorted(ours):
        # ratings, approvals and signatures are per party: a version cannot change who they are
        raise Invalid(
            _(
                "%(source)s: the framework's parties (%(theirs)s) differ from the parties of "
                "plan %(plan)s (%(ours)s)",
                source=source,
                theirs=", ".join(theirs),
                plan=repr(plan.code),
                ours=", ".join(ours),
            )
        )
    return fw


def _label_free(session: Session, plan: Plan, label: str, *, other_than: int | None) -> None:
    taken = session.scalar(
        select(FrameworkVersion).where(
            FrameworkVersion.plan_id == plan.id, FrameworkVersion.version == label
        )
    )
    if taken is not None and taken.id != other_than:
        raise Conflict(
            _(
                "plan %(plan)s already has framework version %(version)s (%(status)s): give "
                "the new draft another version label",
                plan=repr(plan.code),
                version=repr(label),
                status=i18n.term(taken.status),
            )
        )


def _not_yet_approved(session: Session, row: FrameworkVersion, party: Party) -> None:
    already = session.scalar(
        select(FrameworkApproval.id).where(
            FrameworkApproval.framework_version_id == row.id,
            FrameworkApproval.party_id == party.id,
        )
    )
    if already is not None:
        raise Conflict(
            _(
                "%(party)s has already approved framework version %(version)s",
                party=party.code,
                version=repr(row.version),
            )
        )


def _summary(row: FrameworkVersion) -> dict[str, object]:
    return {"version": row.version, "status": row.status, "content_hash": row.content_hash}


def _info(session: Session, plan: Plan, row: FrameworkVersion) -> VersionInfo:
    found = {
        party_id: (username, at)
        for party_id, username, at in session.execute(
            select(FrameworkApproval.party_id, User.username, FrameworkApproval.at)
            .outerjoin(User, User.id == FrameworkApproval.user_id)
            .where(FrameworkApproval.framework_version_id == row.id)
        )
    }
    approvals = tuple(
        PartyApproval(p.code, True, *found[p.id]) if p.id in found else PartyApproval(p.code, False)
        for p in plan.parties
    )
    return VersionInfo(
        plan=plan.code,
        version=row.version,
        uid=row.uid,
        status=row.status,
        content_hash=row.content_hash,
        created_at=row.created_at,
        standards=session.scalar(
            select(func.count(Standard.id)).where(Standard.framework_version_id == row.id)
        )
        or 0,
        approvals=approvals,
        source_yaml=row.source_yaml,
    )


# --------------------------------------------------------------------------- writes


def create_draft(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    text: str,
    source: str,
    framework: Framework | None = None,
) -> VersionInfo:
    """Store `text` as a new draft version of `plan`'s framework (administrators only).

    `framework` is `text` already built and validated (by an importer), so not parsed again.
    Raises framework_yaml.FrameworkError listing every problem when the document is broken,
    Invalid when its parties are not the plan's, Conflict when its version label is taken.
    """
    _visible(actor, plan)
    permissions.require(actor, "framework.draft", plan=plan)
    fw = _load_for(plan, text, source, framework)
    _label_free(session, plan, fw.version, other_than=None)
    row = FrameworkVersion(
        plan=plan,
        version=fw.version,
        status="draft",
        source_yaml=text,
        content_hash=framework_yaml.content_hash(text),
    )
    session.add(row)
    session.flush()
    insert_standards(session, row, fw)
    audit.record(
        session,
        actor,
        "framework.draft",
        "framework_version",
        _target(plan, row.version),
        after=_summary(row),
    )
    return _info(session, plan, row)


def replace_draft(
    *, session: Session, actor: Actor, plan: Plan, version: str, text: str, source: str
) -> VersionInfo:
    """Replace the text of draft `version` (its label may change to another unused one)."""
    _visible(actor, plan)
    permissions.require(actor, "framework.draft", plan=plan)
    row = _row(session, plan, version)
    _require_status(row, "draft")
    fw = _load_for(plan, text, source)
    _label_free(session, plan, fw.version, other_than=row.id)
    before = _summary(row)
    row.version = fw.version
    row.source_yaml = text
    row.content_hash = framework_yaml.content_hash(text)
    # the old rows go first: the new ones reuse their (version, code) keys
    session.flush()
    session.execute(delete(Standard).where(Standard.framework_version_id == row.id))
    insert_standards(session, row, fw)
    audit.record(
        session,
        actor,
        "framework.replace",
        "framework_version",
        _target(plan, version),
        before=before,
        after=_summary(row),
    )
    return _info(session, plan, row)


def propose(*, session: Session, actor: Actor, plan: Plan, version: str) -> VersionInfo:
    """Put draft `version` to the parties for approval (administrators only)."""
    _visible(actor, plan)
    permissions.require(actor, "framework.draft", plan=plan)
    row = _row(session, plan, version)
    _require_status(row, "draft")
    row.status = "proposed"
    session.flush()
    audit.record(
        session,
        actor,
        "framework.propose",
        "framework_version",
        _target(plan, version),
        before={"status": "draft"},
        after=_summary(row),
    )
    return _info(session, plan, row)


def withdraw(*, session: Session, actor: Actor, plan: Plan, version: str) -> VersionInfo:
    """Take proposed `version` back to draft, dropping the approvals it had (administrators)."""
    _visible(actor, plan)
    permissions.require(actor, "framework.draft", plan=plan)
    row = _row(session, plan, version)
    _require_status(row, "proposed")
    dropped = _info(session, plan, row).approvals
    for approval in session.scalars(
        select(FrameworkApproval).where(FrameworkApproval.framework_version_id == row.id)
    ):
        session.delete(approval)
    row.status = "draft"
    session.flush()
    audit.record(
        session,
        actor,
        "framework.withdraw",
        "framework_version",
        _target(plan, version),
        before={"status": "proposed", "approved_by": [a.party for a in dropped if a.approved]},
        after=_summary(row),
    )
    return _info(session, plan, row)


def approve(
    *, session: Session, actor: Actor, plan: Plan, version: str, party_code: str | None = None
) -> Approved:
    """Approve proposed `version` for the signer's party; agreed once every party approved."""
    _visible(actor, plan)
    party_id = permissions.acting_party(actor, plan, "framework.approve", party_code)
    party = session.get(Party, party_id)
    assert party is not None
    row = _row(session, plan, version)
    _require_status(row, "proposed")
    _not_yet_approved(session, row, party)
    # the audit chain's lock serialises writers on PostgreSQL: checking again after it sees an
    # approval committed meanwhile (the same party twice, or the last two parties at once)
    audit.record(
        session,
        actor,
        "framework.approve",
        "framework_version",
        _target(plan, version),
        party=party.code,
        after={"version": row.version, "content_hash": row.content_hash, "party": party.code},
    )
    _not_yet_approved(session, row, party)
    session.add(
        FrameworkApproval(framework_version_id=row.id, party_id=party.id, user_id=actor.user_id)
    )
    session.flush()
    approved = set(
        session.scalars(
            select(FrameworkApproval.party_id).where(
                FrameworkApproval.framework_version_id == row.id
            )
        )
    )
    superseded: list[str] = []
    if {p.id for p in plan.parties} <= approved:
        for old in session.scalars(
            select(FrameworkVersion).where(
                FrameworkVersion.plan_id == plan.id,
                FrameworkVersion.status == "agreed",
                FrameworkVersion.id != row.id,
            )
        ):
            old.status = "superseded"
            superseded.append(old.version)
            audit.record(
                session,
                actor,
                "framework.supersede",
                "framework_version",
                _target(plan, old.version),
                before={"status": "agreed"},
                after={"status": "superseded", "by": row.version},
            )
        row.status = "agreed"
        session.flush()
        audit.record(
            session,
            actor,
            "framework.agree",
            "framework_version",
            _target(plan, version),
            before={"status": "proposed"},
            after=_summary(row),
        )
    return Approved(_info(session, plan, row), party.code, tuple(superseded))


# --------------------------------------------------------------------------- reads


def draft_to_replace(*, session: Session, actor: Actor, plan: Plan, version: str) -> VersionInfo:
    """Draft `version`, for the form that replaces it; refused as `replace_draft` would be."""
    _visible(actor, plan)
    permissions.require(actor, "framework.draft", plan=plan)
    row = _row(session, plan, version)
    _require_status(row, "draft")
    return _info(session, plan, row)


def list_versions(*, session: Session, actor: Actor, plan: Plan) -> list[VersionInfo]:
    """Every framework version of `plan`, oldest first."""
    _visible(actor, plan)
    rows = session.scalars(
        select(FrameworkVersion)
        .where(FrameworkVersion.plan_id == plan.id)
        .order_by(FrameworkVersion.created_at, FrameworkVersion.id)
    )
    return [_info(session, plan, row) for row in rows]


def get_version(*, session: Session, actor: Actor, plan: Plan, version: str) -> VersionInfo:
    """One framework version of `plan` by its label; NotFound naming it otherwise."""
    _visible(actor, plan)
    return _info(session, plan, _row(session, plan, version))


def framework_for(*, session: Session, actor: Actor, plan: Plan, version: str) -> Framework:
    """The engine's Framework of version `version` of `plan`."""
    _visible(actor, plan)
    return framework_of(_row(session, plan, version))


def diff_versions(*, session: Session, actor: Actor, plan: Plan, a: str, b: str) -> FrameworkDiff:
    """What changed from version `a` to version `b` of `plan`'s framework."""
    return diff(
        framework_for(session=session, actor=actor, plan=plan, version=a),
        framework_for(session=session, actor=actor, plan=plan, version=b),
    )
