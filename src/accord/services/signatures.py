"""Signatures: each party's signer signs the canonical form of a concluded evaluation (Ed25519).

Key model: one Ed25519 key pair per signer account.  The private key is stored as PKCS#8 PEM
encrypted with the signer's passphrase, so the server holds it but cannot use it without the
passphrase, which is sent with each signing request and never stored.  See docs/signatures.md.

Every party signs the same bytes: the first signature stores the canonical document text and
later ones must reproduce it exactly.  `export_bundle` writes the document, its signatures and
public keys; `verify_bundle` checks such a bundle offline, without a database.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord import i18n, permissions

# the bundle format and its offline verification live in accord.formats.signed_bundle
from accord.formats.signed_bundle import (
    BUNDLE_FORMAT,
    DOCUMENT_FORMAT,
    MIN_PASSPHRASE,
    b64,
    fingerprint,
    seal,
    sha256_hex,
)
from accord.i18n import gettext as _
from accord.models import (
    Evaluation,
    JointRating,
    Party,
    Plan,
    Signature,
    SigningKey,
    Standard,
    User,
)

from . import Conflict, Invalid, NotFound, Refused, audit, documents, throttle
from .actors import Actor, actor_for
from .audit import canonical
from .evaluations import get_evaluation, summarize_evaluation
from .evidence_lifecycle import record_references

if TYPE_CHECKING:
    # imported where keys are made or unlocked: OpenSSL's bindings cost every worker ~8 MB
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# --- keys -------------------------------------------------------------------------------


def create_signing_key(
    *, session: Session, actor: Actor, passphrase: str, user: User | None = None
) -> SigningKey:
    """A new Ed25519 key pair for the actor's own account (a signer), locked by `passphrase`.

    `user` lets the local system operator create a demo signer's key; nobody else may.
    """
    if user is None:
        if actor.user_id is None:
            raise permissions.Forbidden(_("the system operator has no signing key of its own"))
        user = session.get(User, actor.user_id)
        if user is None:
            raise NotFound(_("no such user"))
        owner = actor
    elif actor.is_system:
        owner = actor_for(session, user)
    else:
        raise permissions.Forbidden(_("only the key's owner creates a signing key"))
    if not _may_sign_somewhere(session, owner):
        raise permissions.Forbidden(
            _("%(user)s signs for no party: no signing key needed", user=user.username)
        )
    if len(passphrase) < MIN_PASSPHRASE:
        raise Invalid(_("passphrase: at least %(min)s characters", min=MIN_PASSPHRASE))
    if session.scalar(select(SigningKey.id).where(SigningKey.user_id == user.id)) is not None:
        raise Conflict(_("%(user)s already has a signing key", user=user.username))
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
    )
    key = SigningKey(
        user_id=user.id,
        public_key=b64(raw),
        private_key_pem=pem.decode("ascii"),
        fingerprint=sha256_hex(raw),
    )
    session.add(key)
    session.flush()
    audit.record(
        session,
        actor,
        "signing_key.create",
        "user",
        user.username,
        after={"public_key": key.public_key, "fingerprint": key.fingerprint},
    )
    return key


def _may_sign_somewhere(session: Session, actor: Actor) -> bool:
    for role in actor.roles:
        plan = session.get(Plan, role.plan_id)
        if plan is not None and permissions.can(
            actor, "evaluation.sign", plan=plan, party_id=role.party_id
        ):
            return True
    return False


def signing_key_of(*, session: Session, user_id: int) -> SigningKey | None:
    """A user's signing key, if they made one."""
    return session.scalar(select(SigningKey).where(SigningKey.user_id == user_id))


def _unlock(key: SigningKey, passphrase: str) -> Ed25519PrivateKey:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        private = serialization.load_pem_private_key(
            key.private_key_pem.encode("ascii"), passphrase.encode("utf-8")
        )
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise Invalid(_("passphrase: it does not unlock your signing key")) from None
    if not isinstance(private, Ed25519PrivateKey):
        raise Conflict(_("the stored signing key is not an Ed25519 key"))
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    if b64(raw) != key.public_key:
        raise Conflict(_("the stored signing key does not match its public key"))
    return private


# --- the signed document ------------------------------------------------------------------


def _fixed(x: Any) -> str | None:
    # scores as fixed-point text: JSON numbers are printed differently across languages
    return None if x is None else f"{x:.4f}"


def _node(n: dict[str, Any]) -> dict[str, Any]:
    c = n["counts"]
    return {
        "code": n["code"],
        "score": _fixed(n["score"]),
        "met": c["met"],
        "applicable": c["applicable"],
    }


def evaluation_document(*, session: Session, plan: Plan, evaluation: Evaluation) -> str:
    """The canonical JSON text every party signs for `evaluation` (see docs/signatures.md)."""
    view = summarize_evaluation(session=session, plan=plan, code=evaluation.code)
    summary = documents.summary_document(view)
    version = evaluation.framework_version
    # sorted here, not by the database, whose collation may not order by code point
    rows = sorted(
        (code, level, rationale)
        for code, level, rationale in session.execute(
            select(Standard.code, JointRating.level, JointRating.rationale)
            .join(Standard, Standard.id == JointRating.standard_id)
            .where(JointRating.evaluation_id == evaluation.id)
        )
    )
    progress = summary["progress"]
    doc = {
        "format": DOCUMENT_FORMAT,
        "plan": {"code": plan.code, "title": plan.title},
        "parties": [{"code": p.code, "name": p.name} for p in plan.parties],
        "evaluation": {
            "code": evaluation.code,
            "uid": evaluation.uid,
            "label": evaluation.label,
            "held_on": evaluation.held_on.isoformat(),
            "kind": evaluation.kind,
        },
        "framework": {
            "code": view.framework.code,
            "version": version.version,
            "content_hash": version.content_hash,
        },
        "joint_ratings": [
            {"code": code, "level": level, "rationale": rationale}
            for code, level, rationale in rows
        ],
        "summary": {
            "plan": _node(summary["plan_score"]),
            "conditions": [
                {**_node(c), "fields": [_node(f) for f in c["fields"]]}
                for c in summary["conditions"]
            ],
            "stages": [
                {
                    "code": st["code"],
                    "ready": st["ready"],
                    "required": st["required"],
                    "met": st["met"],
                    "not_applicable": st["not_applicable"],
                    "blocking": st["blocking"],
                }
                for st in summary["stages"]
            ],
            "progress": {
                "previous_evaluation": view.previous.code if view.previous else None,
                "statement": progress["statement"] if progress else None,
                "meaningful": progress["meaningful"] if progress else None,
            },
        },
        "illustrative": bool(summary["illustrative"]),
    }
    evidence = record_references(session, evaluation)
    if evidence:  # only then: documents without evidence read as they always did
        doc["evidence"] = evidence
    return canonical(doc)


def document_text(*, session: Session, actor: Actor, plan: Plan, code: str) -> str:
    """The text signed for an evaluation: as stored once signed, else as it would be signed."""
    permissions.require(actor, "plan.view", plan=plan)
    ev = get_evaluation(session=session, plan=plan, code=code)
    stored = _signatures(session, ev)
    if stored:
        return stored[0][0].document
    if ev.status not in ("concluded", "signed"):
        raise Conflict(
            _(
                "evaluation %(evaluation)s is %(status)s, not concluded",
                evaluation=ev.code,
                status=i18n.term(ev.status),
            )
        )
    return evaluation_document(session=session, plan=plan, evaluation=ev)


# --- signing ------------------------------------------------------------------------------


def _signatures(session: Session, ev: Evaluation) -> list[tuple[Signature, str, str]]:
    """(signature, party code, signer username), by party code (as Python orders text)."""
    rows = session.execute(
        select(Signature, Party.code, User.username)
        .join(Party, Party.id == Signature.party_id)
        .join(User, User.id == Signature.user_id)
        .where(Signature.evaluation_id == ev.id)
    )
    return sorted(((s, p, u) for s, p, u in rows), key=lambda row: row[1])


def sign_evaluation(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    code: str,
    passphrase: str,
    party_code: str | None = None,
    client: str = "",
    policy: throttle.Policy | None = None,
) -> Signature:
    """Sign a concluded evaluation for the actor's party; the last party's signature seals it.

    Wrong passphrases count toward a lock-out (`policy`, default 5 in 15 minutes) like wrong
    passwords, so a stolen session cannot guess a signer's passphrase at leisure."""
    party_id = permissions.acting_party(actor, plan, "evaluation.sign", party_code)
    party = next(p for p in plan.parties if p.id == party_id)
    ev = get_evaluation(session=session, plan=plan, code=code)
    existing = _signatures(session, ev)
    if any(s.party_id == party_id for s, _, _ in existing):
        raise Conflict(
            _(
                "evaluation %(evaluation)s is already signed by %(party)s",
                evaluation=ev.code,
                party=party.code,
            )
        )
    if ev.status != "concluded":
        raise Conflict(
            _(
                "evaluation %(evaluation)s is %(status)s, not concluded",
                evaluation=ev.code,
                status=i18n.term(ev.status),
            )
        )
    assert actor.user_id is not None  # acting_party found a signer role, so a real user
    key = signing_key_of(session=session, user_id=actor.user_id)
    if key is None:
        raise Conflict(
            _(
                "%(user)s has no signing key: create one with `accord key create` or "
                "POST /api/v1/me/signing-key",
                user=actor.username,
            )
        )
    policy = policy or throttle.Policy()
    who = {"username": actor.username, "client": client or f"user:{actor.username}"}
    throttle.check(session=session, scope="passphrase", policy=policy, **who)
    try:
        private = _unlock(key, passphrase)
    except Invalid as exc:
        throttle.failed(session=session, scope="passphrase", policy=policy, **who)
        raise Refused(str(exc)) from None
    throttle.succeeded(session=session, scope="passphrase", username=actor.username)
    text = evaluation_document(session=session, plan=plan, evaluation=ev)
    if existing and existing[0][0].document != text:
        raise Conflict(
            _(
                "evaluation %(evaluation)s changed after %(party)s signed it: its "
                "document no longer matches the signed one",
                evaluation=ev.code,
                party=existing[0][1],
            )
        )
    data = text.encode("utf-8")
    sig = Signature(
        evaluation_id=ev.id,
        party_id=party_id,
        user_id=actor.user_id,
        public_key=key.public_key,
        signature=b64(private.sign(data)),
        document_sha256=sha256_hex(data),
        document=text,
        signed_at=dt.datetime.now(dt.UTC),
    )
    session.add(sig)
    session.flush()
    target = f"{plan.code}/{ev.code}"
    audit.record(
        session,
        actor,
        "evaluation.sign",
        "evaluation",
        target,
        party=party.code,
        after={
            "document_sha256": sig.document_sha256,
            "fingerprint": key.fingerprint,
            "signature": sig.signature,
        },
    )
    # counted after audit.record, which serialises writers on PostgreSQL: two parties signing
    # at once cannot both miss each other's signature
    signed = set(
        session.scalars(select(Signature.party_id).where(Signature.evaluation_id == ev.id))
    )
    if signed >= {p.id for p in plan.parties}:
        ev.status = "signed"
        session.flush()
        audit.record(
            session,
            actor,
            "evaluation.status",
            "evaluation",
            target,
            party=party.code,
            before={"status": "concluded"},
            after={"status": "signed"},
        )
    return sig


def _when(at: dt.datetime) -> str:
    at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)  # SQLite returns naive UTC
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry(sig: Signature, party: str, signer: str) -> dict[str, str]:
    return {
        "party": party,
        "signer": signer,
        "public_key": sig.public_key,
        "fingerprint": fingerprint(sig.public_key),
        "signature": sig.signature,
        "signed_at": _when(sig.signed_at),
    }


def signatures_of(*, session: Session, actor: Actor, plan: Plan, code: str) -> dict[str, Any]:
    """An evaluation's signatures, the document hash they cover and the parties still to sign."""
    permissions.require(actor, "plan.view", plan=plan)
    ev = get_evaluation(session=session, plan=plan, code=code)
    rows = _signatures(session, ev)
    signed = {p for _, p, _ in rows}
    return {
        "plan": plan.code,
        "evaluation": ev.code,
        "status": ev.status,
        "document_sha256": rows[0][0].document_sha256 if rows else None,
        "signatures": [_entry(s, p, u) for s, p, u in rows],
        "pending": [p.code for p in plan.parties if p.code not in signed],
    }


def export_bundle(*, session: Session, actor: Actor, plan: Plan, code: str) -> bytes:
    """The signed evaluation as a self-contained bundle: canonical JSON and a newline."""
    permissions.require(actor, "plan.view", plan=plan)
    ev = get_evaluation(session=session, plan=plan, code=code)
    rows = _signatures(session, ev)
    if not rows:
        raise Conflict(_("evaluation %(evaluation)s has no signatures yet", evaluation=ev.code))
    bundle: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "document": rows[0][0].document,
        "document_sha256": rows[0][0].document_sha256,
        "signatures": [_entry(s, p, u) for s, p, u in rows],
    }
    bundle["bundle_sha256"] = seal(bundle)
    return (canonical(bundle) + "\n").encode("utf-8")
