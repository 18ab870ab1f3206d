"""The forecast on the OPCON example: service document, API, CLI and the dashboard section."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from accord.cli import app as cli_app
from accord.db import transaction
from accord.models import Plan
from accord.services import Invalid, NotFound, forecasts
from accord.services.actors import SYSTEM
from accord.services.documents import ILLUSTRATIVE_NOTICE

URL = "/api/v1/plans/opcon-cotp/forecast"

# the contract the annual report codes against: these keys, at least
CONTRACT = {
    "plan", "illustrative", "notice", "as_of", "as_of_date", "target_date", "paths", "seed",
    "evaluations_used", "enough_history", "message", "method", "plan_forecast", "conditions",
    "stages", "standards", "risks", "fan", "skill",
}  # fmt: skip
NODE = {"probability_by_target", "median_date", "interval_80"}
STAGE = {"code", "name", "target_date", "probability_by_stage_target", *NODE}
SKILL = {"available", "origins", "brier_model", "brier_persistence", "brier_trend", "message"}


def _check_shape(doc: dict[str, Any]) -> None:
    assert set(doc) >= CONTRACT
    assert set(doc["plan_forecast"]) >= NODE
    assert all({"code", "title", *NODE} <= set(c) for c in doc["conditions"])
    assert all(set(s) >= STAGE for s in doc["stages"])
    assert all({"code", "title", "probability_by_target"} <= set(s) for s in doc["standards"])
    assert all({"code", "title", "probability_by_target", "impact"} <= set(r) for r in doc["risks"])
    assert all({"date", "p10", "p25", "p50", "p75", "p90"} <= set(f) for f in doc["fan"])
    assert set(doc["skill"]) >= SKILL


def _probabilities(doc: dict[str, Any]) -> list[float]:
    nodes = [doc["plan_forecast"], *doc["conditions"], *doc["stages"], *doc["standards"]]
    out = [n["probability_by_target"] for n in nodes]
    out += [s["probability_by_stage_target"] for s in doc["stages"]]
    return out


def test_the_forecast_document_keeps_its_contract(client: TestClient) -> None:
    r = client.get(URL, params={"paths": 2000, "seed": 3})
    assert r.status_code == 200, r.text
    doc = r.json()
    _check_shape(doc)
    assert doc["plan"] == "opcon-cotp"
    assert doc["illustrative"] is True and doc["notice"] == ILLUSTRATIVE_NOTICE
    assert doc["as_of"] == "2025" and doc["as_of_date"] == "2025-10-17"
    assert doc["target_date"] == "2030-12-31"
    assert doc["paths"] == 2000 and doc["seed"] == 3
    assert doc["evaluations_used"] == 7 and doc["enough_history"] is True  # 2019-2025
    assert doc["evaluations"] == [str(y) for y in range(2019, 2026)]
    assert doc["cadence_months"] == 12 and doc["horizon_date"] >= "2035-10-17"
    assert len(doc["method"]) > 200 and "Dirichlet" in doc["method"]
    assert all(p is not None and 0.0 <= p <= 1.0 for p in _probabilities(doc))
    assert [c["code"] for c in doc["conditions"]] == ["C1", "C2", "C3"]
    stages = {s["code"]: s for s in doc["stages"]}
    assert list(stages) == ["IOC", "FOC", "FMC"]
    # IOC: its date (2019) has passed; it was met in 2019 and still is
    ioc = stages["IOC"]
    assert ioc["stage_target_observed"] and ioc["probability_by_stage_target"] == 1.0
    assert ioc["met_now"] and ioc["met_since"] == "2019-10-31"
    assert ioc["median_date"] == "2025-10-17"
    # FOC needs C1.1.2 and C1.1.3 at Full: not met now, and unlikely by its own date
    foc = stages["FOC"]
    assert not foc["met_now"] and foc["probability_by_stage_target"] < 0.2
    assert foc["probability_by_stage_target"] <= foc["probability_by_target"]
    assert len(doc["risks"]) <= 10 and doc["risks"]
    assert {r["code"] for r in doc["risks"][:3]} >= {"C1.1.2", "C1.1.3"}
    impacts = [r["impact"] for r in doc["risks"]]
    assert impacts == sorted(impacts, reverse=True)
    assert len(doc["standards"]) == 26
    fan = doc["fan"]
    assert fan[0]["date"] == "2025-10-17" and fan[1]["date"] == "2026-10-17"
    assert all(f["p10"] <= f["p25"] <= f["p50"] <= f["p75"] <= f["p90"] for f in fan)
    assert [h["evaluation"] for h in doc["history"]] == doc["evaluations"]
    skill = doc["skill"]
    assert skill["available"] and skill["origins"] == 4
    assert all(0 <= skill[k] <= 1 for k in ("brier_model", "brier_persistence", "brier_trend"))
    # the same seed gives the same document; another seed another draw
    assert client.get(URL, params={"paths": 2000, "seed": 3}).json() == doc
    assert client.get(URL, params={"paths": 2000, "seed": 4}).json() != doc


def test_the_service_is_what_the_report_calls(
    factory: sessionmaker[Session], opcon: Plan, client: TestClient
) -> None:
    with factory() as s:
        doc = forecasts.forecast_plan(session=s, actor=SYSTEM, plan_code="opcon-cotp")
        assert doc["paths"] == 10_000 and doc["seed"] == 0
        assert client.get(URL).json() == doc  # the API drops nothing
        bt = forecasts.backtest_plan(session=s, actor=SYSTEM, plan_code="opcon-cotp")
        assert client.get(URL + "/backtest").json() == bt
        _check_shape(doc)
        json.dumps(doc)  # plain JSON
        early = forecasts.forecast_plan(
            session=s, actor=SYSTEM, plan_code="opcon-cotp", paths=500, as_of="2022"
        )
        assert early["as_of"] == "2022" and early["evaluations_used"] == 4
        assert early["as_of_date"] == "2022-09-30" and early["enough_history"]
        thin = forecasts.forecast_plan(
            session=s, actor=SYSTEM, plan_code="opcon-cotp", paths=500, as_of="2020"
        )
        assert not thin["enough_history"] and "Not enough history" in thin["message"]
        assert thin["paths"] == 500 and thin["seed"] == 0 and thin["evaluations_used"] == 2
        assert thin["plan_forecast"]["probability_by_target"] is None and thin["fan"] == []
        assert not thin["skill"]["available"]
        _check_shape(thin)
        with pytest.raises(Invalid, match="paths"):
            forecasts.forecast_plan(session=s, actor=SYSTEM, plan_code="opcon-cotp", paths=5)
        with pytest.raises(Invalid, match="as_of"):
            forecasts.forecast_plan(session=s, actor=SYSTEM, plan_code="opcon-cotp", as_of="2026")
        with pytest.raises(NotFound):
            forecasts.forecast_plan(session=s, actor=SYSTEM, plan_code="nope")


def test_paths_out_of_range_unknown_plan_and_outsiders(
    client: TestClient, anon: TestClient, as_user: Callable[[str], TestClient]
) -> None:
    for bad in (99, 50_001, "many"):
        r = client.get(URL, params={"paths": bad})
        assert r.status_code == 422 and "paths" in r.json()["detail"]
    r = client.get(URL + "/backtest", params={"paths": 10})
    assert r.status_code == 422 and "paths" in r.json()["detail"]
    assert client.get(URL, params={"seed": -1}).status_code == 422
    assert client.get("/api/v1/plans/no-such-plan/forecast").status_code == 404
    assert client.get("/api/v1/plans/no-such-plan/forecast/backtest").status_code == 404
    assert client.get(URL, params={"as_of": "1999"}).status_code == 404
    assert client.get(URL, params={"as_of": "2026"}).status_code == 422  # no joint ratings
    assert anon.get(URL).status_code == 401
    assert as_user("rok-evaluator").get(URL, params={"paths": 100}).status_code == 200


def test_an_outsider_gets_404(
    app: Any, factory: sessionmaker[Session], people: dict[str, str]
) -> None:
    from accord.services import accounts

    with transaction(factory) as s:
        user = accounts.create_user(
            session=s, actor=SYSTEM, username="outsider", password="outsider-pw-1"
        )
        token = accounts.create_token(session=s, actor=SYSTEM, user=user, name="t")[0]
    outsider = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert outsider.get(URL).status_code == 404
    assert outsider.get(URL + "/backtest").status_code == 404


def test_the_backtest_document(client: TestClient) -> None:
    r = client.get(URL + "/backtest", params={"seed": 1})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["plan"] == "opcon-cotp" and doc["illustrative"] and doc["notice"]
    assert doc["paths"] == 2000 and doc["seed"] == 1 and doc["evaluations_used"] == 7
    assert doc["available"] and doc["enough_history"]
    assert [o["evaluation"] for o in doc["origins"]] == ["2021", "2022", "2023", "2024"]
    assert [h["steps"] for h in doc["horizons"]] == [1, 2]
    nxt = doc["horizons"][0]
    assert nxt["pairs"] == 4 * 26 and doc["brier_model"] == nxt["brier_model"]
    assert len(doc["calibration"]) == 10
    assert sum(b["count"] for b in doc["calibration"]) == nxt["pairs"]
    assert doc["horizons"][1]["pairs"] == 3 * 26
    for key in ("brier_model", "brier_persistence", "brier_trend"):
        assert 0 <= doc[key] <= 1
    assert "Brier" in doc["method"] and "persistence" in doc["method"]


# --------------------------------------------------------------------------- CLI

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "ACCORD_DATABASE_URL": database_url,
        "ACCORD_DATA_DIR": str(tmp_path / "ws"),
        "COLUMNS": "160",
    }


def test_cli_forecast_tables_json_and_backtest(env: dict[str, str]) -> None:
    assert runner.invoke(cli_app, ["example", "opcon"], env=env).exit_code == 0
    result = runner.invoke(cli_app, ["forecast", "--paths", "1000", "--seed", "5"], env=env)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "ILLUSTRATIVE — NOT AN ACTUAL ASSESSMENT" in out
    assert "1,000 paths, seed 5" in out and "as of 2025" in out
    for text in ("Whole plan", "Conditions", "Stages", "Top risks", "C1.1.3", "FOC", "Skill"):
        assert text in out
    doc = json.loads(
        runner.invoke(cli_app, ["forecast", "--json", "--paths", "1000"], env=env).output
    )
    _check_shape(doc)
    assert doc["paths"] == 1000 and doc["seed"] == 0
    thin = runner.invoke(cli_app, ["forecast", "--as-of", "2020", "--plan", "opcon-cotp"], env=env)
    assert thin.exit_code == 0 and "not enough history" in thin.output
    assert "seed 0" in thin.output and "10,000 paths" in thin.output
    bt = runner.invoke(cli_app, ["forecast", "--backtest"], env=env)
    assert bt.exit_code == 0, bt.output
    for text in ("Brier", "persistence", "trend", "Calibration", "2,000 paths, seed 0"):
        assert text in bt.output
    bad = runner.invoke(cli_app, ["forecast", "--paths", "5"], env=env)
    assert bad.exit_code == 1 and "paths: must be between" in bad.output
    assert "Traceback" not in bad.output


# --------------------------------------------------------------------------- dashboard


def test_the_dashboard_shows_the_forecast(client: TestClient) -> None:
    r = client.get("/plans/opcon-cotp")
    assert r.status_code == 200
    html = r.text
    assert 'id="forecast"' in html and ">Forecast" in html
    assert "10,000 paths" in html and 'id="forecast-seed">0<' in html
    assert 'class="vl-spec" data-target="forecast-chart"' in html
    assert 'id="forecast-chart"' in html and 'badge warn">illustrative' in html
    assert "persistence" in html and "trend" in html  # skill beside the figures
    for code in ("IOC", "FOC", "FMC", "C1.1.3"):
        assert code in html
    start = html.index('data-target="forecast-chart">') + len('data-target="forecast-chart">')
    spec = json.loads(html[start : html.index("</script>", start)])
    assert (
        "Illustrative" in spec["title"]["subtitle"] and "10,000 paths" in spec["title"]["subtitle"]
    )
    assert spec["layer"][0]["data"]["values"][0]["date"] == "2025-10-17"
    # the JSON twin is the API document with the same paths and seed
    doc = client.get(URL).json()
    assert f"{doc['plan_forecast']['probability_by_target'] * 100:.0f}%" in html


def test_the_dashboard_says_when_history_is_short(factory: sessionmaker[Session], app: Any) -> None:
    from accord.services import examples, plans

    text = examples.example_text("opcon", "framework.yaml").replace(
        "code: opcon-cotp", "code: short-plan", 1
    )
    with transaction(factory) as s:
        plan = plans.create_plan(session=s, text=text, source="framework.yaml")
        doc = forecasts.forecast_plan(session=s, actor=SYSTEM, plan_code=plan.code, paths=100)
    assert not doc["enough_history"] and doc["as_of"] is None and doc["evaluations_used"] == 0
    assert doc["fan"] == [] and doc["plan_forecast"]["probability_by_target"] is None
