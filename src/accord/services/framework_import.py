"""Import a CISO Assistant framework library as a draft framework version of a plan.

The library is converted (formats.ciso_library) with the plan's own parties, then stored like
any other draft (framework_versions.create_draft).  The conversion has already built and
validated the Framework from the document it dumps, so the draft is stored without parsing
that document a second time.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from accord import permissions
from accord.formats import ciso_library, safe_input
from accord.formats.import_common import SCALE_PRESETS
from accord.gcpause import gc_paused
from accord.i18n import gettext as _
from accord.models import Plan

from . import Invalid
from .actors import Actor
from .framework_versions import VersionInfo, create_draft


def import_ciso_draft(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    text: str,
    source: str,
    version: str | None = None,
    scale: str = "implementation",
    threshold: str | None = None,
) -> VersionInfo:
    """Store a CISO Assistant library (YAML text) as a new draft version of `plan` (admins).

    Invalid names the file position of every problem; Conflict when the version label is taken.
    """
    # authorization before the (large) document is even parsed
    permissions.require(actor, "framework.draft", plan=plan)
    if scale not in SCALE_PRESETS:
        raise Invalid(
            _(
                "scale: one of %(choices)s, not %(scale)s",
                choices=", ".join(SCALE_PRESETS),
                scale=repr(scale),
            )
        )
    if len(text) > safe_input.MAX_BYTES:
        raise Invalid(
            _(
                "%(source)s:1:1: library too large (the limit is %(max)s)",
                source=source,
                max=format(safe_input.MAX_BYTES, ","),
            )
        )
    try:
        with gc_paused():
            doc = safe_input.load_yaml(text, source)
            result = ciso_library.convert(
                doc,
                source,
                plan=plan.code,
                party_codes=[p.code for p in plan.parties],
                scale=scale,
                threshold=threshold,
                version=version,
            )
    except safe_input.ImportFailure as exc:
        raise Invalid("\n".join(exc.messages)) from None
    return create_draft(
        session=session,
        actor=actor,
        plan=plan,
        text=result.text,
        source=source,
        framework=result.framework,
    )
