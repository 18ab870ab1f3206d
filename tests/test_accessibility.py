"""axe-core (vendored, static/vendor/axe-core) audits every page in Chromium, signed in as each
role and signed out: no serious or critical violation anywhere, light and dark.

The list of pages comes from the application's routes: a new HTML page without an entry in
PAGES below makes `test_every_page_route_is_audited` fail, so none is forgotten.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from accord import schema
from accord.config import Settings
from accord.db import make_engine
from page_states import PLAN, Staged, serve, sign_in, stage

pytestmark = pytest.mark.browser

AXE = "/static/vendor/axe-core/axe.min.js"
WS = f"{PLAN}/evaluations"

# route path -> the concrete addresses audited for it (`{item}` is filled in at run time)
PAGES: dict[str, tuple[str, ...]] = {
    "/": ("/",),
    "/sign-in": ("/sign-in",),
    "/api/docs": ("/api/docs",),
    "/plans/{plan}": (PLAN, f"{PLAN}?evaluation=2026"),
    "/plans/{plan}/evaluations/{code}": (f"{WS}/2027", f"{WS}/2026", f"{WS}/2025"),
    "/plans/{plan}/evaluations/{code}/reconciliation": (
        f"{WS}/2026/reconciliation",
        f"{WS}/2025/reconciliation",
    ),
    "/plans/{plan}/evaluations/{code}/sign-off": (f"{WS}/2025/sign-off",),
    "/plans/{plan}/evaluations/{code}/report": (f"{WS}/2025/report",),
    "/plans/{plan}/action-items": (f"{PLAN}/action-items",),
    "/plans/{plan}/inbox": (f"{PLAN}/inbox",),
    "/plans/{plan}/inbox/{item}": (f"{PLAN}/inbox/{{item}}",),
    "/plans/{plan}/evaluations": (f"{PLAN}/evaluations",),
    "/plans/{plan}/framework": (f"{PLAN}/framework", f"{PLAN}/framework?q=missile"),
    "/plans/{plan}/framework/diff": (f"{PLAN}/framework/diff",),
    # the staged plan has no draft: the forms with their errors and the approval card are
    # audited in tests/test_framework_approval_pages.py
    "/plans/{plan}/framework/versions/new": (f"{PLAN}/framework/versions/new",),
    "/plans/{plan}/framework/versions/{version}/replace": (
        f"{PLAN}/framework/versions/2018.1/replace",
    ),
    "/plans/{plan}/audit": (f"{PLAN}/audit",),
    "/plans/{plan}/timeline": (f"{PLAN}/timeline",),
    "/plans/{plan}/meetings": (f"{PLAN}/meetings",),
    "/plans/{plan}/meetings/{meeting}": (f"{PLAN}/meetings/{{meeting}}",),
    "/plans/new": ("/plans/new",),
    "/audit": ("/audit",),
    "/admin": ("/admin",),
    "/admin/users": ("/admin/users",),
    "/admin/users/{username}": ("/admin/users/rok-evaluator",),
    "/admin/parties": ("/admin/parties",),
    "/admin/tokens": ("/admin/tokens",),
    "/profile": ("/profile",),
    # the error page, through an address that does not exist
    "404": (f"{PLAN}/evaluations/1999",),
}
# GET routes outside /api/v1 that answer something other than an HTML page
NOT_PAGES = {
    "/healthz",
    "/language/{code}",  # sets the language cookie and redirects to a page audited here
}


def page_routes(app: FastAPI) -> set[str]:
    """The path of every GET route of `app` that serves an HTML page."""
    paths = set()
    for rc in iter_route_contexts(app.routes):
        if not isinstance(rc.original_route, APIRoute) or "GET" not in (rc.methods or ()):
            continue
        if rc.path.startswith("/api/v1/") or rc.path in NOT_PAGES:
            continue
        paths.add(rc.path)
    return paths


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Staged, str]]:
    """One staged server for the whole module (a fresh one per test would cost seconds each)."""
    where = tmp_path_factory.mktemp("a11y")
    url = f"sqlite:///{where / 'accord.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    staged = stage(Settings(data_dir=where, database_url=url))
    with serve(staged.app) as base:
        yield staged, base
    staged.app.state.engine.dispose()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    from conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def audit(
    page: Any, address: str, *, width: int | None = None, seen: set[int] | None = None
) -> list[str]:
    """axe's serious and critical violations on `address`, one line each (and, with `width`,
    a line when the page scrolls sideways at that viewport width). With `seen`, an error page
    (403, 404, 409) is audited once per status: the same template answers for every address."""
    response = page.goto(address)
    status = response.status if response is not None else 200
    if status >= 500:
        return [f"{address}: HTTP {status}"]
    if seen is not None and status >= 400:
        if status in seen:
            return []
        seen.add(status)
    # the charts draw after load: audit what the reader will see
    page.wait_for_function(
        "[...document.querySelectorAll('.chart')].every(c => c.dataset.rendered)", timeout=15000
    )
    page.add_script_tag(url=AXE)
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 4)})); }"
    )
    problems = [
        f"{address}: {v['impact']} {v['id']} ({v['help']}) at {json.dumps(v['nodes'])}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]
    if width is not None:
        # wide tables scroll inside their own .table-wrap, never the whole page
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            problems.append(f"{address}: the page is {scroll} px wide at a {width} px viewport")
    return problems


def _addresses(staged: Staged) -> list[str]:
    out = []
    for address in (a for v in PAGES.values() for a in v):
        for name, value in (("{item}", "inbox_item"), ("{meeting}", "meeting")):
            address = address.replace(name, staged.ids.get(value, "missing"))
        out.append(address)
    return out


def test_every_page_route_is_audited(site: tuple[Staged, str]) -> None:
    staged, _ = site
    missing = page_routes(staged.app) - PAGES.keys()
    assert not missing, f"pages without an accessibility audit (add them to PAGES): {missing}"
    stale = PAGES.keys() - page_routes(staged.app) - {"404"}
    assert not stale, f"PAGES names routes that no longer exist: {stale}"


def test_the_audit_catches_a_violation(site: tuple[Staged, str], chromium: Any) -> None:
    """The check itself works: an image without a text alternative is reported."""
    _, base = site
    context = chromium.new_context()
    page = context.new_page()
    page.route(
        f"{base}/broken",
        lambda route: route.fulfill(
            content_type="text/html",
            body='<!doctype html><html lang="en"><title>x</title><main><img src="/x.png"></main>',
        ),
    )
    problems = audit(page, f"{base}/broken")
    context.close()
    assert any("image-alt" in p for p in problems), problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_signed_out_pages(site: tuple[Staged, str], chromium: Any, scheme: str) -> None:
    _, base = site
    context = chromium.new_context(color_scheme=scheme)
    page = context.new_page()
    problems = audit(page, f"{base}/sign-in") + audit(page, f"{base}/api/docs")
    context.close()
    assert not problems, "\n".join(problems)


# (persona, colour scheme, viewport width, language): one run per role, between them light
# and dark, English and Korean, desktop and phone widths
RUNS = [
    ("rok-evaluator", "light", 1280, "en"),
    ("us-signer", "dark", 1280, "ko"),
    ("observer", "light", 375, "en"),
    ("admin", "light", 1280, "en"),
]


@pytest.mark.parametrize(("username", "scheme", "width", "lang"), RUNS)
def test_every_page_as_each_role(
    site: tuple[Staged, str], chromium: Any, username: str, scheme: str, width: int, lang: str
) -> None:
    staged, base = site
    context = chromium.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
    page = sign_in(context, base, username)
    if lang != "en":
        page.goto(f"{base}/language/{lang}?next=/")
    problems: list[str] = []
    seen: set[int] = set()
    for address in _addresses(staged):
        problems += audit(page, base + address, width=width if width < 600 else None, seen=seen)
    context.close()
    assert not problems, f"{len(problems)} problems as {username} ({scheme}, {width} px):\n" + (
        "\n".join(problems)
    )


def test_axe_is_vendored_with_its_licence() -> None:
    vendor = Path(__file__).parents[1] / "src/accord/web/static/vendor/axe-core"
    assert (vendor / "axe.min.js").stat().st_size > 100_000
    assert "Mozilla Public License" in (vendor / "LICENSE").read_text()


def test_the_workspace_filters_its_standards(site: tuple[Staged, str], chromium: Any) -> None:
    """table-filter.js: typed words keep the standards whose heading has them all; "Not
    rated" keeps those whose level is still empty; a condition with nothing left is hidden."""
    _, base = site
    context = chromium.new_context()
    page = sign_in(context, base, "rok-evaluator")
    page.goto(f"{base}{WS}/2027")
    shown = "document.querySelectorAll('.std:not([hidden])').length"
    assert page.evaluate(shown) == 26
    page.fill("#std-filter", "missile defence")
    page.wait_for_function(f"{shown} < 26")
    headings = page.locator(".std:not([hidden]) h4").all_inner_texts()
    assert headings and all("missile defence" in h.lower() for h in headings), headings
    assert page.locator("#cond-C1").is_hidden()
    assert page.locator(".filter-bar .filter-count").inner_text() == f"{len(headings)} / 26"
    page.fill("#std-filter", "")
    page.select_option('[id="level-C1.1.1"]', index=2)
    page.check("#std-unrated")
    assert page.evaluate(shown) == 25 and page.locator('[id="std-C1.1.1"]').is_hidden()
    # the reconciliation page: divergent standards (cards) and settled ones (rows) alike
    page.goto(f"{base}{WS}/2026/reconciliation")
    page.fill("#rec-filter", "c2.1.1")
    page.wait_for_function("() => document.querySelector('.filter-count').textContent === '1 / 2'")
    assert page.locator('[id="rec-C2.1.1"]').is_visible()
    assert page.locator('[id="rec-C1.1.1"]').is_hidden()
    context.close()
