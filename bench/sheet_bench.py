"""Sheet benchmark: export and re-import a party's 1,000-standard XLSX rating sheet through the
services, on SQLite in a temporary directory.  Each round trip gets a fresh evaluation.

Run with `python bench/sheet_bench.py` (`make bench`).  Results are merged into
`bench/results.json` under the key "sheets"; other keys in that file are kept.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
from argon2 import PasswordHasher

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accord import schema
from accord.db import make_engine, make_sessionmaker, transaction
from accord.services import accounts, lifecycle, sheets
from accord.services.actors import SYSTEM, actor_for
from accord.services.plans import create_plan
from benchlib import cpu_model, save  # bench/ is on sys.path when run as a script
from workflow_bench import LEVELS, PARTIES, framework_text

REPEATS = 5
TARGETS_MS = {"export": 2000.0, "import": 2000.0}


def fill(data: bytes) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Ratings"]
    for i, row in enumerate(ws.iter_rows(min_row=2)):
        row[6].value = LEVELS[i % len(LEVELS)]
        row[7].value = f"benchmark rationale {i}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main() -> int:
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    times: dict[str, list[float]] = {"export": [], "import": []}
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        schema.upgrade(engine)
        factory = make_sessionmaker(engine)
        with transaction(factory) as s:
            plan = create_plan(session=s, text=framework_text(), source="bench")
            user = accounts.create_user(
                session=s, actor=SYSTEM, username="ev", password="bench-pass-2026"
            )
            accounts.grant_role(
                session=s,
                actor=SYSTEM,
                user=user,
                plan=plan,
                role="evaluator",
                party_code=PARTIES[0],
            )
            plan_code, user_id = plan.code, user.id
        n = 0
        for i in range(REPEATS):
            code = f"b{i}"
            with transaction(factory) as s:
                lifecycle.create_evaluation(
                    session=s,
                    actor=SYSTEM,
                    plan_code=plan_code,
                    code=code,
                    label=code,
                    held_on=dt.date(2030, 1, 1),
                )
                lifecycle.open_evaluation(session=s, actor=SYSTEM, plan_code=plan_code, code=code)
            with transaction(factory) as s:
                from accord.models import User

                actor = actor_for(s, s.get(User, user_id))  # type: ignore[arg-type]
                t0 = time.perf_counter()
                done = sheets.export_sheet(session=s, actor=actor, plan_code=plan_code, code=code)
                times["export"].append((time.perf_counter() - t0) * 1000)
                n = done.rows
            filled = fill(done.content)
            with transaction(factory) as s:
                actor = actor_for(s, s.get(User, user_id))  # type: ignore[arg-type]
                t0 = time.perf_counter()
                result = sheets.import_sheet(session=s, actor=actor, data=filled, name="b.xlsx")
                times["import"].append((time.perf_counter() - t0) * 1000)
                assert result["saved"] == n, result
        engine.dispose()
    metrics = {
        name: {
            "what": f"{name} of a {n:,}-standard XLSX sheet through the services",
            "median_ms": round(statistics.median(v), 3),
            "max_ms": round(max(v), 3),
            "target_ms": TARGETS_MS[name],
            "pass": max(v) < TARGETS_MS[name],
            "repeats": REPEATS,
        }
        for name, v in times.items()
    }
    record = {
        "machine": {
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "openpyxl": openpyxl.__version__,
            "cpu_model": cpu_model(),
            "cpu_count": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
        "workload": {"standards": n, "parties": len(PARTIES), "size_bytes": len(filled)},
        "metrics": metrics,
    }
    save("sheets", record)
    for name, m in metrics.items():
        print(
            f"{name:<7} median {m['median_ms']:>8.1f} ms  max {m['max_ms']:>8.1f} ms  "
            f"target {m['target_ms']:.0f} ms  {'pass' if m['pass'] else 'FAIL'}"
        )
    return 0 if all(m["pass"] for m in metrics.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
