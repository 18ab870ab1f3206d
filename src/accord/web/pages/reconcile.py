"""HTML pages of reconciliation: divergences side by side, proposals, approvals, conclusion.

JSON twin: /api/v1/plans/{plan}/evaluations/{code}/reconciliation (and its proposals,
approval and conclusion routes).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord import permissions
from accord.engine.framework import NOT_APPLICABLE
from accord.i18n import gettext as _
from accord.i18n import lazy_gettext
from accord.services import lifecycle, ratings, reconciliation
from accord.services.actors import Actor
from accord.services.frameworks import framework_of

from ..auth import get_actor
from ..deps import SESSION
from .round_common import (
    EVALUATION,
    back,
    evaluation_url,
    form_fields,
    parties_for,
    pick_party,
    render,
    round_nav,
)

router = APIRouter(include_in_schema=False)
DONE = {
    "proposed": lazy_gettext("Proposal recorded for %(std)s."),
    "approved": lazy_gettext("Approval recorded for %(std)s."),
    "agreed": lazy_gettext("%(std)s is agreed: its joint level is recorded."),
}


@router.get(EVALUATION + "/reconciliation", name="reconciliation")
def reconciliation_page(
    request: Request,
    plan: str,
    code: str,
    party: str | None = Query(None),
    done: str | None = Query(None),
    std: str | None = Query(None),
    begun: int | None = Query(None),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Divergent standards, widest gaps first, with the forms to settle them."""
    the_plan, ev = ratings.load(session, actor, plan, code)
    queue = reconciliation.queue(session=session, actor=actor, plan_code=plan, code=code)
    fw = framework_of(ev.framework_version)
    acting = pick_party(parties_for(actor, the_plan, "reconcile"), party)
    for item in queue["items"]:
        std_def = fw.standards_by_code[item["standard"]]
        scale = fw.scale(std_def.scale)
        item["choices"] = [lv.label for lv in scale.levels] + (
            [NOT_APPLICABLE] if scale.allows_na else []
        )
    message = None
    if done in DONE and std in fw.standards_by_code:
        message = str(DONE[done]) % {"std": std}
    elif begun:
        message = _("Every party has submitted: reconciliation has begun.")
    unresolved = [i for i in queue["items"] if i["joint"] is None]
    resolved = [i for i in queue["items"] if i["joint"] is not None]
    return render(
        request,
        "rounds/reconciliation.html",
        {
            "plan": the_plan,
            "evaluation": ev,
            "nav": round_nav(the_plan, ev, "reconciliation"),
            "queue": queue,
            "parties": [p.code for p in the_plan.parties],
            "unresolved": unresolved,
            "resolved": resolved,
            "agreed_at_once": len(fw.index.codes) - len(queue["items"]),
            "acting": acting,
            "several_parties": len(parties_for(actor, the_plan, "reconcile")) > 1,
            "may_conclude": permissions.can(actor, "evaluation.conclude", plan=the_plan),
            "message": message,
        },
    )


def _back(plan: str, code: str, party: str | None, done: str, item: dict[str, Any]) -> Response:
    std = item["standard"]
    if item["joint"] is not None:
        done = "agreed"
    who = f"party={party}&" if party else ""
    url = f"/plans/{plan}/evaluations/{code}/reconciliation"
    return back(f"{url}?{who}done={done}&std={std}#rec-{std}")


@router.post(EVALUATION + "/reconciliation/{standard}/proposals")
def propose(
    plan: str,
    code: str,
    standard: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Propose, or counter with, a joint level and rationale."""
    party = form.get("party") or None
    item = reconciliation.propose(
        session=session,
        actor=actor,
        plan_code=plan,
        code=code,
        standard=standard,
        level=form.get("level", ""),
        rationale=form.get("rationale", ""),
        party_code=party,
    )
    return _back(plan, code, party, "proposed", item)


@router.post(EVALUATION + "/reconciliation/{standard}/approval")
def approve(
    plan: str,
    code: str,
    standard: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Approve the standing proposal for the actor's party."""
    party = form.get("party") or None
    item = reconciliation.approve(
        session=session,
        actor=actor,
        plan_code=plan,
        code=code,
        standard=standard,
        party_code=party,
    )
    return _back(plan, code, party, "approved", item)


@router.post(EVALUATION + "/conclusion")
def conclude(
    plan: str,
    code: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Conclude the evaluation (signers, administrators): on to the signatures."""
    the_plan, ev = ratings.load(session, actor, plan, code)
    lifecycle.conclude(session=session, actor=actor, plan_code=plan, code=code)
    return back(evaluation_url(the_plan, ev, "/sign-off?concluded=1"))
