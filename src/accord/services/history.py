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

from accord import i18n, permissions
from accord.engine.framework import NOT_APPLICABLE, RatingScale
from accord.formats import history_csv
from accord.formats.sheets import SheetError
from accord.i18n import gettext as _
from accord.i18n import ngettext
from accord.models import Evaluation, JointRating, PartyRating, Standard

from . import Conflict, Invalid, audit
from .actors import Actor
from .frameworks import current_version, framework_of

JOINT = "joint"


class HistoryRejected(Invalid):
    """A history file with problems; nothing was written.  `problems` holds one line each."""

    def __init__(self, problems: list[str]) -> None:
        head = ngettext(
            "the history was not imported (%(num)d problem; nothing was written):",
            "the history was not imported (%(num)d problems; nothing was written):",
            len(problems),
        )
        super().__init__(head + "\n" + "\n".join(problems))
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
        raise Conflict(_("plan %(plan)s has no agreed framework version", plan=repr(plan.code)))
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
        where = _("row %(line)s", line=r.line)
        if not (r.evaluation and r.date and r.standard and r.party and r.level):
            problems.append(
                _(
                    "%(where)s: evaluation, date, standard, party and level are required",
                    where=where,
                )
            )
            continue
        try:
            held_on = dt.date.fromisoformat(r.date)
        except ValueError:
            problems.append(
                _(
                    "%(where)s: date %(date)s is not a date as YYYY-MM-DD",
                    where=where,
                    date=repr(r.date),
                )
            )
            continue
        ev = by_label.get(r.evaluation) or existing.get(r.evaluation)
        if ev is not None:
            if ev.held_on != held_on:
                problems.append(
                    _(
                        "%(where)s: evaluation %(evaluation)s was held on %(held_on)s, not "
                        "%(date)s",
                        where=where,
                        evaluation=repr(r.evaluation),
                        held_on=ev.held_on.isoformat(),
                        date=held_on.isoformat(),
                    )
                )
                continue
            if ev.status != "concluded":
                problems.append(
                    _(
                        "%(where)s: evaluation %(evaluation)s is %(status)s: history is added "
                        "only to concluded evaluations",
                        where=where,
                        evaluation=repr(r.evaluation),
                        status=i18n.term(ev.status),
                    )
                )
                continue
        else:
            first = new.setdefault(r.evaluation, {"held_on": held_on, "line": r.line})
            if first["held_on"] != held_on:
                problems.append(
                    _(
                        "%(where)s: evaluation %(evaluation)s has date %(date)s on row %(line)s",
                        where=where,
                        evaluation=repr(r.evaluation),
                        date=first["held_on"].isoformat(),
                        line=first["line"],
                    )
                )
                continue
        std = fw.standards_by_code.get(r.standard)
        if std is None:
            problems.append(
                _(
                    "%(where)s: unknown standard %(standard)s",
                    where=where,
                    standard=repr(r.standard),
                )
            )
            continue
        party = r.party.lower()
        if party != JOINT and party not in parties:
            known = ", ".join([p.code for p in plan.parties] + [JOINT])
            problems.append(
                _(
                    "%(where)s: unknown party %(party)s (one of %(known)s)",
                    where=where,
                    party=repr(r.party),
                    known=known,
                )
            )
            continue
        scale = fw.scale(std.scale)
        level = _level(scale, r.level)
        if level is None:
            choices = ", ".join(f"{lv.label} ({lv.value:g})" for lv in scale.levels)
            problems.append(
                _(
                    "%(where)s: %(level)s is not a level of %(standard)s's scale (%(choices)s)",
                    where=where,
                    level=repr(r.level),
                    standard=r.standard,
                    choices=choices + (", N/A" if scale.allows_na else ""),
                )
            )
            continue
        key = (r.evaluation, r.standard, party)
        if key in seen:
            problems.append(
                _(
                    "%(where)s: duplicate of row %(line)s (%(evaluation)s, %(standard)s, "
                    "%(party)s)",
                    where=where,
                    line=seen[key],
                    evaluation=r.evaluation,
                    standard=r.standard,
                    party=r.party,
                )
            )
            continue
        seen[key] = r.line
        accepted.append((r.evaluation, r.standard, party, level, r.rationale))
    stored = _stored(session, [e.id for e in existing.values()])
    for (label, code, party, level, _why), line in zip(accepted, seen.values(), strict=True):
        ev = by_label.get(label) or existing.get(label)
        if ev is None:
            continue
        now = stored.get((ev.id, code, party))
        if now is not None:
            if now == level:
                what = _("the same rating (a duplicate)")
            else:
                what = _("the rating %(level)s", level=now)
            who = _("joint") if party == JOINT else party.upper()
            problems.append(
                _(
                    "row %(line)s: evaluation %(evaluation)s already has %(what)s for "
                    "%(standard)s, %(party)s",
                    line=line,
                    evaluation=ev.code,
                    what=what,
                    standard=code,
                    party=who,
                )
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
            raise Invalid(
                _(
                    "evaluation %(evaluation)s is on a framework version without %(code)s",
                    evaluation=ev.code,
                    code=code,
                )
            )
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
