"""Load benchmark: `accord serve --workers 2` on 127.0.0.1 with the OPCON plan, driven by a
small keep-alive HTTP/1.1 client on asyncio (the mixed run must count its writes, which wrk
cannot).

1. Throughput of the summary API and of the dashboard page: CLIENTS concurrent connections as
   fast as they go (closed loop) for SECONDS each; requests/s, p50 and p99.  A closed loop's
   latency is mostly its own queue (clients / throughput), so the summary's latency target is
   measured separately: requests sent at the target rate of 300/s (open loop) for SECONDS, each
   timed from the moment it was due; p50 and p99.  Before the timed runs, WARMUP_SECONDS of
   untimed requests to each path let every worker build what it keeps (steady state).
2. Mixed: 50 concurrent clients for MIXED_SECONDS, 20 of them writing ratings of the open 2026
   evaluation (each writer owns one standard of one party, sending the version it last saw) and
   30 reading (summary, dashboard, evaluation status).  Afterwards every rating is read from the
   database: its version must equal the number of successful writes to it and its rationale the
   last one written; zero errors, zero lost writes.

SQLite in a temporary directory by default; PostgreSQL as well when ACCORD_TEST_DATABASE_URL
names a test database (the database `<name>_load` is created and dropped).  The load generator
shares the machine's 2 cores with the server, so the figures are a floor.

Run: `python bench/load.py` (part of `make bench`); results under "load" in bench/results.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from accord import schema
from accord.db import make_engine, make_sessionmaker, transaction
from accord.formats import framework_yaml
from accord.models import Evaluation, Party, PartyRating, Plan, Standard
from accord.services import accounts, examples
from accord.services.actors import SYSTEM
from benchlib import cpu_model, save  # bench/ is on sys.path when run as a script

PLAN = "opcon-cotp"
EVALUATION = "2026"
WORKERS = 2
CLIENTS = 16
SECONDS = float(os.environ.get("LOAD_SECONDS", "10"))
WARMUP_SECONDS = 3.0
MIXED_CLIENTS, MIXED_WRITERS = 50, 20
MIXED_SECONDS = float(os.environ.get("LOAD_MIXED_SECONDS", "60"))
TARGET_RPS, TARGET_P99_MS = 300.0, 100.0
ACCORD = Path(sys.executable).with_name("accord")


class Conn:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        data = json.dumps(body).encode() if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {self.token}\r\nAccept: */*\r\n"
            + (f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n" if data else "")
            + "\r\n"
        )
        self.writer.write(head.encode() + data)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length, chunked = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            return status, b"".join(parts)
        return status, await self.reader.readexactly(length)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str) -> dict[str, str]:
    """The OPCON plan with its demo people; their API tokens by username."""
    engine = make_engine(url)
    schema.upgrade(engine)
    with transaction(make_sessionmaker(engine)) as s:
        plan = examples.load_example(session=s, name="opcon")
        examples.create_demo_people(session=s, actor=SYSTEM, plan=plan)
        tokens = {
            name: accounts.create_token(
                session=s,
                actor=SYSTEM,
                user=accounts.get_user(session=s, username=name),
                name="load",
            )[0]
            for name in ("rok-evaluator", "us-evaluator", "observer")
        }
    engine.dispose()
    return tokens


def start_server(url: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ACCORD_DATABASE_URL": url, "ACCORD_DATA_DIR": str(data_dir)}
    args = [str(ACCORD), "serve", "--port", str(port), "--workers", str(WORKERS)]
    # the server's own log goes to a file: a pipe nobody reads would block it once full
    log = (data_dir / "server.log").open("wb")
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = (data_dir / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"accord serve exited: {tail}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("accord serve did not start within 30 s")


def stats(latencies: list[float], seconds: float, errors: int) -> dict[str, Any]:
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {
        "requests": len(ordered),
        "errors": errors,
        "requests_per_s": round(len(ordered) / seconds, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


async def hammer(port: int, token: str, path: str, clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        conn = Conn(port, token)
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            status, _ = await conn.request("GET", path)
            latencies.append(time.perf_counter() - t0)
            errors += status != 200

    for _ in range(2):  # warm-up: the workers build their caches
        await Conn(port, token).request("GET", path)
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return stats(latencies, time.perf_counter() - started, errors)


async def paced(
    port: int, token: str, path: str, rate: float, seconds: float, pool: int = 64
) -> dict[str, Any]:
    """Requests sent at a fixed rate (open loop), whatever the answers' speed: the latency of
    each is measured from the moment it was due, so a stalled server cannot hide its queue by
    slowing the client down (no coordinated omission)."""
    latencies: list[float] = []
    errors = 0
    idle: asyncio.Queue[Conn] = asyncio.Queue()
    for _ in range(pool):
        idle.put_nowait(Conn(port, token))
    for _ in range(2):
        await Conn(port, token).request("GET", path)

    async def one(due: float) -> None:
        nonlocal errors
        conn = await idle.get()
        try:
            status, _ = await conn.request("GET", path)
        finally:
            idle.put_nowait(conn)
        latencies.append(time.perf_counter() - due)
        errors += status != 200

    started = time.perf_counter()
    tasks = []
    for i in range(int(rate * seconds)):
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)
    return {**stats(latencies, seconds, errors), "offered_per_s": rate}


async def mixed(
    port: int, tokens: dict[str, str], slots: list[tuple[str, str, list[str]]], seconds: float
) -> dict[str, Any]:
    """Writers own one (party, standard) each; readers mix three reads."""
    reads = [
        f"/api/v1/plans/{PLAN}/summary",
        f"/plans/{PLAN}",
        f"/api/v1/plans/{PLAN}/evaluations/{EVALUATION}/status",
    ]
    latencies: list[float] = []
    errors: list[str] = []
    # (party, standard) -> (version before, acknowledged writes, last rationale)
    written: dict[tuple[str, str], tuple[int, int, str]] = {}
    stop = time.perf_counter() + seconds

    async def writer(party: str, standard: str, levels: list[str]) -> None:
        conn = Conn(port, tokens[f"{party.lower()}-evaluator"])
        status, data = await conn.request(
            "GET", f"/api/v1/plans/{PLAN}/evaluations/{EVALUATION}/ratings/{party}"
        )
        assert status == 200, data
        mine = [r for r in json.loads(data) if r["standard"] == standard]
        version: int | None = mine[0]["version"] if mine else None
        base = version or 0
        count, last = 0, ""
        rng = random.Random(f"{party}{standard}")
        while time.perf_counter() < stop:
            rationale = f"load {party} {standard} #{count + 1}"
            body = {
                "ratings": [
                    {
                        "standard": standard,
                        "level": rng.choice(levels),
                        "rationale": rationale,
                        "version": version,
                    }
                ]
            }
            t0 = time.perf_counter()
            status, data = await conn.request(
                "PUT", f"/api/v1/plans/{PLAN}/evaluations/{EVALUATION}/ratings", body
            )
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                errors.append(f"PUT {standard} {party}: {status} {data[:200]!r}")
                continue
            version = next(r["version"] for r in json.loads(data) if r["standard"] == standard)
            count, last = count + 1, rationale
        written[(party, standard)] = (base, count, last)

    async def reader(i: int) -> None:
        conn = Conn(port, tokens["observer"])
        n = i
        while time.perf_counter() < stop:
            path = reads[n % len(reads)]
            n += 1
            t0 = time.perf_counter()
            status, data = await conn.request("GET", path)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                errors.append(f"GET {path}: {status} {data[:200]!r}")

    started = time.perf_counter()
    await asyncio.gather(
        *(writer(p, s, lv) for p, s, lv in slots),
        *(reader(i) for i in range(MIXED_CLIENTS - len(slots))),
    )
    result = stats(latencies, time.perf_counter() - started, len(errors))
    result["error_samples"] = errors[:5]
    result["writes"] = sum(c for _, c, _ in written.values())
    result["_written"] = written
    return result


def writer_slots(url: str) -> list[tuple[str, str, list[str]]]:
    """MIXED_WRITERS (party, standard, levels), half per party, distinct standards."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as s:
        ev = s.scalar(
            select(Evaluation).join(Plan).where(Plan.code == PLAN, Evaluation.code == EVALUATION)
        )
        assert ev is not None
        fw = framework_yaml.load(ev.framework_version.source_yaml)
    engine.dispose()
    standards = list(fw.standards())
    slots = []
    for i in range(MIXED_WRITERS):
        std = standards[i // 2]
        levels = [lv.label for lv in fw.scale(std.scale).levels]
        slots.append(("ROK" if i % 2 == 0 else "US", std.code, levels))
    return slots


def lost_writes(url: str, written: dict[tuple[str, str], tuple[int, int, str]]) -> list[str]:
    """Every acknowledged write is in the database: the version moved by exactly the number
    of acknowledged writes, and the rationale is the last one written."""
    engine = make_engine(url)
    problems = []
    with make_sessionmaker(engine)() as s:
        rows = s.execute(
            select(Party.code, Standard.code, PartyRating.version, PartyRating.rationale)
            .join(Party, Party.id == PartyRating.party_id)
            .join(Standard, Standard.id == PartyRating.standard_id)
            .join(Evaluation, Evaluation.id == PartyRating.evaluation_id)
            .where(Evaluation.code == EVALUATION)
        ).all()
        stored = {(p, st): (v, r) for p, st, v, r in rows}
    engine.dispose()
    for key, (base, count, last) in written.items():
        if count == 0:
            continue
        version, rationale = stored.get(key, (0, ""))
        if version != base + count or rationale != last:
            problems.append(f"{key}: {count} writes acknowledged, stored v{version} {rationale!r}")
    return problems


def run(kind: str, url: str, data_dir: Path) -> dict[str, Any]:
    tokens = prepare(url)
    slots = writer_slots(url)
    port = free_port()
    server = start_server(url, data_dir, port)
    try:
        # untimed: each worker's first requests build what it keeps (the parsed framework,
        # the remembered answers, pooled connections); the figures are of the steady state
        for path in (f"/api/v1/plans/{PLAN}/summary", f"/plans/{PLAN}"):
            asyncio.run(hammer(port, tokens["observer"], path, CLIENTS, WARMUP_SECONDS))
        summary = asyncio.run(
            hammer(port, tokens["observer"], f"/api/v1/plans/{PLAN}/summary", CLIENTS, SECONDS)
        )
        at_target = asyncio.run(
            paced(port, tokens["observer"], f"/api/v1/plans/{PLAN}/summary", TARGET_RPS, SECONDS)
        )
        dashboard = asyncio.run(
            hammer(port, tokens["observer"], f"/plans/{PLAN}", CLIENTS, SECONDS)
        )
        mix = asyncio.run(mixed(port, tokens, slots, MIXED_SECONDS))
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    written = mix.pop("_written")
    mix["lost_writes"] = lost_writes(url, written)
    record = {
        "database": kind,
        "summary_api": summary,
        "summary_api_at_300_per_s": at_target,
        "dashboard": dashboard,
        "mixed_50_clients": mix,
        # throughput from the closed loop (as fast as 16 clients can go), latency from the open
        # loop at the target rate: a closed loop's latency is its own queue (16 / throughput)
        "summary_meets_target": summary["requests_per_s"] >= TARGET_RPS
        and at_target["p99_ms"] < TARGET_P99_MS
        and at_target["errors"] == 0,
    }
    print(json.dumps(record, indent=2))
    return record


def main() -> None:
    results: dict[str, Any] = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "workers": WORKERS,
        "clients": CLIENTS,
        "seconds": SECONDS,
        "mixed_seconds": MIXED_SECONDS,
        "targets": {"summary_requests_per_s": TARGET_RPS, "summary_p99_ms": TARGET_P99_MS},
    }
    with tempfile.TemporaryDirectory(prefix="accord-load-") as tmp:
        data_dir = Path(tmp)
        results["sqlite"] = run("sqlite", f"sqlite:///{data_dir / 'accord.db'}", data_dir)
    pg = os.environ.get("ACCORD_TEST_DATABASE_URL")
    if pg:
        name = f"{make_url(pg).database}_load"
        admin = make_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            with tempfile.TemporaryDirectory(prefix="accord-load-") as tmp:
                url = make_url(pg).set(database=name).render_as_string(hide_password=False)
                results["postgresql"] = run("postgresql", url, Path(tmp))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    save("load", results)
    failed = [
        k
        for k in ("sqlite", "postgresql")
        if k in results
        and (
            results[k]["mixed_50_clients"]["errors"]
            or results[k]["mixed_50_clients"]["lost_writes"]
        )
    ]
    if failed:
        sys.exit(f"errors or lost writes under load on {', '.join(failed)}")


if __name__ == "__main__":
    main()
