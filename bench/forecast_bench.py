"""Forecast benchmark: a 1,000-standard forecast and the back-test of the OPCON example.

Run with `PYTHONPATH=src python bench/forecast_bench.py`.  Results are merged into
`bench/results.json` under the key "forecast"; other keys in that file are kept.

- forecast: 1,000 standards (4 conditions x 10 fields x 25 standards, two scales, three
  stages), 7 annual evaluations of history, 10,000 paths, ten years ahead: target < 2 s.
- backtest: the back-test of the bundled OPCON history (26 standards, 7 evaluations with joint
  ratings, 2,000 paths): target < 5 s.
- service: `forecast_plan` on the OPCON example in a SQLite database, 10,000 paths, with its
  skill back-test: what one dashboard view or API call costs (reported, target < 2 s).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from accord.engine.forecast import backtest, forecast
from accord.engine.framework import Framework, build_framework
from accord.engine.scoring import RatingVector, encode
from benchlib import cpu_model, save  # bench/ is on sys.path when run as a script

WARMUP = 2
SEED = 20240603
CONDITIONS, FIELDS, STANDARDS = 4, 10, 25  # 1,000 standards
YEARS = 7
PATHS = 10_000
REPEATS = {"forecast": 7, "backtest": 7, "service": 5}
TARGETS_MS = {"forecast": 2000.0, "backtest": 5000.0, "service": 2000.0}
FIVE = ["none", "initial", "partial", "substantial", "full"]
FOUR = ["adverse", "strained", "manageable", "conducive"]
OPCON = Path(__file__).resolve().parents[1] / "src" / "accord" / "data" / "opcon"


def framework_document(rng: random.Random) -> dict[str, Any]:
    """4 x 10 x 25 standards; the last condition on a four-level scale; three nested stages."""
    conditions, codes = [], []
    for c in range(CONDITIONS):
        fields = []
        for f in range(FIELDS):
            standards = []
            for s in range(STANDARDS):
                code = f"C{c}.F{f}.S{s:02d}"
                codes.append(code)
                if c == CONDITIONS - 1:
                    std = {"scale": "four", "threshold": "manageable"}
                else:
                    std = {"scale": "five", "threshold": rng.choice(FIVE[2:])}
                standards.append({"code": code, "title": f"Standard {code}", **std})
            fields.append({"code": f"C{c}.F{f}", "title": f"Field {c}.{f}", "standards": standards})
        conditions.append({"code": f"C{c}", "title": f"Condition {c}", "fields": fields})
    order = codes[:]
    rng.shuffle(order)
    stages = [
        {
            "code": f"ST{i + 1}",
            "name": f"Stage {i + 1}",
            "target_date": f"{2027 + 2 * i}-12-31",
            "requires": sorted(order[: int(len(order) * share)]),
        }
        for i, share in enumerate((0.1, 0.4, 0.8))
    ]
    levels5 = [{"label": lb, "value": i / 4} for i, lb in enumerate(FIVE)]
    levels4 = [{"label": lb, "value": round(i / 3, 2)} for i, lb in enumerate(FOUR)]
    return {
        "code": "FBENCH",
        "title": "Synthetic 1,000-standard plan",
        "version": "1",
        "target_date": "2030-12-31",
        "parties": [{"code": "A", "name": "A"}, {"code": "B", "name": "B"}],
        "scales": [
            {"code": "five", "not_applicable": True, "levels": levels5},
            {"code": "four", "levels": levels4},
        ],
        "conditions": conditions,
        "stages": stages,
    }


def history_of(fw: Framework, rng: random.Random) -> list[tuple[dt.date, RatingVector]]:
    """Seven annual joint ratings drifting upwards, a few N/A and a few missing."""
    stds = list(fw.standards())
    base = {s.code: rng.gauss(0.25, 0.2) for s in stds}
    speed = {s.code: rng.uniform(0.0, 0.1) for s in stds}
    na = {s.code for s in stds if s.scale == "five" and rng.random() < 0.02}
    out = []
    for year in range(YEARS):
        ratings: dict[str, str | None] = {}
        for s in stds:
            if s.code in na:
                ratings[s.code] = "N/A"
            elif rng.random() >= 0.02:
                labels = FIVE if s.scale == "five" else FOUR
                x = base[s.code] + speed[s.code] * year + rng.gauss(0, 0.08)
                ratings[s.code] = labels[min(len(labels) - 1, max(0, round(x * (len(labels) - 1))))]
        out.append((dt.date(2019 + year, 10, 15), encode(fw, ratings)))
    return out


def opcon_history() -> tuple[Framework, list[tuple[dt.date, RatingVector]]]:
    from accord.formats import framework_yaml

    fw = framework_yaml.load((OPCON / "framework.yaml").read_text("utf-8"), "framework.yaml")
    doc = yaml.safe_load((OPCON / "history.yaml").read_text("utf-8"))
    hist = [
        (e["held_on"], encode(fw, {k: v[2] for k, v in e["ratings"].items()}))
        for e in doc["evaluations"]
        if e.get("ratings")
    ]
    return fw, hist


def service_call() -> tuple[Any, Any]:
    """A workspace with the OPCON example, and a function running `forecast_plan` on it."""
    from accord import schema
    from accord.db import make_engine, make_sessionmaker, transaction
    from accord.services import examples, forecasts
    from accord.services.actors import SYSTEM

    tmp = tempfile.mkdtemp(prefix="forecast-bench-")
    engine = make_engine(f"sqlite:///{tmp}/accord.db")
    schema.upgrade(engine)
    factory = make_sessionmaker(engine)
    with transaction(factory) as s:
        examples.load_example(session=s, name="opcon")

    def run() -> dict[str, Any]:
        with factory() as s:
            return forecasts.forecast_plan(
                session=s, actor=SYSTEM, plan_code="opcon-cotp", paths=PATHS, seed=0
            )

    return run, engine


def measure(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and 95th percentile of `fn`'s wall time in ms, after warm-up."""
    for _ in range(WARMUP):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(np.ceil(0.95 * len(times))) - 1)]


def main() -> int:
    rng = random.Random(SEED)
    fw, problems = build_framework(framework_document(rng))
    assert fw is not None, problems
    hist = history_of(fw, rng)
    target = dt.date(2030, 12, 31)

    def big() -> object:
        return forecast(fw, hist, target_date=target, paths=PATHS, seed=0, horizon_years=10)

    ofw, ohist = opcon_history()

    def opcon_backtest() -> object:
        return backtest(ofw, ohist, paths=2_000, seed=0)

    run, engine = service_call()
    first = big()
    bt = opcon_backtest()
    doc = run()
    assert first.enough_history and bt.available and doc["enough_history"]  # type: ignore[attr-defined]
    metrics: dict[str, dict[str, Any]] = {}
    for name, fn, what in (
        (
            "forecast",
            big,
            f"forecast: {len(fw.index.codes):,} standards, {YEARS} evaluations of history, "
            f"{PATHS:,} paths, ten years ahead (pooling, posterior draws, simulation, summary)",
        ),
        (
            "backtest",
            opcon_backtest,
            f"back-test of the OPCON history ({len(ohist)} evaluations, "
            f"{len(ofw.index.codes)} standards, 2,000 paths, horizons 1 and 2)",
        ),
        (
            "service",
            run,
            f"forecast_plan on the OPCON example in SQLite: read ratings, forecast with "
            f"{PATHS:,} paths, skill back-test, JSON document",
        ),
    ):
        median, p95 = measure(fn, REPEATS[name])
        metrics[name] = {
            "what": what,
            "median_ms": round(median, 3),
            "p95_ms": round(p95, 3),
            "target_ms": TARGETS_MS[name],
            "pass": median < TARGETS_MS[name],
            "repeats": REPEATS[name],
            "warmup": WARMUP,
        }
    engine.dispose()
    record = {
        "machine": {
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "cpu_model": cpu_model(),
            "cpu_count": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
        "workload": {
            "standards": len(fw.index.codes),
            "fields": len(fw.index.field_codes),
            "conditions": len(fw.index.condition_codes),
            "stages": len(fw.stages),
            "evaluations": YEARS,
            "paths": PATHS,
            "horizon_years": 10,
            "seed": SEED,
            "opcon_standards": len(ofw.index.codes),
            "opcon_evaluations": len(ohist),
        },
        "metrics": metrics,
        "opcon": {
            "probability_by_target": doc["plan_forecast"]["probability_by_target"],
            "brier_model": doc["skill"]["brier_model"],
            "brier_persistence": doc["skill"]["brier_persistence"],
            "brier_trend": doc["skill"]["brier_trend"],
        },
    }
    save("forecast", record)

    print(
        f"forecast benchmark: {len(fw.index.codes):,} standards, {YEARS} evaluations, "
        f"{PATHS:,} paths ({record['machine']['cpu_model']})"
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
