"""First run: a new plan from a bundled template or an uploaded framework, with its people.

An administrator picks a template (the OPCON worked example's framework, or a blank bilateral
plan) or supplies a framework document; the plan, its parties and its first agreed framework
version come from it, and the people named get their roles.  A broken document raises
`framework_yaml.FrameworkError` with every problem by line and column, as `accord check`
prints them; nothing is written then.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from accord import permissions
from accord.formats import framework_yaml
from accord.i18n import gettext as _
from accord.models import Plan

from . import Conflict, Invalid, accounts, audit, plans
from .actors import Actor

RESERVED = frozenset({"new"})  # /plans/new is the New-plan page


@dataclass(frozen=True)
class Template:
    """A bundled framework a plan can start from."""

    key: str
    title: str
    description: str
    path: str  # below accord/data


TEMPLATES = (
    Template(
        "bilateral",
        "Blank bilateral plan",
        "Two parties, one placeholder standard: name the parties, then draft your framework.",
        "bilateral/framework.yaml",
    ),
    Template(
        "opcon",
        "OPCON transition (ROK-US)",
        "The worked example's framework: 3 conditions, 26 standards, IOC/FOC/FMC "
        "(illustrative), without its history.",
        "opcon/framework.yaml",
    ),
)


@dataclass(frozen=True)
class Person:
    """Someone to give a role in the new plan; a new account needs a password."""

    username: str
    role: str
    party: str | None = None
    password: str | None = None
    display_name: str = ""


def template_text(key: str) -> str:
    """The YAML text of a bundled template; Invalid naming the choices otherwise."""
    found = next((t for t in TEMPLATES if t.key == key), None)
    if found is None:
        keys = ", ".join(t.key for t in TEMPLATES)
        raise Invalid(_("template: one of %(choices)s, not %(key)s", choices=keys, key=repr(key)))
    return (resources.files("accord") / "data" / found.path).read_text("utf-8")


def templates() -> list[dict[str, str]]:
    """The bundled templates, as offered on the New-plan page and by the API."""
    return [{"key": t.key, "title": t.title, "description": t.description} for t in TEMPLATES]


def _renamed(text: str, parties: list[tuple[str, str]], title: str | None) -> str:
    """A template with its parties (and title) replaced.  Only bundled templates are rewritten:
    an uploaded document is stored exactly as given."""
    data = yaml.safe_load(text)
    if len(parties) != len(data["parties"]):
        raise Invalid(
            _("parties: this template has %(count)s parties; name each", count=len(data["parties"]))
        )
    codes = [c for c, _ in parties]
    for i, (code, name) in enumerate(parties):
        if not code or not code.replace("-", "").replace("_", "").isalnum() or len(code) > 32:
            raise Invalid(
                _("party_code_%(i)s: letters, digits, - or _, at most 32 characters", i=i)
            )
        if not name.strip() or len(name) > 200:
            raise Invalid(_("party_name_%(i)s: 1 to 200 characters", i=i))
    if len(set(codes)) != len(codes):
        raise Invalid(_("party_code_1: the parties need different codes"))
    data["parties"] = [{"code": c, "name": n.strip()} for c, n in parties]
    if title:
        data["title"] = title
    if data.get("reconciliation", {}).get("lead_party") not in (None, *codes):
        data["reconciliation"]["lead_party"] = codes[0]
    dumped: str = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return dumped


def _check_code(session: Session, code: str) -> None:
    if not code or any(ch.isspace() or ch == "/" for ch in code) or len(code) > 64:
        raise Invalid(_("code: 1 to 64 characters, no spaces or slashes, e.g. my-plan"))
    if code in RESERVED:
        raise Invalid(
            _("code: %(code)s is reserved for a page address; choose another", code=repr(code))
        )
    taken = session.scalar(select(Plan).where(Plan.code == code))
    if taken is not None:
        raise Conflict(
            _("code: a plan with code %(code)s already exists", code=repr(code)),
            current={"code": taken.code, "title": taken.title},
        )


def _give_roles(session: Session, actor: Actor, plan: Plan, people: list[Person]) -> None:
    for i, p in enumerate(people):
        username = p.username.strip()
        if not username:
            continue
        user = accounts.find_user(session=session, username=username)
        if user is None:
            if not p.password:
                raise Invalid(
                    _(
                        "person_%(i)s: %(username)s has no account yet: give a password to "
                        "create it",
                        i=i,
                        username=username,
                    )
                )
            try:
                user = accounts.create_user(
                    session=session,
                    actor=actor,
                    username=username,
                    password=p.password,
                    display_name=p.display_name.strip(),
                )
            except Invalid as exc:
                raise Invalid(_("person_%(i)s: %(problem)s", i=i, problem=exc)) from None
        try:
            accounts.grant_role(
                session=session,
                actor=actor,
                user=user,
                plan=plan,
                role=p.role,
                party_code=p.party or None,
            )
        except (Invalid, Conflict) as exc:
            raise Invalid(_("person_%(i)s: %(problem)s", i=i, problem=exc)) from None


def create(
    *,
    session: Session,
    actor: Actor,
    code: str,
    template: str | None = None,
    text: str | None = None,
    source: str = "upload",
    title: str | None = None,
    parties: list[tuple[str, str]] | None = None,
    people: list[Person] | None = None,
) -> Plan:
    """A new plan from `template` (optionally with its parties and title renamed) or from
    the framework document `text`; the people named get their roles.  Administrators only."""
    permissions.require(actor, "plan.create")
    code = code.strip()
    _check_code(session, code)
    if (template is None) == (text is None):
        raise Invalid(_("template: choose a template or upload a framework file, not both"))
    if template is not None:
        text = template_text(template)
        source = f"template {template}"
        if parties or title:
            current = [(p.code, p.name) for p in framework_yaml.load(text, source).parties]
            text = _renamed(text, parties or current, (title or "").strip() or None)
    assert text is not None
    plan = plans.create_plan(session=session, text=text, source=source, code=code)
    audit.record(
        session,
        actor,
        "plan.create",
        "plan",
        plan.code,
        after={
            "title": plan.title,
            "from": source,
            "parties": [p.code for p in plan.parties],
            "framework": framework_yaml.content_hash(text),
        },
    )
    _give_roles(session, actor, plan, people or [])
    return plan
