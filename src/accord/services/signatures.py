"""Signatures: each party's signer signs the canonical form of a concluded evaluation (Ed25519).

Key model: one Ed25519 key pair per signer account.  The private key is stored as PKCS#8 PEM
encrypted with the signer's passphrase, so the server holds it but cannot use it without the
passphrase, which is sent with each signing request and never stored.  See docs/signatures.md.

Every party signs the same bytes: the first signature stores the canonical document text and
later ones must reproduce it exactly.  `export_bundle` writes the document, its signatures and
public keys; `verify_bundle` checks such a bundle offline, without a database.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from accord import permissions
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

from . import Conflict, Invalid, NotFound, audit, documents
from .actors import Actor, actor_for
from .audit import canonical
from .evaluations import get_evaluation, summarize_evaluation

DOCUMENT_FORMAT = "accord/evaluation@1"
BUNDLE_FORMAT = "accord/signed-evaluation@1"
MIN_PASSPHRASE = 8
_BUNDLE_KEYS = {"format", "document", "document_sha256", "signatures", "bundle_sha256"}
_SIGNATURE_KEYS = {"party", "signer", "public_key", "fingerprint", "signature", "signed_at"}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, size: int) -> bytes | None:
    """Strict base64 of exactly `size` bytes, in its one canonical spelling; None otherwise."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
    return raw if len(raw) == size and _b64(raw) == text else None


def fingerprint(public_key_b64: str) -> str:
    """SHA-256 hex of the raw 32-byte public key."""
    return _sha256(base64.b64decode(public_key_b64))


# --- keys -------------------------------------------------------------------------------


def create_signing_key(
    *, session: Session, actor: Actor, passphrase: str, user: User | None = None
) -> SigningKey:
    """A new Ed25519 key pair for the actor's own account (a signer), locked by `passphrase`.

    `user` lets the local system operator create a demo signer's key; nobody else may.
    """
    if user is None:
        if actor.user_id is None:
            raise permissions.Forbidden("the system operator has no signing key of its own")
        user = session.get(User, actor.user_id)
        if user is None:
            raise NotFound("no such user")
        owner = actor
    elif actor.is_system:
        owner = actor_for(session, user)
    else:
        raise permissions.Forbidden("only the key's owner creates a signing key")
    if not _may_sign_somewhere(session, owner):
        raise permissions.Forbidden(f"{user.username} signs for no party: no signing key needed")
    if len(passphrase) < MIN_PASSPHRASE:
        raise Invalid(f"passphrase: at least {MIN_PASSPHRASE} characters")
    if session.scalar(select(SigningKey.id).where(SigningKey.user_id == user.id)) is not None:
        raise Conflict(f"{user.username} already has a signing key")
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
        public_key=_b64(raw),
        private_key_pem=pem.decode("ascii"),
        fingerprint=_sha256(raw),
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
    try:
        private = serialization.load_pem_private_key(
            key.private_key_pem.encode("ascii"), passphrase.encode("utf-8")
        )
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise Invalid("passphrase: it does not unlock your signing key") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise Conflict("the stored signing key is not an Ed25519 key")
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    if _b64(raw) != key.public_key:
        raise Conflict("the stored signing key does not match its public key")
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
    return canonical(doc)


def document_text(*, session: Session, actor: Actor, plan: Plan, code: str) -> str:
    """The text signed for an evaluation: as stored once signed, else as it would be signed."""
    permissions.require(actor, "plan.view", plan=plan)
    ev = get_evaluation(session=session, plan=plan, code=code)
    stored = _signatures(session, ev)
    if stored:
        return stored[0][0].document
    if ev.status not in ("concluded", "signed"):
        raise Conflict(f"evaluation {ev.code} is {ev.status}, not concluded")
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
) -> Signature:
    """Sign a concluded evaluation for the actor's party; the last party's signature seals it."""
    party_id = permissions.acting_party(actor, plan, "evaluation.sign", party_code)
    party = next(p for p in plan.parties if p.id == party_id)
    ev = get_evaluation(session=session, plan=plan, code=code)
    existing = _signatures(session, ev)
    if any(s.party_id == party_id for s, _, _ in existing):
        raise Conflict(f"evaluation {ev.code} is already signed by {party.code}")
    if ev.status != "concluded":
        raise Conflict(f"evaluation {ev.code} is {ev.status}, not concluded")
    assert actor.user_id is not None  # acting_party found a signer role, so a real user
    key = signing_key_of(session=session, user_id=actor.user_id)
    if key is None:
        raise Conflict(
            f"{actor.username} has no signing key: create one with `accord key create` "
            "or POST /api/v1/me/signing-key"
        )
    private = _unlock(key, passphrase)
    text = evaluation_document(session=session, plan=plan, evaluation=ev)
    if existing and existing[0][0].document != text:
        raise Conflict(
            f"evaluation {ev.code} changed after {existing[0][1]} signed it: "
            "its document no longer matches the signed one"
        )
    data = text.encode("utf-8")
    sig = Signature(
        evaluation_id=ev.id,
        party_id=party_id,
        user_id=actor.user_id,
        public_key=key.public_key,
        signature=_b64(private.sign(data)),
        document_sha256=_sha256(data),
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


def _seal(bundle: dict[str, Any]) -> str:
    rest = {k: v for k, v in bundle.items() if k != "bundle_sha256"}
    return _sha256(canonical(rest).encode("utf-8"))


def export_bundle(*, session: Session, actor: Actor, plan: Plan, code: str) -> bytes:
    """The signed evaluation as a self-contained bundle: canonical JSON and a newline."""
    permissions.require(actor, "plan.view", plan=plan)
    ev = get_evaluation(session=session, plan=plan, code=code)
    rows = _signatures(session, ev)
    if not rows:
        raise Conflict(f"evaluation {ev.code} has no signatures yet")
    bundle: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "document": rows[0][0].document,
        "document_sha256": rows[0][0].document_sha256,
        "signatures": [_entry(s, p, u) for s, p, u in rows],
    }
    bundle["bundle_sha256"] = _seal(bundle)
    return (canonical(bundle) + "\n").encode("utf-8")


# --- offline verification -----------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class VerifyResult:
    checks: tuple[Check, ...]
    plan: str | None = None
    evaluation: str | None = None
    signatures: tuple[dict[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failed(self) -> Check | None:
        """The first failed check, if any."""
        return next((c for c in self.checks if not c.ok), None)


class _Failed(Exception):
    pass


class _Checks:
    def __init__(self) -> None:
        self.done: list[Check] = []
        self.found: dict[str, Any] = {}

    def __call__(self, name: str, ok: bool, detail: str = "") -> None:
        self.done.append(Check(name, ok, detail))
        if not ok:
            raise _Failed


def verify_bundle(data: bytes) -> VerifyResult:
    """Check a bundle offline, in order; stops at the first failed check and names it."""
    check = _Checks()
    with contextlib.suppress(_Failed):
        _verify(data, check)
    return VerifyResult(tuple(check.done), **check.found)


def _verify(data: bytes, check: _Checks) -> None:
    try:
        bundle = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError too
        check("bundle is UTF-8 JSON", False, str(exc) or "nested too deeply")
        return
    check("bundle is UTF-8 JSON", True)
    problem = _shape(bundle)
    check("bundle format", not problem, problem or BUNDLE_FORMAT)
    check(
        "bundle is canonical",
        (canonical(bundle) + "\n").encode("utf-8") == data,
        "sorted keys, no whitespace, one final newline",
    )
    document: str = bundle["document"]
    body = document.encode("utf-8")
    check("document hash", _sha256(body) == bundle["document_sha256"], "document_sha256")
    try:
        doc = json.loads(document)
        parties = [p["code"] for p in doc["parties"]]
        check.found.update(plan=doc["plan"]["code"], evaluation=doc["evaluation"]["code"])
        ok, detail = doc["format"] == DOCUMENT_FORMAT and canonical(doc) == document, ""
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        ok, detail = False, f"not an {DOCUMENT_FORMAT} document: {exc!r}"
    check("document format", ok, detail or DOCUMENT_FORMAT)
    check.found["signatures"] = tuple(bundle["signatures"])
    for entry in bundle["signatures"]:
        party = entry["party"]
        raw_key = _unb64(entry["public_key"], 32)
        check(
            f"public key of {party}",
            raw_key is not None and _sha256(raw_key) == entry["fingerprint"],
            f"fingerprint {entry['fingerprint']}",
        )
        assert raw_key is not None
        raw_sig = _unb64(entry["signature"], 64)
        try:
            if raw_sig is None:
                raise InvalidSignature
            Ed25519PublicKey.from_public_bytes(raw_key).verify(raw_sig, body)
            valid = True
        except (InvalidSignature, ValueError):
            valid = False
        check(f"signature of {party}", valid, "Ed25519 over the UTF-8 bytes of the document")
    signed = [e["party"] for e in bundle["signatures"]]
    missing = [p for p in parties if p not in signed]
    extra = sorted({p for p in signed if p not in parties or signed.count(p) > 1})
    problems = [f"{p} has not signed" for p in missing]
    problems += [f"unexpected or repeated signature of {p}" for p in extra]
    check("every party signed", not problems, "; ".join(problems) or ", ".join(parties))
    # last, so that a change to signed content is reported by the check that explains it
    check(
        "bundle checksum",
        _seal(bundle) == bundle["bundle_sha256"],
        "bundle_sha256, over everything including the unsigned signer names and times",
    )


def _shape(bundle: Any) -> str:
    """What is wrong with the bundle's structure, or ''."""
    if not isinstance(bundle, dict) or set(bundle) != _BUNDLE_KEYS:
        return f"expected an object with exactly the keys {', '.join(sorted(_BUNDLE_KEYS))}"
    if bundle["format"] != BUNDLE_FORMAT:
        return f"format is {bundle['format']!r}, not {BUNDLE_FORMAT!r}"
    if not all(isinstance(bundle[k], str) for k in _BUNDLE_KEYS - {"signatures"}):
        return "format, document, document_sha256 and bundle_sha256 must be strings"
    sigs = bundle["signatures"]
    if not isinstance(sigs, list) or not sigs:
        return "signatures must be a non-empty list"
    for i, s in enumerate(sigs):
        if not isinstance(s, dict) or set(s) != _SIGNATURE_KEYS:
            return (
                f"signatures[{i}]: expected exactly the keys {', '.join(sorted(_SIGNATURE_KEYS))}"
            )
        if not all(isinstance(v, str) for v in s.values()):
            return f"signatures[{i}]: every value must be a string"
    if [s["party"] for s in sigs] != sorted(s["party"] for s in sigs):
        return "signatures must be sorted by party"
    return ""
