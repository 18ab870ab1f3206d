"""Crash safety: `accord serve` killed with SIGKILL in the middle of a large sheet import and
of a rating submission.  After a restart on the same database the request's writes are all
there or none of them, and `accord audit verify` passes (SQLite, or PostgreSQL with
ACCORD_TEST_DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from argon2 import PasswordHasher
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import live_servers
from accord.db import make_engine, make_sessionmaker, transaction
from accord.formats import sheets as fmt
from accord.models import (
    AuditRecord,
    Evaluation,
    JointRating,
    Party,
    PartyRating,
    PartySubmission,
    Plan,
    User,
)
from accord.services import accounts, audit, lifecycle, ratings, sheets
from accord.services.actors import SYSTEM, actor_for
from accord.services.plans import create_plan

PLAN = "crash"
STANDARDS = 2000  # 80 fields of 25
LEVELS = ["Initial", "Developing", "Partial", "Substantial", "Full"]
API = f"/api/v1/plans/{PLAN}/evaluations"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _framework() -> str:
    fields = [
        {
            "code": f"F{f}",
            "title": f"Field {f}",
            "standards": [
                {"code": f"S{f}.{s}", "title": f"Standard {f}.{s}", "threshold": "Partial"}
                for s in range(25)
            ],
        }
        for f in range(STANDARDS // 25)
    ]
    document = {
        "format": "accord/framework@1",
        "code": PLAN,
        "title": "Synthetic plan for the crash tests",
        "version": "1",
        "parties": [{"code": "ROK", "name": "ROK"}, {"code": "US", "name": "US"}],
        "reconciliation": {"rule": "consensus", "lead_party": "ROK"},
        "scales": [
            {
                "code": "five",
                "name": "Five levels",
                "levels": [{"label": lb, "value": i / 4} for i, lb in enumerate(LEVELS)],
            }
        ],
        "default_scale": "five",
        "conditions": [{"code": "C1", "title": "Condition", "fields": fields}],
    }
    return yaml.safe_dump(document, sort_keys=False)


@dataclass(frozen=True)
class Workspace:
    url: str
    data_dir: Path
    tokens: dict[str, str]  # party -> API token of its evaluator
    sheet: bytes  # ROK's filled sheet of evaluation "sheet", every standard rated


@pytest.fixture(scope="module")
def workspace(_template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A plan of 2,000 standards with two open evaluations: "sheet" (nothing rated yet) and
    "submit" (both parties rated everything, ROK submitted: US's submission is the last)."""
    data_dir = tmp_path_factory.mktemp("crash")
    with live_servers.fresh_database(_template_db, data_dir, "crash") as url:
        yield _populate(url, data_dir)


def _populate(url: str, data_dir: Path) -> Workspace:
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        with transaction(factory) as s:
            plan = create_plan(session=s, text=_framework(), source="crash test")
            tokens = {}
            for name, party in (("rok", "ROK"), ("us", "US")):
                user = accounts.create_user(
                    session=s, actor=SYSTEM, username=name, password="crash-test-password"
                )
                accounts.grant_role(
                    session=s,
                    actor=SYSTEM,
                    user=user,
                    plan=plan,
                    role="evaluator",
                    party_code=party,
                )
                tokens[party] = accounts.create_token(
                    session=s, actor=SYSTEM, user=user, name="crash"
                )[0]
            for code in ("sheet", "submit"):
                lifecycle.create_evaluation(
                    session=s,
                    actor=SYSTEM,
                    plan_code=PLAN,
                    code=code,
                    label=code,
                    held_on=dt.date(2030, 1, 1),
                )
                lifecycle.open_evaluation(session=s, actor=SYSTEM, plan_code=PLAN, code=code)
    with transaction(factory) as s:
        codes = [f"S{f}.{i}" for f in range(STANDARDS // 25) for i in range(25)]
        for name in ("rok", "us"):
            actor = actor_for(s, s.scalar(select(User).where(User.username == name)))  # type: ignore[arg-type]
            ratings.save_ratings(
                session=s,
                actor=actor,
                plan_code=PLAN,
                code="submit",
                ratings=[ratings.RatingInput(c, "Partial", "", None) for c in codes],
            )
        rok = actor_for(s, s.scalar(select(User).where(User.username == "rok")))  # type: ignore[arg-type]
        ratings.submit(session=s, actor=rok, plan_code=PLAN, code="submit")
        exported = sheets.export_sheet(session=s, actor=rok, plan_code=PLAN, code="sheet")
    engine.dispose()
    book = load_workbook(io.BytesIO(exported.content))
    for i, row in enumerate(book[fmt.RATINGS].iter_rows(min_row=2)):
        row[6].value = LEVELS[i % len(LEVELS)]
        row[7].value = f"offline rationale {i}"
    buf = io.BytesIO()
    book.save(buf)
    return Workspace(url, data_dir, tokens, buf.getvalue())


def _audit_count(session: Session, evaluation: str, actions: tuple[str, ...]) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.target == f"{PLAN}/{evaluation}", AuditRecord.action.in_(actions))
        )
        or 0
    )


def _evaluation(session: Session, code: str) -> Evaluation:
    ev = session.scalar(
        select(Evaluation).join(Plan).where(Plan.code == PLAN, Evaluation.code == code)
    )
    assert ev is not None
    return ev


def _sheet_state(ws: Workspace) -> bool:
    """True when the sheet's ratings are all saved, False when none are; fails on a part."""
    engine = make_engine(ws.url)
    try:
        with make_sessionmaker(engine)() as s:
            ev = _evaluation(s, "sheet")
            rated = s.scalar(
                select(func.count())
                .select_from(PartyRating)
                .join(Party, Party.id == PartyRating.party_id)
                .where(PartyRating.evaluation_id == ev.id, Party.code == "ROK")
            )
            audited = _audit_count(s, "sheet", ("rating.save",))
    finally:
        engine.dispose()
    assert (rated, audited) in ((0, 0), (STANDARDS, 1)), f"partial import: {rated}, {audited}"
    return rated == STANDARDS


def _submission_state(ws: Workspace) -> bool:
    """True when US's submission and the reconciliation it began are all saved, False when
    none of it is; fails on anything in between."""
    engine = make_engine(ws.url)
    try:
        with make_sessionmaker(engine)() as s:
            ev = _evaluation(s, "submit")
            submitted = s.scalar(
                select(func.count())
                .select_from(PartySubmission)
                .where(PartySubmission.evaluation_id == ev.id)
            )
            joint = s.scalar(
                select(func.count())
                .select_from(JointRating)
                .where(JointRating.evaluation_id == ev.id)
            )
            audited = _audit_count(s, "submit", ("rating.submit", "reconciliation.begin"))
            state = (submitted, ev.status, joint, audited)
    finally:
        engine.dispose()
    done = (2, "reconciliation", STANDARDS, 3)  # ROK's submission was in the setup
    assert state in ((1, "open", 0, 1), done), f"partial submission: {state}"
    return state == done


SERVER_NAME = "accord-crash-server"  # the server's PostgreSQL application_name


def _server_url(ws: Workspace) -> str:
    """The database URL the servers use: on PostgreSQL tagged so that the probe below finds
    their connections (other tests may be using the same database server)."""
    if not ws.url.startswith("postgresql"):
        return ws.url
    return ws.url + ("&" if "?" in ws.url else "?") + f"application_name={SERVER_NAME}"


class _Writing:
    """Whether a server transaction has written and not yet committed, right now.  On
    PostgreSQL one autocommit connection is kept open for the polling: a connection per poll
    took longer than the whole write of a fast request (a sheet of 2,000 ratings)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.engine = None
        self.conn = None
        if ws.url.startswith("postgresql"):
            self.engine = make_engine(ws.url, isolation_level="AUTOCOMMIT")
            self.conn = self.engine.connect()

    def __call__(self) -> bool:
        if self.conn is not None:
            return bool(
                self.conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE application_name = :name AND backend_xid IS NOT NULL"
                    ),
                    {"name": SERVER_NAME},
                )
            )
        path = make_url(self.ws.url).database
        assert path
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")  # fails at once while another writer holds the lock
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return True
            raise
        finally:
            probe.close()

    def close(self) -> None:
        if self.conn is not None and self.engine is not None:
            self.conn.close()
            self.engine.dispose()


IN_TRANSACTION = None  # a kill "delay": the moment the request's transaction has written


def _kill_in_flight(
    ws: Workspace,
    tmp_path: Path,
    spawn: list[live_servers.Server],
    send: Callable[[str], httpx.Response],
    state: Callable[[Workspace], bool],
    delays: tuple[float | None, ...],
) -> live_servers.Server:
    """Send the request and SIGKILL the server: `delay` seconds later, or (IN_TRANSACTION)
    as soon as its transaction has written and not committed; after each kill restart the
    server on the same database, check all-or-nothing and run `accord audit verify`.  Then
    the request once more without a kill.  The last server is returned."""
    url = _server_url(ws)
    server = live_servers.start(url, ws.data_dir, tmp_path, name="first")
    spawn.append(server)
    server.wait_ready()
    for delay in delays:
        if state(ws):
            break
        answer: dict[str, object] = {}

        def request(base: str = server.url, answer: dict[str, object] = answer) -> None:
            try:
                answer["status"] = send(base).status_code
            except httpx.HTTPError as exc:
                answer["error"] = exc

        thread = threading.Thread(target=request)
        writing = _Writing(ws) if delay is IN_TRANSACTION else None
        thread.start()
        if writing is not None:
            deadline = time.monotonic() + 60
            try:
                while not writing():
                    assert thread.is_alive(), f"the request ended before it was killed: {answer}"
                    assert time.monotonic() < deadline, "the request's transaction never started"
                    time.sleep(0.001)
            finally:
                writing.close()
        else:
            time.sleep(delay)
        server.kill()
        thread.join(timeout=30)
        assert not thread.is_alive()
        assert "error" in answer, f"the request ended before it was killed: {answer}"
        server = live_servers.start(url, ws.data_dir, tmp_path, name=f"after-{delay}")
        spawn.append(server)
        verified = live_servers.audit_verify(ws.url, ws.data_dir)  # while the server starts
        server.wait_ready()
        state(ws)  # all or nothing (all only if the kill came while the commit was on its way)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "intact" in verified.stdout, verified.stdout
    if not state(ws):  # the request still works after the crashes, and saves everything
        r = send(server.url)
        assert r.status_code == 200, r.text
        assert state(ws)
    engine = make_engine(ws.url)
    try:
        with make_sessionmaker(engine)() as s:
            assert audit.verify(s).ok
    finally:
        engine.dispose()
    return server


@pytest.fixture
def spawn() -> Iterator[list[live_servers.Server]]:
    """Servers started by a test; every one is killed at the end, whatever happened."""
    started: list[live_servers.Server] = []
    yield started
    for server in started:
        server.kill()


def test_a_sheet_import_killed_midway_is_all_or_nothing(
    workspace: Workspace, tmp_path: Path, spawn: list[live_servers.Server]
) -> None:
    def upload(base: str) -> httpx.Response:
        return httpx.post(
            f"{base}{API}/sheet/sheet",
            headers={"Authorization": f"Bearer {workspace.tokens['ROK']}"},
            files={"file": ("crash.xlsx", workspace.sheet, XLSX)},
            timeout=60,
        )

    server = _kill_in_flight(
        workspace, tmp_path, spawn, upload, _sheet_state, delays=(0.2, IN_TRANSACTION)
    )
    r = httpx.get(
        f"{server.url}{API}/sheet/ratings/ROK",
        headers={"Authorization": f"Bearer {workspace.tokens['ROK']}"},
        timeout=60,
    )
    assert r.status_code == 200 and len(r.json()) == STANDARDS
    assert {x["rationale"] for x in r.json()} >= {"offline rationale 0", "offline rationale 1999"}


def test_a_submission_killed_midway_is_all_or_nothing(
    workspace: Workspace, tmp_path: Path, spawn: list[live_servers.Server]
) -> None:
    def submit(base: str) -> httpx.Response:
        return httpx.post(
            f"{base}{API}/submit/submission",
            headers={"Authorization": f"Bearer {workspace.tokens['US']}"},
            json={},
            timeout=60,
        )

    server = _kill_in_flight(
        workspace, tmp_path, spawn, submit, _submission_state, delays=(0.05, IN_TRANSACTION)
    )
    r = httpx.get(
        f"{server.url}{API}/submit/status",
        headers={"Authorization": f"Bearer {workspace.tokens['US']}"},
        timeout=60,
    )
    assert r.status_code == 200 and r.json()["status"] == "reconciliation", r.text
