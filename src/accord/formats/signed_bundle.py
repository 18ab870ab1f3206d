"""The signed-evaluation bundle: its format, sealing, and offline verification.

Pure: no database.  `verify_bundle` checks a bundle written by accord.services.signatures
(or by anyone following docs/signatures.md) and names the first check that fails.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from accord.services.audit import canonical

DOCUMENT_FORMAT = "accord/evaluation@1"
BUNDLE_FORMAT = "accord/signed-evaluation@1"
MIN_PASSPHRASE = 8
BUNDLE_KEYS = {"format", "document", "document_sha256", "signatures", "bundle_sha256"}
SIGNATURE_KEYS = {"party", "signer", "public_key", "fingerprint", "signature", "signed_at"}


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, size: int) -> bytes | None:
    """Strict base64 of exactly `size` bytes, in its one canonical spelling; None otherwise."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
    return raw if len(raw) == size and b64(raw) == text else None


def fingerprint(public_key_b64: str) -> str:
    """SHA-256 hex of the raw 32-byte public key."""
    return sha256_hex(base64.b64decode(public_key_b64))


def seal(bundle: dict[str, Any]) -> str:
    rest = {k: v for k, v in bundle.items() if k != "bundle_sha256"}
    return sha256_hex(canonical(rest).encode("utf-8"))


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
    # imported here, not by every server worker that never verifies a bundle (~8 MB)
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

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
    check("document hash", sha256_hex(body) == bundle["document_sha256"], "document_sha256")
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
        raw_key = unb64(entry["public_key"], 32)
        check(
            f"public key of {party}",
            raw_key is not None and sha256_hex(raw_key) == entry["fingerprint"],
            f"fingerprint {entry['fingerprint']}",
        )
        assert raw_key is not None
        raw_sig = unb64(entry["signature"], 64)
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
        seal(bundle) == bundle["bundle_sha256"],
        "bundle_sha256, over everything including the unsigned signer names and times",
    )


def _shape(bundle: Any) -> str:
    """What is wrong with the bundle's structure, or ''."""
    if not isinstance(bundle, dict) or set(bundle) != BUNDLE_KEYS:
        return f"expected an object with exactly the keys {', '.join(sorted(BUNDLE_KEYS))}"
    if bundle["format"] != BUNDLE_FORMAT:
        return f"format is {bundle['format']!r}, not {BUNDLE_FORMAT!r}"
    if not all(isinstance(bundle[k], str) for k in BUNDLE_KEYS - {"signatures"}):
        return "format, document, document_sha256 and bundle_sha256 must be strings"
    sigs = bundle["signatures"]
    if not isinstance(sigs, list) or not sigs:
        return "signatures must be a non-empty list"
    for i, s in enumerate(sigs):
        if not isinstance(s, dict) or set(s) != SIGNATURE_KEYS:
            return f"signatures[{i}]: expected exactly the keys {', '.join(sorted(SIGNATURE_KEYS))}"
        if not all(isinstance(v, str) for v in s.values()):
            return f"signatures[{i}]: every value must be a string"
    if [s["party"] for s in sigs] != sorted(s["party"] for s in sigs):
        return "signatures must be sorted by party"
    return ""
