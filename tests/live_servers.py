"""Real `accord serve` processes for the multi-process tests (test_workers, test_crash_safety):
started on a free loopback port in a process group of their own, waited for until they
answer, and killed by that group only."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from accord import schema
from accord.db import make_engine

ACCORD = Path(sys.executable).with_name("accord")
START_TIMEOUT = 60.0  # seconds; a busy machine imports slowly


PG_URL = os.environ.get("ACCORD_TEST_DATABASE_URL")


@contextmanager
def fresh_database(template: str, where: Path, purpose: str) -> Iterator[str]:
    """A migrated, empty database of the kind under test, as conftest's `database_url`; on
    PostgreSQL one of its own beside the test database (dropped afterwards), so that a suite
    running at the same time on that one cannot empty it under the servers."""
    if not PG_URL:
        path = where / "accord.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    name = f"{make_url(PG_URL).database}_{purpose}_{os.getpid()}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
        schema.upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def command(*args: str) -> list[str]:
    """The `accord` command line, through the virtual environment's script if there is one."""
    base = [str(ACCORD)] if ACCORD.exists() else [sys.executable, "-m", "accord"]
    return [*base, *args]


def environment(database_url: str, data_dir: Path) -> dict[str, str]:
    """The environment of a child accord process on this database and workspace."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ACCORD_") and k not in ("PORT", "WEB_CONCURRENCY")
    }
    env.update(ACCORD_DATABASE_URL=database_url, ACCORD_DATA_DIR=str(data_dir))
    return env


@dataclass
class Server:
    """One `accord serve` process group."""

    proc: subprocess.Popen[bytes]
    url: str
    log: Path
    killed: bool = field(default=False)

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace") if self.log.exists() else ""

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Return once /healthz answers; fail with the server's output if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"accord serve exited ({self.proc.returncode}):\n{self.output()}"
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"accord serve did not answer within {timeout:g} s:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL the whole process group (the server and any workers); wait for it."""
        if not self.killed:
            self.killed = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=15)

    def workers(self) -> list[int]:
        """Process ids of the server's direct children that are Python worker processes."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.proc.pid and "multiprocessing.spawn" in cmdline:
                found.append(int(entry.name))
        return found


def start(
    database_url: str, data_dir: Path, log_dir: Path, *, workers: int = 1, name: str = "server"
) -> Server:
    """Start `accord serve` (without waiting for it to answer: see `Server.wait_ready`)."""
    port = free_port()
    log = log_dir / f"{name}-{port}.log"
    args = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers != 1:
        args += ["--workers", str(workers)]
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            command(*args),
            env=environment(database_url, data_dir),
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: killed as one, and only it
        )
    return Server(proc, f"http://127.0.0.1:{port}", log)


def audit_verify(database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """`accord audit verify` on the database, as an operator would run it."""
    return subprocess.run(
        command("audit", "verify"),
        env=environment(database_url, data_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
