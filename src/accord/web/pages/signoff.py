"""HTML page of the sign-off: the concluded evaluation, its document's hash, the signatures.

JSON twins: /api/v1/plans/{plan}/evaluations/{code}/signatures, /document and /bundle.
"""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord.i18n import gettext as _
from accord.services import Invalid, documents, evaluations, ratings, signatures
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION, attempts
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


@router.get(EVALUATION + "/sign-off", name="sign_off")
def sign_off(
    request: Request,
    plan: str,
    code: str,
    party: str | None = Query(None),
    signed: str | None = Query(None),
    concluded: int | None = Query(None),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """The concluded evaluation's figures, the document's SHA-256 and its signatures."""
    return _page(
        request, session, actor, plan, code, party=party, signed=signed, concluded=concluded
    )


def _page(
    request: Request,
    session: Session,
    actor: Actor,
    plan_code: str,
    code: str,
    *,
    party: str | None = None,
    signed: str | None = None,
    concluded: int | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    plan, ev = ratings.load(session, actor, plan_code, code)
    # Conflict (409) unless the evaluation is concluded: there is nothing to sign before
    text = signatures.document_text(session=session, actor=actor, plan=plan, code=code)
    state = signatures.signatures_of(session=session, actor=actor, plan=plan, code=code)
    sha256 = state["document_sha256"] or hashlib.sha256(text.encode("utf-8")).hexdigest()
    doc = documents.summary_document(
        evaluations.summarize_evaluation(session=session, plan=plan, code=ev.code)
    )
    signer_parties = parties_for(actor, plan, "evaluation.sign")
    signing = pick_party([p for p in signer_parties if p.code in state["pending"]], party)
    has_key = (
        actor.user_id is not None
        and signatures.signing_key_of(session=session, user_id=actor.user_id) is not None
    )
    message = None
    if signed in {p.code for p in plan.parties}:
        message = _("%(party)s has signed.", party=signed)
        if state["status"] == "signed":
            message += " " + _("Every party has signed: the evaluation is sealed.")
    elif concluded:
        message = _("The evaluation is concluded: the parties’ signers can sign it now.")
    return render(
        request,
        "rounds/sign_off.html",
        {
            "plan": plan,
            "evaluation": ev,
            "nav": round_nav(plan, ev, "sign-off"),
            "doc": doc,
            "state": state,
            "sha256": sha256,
            "signing": signing if ev.status == "concluded" else None,
            "has_key": has_key,
            "is_signer": bool(signer_parties),
            "message": message,
            "problem": problem,
        },
        status_code=status_code,
    )


@router.post(EVALUATION + "/signatures")
def sign(
    request: Request,
    plan: str,
    code: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Sign the concluded evaluation for the actor's party with their key's passphrase."""
    the_plan, ev = ratings.load(session, actor, plan, code)
    party = form.get("party") or None
    try:
        sig = signatures.sign_evaluation(
            session=session,
            actor=actor,
            plan=the_plan,
            code=code,
            passphrase=form.get("passphrase", ""),
            party_code=party,
            **attempts(request),
        )
    except Invalid as exc:
        # a mistyped passphrase: show the page again with the message beside the field
        return _page(
            request, session, actor, plan, code, party=party, problem=str(exc), status_code=422
        )
    return back(evaluation_url(the_plan, ev, f"/sign-off?signed={sig.party.code}"))
