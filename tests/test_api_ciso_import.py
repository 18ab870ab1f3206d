"""POST /api/v1/plans/{plan}/frameworks/ciso-library: a CISO Assistant library as a draft."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from accord.formats import ciso_library, safe_input
from accord.models import Plan

SMALL = Path(__file__).parent / "fixtures" / "ciso-small.yaml"
BAD_PARENT = Path(__file__).parent / "fixtures" / "ciso-bad-parent.yaml"
Client = Callable[[str], TestClient]


def url(plan: Plan, *parts: str) -> str:
    return "/".join([f"/api/v1/plans/{plan.code}/frameworks", *parts])


def test_admin_imports_a_library_as_a_draft_with_the_plans_parties(
    as_user: Client, opcon: Plan
) -> None:
    admin = as_user("admin")
    text = SMALL.read_text("utf-8")
    r = admin.post(url(opcon, "ciso-library"), json={"library": text, "version": "ciso-1"})
    assert r.status_code == 201, r.text
    doc = r.json()
    assert (doc["version"], doc["status"]) == ("ciso-1", "draft")
    assert "yaml" not in doc  # compact: the converted document is a GET away
    expected = ciso_library.convert(
        safe_input.load_yaml(text, "request"),
        "request",
        plan=opcon.code,
        party_codes=["ROK", "US"],
        version="ciso-1",
    )
    assert doc["standards"] == len(expected.framework.standards_by_code)
    assert [a["party"] for a in doc["approvals"]] == ["ROK", "US"]
    stored = admin.get(url(opcon, "ciso-1")).json()
    assert stored["yaml"] == expected.text
    # the same label again is a conflict, and nothing more is stored
    again = admin.post(url(opcon, "ciso-library"), json={"library": text, "version": "ciso-1"})
    assert again.status_code == 409
    assert [v["version"] for v in admin.get(url(opcon)).json()].count("ciso-1") == 1


def test_a_broken_library_is_refused_naming_the_line(as_user: Client, opcon: Plan) -> None:
    r = as_user("admin").post(
        url(opcon, "ciso-library"), json={"library": BAD_PARENT.read_text("utf-8")}
    )
    assert r.status_code == 422
    assert "request:" in r.json()["detail"] and "parent_urn" in r.json()["detail"]
    r = as_user("admin").post(url(opcon, "ciso-library"), json={"library": "a: [1"})
    assert r.status_code == 422 and "invalid YAML" in r.json()["detail"]
    r = as_user("admin").post(
        url(opcon, "ciso-library"),
        json={"library": SMALL.read_text("utf-8"), "scale": "stars"},
    )
    assert r.status_code == 422 and "scale" in r.json()["detail"]


def test_only_administrators_import(as_user: Client, opcon: Plan) -> None:
    for name in ("rok-evaluator", "us-signer", "observer"):
        r = as_user(name).post(
            url(opcon, "ciso-library"), json={"library": SMALL.read_text("utf-8")}
        )
        assert r.status_code == 403, (name, r.text)
    assert all(v["version"] == "2018.1" for v in as_user("admin").get(url(opcon)).json())
