"""What a page costs to load: static files and pages compressed (pages carry their CSRF token
masked afresh for each response: web/csrf.py), the Vega libraries only on pages that draw charts,
at most one script of our own per page, a 1,000-standard workspace within 500 KB."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from accord.web.app import create_app
from accord.web.pages import rounds

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from pages_bench import big_workspace  # the benchmark's 1,000-standard plan

PLAN = "/plans/opcon-cotp"
CHARTS = {PLAN, f"{PLAN}/evaluations/2025/report"}
NO_CHARTS = [  # ("/" is the dashboard itself for someone in one plan)
    f"{PLAN}/evaluations",
    f"{PLAN}/evaluations/2026",
    f"{PLAN}/evaluations/2025/reconciliation",
    f"{PLAN}/evaluations/2025/sign-off",
    f"{PLAN}/action-items",
    f"{PLAN}/inbox",
    f"{PLAN}/framework",
    "/profile",
]


def scripts(html: str) -> list[str]:
    return re.findall(r'<script[^>]* src="([^"]+)"', html)


def test_static_files_and_pages_are_compressed(as_user: Callable[[str], TestClient]) -> None:
    client = as_user("observer")
    for path in ("/static/vendor/vega/vega.min.js", "/static/app.css", f"{PLAN}/framework?q=x"):
        r = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200 and r.headers.get("content-encoding") == "gzip", path
        assert "accept-encoding" in r.headers.get("vary", "").lower()


def wire_bytes(r: httpx.Response) -> int:
    """Bytes of an answer as sent: its headers and its (possibly compressed) body."""
    assert r.status_code == 200, r.url
    headers = sum(len(k) + len(v) + 4 for k, v in r.headers.raw)
    return headers + int(r.headers["content-length"])


def test_the_first_load_of_a_1000_standard_workspace_is_within_500_kb(tmp_path: Path) -> None:
    """The page and every script, stylesheet and image it loads, as a browser with an empty
    cache gets them (gzip accepted); bench/pages_bench.py measures the same in Chromium."""
    settings, token, path = big_workspace(tmp_path)
    app = create_app(settings)
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip, deflate, br"}
    with TestClient(app, headers=headers) as client:
        page = client.get(path)
        assert page.headers["content-encoding"] == "gzip"
        assert len(page.content) > 1_000_000  # the page itself: uncompressed, far over 500 KB
        assets = set(re.findall(r'<(?:script|img)[^>]* src="([^"]+)"', page.text))
        assets |= set(re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text))
        assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
        total = wire_bytes(page) + sum(wire_bytes(client.get(a)) for a in assets)
    app.state.engine.dispose()
    assert total <= 500 * 1024, f"{total / 1024:.0f} KB"


def test_only_pages_with_charts_load_vega(as_user: Callable[[str], TestClient]) -> None:
    client = as_user("rok-evaluator")
    for path in CHARTS:
        assert any("vendor/vega/" in s for s in scripts(client.get(path).text)), path
    for path in NO_CHARTS:
        r = client.get(path)
        assert r.status_code == 200, path
        assert not any("vendor/vega" in s for s in scripts(r.text)), path


def test_at_most_one_script_of_our_own_per_page(as_user: Callable[[str], TestClient]) -> None:
    client = as_user("rok-evaluator")
    for path in [*CHARTS, *NO_CHARTS]:
        own = [s for s in scripts(client.get(path).text) if "/vendor/" not in s]
        assert len(own) <= 1, (path, own)


def test_a_large_framework_links_to_each_evidence_form(
    as_user: Callable[[str], TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past rounds.COMPACT_OVER standards the workspace carries one link per standard instead of
    a whole evidence form (most of a 1,000-standard page); the link opens that one form."""
    ws = f"{PLAN}/evaluations/2026"
    client = as_user("rok-evaluator")
    assert 'id="ev-add-C1.1.2-title"' in client.get(ws).text  # 26 standards: every form inline
    monkeypatch.setattr(rounds, "COMPACT_OVER", 10)
    html = client.get(ws).text
    assert 'id="ev-add-C1.1.2-title"' not in html and 'id="ev-add-C1.1.2"' not in html
    assert f'href="{ws}?attach=C1.1.2&amp;party=ROK#std-C1.1.2"' in html
    one = client.get(f"{ws}?attach=C1.1.2").text
    assert 'id="ev-add-C1.1.2-title"' in one and 'id="ev-add-C1.1.2"' in one
    assert 'id="ev-add-C1.1.3-title"' not in one
