"""The security claims of issue 7, item 6, each with a test that can fail.

docs/security.md maps every claim to its control and to the test that proves it (lock-out,
session expiry and rotation and the password policy live in test_account_security.py; the
route-by-persona matrix and the per-route CSRF check in test_permissions_matrix.py).

Most tests here share one module-scoped world: the OPCON plan rebuilt from a framework whose
every title, description and guidance is an XSS payload, with the demo personas, evaluations
in every state (built by test_permissions_matrix._populate) and hostile text in every field a
user can write: display names, evaluation labels, rationales, action item notes, evidence,
feeds and feed items, and a draft framework version.  Every GET route is fetched once per
persona and the answers are checked for headers, inline script and unescaped payloads.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from accord.config import Settings
from accord.db import make_engine, make_sessionmaker, transaction
from accord.models import (
    ActionItem,
    ApiToken,
    AuditRecord,
    Base,
    Evaluation,
    Feed,
    FeedItem,
    JointRating,
    PartyRating,
    Plan,
    ReconciliationStep,
    User,
    WebSession,
)
from accord.services import Invalid, accounts, evidence, examples, framework_versions
from accord.services.actors import SYSTEM, actor_for
from accord.services.examples import demo_password, example_text
from accord.services.plans import create_plan
from accord.web.app import create_app
from accord.web.auth import SESSION_COOKIE
from test_permissions_matrix import (
    ADMIN,
    AGREED,
    CONCLUDED,
    DIVERGENT,
    ENDPOINTS,
    OBSERVER,
    OPEN,
    PARAMS,
    PERSONAS,
    PLANNED,
    ROK_EV,
    ROK_SIG,
    US_EV,
    WITH_ACTIONS,
    _fill,
    _populate,
)

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("ACCORD_TEST_DATABASE_URL")
PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'"
# what the payload leaves behind when it is not escaped (the escaped form may appear)
RAW_MARKERS = ("<script>alert(1)", "<img src=x onerror")
MAIN = "opcon-cotp"
HOSTILE_DRAFT = "hostile-draft"
CODES = (CONCLUDED, OPEN, DIVERGENT, AGREED, PLANNED, WITH_ACTIONS)
# hostile evidence files: none may ever be served as markup or inline
HOSTILE_FILES = {
    "page.html": b"<!doctype html><html><script>alert(document.cookie)</script></html>",
    "image.svg": (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
    ),
    # a GIF header, then markup: a sniffing browser could take it for HTML
    "polyglot.gif": b"GIF89a/*\x00\x00*/=1;<html><script>alert(3)</script></html>",
    "x.html": b"plain words, but the name says html <b>bold</b>",
    "<img src=x onerror=alert(4)>.pdf": b"%PDF-1.7\n<script>alert(5)</script>",
}
# Content-Security-Policy directives every response must carry
CSP_REQUIRED = {
    "frame-ancestors": "'none'",
    "object-src": "'none'",
    "base-uri": None,  # any value: present so an injected <base> cannot re-point the scripts
}


# --------------------------------------------------------------------------- the world


def _hostile_framework(version: str | None = None) -> str:
    """The OPCON framework with every title, name, description and guidance a payload."""
    doc = yaml.safe_load(example_text("opcon", "framework.yaml"))

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key in ("title", "description", "guidance", "name", "question"):
                    if isinstance(value, str):
                        value = f"{PAYLOAD} {key}"
                    elif isinstance(value, dict):
                        value = {lang: f"{PAYLOAD} {key} {lang}" for lang in value}
                out[key] = walk(value)
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    hostile = walk(doc)
    if version:
        hostile["version"] = version
    return yaml.safe_dump(hostile, allow_unicode=True, sort_keys=False)


@dataclass
class World:
    app: FastAPI
    tokens: dict[str, str]
    values: dict[str, str]  # path parameters
    files: dict[str, str]  # hostile evidence file name -> evidence uid
    cookie: str  # rok-evaluator's web session
    csrf: str
    data_dir: Path

    def client(self, who: str | None = None) -> TestClient:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return TestClient(
            self.app, headers=headers, raise_server_exceptions=False, follow_redirects=False
        )


def _module_database(template: str, tmp: Path) -> str:
    if PG_URL:
        engine = make_engine(PG_URL)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return PG_URL
    path = tmp / "data" / "accord.db"
    path.parent.mkdir()
    shutil.copy(template, path)
    return f"sqlite:///{path}"


def _hostile_text(s: Session, plan: Plan, data_dir: Path, uids: dict[str, str]) -> dict[str, str]:
    """Hostile text in every field a user writes; the hostile evidence files' uids."""
    rok_ev = actor_for(s, accounts.get_user(session=s, username=ROK_EV))
    # users' display names
    s.execute(update(User).values(display_name=PAYLOAD))
    # evaluation labels, rationales, proposals and action item notes (the signed evaluation
    # keeps its own text: changing it would only show the signature as broken)
    signed = s.scalar(
        select(Evaluation.id).where(Evaluation.plan_id == plan.id, Evaluation.code == CONCLUDED)
    )
    s.execute(
        update(Evaluation)
        .where(Evaluation.plan_id == plan.id, Evaluation.id != signed)
        .values(label=PAYLOAD)
    )
    for table in (PartyRating, JointRating, ReconciliationStep):
        s.execute(update(table).where(table.evaluation_id != signed).values(rationale=PAYLOAD))
    s.execute(update(ActionItem).where(ActionItem.plan_id == plan.id).values(notes=PAYLOAD))
    # evidence through the service: notes, links and files on OPEN and on an action item
    target = evidence.Target(standard="C1.1.1")
    for content in (
        evidence.Content(kind="note", title=PAYLOAD, note=PAYLOAD),
        evidence.Content(kind="link", title=PAYLOAD, url="https://example.org/?q=" + PAYLOAD),
        evidence.Content(kind="link", url="https://example.org/<script>alert(1)</script>"),
    ):
        evidence.attach(
            session=s,
            actor=rok_ev,
            plan_code=plan.code,
            code=OPEN,
            target=target,
            content=content,
            data_dir=data_dir,
            max_bytes=1 << 20,
        )
    on_item = evidence.Target(action_item=uids["uid"])
    evidence.attach(
        session=s,
        actor=rok_ev,
        plan_code=plan.code,
        code=WITH_ACTIONS,
        target=on_item,
        content=evidence.Content(kind="note", title=PAYLOAD, note=PAYLOAD),
        data_dir=data_dir,
        max_bytes=1 << 20,
    )
    files = {}
    for name, data in HOSTILE_FILES.items():
        got = evidence.attach(
            session=s,
            actor=rok_ev,
            plan_code=plan.code,
            code=OPEN,
            target=target,
            content=evidence.Content(kind="file", data=data, filename=name, note=PAYLOAD),
            data_dir=data_dir,
            max_bytes=1 << 20,
        )
        files[name] = got["uid"]
    # feeds: titles, and an inbox item whose every field is hostile (inserted directly, as
    # the poller would store what a feed said)
    s.execute(update(Feed).where(Feed.plan_id == plan.id).values(title=PAYLOAD))
    feed = s.scalars(select(Feed).where(Feed.plan_id == plan.id)).first()
    assert feed is not None
    item = FeedItem(
        plan_id=plan.id,
        feed_id=feed.id,
        title=PAYLOAD,
        summary=PAYLOAD,
        content=f'<p>{PAYLOAD}</p><a href="javascript:alert(3)">x</a>',
        author=PAYLOAD,
        link="javascript:alert(4)",
        content_hash="1" * 64,
    )
    s.add(item)
    s.flush()
    uids["item"] = item.uid
    # a hostile draft of the framework
    admin = actor_for(s, accounts.get_user(session=s, username=ADMIN))
    framework_versions.create_draft(
        session=s, actor=admin, plan=plan, text=_hostile_framework(HOSTILE_DRAFT), source="x"
    )
    return files


@pytest.fixture(scope="module")
def world(_template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    url = _module_database(_template_db, tmp_path_factory.mktemp("security"))
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    data_dir = tmp_path_factory.mktemp("security-app")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        with transaction(factory) as s:
            plan = create_plan(session=s, text=_hostile_framework(), source="hostile", code=MAIN)
            examples.load_history(
                session=s,
                plan=plan,
                data=yaml.safe_load(example_text("opcon", "history.yaml")),
                source="hostile",
            )
            examples.create_demo_people(session=s, actor=SYSTEM, plan=plan)
            tokens = {
                name: accounts.create_token(
                    session=s,
                    actor=SYSTEM,
                    user=accounts.get_user(session=s, username=name),
                    name="t",
                )[0]
                for name in PERSONAS
            }
            people = {
                name: actor_for(s, accounts.get_user(session=s, username=name)) for name in PERSONAS
            }
            uids = _populate(s, plan, people, people[ADMIN], demo_password(ROK_SIG), data_dir)
            files = _hostile_text(s, plan, data_dir, uids)
            cookie, web_session = accounts.start_session(
                session=s, user=accounts.get_user(session=s, username=ROK_EV)
            )
            csrf = web_session.csrf_token
    engine.dispose()
    app = create_app(Settings(data_dir=data_dir, database_url=url))
    values = {**PARAMS, "plan": MAIN, **uids, "b": HOSTILE_DRAFT}
    yield World(app, tokens, values, files, cookie, csrf, data_dir)
    app.state.engine.dispose()


# --------------------------------------------------------------------------- the crawl

GET_ROUTES = sorted({p for m, p, _ in ENDPOINTS if m == "GET"})
PAGE_ROUTES = [p for p in GET_ROUTES if not p.startswith("/api/") and p != "/healthz"]


@dataclass(frozen=True)
class Page:
    who: str
    url: str
    status: int
    headers: httpx.Headers
    body: str


def _urls(template: str, values: dict[str, str]) -> list[str]:
    """The route with its path parameters filled, once per evaluation state below {code}."""
    codes = CODES if "{code}" in template else (OPEN,)
    return [_fill(template, {**values, "code": code}) for code in codes]


# slow to answer and the same for every member: fetched in every state by the admin (and the
# pages by an evaluator), once by the others; so is the JSON API (its headers are the point)
SAME_FOR_ALL = ("/report", "/statement", "/forecast", "/backtest", "/sheet", "/plans/{plan}")


@pytest.fixture(scope="module")
def crawl(world: World) -> list[Page]:
    """Every GET route, for every persona (and signed out), every evaluation state (some once:
    see SAME_FOR_ALL)."""
    pages = []
    for who in (*PERSONAS, None):
        client = world.client(who)
        for template in GET_ROUTES:
            api = template.startswith("/api/")
            full = who == ADMIN or (who == ROK_EV and not api)
            if (api or template.endswith(SAME_FOR_ALL)) and not full:
                urls = _urls(template, world.values)[:1]
            else:
                urls = _urls(template, world.values)
            for url in urls:
                r = client.get(url)
                pages.append(Page(who or "signed-out", url, r.status_code, r.headers, r.text))
    assert len(pages) > 300
    return pages


def _html(pages: list[Page]) -> list[Page]:
    return [p for p in pages if p.headers.get("content-type", "").startswith("text/html")]


# --------------------------------------------------------------------------- headers


def _csp(value: str) -> dict[str, str]:
    out = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = " ".join(words[1:])
    return out


def _header_problems(where: str, headers: httpx.Headers) -> list[str]:
    problems = []
    csp = _csp(headers.get("content-security-policy", ""))
    if not csp:
        return [f"{where}: no Content-Security-Policy"]
    scripts = csp.get("script-src", csp.get("default-src"))
    if scripts is None and "sandbox" not in csp:
        problems.append(f"{where}: CSP limits no scripts: {csp}")
    for bad in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        if scripts is not None and bad in scripts.split():
            problems.append(f"{where}: script-src allows {bad}")
    for name, value in CSP_REQUIRED.items():
        if name not in csp or (value is not None and csp[name] != value):
            problems.append(f"{where}: CSP lacks {name} {value or ''}: {csp}")
    if headers.get("x-content-type-options") != "nosniff":
        problems.append(f"{where}: X-Content-Type-Options is not nosniff")
    if headers.get("referrer-policy") not in ("same-origin", "no-referrer", "strict-origin"):
        problems.append(f"{where}: Referrer-Policy {headers.get('referrer-policy')!r}")
    return problems


def test_every_get_route_answers_with_the_security_headers(crawl: list[Page]) -> None:
    """Pages, API, downloads, redirects to sign in: each persona, each evaluation state."""
    seen = {p.status for p in crawl}
    assert {200, 303, 401, 409}.issubset(seen), seen
    problems = [
        q for p in crawl for q in _header_problems(f"{p.who} GET {p.url} {p.status}", p.headers)
    ]
    assert not problems, "\n".join(problems[:40])


def test_errors_static_files_and_downloads_carry_the_security_headers(world: World) -> None:
    admin, anon = world.client(ADMIN), world.client()
    browser = world.client()
    browser.cookies.set(SESSION_COOKIE, world.cookie)
    v = world.values
    api = f"/api/v1/plans/{MAIN}"
    cases = {
        "static css": (anon.get("/static/app.css"), 200),
        "static vendor js": (anon.get("/static/vendor/htmx.org/htmx.min.js"), 200),
        "static missing": (anon.get("/static/nothing.js"), 404),
        "page 404": (admin.get("/no-such-page"), 404),
        "api 404": (admin.get("/api/v1/plans/no-such-plan"), 404),
        "page 404 in plan": (admin.get("/plans/no-such-plan"), 404),
        "api 401": (anon.get(f"{api}/summary"), 401),
        "api 401 bad token": (
            anon.get(f"{api}/summary", headers={"Authorization": "Bearer acc_wrong"}),
            401,
        ),
        "page 403 csrf": (browser.post(f"/plans/{MAIN}/evaluations/{OPEN}/submission"), 403),
        "api 403": (
            world.client(OBSERVER).post(f"{api}/evaluations/{OPEN}/submission", json={}),
            403,
        ),
        "api 422": (admin.get(f"{api}/evaluations/{CONCLUDED}/report?format=exe"), 422),
        "page 422": (admin.get(f"/plans/{MAIN}/evaluations/{OPEN}?party=" + "x" * 5000), None),
        "api 405": (admin.delete(f"{api}/summary"), 405),
        "sign-in page": (anon.get("/sign-in"), 200),
        "sign-in refused": (anon.post("/sign-in", data={"username": "x", "password": "y"}), 403),
        "report md": (admin.get(f"{api}/evaluations/{CONCLUDED}/report?format=md"), 200),
        "report html": (admin.get(f"{api}/evaluations/{CONCLUDED}/report?format=html"), 200),
        "sheet": (world.client(ROK_EV).get(f"{api}/evaluations/{OPEN}/sheet?format=csv"), 200),
        "bundle": (admin.get(f"{api}/evaluations/{CONCLUDED}/bundle"), None),
        "evidence": (admin.get(f"{api}/evidence/{v['evidence']}/download"), 200),
    }
    rok = world.client(ROK_EV)  # the files rest on ROK's rating, blind to others until submitted
    for name, uid in world.files.items():
        cases[f"evidence {name}"] = (rok.get(f"{api}/evidence/{uid}/download"), 200)
    problems = []
    for name, (r, status) in cases.items():
        if status is not None and r.status_code != status:
            problems.append(f"{name}: {r.status_code}, not {status}: {r.text[:200]}")
        problems += _header_problems(f"{name} {r.status_code}", r.headers)
    assert not problems, "\n".join(problems)


def test_a_server_error_carries_the_security_headers(world: World) -> None:
    app = create_app(world.app.state.settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    r = TestClient(app, raise_server_exceptions=False).get("/boom")
    app.state.engine.dispose()
    assert r.status_code == 500 and "boom" not in r.text
    assert not _header_problems("500", r.headers)


# --------------------------------------------------------------------------- inline script


class _Scan(HTMLParser):
    """Collects what a strict CSP would block, or what injected markup would leave behind."""

    URL_ATTRS = ("href", "src", "action", "formaction", "xlink:href", "data", "poster")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.data_blocks: list[str] = []
        self._in: str | None = None  # "data" inside a JSON block, "script" inside code
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>: an event handler attribute")
            if name in self.URL_ATTRS and value is not None:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"<{tag} {name}={value!r}>: a script URL")
        if tag in ("iframe", "object", "embed", "base", "frame"):
            self.problems.append(f"<{tag}>: not expected in any page")
        if tag == "script":
            kind = (found.get("type") or "").lower()
            if kind == "application/json":
                self._in, self._buffer = "data", []
            elif not found.get("src"):
                self._in, self._buffer = "script", []
            else:
                src = found["src"] or ""
                if not re.sub(r"^https?://testserver", "", src).startswith("/static/"):
                    self.problems.append(f"<script src={src!r}>: not one of ours")
                self._in, self._buffer = None, []

    def handle_data(self, data: str) -> None:
        if self._in:
            self._buffer.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in:
            body = "".join(self._buffer)
            if self._in == "script" and body.strip():
                self.problems.append(f"an inline <script>: {body.strip()[:80]!r}")
            if self._in == "data":
                self.data_blocks.append(body)
            self._in = None


def _scan(body: str) -> _Scan:
    scan = _Scan()
    scan.feed(body)
    scan.close()
    return scan


def test_no_page_has_inline_script_or_event_handlers(crawl: list[Page]) -> None:
    """What the CSP would block must not be there: the pages would break (or be attacked)."""
    pages = _html(crawl)
    assert len({p.url for p in pages if p.status == 200}) >= 20
    problems = [f"{p.who} {p.url}: {q}" for p in pages for q in _scan(p.body).problems]
    assert not problems, "\n".join(problems[:40])


def test_chart_specs_are_json_data_blocks_that_cannot_break_out(crawl: list[Page]) -> None:
    """dashboard.js and report.js read the Vega-Lite specs from <script type=application/json>;
    with hostile titles in them the block still parses whole, and holds no '</'."""
    blocks = 0
    for p in _html(crawl):
        for block in _scan(p.body).data_blocks:
            blocks += 1
            assert "</" not in block and "<!--" not in block, f"{p.url}: {block[:200]}"
            spec = json.loads(block)  # a breakout would have cut the block short
            assert isinstance(spec, dict) and spec, p.url
    assert blocks >= 6  # the dashboard's and the reports' charts were seen
    hostile = [
        p for p in _html(crawl) if "application/json" in p.body and "\\u003cscript" in p.body
    ]
    assert hostile, "no chart spec carried the hostile titles: the check proved nothing"


# --------------------------------------------------------------------------- escaping


def test_user_text_is_never_rendered_unescaped(crawl: list[Page]) -> None:
    html = _html(crawl)
    problems = [
        f"{p.who} GET {p.url}: {marker!r}"
        for p in html
        for marker in RAW_MARKERS
        if marker in p.body
    ]
    assert not problems, "\n".join(problems[:40])
    # the payload did reach the pages, escaped: otherwise the check above proved nothing
    escaped = [p.url for p in html if "&lt;script&gt;alert(1)" in p.body]
    for part in ("/evaluations/", "/inbox/", "/action-items", "/reconciliation", "/report"):
        assert any(part in u for u in escaped), f"no page under {part} showed the payload"
    assert any(u == f"/plans/{MAIN}" for u in escaped), "the dashboard did not show it"


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_report_files_escape_user_text(world: World, fmt: str) -> None:
    admin = world.client(ADMIN)
    for code in (CONCLUDED, WITH_ACTIONS):
        r = admin.get(f"/api/v1/plans/{MAIN}/evaluations/{code}/report?format={fmt}")
        assert r.status_code == 200, r.text
        assert r.headers["content-disposition"].startswith("attachment")
        for marker in RAW_MARKERS:
            assert marker not in r.text, f"{code} {fmt}: {marker!r} unescaped"
        escaped = "&lt;script&gt;alert(1)" if fmt == "html" else "&lt;script>alert(1)"
        assert escaped in r.text, f"{code} {fmt}: the payload did not reach it"
        if fmt == "html":
            assert not _scan(r.text).problems


def test_links_and_feed_addresses_cannot_carry_script(world: World, crawl: list[Page]) -> None:
    """Evidence links must be http(s); a feed item's javascript: link is shown, not linked."""
    with make_sessionmaker(world.app.state.engine)() as s:
        rok_ev = actor_for(s, accounts.get_user(session=s, username=ROK_EV))
        for url in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>"):
            with pytest.raises(Invalid):
                evidence.attach(
                    session=s,
                    actor=rok_ev,
                    plan_code=MAIN,
                    code=OPEN,
                    target=evidence.Target(standard="C1.1.1"),
                    content=evidence.Content(kind="link", url=url),
                    data_dir=world.data_dir,
                    max_bytes=1024,
                )
        s.rollback()
    item = [p for p in crawl if p.url == f"/plans/{MAIN}/inbox/{world.values['item']}"]
    assert item and all(p.status == 200 for p in item if p.who != "signed-out")
    assert all("javascript:alert(4)" not in p.body or "not linked" in p.body for p in item)


# --------------------------------------------------------------------------- CSRF and cookies


def test_every_write_route_needs_a_bearer_token_or_the_csrf_token() -> None:
    """Summary of the per-route check in test_permissions_matrix: cookie-authenticated writes
    pass auth.get_actor_optional, which refuses them without the session's CSRF token; the
    only write routes without get_actor are signing in (its own double-submit token) and
    signing out (harmless)."""
    from test_permissions_matrix import WRITES, test_a_cookie_write_needs_the_csrf_token

    writes = [(m, p) for m, p, _ in ENDPOINTS if m in ("POST", "PUT", "PATCH", "DELETE")]
    unchecked = sorted({p for _, p in writes} - {p for _, p in WRITES})
    assert unchecked == ["/sign-in", "/sign-out"], unchecked
    assert len(WRITES) >= 30 and callable(test_a_cookie_write_needs_the_csrf_token)


PAGE_FORMS = {
    f"/plans/{MAIN}/evaluations/{OPEN}/ratings": {
        "party": "ROK",
        "only": "C1.1.1",
        "level-C1.1.1": "Full",
        "version-C1.1.1": "1",
    },
    f"/plans/{MAIN}/evaluations/{OPEN}/submission": {"party": "ROK", "confirm": "yes"},
    f"/plans/{MAIN}/evaluations/{OPEN}/evidence": {"standard": "C1.1.1", "note": "x"},
    f"/plans/{MAIN}/evaluations/{DIVERGENT}/reconciliation/C2.1.1/proposals": {
        "party": "ROK",
        "level": "Partial",
        "rationale": "x",
    },
}


@pytest.mark.parametrize("token", ["none", "wrong", "another session's"])
def test_a_cross_site_form_post_with_the_session_cookie_is_refused(
    world: World, token: str
) -> None:
    browser = world.client()
    browser.cookies.set(SESSION_COOKIE, world.cookie)
    with make_sessionmaker(world.app.state.engine)() as s, s.begin():
        _, other = accounts.start_session(
            session=s, user=accounts.get_user(session=s, username=US_EV)
        )
        others = other.csrf_token
    sent = {"none": None, "wrong": "x" * 43, "another session's": others}[token]
    for url, form in PAGE_FORMS.items():
        data = {**form, **({"csrf_token": sent} if sent else {})}
        r = browser.post(url, data=data, headers={"Origin": "https://evil.example"})
        assert r.status_code == 403 and "CSRF" in r.text, f"{url}: {r.status_code}"
    # the same request with the right token is accepted: the refusal was the token's doing
    url, form = next(iter(PAGE_FORMS.items()))
    with world.client() as ok:
        ok.cookies.set(SESSION_COOKIE, world.cookie)
        r = ok.post(url, data={**form, "csrf_token": world.csrf})
    # 303, or 409 once an earlier run moved the rating on: either way past the CSRF check
    assert r.status_code in (303, 409), r.text[:300]


def _set_cookie(r: httpx.Response, name: str) -> str:
    lines = [v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith(name)]
    assert len(lines) == 1, r.headers
    return lines[0].lower()


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_session_cookies_are_httponly_samesite_and_secure_over_https(
    world: World, scheme: str
) -> None:
    client = TestClient(world.app, base_url=f"{scheme}://testserver", follow_redirects=False)
    form = client.get("/sign-in")
    pre = _set_cookie(form, "accord_signin")
    token = re.search(r'name="pre_token" value="([^"]+)"', form.text)
    assert token is not None
    r = client.post(
        "/sign-in",
        data={"username": ROK_EV, "password": demo_password(ROK_EV), "pre_token": token[1]},
    )
    assert r.status_code == 303, r.text[:300]
    session = _set_cookie(r, SESSION_COOKIE)
    for cookie, samesite in ((session, ("lax", "strict")), (pre, ("strict",))):
        assert "httponly" in cookie
        assert any(f"samesite={v}" in cookie for v in samesite), cookie
        assert ("secure" in cookie.split("; ")) == (scheme == "https"), cookie
    # the CSRF token a page carries is not the session cookie
    page = client.get(f"/plans/{MAIN}")
    meta = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert meta is not None and meta[1] not in session


# --------------------------------------------------------------------------- uploads


def test_hostile_uploads_are_downloaded_never_rendered(world: World) -> None:
    rok = world.client(ROK_EV)
    for name, uid in world.files.items():
        r = rok.get(f"/api/v1/plans/{MAIN}/evidence/{uid}/download")
        assert r.status_code == 200 and r.content == HOSTILE_FILES[name]
        kind = r.headers["content-type"].split(";")[0].strip()
        assert kind not in ("text/html", "image/svg+xml", "text/xml", "application/xml"), name
        assert kind in ("application/octet-stream", "text/plain", "application/pdf"), name
        disposition = r.headers["content-disposition"]
        assert disposition.startswith("attachment;"), name
        assert "<" not in disposition.split("filename*=")[0], disposition
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in _csp(r.headers["content-security-policy"]), name


def test_stored_files_are_outside_every_served_path(world: World) -> None:
    anon, admin = world.client(), world.client(ADMIN)
    stored = [p for p in (world.data_dir / "evidence").rglob("*") if p.is_file()]
    assert stored
    static = Path(__import__("accord.web", fromlist=["x"]).__file__).parent / "static"
    assert all(static.resolve() not in p.resolve().parents for p in stored)
    sha = stored[0].name
    for path in (
        f"/static/../evidence/{sha[:2]}/{sha}",
        f"/static/%2e%2e/evidence/{sha[:2]}/{sha}",
        f"/static/..%2f..%2fevidence/{sha[:2]}/{sha}",
        f"/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fdata/evidence/{sha[:2]}/{sha}",
        f"/evidence/{sha[:2]}/{sha}",
        f"/data/evidence/{sha[:2]}/{sha}",
        "/static/../../config.py",
    ):
        for client in (anon, admin):
            r = client.get(path)
            assert r.status_code == 404, f"{path}: {r.status_code}"
            assert not any(HOSTILE_FILES[n] == r.content for n in HOSTILE_FILES)


# --------------------------------------------------------------------------- docs/security.md


def test_every_test_named_in_docs_security_exists() -> None:
    """docs/security.md names the test behind each claim: the names must stay true."""
    doc = (ROOT / "docs" / "security.md").read_text("utf-8")
    named = re.findall(r"`?tests/(test_\w+\.py)::(\w+)`?", doc)
    assert len(named) >= 15
    missing = []
    for filename, test in named:
        source = (ROOT / "tests" / filename).read_text("utf-8")
        if not re.search(rf"^(?:async )?def {re.escape(test)}\(", source, re.M):
            missing.append(f"tests/{filename}::{test}")
    assert not missing, f"docs/security.md names tests that do not exist: {missing}"
    claims = re.findall(r"^\| (\d+)\. ", doc, re.M)
    assert len(claims) >= 12, "the claims table lost rows"


# --------------------------------------------------------------------------- secrets
# (last in the module: these tests take a fresh database of their own)


@pytest.fixture
def logged_server(settings: Settings, opcon: Plan) -> Iterator[str]:
    """uvicorn in this process, its access and error logs at DEBUG reaching caplog."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_config=None,  # no handlers of its own: records propagate to the root logger
        log_level="debug",
        access_log=True,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


def _pre_token(client: httpx.Client) -> str:
    found = re.search(r'name="pre_token" value="([^"]+)"', client.get("/sign-in").text)
    assert found is not None
    return found[1]


def test_secrets_never_reach_the_logs_the_audit_trail_or_the_database(
    logged_server: str,
    factory: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    # SQL echo logs bound parameters by design: a debugging aid, never on in service (and
    # set first: each set_level also sets the capturing handler's level)
    caplog.set_level(logging.WARNING, logger="sqlalchemy")
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error", "accord", ""):
        caplog.set_level(logging.DEBUG, logger=name or None)
    secrets = {
        "password": "correct horse battery staple 7f3a",
        "wrong password": "correct horse battery stapler 7f3a",
        "passphrase": "signing passphrase 91c2 of the rok signer",
        "wrong passphrase": "signing passphrase 91c2 of the rok signer?",
    }
    with transaction(factory) as s:
        plan = s.scalars(select(Plan)).one()
        user = accounts.create_user(
            session=s, actor=SYSTEM, username="sec-signer", password=secrets["password"]
        )
        accounts.grant_role(
            session=s, actor=SYSTEM, user=user, plan=plan, role="signer", party_code="ROK"
        )
        secrets["token"] = accounts.create_token(session=s, actor=SYSTEM, user=user, name="t")[0]
    api = f"/api/v1/plans/{MAIN}"
    bearer = {"Authorization": f"Bearer {secrets['token']}"}
    with httpx.Client(base_url=logged_server, follow_redirects=False, timeout=30) as web:
        form = {"username": "sec-signer", "next": "/"}
        r = web.post(
            "/sign-in",
            data={**form, "password": secrets["wrong password"], "pre_token": _pre_token(web)},
        )
        assert r.status_code == 401
        r = web.post(
            "/sign-in", data={**form, "password": secrets["password"], "pre_token": _pre_token(web)}
        )
        assert r.status_code == 303, r.text[:300]
        secrets["session cookie"] = web.cookies[SESSION_COOKIE]
        page = web.get(f"/plans/{MAIN}/evaluations/{CONCLUDED}/sign-off")
        meta = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert page.status_code == 200 and meta is not None
        secrets["csrf token"] = meta[1]
        # the API token: read, make a signing key, sign with a wrong passphrase
        assert web.get(f"{api}/summary", headers=bearer).status_code == 200
        r = web.post(
            "/api/v1/me/signing-key", json={"passphrase": secrets["passphrase"]}, headers=bearer
        )
        assert r.status_code == 201, r.text
        r = web.post(
            f"{api}/evaluations/{CONCLUDED}/signatures",
            json={"passphrase": secrets["wrong passphrase"]},
            headers=bearer,
        )
        assert 400 <= r.status_code < 500, r.text
        # the page form: signed with the right passphrase, cookie and CSRF token
        r = web.post(
            f"/plans/{MAIN}/evaluations/{CONCLUDED}/signatures",
            data={
                "csrf_token": secrets["csrf token"],
                "party": "ROK",
                "passphrase": secrets["passphrase"],
            },
        )
        assert r.status_code == 303, r.text[:500]
        web.post("/sign-out", data={"csrf_token": secrets["csrf token"]})
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.__dict__}"
        for r in caplog.records
        if not r.name.startswith(("httpx", "httpcore"))  # this test's own client
    )
    out, err = capfd.readouterr()
    assert "POST /sign-in" in logged, "the access log was not captured: the check proves nothing"
    with factory() as s:
        audit_rows = [
            json.dumps(row._asdict(), default=str)
            for row in s.execute(select(AuditRecord.__table__))
        ]
        assert any("signature" in a or "sign" in a for a in audit_rows)
        stored = [
            json.dumps(row._asdict(), default=str)
            for table in Base.metadata.sorted_tables
            for row in s.execute(select(table))
        ]
        user_row = accounts.get_user(session=s, username="sec-signer")
        assert user_row.password_hash.startswith("$argon2")
        token_row = s.scalars(select(ApiToken).where(ApiToken.user_id == user_row.id)).one()
        assert token_row.token_hash == accounts._sha256(secrets["token"])
        assert not s.scalars(select(WebSession).where(WebSession.user_id == user_row.id)).all()
    problems = []
    for what, secret in secrets.items():
        for where, haystack in (
            ("a log record", logged),
            ("stdout", out),
            ("stderr", err),
            ("the audit trail", "\n".join(audit_rows)),
        ):
            if secret in haystack:
                at = haystack.index(secret)
                problems.append(f"the {what} is in {where}: {haystack[max(0, at - 300) : at + 60]}")
        if what != "csrf token" and any(secret in row for row in stored):
            # the CSRF token is kept with its session (it is no credential on its own)
            problems.append(f"the {what} is stored in the database in plain text")
    assert not problems, "\n".join(problems)
