"""Workflow benchmark: an evaluation round on a 1,000-standard framework, through the services
and the HTTP API, on SQLite in a temporary directory.

(a) open an evaluation (create + open, committed) through the services;
(b) one party's 1,000 ratings in one PUT .../ratings, over real HTTP to uvicorn on 127.0.0.1;
(c) the reconciliation queue of 1,000 standards (both parties submitted, 30% divergent)
    through the services.

Each run of (a) and (b) gets a fresh evaluation.  Run with `python bench/workflow_bench.py`
(`make bench`).  Results are merged into `bench/results.json` under the key "workflow";
other keys in that file are kept.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvicorn
import yaml
from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker

from accord import schema
from accord.config import Settings
from accord.db import make_engine, make_sessionmaker, transaction
from accord.services import accounts, lifecycle, ratings, reconciliation
from accord.services.actors import SYSTEM, Actor, actor_for
from accord.services.plans import create_plan
from accord.web.app import create_app
from benchlib import cpu_model, save  # bench/ is on sys.path when run as a script

SEED = 20240602
CONDITIONS, FIELDS, STANDARDS = 4, 10, 25  # 1,000 standards
PARTIES = ("ROK", "US")
LEVELS = ["Initial", "Developing", "Partial", "Substantial", "Full"]
DIVERGENT_SHARE = 0.3
PLAN = "bench-1k"
WARMUP = 3
REPEATS = 15
TARGETS_MS = {"open": 200.0, "ratings": 500.0, "queue": 100.0}


def framework_text() -> str:
    """4 conditions x 10 fields x 25 standards, two parties, one five-level scale."""
    rng = random.Random(SEED)
    conditions = []
    for c in range(1, CONDITIONS + 1):
        fields = []
        for f in range(1, FIELDS + 1):
            standards = [
                {
                    "code": f"C{c}.{f}.{s}",
                    "title": f"Standard {c}.{f}.{s}",
                    "threshold": rng.choice(LEVELS[2:]),
                    "weight": rng.choice([1, 1, 2]),
                }
                for s in range(1, STANDARDS + 1)
            ]
            fields.append({"code": f"C{c}.{f}", "title": f"Field {c}.{f}", "standards": standards})
        conditions.append({"code": f"C{c}", "title": f"Condition {c}", "fields": fields})
    document = {
        "format": "accord/framework@1",
        "code": PLAN,
        "title": "Synthetic 1,000-standard plan",
        "version": "1",
        "parties": [{"code": p, "name": p} for p in PARTIES],
        "reconciliation": {"rule": "consensus", "lead_party": PARTIES[0]},
        "scales": [
            {
                "code": "five",
                "name": "Five levels",
                "not_applicable": True,
                "levels": [{"label": lb, "value": i / 4} for i, lb in enumerate(LEVELS)],
            }
        ],
        "default_scale": "five",
        "conditions": conditions,
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def codes() -> list[str]:
    return [
        f"C{c}.{f}.{s}"
        for c in range(1, CONDITIONS + 1)
        for f in range(1, FIELDS + 1)
        for s in range(1, STANDARDS + 1)
    ]


def party_levels(rng: random.Random) -> dict[str, dict[str, str]]:
    """Each party's level per standard; DIVERGENT_SHARE of the standards differ."""
    all_codes = codes()
    divergent = set(rng.sample(all_codes, round(len(all_codes) * DIVERGENT_SHARE)))
    out: dict[str, dict[str, str]] = {p: {} for p in PARTIES}
    for code in all_codes:
        i = rng.randrange(len(LEVELS) - 1)
        out[PARTIES[0]][code] = LEVELS[i]
        out[PARTIES[1]][code] = LEVELS[i + 1 if code in divergent else i]
    return out


def percentile_95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(np.ceil(0.95 * len(ordered))) - 1)]


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """uvicorn serving the app on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


class Bench:
    """The workspace: a plan, an administrator and one evaluator per party with API tokens."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory
        self.serial = 0
        cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        accounts._hasher = cheap  # the accounts' passwords are not what is measured
        with transaction(factory) as s:
            plan = create_plan(session=s, text=framework_text(), source="bench")
            admin = accounts.create_user(
                session=s,
                actor=SYSTEM,
                username="bench-admin",
                password="bench-pass-2026",
                is_admin=True,
            )
            self.admin = actor_for(s, admin)
            self.evaluators: dict[str, Actor] = {}
            self.tokens: dict[str, str] = {}
            for party in PARTIES:
                user = accounts.create_user(
                    session=s,
                    actor=SYSTEM,
                    username=f"{party.lower()}-evaluator",
                    password="bench-pass-2026",
                )
                accounts.grant_role(
                    session=s,
                    actor=SYSTEM,
                    user=user,
                    plan=plan,
                    role="evaluator",
                    party_code=party,
                )
                self.evaluators[party] = actor_for(s, user)
                self.tokens[party] = accounts.create_token(
                    session=s, actor=SYSTEM, user=user, name="bench"
                )[0]

    def next_code(self) -> str:
        self.serial += 1
        return f"E{self.serial:04d}"

    def open_evaluation(self, code: str) -> None:
        """(a) create and open an evaluation, committed."""
        with transaction(self.factory) as s:
            lifecycle.create_evaluation(
                session=s,
                actor=self.admin,
                plan_code=PLAN,
                code=code,
                label=code,
                held_on=dt.date(2030, 1, 1),
            )
            lifecycle.open_evaluation(session=s, actor=self.admin, plan_code=PLAN, code=code)

    def rate_and_submit(self, code: str, levels: dict[str, dict[str, str]]) -> None:
        for party in PARTIES:
            inputs = [ratings.RatingInput(c, lv, "bench") for c, lv in levels[party].items()]
            with transaction(self.factory) as s:
                actor = self.evaluators[party]
                ratings.save_ratings(
                    session=s, actor=actor, plan_code=PLAN, code=code, ratings=inputs
                )
                ratings.submit(session=s, actor=actor, plan_code=PLAN, code=code)

    def queue(self, code: str) -> dict[str, Any]:
        """(c) the reconciliation queue, as a reader would load it."""
        with self.factory() as s, s.begin():
            found: dict[str, Any] = reconciliation.queue(
                session=s, actor=self.evaluators[PARTIES[0]], plan_code=PLAN, code=code
            )
        return found


def summarise(times: list[float], what: str, name: str, repeats: int) -> dict[str, Any]:
    median = statistics.median(times)
    return {
        "what": what,
        "median_ms": round(median, 3),
        "p95_ms": round(percentile_95(times), 3),
        "target_ms": TARGETS_MS[name],
        "pass": median < TARGETS_MS[name],  # the median is held to the target; p95 is reported
        "repeats": repeats,
        "warmup": WARMUP,
    }


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000.0


def main() -> int:
    rng = random.Random(SEED)
    levels = party_levels(rng)
    rating_body = {
        "ratings": [
            {"standard": c, "level": lv, "rationale": f"evidence for {c}"}
            for c, lv in levels[PARTIES[0]].items()
        ]
    }
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        engine = make_engine(settings.resolved_database_url())
        schema.upgrade(engine)
        bench = Bench(make_sessionmaker(engine))

        open_times: list[float] = []
        rating_times: list[float] = []
        with serving(settings) as base, httpx.Client(base_url=base, timeout=60) as http:
            headers = {"Authorization": f"Bearer {bench.tokens[PARTIES[0]]}"}
            for i in range(WARMUP + REPEATS):
                code = bench.next_code()
                t0 = time.perf_counter()
                bench.open_evaluation(code)
                t1 = time.perf_counter()
                r = http.put(
                    f"/api/v1/plans/{PLAN}/evaluations/{code}/ratings",
                    json=rating_body,
                    headers=headers,
                )
                t2 = time.perf_counter()
                if r.status_code != 200 or len(r.json()) != len(rating_body["ratings"]):
                    raise RuntimeError(f"PUT ratings: {r.status_code} {r.text[:300]}")
                if i >= WARMUP:
                    open_times.append((t1 - t0) * 1000.0)
                    rating_times.append((t2 - t1) * 1000.0)

        code = bench.next_code()
        bench.open_evaluation(code)
        bench.rate_and_submit(code, levels)
        first = bench.queue(code)
        divergent = sum(1 for c in codes() if levels[PARTIES[0]][c] != levels[PARTIES[1]][c])
        if first["status"] != "reconciliation" or first["divergent"] != divergent:
            raise RuntimeError(f"unexpected queue: {first['status']}, {first['divergent']}")
        for _ in range(WARMUP):
            bench.queue(code)
        queue_times = [timed(lambda: bench.queue(code)) for _ in range(REPEATS)]
        engine.dispose()

    n = len(codes())
    metrics = {
        "open": summarise(
            open_times,
            "create + open an evaluation on the 1,000-standard framework through the services, "
            "committed (a fresh evaluation each run)",
            "open",
            REPEATS,
        ),
        "ratings": summarise(
            rating_times,
            f"PUT .../ratings with {n:,} new ratings in one request over HTTP to uvicorn on "
            "127.0.0.1 (a fresh evaluation each run)",
            "ratings",
            REPEATS,
        ),
        "queue": summarise(
            queue_times,
            f"reconciliation queue through the services: {n:,} standards, both parties "
            f"submitted, {divergent} divergent",
            "queue",
            REPEATS,
        ),
    }
    record: dict[str, Any] = {
        "machine": {
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "cpu_model": cpu_model(),
            "cpu_count": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),  # other work slows the timings
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
        "workload": {
            "standards": n,
            "fields": CONDITIONS * FIELDS,
            "conditions": CONDITIONS,
            "scales": 1,
            "parties": len(PARTIES),
            "divergent": divergent,
            "database": "sqlite (WAL) in a temporary directory",
            "seed": SEED,
        },
        "metrics": metrics,
    }
    save("workflow", record)

    print(
        f"workflow benchmark: {n:,} standards, {len(PARTIES)} parties, {divergent} divergent "
        f"({record['machine']['cpu_model']})"
    )
    print(f"{'metric':<10} {'median ms':>10} {'p95 ms':>10} {'target ms':>10}  result")
    for name, m in metrics.items():
        print(
            f"{name:<10} {m['median_ms']:>10.2f} {m['p95_ms']:>10.2f} {m['target_ms']:>10.0f}  "
            f"{'pass' if m['pass'] else 'FAIL'}"
        )
    return 0 if all(m["pass"] for m in metrics.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
