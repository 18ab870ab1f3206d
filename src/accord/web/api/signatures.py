"""JSON routes for signing keys, signatures of concluded evaluations and signed bundles."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from accord import permissions
from accord.services import signatures
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION, attempts
from . import schemas

router = APIRouter(prefix="/api/v1", tags=["signatures"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorPublic} for code in (400, 401, 403, 404, 409, 422)
}
LOCKED: dict[int | str, dict[str, Any]] = {  # too many wrong passphrases
    429: {
        "model": schemas.ErrorPublic,
        "headers": {"Retry-After": {"description": "Seconds", "schema": {"type": "string"}}},
    }
}
EVALUATION = "/plans/{plan}/evaluations/{code}"


class SigningKeyCreate(BaseModel):
    passphrase: str = Field(
        description="Locks the private key; needed for every signature. At least 8 characters."
    )


class SigningKeyPublic(BaseModel):
    user: str
    public_key: str = Field(description="The raw 32-byte Ed25519 public key, base64.")
    fingerprint: str = Field(description="SHA-256 of the raw public key, hex.")


class SignRequest(BaseModel):
    passphrase: str = Field(description="The passphrase of the caller's signing key.")
    party: str | None = Field(
        None, description="The party to sign for; needed only if the caller signs for several."
    )


class SignaturePublic(BaseModel):
    party: str
    signer: str
    public_key: str
    fingerprint: str
    signature: str = Field(description="Ed25519 signature of the document's UTF-8 bytes, base64.")
    signed_at: str


class SignaturesPublic(BaseModel):
    plan: str
    evaluation: str
    status: str
    document_sha256: str | None = Field(description="SHA-256 of the signed document, hex.")
    signatures: list[SignaturePublic]
    pending: list[str] = Field(description="Parties that have not signed yet.")


@router.post("/me/signing-key", status_code=201, response_model=SigningKeyPublic, responses=ERRORS)
def create_signing_key(
    body: SigningKeyCreate,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Create the caller's Ed25519 signing key, its private half locked by the passphrase."""
    key = signatures.create_signing_key(session=session, actor=actor, passphrase=body.passphrase)
    return {"user": actor.username, "public_key": key.public_key, "fingerprint": key.fingerprint}


@router.get(EVALUATION + "/signatures", response_model=SignaturesPublic, responses=ERRORS)
def list_signatures(
    plan: str,
    code: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """The evaluation's signatures and the parties still to sign."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    return signatures.signatures_of(session=session, actor=actor, plan=the_plan, code=code)


@router.post(
    EVALUATION + "/signatures",
    status_code=201,
    response_model=SignaturesPublic,
    responses={**ERRORS, **LOCKED},
)
def sign(
    plan: str,
    code: str,
    body: SignRequest,
    request: Request,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Sign the concluded evaluation for the caller's party; the last party's signature seals it."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    signatures.sign_evaluation(
        session=session,
        actor=actor,
        plan=the_plan,
        code=code,
        passphrase=body.passphrase,
        party_code=body.party,
        **attempts(request),
    )
    return signatures.signatures_of(session=session, actor=actor, plan=the_plan, code=code)


@router.get(
    EVALUATION + "/bundle",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}, **ERRORS},
)
def bundle(
    plan: str,
    code: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Download the signed bundle (document, signatures, public keys) to verify offline."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    data = signatures.export_bundle(session=session, actor=actor, plan=the_plan, code=code)
    name = f"{the_plan.code}-{code}.signed.json"
    return Response(
        data,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{_safe(name)}"'},
    )


@router.get(
    EVALUATION + "/document",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}, **ERRORS},
)
def document(
    plan: str,
    code: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """The canonical text the parties sign (as signed, once anyone has)."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    text = signatures.document_text(session=session, actor=actor, plan=the_plan, code=code)
    data = text.encode("utf-8")
    return Response(
        data,
        media_type="application/json",
        headers={"X-Document-SHA256": hashlib.sha256(data).hexdigest()},
    )


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
