"""Feeds through the API and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from accord.cli import app as cli_app
from accord.config import Settings

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
FEEDS = "/api/v1/plans/opcon-cotp/feeds"
Client = Callable[[str], TestClient]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, feed_local_root=FIXTURES)


def test_api_subscribe_list_pause_poll_remove(as_user: Client) -> None:
    ev, observer = as_user("rok-evaluator"), as_user("observer")
    r = ev.post(FEEDS, json={"location": str(FIXTURES / "mnd-news.rss"), "interval_minutes": 30})
    assert r.status_code == 201, r.text
    uid = r.json()["uid"]
    assert r.json()["source"] == "path" and r.json()["interval_minutes"] == 30
    assert observer.post(FEEDS, json={"location": "https://a.example/x"}).status_code == 403
    assert observer.post(f"{FEEDS}/{uid}/poll", json={}).status_code == 403
    report = as_user("us-signer").post(f"{FEEDS}/{uid}/poll", json={}).json()
    assert (report["status"], report["new"], report["feed"]) == ("ok", 4, uid)
    listed = observer.get(FEEDS).json()
    assert listed["count"] == 1 and listed["feeds"][0]["items"] == 4
    assert listed["feeds"][0]["title"].startswith("Ministry of National Defense")
    r = ev.patch(f"{FEEDS}/{uid}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert observer.delete(f"{FEEDS}/{uid}").status_code == 403
    r = ev.delete(f"{FEEDS}/{uid}")
    assert r.status_code == 200 and r.json()["items_removed"] == 4
    assert observer.get(FEEDS).json()["count"] == 0


def test_api_errors_are_4xx_with_the_field(as_user: Client) -> None:
    admin = as_user("admin")
    r = admin.post(FEEDS, json={"location": "/etc"})
    assert r.status_code == 422 and "location" in r.json()["detail"]
    r = admin.post(FEEDS, json={"location": "gopher://a.example/"})
    assert r.status_code == 422 and "only http and https" in r.json()["detail"]
    assert admin.post(FEEDS, json={"location": "https://a.example/f"}).status_code == 201
    r = admin.post(FEEDS, json={"location": "https://a.example/f"})
    assert r.status_code == 409 and "already subscribed" in r.json()["detail"]
    assert admin.patch(f"{FEEDS}/no-such-feed", json={}).status_code == 404
    r = admin.patch(f"{FEEDS}/no-such-feed", json={"interval_minutes": "often"})
    assert r.status_code == 422


def test_cli_feeds_add_list_pause_resume_poll_remove(
    opcon: object, database_url: str, settings: Settings
) -> None:
    runner = CliRunner()
    env = {"ACCORD_DATABASE_URL": database_url, "ACCORD_DATA_DIR": str(settings.data_dir)}

    def run(*args: str, code: int = 0) -> str:
        r = runner.invoke(cli_app, ["feeds", *args], env=env)
        assert r.exit_code == code, r.output
        return r.output

    assert "no feeds" in run("list")
    assert "no feed is due" in run("poll")
    out = run("add", str(FIXTURES / "local"), "--interval", "15", "--title", "Offline drop")
    uid = out.split()[1]
    assert "every 15 min" in out
    run("add", str(FIXTURES / "huge.rss"), "--plan", "opcon-cotp")
    assert "already subscribed" in run("add", str(FIXTURES / "local"), code=1)
    assert "https or" not in run("add", "ftp://a.example/x", code=1)
    assert "paused" in run("pause", uid)
    out = run("poll")
    assert "1 feed(s) polled, 2 new item(s)" in " ".join(out.split())
    assert "resumed" in run("resume", uid)
    out = run("poll", "--all-now")
    assert "2 feed(s) polled, 2 new item(s)" in " ".join(out.split())
    assert "Offline drop" in run("list")
    assert "and 2 item(s)" in run("remove", uid)
    assert "no feed" in run("remove", uid, code=1)
