"""JSON routes for evidence: attach (a multipart file, or a JSON link or note), list, download,
remove, and carry forward into the next evaluation."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from accord.i18n import gettext as _
from accord.services import Invalid
from accord.services import evidence as evidence_service
from accord.services import evidence_lifecycle as lifecycle
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from .schemas import ErrorPublic

router = APIRouter(prefix="/api/v1/plans/{plan}", tags=["evidence"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorPublic} for code in (400, 401, 403, 404, 409, 413, 422)
}
Obj = dict[str, Any]
DOWNLOAD_CSP = (
    "sandbox; default-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
FIELDS = (
    "kind",
    "title",
    "url",
    "note",
    "standard",
    "party",
    "joint",
    "action_item",
    "releasability",
    "effective_on",
    "expires_on",
    "acting_for",
)
ATTACH_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        **{f: {"type": "string"} for f in FIELDS if f not in ("kind", "url")},
                    },
                }
            },
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["kind"],
                    "properties": {
                        "kind": {"type": "string", "enum": ["link", "note"]},
                        "joint": {"type": "boolean"},
                        **{f: {"type": "string"} for f in FIELDS if f not in ("kind", "joint")},
                    },
                }
            },
        },
        "required": True,
    }
}


@dataclass(frozen=True)
class AttachInput:
    fields: dict[str, Any]
    data: bytes | None
    filename: str | None


def _too_large(limit: int) -> HTTPException:
    return HTTPException(
        413,
        _(
            "file: over the evidence limit of %(max)s bytes (%(mb)s MB)",
            max=limit,
            mb=format(limit / 1024 / 1024, "g"),
        ),
    )


async def attach_input(request: Request) -> AttachInput:
    """The request body: multipart with a `file` part, or a JSON object for a link or note."""
    limit: int = request.app.state.settings.evidence_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise _too_large(limit)  # refused before reading a byte of it
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Invalid(_("file: a multipart upload needs a `file` part"))
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise _too_large(limit)
        fields = {k: v for k, v in form.items() if k in FIELDS and isinstance(v, str)}
        return AttachInput({**fields, "kind": "file"}, data, upload.filename)
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise Invalid(
            _("body: a JSON object (a link or note) or a multipart file upload")
        ) from None
    if not isinstance(body, dict):
        raise Invalid(_("body: a JSON object"))
    if body.get("kind") == "file":
        raise Invalid(_("kind: upload files as multipart/form-data"))
    return AttachInput({k: v for k, v in body.items() if k in FIELDS}, None, None)


def _date(fields: dict[str, Any], name: str) -> dt.date | None:
    value = fields.get(name)
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise Invalid(
            _("%(field)s: a date as YYYY-MM-DD, not %(value)s", field=name, value=repr(value))
        ) from None


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1", "yes", "on")


@router.post(
    "/evaluations/{code}/evidence", status_code=201, responses=ERRORS, openapi_extra=ATTACH_BODY
)
def attach(
    plan: str,
    code: str,
    request: Request,
    actor: Actor = Depends(get_actor),  # before the body: the signed-out are refused unread
    body: AttachInput = Depends(attach_input),
    session: Session = SESSION,
) -> Obj:
    """Attach evidence to a party rating (standard [+ party]), the joint rating (standard +
    joint) or an action item (action_item); a file as multipart, a link or note as JSON."""
    f = body.fields
    settings = request.app.state.settings
    return evidence_service.attach(
        session=session,
        actor=actor,
        plan_code=plan,
        code=code,
        target=evidence_service.Target(
            standard=f.get("standard") or None,
            party=f.get("party") or None,
            joint=_flag(f.get("joint")),
            action_item=f.get("action_item") or None,
        ),
        content=evidence_service.Content(
            kind=str(f.get("kind", "")),
            title=str(f.get("title") or ""),
            data=body.data,
            filename=body.filename,
            url=f.get("url"),
            note=str(f.get("note") or ""),
        ),
        data_dir=settings.data_dir,
        max_bytes=settings.evidence_max_bytes,
        releasability=str(f.get("releasability") or "shared"),
        effective_on=_date(f, "effective_on"),
        expires_on=_date(f, "expires_on"),
        acting_for=f.get("acting_for") or None,
    )


@router.get("/evaluations/{code}/evidence", responses=ERRORS)
def list_(
    plan: str,
    code: str,
    standard: str | None = Query(None, description="Only this standard's evidence."),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """The evidence you may see, its count, and the standards resting on expired evidence."""
    items = evidence_service.list_evidence(
        session=session, actor=actor, plan_code=plan, code=code, standard=standard
    )
    flagged = lifecycle.expired_standards(session=session, actor=actor, plan_code=plan, code=code)
    return {
        "count": len(items),
        "evidence": items,
        "expired": [f for f in flagged if standard is None or f["standard"] == standard],
    }


@router.get("/evidence/{evidence}/download", responses=ERRORS)
def download(
    plan: str,
    evidence: str,
    request: Request,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """The stored file, always as an attachment, typed by its sniffed bytes, sandboxed."""
    got = evidence_service.download(
        session=session,
        actor=actor,
        plan_code=plan,
        uid=evidence,
        data_dir=request.app.state.settings.data_dir,
    )
    ascii_name = "".join(c if c.isalnum() or c in "._-" else "_" for c in got.filename) or "file"
    return Response(
        got.data,
        media_type=got.media_type,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(got.filename)}"
            ),
            "X-Content-Type-Options": "nosniff",
            # sandbox: even opened in a browser the file runs nothing and has no origin
            "Content-Security-Policy": DOWNLOAD_CSP,
            "Cache-Control": "private, no-store",
        },
    )


@router.delete("/evidence/{evidence}", responses=ERRORS)
def remove(
    plan: str,
    evidence: str,
    request: Request,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Remove evidence (its owner party's evaluators and signers); 409 once the evaluation is
    concluded or signed.  The stored file is deleted with the last evidence that uses it."""
    return lifecycle.remove(
        session=session,
        actor=actor,
        plan_code=plan,
        uid=evidence,
        data_dir=request.app.state.settings.data_dir,
    )


class CarryForwardIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    source: str = Field(alias="from", description="Code of the evaluation to carry from.")


@router.post("/evaluations/{code}/evidence/carry-forward", responses=ERRORS)
def carry_forward(
    plan: str,
    code: str,
    body: CarryForwardIn,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Carry the rating evidence of an earlier evaluation into this one as references
    ("carried forward from <evaluation>"); administrators."""
    return lifecycle.carry_forward(
        session=session, actor=actor, plan_code=plan, source=body.source, target=code
    )
