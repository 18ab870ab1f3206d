"""Evidence: content-addressed files, size limit, sniffing, who sees what, expiry, carry forward."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from accord.cli import app as cli_app
from accord.config import Settings
from accord.db import transaction
from accord.formats import framework_yaml
from accord.models import AuditRecord, Evidence
from accord.permissions import Forbidden
from accord.services import Invalid, NotFound, accounts, ratings
from accord.services import evidence as ev
from accord.services import evidence_lifecycle as lifecycle
from accord.services.actors import Actor, actor_for
from accord.services.evidence_store import sniff
from accord.services.examples import example_text

LIMIT = 4096
PLAN = "opcon-cotp"
EVIDENCE = f"/api/v1/plans/{PLAN}/evaluations/{{code}}/evidence"
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n"
Client = Callable[[str], TestClient]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, evidence_max_bytes=LIMIT)


def _actor(s: Session, name: str) -> Actor:
    return actor_for(s, accounts.get_user(session=s, username=name))


def _upload(
    client: TestClient, code: str, data: bytes, name: str = "report.pdf", **fields: str
) -> dict:  # type: ignore[type-arg]
    fields.setdefault("standard", "C1.1.1")
    r = client.post(
        EVIDENCE.format(code=code),
        files={"file": (name, data, "application/pdf")},
        data=fields,
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _list(client: TestClient, code: str, standard: str | None = None) -> dict:  # type: ignore[type-arg]
    r = client.get(EVIDENCE.format(code=code), params={"standard": standard} if standard else {})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _download(client: TestClient, uid: str):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/plans/{PLAN}/evidence/{uid}/download")


def test_files_are_stored_by_content_once(as_user: Client, settings: Settings) -> None:
    rok = as_user("rok-evaluator")
    first = _upload(rok, "2026", PDF, "a.pdf")
    second = _upload(rok, "2026", PDF, "b.pdf", joint="true")
    assert first["sha256"] == second["sha256"] and first["uid"] != second["uid"]
    sha = first["sha256"]
    stored = settings.data_dir / "evidence" / sha[:2] / sha
    assert stored.read_bytes() == PDF
    assert [p.name for p in stored.parent.iterdir()] == [sha]  # no copy, no temp file left
    assert first["media_type"] == "application/pdf" and first["size"] == len(PDF)
    assert first["target"] == {"kind": "party", "standard": "C1.1.1", "party": "ROK"}
    assert second["target"] == {"kind": "joint", "standard": "C1.1.1"}
    got = _download(rok, first["uid"])
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"


def test_size_limit_names_the_limit(
    as_user: Client, factory: sessionmaker[Session], settings: Settings
) -> None:
    r = as_user("rok-evaluator").post(
        EVIDENCE.format(code="2026"),
        files={"file": ("big.pdf", b"%PDF" + b"x" * LIMIT, "application/pdf")},
        data={"standard": "C1.1.1"},
    )
    assert r.status_code == 413 and f"{LIMIT} bytes" in r.json()["detail"]
    with transaction(factory) as s, pytest.raises(Invalid, match=f"limit of {LIMIT} bytes"):
        ev.attach(
            session=s,
            actor=_actor(s, "rok-evaluator"),
            plan_code=PLAN,
            code="2026",
            target=ev.Target(standard="C1.1.1"),
            content=ev.Content(kind="file", data=b"x" * (LIMIT + 1), filename="big"),
            data_dir=settings.data_dir,
            max_bytes=LIMIT,
        )
    assert not (settings.data_dir / "evidence").exists()


def test_sniffing_trusts_the_bytes_not_the_name() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    assert sniff(buf.getvalue()).endswith("spreadsheetml.sheet")
    assert sniff(PDF) == "application/pdf"
    assert sniff(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert sniff(b"\xff\xd8\xff\xe0....") == "image/jpeg"
    assert sniff("plain 한국어 text\n".encode()) == "text/plain"
    assert sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>") == "application/octet-stream"
    assert sniff(b"\x00\x01\x02") == "application/octet-stream"


def test_html_named_pdf_is_served_as_an_inert_attachment(as_user: Client) -> None:
    rok = as_user("rok-evaluator")
    doc = _upload(rok, "2026", b"<!DOCTYPE html><script>alert(1)</script>", "report.pdf")
    assert doc["media_type"] == "application/octet-stream"
    r = _download(rok, doc["uid"])
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith('attachment; filename="report.pdf"')
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-security-policy"].startswith("sandbox;")


def test_party_only_is_invisible_to_others_in_api_list_count_and_download(
    as_user: Client,
) -> None:
    rok = as_user("rok-evaluator")
    secret = _upload(rok, "2025", PDF, joint="true", releasability="party-only")
    shared = _upload(rok, "2025", PDF + b"2", joint="true")
    assert secret["owner"] == "ROK"
    assert {d["uid"] for d in _list(as_user("rok-signer"), "2025")["evidence"]} == {
        secret["uid"],
        shared["uid"],
    }
    for who in ("us-evaluator", "us-signer", "observer", "admin"):
        listed = _list(as_user(who), "2025", "C1.1.1")
        assert listed["count"] == 1 and [d["uid"] for d in listed["evidence"]] == [shared["uid"]]
        r = _download(as_user(who), secret["uid"])
        assert r.status_code == 404, who
        assert r.json()["detail"] == _download(as_user(who), "no-such-uid").json()[
            "detail"
        ].replace("no-such-uid", secret["uid"])  # the same answer as for nothing at all
    assert _download(as_user("rok-signer"), secret["uid"]).status_code == 200


def test_party_only_is_invisible_in_the_cli_list(
    as_user: Client, people: dict[str, str], database_url: str, settings: Settings
) -> None:
    secret = _upload(
        as_user("rok-evaluator"),
        "2025",
        PDF,
        "secret.pdf",
        joint="true",
        releasability="party-only",
    )
    runner = CliRunner()

    def listing(user: str | None) -> str:
        env = {
            "ACCORD_DATABASE_URL": database_url,
            "ACCORD_DATA_DIR": str(settings.data_dir),
            "COLUMNS": "250",
        }
        if user:
            env["ACCORD_TOKEN"] = people[user]
        r = runner.invoke(cli_app, ["evidence", "list", "2025", "--standard", "C1.1.1"], env=env)
        assert r.exit_code == 0, r.output
        return r.output

    assert secret["uid"] in listing("rok-signer")
    for user in ("us-evaluator", "observer", None):
        out = listing(user)
        assert secret["uid"] not in out and "secret.pdf" not in out and "no evidence" in out


def test_cli_add_attaches_a_note_and_a_file(
    people: dict[str, str], database_url: str, settings: Settings, tmp_path: Path
) -> None:
    runner = CliRunner()
    env = {
        "ACCORD_DATABASE_URL": database_url,
        "ACCORD_DATA_DIR": str(settings.data_dir),
        "ACCORD_TOKEN": people["us-evaluator"],
        "COLUMNS": "250",
    }
    f = tmp_path / "x.pdf"
    f.write_bytes(PDF)
    args = ["evidence", "add", "2026", "C1.1.1"]
    r = runner.invoke(cli_app, [*args, "--file", str(f), "--expires", "2099-01-01"], env=env)
    assert r.exit_code == 0 and "(US, shared)" in r.output, r.output
    r = runner.invoke(cli_app, [*args, "--note", "seen", "--joint", "--party-only"], env=env)
    assert r.exit_code == 0 and "party-only" in r.output, r.output
    r = runner.invoke(cli_app, [*args, "--note", "a", "--link", "https://x.org"], env=env)
    assert r.exit_code == 1 and "exactly one" in r.output
    r = runner.invoke(cli_app, ["evidence", "list", "2026"], env=env)
    assert "x.pdf" in r.output and "seen" in r.output and "2 item(s)" in r.output


def _rate_and_submit(s: Session, who: str) -> None:
    fw = framework_yaml.load(example_text("opcon", "framework.yaml"))
    levels = [
        ratings.RatingInput(x.code, fw.scale(x.scale).levels[2].label) for x in fw.standards()
    ]
    actor = _actor(s, who)
    ratings.save_ratings(session=s, actor=actor, plan_code=PLAN, code="2026", ratings=levels)
    ratings.submit(session=s, actor=actor, plan_code=PLAN, code="2026")


def test_draft_rating_evidence_is_blind_until_all_submitted(
    as_user: Client, factory: sessionmaker[Session]
) -> None:
    doc = _upload(as_user("rok-evaluator"), "2026", PDF)  # on ROK's draft rating
    us = as_user("us-evaluator")
    assert _list(us, "2026")["count"] == 0
    assert _download(us, doc["uid"]).status_code == 404
    assert _list(as_user("observer"), "2026")["count"] == 0
    with transaction(factory) as s:
        _rate_and_submit(s, "rok-evaluator")
    assert _list(us, "2026")["count"] == 0  # ROK submitted, US has not: still blind
    with transaction(factory) as s:
        _rate_and_submit(s, "us-evaluator")
    assert [d["uid"] for d in _list(us, "2026")["evidence"]] == [doc["uid"]]
    assert _download(us, doc["uid"]).status_code == 200


def test_expired_evidence_flags_the_ratings_resting_on_it(
    as_user: Client, factory: sessionmaker[Session], settings: Settings
) -> None:
    with transaction(factory) as s:
        rok = _actor(s, "rok-evaluator")
        for standard, expires in (("C1.1.1", dt.date(2025, 1, 1)), ("C1.1.2", None)):
            ev.attach(
                session=s,
                actor=rok,
                plan_code=PLAN,
                code="2025",
                target=ev.Target(standard=standard, joint=True),
                content=ev.Content(kind="note", note="exercise report"),
                data_dir=settings.data_dir,
                max_bytes=LIMIT,
                effective_on=dt.date(2024, 1, 1),
                expires_on=expires,
            )
        flagged = lifecycle.expired_standards(
            session=s, actor=_actor(s, "observer"), plan_code=PLAN, code="2025"
        )
        assert [(f["standard"], f["ratings"]) for f in flagged] == [("C1.1.1", ["joint"])]
        assert (
            lifecycle.expired_standards(
                session=s, actor=rok, plan_code=PLAN, code="2025", today=dt.date(2024, 6, 1)
            )
            == []
        )
    listed = _list(as_user("us-evaluator"), "2025")
    assert [f["standard"] for f in listed["expired"]] == ["C1.1.1"]
    assert [d["expired"] for d in listed["evidence"]] == [True, False]


def test_carry_forward_makes_references_not_new_evidence(
    as_user: Client, factory: sessionmaker[Session]
) -> None:
    rok = as_user("rok-evaluator")
    original = _upload(rok, "2025", PDF, joint="true", effective_on="2025-09-01")
    secret = _upload(rok, "2025", PDF, joint="true", releasability="party-only")
    with transaction(factory) as s:
        admin = _actor(s, "admin")
        result = lifecycle.carry_forward(
            session=s, actor=admin, plan_code=PLAN, source="2025", target="2026"
        )
        assert result["carried"] == 2
        again = lifecycle.carry_forward(
            session=s, actor=admin, plan_code=PLAN, source="2025", target="2026"
        )
        assert again["carried"] == 0  # carrying twice adds nothing
        with pytest.raises(NotFound):  # another plan's existence stays private
            lifecycle.carry_forward(
                session=s, actor=admin, plan_code="nope", source="2025", target="2026"
            )
        signer = _actor(s, "rok-signer")
        with pytest.raises(Forbidden):  # administrators only
            lifecycle.carry_forward(
                session=s, actor=signer, plan_code=PLAN, source="2025", target="2026"
            )
    carried = _list(as_user("us-evaluator"), "2026")["evidence"]
    assert len(carried) == 1  # the party-only one stays ROK's
    (ref,) = carried
    assert ref["uid"] != original["uid"] and ref["carried_from"] == original["uid"]
    assert ref["sha256"] == original["sha256"] and ref["effective_on"] == "2025-09-01"
    assert ref["label"] == "carried forward from 2025"
    assert ref["carried_from_evaluation"] == "2025"
    mine = {d["carried_from"] for d in _list(rok, "2026")["evidence"]}
    assert mine == {original["uid"], secret["uid"]}
    assert _download(as_user("us-evaluator"), ref["uid"]).content == PDF


def test_every_write_is_audited_without_leaking_party_only_details(
    as_user: Client, factory: sessionmaker[Session]
) -> None:
    rok = as_user("rok-evaluator")
    shared = _upload(rok, "2025", PDF, "shared.pdf", joint="true")
    secret = _upload(rok, "2025", PDF, "secret.pdf", joint="true", releasability="party-only")
    with transaction(factory) as s:
        lifecycle.carry_forward(
            session=s, actor=_actor(s, "admin"), plan_code=PLAN, source="2025", target="2026"
        )
        records = {
            r.target: r
            for r in s.scalars(select(AuditRecord).where(AuditRecord.action.like("evidence.%")))
        }
    assert records[shared["uid"]].action == "evidence.attach"
    assert json.loads(records[shared["uid"]].after)["title"] == "shared.pdf"
    hidden = records[secret["uid"]]
    assert hidden.party == "ROK" and "secret.pdf" not in hidden.after
    assert json.loads(records[f"{PLAN}/2026"].after)["carried"] == 2


def test_who_may_attach(as_user: Client, factory: sessionmaker[Session]) -> None:
    note = {"kind": "note", "note": "n", "standard": "C1.1.1"}
    url = EVIDENCE.format(code="2026")
    assert as_user("observer").post(url, json=note).status_code == 403
    assert as_user("admin").post(url, json={**note, "joint": True}).status_code == 403
    assert as_user("us-evaluator").post(url, json={**note, "party": "ROK"}).status_code == 403
    assert as_user("us-signer").post(url, json={**note, "joint": True}).status_code == 201
    bad = as_user("us-evaluator").post(url, json={**note, "standard": "Z9"})
    assert bad.status_code == 422 and "Z9" in bad.json()["detail"]
    link = as_user("us-evaluator").post(url, json={"kind": "link", "url": "javascript:x"})
    assert link.status_code == 422
    with factory() as s:
        item = s.scalar(select(Evidence.id))
    assert item is not None  # only the signer's note was written
