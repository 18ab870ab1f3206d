"""HTML form routes of a party's submission: submitting its ratings, and reopening them by
common consent.  JSON twins: /api/v1/plans/{plan}/evaluations/{code}/submission, /reopen-votes.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord.i18n import gettext as _
from accord.services import Invalid, ratings
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from .round_common import EVALUATION, acting_party_code, back, evaluation_url, form_fields

router = APIRouter(include_in_schema=False)


@router.post(EVALUATION + "/submission")
def submit(
    plan: str,
    code: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Submit a party's ratings (every standard rated); final unless every party reopens."""
    the_plan, ev = ratings.load(session, actor, plan, code)
    party_code = acting_party_code(actor, the_plan, "rating.submit", form.get("party") or None)
    if form.get("confirm") != "yes":
        raise Invalid(_("confirm: tick the box to confirm that your party's ratings are final"))
    result = ratings.submit(
        session=session, actor=actor, plan_code=plan, code=code, party_code=party_code
    )
    if result["status"] == "reconciliation":
        return back(evaluation_url(the_plan, ev, "/reconciliation?begun=1"))
    return back(evaluation_url(the_plan, ev, f"?submitted={party_code}"))


@router.post(EVALUATION + "/reopen-votes")
def reopen_vote(
    plan: str,
    code: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """A signer agrees, for their party, to reopen a party's submission."""
    the_plan, ev = ratings.load(session, actor, plan, code)
    target = form.get("target", "")
    ratings.vote_reopen(
        session=session,
        actor=actor,
        plan_code=plan,
        code=code,
        target=target,
        party_code=form.get("party") or None,
    )
    return back(evaluation_url(the_plan, ev, f"?reopen={target}"))
