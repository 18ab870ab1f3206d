"""Administration pages: accounts (with their roles and tokens), parties, every API token.

JSON twin: /api/v1/admin/users, /api/v1/admin/parties, /api/v1/admin/tokens.  The services
refuse everyone but administrators (403); a missing account is a 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from accord import permissions
from accord.i18n import gettext as _
from accord.models.user import ROLES
from accord.services import Conflict, Invalid, NotFound, admin
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from .forms import checked, page, refused
from .round_common import back, form_fields

router = APIRouter(include_in_schema=False)
DONE = ("created", "updated", "granted", "revoked", "token-revoked", "renamed")


def _done(value: str | None) -> str | None:
    return value if value in DONE else None


@router.get("/admin", name="admin")
def home(actor: Actor = Depends(get_actor)) -> Response:
    """Administration starts at the accounts."""
    permissions.require_admin(actor)
    return RedirectResponse("/admin/users", status_code=303)


def render_users(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    """The accounts page (with the new-account form's errors)."""
    return page(
        request,
        "admin/users.html",
        {
            "section": "users",
            "users": admin.list_users(session=session, actor=actor),
            "errors": errors or {},
            "values": values or {},
            "done": _done(done),
        },
        status_code=status_code,
    )


@router.get("/admin/users", name="admin_users")
def users(
    request: Request,
    done: str | None = None,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Every account, and a form for a new one."""
    return render_users(request, session, actor, done=done)


@router.post("/admin/users")
def create_user(
    request: Request,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Create an account; on to its page to give it roles."""
    try:
        doc = admin.create_user(
            session=session,
            actor=actor,
            username=form.get("username", ""),
            password=form.get("password", ""),
            repeated=form.get("repeat_password", ""),
            display_name=form.get("display_name", ""),
            is_admin=checked(form, "is_admin"),
        )
    except (Invalid, Conflict) as exc:
        status, errors = refused(session, exc, "username")
        values = {k: v for k, v in form.items() if "password" not in k}
        return render_users(
            request, session, actor, errors=errors, values=values, status_code=status
        )
    return back(f"/admin/users/{doc['username']}?done=created")


def render_user(
    request: Request,
    session: Session,
    actor: Actor,
    username: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    done: str | None = None,
    secret: str | None = None,
    status_code: int = 200,
) -> Response:
    """One account: its details form, roles, tokens."""
    found = admin.list_users(session=session, actor=actor)
    user = next((u for u in found if u["username"] == username), None)
    if user is None:
        raise NotFound(_("no user %(user)s", user=repr(username)))
    tokens = [t for t in admin.list_tokens(session=session, actor=actor) if t["user"] == username]
    plans = admin.list_parties(session=session, actor=actor)
    return page(
        request,
        "admin/user.html",
        {
            "section": "users",
            "user": user,
            "tokens": tokens,
            "plans": plans,
            "roles": ROLES,
            "is_self": username == actor.username,
            "errors": errors or {},
            "values": values or {},
            "done": _done(done),
            "secret": secret,
        },
        status_code=status_code,
    )


@router.get("/admin/users/{username}", name="admin_user")
def user(
    request: Request,
    username: str,
    done: str | None = None,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """One account: details, roles in plans, API tokens."""
    return render_user(request, session, actor, username, done=done)


@router.post("/admin/users/{username}")
def update_user(
    request: Request,
    username: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Save an account's display name, administrator flag and whether it may sign in."""
    try:
        admin.update_user(
            session=session,
            actor=actor,
            username=username,
            display_name=form.get("display_name"),
            is_admin=checked(form, "is_admin"),
            active=checked(form, "active"),
        )
    except (Invalid, Conflict) as exc:
        status, errors = refused(session, exc)
        return render_user(
            request, session, actor, username, errors=errors, values=form, status_code=status
        )
    return back(f"/admin/users/{username}?done=updated")


@router.post("/admin/users/{username}/roles")
def grant_role(
    request: Request,
    username: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Give the account a role in a plan (the form names plan, party and role)."""
    plan_code, party_code = form.get("plan", ""), form.get("party") or None
    if "target" in form:  # the page's one select of "plan|party" (party empty: observer)
        plan_code, _, party = form["target"].rpartition("|")
        party_code = party or None
    try:
        admin.grant_role(
            session=session,
            actor=actor,
            username=username,
            plan_code=plan_code,
            role=form.get("role", ""),
            party_code=party_code,
        )
    except (Invalid, Conflict) as exc:
        status, errors = refused(session, exc, "role")
        errors = {"target" if k in ("plan", "party") else k: v for k, v in errors.items()}
        return render_user(
            request, session, actor, username, errors=errors, values=form, status_code=status
        )
    return back(f"/admin/users/{username}?done=granted#roles-h")


@router.post("/admin/users/{username}/roles/revoke")
def revoke_role(
    username: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Withdraw one of the account's roles."""
    admin.revoke_role(
        session=session,
        actor=actor,
        username=username,
        plan_code=form.get("plan", ""),
        role=form.get("role", ""),
        party_code=form.get("party") or None,
    )
    return back(f"/admin/users/{username}?done=revoked#roles-h")


@router.post("/admin/users/{username}/tokens")
def create_token(
    request: Request,
    username: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """A new API token for the account, its secret shown on this answer only."""
    try:
        secret, _doc = admin.create_token(
            session=session, actor=actor, username=username, name=form.get("token_name", "")
        )
    except (Invalid, Conflict) as exc:
        status, _ = refused(session, exc)
        return render_user(
            request,
            session,
            actor,
            username,
            errors={"token_name": str(exc).removeprefix("name: ")},
            status_code=status,
        )
    response = render_user(request, session, actor, username, secret=secret, status_code=201)
    response.headers["Cache-Control"] = "no-store"
    return response


def render_parties(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    """The parties page; a refused rename's message under `errors["PLAN/PARTY"]`."""
    return page(
        request,
        "admin/parties.html",
        {
            "section": "parties",
            "plans": admin.list_parties(session=session, actor=actor),
            "errors": errors or {},
            "values": values or {},
            "done": _done(done),
        },
        status_code=status_code,
    )


@router.get("/admin/parties", name="admin_parties")
def parties(
    request: Request,
    done: str | None = None,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Every plan's parties and who acts for each, with a form to rename each party."""
    return render_parties(request, session, actor, done=done)


@router.post("/admin/parties/{plan}/{party}")
def rename_party(
    request: Request,
    plan: str,
    party: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Rename a party; back to the parties page (409 with the current name on a stale edit)."""
    row = f"{plan}/{party}"
    try:
        admin.rename_party(
            session=session,
            actor=actor,
            plan_code=plan,
            code=party,
            name=form.get("name", ""),
            was=form.get("was"),
        )
    except (Invalid, Conflict) as exc:
        status, errors = refused(session, exc)
        message = next(iter(errors.values()))
        return render_parties(
            request,
            session,
            actor,
            errors={row: message},
            values={row: form.get("name", "")},
            status_code=status,
        )
    return back(f"/admin/parties?done=renamed#party-{plan}-{party}")


@router.get("/admin/tokens", name="admin_tokens")
def tokens(
    request: Request,
    done: str | None = None,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Every API token of every account."""
    return page(
        request,
        "admin/tokens.html",
        {
            "section": "tokens",
            "tokens": admin.list_tokens(session=session, actor=actor),
            "done": _done(done),
        },
    )


@router.post("/admin/tokens/{token}/revoke")
def revoke_token(
    token: str,
    form: dict[str, str] = Depends(form_fields),
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Response:
    """Revoke any API token; back to where the form was."""
    doc = admin.revoke_token(session=session, actor=actor, uid=token)
    if form.get("back") == "user":
        return back(f"/admin/users/{doc['user']}?done=token-revoked#tokens-h")
    return back("/admin/tokens?done=token-revoked")
