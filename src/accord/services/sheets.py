"""A party's rating sheet: export it as XLSX or CSV, fill it offline, import it back.

The import checks everything first and reports every problem at its cell; then it saves
through `ratings.save_ratings` in the caller's transaction, carrying the versions seen at
export, so a rating changed in accord meanwhile is a conflict and never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from accord import permissions
from accord.engine.framework import NOT_APPLICABLE
from accord.formats import sheets as fmt
from accord.formats.sheets import SheetError
from accord.i18n import gettext as _
from accord.i18n import term
from accord.models import Evaluation, Party, Plan
from accord.permissions import Forbidden
from accord.services import Conflict, Invalid, NotFound, and_join
from accord.services.actors import Actor
from accord.services.frameworks import framework_of
from accord.services.ratings import (
    RatingInput,
    load,
    party_ratings,
    save_ratings,
    submitted_party_ids,
)

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


class SheetRejected(Invalid):
    """A sheet with problems; nothing of it was saved.  `problems` holds one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            f"the sheet was not imported ({len(problems)} problem"
            f"{'s' if len(problems) != 1 else ''}; nothing was saved):\n" + "\n".join(problems)
        )
        self.problems = problems


@dataclass(frozen=True)
class Exported:
    filename: str
    content: bytes
    media_type: str
    rows: int


def _own_party(session: Session, actor: Actor, plan: Plan, code: str, party: str | None) -> Party:
    """The party whose sheet this is: one the actor acts for (blind rating: only their own)."""
    own = [p for p in plan.parties if p.id in actor.party_ids(plan.id)]
    if party is not None:
        found = next((p for p in own if p.code == party), None)
        if found is None:
            raise NotFound(
                _(
                    "no rating sheet of party %(party)s for you in evaluation %(code)s",
                    party=repr(party),
                    code=code,
                )
            )
        return found
    if len(own) == 1:
        return own[0]
    if not own:
        raise Forbidden(
            _(
                "%(user)s acts for no party of %(plan)s: there is no sheet",
                user=actor.username,
                plan=plan.code,
            )
        )
    raise Invalid(
        _(
            "party: you act for several parties: name one (%(parties)s)",
            parties=", ".join(p.code for p in own),
        )
    )


def sheet_rows(
    session: Session, actor: Actor, plan: Plan, ev: Evaluation, party: Party
) -> list[fmt.Row]:
    """One row per standard with the party's current rating."""
    fw = framework_of(ev.framework_version)
    current = {
        r["standard"]: r
        for r in party_ratings(
            session=session, actor=actor, plan_code=plan.code, code=ev.code, party_code=party.code
        )
    }
    rows = []
    for s in fw.standards():
        scale = fw.scale(s.scale)
        r = current.get(s.code)
        rows.append(
            fmt.Row(
                code=s.code,
                condition=s.condition,
                field=s.field,
                title=s.title,
                description=s.description,
                threshold=s.threshold,
                scale=s.scale,
                choices=tuple(lv.label for lv in scale.levels)
                + ((NOT_APPLICABLE,) if scale.allows_na else ()),
                level=r["level"] if r else "",
                rationale=r["rationale"] if r else "",
                version=r["version"] if r else None,
            )
        )
    return rows


def export_sheet(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    code: str,
    party_code: str | None = None,
    format: str = "xlsx",
    progress: fmt.Progress | None = None,
) -> Exported:
    """The actor's own party's rating sheet for an evaluation (NotFound for another party's)."""
    if format not in FORMATS:
        raise Invalid(_("format: xlsx or csv, not %(format)s", format=repr(format)))
    plan, ev = load(session, actor, plan_code, code)
    party = _own_party(session, actor, plan, code, party_code)
    rows = sheet_rows(session, actor, plan, ev, party)
    meta = fmt.Meta(plan.code, ev.code, ev.uid, party.code, ev.framework_version.version)
    if format == "xlsx":
        content = fmt.write_xlsx(meta, rows, progress=progress)
    else:
        content = fmt.write_csv(meta, rows)
    return Exported(
        filename=f"{plan.code}-{ev.code}-{party.code}.{format}",
        content=content,
        media_type=FORMATS[format],
        rows=len(rows),
    )


def import_sheet(
    *,
    session: Session,
    actor: Actor,
    data: bytes,
    name: str,
    plan_code: str | None = None,
    code: str | None = None,
    progress: fmt.Progress | None = None,
) -> dict[str, Any]:
    """Check a filled sheet and save its changed ratings, all or none (SheetRejected lists
    every problem).  `plan_code` and `code`, when given, name where the sheet must belong."""
    try:
        parsed = fmt.read(data, name, progress=progress)
    except SheetError as exc:
        raise SheetRejected(exc.problems) from None
    meta, where = parsed.meta, parsed.meta_where
    problems = list(parsed.problems)
    if plan_code is not None and (meta.plan, meta.evaluation) != (plan_code, code):
        raise SheetRejected(
            [
                *problems,
                f"{where['evaluation']}: this sheet belongs to evaluation {meta.evaluation} of "
                f"plan {meta.plan}, not {code} of {plan_code}",
            ]
        )
    plan, ev = load(session, actor, meta.plan, meta.evaluation)
    if ev.uid != meta.uid:
        raise SheetRejected(
            [
                *problems,
                f"{where['uid']}: this sheet was exported from another evaluation "
                f"{meta.evaluation} (uid {meta.uid}), not the one in this workspace",
            ]
        )
    party = next((p for p in plan.parties if p.code == meta.party), None)
    if party is None or not permissions.can(actor, "rating.edit", plan=plan, party_id=party.id):
        mine = [
            p.code
            for p in plan.parties
            if permissions.can(actor, "rating.edit", plan=plan, party_id=p.id)
        ]
        raise SheetRejected(
            [
                *problems,
                _(
                    "%(cell)s: this is party %(party)s's sheet; you rate for %(mine)s",
                    cell=where["party"],
                    party=meta.party,
                    mine=and_join(mine) if mine else _("no party"),
                ),
            ]
        )
    if ev.status != "open":
        problems.append(
            _(
                "%(cell)s: evaluation %(code)s is %(status)s, no longer open: "
                "ratings can change only while it is open",
                cell=where["evaluation"],
                code=ev.code,
                status=term(ev.status),
            )
        )
    elif party.id in submitted_party_ids(session, ev):
        problems.append(
            _(
                "%(cell)s: %(party)s has submitted: its ratings are final unless every "
                "party agrees to reopen",
                cell=where["party"],
                party=party.code,
            )
        )
    if meta.framework != ev.framework_version.version:
        problems.append(
            _(
                "%(cell)s: the sheet is on framework %(sheet)s, the evaluation on %(evaluation)s",
                cell=where["framework"],
                sheet=meta.framework,
                evaluation=ev.framework_version.version,
            )
        )
    rows = {r.code: r for r in sheet_rows(session, actor, plan, ev, party)}
    inputs: list[RatingInput] = []
    cell_of: dict[str, str] = {}
    seen: dict[str, int] = {}
    for e in parsed.entries:
        row = rows.get(e.code)
        if row is None:
            problems.append(
                _("%(cell)s: unknown standard %(code)s", cell=e.where["code"], code=repr(e.code))
            )
            continue
        if e.code in seen:
            problems.append(
                _(
                    "%(cell)s: %(code)s appears twice (first on row %(row)s)",
                    cell=e.where["code"],
                    code=e.code,
                    row=seen[e.code],
                )
            )
            continue
        seen[e.code] = e.line
        expected = dict(zip(fmt.IDENTITY, row.identity(), strict=True))
        for c in fmt.IDENTITY[1:]:
            if e.identity[c] != expected[c].strip():
                problems.append(
                    _(
                        "%(cell)s: the %(column)s of %(code)s was edited; identifying columns "
                        "must stay as exported",
                        cell=e.where[c],
                        column=c,
                        code=e.code,
                    )
                )
        if not e.level:
            if e.rationale and e.rationale != row.rationale:
                problems.append(
                    _(
                        "%(cell)s: choose a level for %(code)s's rationale",
                        cell=e.where["level"],
                        code=e.code,
                    )
                )
            continue
        if e.level not in row.choices:
            problems.append(
                _(
                    "%(cell)s: %(level)s is not a level of %(code)s's scale (%(choices)s)",
                    cell=e.where["level"],
                    level=repr(e.level),
                    code=e.code,
                    choices=", ".join(row.choices),
                )
            )
            continue
        typed = (e.level, e.rationale)
        if e.exported is not None and typed == e.exported:
            continue  # untouched since the export
        if typed == (row.level, row.rationale):
            continue  # already so in accord
        if e.version != row.version:
            now = (
                _("now %(level)s, version %(version)s", level=row.level, version=row.version)
                if row.level
                else _("now unrated")
            )
            problems.append(
                _(
                    "%(cell)s: %(code)s changed in accord since this sheet was exported "
                    "(%(now)s): export a fresh sheet",
                    cell=e.where["level"],
                    code=e.code,
                    now=now,
                )
            )
            continue
        inputs.append(RatingInput(e.code, e.level, e.rationale, row.version))
        cell_of[e.code] = e.where["level"]
    if problems:
        raise SheetRejected(problems)
    if inputs:
        try:
            save_ratings(
                session=session,
                actor=actor,
                plan_code=plan.code,
                code=ev.code,
                ratings=inputs,
                party_code=party.code,
            )
        except Conflict as exc:  # a write raced with this import
            if not isinstance(exc.current, list):
                raise
            raise SheetRejected(
                [
                    f"{cell_of[c['standard']]}: {c['standard']} changed in accord since this "
                    "sheet was exported: export a fresh sheet"
                    for c in exc.current
                ]
            ) from None
    return {
        "plan": plan.code,
        "evaluation": ev.code,
        "party": party.code,
        "saved": len(inputs),
        "rows": len(parsed.entries),
        "standards": [r.standard for r in inputs],
    }
