"""The framework browser: tree with search, version history, diff; JSON twin .../tree."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from accord.db import transaction
from accord.models import Plan
from accord.services import accounts, framework_versions
from accord.services.actors import SYSTEM, actor_for
from accord.services.examples import example_text

BASE = "/plans/opcon-cotp/framework"


@pytest.fixture
def draft(factory: sessionmaker[Session], opcon: Plan, people: dict[str, str]) -> str:
    """A draft version 2019.1: one standard renamed, one added."""
    text = example_text("opcon", "framework.yaml").replace('version: "2018.1"', 'version: "2019.1"')
    text = text.replace(
        "en: F-CFC headquarters organisation and manning",
        "en: F-CFC headquarters organisation, manning and facilities",
    )
    with transaction(factory) as s:
        admin = actor_for(s, accounts.get_user(session=s, username="admin"))
        plan = s.get(Plan, opcon.id)
        assert plan is not None
        framework_versions.create_draft(session=s, actor=admin, plan=plan, text=text, source="test")
    return "2019.1"


def test_the_tree_shows_every_standard_with_stages_and_both_languages(
    client: TestClient,
) -> None:
    html = client.get(BASE).text
    assert html.count('<article class="std"') == 26
    assert 'id="s-C1.1.1"' in html and "미래연합사 본부 편성" in html
    assert '<span class="badge">IOC</span>' in html  # C1.1.1 is required for IOC
    assert "ILLUSTRATIVE" in html
    assert 'href="/api/v1/plans/opcon-cotp/frameworks/2018.1/tree"' in html


def test_search_keeps_matching_standards_and_says_how_many(client: TestClient) -> None:
    html = client.get(BASE, params={"q": "intelligence"}).text
    assert "2 of 26 standards match" in html
    assert html.count('<article class="std"') == 2 and 'id="s-C1.3.1"' in html
    html = client.get(BASE, params={"q": "<zzz>"}).text
    assert "No standard matches" in html and "&lt;zzz&gt;" in html and "<zzz>" not in html
    tree = client.get(
        "/api/v1/plans/opcon-cotp/frameworks/2018.1/tree", params={"q": "C1.3"}
    ).json()
    assert (tree["shown"], tree["total"]) == (3, 26)
    assert [f["code"] for c in tree["conditions"] for f in c["fields"]] == ["C1.3"]


def test_history_and_diff_between_versions(client: TestClient, draft: str) -> None:
    html = client.get(BASE).text  # still the agreed version by default
    assert "2018.1" in html and "2019.1" in html and "changes since 2018.1" in html
    html = client.get(BASE, params={"version": draft}).text
    assert ">draft<" in html and "manning and facilities" in html
    html = client.get(f"{BASE}/diff").text  # the last two by default
    assert "<del>F-CFC headquarters organisation and manning</del>" in html
    assert "<ins>F-CFC headquarters organisation, manning and facilities</ins>" in html
    same = client.get(f"{BASE}/diff", params={"a": "2018.1", "b": "2018.1"}).text
    assert "No difference" in same


def test_one_version_only_is_an_empty_state_not_an_error(client: TestClient) -> None:
    r = client.get(f"{BASE}/diff")
    assert r.status_code == 200 and "Only one version so far" in r.text


def test_unknown_version_or_plan_is_404(client: TestClient) -> None:
    assert client.get(BASE, params={"version": "9.9"}).status_code == 404
    assert client.get(f"{BASE}/diff", params={"a": "2018.1", "b": "9.9"}).status_code == 404
    assert client.get("/plans/nope/framework").status_code == 404
    assert client.get("/api/v1/plans/opcon-cotp/frameworks/9.9/tree").status_code == 404


def test_outsiders_do_not_see_the_framework(
    as_user: Callable[[str], TestClient], factory: sessionmaker[Session], app: object
) -> None:
    with transaction(factory) as s:
        user = accounts.create_user(
            session=s, actor=SYSTEM, username="stranger", password="long enough pw"
        )
        token, _ = accounts.create_token(session=s, actor=SYSTEM, user=user, name="t")
    stranger = TestClient(app, headers={"Authorization": f"Bearer {token}"})  # type: ignore[arg-type]
    assert stranger.get(BASE).status_code == 404
    assert stranger.get("/api/v1/plans/opcon-cotp/frameworks/2018.1/tree").status_code == 404
