"""The dashboard page (server-rendered HTML) and its empty and error states."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from accord.models import Plan


def test_home_redirects_to_the_only_plan(client: TestClient, opcon: Plan) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith(f"/plans/{opcon.code}")


def test_home_without_plans_explains_how_to_start(app, factory) -> None:  # type: ignore[no-untyped-def]
    from accord.db import transaction
    from accord.services import accounts
    from accord.services.actors import SYSTEM

    with transaction(factory) as s:
        user = accounts.create_user(
            session=s, actor=SYSTEM, username="newcomer", password="long-enough", is_admin=True
        )
        token, _ = accounts.create_token(session=s, actor=SYSTEM, user=user, name="t")
    r = TestClient(app, headers={"Authorization": f"Bearer {token}"}).get("/")
    assert r.status_code == 200 and "No plan yet" in r.text and "accord example opcon" in r.text


def test_signed_out_visitors_are_sent_to_sign_in(anon: TestClient, opcon: Plan) -> None:
    r = anon.get(f"/plans/{opcon.code}?evaluation=2024", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/sign-in?next=/plans/{opcon.code}%3Fevaluation%3D2024"


def test_dashboard_shows_statement_stages_agreement_and_notice(
    client: TestClient, opcon: Plan
) -> None:
    html = client.get(f"/plans/{opcon.code}").text
    assert "ILLUSTRATIVE — NOT AN ACTUAL ASSESSMENT" in html
    assert re.search(r'id="statement">Meaningful progress across 7 of 9 fields', html)
    assert 'href="#progress-basis"' in html and 'id="progress-basis"' in html
    for stage in ("IOC", "FOC", "FMC"):
        assert f"<strong>{stage}</strong>" in html
    assert "Party agreement" in html and "ROK and US" in html
    assert "Δ since 2024" in html
    spec = json.loads(re.search(r'id="condition-chart-spec">(.*?)</script>', html, re.S)[1])
    assert spec["mark"]["type"] == "line"
    assert {v["condition"] for v in spec["data"]["values"]} == {"C1", "C2", "C3"}
    assert "Illustrative" in spec["title"]["subtitle"]


def test_dashboard_of_another_year_and_of_the_open_evaluation(
    client: TestClient, opcon: Plan
) -> None:
    html = client.get(f"/plans/{opcon.code}", params={"evaluation": "2024"}).text
    assert "No meaningful progress overall" in html
    html = client.get(f"/plans/{opcon.code}", params={"evaluation": "2026"}).text
    assert "Not yet rated jointly" in html and "26 standards to rate" in html
    assert "None of its 6 standards rated jointly yet." in html  # IOC, summarised, not listed
    assert 'id="progress-basis"' not in html  # nothing jointly rated to rest a statement on


def test_missing_plan_is_an_html_404(client: TestClient) -> None:
    r = client.get("/plans/nope")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "no plan &#39;nope&#39;" in r.text or "no plan 'nope'" in r.text


def test_vendored_scripts_are_served(client: TestClient) -> None:
    for path in ("vega/vega.min.js", "vega-lite/vega-lite.min.js", "vega-embed/vega-embed.min.js"):
        r = client.get(f"/static/vendor/{path}")
        assert r.status_code == 200 and len(r.content) > 10_000


def test_dashboard_progress_since_a_chosen_evaluation(client: TestClient, opcon: Plan) -> None:
    html = client.get(f"/plans/{opcon.code}", params={"evaluation": "2025", "since": "2019"}).text
    assert "Δ since 2019" in html and "Compared with 2019 annual joint evaluation" in html
    r = client.get(f"/plans/{opcon.code}", params={"since": "2026"})
    assert r.status_code == 422 and "no joint ratings" in r.text
