"""HTML pages of an evaluation round: a party's workspace (blind rating, saved with
optimistic locking).  JSON twins: /api/v1/plans/{plan}/evaluations/{code}/status,
/ratings/{party} and PUT /ratings.

Submission and reopening, reconciliation, sign-off and action items live in their own
modules; their routers are included here, so the application registers one router.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord.engine.framework import NOT_APPLICABLE, Framework
from accord.i18n import gettext as _
from accord.i18n import ngettext
from accord.models import Evaluation, Plan
from accord.services import (
    Conflict,
    Invalid,
    action_items,
    evaluations,
    ratings,
)
from accord.services.actors import Actor
from accord.services.frameworks import framework_of

from ..auth import get_actor
from ..deps import SESSION
from . import actions, evidence_view, reconcile, signoff, submissions
from .round_common import (
    AFTER_RATING,
    EVALUATION,
    acting_party_code,
    back,
    evaluation_url,
    form_fields,
    parties_for,
    pick_party,
    render,
    round_nav,
)

router = APIRouter(include_in_schema=False)
COMPACT_OVER = 100  # standards; see "compact_evidence" in render_workspace


@router.get(EVALUATION, name="workspace")
def workspace(
    request: Request,
    plan: str,
    code: str,
    party: str | None = Query(None, description="the party to rate for, if several"),
    saved: int | None = Query(None),
    std: str | None = Query(None),
    submitted: str | None = Query(None),
    reopen: str | None = Query(None),
    evidence: str | None = Query(None),
    attach: str | None = Query(None, max_length=64, description="the standard to add evidence to"),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """A party's evaluation workspace: status, standards by condition and field, rating forms."""
    flash = {
        "saved": saved,
        "std": std,
        "submitted": submitted,
        "reopen": reopen,
        "evidence": evidence,
        "attach": attach,
    }
    return render_workspace(request, session, actor, plan, code, party=party, flash=flash)


def render_workspace(
    request: Request,
    session: Session,
    actor: Actor,
    plan_code: str,
    code: str,
    *,
    party: str | None = None,
    flash: dict[str, Any] | None = None,
    note: str | None = None,
    problem: str | None = None,
    entered: dict[str, dict[str, Any]] | None = None,
    stale: list[dict[str, Any]] | None = None,
    evidence_form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The workspace page; `note`, `problem` and the forms' entries after a failed write."""
    plan, ev = ratings.load(session, actor, plan_code, code)
    status = ratings.status(session=session, actor=actor, plan_code=plan_code, code=code)
    fw = framework_of(ev.framework_version)
    message = note or _message(flash or {}, fw, status)
    visible = {
        p.code: {
            r["standard"]: r
            for r in ratings.party_ratings(
                session=session, actor=actor, plan_code=plan_code, code=code, party_code=p.code
            )
        }
        for p in plan.parties
        if ratings.may_see_party(session, actor, plan, ev, p.id)
    }
    submitted = {p["party"]: p["submitted"] for p in status["parties"]}
    editing = pick_party(parties_for(actor, plan, "rating.edit"), party)
    today = dt.datetime.now(dt.UTC).date()
    past_deadline = ev.due_on is not None and today > ev.due_on
    editable = (
        editing is not None
        and ev.status == "open"
        and not submitted.get(editing.code, False)
        and not past_deadline
    )
    joint = (
        evaluations.joint_ratings(session=session, evaluation_ids=[ev.id]).get(ev.id, {})
        if ev.status in AFTER_RATING
        else {}
    )
    view = evaluations.summarize_evaluation(session=session, plan=plan, code=ev.code)
    previous = view.previous
    before = (
        evaluations.joint_ratings(session=session, evaluation_ids=[previous.id]).get(
            previous.id, {}
        )
        if previous is not None
        else {}
    )
    carried = action_items.open_by_standard(session=session, plan_id=plan.id)
    own = visible.get(editing.code, {}) if editing is not None else {}
    conditions = _tree(
        fw,
        own=own,
        entered=entered or {},
        visible=visible,
        joint=joint,
        before=before,
        carried={
            c: [i for i in items if i["evaluation"] != ev.code] for c, items in carried.items()
        },
    )
    total = status["standards"]
    rated = status["own_rated"].get(editing.code, 0) if editing is not None else None
    return render(
        request,
        "rounds/workspace.html",
        {
            "plan": plan,
            "evaluation": ev,
            "status": status,
            "nav": round_nav(plan, ev, "workspace"),
            "conditions": conditions,
            "scales": fw.scales,
            "visible_parties": [p.code for p in plan.parties if p.code in visible],
            "editing": editing,
            "several_parties": len(parties_for(actor, plan, "rating.edit")) > 1,
            "editable": editable,
            "past_deadline": past_deadline,
            "may_submit": editing is not None
            and any(p.id == editing.id for p in parties_for(actor, plan, "rating.submit")),
            "rated": rated,
            "total": total,
            "previous": previous,
            "message": message,
            "problem": problem,
            "stale": stale or [],
            "all_submitted": ev.status in AFTER_RATING,
            **evidence_view.workspace_evidence(session, actor, plan, ev),
            "evidence_form": evidence_form or {},
            # a form to add evidence under every one of 1,000 standards is most of the page's
            # size and render time: past COMPACT_OVER standards each gets a link that opens
            # the page with that standard's form (?attach=CODE)
            "compact_evidence": total > COMPACT_OVER,
            "attach_to": (flash or {}).get("attach"),
            "voter": pick_party(parties_for(actor, plan, "submission.reopen"), None)
            if ev.status in ("open", "reconciliation")
            else None,
        },
        status_code=status_code,
    )


def _message(flash: dict[str, Any], fw: Framework, status: dict[str, Any]) -> str | None:
    """The confirmation after a redirect, built only from values the page itself knows."""
    submitted = {p["party"]: p["submitted"] for p in status["parties"]}
    if flash.get("evidence") in ("added", "removed"):
        std = flash.get("std")
        where = f" ({std})" if std in fw.standards_by_code else ""
        if flash["evidence"] == "added":
            return _("Evidence added%(where)s.", where=where)
        return _("Evidence removed%(where)s.", where=where)
    if flash.get("submitted") in submitted:
        return _(
            "%(party)s has submitted its ratings: they are final now.", party=flash["submitted"]
        )
    target = flash.get("reopen")
    if target in submitted:
        if submitted[target]:
            return _(
                "Your agreement to reopen %(party)s’s submission is recorded: it reopens "
                "when every party agrees.",
                party=target,
            )
        return _("%(party)s’s submission is reopened: its ratings can change again.", party=target)
    saved = flash.get("saved")
    if saved is None:
        return None
    if saved == 0:
        return _("Nothing to save: no rating changed.")
    std = flash.get("std")
    which = f" ({std})" if saved == 1 and std in fw.standards_by_code else ""
    return ngettext(
        "Saved %(num)d rating%(which)s.", "Saved %(num)d ratings%(which)s.", saved, which=which
    )


def _tree(
    fw: Framework,
    *,
    own: dict[str, dict[str, Any]],
    entered: dict[str, dict[str, Any]],
    visible: dict[str, dict[str, dict[str, Any]]],
    joint: dict[str, str],
    before: dict[str, str],
    carried: dict[str, list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Conditions -> fields -> standards, each with what the page shows and the form's values."""
    out = []
    for c in fw.conditions:
        fields: list[dict[str, Any]] = []
        for f in c.fields:
            standards: list[dict[str, Any]] = []
            for s in f.standards:
                scale = fw.scale(s.scale)
                stored = own.get(s.code)
                form = entered.get(s.code) or {
                    "level": stored["level"] if stored else "",
                    "rationale": stored["rationale"] if stored else "",
                    "version": stored["version"] if stored else None,
                }
                standards.append(
                    {
                        "code": s.code,
                        "title": s.title,
                        "description": s.description,
                        "guidance": s.guidance,
                        "threshold": s.threshold,
                        "scale": scale.name,
                        "levels": [lv.label for lv in scale.levels]
                        + ([NOT_APPLICABLE] if scale.allows_na else []),
                        "previous": before.get(s.code),
                        "carried": carried.get(s.code, []),
                        "ratings": {p: r[s.code] for p, r in visible.items() if s.code in r},
                        "joint": joint.get(s.code),
                        "form": form,
                        "rated": stored is not None,
                    }
                )
            fields.append({"code": f.code, "title": f.title, "standards": standards})
        rated = sum(1 for f in fields for s in f["standards"] if s["rated"])
        count = sum(len(f["standards"]) for f in fields)
        out.append(
            {"code": c.code, "title": c.title, "fields": fields, "rated": rated, "count": count}
        )
    return out


@router.post(EVALUATION + "/ratings")
def save(
    request: Request,
    plan: str,
    code: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Save one standard's rating (`only`) or every changed one, with optimistic locking."""
    the_plan, ev = ratings.load(session, actor, plan, code)
    party_code = acting_party_code(actor, the_plan, "rating.edit", form.get("party") or None)
    fw = framework_of(ev.framework_version)
    only = form.get("only") or None
    if only is not None and only not in fw.standards_by_code:
        raise Invalid(
            _(
                "only: evaluation %(code)s has no standard %(standard)s",
                code=code,
                standard=repr(only),
            )
        )
    codes = [only] if only else [s.code for s in fw.standards()]
    entered = {c: _entered(form, c) for c in fw.standards_by_code}
    current = {
        r["standard"]: r
        for r in ratings.party_ratings(
            session=session, actor=actor, plan_code=plan, code=code, party_code=party_code
        )
    }
    inputs = []
    for c in codes:
        e = entered[c]
        if not e["level"]:
            if only:
                raise Invalid(_("level of %(standard)s: choose a level before saving", standard=c))
            continue
        if not only and not _changed(e, current.get(c)):
            continue  # unchanged: "save all" writes only what changed
        inputs.append(ratings.RatingInput(c, e["level"], e["rationale"], e["version"]))
    back_to = evaluation_url(the_plan, ev, f"?party={party_code}")
    if not inputs:
        return back(f"{back_to}&saved=0")
    try:
        ratings.save_ratings(
            session=session,
            actor=actor,
            plan_code=plan,
            code=code,
            ratings=inputs,
            party_code=party_code,
        )
    except Conflict as exc:
        if not isinstance(exc.current, list):
            raise
        return _stale(request, session, actor, the_plan, ev, party_code, entered, exc.current)
    if only:
        # keep what was typed elsewhere on the page: saving one standard must not lose it
        pending = [
            c
            for c in fw.standards_by_code
            if c != only and entered[c]["level"] and _changed(entered[c], current.get(c))
        ]
        if pending:
            note = (
                f"Saved 1 rating ({only}). Not saved yet: {', '.join(pending)}; "
                "use “Save all changes” to keep them."
            )
            kept = {c: entered[c] for c in pending}
            return render_workspace(
                request, session, actor, plan, code, party=party_code, note=note, entered=kept
            )
    anchor = f"&std={only}#std-{only}" if only else ""
    return back(f"{back_to}&saved={len(inputs)}{anchor}")


def _changed(entered: dict[str, Any], stored: dict[str, Any] | None) -> bool:
    return stored is None or (stored["level"], stored["rationale"]) != (
        entered["level"],
        entered["rationale"],
    )


def _entered(form: dict[str, str], c: str) -> dict[str, Any]:
    raw = form.get(f"version-{c}", "").strip()
    if raw and not raw.isdigit():
        raise Invalid(
            _("version-%(standard)s: a whole number, not %(value)s", standard=c, value=repr(raw))
        )
    return {
        "level": form.get(f"level-{c}", ""),
        "rationale": form.get(f"rationale-{c}", ""),
        "version": int(raw) if raw else None,
    }


def _stale(
    request: Request,
    session: Session,
    actor: Actor,
    plan: Plan,
    ev: Evaluation,
    party_code: str | None,
    entered: dict[str, dict[str, Any]],
    current: list[dict[str, Any]],
) -> Response:
    """Re-render after a stale save: stale standards show what is stored now, the rest keep
    what was typed, and the message shows what this save tried to write."""
    stale = []
    for now in current:
        mine = entered[now["standard"]]
        stale.append({"standard": now["standard"], "now": now, "mine": dict(mine)})
        entered[now["standard"]] = {
            "level": now.get("level") or "",
            "rationale": now.get("rationale") or "",
            "version": now.get("version"),
        }
    problem = (
        "Nothing was saved: "
        + ", ".join(s["standard"] for s in stale)
        + " changed since you loaded this page (another tab or another member of your party)."
        " The form now shows what is stored; your entry is listed here."
    )
    return render_workspace(
        request,
        session,
        actor,
        plan.code,
        ev.code,
        party=party_code,
        problem=problem,
        entered=entered,
        stale=stale,
        status_code=409,
    )


router.include_router(submissions.router)
router.include_router(reconcile.router)
router.include_router(signoff.router)
router.include_router(actions.router)
