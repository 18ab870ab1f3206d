"""OSCAL assessment results of a concluded evaluation (the document: formats.oscal_results).

The evidence behind the ratings goes in as back-matter resources linked from the rating
observations ("relevant-evidence"): shared evidence only, as in the signed record, since the
file is the same for every reader; party-only evidence never leaves its party.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord import i18n, permissions
from accord.formats import oscal_results
from accord.formats.signed_bundle import fingerprint
from accord.i18n import gettext as _
from accord.models import JointRating, Party, PartyRating, Plan, Signature, Standard, User

from . import Conflict
from .actors import Actor
from .evaluations import get_evaluation
from .evidence_lifecycle import record_references
from .frameworks import framework_of


def assessment_results(*, session: Session, actor: Actor, plan: Plan, code: str) -> str:
    """The OSCAL assessment-results JSON of a concluded or signed evaluation."""
    permissions.require(actor, "plan.view", plan=plan)
    ev = get_evaluation(session=session, plan=plan, code=code)
    if ev.status not in ("concluded", "signed"):
        # blind rating: party ratings stay unseen until the evaluation is concluded
        raise Conflict(
            _(
                "evaluation %(evaluation)s is %(status)s: only a concluded or signed "
                "evaluation is exported",
                evaluation=ev.code,
                status=i18n.term(ev.status),
            )
        )
    fw = framework_of(ev.framework_version)
    ratings = [
        oscal_results.Rating(party, std, level, rationale or "", at)
        for party, std, level, rationale, at in session.execute(
            select(
                Party.code,
                Standard.code,
                PartyRating.level,
                PartyRating.rationale,
                PartyRating.updated_at,
            )
            .join(Party, Party.id == PartyRating.party_id)
            .join(Standard, Standard.id == PartyRating.standard_id)
            .where(PartyRating.evaluation_id == ev.id)
        )
    ]
    ratings += [
        oscal_results.Rating("", std, level, rationale or "", at)
        for std, level, rationale, at in session.execute(
            select(Standard.code, JointRating.level, JointRating.rationale, JointRating.updated_at)
            .join(Standard, Standard.id == JointRating.standard_id)
            .where(JointRating.evaluation_id == ev.id)
        )
    ]
    sigs = sorted(
        (
            oscal_results.SignatureInfo(
                party=party,
                signer=signer,
                public_key=sig.public_key,
                fingerprint=fingerprint(sig.public_key),
                signature=sig.signature,
                document_sha256=sig.document_sha256,
                signed_at=sig.signed_at,
            )
            for sig, party, signer in session.execute(
                select(Signature, Party.code, User.username)
                .join(Party, Party.id == Signature.party_id)
                .join(User, User.id == Signature.user_id)
                .where(Signature.evaluation_id == ev.id)
            )
        ),
        key=lambda s: s.party,
    )
    data = oscal_results.ResultsInput(
        plan_code=plan.code,
        plan_title=plan.title,
        parties=tuple((p.code, p.name) for p in plan.parties),
        evaluation_uid=ev.uid,
        evaluation_code=ev.code,
        evaluation_label=ev.label,
        evaluation_status=ev.status,
        held_on=ev.held_on,
        framework=fw,
        framework_version=ev.framework_version.version,
        content_hash=ev.framework_version.content_hash,
        ratings=tuple(ratings),
        signatures=tuple(sigs),
    )
    doc = oscal_results.build(data)
    _add_evidence(doc, record_references(session, ev))
    return oscal_results.dumps(doc)


def _add_evidence(doc: dict[str, Any], refs: list[dict[str, Any]]) -> None:
    """Each shared piece of evidence as a resource, referenced by the observations it backs."""
    if not refs:
        return
    ar = doc["assessment-results"]
    (result,) = ar["results"]
    by_rating: dict[tuple[str, str], dict[str, Any]] = {}
    for obs in result.get("observations", []):
        props = {p["name"]: p["value"] for p in obs["props"]}
        who = "joint" if props["rating-kind"] == "joint" else obs["title"].split("'s rating")[0]
        by_rating[(props["standard"], who)] = obs
    resources = ar["back-matter"]["resources"]
    for ref in refs:
        rid = str(uuid.uuid5(uuid.UUID(ar["uuid"]), f"evidence/{ref['uid']}"))
        tags = [
            {"name": "evidence-kind", "ns": oscal_results.NS, "value": ref["kind"]},
            {"name": "releasability", "ns": oscal_results.NS, "value": ref["releasability"]},
            {"name": "effective-on", "ns": oscal_results.NS, "value": ref["effective_on"]},
        ]
        if ref["expires_on"]:
            tags.append({"name": "expires-on", "ns": oscal_results.NS, "value": ref["expires_on"]})
        resource: dict[str, Any] = {
            "uuid": rid,
            "title": ref["title"] or ref["kind"],
            "description": ref["note"]
            or f"Evidence ({ref['kind']}) behind the {ref['rating']} rating of {ref['standard']}.",
            "props": tags,
        }
        if ref["url"]:
            resource["rlinks"] = [{"href": ref["url"]}]
        elif ref["sha256"]:
            resource["rlinks"] = [
                {
                    "href": f"evidence/{ref['sha256']}",
                    "media-type": ref["media_type"] or "application/octet-stream",
                    "hashes": [{"algorithm": "SHA-256", "value": ref["sha256"]}],
                }
            ]
        resources.append(resource)
        obs = by_rating.get((ref["standard"], ref["rating"]))
        if obs is not None:
            obs.setdefault("relevant-evidence", []).append(
                {"href": f"#{rid}", "description": resource["title"]}
            )
