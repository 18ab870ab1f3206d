"""What every benchmark shares: the machine's description and merging into results.json."""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"


def cpu_model() -> str:
    """The CPU's model name, from /proc/cpuinfo where there is one."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def save(key: str, record: dict[str, Any]) -> None:
    """Store `record` under `key` in bench/results.json, keeping the other benchmarks' keys."""
    results: dict[str, Any] = {}
    if RESULTS.exists():
        try:
            loaded = json.loads(RESULTS.read_text())
            if isinstance(loaded, dict):
                results = loaded
        except json.JSONDecodeError:
            print(f"warning: {RESULTS} was not valid JSON; rewriting it", file=sys.stderr)
    results[key] = record
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


# --------------------------------------------------------------------------- a real server


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at this moment."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    url: str, data_dir: Path, port: int, workers: int = 1, *, lean: bool = False
) -> Any:
    """`accord serve` on 127.0.0.1:`port` over database `url`, once it accepts connections.

    `lean`: uvicorn on the app factory instead, a worker without the CLI's modules loaded.
    Its log goes to data_dir/server.log: a pipe nobody reads would block it once full.
    """
    import http.client
    import os
    import subprocess
    import time

    accord = Path(sys.executable).with_name("accord")
    env = {**os.environ, "ACCORD_DATABASE_URL": url, "ACCORD_DATA_DIR": str(data_dir)}
    args = [str(accord), "serve", "--port", str(port), "--workers", str(workers)]
    if lean:
        app = "accord.web.app:app_from_environment"
        args = [sys.executable, "-m", "uvicorn", app, "--factory", "--port", str(port)]
        args += ["--host", "127.0.0.1", "--log-level", "warning", "--workers", str(workers)]
    log = (data_dir / "server.log").open("wb")
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = (data_dir / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"accord serve exited: {tail}")
        try:
            # an answer, not just a connection: the supervisor's socket accepts before the
            # worker it spawns is serving
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    proc.wait()
    raise RuntimeError("accord serve did not start within 30 s")


def stop_server(proc: Any) -> None:
    """Stop a server from `start_server` (SIGTERM, then SIGKILL after 10 s)."""
    import subprocess

    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def serving_pid(pid: int) -> int:
    """The process serving requests for the server `pid`: its one spawned worker (`accord
    serve` serves from a child process, even with one worker), else `pid` itself."""
    workers = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"multiprocessing.spawn" in cmdline:
                workers.append(int(child))
    if len(workers) > 1:
        raise RuntimeError(f"server {pid} has {len(workers)} workers: measure one of them")
    return workers[0] if workers else pid


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident set) of process `pid`, in kB, from /proc."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0])
    return out
