"""What a reader may do to a framework version now: the framework page shows the buttons
these allow and the API's tree carries them as `allowed`.  The writes in
`framework_versions` still check for themselves; this only answers from the same rules."""

from __future__ import annotations

from dataclasses import dataclass

from accord import permissions
from accord.models import Plan

from .actors import Actor
from .framework_versions import VersionInfo


@dataclass(frozen=True)
class Allowed:
    """Import a new draft of the plan's framework; replace, propose or withdraw this version;
    approve it for which parties."""

    draft: bool
    replace: bool
    propose: bool
    withdraw: bool
    approve: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """The JSON face (`approve`: the parties the actor may approve for)."""
        return {
            "draft": self.draft,
            "replace": self.replace,
            "propose": self.propose,
            "withdraw": self.withdraw,
            "approve": list(self.approve),
        }


def allowed(*, actor: Actor, plan: Plan, info: VersionInfo) -> Allowed:
    """What `actor` may do to version `info` of `plan` in its current state."""
    drafter = permissions.can(actor, "framework.draft", plan=plan)
    awaiting = set(info.awaiting)
    approvers = tuple(
        p.code
        for p in plan.parties
        if p.code in awaiting
        and permissions.can(actor, "framework.approve", plan=plan, party_id=p.id)
    )
    return Allowed(
        draft=drafter,
        replace=drafter and info.status == "draft",
        propose=drafter and info.status == "draft",
        withdraw=drafter and info.status == "proposed",
        approve=approvers,
    )
