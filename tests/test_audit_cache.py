"""The audit page's verdict on the whole chain is remembered per state of the chain: an
unchanged chain is not walked again on every load; a new record, a removed one, a record shown
that fails its hash, or the end of the time window walk it again.  `accord audit verify`
always walks it in full."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from accord.cli import app as cli
from accord.db import transaction
from accord.models import AuditRecord
from accord.services import audit, audit_log, revisions

API = "/api/v1/audit"


@pytest.fixture(autouse=True)
def walks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the walks of the whole chain; a fixed clock (no window ends unless moved)."""
    revisions.forget()
    counted: list[int] = []
    real = audit.verify

    def verify(session: Session) -> audit.Verification:
        counted.append(1)
        return real(session)

    monkeypatch.setattr(audit, "verify", verify)
    monkeypatch.setattr(audit_log, "_clock", lambda: 1_000_000.0)
    yield counted
    revisions.forget()


def _rate(as_user: Callable[[str], TestClient], level: str = "Full") -> None:
    r = as_user("rok-evaluator").put(
        "/api/v1/plans/opcon-cotp/evaluations/2026/ratings",
        json={"ratings": [{"standard": "C1.1.1", "level": level, "rationale": "r"}]},
    )
    assert r.status_code == 200, r.text


def _verdict(as_user: Callable[[str], TestClient], **params: object) -> dict[str, object]:
    r = as_user("admin").get(API, params=params)
    assert r.status_code == 200, r.text
    return dict(r.json()["verification"])


def test_an_unchanged_chain_is_walked_once_and_a_new_record_walks_it_again(
    as_user: Callable[[str], TestClient], walks: list[int]
) -> None:
    first = _verdict(as_user)
    assert first["ok"] and len(walks) == 1
    assert _verdict(as_user) == first and len(walks) == 1
    html = as_user("admin").get("/audit").text
    assert "The chain is intact" in html and len(walks) == 1
    _rate(as_user)
    after = _verdict(as_user)
    assert len(walks) == 2 and after["ok"] and after["records"] == first["records"] + 1  # type: ignore[operator]
    assert after["head"] != first["head"]


def test_a_removed_record_is_seen_at_once(
    as_user: Callable[[str], TestClient], factory: sessionmaker[Session], walks: list[int]
) -> None:
    assert _verdict(as_user)["ok"]
    with transaction(factory) as s:
        s.execute(delete(AuditRecord).where(AuditRecord.seq == 2))
    verdict = _verdict(as_user)
    assert verdict["ok"] is False and verdict["broken_at"] == 2 and len(walks) == 2


def test_a_changed_record_on_the_page_is_seen_at_once(
    as_user: Callable[[str], TestClient], factory: sessionmaker[Session], walks: list[int]
) -> None:
    assert _verdict(as_user)["ok"]
    with transaction(factory) as s:
        s.execute(update(AuditRecord).where(AuditRecord.seq == 3).values(actor="mallory"))
    verdict = _verdict(as_user)  # record 3 is among those shown: its hash fails
    assert verdict["ok"] is False and verdict["broken_at"] == 3


def test_a_changed_record_not_shown_waits_for_a_new_record_or_the_window(
    as_user: Callable[[str], TestClient],
    factory: sessionmaker[Session],
    walks: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The documented trade-off (docs/security.md): an edit in place that leaves head, count
    and last id alone is not seen by the remembered verdict until the chain grows or the window
    ends; the records shown are still checked one by one, and the CLI walks the whole chain."""
    assert _verdict(as_user, limit=1)["ok"]
    with transaction(factory) as s:
        s.execute(update(AuditRecord).where(AuditRecord.seq == 2).values(actor="mallory"))
    assert _verdict(as_user, limit=1)["ok"] and len(walks) == 1  # remembered
    monkeypatch.setattr(audit_log, "_clock", lambda: 1_000_000.0 + audit_log.REVERIFY_SECONDS)
    verdict = _verdict(as_user, limit=1)
    assert verdict["ok"] is False and verdict["broken_at"] == 2 and len(walks) == 2


def test_the_cli_always_walks_the_whole_chain(
    as_user: Callable[[str], TestClient],
    factory: sessionmaker[Session],
    database_url: str,
    tmp_path: Path,
) -> None:
    assert _verdict(as_user, limit=1)["ok"]
    with transaction(factory) as s:
        s.execute(update(AuditRecord).where(AuditRecord.seq == 2).values(actor="mallory"))
    env = {"ACCORD_DATABASE_URL": database_url, "ACCORD_DATA_DIR": str(tmp_path / "ws")}
    r = CliRunner().invoke(cli, ["audit", "verify"], env=env)
    assert r.exit_code == 1 and "BROKEN at record 2" in r.output
    with factory() as s:
        assert s.scalar(select(AuditRecord.actor).where(AuditRecord.seq == 2)) == "mallory"
