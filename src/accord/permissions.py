"""The one place for access rules, used by pages, the API and the CLI.

`can(actor, action, plan=..., party_id=...)` answers every question; the helpers below raise
`Forbidden` (HTTP 403) or, where the very existence of an object is private, `NotFound` (404).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.i18n import gettext as _
from accord.models import Membership, Plan
from accord.services import NotFound
from accord.services.actors import Actor


class Forbidden(PermissionError):
    """The actor may see the object but not do this to it."""


Rule = Callable[[Actor, int | None, int | None], bool]


def _member(a: Actor, plan: int | None, _party: int | None) -> bool:
    return a.is_admin or (plan is not None and bool(a.roles_in(plan)))


def _admin(a: Actor, _plan: int | None, _party: int | None) -> bool:
    return a.is_admin


def _for_party(*roles: str) -> Rule:
    def rule(a: Actor, plan: int | None, party: int | None) -> bool:
        return plan is not None and party is not None and party in a.party_ids(plan, *roles)

    return rule


def _any_party(*roles: str) -> Rule:
    def rule(a: Actor, plan: int | None, _party: int | None) -> bool:
        return plan is not None and bool(a.party_ids(plan, *roles))

    return rule


def _admin_or(rule: Rule) -> Rule:
    return lambda a, plan, party: a.is_admin or rule(a, plan, party)


RULES: dict[str, Rule] = {
    # reading
    "plan.view": _member,
    "audit.view": _member,
    # administration (plans, parties, users, evaluation set-up); admins do not rate
    "plan.create": _admin,
    "user.admin": _admin,
    "evaluation.manage": _admin,
    "framework.draft": _admin,
    # a party's own work
    "rating.edit": _for_party("evaluator"),
    "rating.submit": _for_party("evaluator"),
    "submission.reopen": _for_party("signer"),
    "reconcile": _for_party("evaluator", "signer"),
    "framework.approve": _for_party("signer"),
    "evaluation.sign": _for_party("signer"),
    "evaluation.conclude": _admin_or(_any_party("signer")),
    "action.edit": _admin_or(_for_party("evaluator", "signer")),
    "evidence.attach": _for_party("evaluator", "signer"),
    "evidence.remove": _for_party("evaluator", "signer"),
    # open-source feeds: subscribing reaches the network, so analysts of a party or admins only
    "feeds.manage": _admin_or(_any_party("evaluator", "signer")),
    "inbox.review": _admin_or(_any_party("evaluator", "signer")),
    # the governance chain (meetings, decisions, stage verifications): the secretariat
    # (admins) records it, and each party's signers, who represent their party at the bodies
    "governance.manage": _admin_or(_any_party("signer")),
}


def N_(text: str) -> str:
    """Mark `text` for the catalogs; `describe` translates it when a message is made."""
    return text


DESCRIPTIONS: dict[str, str] = {
    "plan.view": N_("see this plan"),
    "audit.view": N_("read this plan's audit trail"),
    "plan.create": N_("create plans"),
    "user.admin": N_("manage users"),
    "evaluation.manage": N_("set up evaluations"),
    "framework.draft": N_("draft framework versions"),
    "rating.edit": N_("rate"),
    "rating.submit": N_("submit ratings"),
    "submission.reopen": N_("agree to reopen a submission"),
    "reconcile": N_("reconcile"),
    "framework.approve": N_("approve framework versions"),
    "evaluation.sign": N_("sign"),
    "evaluation.conclude": N_("conclude evaluations"),
    "action.edit": N_("change this action item"),
    "evidence.attach": N_("attach evidence"),
    "evidence.remove": N_("remove or replace evidence"),
    "feeds.manage": N_("subscribe to feeds and poll them"),
    "inbox.review": N_("review feed items"),
    "governance.manage": N_("record meetings, decisions and stage verifications"),
}


def describe(action: str) -> str:
    """An action in words, for messages (in the language in force)."""
    return _(DESCRIPTIONS.get(action, action.replace(".", " ")))


def can(
    actor: Actor, action: str, *, plan: Plan | None = None, party_id: int | None = None
) -> bool:
    """Whether `actor` may do `action` in `plan` (for `party_id` where the action is a party's)."""
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"no access rule for {action!r}")
    return rule(actor, plan.id if plan is not None else None, party_id)


def require(
    actor: Actor, action: str, *, plan: Plan | None = None, party_id: int | None = None
) -> None:
    """Forbidden unless `can(...)`."""
    if not can(actor, action, plan=plan, party_id=party_id):
        raise Forbidden(
            _("%(user)s may not %(action)s here", user=actor.username, action=describe(action))
        )


def require_admin(actor: Actor) -> None:
    """Forbidden unless the actor is an administrator (or the local system operator)."""
    if not actor.is_admin:
        raise Forbidden(_("this needs an administrator"))


def visible_plans(session: Session, actor: Actor) -> list[Plan]:
    """The plans an actor may see: all for admins, else those they hold a role in."""
    query = select(Plan).order_by(Plan.code)
    if not actor.is_admin:
        query = query.where(
            Plan.id.in_(select(Membership.plan_id).where(Membership.user_id == actor.user_id))
        )
    return list(session.scalars(query))


def plan_for_actor(session: Session, actor: Actor, code: str) -> Plan:
    """The plan `code` if the actor may see it; NotFound otherwise (existence is private)."""
    plan = session.scalar(select(Plan).where(Plan.code == code))
    if plan is None or not can(actor, "plan.view", plan=plan):
        raise NotFound(_("no plan %(code)s", code=repr(code)))
    return plan


def acting_party(actor: Actor, plan: Plan, action: str, party_code: str | None = None) -> int:
    """The party an actor acts for in `action`; Forbidden when none (or several) fit."""
    candidates = {
        r.party_id: r.party_code
        for r in actor.roles_in(plan.id)
        if r.party_id is not None and can(actor, action, plan=plan, party_id=r.party_id)
    }
    if party_code is not None:
        for pid, code in candidates.items():
            if code == party_code:
                return pid
        raise Forbidden(
            _(
                "%(user)s may not %(action)s for %(party)s",
                user=actor.username,
                action=describe(action),
                party=party_code,
            )
        )
    if len(candidates) == 1:
        return next(iter(candidates))
    if not candidates:
        raise Forbidden(
            _(
                "%(user)s may not %(action)s in %(plan)s",
                user=actor.username,
                action=describe(action),
                plan=plan.code,
            )
        )
    raise Forbidden(_("you act for several parties here: name the party"))
