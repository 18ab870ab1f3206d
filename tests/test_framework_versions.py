"""Framework versions: draft -> proposed -> agreed (every party's signer) -> superseded."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from accord.db import transaction
from accord.formats.framework_yaml import FrameworkError
from accord.models import AuditRecord, Plan
from accord.permissions import Forbidden
from accord.services import Conflict, Invalid, NotFound, accounts, audit, plans
from accord.services import framework_versions as versions
from accord.services.actors import SYSTEM, Actor, actor_for
from accord.services.examples import example_text
from accord.services.frameworks import current_version

OPCON = example_text("opcon", "framework.yaml")
V2 = (
    OPCON.replace('version: "2018.1"', 'version: "2019.1"')
    .replace("target_date: 2030-12-31", "target_date: 2031-12-31")
    .replace(
        "threshold: Full\n            weight: 2", "threshold: Substantial\n            weight: 3", 1
    )
)


def actor(s: Session, name: str) -> Actor:
    return actor_for(s, accounts.get_user(session=s, username=name))


def plan_in(s: Session, opcon: Plan) -> Plan:
    plan = s.get(Plan, opcon.id)
    assert plan is not None
    return plan


# --------------------------------------------------------------------------- service


def test_full_lifecycle_in_the_service(
    factory: sessionmaker[Session], opcon: Plan, people: dict[str, str]
) -> None:
    with transaction(factory) as s:
        plan = plan_in(s, opcon)
        draft = versions.create_draft(session=s, actor=SYSTEM, plan=plan, text=V2, source="v2.yaml")
        assert (draft.version, draft.status, draft.standards) == ("2019.1", "draft", 26)
        assert len(draft.content_hash) == 64 and draft.source_yaml == V2
        assert [a.approved for a in draft.approvals] == [False, False] and draft.awaiting == ()
        proposed = versions.propose(session=s, actor=SYSTEM, plan=plan, version="2019.1")
        assert proposed.status == "proposed" and proposed.awaiting == ("ROK", "US")
    with transaction(factory) as s:
        plan = plan_in(s, opcon)
        first = versions.approve(
            session=s, actor=actor(s, "rok-signer"), plan=plan, version="2019.1"
        )
        assert first.party == "ROK" and first.version.status == "proposed"
        assert first.version.awaiting == ("US",) and first.superseded == ()
        rok = first.version.approvals[0]
        assert rok.approved and rok.username == "rok-signer" and rok.at is not None
    with transaction(factory) as s:
        plan = plan_in(s, opcon)
        last = versions.approve(session=s, actor=actor(s, "us-signer"), plan=plan, version="2019.1")
        assert last.version.status == "agreed" and last.superseded == ("2018.1",)
    with transaction(factory) as s:
        plan = plan_in(s, opcon)
        listed = versions.list_versions(session=s, actor=actor(s, "observer"), plan=plan)
        assert [(v.version, v.status) for v in listed] == [
            ("2018.1", "superseded"),
            ("2019.1", "agreed"),
        ]
        current = current_version(session=s, plan=plan)
        assert current is not None and current.version == "2019.1"
        actions = [
            (r.action, r.target, r.party)
            for r in s.scalars(
                select(AuditRecord)
                .where(AuditRecord.action.like("framework.%"))
                .order_by(AuditRecord.seq)
            )
        ]
        assert actions == [
            ("framework.draft", "opcon-cotp/2019.1", ""),
            ("framework.propose", "opcon-cotp/2019.1", ""),
            ("framework.approve", "opcon-cotp/2019.1", "ROK"),
            ("framework.approve", "opcon-cotp/2019.1", "US"),
            ("framework.supersede", "opcon-cotp/2018.1", ""),
            ("framework.agree", "opcon-cotp/2019.1", ""),
        ]
        assert audit.verify(s).ok


def test_agreed_and_superseded_versions_never_change(
    factory: sessionmaker[Session], opcon: Plan, people: dict[str, str]
) -> None:
    with transaction(factory) as s:
        plan = plan_in(s, opcon)
        versions.create_draft(session=s, actor=SYSTEM, plan=plan, text=V2, source="v2.yaml")
        versions.propose(session=s, actor=SYSTEM, plan=plan, version="2019.1")
        for signer in ("rok-signer", "us-signer"):
            versions.approve(session=s, actor=actor(s, signer), plan=plan, version="2019.1")
    with factory() as s:
        plan = plan_in(s, opcon)
        for label, status in (("2019.1", "agreed"), ("2018.1", "superseded")):
            message = f"framework version '{label}' is {status} and can no longer change"
            with pytest.raises(Conflict, match=re.escape(message)):
                versions.propose(session=s, actor=SYSTEM, plan=plan, version=label)
            with pytest.raises(Conflict, match=re.escape(message)):
                versions.withdraw(session=s, actor=SYSTEM, plan=plan, version=label)
            with pytest.raises(Conflict, match=re.escape(message)):
                versions.replace_draft(
                    session=s, actor=SYSTEM, plan=plan, version=label, text=V2, source="x.yaml"
                )
            with pytest.raises(Conflict, match=re.escape(message)):
                versions.approve(session=s, actor=actor(s, "rok-signer"), plan=plan, version=label)
        # a new draft cannot take an agreed label either
        with pytest.raises(Conflict, match=r"already has framework version '2019.1' \(agreed\)"):
            versions.create_draft(session=s, actor=SYSTEM, plan=plan, text=V2, source="v2.yaml")
        s.rollback()


def test_guards_name_the_state(
    factory: sessionmaker[Session], opcon: Plan, people: dict[str, str]
) -> None:
    with factory() as s:
        plan = plan_in(s, opcon)
        versions.create_draft(session=s, actor=SYSTEM, plan=plan, text=V2, source="v2.yaml")
        with pytest.raises(Conflict, match=re.escape("'2019.1' is draft, not proposed")):
            versions.approve(session=s, actor=actor(s, "rok-signer"), plan=plan, version="2019.1")
        with pytest.raises(Conflict, match=re.escape("'2019.1' is draft, not proposed")):
            versions.withdraw(session=s, actor=SYSTEM, plan=plan, version="2019.1")
        versions.propose(session=s, actor=SYSTEM, plan=plan, version="2019.1")
        with pytest.raises(Conflict, match=re.escape("'2019.1' is proposed, not draft")):
            versions.propose(session=s, actor=SYSTEM, plan=plan, version="2019.1")
        with pytest.raises(Conflict, match=re.escape("'2019.1' is proposed, not draft")):
            versions.replace_draft(
                session=s, actor=SYSTEM, plan=plan, version="2019.1", text=V2, source="v2.yaml"
            )
        with pytest.raises(
            NotFound, match=re.escape("plan 'opcon-cotp' has no framework version '9.9'")
        ):
            versions.get_version(session=s, actor=SYSTEM, plan=plan, version="9.9")
        with pytest.raises(Forbidden):
            versions.create_draft(
                session=s, actor=actor(s, "rok-signer"), plan=plan, text=V2, source="v2.yaml"
            )
        with pytest.raises(Forbidden):
            versions.propose(session=s, actor=actor(s, "observer"), plan=plan, version="2019.1")
        for name in ("rok-evaluator", "observer", "admin"):
            with pytest.raises(Forbidden):
                versions.approve(session=s, actor=actor(s, name), plan=plan, version="2019.1")
        with pytest.raises(Forbidden, match=r"^rok-signer may not .* for US$"):
            versions.approve(
                session=s,
                actor=actor(s, "rok-signer"),
                plan=plan,
                version="2019.1",
                party_code="US",
            )
        versions.approve(session=s, actor=actor(s, "rok-signer"), plan=plan, version="2019.1")
        with pytest.raises(
            Conflict, match=re.escape("ROK has already approved framework version '2019.1'")
        ):
            versions.approve(session=s, actor=actor(s, "rok-signer"), plan=plan, version="2019.1")
        s.rollback()


def test_replace_and_withdraw_a_draft(
    factory: sessionmaker[Session], opcon: Plan, people: dict[str, str]
) -> None:
    with transaction(factory) as s:
        plan = plan_in(s, opcon)
        draft = versions.create_draft(session=s, actor=SYSTEM, plan=plan, text=V2, source="v2.yaml")
        shorter = V2.replace('version: "2019.1"', 'version: "2019.2"').replace(
            "requires: [C1.1.1, C1.2.1", "requires: [C1.2.1", 1
        )
        replaced = versions.replace_draft(
            session=s, actor=SYSTEM, plan=plan, version="2019.1", text=shorter, source="v3.yaml"
        )
        assert replaced.version == "2019.2" and replaced.uid == draft.uid
        assert replaced.content_hash != draft.content_hash and replaced.standards == 26
        with pytest.raises(Conflict, match=re.escape("already has framework version '2018.1'")):
            versions.replace_draft(
                session=s, actor=SYSTEM, plan=plan, version="2019.2", text=OPCON, source="o.yaml"
            )
        versions.propose(session=s, actor=SYSTEM, plan=plan, version="2019.2")
        versions.approve(session=s, actor=actor(s, "us-signer"), plan=plan, version="2019.2")
        back = versions.withdraw(session=s, actor=SYSTEM, plan=plan, version="2019.2")
        assert back.status == "draft" and not any(a.approved for a in back.approvals)
        d = versions.diff_versions(
            session=s, actor=actor(s, "observer"), plan=plan, a="2018.1", b="2019.2"
        )
        assert [c.code for c in d.changed] == ["C1.1.1", "C1.1.2"]
        c111 = d.standards.changed_item("C1.1.1")
        assert c111 is not None and c111.changes[0].what == "stages"
        assert c111.changes[0].before == ("IOC", "FOC", "FMC")
        assert c111.changes[0].after == ("FOC", "FMC")
        assert [c.code for c in d.stages.changed] == ["IOC"]


def test_documents_that_cannot_be_a_version(
    factory: sessionmaker[Session], opcon: Plan, people: dict[str, str]
) -> None:
    with factory() as s:
        plan = plan_in(s, opcon)
        with pytest.raises(FrameworkError) as exc:
            versions.create_draft(
                session=s,
                actor=SYSTEM,
                plan=plan,
                text=V2.replace("threshold: Substantial", "threshold: Huge", 1),
                source="bad.yaml",
            )
        assert "threshold 'Huge' is not a level" in str(exc.value)
        assert exc.value.diagnostics[0].source == "bad.yaml"
        other = V2.replace(
            "  - code: US\n    name: United States\n", "  - code: UN\n    name: UN\n"
        )
        with pytest.raises(Invalid, match=r"parties \(ROK, UN\) differ from the parties"):
            versions.create_draft(session=s, actor=SYSTEM, plan=plan, text=other, source="p.yaml")


def test_reads_are_scoped_to_the_plan(
    factory: sessionmaker[Session], opcon: Plan, people: dict[str, str]
) -> None:
    with transaction(factory) as s:
        other = plans.create_plan(session=s, text=OPCON, source="o.yaml", code="other")
        with pytest.raises(NotFound, match=re.escape("no plan 'other'")):
            versions.list_versions(session=s, actor=actor(s, "rok-signer"), plan=other)
        with pytest.raises(NotFound, match=re.escape("no plan 'other'")):
            versions.diff_versions(
                session=s, actor=actor(s, "observer"), plan=other, a="2018.1", b="2018.1"
            )


# --------------------------------------------------------------------------- API

Client = Callable[[str], TestClient]


def api(plan: Plan, *rest: str) -> str:
    return "/".join([f"/api/v1/plans/{plan.code}/frameworks", *rest])


def test_api_full_lifecycle(as_user: Client, opcon: Plan) -> None:
    admin = as_user("admin")
    created = admin.post(api(opcon), json={"yaml": V2})
    assert created.status_code == 201, created.text
    doc = created.json()
    assert (doc["version"], doc["status"], doc["standards"]) == ("2019.1", "draft", 26)
    assert doc["yaml"] == V2 and len(doc["content_hash"]) == 64
    assert doc["approvals"] == [
        {"party": "ROK", "approved": False, "user": None, "at": None},
        {"party": "US", "approved": False, "user": None, "at": None},
    ]
    proposed = admin.post(api(opcon, "2019.1", "propose"))
    assert proposed.status_code == 200 and proposed.json()["awaiting"] == ["ROK", "US"]

    for name in ("rok-evaluator", "us-evaluator", "observer", "admin"):
        refused = as_user(name).post(api(opcon, "2019.1", "approve"))
        assert refused.status_code == 403, name
        assert refused.json()["detail"].startswith(f"{name} may not ")
    rok = as_user("rok-signer")
    wrong_party = rok.post(api(opcon, "2019.1", "approve"), json={"party": "US"})
    assert wrong_party.status_code == 403
    first = rok.post(api(opcon, "2019.1", "approve"), json={"party": "ROK"})
    assert first.status_code == 200 and first.json()["status"] == "proposed"
    assert first.json()["awaiting"] == ["US"]
    assert first.json()["approvals"][0]["user"] == "rok-signer"
    twice = rok.post(api(opcon, "2019.1", "approve"))
    assert twice.status_code == 409
    assert twice.json()["detail"] == "ROK has already approved framework version '2019.1'"
    last = as_user("us-signer").post(api(opcon, "2019.1", "approve"))
    assert last.status_code == 200 and last.json()["status"] == "agreed"

    observer = as_user("observer")
    listed = observer.get(api(opcon)).json()
    assert [(v["version"], v["status"]) for v in listed] == [
        ("2018.1", "superseded"),
        ("2019.1", "agreed"),
    ]
    assert "yaml" not in listed[0]
    shown = observer.get(api(opcon, "2019.1")).json()
    assert [a["approved"] for a in shown["approvals"]] == [True, True]
    assert shown["content_hash"] == doc["content_hash"] and shown["yaml"] == V2

    # agreed and superseded are immutable
    for label, status in (("2019.1", "agreed"), ("2018.1", "superseded")):
        for action in ("propose", "approve", "withdraw"):
            who = as_user("us-signer") if action == "approve" else admin
            r = who.post(api(opcon, label, action))
            assert r.status_code == 409, (label, action)
            assert r.json()["detail"] == (
                f"framework version '{label}' is {status} and can no longer change"
            )
        r = admin.put(api(opcon, label), json={"yaml": V2})
        assert r.status_code == 409 and "can no longer change" in r.json()["detail"]
    again = admin.post(api(opcon), json={"yaml": V2})
    assert again.status_code == 409 and "(agreed)" in again.json()["detail"]


def test_api_diff(as_user: Client, opcon: Plan) -> None:
    admin = as_user("admin")
    assert admin.post(api(opcon), json={"yaml": V2}).status_code == 201
    r = as_user("observer").get(api(opcon, "2018.1", "diff", "2019.1"))
    assert r.status_code == 200
    doc = r.json()
    assert (doc["plan"], doc["a"], doc["b"], doc["empty"]) == (
        "opcon-cotp",
        "2018.1",
        "2019.1",
        False,
    )
    assert doc["standards"]["added"] == [] and doc["standards"]["removed"] == []
    (changed,) = doc["standards"]["changed"]
    assert changed["code"] == "C1.1.2"
    assert changed["changes"] == [
        {"what": "threshold", "before": "Full", "after": "Substantial"},
        {"what": "weight", "before": 2.0, "after": 3.0},
    ]
    assert doc["framework"] == [
        {"what": "target_date", "before": "2030-12-31", "after": "2031-12-31"}
    ]
    same = as_user("observer").get(api(opcon, "2018.1", "diff", "2018.1")).json()
    assert same["empty"] is True
    missing = as_user("observer").get(api(opcon, "2018.1", "diff", "7"))
    assert missing.status_code == 404
    assert missing.json()["detail"] == "plan 'opcon-cotp' has no framework version '7'"


def test_api_invalid_yaml_is_422_with_every_line(as_user: Client, opcon: Plan) -> None:
    broken = V2.replace("threshold: Substantial", "threshold: Huge", 1).replace(
        "weight: 3", "weight: -1", 1
    )
    r = as_user("admin").post(api(opcon), json={"yaml": broken})
    assert r.status_code == 422
    doc = r.json()
    lines = doc["detail"].splitlines()
    assert len(lines) == len(doc["problems"]) == 2
    assert all(line.split(":")[0].isdigit() and line.split(":")[1].isdigit() for line in lines)
    huge = next(p for p in doc["problems"] if "Huge" in p["message"])
    assert broken.splitlines()[huge["line"] - 1].strip().startswith("threshold: Huge")
    assert f"{huge['line']}:{huge['column']}: {huge['message']}" in lines
    malformed = as_user("admin").post(api(opcon), json={"yaml": "code: [x\n"})
    assert malformed.status_code == 422
    assert malformed.json()["detail"].startswith("2:1: invalid YAML")
    assert as_user("admin").post(api(opcon), json={}).status_code == 422
    assert as_user("observer").get(api(opcon)).json()[-1]["version"] == "2018.1"  # none stored


def test_api_writes_need_the_right_role(as_user: Client, opcon: Plan) -> None:
    r = as_user("rok-signer").post(api(opcon), json={"yaml": V2})
    assert r.status_code == 403
    assert as_user("admin").post(api(opcon), json={"yaml": V2}).status_code == 201
    assert as_user("us-signer").post(api(opcon, "2019.1", "propose")).status_code == 403
    r = as_user("rok-signer").post(api(opcon, "2019.1", "approve"))
    assert (
        r.status_code == 409
        and r.json()["detail"] == "framework version '2019.1' is draft, not proposed"
    )
    renamed = V2.replace('version: "2019.1"', 'version: "2019.2"')
    put = as_user("admin").put(api(opcon, "2019.1"), json={"yaml": renamed})
    assert put.status_code == 200 and put.json()["version"] == "2019.2"
    assert as_user("admin").post(api(opcon, "2019.2", "propose")).status_code == 200
    withdrawn = as_user("admin").post(api(opcon, "2019.2", "withdraw"))
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "draft"


def test_api_outsiders_get_404(
    as_user: Client, anon: TestClient, opcon: Plan, factory: sessionmaker[Session]
) -> None:
    with transaction(factory) as s:
        plans.create_plan(session=s, text=OPCON, source="o.yaml", code="other")
        user = accounts.create_user(
            session=s, actor=SYSTEM, username="outsider", password="outsider-pw"
        )
        token, _ = accounts.create_token(session=s, actor=SYSTEM, user=user, name="t")
    outsider = TestClient(anon.app, headers={"Authorization": f"Bearer {token}"})
    other = "/api/v1/plans/other/frameworks"
    for client in (outsider, as_user("rok-signer")):
        assert client.get(api(opcon)).status_code == (404 if client is outsider else 200)
        for path in (other, f"{other}/2018.1", f"{other}/2018.1/diff/2018.1"):
            r = client.get(path)
            assert r.status_code == 404 and r.json()["detail"] == "no plan 'other'"
        assert client.post(f"{other}/2018.1/approve").status_code == 404
        assert client.post(other, json={"yaml": V2}).status_code == 404
    assert anon.get(api(opcon)).status_code == 401
    assert anon.post(api(opcon), json={"yaml": V2}).status_code == 401
