"""Feed matching benchmark: 10,000 synthetic agency-style items matched to the OPCON standards.

(a) keyword matching: the OPCON rules compiled once, then 10,000 items matched (engine only);
(b) semantic matching end to end through the service (feed_matching.run): the items' texts
    embedded with the NumPy MiniLM in batches, embeddings stored in the cache table, cosine
    similarity to the 26 standards, matches above the threshold stored, on SQLite in a
    temporary directory.  Target: under 3 minutes on this machine's cores;
(c) the same run again: every embedding comes from the cache.

Items are a headline plus a one- to three-sentence summary, about half on OPCON topics and
half ordinary news.  Run with `python bench/semantic_bench.py` (`make bench`); results are
merged into `bench/results.json` under the key "semantic".  `--items N` for a smaller run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from accord import schema
from accord.db import make_engine, make_sessionmaker, transaction
from accord.engine.matching import Matcher
from accord.feeds import embedder as em
from accord.models import Feed, FeedItem, Plan
from accord.services import examples, feed_matching
from benchlib import cpu_model, save  # bench/ is on sys.path when run as a script

SEED = 20261127
TARGET_S = 180.0

SUBJECTS = [
    "the Future Combined Forces Command",
    "the F-CFC headquarters",
    "North Korea",
    "the Joint Chiefs of Staff",
    "the ROK Strategic Command",
    "US Forces Korea",
    "the defence ministry",
    "the combined ground component command",
    "the air and missile defence command",
    "allied planners",
]
TOPICS = [
    "full operational capability verification",
    "a ballistic missile launch into the East Sea",
    "the Ulchi Freedom Shield combined exercise",
    "the Kill Chain precision strike programme",
    "layered missile defence with L-SAM interceptors",
    "counter-battery fire against long-range artillery",
    "a military reconnaissance satellite launch",
    "intelligence sharing with the United States and Japan",
    "wartime host-nation support for reinforcements",
    "extended deterrence and the Nuclear Consultative Group",
    "the Security Consultative Meeting communique",
    "combined logistics and ammunition stockpiles",
    "command and control systems interoperability",
    "crisis management procedures",
]
ORDINARY = [
    "the stock market closed higher on chip exports",
    "a heavy rain warning was issued for the southern coast",
    "the city opened a new subway line",
    "a pop group announced its world tour",
    "the health ministry reported more flu cases",
    "farmers expect a record rice harvest",
    "the central bank kept its policy rate unchanged",
    "a film festival opened in Busan",
]
VERBS = ["reviewed", "announced", "completed", "discussed", "reported progress on", "assessed"]
TAILS = [
    "officials said on Tuesday.",
    "according to a statement released after the meeting.",
    "with further steps planned for next year.",
    "as part of the annual review of the transition conditions.",
    "amid growing concern over regional security.",
    "in a briefing to reporters.",
]


def synthetic_items(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """`n` (title, summary) pairs: headlines and one to three sentences, half on topic."""
    items = []
    for i in range(n):
        on_topic = rng.random() < 0.5
        if on_topic:
            title = f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} {rng.choice(TOPICS)}"
        else:
            title = rng.choice(ORDINARY).capitalize()
        sentences = []
        for _ in range(rng.randint(1, 3)):
            what = rng.choice(TOPICS) if on_topic else rng.choice(ORDINARY)
            sentences.append(
                f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} {what} "
                f"{rng.choice(TAILS)}"
            )
        items.append((f"{title} ({i})", " ".join(sentences)))
    return items


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpu_model": cpu_model(),
        "cpu_count": len(os.sched_getaffinity(0)),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def timed(fn: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    note = em.available()
    if note is not None:
        print(note, file=sys.stderr)
        return 1
    rng = random.Random(SEED)
    rows = synthetic_items(args.items, rng)
    before = machine()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        schema.upgrade(engine)
        factory = make_sessionmaker(engine)
        with transaction(factory) as s:
            plan = examples.load_example(session=s, name="opcon")
            feed = Feed(plan=plan, title="bench", source="path", location=tmp, created_by="b")
            s.add(feed)
            s.flush()
            s.add_all(
                FeedItem(
                    plan_id=plan.id,
                    feed_id=feed.id,
                    title=title,
                    summary=summary,
                    content_hash=f"{i:064d}",
                )
                for i, (title, summary) in enumerate(rows)
            )
            plan_id = plan.id
        # (a) keyword matching, engine only
        with factory() as s:
            plan = s.get(Plan, plan_id)
            assert plan is not None
            version = feed_matching.matching_version(s, plan)
            assert version is not None
            fw = feed_matching.framework_of(version)
        matcher, compile_s, _ = timed(lambda: Matcher(fw))
        triples = [(title, summary, "") for title, summary in rows]
        hits, keyword_s, keyword_cpu = timed(lambda: matcher.match_many(triples))
        matched_items = sum(1 for h in hits if h)
        # (b) semantic, end to end through the service; (c) again, from the cache
        model, load_s, _ = timed(em.shared)
        tokens = [len(e.ids) for e in model.tokenizer.encode_batch([f"{t}. {s}" for t, s in rows])]

        def service_run() -> feed_matching.Outcome:
            with transaction(factory) as s:
                plan = s.get(Plan, plan_id)
                assert plan is not None
                items = list(s.query(FeedItem).filter(FeedItem.plan_id == plan_id))
                return feed_matching.run(s, plan, items, semantic=True)

        batches_before = model.batches
        first, semantic_s, semantic_cpu = timed(service_run)
        batches = model.batches - batches_before
        second, cached_s, _ = timed(service_run)
        engine.dispose()
    cores = before["cpu_count"]
    n = len(rows)
    record = {
        "machine": before,
        "workload": {
            "items": n,
            "standards": 26,
            "framework": "OPCON 2018.1 (bundled)",
            "mean_tokens_per_item": round(float(np.mean(tokens)), 1),
            "max_tokens_per_item": int(max(tokens)),
            "seed": SEED,
            "model": em.MODEL_NAME,
            "batch_size": em.BATCH,
            "threshold": feed_matching.DEFAULT_THRESHOLD,
        },
        "metrics": {
            "keyword": {
                "what": "compile the OPCON rules, then match every item (title + summary)",
                "compile_ms": round(compile_s * 1000, 1),
                "wall_s": round(keyword_s, 3),
                "cpu_s": round(keyword_cpu, 3),
                "items_per_s": round(n / keyword_s),
                "items_matched": matched_items,
            },
            "semantic": {
                "what": "feed_matching.run(semantic=True) on SQLite: keyword + embed every "
                "item (none cached) + store embeddings + similarity + store matches",
                "model_load_s": round(load_s, 2),
                "wall_s": round(semantic_s, 2),
                "cpu_s": round(semantic_cpu, 2),
                "items_per_s": round(n / semantic_s, 1),
                "cores": cores,
                "forward_batches": batches,
                "keyword_matches": first.keyword,
                "semantic_matches": first.semantic,
                "target_s": TARGET_S * n / 10_000,
                "pass": semantic_s < TARGET_S * n / 10_000,
            },
            "semantic_cached": {
                "what": "the same run again: every embedding from the cache table",
                "wall_s": round(cached_s, 2),
                "semantic_matches": second.semantic,
            },
        },
    }
    record["machine"]["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    if n == 10_000:
        save("semantic", record)
    k, sm, c = record["metrics"]["keyword"], record["metrics"]["semantic"], cached_s
    print(
        f"keyword:  {n} items in {k['wall_s']} s ({k['items_per_s']}/s), "
        f"compile {k['compile_ms']} ms, {matched_items} items matched"
    )
    print(
        f"semantic: {n} items in {sm['wall_s']} s ({sm['items_per_s']}/s, cpu {sm['cpu_s']} s) "
        f"on {cores} cores, {tokens and round(float(np.mean(tokens)), 1)} tokens/item, "
        f"{first.semantic} semantic matches; target < {sm['target_s']:.0f} s: "
        f"{'PASS' if sm['pass'] else 'FAIL'}"
    )
    print(f"cached:   {c:.2f} s; load average {before['load_average_1m']} before")
    return 0


if __name__ == "__main__":
    sys.exit(main())
