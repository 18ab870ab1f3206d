"""Framework versions: import a YAML document, and turn a stored version back into a Framework."""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from accord import i18n
from accord.engine.framework import Framework
from accord.formats import framework_yaml
from accord.gcpause import gc_paused
from accord.i18n import gettext as _
from accord.models import FrameworkVersion, Plan, Standard

from . import Conflict


def import_version(
    *, session: Session, plan: Plan, text: str, source: str, status: str = "agreed"
) -> FrameworkVersion:
    """Validate `text` and store it as a new version of `plan`'s framework, with its standards.

    Raises framework_yaml.FrameworkError listing every problem when the document is broken.
    """
    fw = parse_framework(text, source)
    taken = session.scalar(
        select(FrameworkVersion.id).where(
            FrameworkVersion.plan_id == plan.id, FrameworkVersion.version == fw.version
        )
    )
    if taken is not None:
        raise Conflict(
            _(
                "plan %(plan)s already has framework version %(version)s",
                plan=repr(plan.code),
                version=repr(fw.version),
            )
        )
    version = FrameworkVersion(
        plan=plan,
        version=fw.version,
        status=status,
        source_yaml=text,
        content_hash=framework_yaml.content_hash(text),
    )
    session.add(version)
    session.flush()
    insert_standards(session, version, fw)
    return version


def insert_standards(session: Session, version: FrameworkVersion, fw: Framework) -> None:
    """The standard rows of a new version, in one multi-row INSERT (no ORM object per row)."""
    rows = [
        {
            "framework_version_id": version.id,
            "code": s.code,
            "condition_code": s.condition,
            "field_code": s.field,
            "title": s.title,
            "scale_code": s.scale,
            "threshold": s.threshold,
            "weight": s.weight,
            "position": i,
        }
        for i, s in enumerate(fw.standards())
    ]
    if rows:
        session.execute(insert(Standard), rows)
    # the relationship was loaded empty (or never): the next access reads the rows just written
    session.expire(version, ["standards"])


# A stored version's text never changes and its hash is stored beside it, so frameworks are
# parsed once per process and found by hash: a request does not even read the YAML column.
_CACHE_SIZE = 8  # a framework of 1,200 standards holds about 2.5 MB
_cache: OrderedDict[str, Framework] = OrderedDict()
_cache_lock = threading.Lock()
_titled: set[str] = set()  # hashes of the frameworks whose Korean titles i18n has learned


def _cached(key: str) -> Framework | None:
    with _cache_lock:
        fw = _cache.get(key)
        if fw is not None:
            _cache.move_to_end(key)
        return fw


def _store(key: str, fw: Framework) -> None:
    i18n.learn_titles(fw)  # pages show a Korean reader the Korean titles (accord/i18n.py)
    _titled.add(key)
    with _cache_lock:
        _cache[key] = fw
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)


def parse_framework(text: str, source: str) -> Framework:
    """`framework_yaml.load`, skipped when this exact text was built before in this process."""
    key = framework_yaml.content_hash(text)
    fw = _cached(key)
    if fw is None:
        with gc_paused():
            fw = framework_yaml.load(text, source)
        _store(key, fw)
    return fw


def framework_of(version: FrameworkVersion) -> Framework:
    """The engine's Framework for a stored version (parsed once per process, by content hash)."""
    fw = _cached(version.content_hash)
    if fw is None:
        with gc_paused():
            fw = framework_yaml.load_stored(version.source_yaml)
        _store(version.content_hash, fw)
    return fw


def learn_stored_titles(session: Session) -> None:
    """Make the Korean titles of every stored framework version known to the pages (`|local`),
    parsing once those this process has not built yet: a page shows a plan's Korean titles
    even when nothing in this process has read its framework before.  One small query when
    every version is known already."""
    for vid, content_hash in session.execute(
        select(FrameworkVersion.id, FrameworkVersion.content_hash)
    ):
        if content_hash not in _titled:
            version = session.get(FrameworkVersion, vid)
            if version is not None:
                framework_of(version)
                _titled.add(content_hash)


def current_version(*, session: Session, plan: Plan) -> FrameworkVersion | None:
    """The plan's newest agreed framework version."""
    return session.scalar(
        select(FrameworkVersion)
        .where(FrameworkVersion.plan_id == plan.id, FrameworkVersion.status == "agreed")
        .order_by(FrameworkVersion.created_at.desc(), FrameworkVersion.id.desc())
        .limit(1)
    )
