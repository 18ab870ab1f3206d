"""Beyond the peer: synthetic frameworks of 1k, 3k, 10k and 30k standards (issue 10).

For each size, a plan with parties A and B on a synthetic framework (10 conditions of 10
fields) and EVALUATIONS evaluations that both parties rated in full and submitted, so each
has joint ratings (two thirds agreed) and is in reconciliation.  The set-up goes through the
services in-process; the measurements go through HTTP to `accord serve` with 1 worker on
127.0.0.1 and SQLite: the summary of the latest evaluation, its whole tree with results, and
party A's rating list (median and p95 after a warm-up), one rating changed, and the worker's
resident memory and peak.  Targets at 10k standards: summary < 50 ms, tree < 1 s, worker
memory < 300 MB.  The curve is fitted as time = a * size^k: k near 1 is linear.

Run: `python bench/scale_bench.py` (part of `make bench`; SCALE_SIZES=1000,3000 for a
shorter run); results under "scale" in bench/results.json.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from accord import schema
from accord.db import make_engine, make_sessionmaker, transaction
from accord.services import accounts, lifecycle, ratings
from accord.services.actors import SYSTEM, actor_for
from accord.services.plans import create_plan
from benchlib import (
    cpu_model,
    free_port,
    memory_kb,
    save,
    serving_pid,
    start_server,
    stop_server,
)
from peer_compare import Client, figures, server_cpu

SIZES = [int(x) for x in os.environ.get("SCALE_SIZES", "1000,3000,10000,30000").split(",")]
EVALUATIONS = int(os.environ.get("SCALE_EVALUATIONS", "10"))
REPS = int(os.environ.get("SCALE_REPS", "12"))
TIME_LIMIT = float(os.environ.get("SCALE_TIME_LIMIT", "900"))  # seconds per size
LEVELS = ("None", "Partly", "Largely", "Fully")
PASSWORD = "scale-password-1234"
TARGETS_10K = {"summary_ms": 50, "tree_ms": 1000, "peak_mb": 300}


def synthetic(n: int) -> str:
    """A framework document of `n` standards: 10 conditions x 10 fields, parties A and B."""
    conditions, k = [], 0
    per_field = [n // 100 + (1 if i < n % 100 else 0) for i in range(100)]
    for c in range(10):
        fields = []
        for f in range(10):
            standards = []
            for _ in range(per_field[c * 10 + f]):
                k += 1
                standards.append(
                    {"code": f"S{k}", "title": f"Synthetic standard {k}", "threshold": "Largely"}
                )
            fields.append({"code": f"F{c}.{f}", "title": f"Field {c}.{f}", "standards": standards})
        conditions.append({"code": f"C{c}", "title": f"Condition {c}", "fields": fields})
    doc = {
        "format": "accord/framework@1",
        "code": "synthetic",
        "title": f"Synthetic framework of {n} standards",
        "version": "1",
        "parties": [{"code": "A", "name": "Party A"}, {"code": "B", "name": "Party B"}],
        "scales": [
            {
                "code": "impl",
                "name": "Implementation",
                "not_applicable": True,
                "levels": [
                    {"label": label, "value": round(i / 3, 4)} for i, label in enumerate(LEVELS)
                ],
            }
        ],
        "stages": [
            {"code": "IOC", "name": "Initial", "requires": [f"S{i}" for i in range(1, k, 7)]}
        ],
        "conditions": conditions,
    }
    return yaml.safe_dump(doc, sort_keys=False)


def prepare(url: str, n: int) -> dict[str, Any]:
    """The plan, EVALUATIONS evaluations in reconciliation, and A's evaluator's token."""
    engine = make_engine(url)
    schema.upgrade(engine)
    factory = make_sessionmaker(engine)
    started = time.perf_counter()
    with transaction(factory) as s:
        plan = create_plan(session=s, text=synthetic(n), source="synthetic")
        admin = accounts.create_user(
            session=s, actor=SYSTEM, username="admin", password=PASSWORD, is_admin=True
        )
        token = ""
        for party in ("A", "B"):
            user = accounts.create_user(
                session=s, actor=SYSTEM, username=f"{party.lower()}-ev", password=PASSWORD
            )
            accounts.grant_role(
                session=s, actor=SYSTEM, user=user, plan=plan, role="evaluator", party_code=party
            )
            if party == "A":
                token = accounts.create_token(session=s, actor=SYSTEM, user=user, name="b")[0]
        root = actor_for(s, admin)
    setup_plan = time.perf_counter() - started
    for e in range(EVALUATIONS):
        code = f"{2020 + e}"
        with transaction(factory) as s:
            root = actor_for(s, accounts.get_user(session=s, username="admin"))
            lifecycle.create_evaluation(
                session=s,
                actor=root,
                plan_code="synthetic",
                code=code,
                label=code,
                held_on=dt.date(2020 + e, 6, 30),
            )
            lifecycle.open_evaluation(session=s, actor=root, plan_code="synthetic", code=code)
            for p, party in enumerate(("A", "B")):
                actor = actor_for(s, accounts.get_user(session=s, username=f"{party.lower()}-ev"))
                # levels drift upwards over the years; B differs from A on a third
                inputs = [
                    ratings.RatingInput(
                        f"S{k}", LEVELS[min(3, (k + e + p * (k % 3 == 0)) % 4)], "scale"
                    )
                    for k in range(1, n + 1)
                ]
                ratings.save_ratings(
                    session=s, actor=actor, plan_code="synthetic", code=code, ratings=inputs
                )
                ratings.submit(session=s, actor=actor, plan_code="synthetic", code=code)
    engine.dispose()
    return {
        "token": token,
        "latest": f"{2020 + EVALUATIONS - 1}",
        "setup_s": round(time.perf_counter() - started, 1),
        "setup_plan_s": round(setup_plan, 1),
    }


def measure(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="accord-scale-") as tmp:
        data_dir = Path(tmp)
        url = f"sqlite:///{data_dir / 'accord.db'}"
        ready = prepare(url, n)
        port = free_port()
        server = start_server(url, data_dir, port, workers=1)
        try:
            client = Client(port, ready["token"], time.monotonic() + TIME_LIMIT)
            p, latest = "/api/v1/plans/synthetic", ready["latest"]
            row: dict[str, Any] = {"standards": n, "evaluations": EVALUATIONS, **ready}
            del row["token"], row["latest"]
            t0 = time.perf_counter()
            client.ok("GET", f"{p}/summary?evaluation={latest}")  # the worker parses once
            row["first_request_s"] = round(time.perf_counter() - t0, 2)
            worker = serving_pid(server.pid)  # the spawned worker, not the supervisor
            for name, path in (
                ("summary", f"{p}/summary?evaluation={latest}"),
                ("tree", f"{p}/evaluations/{latest}/tree"),
                ("rated_list", f"{p}/evaluations/{latest}/ratings/A"),
            ):
                data, _ = client.ok("GET", path)
                before = server_cpu(worker)
                times = [client.ok("GET", path)[1] for _ in range(REPS)]
                cpu = (server_cpu(worker) - before) * 1000 / REPS
                row[name] = figures(times, server_cpu_ms=round(cpu, 2), bytes=len(data))
            mem = memory_kb(worker)
            row["rss_mb"] = round(mem["VmRSS"] / 1024, 1)
            row["peak_mb"] = round(mem["VmHWM"] / 1024, 1)
        finally:
            stop_server(server)
    print(json.dumps(row))
    return row


def exponent(rows: list[dict[str, Any]], key: str, field: str = "median_ms") -> float | None:
    """k of the least-squares fit time = a * size^k over the sizes measured."""
    points = [(math.log(r["standards"]), math.log(max(r[key][field], 0.01))) for r in rows]
    if len(points) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return round(sum((x - mx) * (y - my) for x, y in points) / sxx, 2)


def main() -> None:
    rows = [measure(n) for n in SIZES]
    result: dict[str, Any] = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "workers": 1,
        "database": "sqlite",
        "reps": REPS,
        "note": "client and server share the machine's cores (other work may be running)",
        "sizes": rows,
        "growth_exponent": {k: exponent(rows, k) for k in ("summary", "tree", "rated_list")},
        # the worker's CPU time does not wait for a core: the steadier curve on a shared machine
        "growth_exponent_cpu": {
            k: exponent(rows, k, "server_cpu_ms") for k in ("summary", "tree", "rated_list")
        },
    }
    at_10k = next((r for r in rows if r["standards"] == 10_000), None)
    if at_10k is not None:
        result["targets_10k"] = TARGETS_10K
        result["meets_10k"] = {
            "summary": at_10k["summary"]["median_ms"] < TARGETS_10K["summary_ms"],
            "tree": at_10k["tree"]["median_ms"] < TARGETS_10K["tree_ms"],
            "memory": at_10k["peak_mb"] < TARGETS_10K["peak_mb"],
        }
    print(json.dumps({k: v for k, v in result.items() if k != "sizes"}, indent=2))
    save("scale", result)


if __name__ == "__main__":
    main()
