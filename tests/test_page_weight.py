"""What a page costs to load: static files compressed, pages not (BREACH), the Vega libraries
only on pages that draw charts, at most one script of our own per page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from accord.web.pages import rounds

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


def test_static_files_are_compressed_and_pages_are_not(
    as_user: Callable[[str], TestClient],
) -> None:
    client = as_user("observer")
    for path in ("/static/vendor/vega/vega.min.js", "/static/app.css"):
        r = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200 and r.headers.get("content-encoding") == "gzip", path
        assert "accept-encoding" in r.headers.get("vary", "").lower()
    # a page carries the session's CSRF token beside text a request chooses: never compressed
    page = client.get(f"{PLAN}/framework?q=csrf", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and "content-encoding" not in page.headers


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
