"""Framework versions: import a YAML document, and turn a stored version back into a Framework."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.engine.framework import Framework
from accord.formats import framework_yaml
from accord.models import FrameworkVersion, Plan, Standard

from . import Conflict


def import_version(
    *, session: Session, plan: Plan, text: str, source: str, status: str = "agreed"
) -> FrameworkVersion:
    """Validate `text` and store it as a new version of `plan`'s framework, with its standards.

    Raises framework_yaml.FrameworkError listing every problem when the document is broken.
    """
    fw = framework_yaml.load(text, source)
    taken = session.scalar(
        select(FrameworkVersion.id).where(
            FrameworkVersion.plan_id == plan.id, FrameworkVersion.version == fw.version
        )
    )
    if taken is not None:
        raise Conflict(f"plan {plan.code!r} already has framework version {fw.version!r}")
    version = FrameworkVersion(
        plan=plan,
        version=fw.version,
        status=status,
        source_yaml=text,
        content_hash=framework_yaml.content_hash(text),
    )
    version.standards = [
        Standard(
            code=s.code,
            condition_code=s.condition,
            field_code=s.field,
            title=s.title,
            scale_code=s.scale,
            threshold=s.threshold,
            weight=s.weight,
            position=i,
        )
        for i, s in enumerate(fw.standards())
    ]
    session.add(version)
    session.flush()
    return version


def framework_of(version: FrameworkVersion) -> Framework:
    """The engine's Framework for a stored version (parsed once per process, by content)."""
    return framework_yaml.load_cached(version.source_yaml)


def current_version(*, session: Session, plan: Plan) -> FrameworkVersion | None:
    """The plan's newest agreed framework version."""
    return session.scalar(
        select(FrameworkVersion)
        .where(FrameworkVersion.plan_id == plan.id, FrameworkVersion.status == "agreed")
        .order_by(FrameworkVersion.created_at.desc(), FrameworkVersion.id.desc())
        .limit(1)
    )
