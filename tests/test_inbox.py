"""The inbox: feed items listed with their matches, filtered and counted; reviewed, dismissed,
reopened and attached as evidence through the service, the API and the pages; hostile feed
HTML shown safely while the stored text stays verbatim; and one run in a real browser.

Feed data is inserted with the models directly (not through the feed ingest)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from accord.db import transaction
from accord.models import AuditRecord, Feed, FeedItem, FeedItemSource, FeedMatch, Plan
from accord.services import Conflict, NotFound, accounts, inbox, inbox_review
from accord.services.actors import SYSTEM, actor_for
from accord.services.examples import demo_password
from accord.services.frameworks import current_version

PLAN = "opcon-cotp"
API = f"/api/v1/plans/{PLAN}/inbox"
PAGE = f"/plans/{PLAN}/inbox"
HOSTILE = (
    '<p>Exercise <b>notes</b></p><script>alert("x")</script><style>body{display:none}</style>'
    '<img src="https://tracker.example/p.gif" onerror="alert(1)" alt="Map of the area">'
    '<a href=" javascript:alert(2)">click</a> '
    '<a href="data:text/html,<script>alert(3)</script>">d</a>'
    '<svg onload="alert(4)"><circle/></svg><iframe src="https://evil.example/"></iframe>'
    '<div onclick="alert(5)" style="position:fixed">layer</div>'
    '<a href="https://agency.example/more" target="_blank" onmouseover="alert(6)">more</a>'
    "<p>5 &lt; 6 &amp;&amp; &quot;ok&quot;</p>"
)


@dataclass
class Seeded:
    feeds: dict[str, str]  # name -> uid
    items: dict[str, str]  # name -> uid


def _item(s: Session, plan: Plan, feed: Feed, n: int, **kw: Any) -> FeedItem:
    row = FeedItem(
        plan_id=plan.id,
        feed_id=feed.id,
        guid=f"guid-{n}",
        content_hash=f"{n:064d}",
        published_at=dt.datetime(2026, 3, n, 9, tzinfo=dt.UTC),
        **kw,
    )
    s.add(row)
    s.flush()
    s.add(FeedItemSource(item_id=row.id, feed_id=feed.id))
    return row


def seed(factory: sessionmaker[Session], plan_id: int) -> Seeded:
    """Two feeds and five items of the OPCON plan, matched in its current framework version."""
    with transaction(factory) as s:
        plan = s.get(Plan, plan_id)
        assert plan is not None
        version = current_version(session=s, plan=plan)
        assert version is not None
        mnd = Feed(
            plan_id=plan.id,
            title="MND press releases",
            source="url",
            location="https://mnd.example/rss",
            created_by="admin",
        )
        usfk = Feed(
            plan_id=plan.id,
            title="USFK news",
            source="url",
            location="https://usfk.example/rss",
            created_by="admin",
        )
        s.add_all([mnd, usfk])
        s.flush()
        items = {
            "exercise": _item(
                s,
                plan,
                mnd,
                1,
                title="Combined exercise tests wartime command",
                summary="<p>The <b>combined</b> staff led the exercise.</p>",
                link="https://mnd.example/news/1",
                author="MND spokesperson",
            ),
            "missile": _item(
                s,
                plan,
                usfk,
                2,
                title="Interceptor battery delivered",
                summary="An air and missile defence battery arrived.",
                link="https://usfk.example/2",
            ),
            "hostile": _item(
                s,
                plan,
                mnd,
                3,
                title="Notes <script>alert('t')</script>",
                content=HOSTILE,
                summary="hostile",
                link="https://mnd.example/news/3",
            ),
            "old": _item(
                s,
                plan,
                mnd,
                4,
                title="Old dismissed story",
                link="https://mnd.example/news/4",
                status="dismissed",
                reviewed_by="us-evaluator",
                reviewed_at=dt.datetime(2026, 3, 5, tzinfo=dt.UTC),
            ),
            "nolink": _item(
                s,
                plan,
                mnd,
                5,
                title="Command post rehearsal announced",
                summary="Rehearsal of the command post.",
                link=None,
            ),
        }
        s.add(FeedItemSource(item_id=items["exercise"].id, feed_id=usfk.id))  # seen in both
        for name, code, cond, method, score in (
            ("exercise", "C1.1.1", "C1", "keyword", 0.82),
            ("exercise", "C1.2.1", "C1", "semantic", 0.61),
            ("missile", "C2.1.1", "C2", "keyword", 0.7),
            ("nolink", "C1.1.2", "C1", "keyword", 0.5),
            ("old", "C1.1.1", "C1", "keyword", 0.4),
        ):
            s.add(
                FeedMatch(
                    item_id=items[name].id,
                    framework_version_id=version.id,
                    standard_code=code,
                    condition_code=cond,
                    method=method,
                    score=score,
                    reason=f"{method}: {code} terms in the {name} item",
                )
            )
        return Seeded(
            feeds={"mnd": mnd.uid, "usfk": usfk.uid}, items={k: v.uid for k, v in items.items()}
        )


@pytest.fixture
def data(factory: sessionmaker[Session], opcon: Plan, people: dict[str, str]) -> Seeded:
    return seed(factory, opcon.id)


def _actor(s: Session, name: str) -> Any:
    return actor_for(s, accounts.get_user(session=s, username=name))


def _titles(result: dict[str, Any]) -> list[str]:
    return [i["title"] for i in result["items"]]


# --------------------------------------------------------------------------- service


def test_filters_by_status_condition_feed_and_text(
    factory: sessionmaker[Session], data: Seeded
) -> None:
    with factory() as s:
        who = _actor(s, "observer")

        def ls(**kw: Any) -> dict[str, Any]:
            return inbox.list_items(session=s, actor=who, plan_code=PLAN, **kw)

        everything = ls()
        assert everything["total"] == 4
        # newest first
        assert everything["items"][0]["uid"] == data.items["nolink"]
        assert everything["counts"] == {"unreviewed": 4, "reviewed": 0, "dismissed": 1}
        assert _titles(ls(status="dismissed")) == ["Old dismissed story"]
        assert {i["uid"] for i in ls(condition="C1")["items"]} == {
            data.items["exercise"],
            data.items["nolink"],
        }
        assert {i["uid"] for i in ls(feed=data.feeds["usfk"])["items"]} == {
            data.items["exercise"],
            data.items["missile"],
        }
        assert _titles(ls(standard="C2.1.1")) == ["Interceptor battery delivered"]
        assert _titles(ls(q="BATTERY")) == ["Interceptor battery delivered"]
        assert _titles(ls(q="100%")) == []  # LIKE wildcards are literal
        assert ls(condition="C1", feed=data.feeds["usfk"])["total"] == 1

        first = ls(condition="C1")["items"][-1]
        assert first["uid"] == data.items["exercise"]
        assert [f["title"] for f in first["feeds"]] == ["MND press releases", "USFK news"]
        assert first["excerpt"] == "The combined staff led the exercise."
        assert first["label"] == "unreviewed open-source item"
        best = first["matches"][0]
        assert best["standard"] == "C1.1.1" and best["condition"] == "C1"
        assert best["score"] == 0.82 and best["method"] == "keyword" and best["title"]
        assert "C1.1.1 terms" in best["reason"]


def test_facet_counts_leave_out_their_own_filter(
    factory: sessionmaker[Session], data: Seeded
) -> None:
    with factory() as s:
        who = _actor(s, "rok-evaluator")
        result = inbox.list_items(session=s, actor=who, plan_code=PLAN)
        conditions = {c["code"]: c["count"] for c in result["facets"]["condition"]}
        assert conditions == {"C1": 2, "C2": 1, "C3": 0}
        feeds = {f["title"]: f["count"] for f in result["facets"]["feed"]}
        assert feeds == {"MND press releases": 3, "USFK news": 2}

        narrowed = inbox.list_items(session=s, actor=who, plan_code=PLAN, condition="C1")
        assert {c["code"]: c["count"] for c in narrowed["facets"]["condition"]} == conditions
        assert {f["title"]: f["count"] for f in narrowed["facets"]["feed"]} == {
            "MND press releases": 2,
            "USFK news": 1,
        }
        assert narrowed["counts"] == {"unreviewed": 2, "reviewed": 0, "dismissed": 1}


def test_bad_filters_are_named(client: TestClient, data: Seeded) -> None:
    for query, field in (
        ("status=done", "status"),
        ("condition=C9", "condition"),
        ("feed=nope", "feed"),
        ("standard=X", "standard"),
    ):
        r = client.get(f"{API}?{query}")
        assert r.status_code == 422 and r.json()["detail"].startswith(field), query


def test_review_dismiss_reopen_and_conflicts(
    as_user: Callable[[str], TestClient], data: Seeded, session: Session
) -> None:
    rok, us = as_user("rok-evaluator"), as_user("us-evaluator")
    uid = data.items["missile"]
    r = rok.post(f"{API}/{uid}/dismiss")
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    assert r.json()["reviewed_by"] == "rok-evaluator"
    # the US evaluator saw it unreviewed: their review is refused, with the news
    late = us.post(f"{API}/{uid}/review")
    assert late.status_code == 409
    assert late.json()["current"]["status"] == "dismissed"
    assert late.json()["current"]["reviewed_by"] == "rok-evaluator"
    assert "already dismissed by rok-evaluator" in late.json()["detail"]
    assert us.post(f"{API}/{uid}/dismiss").status_code == 409
    attach = {"evaluation": "2026", "standard": "C2.1.1", "joint": True}
    assert us.post(f"{API}/{uid}/attach", json=attach).status_code == 409
    back = us.post(f"{API}/{uid}/reopen")
    assert back.status_code == 200 and back.json()["status"] == "unreviewed"
    assert back.json()["reviewed_by"] is None
    assert rok.post(f"{API}/{uid}/reopen").json()["current"]["status"] == "unreviewed"
    done = us.post(f"{API}/{uid}/review")
    assert done.status_code == 200 and done.json()["status"] == "reviewed"
    actions = session.scalars(
        select(AuditRecord.action).where(AuditRecord.target == uid).order_by(AuditRecord.seq)
    ).all()
    assert actions == ["inbox.dismiss", "inbox.reopen", "inbox.review"]


def _evidence(client: TestClient, code: str = "2026") -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/plans/{PLAN}/evaluations/{code}/evidence")
    assert r.status_code == 200
    return list(r.json()["evidence"])


def test_attach_as_evidence_makes_link_evidence_and_marks_reviewed(
    as_user: Callable[[str], TestClient], data: Seeded
) -> None:
    rok, us = as_user("rok-evaluator"), as_user("us-evaluator")
    uid = data.items["exercise"]
    body = {
        "evaluation": "2026",
        "standard": "C1.1.1",
        "joint": True,
        "releasability": "party-only",
        "note": "Shows the combined staff at work.",
    }
    r = rok.post(f"{API}/{uid}/attach", json=body)
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["item"]["status"] == "reviewed" and got["item"]["reviewed_by"] == "rok-evaluator"
    ev = got["evidence"]
    assert ev["kind"] == "link" and ev["url"] == "https://mnd.example/news/1"
    assert ev["title"] == "Combined exercise tests wartime command"
    assert ev["note"].startswith(
        "From feed MND press releases, USFK news, published 2026-03-01, "
        "unreviewed open-source item."
    )
    assert ev["note"].endswith("Shows the combined staff at work.")
    assert ev["target"] == {"kind": "joint", "standard": "C1.1.1"}
    assert ev["owner"] == "ROK" and ev["releasability"] == "party-only"
    # party-only: ROK sees it, the US does not
    assert [e["uid"] for e in _evidence(rok)] == [ev["uid"]]
    assert _evidence(us) == []
    # a reviewed item may be attached again, by the other party, shared, on its own rating
    again = us.post(f"{API}/{uid}/attach", json={"evaluation": "2026", "standard": "C1.2.1"})
    assert again.status_code == 201, again.text
    shared = again.json()["evidence"]
    assert shared["target"] == {"kind": "party", "standard": "C1.2.1", "party": "US"}
    assert shared["releasability"] == "shared"
    assert again.json()["item"]["reviewed_by"] == "rok-evaluator"  # still the first reviewer
    assert [e["uid"] for e in _evidence(us)] == [shared["uid"]]
    listed = rok.get(f"{API}?status=reviewed").json()
    assert [i["uid"] for i in listed["items"]] == [uid]
    assert uid not in {i["uid"] for i in rok.get(API).json()["items"]}


def test_an_item_without_a_link_attaches_as_a_note(
    as_user: Callable[[str], TestClient], data: Seeded
) -> None:
    r = as_user("us-signer").post(
        f"{API}/{data.items['nolink']}/attach",
        json={"evaluation": "2026", "standard": "C1.1.2", "joint": True},
    )
    assert r.status_code == 201, r.text
    ev = r.json()["evidence"]
    assert ev["kind"] == "note" and ev["url"] is None
    assert ev["title"] == "Command post rehearsal announced"
    assert ev["note"].startswith("Command post rehearsal announced\n\nFrom feed MND press releases")
    assert "unreviewed open-source item" in ev["note"]


def test_attach_is_all_or_nothing(as_user: Callable[[str], TestClient], data: Seeded) -> None:
    rok = as_user("rok-evaluator")
    uid = data.items["exercise"]
    bad = rok.post(f"{API}/{uid}/attach", json={"evaluation": "2026", "standard": "C9.9.9"})
    assert bad.status_code == 422 and "standard" in bad.json()["detail"]
    assert rok.get(f"{API}/{uid}").json()["status"] == "unreviewed"
    wrong = rok.post(
        f"{API}/{uid}/attach",
        json={"evaluation": "2026", "standard": "C1.1.1", "releasability": "secret"},
    )
    assert wrong.status_code == 422
    assert _evidence(rok) == []


def test_who_may_act(
    as_user: Callable[[str], TestClient],
    anon: TestClient,
    app: FastAPI,
    data: Seeded,
    factory: sessionmaker[Session],
) -> None:
    uid = data.items["missile"]
    observer = as_user("observer")
    assert observer.get(API).status_code == 200
    assert observer.get(f"{API}/{uid}").status_code == 200
    for action in ("review", "dismiss"):
        r = observer.post(f"{API}/{uid}/{action}")
        assert r.status_code == 403 and "review feed items" in r.json()["detail"]
    body = {"evaluation": "2026", "standard": "C2.1.1", "joint": True}
    assert observer.post(f"{API}/{uid}/attach", json=body).status_code == 403
    # administrators review, but attach only as a party's member
    admin = as_user("admin")
    assert admin.post(f"{API}/{uid}/attach", json=body).status_code == 403
    assert admin.post(f"{API}/{uid}/review").status_code == 200
    assert anon.get(API).status_code == 401
    # an outsider of the plan: 404, as if it did not exist
    with transaction(factory) as s:
        user = accounts.create_user(
            session=s, actor=SYSTEM, username="outsider", password=demo_password("outsider")
        )
        token = accounts.create_token(session=s, actor=SYSTEM, user=user, name="t")[0]
    outsider = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert outsider.get(API).status_code == 404
    assert outsider.get(f"{API}/{uid}").status_code == 404
    assert outsider.post(f"{API}/{uid}/reopen").status_code == 404
    assert outsider.get(PAGE).status_code == 404
    # and an item of no plan is 404 too
    assert as_user("rok-evaluator").get(f"{API}/no-such-item").status_code == 404
    with factory() as s, pytest.raises(NotFound):
        inbox.item(session=s, actor=_actor(s, "observer"), plan_code=PLAN, uid="nope")


def test_service_conflict_carries_the_current_status(
    factory: sessionmaker[Session], data: Seeded
) -> None:
    with transaction(factory) as s:
        inbox_review.dismiss(
            session=s, actor=_actor(s, "us-signer"), plan_code=PLAN, uid=data.items["exercise"]
        )
    with factory() as s, pytest.raises(Conflict) as caught:
        inbox_review.mark_reviewed(
            session=s, actor=_actor(s, "rok-signer"), plan_code=PLAN, uid=data.items["exercise"]
        )
    assert isinstance(caught.value.current, dict)
    assert caught.value.current["status"] == "dismissed"
    assert caught.value.current["reviewed_by"] == "us-signer"


# --------------------------------------------------------------------------- display safety


def test_hostile_html_is_shown_safely_and_stored_verbatim(
    client: TestClient, data: Seeded, factory: sessionmaker[Session]
) -> None:
    uid = data.items["hostile"]
    page = client.get(f"{PAGE}/{uid}")
    assert page.status_code == 200
    html = page.text.lower()
    box = html[html.index('class="verbatim-body"') : html.index('id="matches-h"')]
    for bad in ("<script", "onerror", "onload", "onclick", "onmouseover", "javascript:"):
        assert bad not in html, bad
    for bad in ("<style", "<iframe", "<svg", "<img", "data:text", "style=", "target="):
        assert bad not in box, bad
    assert "exercise <b>notes</b>" in box
    assert "[image: map of the area]" in box
    assert 'href="https://agency.example/more" rel="noopener noreferrer nofollow"' in box
    assert "5 &lt; 6 &amp;&amp;" in box
    assert (
        "verbatim from mnd press releases; unreviewed; scripts, styles and event handlers " in html
    )
    # the title is shown as text: its script dropped like the body's
    assert "<h1>notes</h1>" in html
    with factory() as s:
        row = s.scalar(select(FeedItem).where(FeedItem.uid == uid))
        assert row is not None
        assert row.content == HOSTILE and row.title == "Notes <script>alert('t')</script>"
    api = client.get(f"{API}/{uid}").json()
    assert api["content"] == HOSTILE  # the API gives the verbatim text, and `html` for display
    assert "<script" not in api["html"] and "onerror" not in api["html"]
    assert api["html"] in page.text


def test_a_link_that_is_not_a_web_address_is_not_linked(
    client: TestClient, data: Seeded, factory: sessionmaker[Session]
) -> None:
    with transaction(factory) as s:
        row = s.scalar(select(FeedItem).where(FeedItem.uid == data.items["missile"]))
        assert row is not None
        row.link = "javascript:alert(1)"
    page = client.get(f"{PAGE}/{data.items['missile']}")
    assert 'href="javascript:' not in page.text
    assert "not a web address" in page.text


# --------------------------------------------------------------------------- pages


class Browser(TestClient):
    """A client signed in through the form, like a browser: cookies plus the CSRF token."""

    csrf: str

    def post_form(self, url: str, data: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kw)


def sign_in(app: FastAPI, username: str) -> Browser:
    client = Browser(app)
    pre = re.search(r'name="pre_token" value="([^"]+)"', client.get("/sign-in").text)
    assert pre is not None
    r = client.post(
        "/sign-in",
        data={"username": username, "password": demo_password(username), "pre_token": pre[1]},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(PAGE).text)
    assert token is not None
    client.csrf = token[1]
    return client


@pytest.fixture
def browse(app: FastAPI, data: Seeded) -> Callable[[str], Browser]:
    return lambda username: sign_in(app, username)


def test_the_list_page_is_the_json_twin(as_user: Callable[[str], TestClient], data: Seeded) -> None:
    rok = as_user("rok-evaluator")
    for query in ("", "?condition=C1", f"?feed={data.feeds['usfk']}", "?status=dismissed"):
        page, api = rok.get(PAGE + query), rok.get(API + query).json()
        assert page.status_code == 200
        shown = re.findall(r'<article class="card inbox-item[^"]*" id="item-([^"]+)"', page.text)
        assert shown == [i["uid"] for i in api["items"]], query
        for item in api["items"]:
            for m in item["matches"]:
                assert f"<code>{m['standard']}</code>" in page.text
                assert f"{m['score']:.2f} · {m['method']}" in page.text
        for c in api["facets"]["condition"]:
            assert escape(f"{c['code']} {c['title']} ({c['count']})") in page.text
        for status, count in api["counts"].items():
            assert f'{status} <span class="muted">{count}</span>' in page.text
    assert "unreviewed open-source item" in rok.get(PAGE).text
    item = rok.get(f"{API}/{data.items['exercise']}").json()
    page = rok.get(f"{PAGE}/{data.items['exercise']}").text
    for key in ("author", "web_link"):
        assert escape(item[key]) in page
    for m in item["matches"]:
        assert m["reason"] in page


def test_observers_see_no_buttons_and_a_forced_post_is_403(
    browse: Callable[[str], Browser], data: Seeded
) -> None:
    observer = browse("observer")
    page = observer.get(PAGE).text
    assert "Combined exercise" in page
    assert "Mark reviewed" not in page and "Dismiss" not in page and "Attach as" not in page
    item_page = observer.get(f"{PAGE}/{data.items['exercise']}").text
    assert "Mark reviewed" not in item_page
    r = observer.post_form(f"{PAGE}/{data.items['exercise']}/dismiss")
    assert r.status_code == 403 and "<html" in r.text and "review feed items" in r.text


def test_page_actions_answer_303_and_conflicts_409(
    browse: Callable[[str], Browser], data: Seeded
) -> None:
    rok, us = browse("rok-evaluator"), browse("us-evaluator")
    page = rok.get(f"{PAGE}?condition=C1").text
    assert "Mark reviewed" in page and "Attach as evidence" in page
    uid = data.items["nolink"]
    r = rok.post_form(f"{PAGE}/{uid}/dismiss", {"f_condition": "C1"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"{PAGE}?condition=C1&done=dismissed"
    after = rok.get(r.headers["location"]).text
    assert "Item dismissed." in after and f'id="item-{uid}"' not in after
    late = us.post_form(f"{PAGE}/{uid}/review")
    assert late.status_code == 409
    assert "Nothing was saved" in late.text and "already dismissed by rok-evaluator" in late.text
    # no CSRF token: refused
    assert us.post(f"{PAGE}/{uid}/reopen", data={}).status_code == 403
    r = us.post_form(f"{PAGE}/{uid}/reopen", {"back": "item"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{PAGE}/{uid}?done=reopened"
    form = {
        "evaluation": "2026",
        "standard": "C1.1.1",
        "rating": "joint",
        "releasability": "shared",
        "party": "ROK",
        "note": "page note",
    }
    r = rok.post_form(f"{PAGE}/{data.items['exercise']}/attach", form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("done=attached")
    evidence = rok.get(f"/api/v1/plans/{PLAN}/evaluations/2026/evidence").json()["evidence"]
    assert [(e["kind"], e["target"]["kind"], e["owner"]) for e in evidence] == [
        ("link", "joint", "ROK")
    ]
    bad = rok.post_form(f"{PAGE}/{data.items['missile']}/attach", {**form, "standard": "C9"})
    assert bad.status_code == 422 and "Nothing was saved" in bad.text


def test_empty_inbox_says_how_to_subscribe(client: TestClient) -> None:
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "No feeds are subscribed" in page.text and "accord feeds add URL" in page.text
    assert client.get(API).json()["total"] == 0


def test_nothing_to_review(as_user: Callable[[str], TestClient], data: Seeded) -> None:
    rok = as_user("rok-evaluator")
    for uid in rok.get(API).json()["items"]:
        assert rok.post(f"{API}/{uid['uid']}/review").status_code == 200
    assert "Nothing to review" in rok.get(PAGE).text


def test_the_plan_navigation_links_the_inbox(client: TestClient, data: Seeded) -> None:
    assert f'href="{PAGE}"' in client.get(f"/plans/{PLAN}/action-items").text


# --------------------------------------------------------------------------- browser


@pytest.mark.browser
def test_browser_filter_and_attach(
    live_url: str, browser: Any, factory: sessionmaker[Session], opcon: Plan
) -> None:
    data = seed(factory, opcon.id)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_url}/")
    page.get_by_label("Username").fill("rok-evaluator")
    page.get_by_label("Password").fill(demo_password("rok-evaluator"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_url}/plans/**")
    page.get_by_role("link", name="Inbox").click()
    page.wait_for_url(f"{live_url}{PAGE}")
    assert page.locator("article.inbox-item").count() == 4
    page.get_by_label("Condition", exact=True).select_option("C1")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**condition=C1**")
    assert page.locator("article.inbox-item").count() == 2
    card = page.locator(f"#item-{data.items['exercise']}")
    card.get_by_text("Attach as evidence").click()
    assert card.get_by_label("Standard", exact=True).input_value() == "C1.1.1"  # the best match
    assert card.get_by_label("Evaluation", exact=True).input_value() == "2026"  # the open one
    card.get_by_label("Rating", exact=True).select_option("joint")
    card.get_by_label("Releasability", exact=True).select_option("party-only")
    card.get_by_role("button", name="Attach and mark reviewed").click()
    page.wait_for_url("**done=attached**")
    assert "condition=C1" in page.url
    assert (
        page.get_by_role("status").inner_text() == "Item attached as evidence and marked reviewed."
    )
    assert page.locator("article.inbox-item").count() == 1
    assert page.locator(f"#item-{data.items['exercise']}").count() == 0
    page.get_by_role("link", name=re.compile(r"^reviewed")).click()
    assert page.locator(f"#item-{data.items['exercise']}").count() == 1
    assert errors == []
    context.close()
