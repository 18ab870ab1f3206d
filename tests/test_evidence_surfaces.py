"""Releasability, surface by surface: ROK's party-only evidence is invisible to the US side
(and present for ROK where the surface is a party's own view).

Every test puts a shared item and a ROK party-only item side by side, so that each fails if
its surface stops filtering (the shared item proves the surface does show evidence).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from accord.cli import app as cli_app
from accord.config import Settings
from accord.db import transaction
from accord.formats import framework_yaml
from accord.models import ActionItem, AuditRecord, Plan
from accord.reports import render
from accord.reports.assemble import build_report
from accord.services import accounts, oscal_export, ratings, sheets
from accord.services import evidence as ev
from accord.services import evidence_lifecycle as lifecycle
from accord.services import lifecycle as lifecycle_service
from accord.services.actors import Actor, actor_for
from accord.services.examples import demo_password, example_text

PLAN = "opcon-cotp"
API = f"/api/v1/plans/{PLAN}"
SHARED = "Combined exercise report SHARED-7c1e"
SECRET = "ROK internal readiness brief SECRET-93fa"
Client = Callable[[str], TestClient]


def _actor(s: Session, name: str) -> Actor:
    return actor_for(s, accounts.get_user(session=s, username=name))


def _attach(
    s: Session,
    settings: Settings,
    code: str,
    title: str,
    *,
    party_only: bool,
    target: ev.Target | None = None,
    data: bytes | None = None,
) -> dict[str, Any]:
    content = (
        ev.Content(kind="file", title=title, data=data, filename=f"{title}.pdf")
        if data
        else ev.Content(kind="note", title=title, note=f"{title} (note)")
    )
    return ev.attach(
        session=s,
        actor=_actor(s, "rok-evaluator"),
        plan_code=PLAN,
        code=code,
        target=target or ev.Target(standard="C1.1.1", joint=True),
        content=content,
        data_dir=settings.data_dir,
        max_bytes=settings.evidence_max_bytes,
        releasability="party-only" if party_only else "shared",
    )


@pytest.fixture
def seeded(
    factory: sessionmaker[Session], settings: Settings, people: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """On concluded 2025's joint rating of C1.1.1: a shared file and a ROK party-only file."""
    with transaction(factory) as s:
        shared = _attach(s, settings, "2025", SHARED, party_only=False, data=b"%PDF-1.7 shared")
        secret = _attach(s, settings, "2025", SECRET, party_only=True, data=b"%PDF-1.7 secret")
    return {"shared": shared, "secret": secret}


def _sign_both(as_user: Client) -> None:
    for who in ("rok-signer", "us-signer"):
        r = as_user(who).post(
            f"{API}/evaluations/2025/signatures", json={"passphrase": demo_password(who)}
        )
        assert r.status_code == 201, r.text


def _browser(app: Any, username: str) -> TestClient:
    """A client signed in through the sign-in form, with its session cookie."""
    client = TestClient(app)
    form = client.get("/sign-in")
    pre = re.search(r'name="pre_token" value="([^"]+)"', form.text)
    assert pre is not None
    r = client.post(
        "/sign-in",
        data={"username": username, "password": demo_password(username), "pre_token": pre[1]},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def test_page_workspace_hides_party_only_evidence_and_its_count(
    app: Any, seeded: dict[str, dict[str, Any]]
) -> None:
    url = f"/plans/{PLAN}/evaluations/2025"
    us = _browser(app, "us-evaluator").get(url).text
    assert SHARED in us and SECRET not in us and seeded["secret"]["uid"] not in us
    assert 'data-evidence-count="C1.1.1">1<' in us
    rok = _browser(app, "rok-signer").get(url).text
    assert SHARED in rok and SECRET in rok
    assert 'data-evidence-count="C1.1.1">2<' in rok
    assert 'data-releasability="party-only"' in rok and ">party-only</span>" in rok
    observer = _browser(app, "observer").get(url).text
    assert SECRET not in observer and 'data-evidence-count="C1.1.1">1<' in observer


def concluded_2026(factory: sessionmaker[Session]) -> str:
    """Both parties rate 2026 (every standard at its third level) and ROK's signer concludes
    it: its gaps become action items.  The uid of the first one (ROK's)."""
    fw = framework_yaml.load(example_text("opcon", "framework.yaml"))
    levels = [
        ratings.RatingInput(x.code, fw.scale(x.scale).levels[2].label) for x in fw.standards()
    ]
    with transaction(factory) as s:
        for who in ("rok-evaluator", "us-evaluator"):
            actor = _actor(s, who)
            ratings.save_ratings(
                session=s, actor=actor, plan_code=PLAN, code="2026", ratings=levels
            )
            ratings.submit(session=s, actor=actor, plan_code=PLAN, code="2026")
        lifecycle_service.conclude(
            session=s, actor=_actor(s, "rok-signer"), plan_code=PLAN, code="2026"
        )
        item = s.scalar(select(ActionItem.uid).order_by(ActionItem.id))
    assert item is not None
    return item


def test_page_action_items_hide_party_only_evidence(
    app: Any, factory: sessionmaker[Session], settings: Settings, people: dict[str, str]
) -> None:
    item = concluded_2026(factory)
    with transaction(factory) as s:
        target = ev.Target(action_item=item)
        _attach(s, settings, "2026", SHARED, party_only=False, target=target)
        _attach(s, settings, "2026", SECRET, party_only=True, target=target)
    us = _browser(app, "us-evaluator").get(f"/plans/{PLAN}/action-items").text
    assert SHARED in us and SECRET not in us
    assert f'data-evidence-count="{item}">1<' in us
    rok = _browser(app, "rok-evaluator").get(f"/plans/{PLAN}/action-items").text
    assert SECRET in rok and f'data-evidence-count="{item}">2<' in rok


def test_api_list_and_counts(
    as_user: Client, factory: sessionmaker[Session], seeded: dict[str, dict[str, Any]]
) -> None:
    for who, expected in (("us-evaluator", 1), ("observer", 1), ("admin", 1), ("rok-signer", 2)):
        listed = as_user(who).get(f"{API}/evaluations/2025/evidence").json()
        titles = [d["title"] for d in listed["evidence"]]
        assert listed["count"] == expected and (SECRET in titles) == (expected == 2), who
    with factory() as s:
        us = ev.counts(session=s, actor=_actor(s, "us-evaluator"), plan_code=PLAN, code="2025")
        rok = ev.counts(session=s, actor=_actor(s, "rok-evaluator"), plan_code=PLAN, code="2025")
    assert us == {"C1.1.1": 1} and rok == {"C1.1.1": 2}


def test_api_download(as_user: Client, seeded: dict[str, dict[str, Any]]) -> None:
    url = f"{API}/evidence/{seeded['secret']['uid']}/download"
    for who in ("us-evaluator", "us-signer", "observer", "admin"):
        assert as_user(who).get(url).status_code == 404, who
    got = as_user("rok-signer").get(url)
    assert got.status_code == 200 and got.content == b"%PDF-1.7 secret"
    shared = as_user("us-evaluator").get(f"{API}/evidence/{seeded['shared']['uid']}/download")
    assert shared.status_code == 200


def test_report_html_markdown_and_json(
    as_user: Client, factory: sessionmaker[Session], seeded: dict[str, dict[str, Any]]
) -> None:
    us = as_user("us-evaluator")
    md = us.get(f"{API}/evaluations/2025/report", params={"format": "md"})
    assert md.status_code == 200 and SHARED in md.text and SECRET not in md.text
    doc = us.get(f"{API}/evaluations/2025/report", params={"format": "json"}).json()
    assert doc["evidence_count"] == 1 and SECRET not in json.dumps(doc)
    with factory() as s:
        for who, count in (("us-signer", 1), ("rok-evaluator", 2)):
            report = build_report(session=s, actor=_actor(s, who), plan_code=PLAN, code="2025")
            html = render.render_html(report, svgs={})
            markdown = render.render_markdown(report)
            assert report["evidence_count"] == count
            assert f"Evidence ({count}):" in html and SHARED in html and SHARED in markdown
            assert (SECRET in html) == (SECRET in markdown) == (count == 2), who
    page = _page_report(as_user)
    assert SHARED in page and SECRET not in page


def _page_report(as_user: Client) -> str:
    r = as_user("us-evaluator").get(f"/plans/{PLAN}/evaluations/2025/report")
    assert r.status_code == 200
    return r.text


def test_signed_bundle_carries_shared_evidence_only(
    as_user: Client, seeded: dict[str, dict[str, Any]]
) -> None:
    _sign_both(as_user)
    for who in ("us-evaluator", "rok-evaluator"):  # one record, the same for every party
        r = as_user(who).get(f"{API}/evaluations/2025/bundle")
        assert r.status_code == 200, r.text
        refs = json.loads(r.json()["document"])["evidence"]
        assert [e["title"] for e in refs] == [SHARED], who
        assert refs[0]["sha256"] == seeded["shared"]["sha256"]
        assert refs[0]["releasability"] == "shared" and SECRET not in r.text


def test_shared_evidence_is_refused_once_a_party_signed(
    as_user: Client, seeded: dict[str, dict[str, Any]]
) -> None:
    r = as_user("rok-signer").post(
        f"{API}/evaluations/2025/signatures", json={"passphrase": demo_password("rok-signer")}
    )
    assert r.status_code == 201
    note = {"kind": "note", "note": "late", "standard": "C1.1.1", "joint": True}
    late = as_user("us-evaluator").post(f"{API}/evaluations/2025/evidence", json=note)
    assert late.status_code == 409 and "signed by ROK" in late.json()["detail"]
    own = as_user("us-evaluator").post(
        f"{API}/evaluations/2025/evidence", json={**note, "releasability": "party-only"}
    )
    assert own.status_code == 201  # not part of the record
    r = as_user("us-signer").post(
        f"{API}/evaluations/2025/signatures", json={"passphrase": demo_password("us-signer")}
    )
    assert r.status_code == 201, r.text  # the record did not change under ROK's signature


def test_oscal_export_carries_shared_evidence_only(
    as_user: Client, factory: sessionmaker[Session], seeded: dict[str, dict[str, Any]]
) -> None:
    from trestle.oscal.assessment_results import AssessmentResults

    with factory() as s:
        plan = s.scalar(select(Plan).where(Plan.code == PLAN))
        assert plan is not None
        for who in ("us-evaluator", "rok-evaluator"):
            text = oscal_export.assessment_results(
                session=s, actor=_actor(s, who), plan=plan, code="2025"
            )
            doc = json.loads(text)
            AssessmentResults.model_validate(doc["assessment-results"])
            assert SHARED in text and SECRET not in text, who
            assert seeded["shared"]["sha256"] in text and seeded["secret"]["sha256"] not in text
    (result,) = doc["assessment-results"]["results"]
    linked = [o for o in result["observations"] if o.get("relevant-evidence")]
    assert [o["title"] for o in linked] == ["Joint rating of C1.1.1"]


def test_sheets_carry_no_evidence(
    factory: sessionmaker[Session], settings: Settings, people: dict[str, str]
) -> None:
    with transaction(factory) as s:
        own = ev.Target(standard="C1.1.1")  # ROK's own (draft) rating of open 2026
        _attach(s, settings, "2026", SHARED, party_only=False, target=own)
        _attach(s, settings, "2026", SECRET, party_only=True, target=own)
    with factory() as s:
        for who in ("us-evaluator", "rok-evaluator"):
            for fmt in ("csv", "xlsx"):
                got = sheets.export_sheet(
                    session=s, actor=_actor(s, who), plan_code=PLAN, code="2026", format=fmt
                )
                assert SECRET.encode() not in got.content and SHARED.encode() not in got.content


def test_cli_list(
    people: dict[str, str],
    database_url: str,
    settings: Settings,
    seeded: dict[str, dict[str, Any]],
) -> None:
    def listing(user: str | None) -> str:
        env = {
            "ACCORD_DATABASE_URL": database_url,
            "ACCORD_DATA_DIR": str(settings.data_dir),
            "COLUMNS": "300",
        }
        if user:
            env["ACCORD_TOKEN"] = people[user]
        r = CliRunner().invoke(cli_app, ["evidence", "list", "2025"], env=env)
        assert r.exit_code == 0, r.output
        return r.output

    assert seeded["secret"]["uid"] in listing("rok-evaluator")
    for who in ("us-signer", "observer", None):
        out = listing(who)
        assert seeded["shared"]["uid"] in out and seeded["secret"]["uid"] not in out, who
        assert "1 item(s)" in out


def test_audit_trail_keeps_party_only_details_out(
    factory: sessionmaker[Session], settings: Settings, people: dict[str, str]
) -> None:
    """There is no audit-trail page yet; every member may read the trail (audit.view), so
    the records themselves must not carry what party-only evidence says."""
    with transaction(factory) as s:
        shared = _attach(s, settings, "2026", SHARED, party_only=False)
        secret = _attach(s, settings, "2026", SECRET, party_only=True)
        for doc in (shared, secret):
            lifecycle.remove(
                session=s,
                actor=_actor(s, "rok-signer"),
                plan_code=PLAN,
                uid=doc["uid"],
                data_dir=Path(settings.data_dir),
            )
    with factory() as s:
        records = list(s.scalars(select(AuditRecord).where(AuditRecord.action.like("evidence.%"))))
    text = {(r.action, r.target): r.before + r.after for r in records}
    assert SHARED in text[("evidence.attach", shared["uid"])]
    assert SHARED in text[("evidence.remove", shared["uid"])]
    assert SECRET not in text[("evidence.attach", secret["uid"])]
    assert SECRET not in text[("evidence.remove", secret["uid"])]
    assert all(SECRET not in t for t in text.values())
