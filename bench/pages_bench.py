"""Pages benchmark: the speed a person feels.

(a) server time of the plan dashboard (OPCON example, the observer): target under 100 ms;
(b) server time of the evaluation workspace of a 1,000-standard framework (the synthetic plan
    of workflow_bench.py, built through services/formats), as an evaluator whose party has
    rated every standard: target under 300 ms;
(c) bytes transferred on the first load of each main page in Chromium, the page and every
    stylesheet, script and image it loads, with an empty cache, as they travel (gzip-compressed:
    pages too, their CSRF token being masked per response): target at most 500 KB.

Server time is the time from sending the request to the last byte of the answer over HTTP on
127.0.0.1 (uvicorn in a thread, keep-alive), median and 95th percentile of REPEATS requests
after WARMUP. Run with `python bench/pages_bench.py` (`make bench`); the figures are merged
into bench/results.json under "pages".
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the page states the browser tests use

from accord import schema  # noqa: E402
from accord.config import Settings  # noqa: E402
from accord.db import make_engine, make_sessionmaker, transaction  # noqa: E402
from accord.services import accounts, lifecycle, ratings  # noqa: E402
from accord.services.actors import SYSTEM, actor_for  # noqa: E402
from accord.services.plans import create_plan  # noqa: E402
from accord.web.app import create_app  # noqa: E402
from benchlib import cpu_model, free_port, save, start_server, stop_server  # noqa: E402
from page_states import PLAN, sign_in, stage  # noqa: E402
from workflow_bench import PARTIES, framework_text, party_levels  # noqa: E402

WARMUP, REPEATS = 3, 20
PASSWORD = "pages-bench-password-7"
TARGETS = {"dashboard_ms": 100.0, "workspace_1k_ms": 300.0, "first_load_kb": 500.0}
BIG = "bench-1k"
WS = f"{PLAN}/evaluations"
# the main pages: (name, user, path)
MAIN_PAGES = [
    ("sign-in", None, "/sign-in"),
    ("plans", "observer", "/"),
    ("dashboard", "observer", PLAN),
    ("evaluations", "observer", f"{PLAN}/evaluations"),
    ("framework", "observer", f"{PLAN}/framework"),
    ("workspace", "rok-evaluator", f"{WS}/2027"),
    ("reconciliation", "us-evaluator", f"{WS}/2026/reconciliation"),
    ("sign-off", "rok-signer", f"{WS}/2025/sign-off"),
    ("report", "observer", f"{WS}/2025/report"),
    ("action-items", "rok-evaluator", f"{PLAN}/action-items"),
    ("inbox", "rok-evaluator", f"{PLAN}/inbox"),
    ("audit", "admin", f"{PLAN}/audit"),
    ("admin", "admin", "/admin/users"),
    ("profile", "rok-evaluator", "/profile"),
]


def fresh_settings(where: Path) -> Settings:
    url = f"sqlite:///{where / 'accord.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    return Settings(data_dir=where, database_url=url)


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process `pid` and its children (`accord serve` may run
    its worker as a child process) have used so far, from /proc."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat(int(entry.name))
        except OSError:  # ended meanwhile
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's id
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def timed(client: httpx.Client, path: str, pid: int) -> dict[str, float]:
    """Median and 95th percentile milliseconds of GET `path`, the server process's CPU time
    per request (which a busy machine does not inflate) and the page's size in bytes, as HTML
    and as sent."""
    times, size, wire = [], 0, 0
    for _ in range(WARMUP):
        client.get(path)
    cpu = cpu_seconds(pid)
    for _ in range(REPEATS):
        start = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:300]}"
        size, wire = len(r.content), r.num_bytes_downloaded
    cpu_ms = (cpu_seconds(pid) - cpu) * 1000 / REPEATS
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
        "server_cpu_ms": round(cpu_ms, 1),
        "html_bytes": size,
        "wire_bytes": wire,  # compressed (httpx asks for gzip, as browsers do)
    }


def big_workspace(where: Path) -> tuple[Any, str, str]:
    """A database with the 1,000-standard plan, an open evaluation E1 that ROK has rated fully;
    returns (its settings, ROK evaluator's token, path of the workspace)."""
    import random

    settings = fresh_settings(where)
    app = create_app(settings)
    factory = make_sessionmaker(app.state.engine)
    levels = party_levels(random.Random(7))
    with transaction(factory) as s:
        plan = create_plan(session=s, text=framework_text(), source="bench")
        admin = actor_for(
            s,
            accounts.create_user(
                session=s, actor=SYSTEM, username="admin", password=PASSWORD, is_admin=True
            ),
        )
        user = accounts.create_user(
            session=s, actor=SYSTEM, username="rok-evaluator", password=PASSWORD
        )
        accounts.grant_role(
            session=s, actor=SYSTEM, user=user, plan=plan, role="evaluator", party_code=PARTIES[0]
        )
        token = accounts.create_token(session=s, actor=SYSTEM, user=user, name="bench")[0]
        lifecycle.create_evaluation(
            session=s,
            actor=admin,
            plan_code=BIG,
            code="E1",
            label="E1",
            held_on=dt.date(2030, 1, 1),
        )
        lifecycle.open_evaluation(session=s, actor=admin, plan_code=BIG, code="E1")
        rok = actor_for(s, user)
        ratings.save_ratings(
            session=s,
            actor=rok,
            plan_code=BIG,
            code="E1",
            party_code=PARTIES[0],
            ratings=[
                ratings.RatingInput(standard=c, level=lv, rationale=f"rationale for {c}")
                for c, lv in levels[PARTIES[0]].items()
            ],
        )
    app.state.engine.dispose()
    return settings, token, f"/plans/{BIG}/evaluations/E1"


@contextmanager
def server(settings: Settings) -> Iterator[tuple[str, int]]:
    """`accord serve` (one worker, its own process) on the database of `settings`; yields its
    base URL and process id."""
    port = free_port()
    proc = start_server(settings.resolved_database_url(), Path(settings.data_dir), port)
    try:
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        stop_server(proc)


def first_loads(
    base: str, pages: list[tuple[str, str | None, str]], token: str | None = None
) -> dict[str, Any]:
    """Bytes over the wire (headers and bodies, as encoded) of each page's first load, signed
    in through the sign-in page as its user (or with the API `token`)."""
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {}
    signed_in: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        for name, user, path in pages:
            state = None
            if user and user not in signed_in:
                # once per user: sign-in attempts are throttled
                signing = browser.new_context()
                sign_in(signing, base, user)
                signed_in[user] = signing.storage_state()  # the session cookie, not the cache
                signing.close()
            if user:
                state = signed_in[user]
            context = browser.new_context(
                viewport={"width": 1440, "height": 900},
                storage_state=state,
                extra_http_headers={"Authorization": f"Bearer {token}"} if token else None,
            )
            page = context.new_page()
            loaded: list[Any] = []
            page.on("requestfinished", lambda request, into=loaded: into.append(request))
            response = page.goto(base + path, wait_until="networkidle")
            assert response is not None and response.ok, path
            assert user is None or "/sign-in" not in page.url, f"{path}: not signed in"
            total, files = 0, 0
            for request in loaded:
                sizes = request.sizes()
                total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
                files += 1
            out[name] = {"kb": round(total / 1024, 1), "requests": files}
            context.close()
        browser.close()
    return out


def main() -> int:
    """Measure (a), (b) and (c), print them and merge them into bench/results.json."""
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    record: dict[str, Any] = {"machine": {"cpu": cpu_model()}, "targets": TARGETS}
    with tempfile.TemporaryDirectory(prefix="accord-pages-") as tmp:
        (Path(tmp) / "opcon").mkdir()
        (Path(tmp) / "big").mkdir()
        settings = fresh_settings(Path(tmp) / "opcon")
        staged = stage(settings)
        staged.app.state.engine.dispose()
        with server(settings) as (base, pid):
            auth = {"Authorization": f"Bearer {staged.tokens['observer']}"}
            with httpx.Client(base_url=base, headers=auth, timeout=60) as client:
                record["dashboard"] = timed(client, PLAN, pid)
            print(f"dashboard: {record['dashboard']}", flush=True)
            record["first_load"] = first_loads(base, MAIN_PAGES)

        big, token, path = big_workspace(Path(tmp) / "big")
        with server(big) as (base, pid):
            auth = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=auth, timeout=60) as client:
                record["workspace_1k"] = timed(client, path, pid)
            print(f"workspace of 1,000 standards: {record['workspace_1k']}", flush=True)
            record["first_load"]["workspace-1k"] = first_loads(
                base, [("workspace-1k", None, path)], token=token
            )["workspace-1k"]
    record["machine"]["load_average"] = os.getloadavg()

    main_pages = {k: v for k, v in record["first_load"].items() if k != "workspace-1k"}
    heaviest = max(main_pages.items(), key=lambda kv: kv[1]["kb"])
    record["verdict"] = {
        "dashboard_ms": record["dashboard"]["median_ms"] < TARGETS["dashboard_ms"],
        "dashboard_cpu_ms": record["dashboard"]["server_cpu_ms"] < TARGETS["dashboard_ms"],
        "workspace_1k_ms": record["workspace_1k"]["median_ms"] < TARGETS["workspace_1k_ms"],
        "workspace_1k_cpu_ms": (
            record["workspace_1k"]["server_cpu_ms"] < TARGETS["workspace_1k_ms"]
        ),
        "first_load_kb": heaviest[1]["kb"] <= TARGETS["first_load_kb"],
        "heaviest_main_page": heaviest[0],
        # counted as sent: the page gzip-compressed (web/app.py), like its static files
        "workspace_1k_first_load_kb": (
            record["first_load"]["workspace-1k"]["kb"] <= TARGETS["first_load_kb"]
        ),
    }
    for name, figures in record["first_load"].items():
        print(f"first load of {name}: {figures['kb']} KB in {figures['requests']} requests")
    print(f"verdict: {record['verdict']}")
    save("pages", record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
