"""The round pages' evidence forms: attach on the workspace or on an action item, remove.

Each write answers 303 back to its page; a user's mistake (no content, a bad link, a file over
the limit, a record already concluded) re-renders the page with the message.  JSON twins:
POST/GET /api/v1/plans/{plan}/evaluations/{code}/evidence, DELETE .../evidence/{uid}.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from accord.i18n import gettext as _
from accord.services import Conflict, Invalid, and_join
from accord.services import evidence as evidence_service
from accord.services import evidence_lifecycle as lifecycle
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from .actions import render_items
from .round_common import EVALUATION, back
from .rounds import render_workspace

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Posted:
    """An evidence form as posted: its text fields and the uploaded file, if any."""

    fields: dict[str, str]
    data: bytes | None = None
    filename: str | None = None
    too_large: bool = False


async def posted(request: Request) -> Posted:
    """The form (multipart with an optional `file`, or urlencoded), the file read up to the
    evidence limit."""
    limit: int = request.app.state.settings.evidence_max_bytes
    form = await request.form()
    fields = {k: v.replace("\r\n", "\n") for k, v in form.multi_items() if isinstance(v, str)}
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return Posted(fields)
    data = await upload.read(limit + 1)
    return Posted(fields, data, upload.filename, too_large=len(data) > limit)


def _content(form: Posted, limit: int) -> evidence_service.Content:
    if form.too_large:
        raise Invalid(
            _(
                "file: %(file)s is over the evidence limit of %(max)s bytes (%(mb)s MB); "
                "nothing was attached",
                file=form.filename,
                max=limit,
                mb=format(limit / 1024 / 1024, "g"),
            )
        )
    f = form.fields
    url, note = f.get("url", "").strip(), f.get("note", "").strip()
    given = [n for n, v in ((_("a file"), form.data), (_("a link"), url), (_("a note"), note)) if v]
    if len(given) > 1:
        raise Invalid(
            _(
                "evidence: give one of a file, a link or a note, not %(given)s",
                given=and_join(given),
            )
        )
    if not given:
        raise Invalid(_("evidence: give one of a file, a link or a note"))
    title = f.get("title", "").strip()
    if form.data is not None:
        return evidence_service.Content(
            kind="file", title=title, data=form.data, filename=form.filename
        )
    if url:
        return evidence_service.Content(kind="link", title=title, url=url)
    return evidence_service.Content(kind="note", title=title, note=note)


def _date(value: str, name: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(
            _("%(field)s: a date as YYYY-MM-DD, not %(value)s", field=name, value=repr(value))
        ) from None


def _attach(
    request: Request,
    session: Session,
    actor: Actor,
    plan: str,
    code: str,
    form: Posted,
    target: evidence_service.Target,
    acting_for: str | None,
) -> dict[str, object]:
    settings = request.app.state.settings
    f = form.fields
    return evidence_service.attach(
        session=session,
        actor=actor,
        plan_code=plan,
        code=code,
        target=target,
        content=_content(form, settings.evidence_max_bytes),
        data_dir=settings.data_dir,
        max_bytes=settings.evidence_max_bytes,
        releasability=f.get("releasability") or "shared",
        expires_on=_date(f.get("expires_on", ""), "expires_on"),
        acting_for=acting_for,
    )


@router.post(EVALUATION + "/evidence")
def attach_to_rating(
    request: Request,
    plan: str,
    code: str,
    actor: Actor = Depends(get_actor),
    form: Posted = Depends(posted),
    session: Session = SESSION,
) -> Response:
    """Attach a file, link or note to the actor's party's or the joint rating of a standard."""
    f = form.fields
    standard = f.get("standard", "").strip()
    party = f.get("party") or None
    joint = f.get("rating") == "joint"
    target = evidence_service.Target(
        standard=standard or None, party=None if joint else party, joint=joint
    )
    try:
        # every refusal comes before anything is written, so the page can be shown again
        _attach(request, session, actor, plan, code, form, target, party if joint else None)
    except (Invalid, Conflict) as exc:
        return render_workspace(
            request,
            session,
            actor,
            plan,
            code,
            problem=_("Nothing was attached: %(why)s", why=exc),
            evidence_form={**f, "std": standard},
            status_code=413 if form.too_large else 409 if isinstance(exc, Conflict) else 422,
        )
    std = quote(standard, safe="")
    return back(f"/plans/{plan}/evaluations/{code}?evidence=added&std={std}#std-{std}")


@router.post("/plans/{plan}/action-items/{uid}/evidence")
def attach_to_action_item(
    request: Request,
    plan: str,
    uid: str,
    actor: Actor = Depends(get_actor),
    form: Posted = Depends(posted),
    session: Session = SESSION,
) -> Response:
    """Attach a file, link or note to an action item (in the evaluation that raised it)."""
    code = evidence_service.action_item_evaluation(
        session=session, actor=actor, plan_code=plan, uid=uid
    )
    target = evidence_service.Target(action_item=uid)
    try:
        _attach(request, session, actor, plan, code, form, target, form.fields.get("party"))
    except (Invalid, Conflict) as exc:
        return render_items(
            request,
            session,
            actor,
            plan,
            problem=_("no evidence was attached to the item: %(why)s", why=exc),
            status_code=413 if form.too_large else 422,
        )
    return back(f"/plans/{plan}/action-items?updated={uid}&evidence=added#ai-{uid}")


@router.post("/plans/{plan}/evidence/{evidence}/removal")
def remove(
    request: Request,
    plan: str,
    evidence: str,
    actor: Actor = Depends(get_actor),
    form: Posted = Depends(posted),
    session: Session = SESSION,
) -> Response:
    """Remove evidence; back to the workspace (or, with `back=action-items`, the items)."""
    to_items = form.fields.get("back") == "action-items"
    item = quote(form.fields.get("item", ""), safe="")
    try:
        done = lifecycle.remove(
            session=session,
            actor=actor,
            plan_code=plan,
            uid=evidence,
            data_dir=request.app.state.settings.data_dir,
        )
    except Conflict as exc:
        if to_items:
            return render_items(request, session, actor, plan, problem=str(exc), status_code=409)
        code = form.fields.get("evaluation", "")
        if not code:
            raise
        return render_workspace(
            request,
            session,
            actor,
            plan,
            code,
            problem=_("Nothing was removed: %(why)s.", why=exc),
            status_code=409,
        )
    if to_items:
        return back(f"/plans/{plan}/action-items?updated={item}&evidence=removed#ai-{item}")
    std = quote(form.fields.get("standard", ""), safe="")
    return back(
        f"/plans/{plan}/evaluations/{done['evaluation']}?evidence=removed&std={std}#std-{std}"
    )
