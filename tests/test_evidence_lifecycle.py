"""Evidence over time: removal (who, when, the stored file, the audit trail), carrying forward
by route and command, and evidence on action items from the CLI."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from accord.cli import app as cli_app
from accord.config import Settings
from accord.db import transaction
from accord.models import AuditRecord
from accord.services import accounts, lifecycle, plans
from accord.services import evidence as ev
from accord.services import evidence_lifecycle as evl
from accord.services.actors import SYSTEM, Actor, actor_for
from accord.services.evidence_store import path_for
from accord.services.examples import example_text
from test_evidence_surfaces import concluded_2026

PLAN = "opcon-cotp"
API = f"/api/v1/plans/{PLAN}"
PDF = b"%PDF-1.7 lifecycle\n"
Client = Callable[[str], TestClient]


def _actor(s: Session, name: str) -> Actor:
    return actor_for(s, accounts.get_user(session=s, username=name))


def _upload(client: TestClient, code: str, data: bytes = PDF, **fields: str) -> dict[str, Any]:
    fields.setdefault("standard", "C1.1.1")
    r = client.post(
        f"{API}/evaluations/{code}/evidence",
        files={"file": ("lifecycle.pdf", data, "application/pdf")},
        data=fields,
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _env(database_url: str, settings: Settings, token: str | None = None) -> dict[str, str]:
    env = {
        "ACCORD_DATABASE_URL": database_url,
        "ACCORD_DATA_DIR": str(settings.data_dir),
        "COLUMNS": "300",
    }
    if token:
        env["ACCORD_TOKEN"] = token
    return env


def test_only_the_owner_party_removes_and_it_is_audited(
    as_user: Client, factory: sessionmaker[Session]
) -> None:
    doc = _upload(as_user("rok-evaluator"), "2026", joint="true")
    url = f"{API}/evidence/{doc['uid']}"
    for who in ("us-evaluator", "us-signer", "observer", "admin"):
        r = as_user(who).delete(url)
        assert r.status_code == 403 and "may not remove" in r.json()["detail"], who
    r = as_user("rok-signer").delete(url)
    assert r.status_code == 200, r.text
    assert r.json() == {"removed": doc["uid"], "evaluation": "2026", "file_deleted": True}
    assert as_user("rok-signer").delete(url).status_code == 404
    with factory() as s:
        record = s.scalar(
            select(AuditRecord).where(
                AuditRecord.action == "evidence.remove", AuditRecord.target == doc["uid"]
            )
        )
    assert record is not None and record.actor == "rok-signer" and record.party == "ROK"
    assert json.loads(record.before)["title"] == "lifecycle.pdf"
    assert json.loads(record.after) == {"file_deleted": True}


def test_party_only_evidence_of_another_party_cannot_even_be_found(as_user: Client) -> None:
    doc = _upload(as_user("rok-evaluator"), "2026", joint="true", releasability="party-only")
    r = as_user("us-signer").delete(f"{API}/evidence/{doc['uid']}")
    assert r.status_code == 404  # as for nothing at all: its existence is ROK's


def test_the_record_keeps_its_evidence_once_concluded(
    as_user: Client, factory: sessionmaker[Session]
) -> None:
    doc = _upload(as_user("rok-evaluator"), "2025", joint="true")  # 2025 is concluded
    r = as_user("rok-evaluator").delete(f"{API}/evidence/{doc['uid']}")
    assert r.status_code == 409
    assert "2025, which is concluded: the record keeps its evidence" in r.json()["detail"]
    assert as_user("us-evaluator").get(f"{API}/evaluations/2025/evidence").json()["count"] == 1


def test_action_item_evidence_can_be_removed_after_the_conclusion(
    as_user: Client, factory: sessionmaker[Session]
) -> None:
    item = concluded_2026(factory)
    r = as_user("us-evaluator").post(
        f"{API}/evaluations/2026/evidence",
        json={"kind": "note", "note": "booked", "action_item": item},
    )
    assert r.status_code == 201, r.text
    assert as_user("rok-evaluator").delete(f"{API}/evidence/{r.json()['uid']}").status_code == 403
    assert as_user("us-evaluator").delete(f"{API}/evidence/{r.json()['uid']}").status_code == 200


def test_the_stored_file_goes_with_the_last_row_of_any_plan(
    as_user: Client, factory: sessionmaker[Session], settings: Settings, people: dict[str, str]
) -> None:
    rok = as_user("rok-evaluator")
    first = _upload(rok, "2026")  # ROK's rating
    second = _upload(rok, "2026", joint="true")  # the same bytes: one stored file
    stored = path_for(settings.data_dir, first["sha256"])
    with transaction(factory) as s:  # a third row in another plan, same file
        other = plans.create_plan(
            session=s, text=example_text("opcon", "framework.yaml"), source="t", code="other"
        )
        accounts.grant_role(
            session=s,
            actor=SYSTEM,
            user=accounts.get_user(session=s, username="rok-evaluator"),
            plan=other,
            role="evaluator",
            party_code="ROK",
        )
        lifecycle.create_evaluation(
            session=s,
            actor=SYSTEM,
            plan_code="other",
            code="2031",
            label="2031",
            held_on=dt.date(2031, 1, 1),
        )
        elsewhere = ev.attach(
            session=s,
            actor=_actor(s, "rok-evaluator"),
            plan_code="other",
            code="2031",
            target=ev.Target(standard="C1.1.1", joint=True),
            content=ev.Content(kind="file", data=PDF, filename="again.pdf"),
            data_dir=settings.data_dir,
            max_bytes=settings.evidence_max_bytes,
        )
    assert elsewhere["sha256"] == first["sha256"]
    r = rok.delete(f"{API}/evidence/{first['uid']}")
    assert r.json()["file_deleted"] is False and stored.exists()
    r = rok.delete(f"{API}/evidence/{second['uid']}")
    assert r.json()["file_deleted"] is False and stored.exists()  # "other" still uses it
    with transaction(factory) as s:
        gone = evl.remove(
            session=s,
            actor=_actor(s, "rok-evaluator"),
            plan_code="other",
            uid=elsewhere["uid"],
            data_dir=settings.data_dir,
        )
        assert gone["file_deleted"] is True
        assert stored.exists()  # deleted only once the removal is committed
    assert not stored.exists()


def test_a_rolled_back_removal_keeps_the_file(
    as_user: Client, factory: sessionmaker[Session], settings: Settings
) -> None:
    doc = _upload(as_user("rok-evaluator"), "2026")
    with factory() as s:
        evl.remove(
            session=s,
            actor=_actor(s, "rok-evaluator"),
            plan_code=PLAN,
            uid=doc["uid"],
            data_dir=settings.data_dir,
        )
        s.rollback()
    assert path_for(settings.data_dir, doc["sha256"]).exists()
    assert as_user("rok-evaluator").get(f"{API}/evidence/{doc['uid']}/download").content == PDF


def test_carried_copies_share_the_file_until_the_last_goes(
    as_user: Client, factory: sessionmaker[Session], settings: Settings
) -> None:
    rok = as_user("rok-evaluator")
    original = _upload(rok, "2026", joint="true")
    with transaction(factory) as s:
        lifecycle.create_evaluation(
            session=s,
            actor=SYSTEM,
            plan_code=PLAN,
            code="2027",
            label="2027",
            held_on=dt.date(2027, 10, 1),
        )
    r = as_user("admin").post(
        f"{API}/evaluations/2027/evidence/carry-forward", json={"from": "2026"}
    )
    assert r.status_code == 200 and r.json()["carried"] == 1
    assert rok.delete(f"{API}/evidence/{original['uid']}").json()["file_deleted"] is False
    (copy,) = rok.get(f"{API}/evaluations/2027/evidence").json()["evidence"]
    assert copy["label"] == "carried forward (original removed)"
    assert rok.get(f"{API}/evidence/{copy['uid']}/download").content == PDF
    assert rok.delete(f"{API}/evidence/{copy['uid']}").json()["file_deleted"] is True
    assert not path_for(settings.data_dir, original["sha256"]).exists()


def test_carry_forward_route(as_user: Client, factory: sessionmaker[Session]) -> None:
    _upload(as_user("rok-evaluator"), "2025", joint="true", effective_on="2025-09-01")
    url = f"{API}/evaluations/2026/evidence/carry-forward"
    assert as_user("rok-signer").post(url, json={"from": "2025"}).status_code == 403
    assert as_user("observer").post(url, json={"from": "2025"}).status_code == 403
    r = as_user("admin").post(url, json={"from": "2025"})
    assert r.status_code == 200, r.text
    assert r.json() == {"from": "2025", "to": "2026", "carried": 1, "skipped": 0}
    assert as_user("admin").post(url, json={"from": "2025"}).json()["carried"] == 0
    (ref,) = as_user("us-evaluator").get(f"{API}/evaluations/2026/evidence").json()["evidence"]
    assert ref["label"] == "carried forward from 2025" and ref["effective_on"] == "2025-09-01"
    back = as_user("admin").post(
        f"{API}/evaluations/2025/evidence/carry-forward", json={"from": "2026"}
    )
    assert back.status_code == 409 and "2025 is concluded" in back.json()["detail"]
    itself = as_user("admin").post(url, json={"from": "2026"})
    assert itself.status_code == 422 and itself.json()["detail"].startswith("from:")
    assert as_user("admin").post(url, json={}).status_code == 422
    assert as_user("admin").post(url, json={"from": "1999"}).status_code == 404


def test_cli_carry_forward_and_remove(
    as_user: Client, people: dict[str, str], database_url: str, settings: Settings
) -> None:
    doc = _upload(as_user("rok-evaluator"), "2025", joint="true")
    runner = CliRunner()
    r = runner.invoke(
        cli_app, ["evidence", "carry-forward", "2025", "2026"], env=_env(database_url, settings)
    )
    assert r.exit_code == 0 and "carried 1 item(s) of evidence from 2025 into 2026" in r.output
    r = runner.invoke(
        cli_app,
        ["evidence", "carry-forward", "2025", "2026"],
        env=_env(database_url, settings, people["rok-signer"]),
    )
    assert r.exit_code == 1 and "may not set up evaluations" in r.output
    r = runner.invoke(
        cli_app,
        ["evidence", "remove", doc["uid"]],
        env=_env(database_url, settings, people["rok-evaluator"]),
    )
    assert r.exit_code == 1 and "the record keeps its evidence" in r.output
    (ref,) = as_user("rok-evaluator").get(f"{API}/evaluations/2026/evidence").json()["evidence"]
    r = runner.invoke(
        cli_app,
        ["evidence", "remove", ref["uid"]],
        env=_env(database_url, settings, people["us-evaluator"]),
    )
    assert r.exit_code == 1 and "may not remove" in r.output
    r = runner.invoke(
        cli_app,
        ["evidence", "remove", ref["uid"]],
        env=_env(database_url, settings, people["rok-evaluator"]),
    )
    assert r.exit_code == 0 and f"removed evidence {ref['uid']} from 2026" in r.output
    assert "stored file was deleted" not in r.output  # the 2025 original still uses it
    r = runner.invoke(cli_app, ["evidence", "remove", ref["uid"]], env=_env(database_url, settings))
    assert r.exit_code == 1 and "--token" in r.output


def test_cli_add_to_an_action_item(
    factory: sessionmaker[Session], people: dict[str, str], database_url: str, settings: Settings
) -> None:
    item = concluded_2026(factory)
    runner = CliRunner()
    env = _env(database_url, settings, people["us-evaluator"])
    args = ["evidence", "add", "2026", "--action-item", item]
    r = runner.invoke(cli_app, [*args, "--link", "https://example.org/plan"], env=env)
    assert r.exit_code == 0, r.output
    assert f"to action item {item}" in r.output and "US, shared)" in r.output
    r = runner.invoke(cli_app, [*args, "--note", "x", "--joint"], env=env)
    assert r.exit_code == 1 and "--joint" in r.output
    r = runner.invoke(cli_app, [*args[:3], "C1.1.1", "--action-item", item, "--note", "x"], env=env)
    assert r.exit_code == 1 and "either STANDARD or --action-item" in r.output
    r = runner.invoke(cli_app, [*args[:3], "--note", "x"], env=env)
    assert r.exit_code == 1 and "either STANDARD or --action-item" in r.output
    r = runner.invoke(
        cli_app, ["evidence", "add", "2026", "--action-item", "nope", "--note", "x"], env=env
    )
    assert r.exit_code == 1 and "no action item 'nope'" in r.output
    r = runner.invoke(cli_app, ["evidence", "list", "2026"], env=env)
    assert "action item" in r.output and "https://example.org/plan" in r.output
