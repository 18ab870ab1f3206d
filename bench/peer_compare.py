"""Side by side with CISO Assistant on NIST SP 800-53 rev5, through the HTTP API (issue 10).

`accord serve` with 1 worker on 127.0.0.1, SQLite in a temporary directory (and PostgreSQL in
the database `<name>_peer` when ACCORD_TEST_DATABASE_URL is set).  A 2-party plan (A, B) made
from the CISO Assistant library in bench/data/; every row of the peer's table is measured
through HTTP with a keep-alive client, after a warm-up, as median and p95 of REPS requests:

- load the framework: POST .../frameworks/ciso-library (the library's 1.4 MB YAML, converted
  and stored as a draft version with its 1,189 standards);
- create an evaluation: POST .../evaluations (accord keeps no per-item rows until a rating
  exists: the standards are the framework version's);
- set every result: one PUT .../ratings of all 1,189 ratings (new ones on a fresh evaluation,
  and changes of existing ones), and 1,189 PUTs of one rating each;
- the summary, the whole tree with results, and the list of every rated item (party A's);
- the worker's resident memory (VmRSS) and peak (VmHWM) at the end (the worker process
  `accord serve` spawns; its supervisor's, which runs no request, beside it);
- a fresh database ready: `accord init` (every migration) in a new directory.

Then party B rates too, both submit, and the summary and tree are measured again with the
joint ratings reconciliation starts from (the peer's table has no such row: extra figures).

Run: `python bench/peer_compare.py` (part of `make bench`); results under "peer_compare" in
bench/results.json.  The client shares the machine's cores with the server.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from accord import schema
from accord.db import make_engine, make_sessionmaker, transaction
from accord.formats import ciso_library, safe_input
from accord.services import accounts
from accord.services.actors import SYSTEM
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

LIBRARY = Path(__file__).resolve().parent / "data" / "nist-sp-800-53-rev5.yaml"
PLAN = "nist"
REPS = int(os.environ.get("PEER_REPS", "15"))  # measured requests per row, after a warm-up
TIME_LIMIT = float(os.environ.get("PEER_TIME_LIMIT", "600"))  # seconds per database
BASELINE = bool(os.environ.get("PEER_BASELINE"))  # measuring the code before issue 10
PASSWORD = "bench-password-1234"
PEOPLE = {  # username: (party, role)
    "a-evaluator": ("A", "evaluator"),
    "b-evaluator": ("B", "evaluator"),
    "a-signer": ("A", "signer"),
    "b-signer": ("B", "signer"),
}

# CISO Assistant at commit f990d7b1 on a 2-core machine, 1 gunicorn worker, SQLite (issue 10)
PEER: dict[str, dict[str, Any]] = {
    "framework_load": {"peer_ms": 3380, "target_ms": 340},
    "create_evaluation": {"peer_ms": 206, "target_ms": 21},
    "set_all_one_request": {"peer_ms": 161_000, "target_ms": 500},
    "set_one_rating": {"peer_ms": 94, "target_ms": 9},
    "summary": {"peer_ms": 128, "target_ms": 13},
    "tree": {"peer_ms": 1866, "target_ms": 187},
    "rated_list": {"peer_ms": 3616, "target_ms": 360},
    "worker_rss": {"peer_mb": 450, "peer_peak_mb": 506, "target_mb": 150},
    "fresh_database": {"peer_ms": 296_000, "target_ms": 5000},
}


class OverTime(RuntimeError):
    """The run went past TIME_LIMIT."""


class Client:
    """One keep-alive HTTP/1.1 connection with a bearer token."""

    def __init__(self, port: int, token: str, deadline: float) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.token, self.deadline = token, deadline

    def send(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, float]:
        """(status, body, seconds) of one request; `body` is JSON already encoded."""
        if time.monotonic() > self.deadline:
            raise OverTime(f"over the time limit of {TIME_LIMIT:g} s")
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        reply = self.conn.getresponse()
        data = reply.read()
        return reply.status, data, time.perf_counter() - t0

    def ok(self, method: str, path: str, body: Any = None) -> tuple[bytes, float]:
        """Like send, with `body` as a Python value, failing on anything but 2xx."""
        raw = json.dumps(body).encode() if body is not None else None
        status, data, seconds = self.send(method, path, raw)
        if not 200 <= status < 300:
            raise RuntimeError(f"{method} {path}: {status} {data[:300]!r}")
        return data, seconds


def server_cpu(pid: int) -> float:
    """User + system CPU seconds the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def figures(seconds: list[float], **extra: Any) -> dict[str, Any]:
    """Median, p95, min and count of request times, in milliseconds."""
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "min_ms": round(ordered[0] * 1000, 2),
        "n": len(ordered),
        **extra,
    }


def fresh_database(url: str | None, data_dir: Path) -> dict[str, Any]:
    """`accord init` in a new workspace: every migration on an empty database."""
    env = {**os.environ, "ACCORD_DATA_DIR": str(data_dir)}
    env.pop("ACCORD_DATABASE_URL", None)
    if url:
        env["ACCORD_DATABASE_URL"] = url
    accord = Path(sys.executable).with_name("accord")
    t0 = time.perf_counter()
    subprocess.run([str(accord), "init"], env=env, check=True, capture_output=True)
    whole = time.perf_counter() - t0
    return {"accord_init_ms": round(whole * 1000, 1)}


def prepare(url: str) -> dict[str, str]:
    """The plan (NIST as converted for parties A and B), its people, and their API tokens."""
    library = safe_input.read_limited(LIBRARY)
    converted = ciso_library.convert(
        safe_input.load_yaml(library, str(LIBRARY)), str(LIBRARY), plan=PLAN, party_codes=["A", "B"]
    )
    engine = make_engine(url)
    schema.upgrade(engine)
    tokens: dict[str, str] = {}
    with transaction(make_sessionmaker(engine)) as s:
        plan = create_plan(session=s, text=converted.text, source=str(LIBRARY))
        admin = accounts.create_user(
            session=s, actor=SYSTEM, username="admin", password=PASSWORD, is_admin=True
        )
        tokens["admin"] = accounts.create_token(session=s, actor=SYSTEM, user=admin, name="b")[0]
        for name, (party, role) in PEOPLE.items():
            user = accounts.create_user(session=s, actor=SYSTEM, username=name, password=PASSWORD)
            accounts.grant_role(
                session=s, actor=SYSTEM, user=user, plan=plan, role=role, party_code=party
            )
            tokens[name] = accounts.create_token(session=s, actor=SYSTEM, user=user, name="b")[0]
    engine.dispose()
    tokens["yaml"] = converted.text
    tokens["standards"] = " ".join(converted.framework.standards_by_code)
    return tokens


def run(kind: str, url: str, data_dir: Path, *, lean: bool = False) -> dict[str, Any]:
    deadline = time.monotonic() + TIME_LIMIT
    tokens = prepare(url)
    port = free_port()
    server = start_server(url, data_dir, port, workers=1, lean=lean)
    try:
        # the worker process that serves requests, not `accord serve`'s supervisor
        rows = measure(kind, port, serving_pid(server.pid), tokens, deadline)
        if serving_pid(server.pid) != server.pid:
            supervisor = memory_kb(server.pid)["VmRSS"] / 1024
            rows["worker_rss"]["supervisor_rss_mb"] = round(supervisor, 1)
        return rows
    finally:
        stop_server(server)


def measure(
    kind: str, port: int, pid: int, tokens: dict[str, str], deadline: float
) -> dict[str, Any]:
    admin = Client(port, tokens["admin"], deadline)
    a_ev = Client(port, tokens["a-evaluator"], deadline)
    b_ev = Client(port, tokens["b-evaluator"], deadline)
    p = f"/api/v1/plans/{PLAN}"
    rows: dict[str, Any] = {}
    memory: dict[str, float] = {"started": memory_kb(pid)["VmRSS"] / 1024}
    cpu = [server_cpu(pid)]

    def cpu_ms(n: int) -> float:
        """The server's CPU time per request since the last call (steadier than wall time on
        a shared machine)."""
        now = server_cpu(pid)
        spent, cpu[0] = now - cpu[0], now
        return round(spent * 1000 / max(n, 1), 2)

    # the framework, REPS + 1 times, each as a new draft version
    library = LIBRARY.read_text("utf-8")
    times = []
    for i in range(REPS + 1):
        body = json.dumps({"library": library, "version": f"bench-{i}"}).encode()
        route = f"{p}/frameworks/ciso-library"
        if BASELINE:  # the code before issue 10: the converted YAML through the draft route
            body = json.dumps({"yaml": tokens["yaml"].replace("version: '1'", f"version: b{i}")})
            body, route = body.encode(), f"{p}/frameworks"
        status, data, seconds = admin.send("POST", route, body)
        assert status == 201, data[:300]
        times.append(seconds)
    doc = json.loads(data)
    rows["framework_load"] = figures(
        times[1:], server_cpu_ms=cpu_ms(len(times)), standards=doc["standards"], request_mb=1.4
    )
    memory["after_framework_loads"] = memory_kb(pid)["VmRSS"] / 1024
    n_standards = int(doc["standards"])

    # evaluations: one per bulk rating, one for single ratings, the main one
    codes = [f"e{i}" for i in range(REPS + 1)] + ["single", "main"]
    times = []
    for c in codes:
        _, seconds = admin.ok("POST", f"{p}/evaluations", {"code": c, "held_on": "2026-06-30"})
        times.append(seconds)
        admin.ok("POST", f"{p}/evaluations/{c}/open", {})
    rows["create_evaluation"] = figures(times[1:], server_cpu_ms_with_open=cpu_ms(len(times)))

    standards = tokens["standards"].split()
    assert len(standards) == n_standards
    levels = [
        "Not implemented",
        "Partially implemented",
        "Largely implemented",
        "Fully implemented",
    ]
    rng = random.Random(10)
    chosen = {code: rng.choice(levels) for code in standards}

    def all_ratings(versions: dict[str, int] | None = None) -> list[dict[str, Any]]:
        return [
            {
                "standard": code,
                "level": level,
                "rationale": f"bench {code}",
                "version": versions.get(code) if versions else None,
            }
            for code, level in chosen.items()
        ]

    # every result in one request: new ratings on fresh evaluations
    times = []
    for c in codes[: REPS + 1]:
        data, seconds = a_ev.ok("PUT", f"{p}/evaluations/{c}/ratings", {"ratings": all_ratings()})
        times.append(seconds)
    assert len(json.loads(data)) == n_standards
    rows["set_all_one_request"] = figures(
        times[1:], server_cpu_ms=cpu_ms(len(times)), ratings=n_standards, kind="new ratings"
    )
    memory["after_bulk_ratings"] = memory_kb(pid)["VmRSS"] / 1024
    # ... and changes of every existing rating (each carrying the version last seen)
    a_ev.ok("PUT", f"{p}/evaluations/main/ratings", {"ratings": all_ratings()})
    times = []
    for i in range(REPS + 1):
        listed = json.loads(a_ev.ok("GET", f"{p}/evaluations/main/ratings/A")[0])
        versions = {r["standard"]: r["version"] for r in listed}
        body = {"ratings": all_ratings(versions)}
        for r in body["ratings"]:
            r["rationale"] = f"bench change {i}"
        _, seconds = a_ev.ok("PUT", f"{p}/evaluations/main/ratings", body)
        times.append(seconds)
    rows["change_all_one_request"] = figures(
        times[1:], server_cpu_ms_with_list=cpu_ms(len(times)), ratings=n_standards
    )

    # one by one: 1,189 requests of one new rating each
    times = []
    for r in all_ratings():
        _, seconds = a_ev.ok("PUT", f"{p}/evaluations/single/ratings", {"ratings": [r]})
        times.append(seconds)
    rows["set_one_rating"] = figures(
        times[1:],
        server_cpu_ms=cpu_ms(len(times)),
        requests=len(times),
        total_s=round(sum(times), 2),
        kind="new ratings",
    )
    # and one change of an existing rating at a time
    listed = json.loads(a_ev.ok("GET", f"{p}/evaluations/single/ratings/A")[0])
    times = []
    for r in listed[: max(REPS * 4, 60)]:
        one = {"standard": r["standard"], "level": levels[0], "version": r["version"]}
        body = {"ratings": [one]}
        times.append(a_ev.ok("PUT", f"{p}/evaluations/single/ratings", body)[1])
    rows["change_one_rating"] = figures(times[1:], server_cpu_ms=cpu_ms(len(times) + 1))

    def reads(client: Client, path: str, n: int = REPS) -> dict[str, Any]:
        data, _ = client.ok("GET", path)  # warm-up
        cpu_ms(1)
        times = [client.ok("GET", path)[1] for _ in range(n)]
        return figures(times, server_cpu_ms=cpu_ms(n), bytes=len(data))

    rows["summary"] = reads(a_ev, f"{p}/summary?evaluation=main", max(REPS, 30))
    if not BASELINE:
        rows["tree"] = reads(a_ev, f"{p}/evaluations/main/tree")
    rows["rated_list"] = reads(a_ev, f"{p}/evaluations/main/ratings/A")

    # with both parties' ratings and the joint ratings reconciliation starts from
    b_ratings = all_ratings()
    for r in b_ratings[::3]:  # a third diverge
        r["level"] = levels[(levels.index(r["level"]) + 1) % len(levels)]
    b_ev.ok("PUT", f"{p}/evaluations/main/ratings", {"ratings": b_ratings})
    a_ev.ok("POST", f"{p}/evaluations/main/submission", {})
    b_ev.ok("POST", f"{p}/evaluations/main/submission", {})
    rows["summary_reconciliation"] = reads(a_ev, f"{p}/summary?evaluation=main", max(REPS, 30))
    if not BASELINE:
        rows["tree_reconciliation"] = reads(a_ev, f"{p}/evaluations/main/tree")
    rows["rated_list_reconciliation"] = reads(a_ev, f"{p}/evaluations/main/ratings/B")

    mem = memory_kb(pid)
    rows["worker_rss"] = {
        "rss_mb": round(mem["VmRSS"] / 1024, 1),
        "peak_mb": round(mem["VmHWM"] / 1024, 1),
        "rss_mb_during_run": {k: round(v, 1) for k, v in memory.items()},
    }
    for key, row in rows.items():
        peer = PEER.get(key)
        if peer and "median_ms" in row:
            row["peer_ms"], row["target_ms"] = peer["peer_ms"], peer["target_ms"]
            row["times_faster"] = round(peer["peer_ms"] / max(row["median_ms"], 1e-3), 1)
            row["meets_target"] = row["median_ms"] <= peer["target_ms"]
    rss = rows["worker_rss"]
    rss.update(PEER["worker_rss"])
    rss["meets_target"] = rss["peak_mb"] <= PEER["worker_rss"]["target_mb"]
    rows["database"] = kind
    return rows


def fresh(url: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="accord-peer-init-") as tmp:
        row = fresh_database(url, Path(tmp))
    row.update(
        peer_ms=PEER["fresh_database"]["peer_ms"],
        target_ms=PEER["fresh_database"]["target_ms"],
        times_faster=round(PEER["fresh_database"]["peer_ms"] / row["accord_init_ms"], 1),
        meets_target=row["accord_init_ms"] <= PEER["fresh_database"]["target_ms"],
    )
    return row


def print_table(rows: dict[str, Any]) -> None:
    print(f"\n{rows['database']}:")
    for key, row in rows.items():
        if isinstance(row, dict):
            print(f"  {key:28} {json.dumps(row)}")


def main() -> None:
    results: dict[str, Any] = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "workers": 1,
        "reps": REPS,
        "library": LIBRARY.name,
        "note": "client and server share the machine's cores (other work may be running)",
    }
    with tempfile.TemporaryDirectory(prefix="accord-peer-") as tmp:
        data_dir = Path(tmp)
        rows = run("sqlite", f"sqlite:///{data_dir / 'accord.db'}", data_dir)
    rows["fresh_database"] = fresh(None)
    results["sqlite"] = rows
    print_table(rows)
    if os.environ.get("PEER_LEAN"):  # the same, served by a worker without the CLI loaded
        with tempfile.TemporaryDirectory(prefix="accord-peer-") as tmp:
            data_dir = Path(tmp)
            rows = run("sqlite, lean worker", f"sqlite:///{data_dir / 'a.db'}", data_dir, lean=True)
        results["sqlite_lean_worker"] = rows
        print_table(rows)
    pg = os.environ.get("ACCORD_TEST_DATABASE_URL")
    if pg:
        name = f"{make_url(pg).database}_peer"
        # the maintenance database: the one named in the URL need not exist
        maintenance = make_url(pg).set(database="postgres").render_as_string(hide_password=False)
        admin = make_engine(maintenance, isolation_level="AUTOCOMMIT")

        def recreate(db: str, create: bool = True) -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
                if create:
                    conn.execute(text(f'CREATE DATABASE "{db}"'))

        try:
            recreate(name)
            url = make_url(pg).set(database=name).render_as_string(hide_password=False)
            with tempfile.TemporaryDirectory(prefix="accord-peer-") as tmp:
                rows = run("postgresql", url, Path(tmp))
            recreate(name)  # an empty database for the migrations' timing
            rows["fresh_database"] = fresh(url)
            results["postgresql"] = rows
            print_table(rows)
        finally:
            recreate(name, create=False)
            admin.dispose()
    save("peer_compare_baseline" if BASELINE else "peer_compare", results)


if __name__ == "__main__":
    main()
