"""JSON routes for framework versions: list, show, diff, import a draft, propose, approve."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from accord import permissions
from accord.engine.diff import FrameworkDiff
from accord.formats import framework_yaml
from accord.services import framework_import
from accord.services import framework_versions as versions
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from . import schemas

router = APIRouter(prefix="/api/v1/plans/{plan}/frameworks", tags=["frameworks"])

READ_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorPublic} for code in (401, 404, 422)
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorPublic} for code in (400, 401, 403, 404, 409, 422)
}
SOURCE = "request"  # the name diagnostics give the posted document


# --------------------------------------------------------------------------- shapes


class PartyApprovalPublic(BaseModel):
    party: str
    approved: bool
    user: str | None
    at: str | None


class FrameworkVersionRef(BaseModel):
    plan: str
    version: str
    uid: str
    status: str = Field(description="draft, proposed, agreed or superseded")
    content_hash: str = Field(description="SHA-256 of the YAML source")
    created_at: str
    standards: int
    approvals: list[PartyApprovalPublic] = Field(description="One entry per party of the plan")
    awaiting: list[str] = Field(description="Parties a proposed version still needs")


class FrameworkVersionPublic(FrameworkVersionRef):
    yaml: str = Field(description="The YAML source, exactly as imported")


class ChangePublic(BaseModel):
    what: str
    before: bool | float | str | list[str] | None
    after: bool | float | str | list[str] | None


class DiffItemPublic(BaseModel):
    code: str
    title: str
    parent: str = Field(description="The field of a standard, the condition of a field")


class DiffChangedPublic(BaseModel):
    code: str
    title: str
    changes: list[ChangePublic]


class DiffSectionPublic(BaseModel):
    added: list[DiffItemPublic]
    removed: list[DiffItemPublic]
    changed: list[DiffChangedPublic]


class FrameworkDiffPublic(BaseModel):
    plan: str
    a: str
    b: str
    empty: bool
    standards: DiffSectionPublic
    stages: DiffSectionPublic
    conditions: DiffSectionPublic
    fields: DiffSectionPublic
    scales: DiffSectionPublic
    framework: list[ChangePublic] = Field(description="Plan-level changes: target date, ...")


class ProblemPublic(BaseModel):
    line: int
    column: int
    message: str


class FrameworkProblemsPublic(BaseModel):
    detail: str = Field(description="Every problem as `line:column: message`, one a line")
    problems: list[ProblemPublic]


# a document with problems names each of them; a malformed request is a plain error
DRAFT_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS,
    422: {"model": FrameworkProblemsPublic | schemas.ErrorPublic},
}


class DraftIn(BaseModel):
    yaml: str = Field(description="A framework document (docs/framework-format.md)")


class CisoLibraryIn(BaseModel):
    library: str = Field(description="A CISO Assistant framework library (its YAML text)")
    version: str | None = Field(
        None, description="The new draft's version label; default: the library's version"
    )
    scale: str = Field(
        "implementation",
        description="Scale preset when the library has no scores_definition "
        "(implementation or yesno)",
    )
    threshold: str | None = Field(None, description="The level (or score) that counts as met")


class ApproveIn(BaseModel):
    party: str | None = Field(None, description="The party approving (when you sign for several)")


# --------------------------------------------------------------------------- helpers


def version_document(info: versions.VersionInfo, *, source: bool = False) -> dict[str, Any]:
    """The public face of a framework version (with its YAML when `source`)."""
    doc: dict[str, Any] = {
        "plan": info.plan,
        "version": info.version,
        "uid": info.uid,
        "status": info.status,
        "content_hash": info.content_hash,
        "created_at": info.created_at.isoformat(),
        "standards": info.standards,
        "approvals": [
            {
                "party": a.party,
                "approved": a.approved,
                "user": a.username,
                "at": a.at.isoformat() if a.at else None,
            }
            for a in info.approvals
        ],
        "awaiting": list(info.awaiting),
    }
    if source:
        doc["yaml"] = info.source_yaml
    return doc


def diff_document(plan: str, d: FrameworkDiff) -> dict[str, Any]:
    """The public face of a diff."""
    return {"plan": plan, **d.as_dict()}


def problems_response(exc: framework_yaml.FrameworkError) -> JSONResponse:
    """422 naming every problem by line and column."""
    diagnostics = exc.diagnostics
    return JSONResponse(
        {
            "detail": "\n".join(f"{d.line}:{d.column}: {d.message}" for d in diagnostics),
            "problems": [
                {"line": d.line, "column": d.column, "message": d.message} for d in diagnostics
            ],
        },
        status_code=422,
    )


# --------------------------------------------------------------------------- routes


@router.get("", response_model=list[FrameworkVersionRef], responses=READ_ERRORS)
def list_versions(
    plan: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> list[dict[str, Any]]:
    """The plan's framework versions, oldest first."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    return [
        version_document(v)
        for v in versions.list_versions(session=session, actor=actor, plan=the_plan)
    ]


@router.get("/{version}", response_model=FrameworkVersionPublic, responses=READ_ERRORS)
def get_version(
    plan: str,
    version: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """One framework version: status, content hash, approvals by party, and its YAML source."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    info = versions.get_version(session=session, actor=actor, plan=the_plan, version=version)
    return version_document(info, source=True)


@router.get("/{a}/diff/{b}", response_model=FrameworkDiffPublic, responses=READ_ERRORS)
def diff_versions(
    plan: str,
    a: str,
    b: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Added, removed and changed standards (and stages, tree, scales) from version a to b."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    d = versions.diff_versions(session=session, actor=actor, plan=the_plan, a=a, b=b)
    return diff_document(the_plan.code, d)


@router.post(
    "",
    status_code=201,
    response_model=FrameworkVersionPublic,
    responses=DRAFT_ERRORS,
)
def create_draft(
    plan: str,
    body: DraftIn,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Any:
    """Import a framework document as a new draft version (administrators)."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    try:
        info = versions.create_draft(
            session=session, actor=actor, plan=the_plan, text=body.yaml, source=SOURCE
        )
    except framework_yaml.FrameworkError as exc:
        return problems_response(exc)
    return version_document(info, source=True)


@router.post(
    "/ciso-library",
    status_code=201,
    response_model=FrameworkVersionRef,
    responses=WRITE_ERRORS,
)
def import_ciso_library(
    plan: str,
    body: CisoLibraryIn,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Import a CISO Assistant framework library as a new draft version (administrators).

    The library's tree becomes conditions, fields and standards (docs/interop.md); the plan's
    parties are the draft's.  The answer leaves out the converted YAML: GET the version for it.
    """
    the_plan = permissions.plan_for_actor(session, actor, plan)
    info = framework_import.import_ciso_draft(
        session=session,
        actor=actor,
        plan=the_plan,
        text=body.library,
        source=SOURCE,
        version=body.version,
        scale=body.scale,
        threshold=body.threshold,
    )
    return version_document(info)


@router.put(
    "/{version}",
    response_model=FrameworkVersionPublic,
    responses=DRAFT_ERRORS,
)
def replace_draft(
    plan: str,
    version: str,
    body: DraftIn,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Any:
    """Replace the document of a draft version (administrators; drafts only)."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    try:
        info = versions.replace_draft(
            session=session,
            actor=actor,
            plan=the_plan,
            version=version,
            text=body.yaml,
            source=SOURCE,
        )
    except framework_yaml.FrameworkError as exc:
        return problems_response(exc)
    return version_document(info, source=True)


@router.post("/{version}/propose", response_model=FrameworkVersionPublic, responses=WRITE_ERRORS)
def propose(
    plan: str,
    version: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Put a draft to the parties for approval (administrators)."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    info = versions.propose(session=session, actor=actor, plan=the_plan, version=version)
    return version_document(info, source=True)


@router.post("/{version}/withdraw", response_model=FrameworkVersionPublic, responses=WRITE_ERRORS)
def withdraw(
    plan: str,
    version: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Take a proposed version back to draft, dropping its approvals (administrators)."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    info = versions.withdraw(session=session, actor=actor, plan=the_plan, version=version)
    return version_document(info, source=True)


@router.post("/{version}/approve", response_model=FrameworkVersionPublic, responses=WRITE_ERRORS)
def approve(
    plan: str,
    version: str,
    body: ApproveIn | None = Body(None),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> dict[str, Any]:
    """Approve a proposed version for your party (signers); agreed once every party has."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    result = versions.approve(
        session=session,
        actor=actor,
        plan=the_plan,
        version=version,
        party_code=body.party if body else None,
    )
    return version_document(result.version, source=True)
