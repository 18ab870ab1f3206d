"""Several server processes on one database: two `accord serve` processes, and one with
`--workers 2`, written to concurrently through the API lose no update, write no duplicate,
and leave the audit chain intact (PostgreSQL with ACCORD_TEST_DATABASE_URL, else SQLite)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import live_servers
from accord.formats import framework_yaml
from accord.models import AuditRecord, Evaluation, Party, PartyRating, Plan, Standard
from accord.services import audit
from accord.services.examples import example_text

URL = "/api/v1/plans/opcon-cotp/evaluations/2026"
PARTIES = {"ROK": "rok-evaluator", "US": "us-evaluator"}
OWNERS_PER_PARTY, OWNED_EACH, ROUNDS = 2, 3, 4  # disjoint standards, written in turn
RACES_PER_PARTY = 4  # standards two writers change at once from the same version
TIMEOUT = httpx.Timeout(60.0)


def _levels() -> dict[str, list[str]]:
    fw = framework_yaml.load(example_text("opcon", "framework.yaml"))
    return {s.code: [lv.label for lv in fw.scale(s.scale).levels] for s in fw.standards()}


@dataclass
class Outcome:
    statuses: list[int] = field(default_factory=list)
    # (party, standard) -> (level, rationale, version) the last successful write left
    expected: dict[tuple[str, str], tuple[str, str, int]] = field(default_factory=dict)
    saves: int = 0  # successful rating saves (one audit record each)
    races: set[tuple[str, str]] = field(default_factory=set)
    race_winners: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, status: int) -> None:
        with self.lock:
            self.statuses.append(status)
            if 200 <= status < 300:
                self.saves += 1


def _put(client: httpx.Client, base: str, ratings: list[dict[str, object]]) -> httpx.Response:
    return client.put(f"{base}{URL}/ratings", json={"ratings": ratings})


def _clients(people: dict[str, str]) -> dict[str, httpx.Client]:
    return {
        party: httpx.Client(headers={"Authorization": f"Bearer {people[user]}"}, timeout=TIMEOUT)
        for party, user in PARTIES.items()
    }


def _owner(
    client: httpx.Client, bases: list[str], party: str, me: int, codes: list[str], out: Outcome
) -> None:
    """Write my own standards ROUNDS times, alternating servers, carrying the versions."""
    levels = _levels()
    versions: dict[str, int | None] = dict.fromkeys(codes)
    for n in range(ROUNDS):
        body = [
            {
                "standard": c,
                "level": levels[c][(n + me) % len(levels[c])],
                "rationale": f"{party} owner {me} round {n}",
                "version": versions[c],
            }
            for c in codes
        ]
        r = _put(client, bases[(n + me) % len(bases)], body)
        out.saw(r.status_code)
        if r.status_code == 200:
            for doc in r.json():
                versions[doc["standard"]] = doc["version"]
                with out.lock:
                    out.expected[(party, doc["standard"])] = (
                        doc["level"],
                        doc["rationale"],
                        doc["version"],
                    )
        elif r.status_code == 409:  # not expected for disjoint standards, but allowed: reload
            for doc in r.json().get("current", []):
                versions[doc["standard"]] = doc["version"]


def _racer(
    client: httpx.Client,
    base: str,
    party: str,
    code: str,
    who: str,
    level: str,
    barrier: threading.Barrier,
    out: Outcome,
) -> None:
    """Change `code` from version 1 at the same moment as one other writer on the other server."""
    barrier.wait(timeout=30)
    rationale = f"{party} racer {who}"
    r = _put(
        client, base, [{"standard": code, "level": level, "rationale": rationale, "version": 1}]
    )
    out.saw(r.status_code)
    if r.status_code == 200:
        with out.lock:
            out.race_winners.setdefault((party, code), []).append(rationale)
            out.expected[(party, code)] = (level, rationale, 2)


def _write_concurrently(bases: list[str], people: dict[str, str]) -> Outcome:
    """Owners on disjoint standards and racing pairs on shared ones, all at once."""
    levels = _levels()
    codes = list(levels)
    clients = _clients(people)
    out = Outcome()
    owned = OWNERS_PER_PARTY * OWNED_EACH
    try:
        # the raced standards start at version 1
        for party, client in clients.items():
            race_codes = codes[owned : owned + RACES_PER_PARTY]
            r = _put(
                client,
                bases[0],
                [{"standard": c, "level": levels[c][0], "rationale": "start"} for c in race_codes],
            )
            assert r.status_code == 200, r.text
            out.saves += 1
            for doc in r.json():
                key = (party, doc["standard"])
                out.races.add(key)
                out.expected[key] = (doc["level"], doc["rationale"], doc["version"])
        jobs = []
        for party, client in clients.items():
            for me in range(OWNERS_PER_PARTY):
                mine = codes[me * OWNED_EACH : (me + 1) * OWNED_EACH]
                jobs.append((_owner, (client, bases, party, me, mine, out)))
            for code in codes[owned : owned + RACES_PER_PARTY]:
                barrier = threading.Barrier(2)
                for i, who in enumerate(("a", "b")):
                    level = levels[code][1 + i]
                    args = (client, bases[i % len(bases)], party, code, who, level, barrier, out)
                    jobs.append((_racer, args))
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            futures = [pool.submit(fn, *args) for fn, args in jobs]  # type: ignore[operator]
            for f in futures:
                f.result(timeout=180)
    finally:
        for c in clients.values():
            c.close()
    return out


def _check(factory: sessionmaker[Session], out: Outcome, audit_before: int) -> None:
    bad = [s for s in out.statuses if not (200 <= s < 300 or s == 409)]
    assert not bad, f"statuses other than 2xx and 409: {sorted(out.statuses)}"
    assert len(out.races) == RACES_PER_PARTY * len(PARTIES)
    for key in out.races:  # of two writers from the same version, exactly one won
        assert len(out.race_winners.get(key, [])) == 1, f"{key}: winners {out.race_winners}"
    with factory() as s:
        ev = s.scalar(
            select(Evaluation)
            .join(Plan)
            .where(Plan.code == "opcon-cotp", Evaluation.code == "2026")
        )
        assert ev is not None
        rows = s.execute(
            select(
                Party.code,
                Standard.code,
                PartyRating.level,
                PartyRating.rationale,
                PartyRating.version,
            )
            .join(Party, Party.id == PartyRating.party_id)
            .join(Standard, Standard.id == PartyRating.standard_id)
            .where(PartyRating.evaluation_id == ev.id)
        ).all()
        stored = {(p, c): (lv, why, v) for p, c, lv, why, v in rows}
        assert len(stored) == len(rows), "a rating is stored twice"
        assert stored == out.expected  # every successful write is there, nothing else
        total = s.scalar(select(func.count()).select_from(AuditRecord))
        assert total == audit_before + out.saves
        check = audit.verify(s)
        assert check.ok and check.records == total, check


def _audit_count(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(AuditRecord)) or 0)


@pytest.fixture
def database_url(_template_db: str, tmp_path: Path) -> Iterator[str]:
    """conftest's fresh database, but on PostgreSQL one of this test's own: the servers must
    not see another suite empty the shared test database under them."""
    where = tmp_path / "data"
    where.mkdir()
    with live_servers.fresh_database(_template_db, where, "workers") as url:
        yield url


@pytest.fixture
def spawn(database_url: str, tmp_path: Path) -> Iterator[list[live_servers.Server]]:
    """Servers started by a test; every one is killed at the end, whatever happened."""
    started: list[live_servers.Server] = []
    yield started
    for server in started:
        server.kill()


def test_two_servers_on_one_database_lose_no_update(
    database_url: str,
    tmp_path: Path,
    factory: sessionmaker[Session],
    opcon: Plan,
    people: dict[str, str],
    spawn: list[live_servers.Server],
) -> None:
    for name in ("one", "two"):
        spawn.append(live_servers.start(database_url, tmp_path / "data", tmp_path, name=name))
    for server in spawn:
        server.wait_ready()
    before = _audit_count(factory)
    out = _write_concurrently([s.url for s in spawn], people)
    assert 409 in out.statuses  # the races really were races
    _check(factory, out, before)


def test_one_server_with_two_worker_processes(
    database_url: str,
    tmp_path: Path,
    factory: sessionmaker[Session],
    opcon: Plan,
    people: dict[str, str],
    spawn: list[live_servers.Server],
) -> None:
    server = live_servers.start(database_url, tmp_path / "data", tmp_path, workers=2)
    spawn.append(server)
    server.wait_ready()
    assert len(server.workers()) == 2, server.output()
    before = _audit_count(factory)
    out = _write_concurrently([server.url], people)
    _check(factory, out, before)
    assert "with 2 worker processes" in server.output()


def test_more_concurrent_requests_than_pooled_connections(
    live_url: str, people: dict[str, str]
) -> None:
    """Authentication waits for a pooled connection in a worker thread, never on the event
    loop: there, with every connection taken, it would stall the whole process."""
    headers = {"Authorization": f"Bearer {people['observer']}"}
    with httpx.Client(headers=headers, timeout=httpx.Timeout(25.0)) as client:

        def status(_: int) -> int:
            return client.get(f"{live_url}{URL}/status").status_code

        with ThreadPoolExecutor(max_workers=40) as pool:
            codes = list(pool.map(status, range(80)))
    assert codes == [200] * 80


def test_one_worker_serves_from_a_supervised_process(
    database_url: str, tmp_path: Path, opcon: Plan, spawn: list[live_servers.Server]
) -> None:
    """`accord serve` with one worker serves from a spawned process (the CLI's modules stay in
    the supervisor) and replaces that worker when it dies."""
    server = live_servers.start(database_url, tmp_path / "data", tmp_path)
    spawn.append(server)
    server.wait_ready()
    [first] = server.workers()
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + live_servers.START_TIMEOUT
    while server.workers() in ([], [first]):
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.2)
    server.wait_ready()
    assert server.proc.poll() is None and len(server.workers()) == 1


def test_each_worker_listens_on_its_own_socket_and_a_replacement_takes_it_over(
    database_url: str,
    tmp_path: Path,
    opcon: Plan,
    people: dict[str, str],
    spawn: list[live_servers.Server],
) -> None:
    """Two workers, two listening sockets on one port (SO_REUSEPORT, web/supervisor.py): the
    kernel spreads new connections over both.  A killed worker's replacement serves its
    socket: were that socket left without a worker, about half of the new connections would
    wait there for ever."""
    server = live_servers.start(database_url, tmp_path / "data", tmp_path, workers=2)
    spawn.append(server)
    server.wait_ready()
    workers = server.workers()
    assert len(workers) == 2, server.output()
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + live_servers.START_TIMEOUT
    while len(set(server.workers()) - {workers[0]}) < 2:
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.2)
    server.wait_ready()
    headers = {"Authorization": f"Bearer {people['observer']}", "Connection": "close"}
    codes = [
        httpx.get(f"{server.url}{URL}/status", headers=headers, timeout=10.0).status_code
        for _ in range(30)  # a new connection each: the kernel picks a socket for each
    ]
    assert codes == [200] * 30
