"""The bundled example plans: the OPCON transition plan and its illustrative history."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from accord.i18n import gettext as _
from accord.models import Evaluation, JointRating, Party, PartyRating, Plan, Standard
from accord.models.evaluation import EVALUATION_KINDS, EVALUATION_STATUSES

from . import Conflict, Invalid, governance
from .actors import SYSTEM, Actor
from .frameworks import current_version, framework_of
from .plans import create_plan

EXAMPLES = {
    "opcon": "ROK–US wartime OPCON transition (COTP), with an illustrative 2019–2026 history"
}


def example_text(name: str, file: str) -> str:
    """A bundled example file's text."""
    return resources.files("accord.data").joinpath(name, file).read_text("utf-8")


def load_example(*, session: Session, name: str = "opcon") -> Plan:
    """Create the example plan `name` with its history; Conflict if it is already there."""
    if name not in EXAMPLES:
        raise Invalid(
            _(
                "unknown example %(name)s; available: %(examples)s",
                name=repr(name),
                examples=", ".join(EXAMPLES),
            )
        )
    text = example_text(name, "framework.yaml")
    plan = create_plan(session=session, text=text, source=f"accord/data/{name}/framework.yaml")
    history = yaml.safe_load(example_text(name, "history.yaml"))
    load_history(session=session, plan=plan, data=history, source=f"{name}/history.yaml")
    record = governance.example_record_text(name)
    if record is not None:  # meetings, decisions, stage verifications: docs/governance.md
        governance.load_record(
            session=session,
            actor=SYSTEM,
            plan_code=plan.code,
            data=yaml.safe_load(record),
            source=f"{name}/public_record.yaml",
        )
    return plan


DEMO_PEOPLE = (
    # username, display name, is_admin, role, party
    ("admin", "Plan administrator", True, None, None),
    ("rok-evaluator", "ROK evaluator", False, "evaluator", "ROK"),
    ("us-evaluator", "US evaluator", False, "evaluator", "US"),
    ("rok-signer", "ROK signer", False, "signer", "ROK"),
    ("us-signer", "US signer", False, "signer", "US"),
    ("observer", "Observer", False, "observer", None),
)


def demo_password(username: str) -> str:
    """The demo workspace's password for a demo user (shown on the sign-in page in demo mode)."""
    return f"demo-{username}"


def create_demo_people(*, session: Session, actor: Actor, plan: Plan) -> list[str]:
    """One user per role and party of the example plan (signers with a signing key locked by
    their demo password); returns their usernames."""
    from . import accounts, signatures

    names = []
    for username, display, is_admin, role, party in DEMO_PEOPLE:
        user = accounts.create_user(
            session=session,
            actor=actor,
            username=username,
            password=demo_password(username),
            display_name=display,
            is_admin=is_admin,
        )
        if role is not None:
            accounts.grant_role(
                session=session, actor=actor, user=user, plan=plan, role=role, party_code=party
            )
        if role == "signer":
            signatures.create_signing_key(
                session=session, actor=actor, user=user, passphrase=demo_password(username)
            )
        names.append(username)
    return names


def load_history(*, session: Session, plan: Plan, data: Any, source: str) -> list[Evaluation]:
    """Create the evaluations of a history document (see docs/framework-format.md)."""
    version = current_version(session=session, plan=plan)
    if version is None:
        raise Conflict(_("plan %(plan)s has no agreed framework version", plan=repr(plan.code)))
    fw = framework_of(version)
    rows = session.execute(
        select(Standard.code, Standard.id).where(Standard.framework_version_id == version.id)
    )
    standards: dict[str, int] = dict(rows.all())
    parties = {p.code: p.id for p in session.scalars(select(Party).where(Party.plan_id == plan.id))}
    order = data.get("parties", [])
    unknown = [p for p in order if p not in parties]
    if unknown:
        raise Invalid(
            _(
                "%(source)s: parties: unknown party %(unknown)s",
                source=source,
                unknown=", ".join(unknown),
            )
        )
    illustrative = bool(data.get("illustrative", False))
    created = []
    existing = set(session.scalars(select(Evaluation.code).where(Evaluation.plan_id == plan.id)))
    for i, raw in enumerate(data.get("evaluations", [])):
        where = f"{source}: evaluations[{i}]"
        if not isinstance(raw, dict) or raw.get("code") is None or raw.get("held_on") is None:
            raise Invalid(_("%(where)s: an evaluation needs 'code' and 'held_on'", where=where))
        if str(raw["code"]) in existing:
            raise Invalid(
                _(
                    "%(where)s: plan %(plan)s already has evaluation %(code)s",
                    where=where,
                    plan=repr(plan.code),
                    code=repr(raw["code"]),
                )
            )
        existing.add(str(raw["code"]))
        kind, status = raw.get("kind", "annual"), raw.get("status", "concluded")
        if kind not in EVALUATION_KINDS or status not in EVALUATION_STATUSES:
            raise Invalid(
                _(
                    "%(where)s: kind must be one of %(kinds)s and status one of %(statuses)s",
                    where=where,
                    kinds=str(EVALUATION_KINDS),
                    statuses=str(EVALUATION_STATUSES),
                )
            )
        held_on = raw["held_on"]
        try:
            held_on = held_on if isinstance(held_on, dt.date) else dt.date.fromisoformat(held_on)
        except (TypeError, ValueError):
            raise Invalid(
                _("%(where)s: held_on must be a date as YYYY-MM-DD", where=where)
            ) from None
        ev = Evaluation(
            plan=plan,
            framework_version=version,
            code=str(raw["code"]),
            label=str(raw.get("label", raw["code"])),
            kind=kind,
            status=status,
            held_on=held_on,
            illustrative=illustrative,
        )
        session.add(ev)
        session.flush()
        rationales = raw.get("rationales") or {}
        party_rows: list[dict[str, Any]] = []
        joint_rows: list[dict[str, Any]] = []
        for code, levels in (raw.get("ratings") or {}).items():
            std = fw.standards_by_code.get(code)
            if std is None:
                raise Invalid(
                    _("%(where)s: unknown standard %(code)s", where=where, code=repr(code))
                )
            if not isinstance(levels, list) or len(levels) != len(order) + 1:
                raise Invalid(
                    _(
                        "%(where)s: %(code)s: expected %(count)s levels (%(order)s, joint)",
                        where=where,
                        code=code,
                        count=len(order) + 1,
                        order=", ".join(order),
                    )
                )
            for level in levels:
                if level is not None and not fw.scale(std.scale).accepts(str(level)):
                    raise Invalid(
                        _(
                            "%(where)s: %(code)s: %(level)s is not a level of scale %(scale)s",
                            where=where,
                            code=code,
                            level=repr(level),
                            scale=repr(std.scale),
                        )
                    )
            for party, level in zip(order, levels[:-1], strict=True):
                if level is not None:
                    party_rows.append(
                        {
                            "evaluation_id": ev.id,
                            "party_id": parties[party],
                            "standard_id": standards[code],
                            "level": str(level),
                            "rationale": "",
                        }
                    )
            if levels[-1] is not None:
                joint_rows.append(
                    {
                        "evaluation_id": ev.id,
                        "standard_id": standards[code],
                        "level": str(levels[-1]),
                        "rationale": str(rationales.get(code, "")),
                    }
                )
        if party_rows:
            session.execute(insert(PartyRating), party_rows)
        if joint_rows:
            session.execute(insert(JointRating), joint_rows)
        created.append(ev)
    return created
