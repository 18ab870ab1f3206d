"""Signatures: signing keys, signing a concluded evaluation, the bundle and offline verification."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from accord.cli import app as cli_app
from accord.db import transaction
from accord.formats import signed_bundle
from accord.models import (
    AuditRecord,
    Evaluation,
    FrameworkVersion,
    JointRating,
    Plan,
    Signature,
    SigningKey,
    Standard,
)
from accord.services import accounts, audit, signatures
from accord.services.actors import SYSTEM
from accord.services.examples import demo_password

PLAN = "opcon-cotp"
EV = f"/api/v1/plans/{PLAN}/evaluations"
Client = Callable[[str], TestClient]


def sign(as_user: Client, who: str, code: str = "2025", **body: Any) -> Any:
    body.setdefault("passphrase", demo_password(who))
    return as_user(who).post(f"{EV}/{code}/signatures", json=body)


def both_sign(as_user: Client, code: str = "2025") -> None:
    for who in ("rok-signer", "us-signer"):
        r = sign(as_user, who, code)
        assert r.status_code == 201, r.text


def bundle_of(factory: sessionmaker[Session], code: str = "2025") -> bytes:
    with factory() as s:
        plan = s.scalar(select(Plan).where(Plan.code == PLAN))
        assert plan is not None
        return signatures.export_bundle(session=s, actor=SYSTEM, plan=plan, code=code)


def reseal(bundle: dict[str, Any], *, rehash: bool = True) -> bytes:
    """Re-serialize a tampered bundle as a forger would: hashes recomputed, canonical form."""
    if rehash:
        bundle["document_sha256"] = hashlib.sha256(bundle["document"].encode()).hexdigest()
    rest = {k: v for k, v in bundle.items() if k != "bundle_sha256"}
    bundle["bundle_sha256"] = hashlib.sha256(audit.canonical(rest).encode()).hexdigest()
    return (audit.canonical(bundle) + "\n").encode()


# --- signing ------------------------------------------------------------------------------


def test_both_signers_sign_2025_and_it_becomes_signed(
    as_user: Client, factory: sessionmaker[Session]
) -> None:
    r = sign(as_user, "rok-signer")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "concluded" and body["pending"] == ["US"]
    assert [s["party"] for s in body["signatures"]] == ["ROK"]
    r = sign(as_user, "us-signer")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "signed" and body["pending"] == []
    assert [(s["party"], s["signer"]) for s in body["signatures"]] == [
        ("ROK", "rok-signer"),
        ("US", "us-signer"),
    ]
    listed = as_user("observer").get(f"{EV}").json()
    assert {e["code"]: e["status"] for e in listed}["2025"] == "signed"
    with factory() as s:
        actions = s.scalars(select(AuditRecord.action).order_by(AuditRecord.seq)).all()
        assert actions[-3:] == ["evaluation.sign", "evaluation.sign", "evaluation.status"]
        assert audit.verify(s).ok


def test_the_signed_document_is_canonical_and_complete(
    as_user: Client, factory: sessionmaker[Session]
) -> None:
    preview = as_user("observer").get(f"{EV}/2025/document")
    assert preview.status_code == 200
    both_sign(as_user)
    with factory() as s:
        rows = s.scalars(select(Signature).order_by(Signature.party_id)).all()
        fw_hash = s.scalar(select(FrameworkVersion.content_hash))
        keys = {k.user.username: k.public_key for k in s.scalars(select(SigningKey))}
    assert len(rows) == 2 and rows[0].document == rows[1].document == preview.text
    text = rows[0].document
    doc = json.loads(text)
    assert audit.canonical(doc) == text and not text.startswith("{ ") and "\n" not in text
    assert doc["format"] == "accord/evaluation@1"
    assert doc["framework"] == {"code": PLAN, "version": "2018.1", "content_hash": fw_hash}
    assert [p["code"] for p in doc["parties"]] == ["ROK", "US"]
    assert doc["evaluation"]["code"] == "2025" and "status" not in doc["evaluation"]
    codes = [j["code"] for j in doc["joint_ratings"]]
    assert len(codes) == 26 and codes == sorted(codes)
    assert set(doc["joint_ratings"][0]) == {"code", "level", "rationale"}
    summary = doc["summary"]
    assert summary["plan"] == {"code": PLAN, "score": "0.7396", "met": 22, "applicable": 26}
    assert len(summary["conditions"]) == 3 and summary["conditions"][0]["fields"]
    assert {st["code"] for st in summary["stages"]} == {"IOC", "FOC", "FMC"}
    assert summary["progress"]["previous_evaluation"] == "2024"
    assert summary["progress"]["statement"].startswith("Meaningful progress across 7 of 9")
    assert doc["illustrative"] is True
    data = text.encode("utf-8")
    assert rows[0].document_sha256 == hashlib.sha256(data).hexdigest()
    for row, signer in zip(rows, ("rok-signer", "us-signer"), strict=True):
        assert row.public_key == keys[signer]
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(row.public_key))
        key.verify(base64.b64decode(row.signature), data)  # raises if invalid
    signed = as_user("observer").get(f"{EV}/2025/document")
    assert signed.text == text
    assert signed.headers["x-document-sha256"] == rows[0].document_sha256


def test_wrong_passphrase_is_refused(as_user: Client, factory: sessionmaker[Session]) -> None:
    r = sign(as_user, "rok-signer", passphrase="not-the-passphrase")
    assert r.status_code == 422 and r.json()["detail"].startswith("passphrase:")
    with factory() as s:
        assert s.scalars(select(Signature)).all() == []


@pytest.mark.parametrize("who", ["rok-evaluator", "us-evaluator", "observer", "admin"])
def test_only_a_signer_of_the_party_may_sign(as_user: Client, who: str) -> None:
    r = sign(as_user, who, passphrase="whatever-it-is", party="ROK")
    assert r.status_code == 403, r.text


def test_the_other_partys_signer_cannot_sign_for_rok(as_user: Client) -> None:
    r = sign(as_user, "us-signer", party="ROK")
    assert r.status_code == 403 and "ROK" in r.json()["detail"]


def test_an_outsider_is_refused(
    app: Any, as_user: Client, people: dict[str, str], factory: sessionmaker[Session]
) -> None:
    with transaction(factory) as s:
        user = accounts.create_user(
            session=s, actor=SYSTEM, username="outsider", password="outsider-password"
        )
        token, _ = accounts.create_token(session=s, actor=SYSTEM, user=user, name="t")
    outsider = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    both_sign(as_user)
    for path in ("signatures", "bundle", "document"):
        assert outsider.get(f"{EV}/2025/{path}").status_code == 404
    r = outsider.post(f"{EV}/2025/signatures", json={"passphrase": "whatever-it-is"})
    assert r.status_code == 404
    r = outsider.post("/api/v1/me/signing-key", json={"passphrase": "long-enough-pass"})
    assert r.status_code == 403
    anon = TestClient(app)
    assert anon.get(f"{EV}/2025/bundle").status_code == 401


def test_only_concluded_evaluations_are_signed_and_only_once(as_user: Client) -> None:
    r = sign(as_user, "rok-signer", "2026")
    assert r.status_code == 409 and r.json()["detail"] == "evaluation 2026 is open, not concluded"
    assert sign(as_user, "rok-signer").status_code == 201
    again = sign(as_user, "rok-signer")
    assert again.status_code == 409 and "already signed by ROK" in again.json()["detail"]
    assert sign(as_user, "us-signer").status_code == 201
    again = sign(as_user, "us-signer")
    assert again.status_code == 409 and "already signed by US" in again.json()["detail"]
    assert as_user("observer").get(f"{EV}/2026/document").status_code == 409


def test_a_change_between_signatures_is_refused(
    as_user: Client, factory: sessionmaker[Session]
) -> None:
    assert sign(as_user, "rok-signer").status_code == 201
    with transaction(factory) as s:  # what the lifecycle guards forbid, done behind their back
        ev = s.scalar(select(Evaluation).where(Evaluation.code == "2025"))
        assert ev is not None
        row = s.scalar(
            select(JointRating)
            .join(Standard, Standard.id == JointRating.standard_id)
            .where(JointRating.evaluation_id == ev.id, Standard.code == "C1.1.1")
        )
        assert row is not None
        row.rationale = "edited after ROK signed"
    r = sign(as_user, "us-signer")
    assert r.status_code == 409 and "changed after ROK signed" in r.json()["detail"]


# --- keys ---------------------------------------------------------------------------------


def test_demo_signers_have_encrypted_keys(
    people: dict[str, str], factory: sessionmaker[Session]
) -> None:
    with factory() as s:
        keys = {k.user.username: k for k in s.scalars(select(SigningKey))}
    assert set(keys) == {"rok-signer", "us-signer"}
    key = keys["rok-signer"]
    assert key.private_key_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    raw = base64.b64decode(key.public_key)
    assert len(raw) == 32 and key.fingerprint == hashlib.sha256(raw).hexdigest()
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(key.private_key_pem.encode(), None)
    private = serialization.load_pem_private_key(
        key.private_key_pem.encode(), demo_password("rok-signer").encode()
    )
    assert isinstance(private, Ed25519PrivateKey)


def test_creating_a_signing_key(
    app: Any, as_user: Client, people: dict[str, str], factory: sessionmaker[Session]
) -> None:
    r = as_user("rok-signer").post("/api/v1/me/signing-key", json={"passphrase": "another-one"})
    assert r.status_code == 409  # one key per signer: the demo already made it
    r = as_user("rok-evaluator").post("/api/v1/me/signing-key", json={"passphrase": "long-enough"})
    assert r.status_code == 403
    with transaction(factory) as s:
        plan = s.scalar(select(Plan).where(Plan.code == PLAN))
        assert plan is not None
        user = accounts.create_user(
            session=s, actor=SYSTEM, username="rok-signer-2", password="password-2"
        )
        accounts.grant_role(
            session=s, actor=SYSTEM, user=user, plan=plan, role="signer", party_code="ROK"
        )
        token, _ = accounts.create_token(session=s, actor=SYSTEM, user=user, name="t")
    client = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    r = client.post(f"{EV}/2025/signatures", json={"passphrase": "new-passphrase"})
    assert r.status_code == 409 and "no signing key" in r.json()["detail"]
    r = client.post("/api/v1/me/signing-key", json={"passphrase": "short"})
    assert r.status_code == 422 and r.json()["detail"].startswith("passphrase:")
    r = client.post("/api/v1/me/signing-key", json={"passphrase": "new-passphrase"})
    assert r.status_code == 201, r.text
    created = r.json()
    raw = base64.b64decode(created["public_key"])
    assert created["fingerprint"] == hashlib.sha256(raw).hexdigest()
    assert "private" not in json.dumps(created) and "new-passphrase" not in r.text
    with factory() as s:
        rec = s.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc())).first()
        assert rec is not None and rec.action == "signing_key.create"
        assert "new-passphrase" not in rec.after
        key = s.scalar(select(SigningKey).where(SigningKey.fingerprint == created["fingerprint"]))
        assert key is not None and key.user.username == "rok-signer-2"
    r = client.post(f"{EV}/2025/signatures", json={"passphrase": "new-passphrase"})
    assert r.status_code == 201
    assert r.json()["signatures"][0]["fingerprint"] == created["fingerprint"]


# --- bundle and verification --------------------------------------------------------------


def test_bundle_download_and_signature_list(as_user: Client) -> None:
    observer = as_user("observer")
    assert observer.get(f"{EV}/2025/bundle").status_code == 409  # nothing signed yet
    listed = observer.get(f"{EV}/2025/signatures").json()
    assert listed["signatures"] == [] and listed["pending"] == ["ROK", "US"]
    both_sign(as_user)
    r = observer.get(f"{EV}/2025/bundle")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.headers["content-disposition"] == (f'attachment; filename="{PLAN}-2025.signed.json"')
    result = signed_bundle.verify_bundle(r.content)
    assert result.ok and result.plan == PLAN and result.evaluation == "2025"
    listed = observer.get(f"{EV}/2025/signatures").json()
    assert listed["document_sha256"] == json.loads(r.content)["document_sha256"]
    assert {s["fingerprint"] for s in listed["signatures"]} == {
        s["fingerprint"] for s in json.loads(r.content)["signatures"]
    }


def test_export_then_verify(as_user: Client, factory: sessionmaker[Session]) -> None:
    both_sign(as_user)
    data = bundle_of(factory)
    assert data.endswith(b"}\n") and data.count(b"\n") == 1
    bundle = json.loads(data)
    assert bundle["format"] == "accord/signed-evaluation@1"
    assert [s["party"] for s in bundle["signatures"]] == ["ROK", "US"]
    assert set(bundle["signatures"][0]) == {
        "party",
        "signer",
        "public_key",
        "fingerprint",
        "signature",
        "signed_at",
    }
    result = signed_bundle.verify_bundle(data)
    assert result.ok and result.failed is None
    assert [c.name for c in result.checks] == [
        "bundle is UTF-8 JSON",
        "bundle format",
        "bundle is canonical",
        "document hash",
        "document format",
        "public key of ROK",
        "signature of ROK",
        "public key of US",
        "signature of US",
        "every party signed",
        "bundle checksum",
    ]
    assert data == bundle_of(factory)  # exporting twice gives the same bytes


def test_any_changed_byte_fails(as_user: Client, factory: sessionmaker[Session]) -> None:
    both_sign(as_user)
    data = bundle_of(factory)
    text = data.decode()
    bundle = json.loads(data)
    inside = [
        text.index("joint_ratings") + 40,  # inside the document
        text.index(bundle["document_sha256"]) + 7,
        text.index(bundle["signatures"][0]["signature"]) + 20,  # a signature
        text.index(bundle["signatures"][1]["public_key"]) + 43,  # a public key's last character
        text.index(bundle["signatures"][0]["fingerprint"]) + 3,
        text.index(bundle["signatures"][0]["signed_at"]) + 3,  # not signed, but checksummed
        text.index('"signer":"us-signer"') + 15,
        len(data) - 1,  # the final newline
    ]
    positions = sorted(set(inside) | set(range(0, len(data), 7)))
    for pos in positions:
        for mask in (0x01, 0x02, 0x20, 0x80):
            changed = bytearray(data)
            changed[pos] ^= mask
            result = signed_bundle.verify_bundle(bytes(changed))
            assert not result.ok, f"byte {pos} ^ {mask:#x} went unnoticed"
            assert result.failed is not None
    assert signed_bundle.verify_bundle(data[:-1]).failed.name == "bundle is canonical"  # type: ignore[union-attr]
    assert signed_bundle.verify_bundle(data + b"\n").failed.name == "bundle is canonical"  # type: ignore[union-attr]
    for junk in (b"", b"\xff", b"[" * 100_000, b"null", b'{"format":1}'):
        failed = signed_bundle.verify_bundle(junk).failed
        assert failed is not None and failed.name in ("bundle is UTF-8 JSON", "bundle format")


def test_reordered_keys_or_added_whitespace_fail(
    as_user: Client, factory: sessionmaker[Session]
) -> None:
    both_sign(as_user)
    data = bundle_of(factory)
    bundle = json.loads(data)
    reordered = json.dumps(
        dict(reversed(bundle.items())), separators=(",", ":"), ensure_ascii=False
    )
    variants = [
        reordered.encode() + b"\n",
        json.dumps(bundle, sort_keys=True, indent=1, ensure_ascii=False).encode() + b"\n",
        json.dumps(bundle, sort_keys=True, ensure_ascii=False).encode() + b"\n",
        data.replace(b'{"bundle_sha256"', b'{ "bundle_sha256"'),
        data.rstrip(b"\n") + b"\r\n",
        data.replace(b"/", b"\\/", 1),  # the same string, escaped differently
    ]
    for variant in variants:
        assert variant != data
        result = signed_bundle.verify_bundle(variant)
        assert result.failed is not None and result.failed.name == "bundle is canonical"


def test_forgeries_with_recomputed_hashes_fail_on_the_signatures(
    as_user: Client, factory: sessionmaker[Session]
) -> None:
    both_sign(as_user)
    original = json.loads(bundle_of(factory))

    def forged(change: Callable[[dict[str, Any]], None], *, rehash: bool = True) -> str:
        bundle = json.loads(json.dumps(original))
        change(bundle)
        result = signed_bundle.verify_bundle(reseal(bundle, rehash=rehash))
        assert result.failed is not None
        return result.failed.name

    def edit_rating(b: dict[str, Any]) -> None:
        doc = json.loads(b["document"])
        doc["joint_ratings"][1]["level"] = "Full"
        b["document"] = audit.canonical(doc)

    def other_key(b: dict[str, Any]) -> None:
        raw = (
            Ed25519PrivateKey.generate()
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )
        b["signatures"][0]["public_key"] = base64.b64encode(raw).decode()
        b["signatures"][0]["fingerprint"] = hashlib.sha256(raw).hexdigest()

    def swap(b: dict[str, Any]) -> None:
        b["signatures"][0]["signature"], b["signatures"][1]["signature"] = (
            b["signatures"][1]["signature"],
            b["signatures"][0]["signature"],
        )

    def bad_fingerprint(b: dict[str, Any]) -> None:
        b["signatures"][1]["fingerprint"] = "0" * 64

    assert forged(edit_rating) == "signature of ROK"
    assert forged(edit_rating, rehash=False) == "document hash"
    assert forged(other_key) == "signature of ROK"
    assert forged(swap) == "signature of ROK"
    assert forged(bad_fingerprint) == "public key of US"
    assert forged(lambda b: b["signatures"].pop()) == "every party signed"
    assert forged(lambda b: b["signatures"].append(dict(b["signatures"][1]))) == (
        "every party signed"
    )
    assert forged(lambda b: b.update(format="accord/other@1")) == "bundle format"
    # what the design does not protect (docs/signatures.md): the server's record of who and when
    bundle = json.loads(json.dumps(original))
    bundle["signatures"][0]["signer"] = "someone-else"
    assert signed_bundle.verify_bundle(reseal(bundle)).ok


def test_a_partly_signed_bundle_does_not_verify(
    as_user: Client, factory: sessionmaker[Session]
) -> None:
    assert sign(as_user, "rok-signer").status_code == 201
    result = signed_bundle.verify_bundle(bundle_of(factory))
    assert result.failed is not None and result.failed.name == "every party signed"
    assert "US has not signed" in result.failed.detail


# --- command line -------------------------------------------------------------------------


@pytest.fixture
def env(database_url: str, tmp_path: Path, people: dict[str, str]) -> dict[str, str]:
    return {
        "ACCORD_DATABASE_URL": database_url,
        "ACCORD_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "200",
        "ROK_PASS": demo_password("rok-signer"),
        "US_PASS": demo_password("us-signer"),
    }


def run(env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(cli_app, list(args), env=env)


def test_cli_sign_export_verify(
    env: dict[str, str], people: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "2025.signed.json"
    r = run(env, "export", "2025", "-o", str(out))
    assert r.exit_code == 1 and "no signatures yet" in r.output
    r = run(env, "sign", "2025", "--token", people["rok-signer"], "--passphrase-env", "US_PASS")
    assert r.exit_code == 1 and "passphrase:" in r.output
    r = run(env, "sign", "2025", "--token", people["rok-signer"], "--passphrase-env", "ROK_PASS")
    assert r.exit_code == 0, r.output
    assert "signed evaluation 2025" in r.output and "still to sign: US" in r.output
    r = run(
        env,
        "sign",
        "2025",
        "--plan",
        PLAN,
        "--party",
        "US",
        "--passphrase-env",
        "US_PASS",
        "--token",
        people["us-signer"],
    )
    assert r.exit_code == 0, r.output
    assert "every party has signed" in r.output
    r = run(env, "sign", "2026", "--token", people["us-signer"], "--passphrase-env", "US_PASS")
    assert r.exit_code == 1 and "open, not concluded" in r.output
    r = run(env, "sign", "2025", "--token", people["observer"], "--passphrase-env", "US_PASS")
    assert r.exit_code == 1 and "may not" in r.output
    r = run(env, "export", "2025", "--plan", PLAN, "--output", str(out))
    assert r.exit_code == 0, r.output
    r = run({"COLUMNS": "200"}, "verify", str(out))  # no workspace needed
    assert r.exit_code == 0, r.output
    assert "ok     signature of ROK" in r.output and "verified evaluation 2025" in r.output
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x01
    out.write_bytes(bytes(data))
    r = run({"COLUMNS": "200"}, "verify", str(out))
    assert r.exit_code == 1 and "FAILED" in r.output and "verification failed:" in r.output
    r = run({}, "verify", str(tmp_path / "missing.json"))
    assert r.exit_code == 1 and "cannot read file" in r.output and "Traceback" not in r.output


def test_cli_key_create(
    env: dict[str, str], factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(factory) as s:
        plan = s.scalar(select(Plan).where(Plan.code == PLAN))
        assert plan is not None
        user = accounts.create_user(
            session=s, actor=SYSTEM, username="us-signer-2", password="password-2"
        )
        accounts.grant_role(
            session=s, actor=SYSTEM, user=user, plan=plan, role="signer", party_code="US"
        )
        token, _ = accounts.create_token(session=s, actor=SYSTEM, user=user, name="t")
    assert run(env, "key", "create").exit_code == 1  # no token
    answers = iter(["first-passphrase", "second-passphrase"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(answers))
    r = run(env, "key", "create", "--token", token)
    assert r.exit_code == 1 and "differ" in r.output
    r = run(
        {**env, "NEW_PASS": "a-good-passphrase"},
        "key",
        "create",
        "--passphrase-env",
        "NEW_PASS",
        "--token",
        token,
    )
    assert r.exit_code == 0, r.output
    assert "fingerprint" in r.output
    with factory() as s:
        key = s.scalar(select(SigningKey).where(SigningKey.user_id == user.id))
        assert key is not None and key.fingerprint in r.output.replace("\n", "")
    r = run(
        {**env, "NEW_PASS": "a-good-passphrase"},
        "key",
        "create",
        "--passphrase-env",
        "NEW_PASS",
        "--token",
        token,
    )
    assert r.exit_code == 1 and "already has a signing key" in r.output
