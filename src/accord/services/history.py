"""History import: years of past results from a CSV file (docs/history-import.md).

Missing evaluations are created as concluded on the current framework; party and joint
ratings are added.  Every row is checked first; one problem and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from accord import permissions
from accord.engine.framework import NOT_APPLICABLE, RatingScale
from accord.formats import history_csv
from accord.formats.sheets import SheetError
from accord.models import Evaluation, JointRating, PartyRating, Standard

from . import Conflict, Invalid, audit
from .actors import Actor
from .frameworks import current_version, framework_of

JOINT = "joint"


class HistoryRejected(Invalid):
    """A history file with problems; nothing was written.  `problems` holds one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            f"the history was not imported ({len(problems)} problem"
            f"{'s' if len(problems) != 1 else ''}; nothing was written):\n" + "\n".join(problems)
        )
        self.problems = problems


def _level(scale: RatingScale, raw: str) -> str | None:
    """The label for a label or a numeric value on the scale; None if neither."""
    if scale.accepts(raw):
        return raw
    for lv in scale.levels:
        if lv.label.lower() == raw.lower():
            return lv.label
    if raw.lower() == NOT_APPLICABLE.lower() and scale.allows_na:
        return NOT_APPLICABLE
    try:
        value = float(raw)
    except ValueError:
        return None
    return next((lv.label for lv in scale.levels if abs(lv.value - value) < 1e-9), None)


def _code_for(label: str, taken: set[str]) -> str:
    base = label if label and not any(ch.isspace() for ch in label) else ""
    base = base or re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-").lower() or "evaluation"
    code, n = base[:64], 2
    while code in taken:
        code, n = f"{base[:60]}-{n}", n + 1
    return code


def import_history(
    *, session: Session, actor: Actor, plan_code: str, data: bytes, name: str
) -> dict[str, Any]:
    """Import a history CSV into plan `plan_code`, all or nothing (HistoryRejected)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    permissions.require(actor, "evaluation.manage", plan=plan)
    try:
        rows = history_csv.read(data, name)
    except SheetError as exc:
        raise HistoryRejected(exc.problems) from None
    version = current_version(session=session, plan=plan)
    if version is None:
        raise Conflict(f"plan {plan.code!r} has no agreed framework version")
    fw = framework_of(version)
    parties = {p.code.lower(): p for p in plan.parties}
    existing = {
        e.code: e for e in session.scalars(select(Evaluation).where(Evaluation.plan_id == plan.id))
    }
    by_label = {e.label: e for e in existing.values()}
    problems: list[str] = []
    new: dict[str, dict[str, Any]] = {}  # label -> {code, held_on, line}
    seen: dict[tuple[str, str, str], int] = {}
    accepted: list[tuple[str, str, str, str, str]] = []  # label, standard, party, level, why
    for r in rows:
        where = f"row {r.line}"
        if not (r.evaluation and r.date and r.standard and r.party and r.level):
            problems.append(f"{where}: evaluation, date, standard, party and level are required")
            continue
        try:
            held_on = dt.date.fromisoformat(r.date)
        except ValueError:
            problems.append(f"{where}: date {r.date!r} is not a date as YYYY-MM-DD")
            continue
        ev = by_label.get(r.evaluation) or existing.get(r.evaluation)
        if ev is not None:
            if ev.held_on != held_on:
                problems.append(
                    f"{where}: evaluation {r.evaluation!r} was held on "
                    f"{ev.held_on.isoformat()}, not {held_on.isoformat()}"
                )
                continue
            if ev.status != "concluded":
                problems.append(
                    f"{where}: evaluation {r.evaluation!r} is {ev.status}: history is added "
                    "only to concluded evaluations"
                )
                continue
        else:
            first = new.setdefault(r.evaluation, {"held_on": held_on, "line": r.line})
            if first["held_on"] != held_on:
                problems.append(
                    f"{where}: evaluation {r.evaluation!r} has date "
                    f"{first['held_on'].isoformat()} on row {first['line']}"
                )
                continue
        std = fw.standards_by_code.get(r.standard)
        if std is None:
            problems.append(f"{where}: unknown standard {r.standard!r}")
            continue
        party = r.party.lower()
        if party != JOINT and party not in parties:
            known = ", ".join([p.code for p in plan.parties] + [JOINT])
            problems.append(f"{where}: unknown party {r.party!r} (one of {known})")
            continue
        scale = fw.scale(std.scale)
        level = _level(scale, r.level)
        if level is None:
            choices = ", ".join(f"{lv.label} ({lv.value:g})" for lv in scale.levels)
            problems.append(
                f"{where}: {r.level!r} is not a level of {r.standard}'s scale ({choices}"
                f"{', N/A' if scale.allows_na else ''})"
            )
            continue
        key = (r.evaluation, r.standard, party)
        if key in seen:
            problems.append(
                f"{where}: duplicate of row {seen[key]} ({r.evaluation}, {r.standard}, {r.party})"
            )
            continue
        seen[key] = r.line
        accepted.append((r.evaluation, r.standard, party, level, r.rationale))
    stored = _stored(session, [e.id for e in existing.values()])
    for (label, code, party, level, _), line in zip(accepted, seen.values(), strict=True):
        ev = by_label.get(label) or existing.get(label)
        if ev is None:
            continue
        now = stored.get((ev.id, code, party))
        if now is not None:
            what = "the same rating (a duplicate)" if now == level else f"the rating {now}"
            problems.append(
                f"row {line}: evaluation {ev.code} already has {what} for {code}, "
                f"{'joint' if party == JOINT else party.upper()}"
            )
    if problems:
        raise HistoryRejected(problems)
    standards = dict(
        session.execute(
            select(Standard.code, Standard.id).where(Standard.framework_version_id == version.id)
        ).all()
    )
    taken = set(existing)
    created = []
    for label, info in new.items():
        code = _code_for(label, taken)
        taken.add(code)
        ev = Evaluation(
            plan=plan,
            framework_version=version,
            code=code,
            label=label,
            kind="annual",
            status="concluded",
            held_on=info["held_on"],
            illustrative=plan.illustrative,
        )
        session.add(ev)
        by_label[label] = ev
        created.append(ev)
    session.flush()
    party_rows, joint_rows = [], []
    for label, code, party, level, why in accepted:
        ev = by_label.get(label) or existing[label]
        # a rating made on another framework version keeps that version's standard
        std_id = standards.get(code) if ev.framework_version_id == version.id else None
        if std_id is None:
            std_id = session.scalar(
                select(Standard.id).where(
                    Standard.framework_version_id == ev.framework_version_id, Standard.code == code
                )
            )
        if std_id is None:
            raise Invalid(f"evaluation {ev.code} is on a framework version without {code}")
        row = {"evaluation_id": ev.id, "standard_id": std_id, "level": level, "rationale": why}
        if party == JOINT:
            joint_rows.append(row)
        else:
            party_rows.append({**row, "party_id": parties[party].id})
    if party_rows:
        session.execute(insert(PartyRating), party_rows)
    if joint_rows:
        session.execute(insert(JointRating), joint_rows)
    session.flush()
    audit.record(
        session,
        actor,
        "history.import",
        "plan",
        plan.code,
        after={
            "source": name,
            "created": [e.code for e in created],
            "party_ratings": len(party_rows),
            "joint_ratings": len(joint_rows),
        },
    )
    return {
        "plan": plan.code,
        "created": [e.code for e in created],
        "party_ratings": len(party_rows),
        "joint_ratings": len(joint_rows),
    }


def _stored(session: Session, evaluation_ids: list[int]) -> dict[tuple[int, str, str], str]:
    """{(evaluation id, standard code, party code lowercased or 'joint'): level}."""
    from accord.models import Party

    out: dict[tuple[int, str, str], str] = {}
    if not evaluation_ids:
        return out
    for ev_id, code, party, level in session.execute(
        select(PartyRating.evaluation_id, Standard.code, Party.code, PartyRating.level)
        .join(Standard, Standard.id == PartyRating.standard_id)
        .join(Party, Party.id == PartyRating.party_id)
        .where(PartyRating.evaluation_id.in_(evaluation_ids))
    ):
        out[(ev_id, code, party.lower())] = level
    for ev_id, code, level in session.execute(
        select(JointRating.evaluation_id, Standard.code, JointRating.level)
        .join(Standard, Standard.id == JointRating.standard_id)
        .where(JointRating.evaluation_id.in_(evaluation_ids))
    ):
        out[(ev_id, code, JOINT)] = level
    return out
