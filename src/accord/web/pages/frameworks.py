"""The framework browser: a version's tree with search, the version history, the difference
between two versions, and the version lifecycle: an administrator uploads a draft (or replaces
it), proposes it or withdraws it; each party's signer approves it.

JSON twin: /api/v1/plans/{plan}/frameworks (history), .../{version}/tree?q= (the tree, with
what the reader may do to the version: `allowed`) and .../{a}/diff/{b} (the difference); the
writes are POST .../frameworks, PUT .../{version}, POST .../{version}/propose|withdraw|approve.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord import permissions
from accord.formats import framework_yaml
from accord.models import Plan
from accord.services import Conflict, Invalid, documents, framework_browser, framework_rights
from accord.services import framework_versions as versions
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from .forms import discard, page, refused
from .new_plan import _read as read_upload  # the New-plan page's checks of an uploaded file
from .round_common import back, form_fields

router = APIRouter(include_in_schema=False)
DONE = ("drafted", "replaced", "proposed", "withdrawn", "approved", "agreed")


def _notice(plan: Plan) -> str | None:
    return documents.ILLUSTRATIVE_NOTICE if plan.illustrative else None


def _url(plan: Plan, version: str, done: str | None = None) -> str:
    query = {"version": version, **({"done": done} if done else {})}
    return f"/plans/{plan.code}/framework?{urlencode(query)}"


def render_browse(
    request: Request,
    session: Session,
    actor: Actor,
    plan: Plan,
    *,
    version: str | None = None,
    search: str = "",
    done: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """A version's page: its tree, its approval (with what the reader may do) and the history."""
    doc = framework_browser.browse(
        session=session, actor=actor, plan=plan, version=version, search=search
    )
    return page(
        request,
        "frameworks/browse.html",
        {
            "plan": plan,
            "doc": doc,
            "allowed": framework_rights.allowed(actor=actor, plan=plan, info=doc["version"]),
            "done": done if done in DONE else None,
            "errors": errors or {},
            "notice": _notice(plan),
        },
        status_code=status_code,
    )


@router.get("/plans/{plan}/framework", name="framework")
def browse(
    request: Request,
    plan: str,
    version: str | None = Query(None, max_length=64),
    q: str = Query("", max_length=200),
    done: str | None = Query(None, max_length=16),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """A framework version as a tree (default: the agreed one), filtered by `q`."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    return render_browse(request, session, actor, the_plan, version=version, search=q, done=done)


@router.get("/plans/{plan}/framework/diff", name="framework_diff")
def diff(
    request: Request,
    plan: str,
    a: str | None = Query(None, max_length=64),
    b: str | None = Query(None, max_length=64),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """What changed between two versions (default: the last two)."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    history = versions.list_versions(session=session, actor=actor, plan=the_plan)
    labels = [v.version for v in history]
    if a is None and b is None and len(labels) >= 2:
        a, b = labels[-2], labels[-1]
    result = None
    if a and b:
        result = versions.diff_versions(session=session, actor=actor, plan=the_plan, a=a, b=b)
    return page(
        request,
        "frameworks/diff.html",
        {
            "plan": the_plan,
            "history": history,
            "a": a,
            "b": b,
            "diff": result.as_dict() if result else None,
            "notice": _notice(the_plan),
        },
    )


# --------------------------------------------------------------------------- drafts


def render_upload(
    request: Request,
    session: Session,
    actor: Actor,
    plan: Plan,
    *,
    replacing: versions.VersionInfo | None = None,
    errors: dict[str, str] | None = None,
    problems: list[dict[str, Any]] | None = None,
    filename: str = "",
    status_code: int = 200,
) -> Response:
    """The form that uploads a new draft (or replaces draft `replacing`), with the history."""
    return page(
        request,
        "frameworks/upload.html",
        {
            "plan": plan,
            "replacing": replacing,
            "history": versions.list_versions(session=session, actor=actor, plan=plan),
            "errors": errors or {},
            "problems": problems,
            "filename": filename,
            "notice": _notice(plan),
        },
        status_code=status_code,
    )


def _problems(exc: framework_yaml.FrameworkError, text: str) -> list[dict[str, Any]]:
    """Every problem of a broken document by line and column, with the line itself."""
    lines = text.splitlines()
    return [
        {
            "line": d.line,
            "column": d.column,
            "message": d.message,
            "text": lines[d.line - 1] if 0 < d.line <= len(lines) else "",
        }
        for d in exc.diagnostics
    ]


async def _upload(
    request: Request,
    session: Session,
    actor: Actor,
    plan: Plan,
    file: UploadFile | None,
    replacing: versions.VersionInfo | None,
) -> Response:
    """Store the uploaded file as a new draft or as draft `replacing`; the form again if not."""
    text, filename = "", ""
    try:
        text, filename = await read_upload(file)
        if replacing is None:
            info = versions.create_draft(
                session=session, actor=actor, plan=plan, text=text, source=filename
            )
        else:
            info = versions.replace_draft(
                session=session,
                actor=actor,
                plan=plan,
                version=replacing.version,
                text=text,
                source=filename,
            )
    except framework_yaml.FrameworkError as exc:
        discard(session)
        return render_upload(
            request,
            session,
            actor,
            plan,
            replacing=replacing,
            problems=_problems(exc, text),
            filename=filename,
            status_code=422,
        )
    except (Invalid, Conflict) as exc:
        status, errors = refused(session, exc)
        # every refusal here is about the file: its parties, its version label, its encoding
        return render_upload(
            request,
            session,
            actor,
            plan,
            replacing=replacing,
            errors={"file": next(iter(errors.values()))},
            filename=filename,
            status_code=status,
        )
    return back(_url(plan, info.version, "replaced" if replacing else "drafted"))


@router.get("/plans/{plan}/framework/versions/new", name="framework_new_draft")
def new_draft_form(
    request: Request,
    plan: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """The form that uploads a new draft version (administrators)."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    permissions.require(actor, "framework.draft", plan=the_plan)
    return render_upload(request, session, actor, the_plan)


@router.post("/plans/{plan}/framework/versions/new")
async def new_draft(
    request: Request,
    plan: str,
    file: UploadFile | None = File(None),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Store an uploaded framework file as a new draft; on to the draft's page."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    permissions.require(actor, "framework.draft", plan=the_plan)
    return await _upload(request, session, actor, the_plan, file, None)


@router.get("/plans/{plan}/framework/versions/{version}/replace", name="framework_replace")
def replace_form(
    request: Request,
    plan: str,
    version: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """The form that replaces a draft's document (administrators; drafts only)."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    try:  # no longer a draft: the version as it is, and why it cannot be replaced
        info = versions.draft_to_replace(
            session=session, actor=actor, plan=the_plan, version=version
        )
    except Conflict as exc:
        return _refused_step(request, session, actor, the_plan, version, exc)
    return render_upload(request, session, actor, the_plan, replacing=info)


@router.post("/plans/{plan}/framework/versions/{version}/replace")
async def replace(
    request: Request,
    plan: str,
    version: str,
    file: UploadFile | None = File(None),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Replace a draft's document with an uploaded file; on to the draft's page."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    try:  # proposed (or agreed) since the form was shown: the version as it is now
        info = versions.draft_to_replace(
            session=session, actor=actor, plan=the_plan, version=version
        )
    except Conflict as exc:
        return _refused_step(request, session, actor, the_plan, version, exc)
    return await _upload(request, session, actor, the_plan, file, info)


# --------------------------------------------------------------------------- lifecycle


def _refused_step(
    request: Request,
    session: Session,
    actor: Actor,
    plan: Plan,
    version: str,
    exc: Invalid | Conflict,
) -> Response:
    """The version's page as it is now, with why the step was refused (409 or 422)."""
    status, errors = refused(session, exc)
    return render_browse(
        request,
        session,
        actor,
        plan,
        version=version,
        errors={"": next(iter(errors.values()))},
        status_code=status,
    )


@router.post("/plans/{plan}/framework/versions/{version}/propose")
def propose(
    request: Request,
    plan: str,
    version: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Put a draft to the parties for approval (administrators)."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    try:
        versions.propose(session=session, actor=actor, plan=the_plan, version=version)
    except (Invalid, Conflict) as exc:
        return _refused_step(request, session, actor, the_plan, version, exc)
    return back(_url(the_plan, version, "proposed"))


@router.post("/plans/{plan}/framework/versions/{version}/withdraw")
def withdraw(
    request: Request,
    plan: str,
    version: str,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Take a proposed version back to draft, dropping its approvals (administrators)."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    try:
        versions.withdraw(session=session, actor=actor, plan=the_plan, version=version)
    except (Invalid, Conflict) as exc:
        return _refused_step(request, session, actor, the_plan, version, exc)
    return back(_url(the_plan, version, "withdrawn"))


@router.post("/plans/{plan}/framework/versions/{version}/approve")
def approve(
    request: Request,
    plan: str,
    version: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Approve a proposed version for the signer's party; agreed once every party has."""
    the_plan = permissions.plan_for_actor(session, actor, plan)
    try:
        result = versions.approve(
            session=session,
            actor=actor,
            plan=the_plan,
            version=version,
            party_code=form.get("party") or None,
        )
    except (Invalid, Conflict) as exc:
        return _refused_step(request, session, actor, the_plan, version, exc)
    done = "agreed" if result.version.status == "agreed" else "approved"
    return back(_url(the_plan, version, done))
