"""Matching feed items to the standards of a plan's framework: keyword rules, optionally semantic.

Keyword matching uses each standard's `match` rule (engine.matching), compiled once per
framework version.  Semantic matching compares sentence embeddings (feeds.embedder) of the
item (title and summary) and of each standard (its title, field, condition and phrases);
embeddings are cached in the Embedding table by model and SHA-256 of the text, so a text is
embedded once, ever.  Matches are stored per framework version: matching again replaces that
version's matches of the same method, and matches made against older versions stay.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from accord import permissions
from accord.engine.framework import Framework
from accord.engine.matching import Matcher, plain_text
from accord.feeds import embedder as embedding
from accord.models import Embedding, FeedItem, FeedMatch, FrameworkVersion, Plan

from . import audit
from .actors import Actor
from .frameworks import current_version, framework_of

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.45  # cosine similarity; docs/settings.md says how it was chosen
SEMANTIC_TOP = 3  # at most this many semantic matches per item
_CHUNK = 500  # ids per IN (...) clause: well under SQLite's parameter limit

F32 = npt.NDArray[np.float32]


class TextEmbedder(Protocol):
    """What semantic matching needs of a model (feeds.embedder.Embedder; a fake in tests)."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> F32: ...


@dataclass(frozen=True)
class Outcome:
    """What one matching run did."""

    items: int
    keyword: int  # keyword matches stored
    semantic: int  # semantic matches stored
    framework_version: str | None
    note: str | None = None  # why semantic matching did not run, when it was asked for


def matching_version(session: Session, plan: Plan) -> FrameworkVersion | None:
    """The version items are matched against: the plan's agreed one, else its newest."""
    agreed = current_version(session=session, plan=plan)
    if agreed is not None:
        return agreed
    return session.scalar(
        select(FrameworkVersion)
        .where(FrameworkVersion.plan_id == plan.id)
        .order_by(FrameworkVersion.created_at.desc(), FrameworkVersion.id.desc())
        .limit(1)
    )


_MATCHERS: dict[str, Matcher] = {}


def matcher_for(version: FrameworkVersion) -> Matcher:
    """The compiled keyword matcher of a version, built once per process and content hash."""
    matcher = _MATCHERS.get(version.content_hash)
    if matcher is None:
        if len(_MATCHERS) >= 16:
            _MATCHERS.pop(next(iter(_MATCHERS)))
        matcher = _MATCHERS[version.content_hash] = Matcher(framework_of(version))
    return matcher


def match_items(
    session: Session,
    plan: Plan,
    items: list[FeedItem],
    *,
    semantic: bool = False,
    threshold: float = DEFAULT_THRESHOLD,
) -> int:
    """Match `items` to the standards of the plan's current framework; the number of matches.

    `semantic` (settings.feeds_semantic) adds embedding matches at or above `threshold`
    (settings.feeds_semantic_threshold); without the model it is skipped with a warning.
    """
    outcome = run(session, plan, items, semantic=semantic, threshold=threshold)
    return outcome.keyword + outcome.semantic


def run(
    session: Session,
    plan: Plan,
    items: Sequence[FeedItem],
    *,
    semantic: bool = False,
    threshold: float = DEFAULT_THRESHOLD,
    model: TextEmbedder | None = None,
) -> Outcome:
    """`match_items` with the details: matches per method, and why semantic did not run."""
    version = matching_version(session, plan)
    if version is None or not items:
        return Outcome(len(items), 0, 0, version.version if version else None)
    ids = [item.id for item in items]
    methods = ["keyword", "semantic"] if semantic else ["keyword"]
    for chunk in _chunks(ids):
        session.execute(
            delete(FeedMatch).where(
                FeedMatch.item_id.in_(chunk),
                FeedMatch.framework_version_id == version.id,
                FeedMatch.method.in_(methods),
            )
        )
    rows: list[dict[str, Any]] = []
    matcher = matcher_for(version)
    for item in items:
        for hit in matcher.match(item.title, item.summary, item.content):
            rows.append(_row(item.id, version.id, hit.standard, hit.condition, "keyword"))
            rows[-1].update(score=hit.score, reason=hit.reason)
    keyword = len(rows)
    note = None
    if semantic:
        if model is None:
            note = embedding.available()
            if note is None:
                try:
                    model = embedding.shared()
                except (embedding.EmbedderUnavailable, OSError) as exc:
                    note = str(exc)
            if note is not None:
                log.warning("%s; keyword matching only", note)
        if model is not None:
            rows.extend(_semantic_rows(session, version, items, model, threshold))
    if rows:
        session.execute(insert(FeedMatch), rows)
    session.flush()
    return Outcome(len(items), keyword, len(rows) - keyword, version.version, note)


def rematch(
    *,
    session: Session,
    actor: Actor,
    plan_code: str,
    semantic: bool = False,
    threshold: float = DEFAULT_THRESHOLD,
) -> Outcome:
    """Match every item of a plan again (after a new framework version, or new rules)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    permissions.require(actor, "feeds.manage", plan=plan)
    items = list(
        session.scalars(select(FeedItem).where(FeedItem.plan_id == plan.id).order_by(FeedItem.id))
    )
    outcome = run(session, plan, items, semantic=semantic, threshold=threshold)
    audit.record(
        session,
        actor,
        "feeds.rematch",
        "plan",
        plan.code,
        after={
            "items": outcome.items,
            "keyword": outcome.keyword,
            "semantic": outcome.semantic,
            "framework_version": outcome.framework_version,
        },
    )
    return outcome


def standard_texts(fw: Framework) -> dict[str, str]:
    """What each standard is embedded as: its title, field and condition, and its phrases."""
    fields = {f.code: f for f in fw.fields()}
    conditions = {c.code: c for c in fw.conditions}
    out = {}
    for s in fw.standards():
        parts = [s.title, fields[s.field].title, conditions[s.condition].title]
        if s.match.phrases:
            parts.append(", ".join(p.rstrip("*") for p in s.match.phrases))
        out[s.code] = ". ".join(parts)
    return out


def item_text(item: FeedItem) -> str:
    """What an item is embedded as: its title and summary, without HTML."""
    title, summary = plain_text(item.title), plain_text(item.summary or item.content)
    return f"{title}. {summary}"[:2000] if summary else title[:2000]


def cached_embeddings(session: Session, model: TextEmbedder, texts: Sequence[str]) -> F32:
    """Embeddings of `texts`, from the Embedding table where cached; the rest computed in
    batches and stored."""
    hashes = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
    known: dict[str, F32] = {}
    for chunk in _chunks(sorted(set(hashes))):
        for text_hash, dim, blob in session.execute(
            select(Embedding.text_hash, Embedding.dim, Embedding.vector).where(
                Embedding.model == model.name, Embedding.text_hash.in_(chunk)
            )
        ):
            if dim == model.dim:
                known[text_hash] = np.frombuffer(blob, dtype="<f4")
    missing: dict[str, str] = {}
    for text_hash, text in zip(hashes, texts, strict=True):
        if text_hash not in known:
            missing.setdefault(text_hash, text)
    if missing:
        vectors = model.embed(list(missing.values()))
        new_rows = []
        for text_hash, vector in zip(missing, vectors, strict=True):
            known[text_hash] = vector
            new_rows.append(
                {
                    "model": model.name,
                    "text_hash": text_hash,
                    "dim": model.dim,
                    "vector": vector.astype("<f4").tobytes(),
                }
            )
        session.execute(insert(Embedding), new_rows)
    out = np.zeros((len(texts), model.dim), dtype=np.float32)
    for i, text_hash in enumerate(hashes):
        out[i] = known[text_hash]
    return out


def _semantic_rows(
    session: Session,
    version: FrameworkVersion,
    items: Sequence[FeedItem],
    model: TextEmbedder,
    threshold: float,
) -> list[dict[str, Any]]:
    fw = framework_of(version)
    by_code = fw.standards_by_code
    std_texts = standard_texts(fw)
    codes = list(std_texts)
    std_vectors = cached_embeddings(session, model, [std_texts[c] for c in codes])
    item_vectors = cached_embeddings(session, model, [item_text(item) for item in items])
    similarity = item_vectors @ std_vectors.T  # unit vectors: cosine similarity
    top = min(SEMANTIC_TOP, len(codes))
    best = np.argsort(-similarity, axis=1)[:, :top]
    rows = []
    for row, item in enumerate(items):
        for col in best[row]:
            score = float(similarity[row, col])
            if score < threshold:
                break
            std = by_code[codes[col]]
            rows.append(_row(item.id, version.id, std.code, std.condition, "semantic"))
            rows[-1].update(
                score=round(score, 4), reason=f"similarity {score:.2f} to '{std.title}'"
            )
    return rows


def _row(item: int, version: int, standard: str, condition: str, method: str) -> dict[str, Any]:
    return {
        "item_id": item,
        "framework_version_id": version,
        "standard_code": standard,
        "condition_code": condition,
        "method": method,
    }


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]
