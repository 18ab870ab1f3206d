"""The round's pages: workspace, reconciliation, sign-off and action items, as a signed-in
person sees them (cookie sessions with CSRF), including blind rating and the 4xx paths."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from accord.db import transaction
from accord.formats import framework_yaml
from accord.models import ActionItem, Evaluation, Party, Plan
from accord.services.examples import demo_password, example_text

PLAN = "/plans/opcon-cotp"
WS = f"{PLAN}/evaluations/2026"
API = f"/api/v1{WS}"
MARKER = "ROK-DRAFT-MARKER-7f3c"  # a unique string in ROK's draft rationale


class Browser(TestClient):
    """A client signed in through the form, like a browser: cookies plus the CSRF token."""

    csrf: str

    def post_form(self, url: str, data: dict[str, str] | None = None, **kw):  # type: ignore[no-untyped-def]
        return self.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kw)


def sign_in(app: FastAPI, username: str) -> Browser:
    client = Browser(app)
    form = client.get("/sign-in")
    pre = re.search(r'name="pre_token" value="([^"]+)"', form.text)
    assert pre is not None
    r = client.post(
        "/sign-in",
        data={"username": username, "password": demo_password(username), "pre_token": pre[1]},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get(f"{PLAN}/action-items")
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert token is not None
    client.csrf = token[1]
    return client


@pytest.fixture
def browse(app: FastAPI, people: dict[str, str]) -> Callable[[str], Browser]:
    return lambda username: sign_in(app, username)


def _levels() -> list[tuple[str, list[str]]]:
    fw = framework_yaml.load(example_text("opcon", "framework.yaml"))
    return [(s.code, [lv.label for lv in fw.scale(s.scale).levels]) for s in fw.standards()]


def _all_levels_form(bump: frozenset[str] = frozenset(), rationale: str = "") -> dict[str, str]:
    """The workspace form with every standard at its third level (`bump`ed ones one higher)."""
    data = {}
    for code, levels in _levels():
        data[f"level-{code}"] = levels[3 if code in bump else 2]
        data[f"rationale-{code}"] = rationale or f"evidence for {code}"
    return data


def _api_round(as_user: Callable[[str], TestClient], submit: bool = True) -> None:
    """Both parties rate through the API (ROK one level higher on C1.1.1 and C2.1.1)."""
    for user, bump in (("rok-evaluator", {"C1.1.1", "C2.1.1"}), ("us-evaluator", set())):
        body = [
            {"standard": c, "level": lv[3 if c in bump else 2], "rationale": f"{user} on {c}"}
            for c, lv in _levels()
        ]
        client = as_user(user)
        assert client.put(f"{API}/ratings", json={"ratings": body}).status_code == 200
        if submit:
            assert client.post(f"{API}/submission", json={}).status_code == 200


def _concluded(as_user: Callable[[str], TestClient]) -> None:
    _api_round(as_user)
    rok, us = as_user("rok-evaluator"), as_user("us-evaluator")
    for std in ("C1.1.1", "C2.1.1"):
        body = {"level": "Partial", "rationale": "agreed at the MCM"}
        assert rok.post(f"{API}/reconciliation/{std}/proposals", json=body).status_code == 200
        assert us.post(f"{API}/reconciliation/{std}/approval", json={}).status_code == 200
    assert as_user("us-signer").post(f"{API}/conclusion").status_code == 200


# --- access ---------------------------------------------------------------------------------

PAGES = (WS, f"{WS}/reconciliation", f"{WS}/sign-off", f"{PLAN}/action-items")


def test_every_page_needs_sign_in(anon: TestClient, people: dict[str, str]) -> None:
    for url in PAGES:
        r = anon.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/sign-in?next="), url


def test_unknown_plan_or_evaluation_is_the_404_page(browse: Callable[[str], Browser]) -> None:
    b = browse("observer")
    for url in (
        "/plans/nope/evaluations/2026",
        f"{PLAN}/evaluations/1999",
        f"{PLAN}/evaluations/1999/reconciliation",
        f"{PLAN}/evaluations/1999/sign-off",
        "/plans/nope/action-items",
    ):
        r = b.get(url)
        assert r.status_code == 404 and "<h1>Not found</h1>" in r.text, url


def test_a_post_without_the_csrf_token_is_refused(browse: Callable[[str], Browser]) -> None:
    b = browse("rok-evaluator")
    for url in (
        f"{WS}/ratings",
        f"{WS}/submission",
        f"{WS}/reconciliation/C1.1.1/proposals",
        f"{WS}/reconciliation/C1.1.1/approval",
        f"{WS}/conclusion",
        f"{WS}/signatures",
        f"{PLAN}/action-items/some-uid",
    ):
        r = b.post(url, data={"only": "C1.1.1", "level-C1.1.1": "Full"})
        assert r.status_code == 403 and "CSRF" in r.text, url
    assert 'id="progress">0<small>/26' in b.get(WS).text  # nothing was saved


def test_outsiders_are_refused_with_the_403_page(browse: Callable[[str], Browser]) -> None:
    for who in ("observer", "admin", "rok-signer"):
        r = browse(who).post_form(
            f"{WS}/ratings", {"only": "C1.1.1", "level-C1.1.1": "Full", "version-C1.1.1": ""}
        )
        assert r.status_code == 403 and "<h1>Error 403</h1>" in r.text, who
        assert f"{who} may not" in r.text
    r = browse("us-evaluator").post_form(
        f"{WS}/ratings", {"party": "ROK", "only": "C1.1.1", "level-C1.1.1": "Full"}
    )
    assert r.status_code == 403
    r = browse("observer").post_form(f"{WS}/submission", {"confirm": "yes"})
    assert r.status_code == 403


# --- the workspace ---------------------------------------------------------------------------


def test_workspace_of_an_evaluator(browse: Callable[[str], Browser]) -> None:
    html = browse("rok-evaluator").get(WS).text
    assert "<h1>2026 annual joint evaluation</h1>" in html
    assert len(re.findall(r'<select id="level-', html)) == 26
    assert len(re.findall(r'<details class="card cond" open', html)) == 3
    assert 'id="progress">0<small>/26</small>' in html
    assert re.search(r'data-party="ROK"><strong>ROK</strong> <span class="badge">not yet', html)
    assert re.search(r'data-party="US"><strong>US</strong> <span class="badge">not yet', html)
    assert "threshold <strong>Substantial</strong>" in html
    assert "2025 joint level <strong>Full</strong>" in html  # C1.1.1 in 2025
    assert '<option value="">— choose —</option>' in html and "<option>N/A</option>" in html
    assert '<label for="level-C1.1.1">Level <span class="visually-hidden">for C1.1.1' in html
    assert "Rate all 26 standards to submit: 26 still to rate." in html
    assert 'aria-current="page">Workspace</a>' in html
    assert "Reconciliation</a>" not in html  # not reached yet


def test_others_see_the_standards_without_forms(browse: Callable[[str], Browser]) -> None:
    for who in ("observer", "admin", "us-signer"):
        html = browse(who).get(WS).text
        assert "C1.1.1" in html and 'name="level-' not in html and "/submission" not in html
    assert "stay private to it until every party has submitted" in browse("observer").get(WS).text


def test_save_one_standard_then_all_the_changed_ones(browse: Callable[[str], Browser]) -> None:
    b = browse("rok-evaluator")
    r = b.post_form(
        f"{WS}/ratings",
        {
            "party": "ROK",
            "only": "C1.1.1",
            "level-C1.1.1": "Substantial",
            "rationale-C1.1.1": "line one\r\nline two",
            "version-C1.1.1": "",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"{WS}?party=ROK&saved=1&std=C1.1.1#std-C1.1.1"
    html = b.get(r.headers["location"]).text
    assert "Saved 1 rating (C1.1.1)." in html
    assert 'id="progress">1<small>/26' in html
    assert "<option selected>Substantial</option>" in html
    assert ">line one\nline two</textarea>" in html
    assert 'name="version-C1.1.1" value="1"' in html
    # "save all": the unchanged C1.1.1 is not rewritten, the two new ones are
    form = {
        "party": "ROK",
        "level-C1.1.1": "Substantial",
        "rationale-C1.1.1": "line one\nline two",
        "version-C1.1.1": "1",
        "level-C1.1.2": "Full",
        "level-C1.1.3": "Partial",
    }
    r = b.post_form(f"{WS}/ratings", form)
    assert r.status_code == 200 and "Saved 2 ratings." in r.text
    assert 'name="version-C1.1.1" value="1"' in r.text and 'id="progress">3<small>/26' in r.text
    r = b.post_form(
        f"{WS}/ratings", {"party": "ROK", "level-C1.1.2": "Full", "version-C1.1.2": "1"}
    )
    assert "Nothing to save: no rating changed." in r.text


def test_saving_one_standard_keeps_what_was_typed_elsewhere(
    browse: Callable[[str], Browser],
) -> None:
    b = browse("rok-evaluator")
    form = {
        "party": "ROK",
        "only": "C1.1.1",
        "level-C1.1.1": "Full",
        "level-C1.1.2": "Partial",
        "rationale-C1.1.2": "typed, not saved",
        "version-C1.1.2": "",
    }
    r = b.post_form(f"{WS}/ratings", form, follow_redirects=False)
    assert r.status_code == 200
    assert "Saved 1 rating (C1.1.1). Not saved yet: C1.1.2; use “Save all changes”" in r.text
    assert 'id="progress">1<small>/26' in r.text and 'name="version-C1.1.1" value="1"' in r.text
    assert ">typed, not saved</textarea>" in r.text
    assert re.search(
        r'name="level-C1.1.2">\s*<option>Initial</option><option>Developing</option>'
        r"<option selected>Partial</option>",
        r.text,
    )


def test_a_stale_save_shows_what_is_stored_now(browse: Callable[[str], Browser]) -> None:
    tab1, tab2 = browse("rok-evaluator"), browse("rok-evaluator")
    save = {"party": "ROK", "only": "C1.1.1", "level-C1.1.1": "Partial", "version-C1.1.1": ""}
    assert tab1.post_form(f"{WS}/ratings", save).status_code == 200
    other = {
        **save,
        "level-C1.1.1": "Substantial",
        "rationale-C1.1.1": "from tab two",
        "version-C1.1.1": "1",
    }
    assert tab2.post_form(f"{WS}/ratings", other).status_code == 200
    stale = {
        **save,
        "level-C1.1.1": "Full",
        "rationale-C1.1.1": "from tab one",
        "version-C1.1.1": "1",
        "level-C1.1.2": "Partial",
    }
    r = tab1.post_form(f"{WS}/ratings", {k: v for k, v in stale.items() if k != "only"})
    assert r.status_code == 409
    assert "Nothing was saved: C1.1.1 changed since you loaded this page" in r.text
    assert "stored now\n      <strong>Substantial</strong> (version 2) — “from tab two”" in r.text
    assert "your entry <strong>Full</strong> — “from tab one”" in r.text
    assert 'class="std stale" id="std-C1.1.1"' in r.text
    assert 'name="version-C1.1.1" value="2"' in r.text  # the form now holds what is stored
    assert ">from tab two</textarea>" in r.text
    assert re.search(
        r'name="level-C1.1.2">\s*<option>Initial</option><option>Developing</option>'
        r"<option selected>Partial</option>",
        r.text,
    )  # typed values are kept
    html = tab1.get(WS).text
    assert 'id="progress">1<small>/26' in html  # nothing else was written


def test_bad_input_is_422_naming_the_field(browse: Callable[[str], Browser]) -> None:
    b = browse("rok-evaluator")
    r = b.post_form(f"{WS}/ratings", {"party": "ROK", "only": "C1.1.1", "level-C1.1.1": "Bogus"})
    assert r.status_code == 422
    assert "ratings[0].level: &#39;Bogus&#39; is not a level of C1.1.1&#39;s scale" in r.text
    r = b.post_form(f"{WS}/ratings", {"party": "ROK", "only": "C1.1.1", "level-C1.1.1": ""})
    assert r.status_code == 422 and "level of C1.1.1: choose a level" in r.text
    r = b.post_form(f"{WS}/ratings", {"party": "ROK", "only": "C9.9.9"})
    assert r.status_code == 422 and "only: evaluation 2026 has no standard" in r.text
    r = b.post_form(
        f"{WS}/ratings",
        {"party": "ROK", "only": "C1.1.1", "level-C1.1.1": "Full", "version-C1.1.1": "one"},
    )
    assert r.status_code == 422 and "version-C1.1.1: a whole number" in r.text


def test_submission_needs_every_rating_and_a_confirmation(browse: Callable[[str], Browser]) -> None:
    b = browse("rok-evaluator")
    r = b.post_form(f"{WS}/submission", {"party": "ROK", "confirm": "yes"})
    assert r.status_code == 422 and "26 standard(s) not rated yet" in r.text
    assert b.post_form(f"{WS}/ratings", {"party": "ROK", **_all_levels_form()}).status_code == 200
    html = b.get(WS).text
    assert 'id="progress">26<small>/26' in html and 'name="confirm" value="yes" required' in html
    r = b.post_form(f"{WS}/submission", {"party": "ROK"})
    assert r.status_code == 422 and "confirm: tick the box" in r.text
    r = b.post_form(f"{WS}/submission", {"party": "ROK", "confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{WS}?submitted=ROK"
    html = b.get(r.headers["location"]).text
    assert "ROK has submitted its ratings: they are final now." in html
    assert 'name="level-' not in html and "ROK submitted</span> Its ratings are read-only" in html
    assert re.search(r'data-party="ROK"><strong>ROK</strong> <span class="badge ok">yes', html)
    assert html.count('class="rating" data-party="ROK"') == 26
    r = b.post_form(
        f"{WS}/ratings",
        {"party": "ROK", "only": "C1.1.1", "level-C1.1.1": "Full", "version-C1.1.1": "1"},
    )
    assert r.status_code == 409 and "your party has submitted" in r.text
    r = b.post_form(f"{WS}/submission", {"party": "ROK", "confirm": "yes"})
    assert r.status_code == 409 and "already submitted" in r.text


def test_blind_rating_leaks_nothing_before_every_party_submits(
    browse: Callable[[str], Browser],
) -> None:
    rok = browse("rok-evaluator")
    form = {"party": "ROK", **_all_levels_form(bump=frozenset({"C1.1.1"}), rationale=MARKER)}
    form = {k: v for k, v in form.items() if not k.endswith(("C3.2.1", "C3.2.2"))}
    assert rok.post_form(f"{WS}/ratings", form).status_code == 200
    assert MARKER in rok.get(WS).text
    assert MARKER in browse("rok-signer").get(WS).text  # the party's own signer sees its drafts
    pages = (
        WS,
        f"{WS}?party=ROK",
        f"{WS}/reconciliation",
        f"{WS}/sign-off",
        f"{PLAN}/action-items",
        f"{PLAN}?evaluation=2026",
        PLAN,
        # and their JSON twins, opened with the same session cookie
        f"{API}/status",
        f"{API}/ratings/ROK",
        f"{API}/reconciliation",
        "/api/v1/plans/opcon-cotp/summary?evaluation=2026",
    )
    for who in ("us-evaluator", "us-signer", "observer", "admin"):
        b = browse(who)
        for url in pages:
            html = b.get(url).text
            assert MARKER not in html, (who, url)
            assert 'class="rating" data-party="ROK"' not in html, (who, url)
            assert "ROK has rated" not in html and "24<small>/26" not in html, (who, url)
            assert '"ROK": 24' not in html and '"ROK":24' not in html, (who, url)
    # US rates and submits: still blind for the US side until ROK submits too
    us = browse("us-evaluator")
    assert us.post_form(f"{WS}/ratings", {"party": "US", **_all_levels_form()}).status_code == 200
    assert us.post_form(f"{WS}/submission", {"party": "US", "confirm": "yes"}).status_code == 200
    assert MARKER not in us.get(WS).text and MARKER not in browse("observer").get(WS).text


# --- reconciliation, conclusion, sign-off -------------------------------------------------------


def test_reconciliation_before_every_party_submitted_is_409(
    browse: Callable[[str], Browser],
) -> None:
    r = browse("rok-evaluator").get(f"{WS}/reconciliation")
    assert r.status_code == 409 and "still open: reconciliation starts when every party" in r.text
    r = browse("rok-signer").get(f"{WS}/sign-off")
    assert r.status_code == 409 and "not concluded" in r.text


def test_the_last_submission_leads_to_reconciliation(
    browse: Callable[[str], Browser], as_user: Callable[[str], TestClient]
) -> None:
    _api_round(as_user, submit=False)
    assert as_user("us-evaluator").post(f"{API}/submission", json={}).status_code == 200
    r = browse("rok-evaluator").post_form(
        f"{WS}/submission", {"party": "ROK", "confirm": "yes"}, follow_redirects=False
    )
    assert r.headers["location"] == f"{WS}/reconciliation?begun=1"


def test_reconcile_conclude_and_sign_through_the_pages(
    browse: Callable[[str], Browser], as_user: Callable[[str], TestClient], app: FastAPI
) -> None:
    _api_round(as_user)
    rok, us, signer = browse("rok-evaluator"), browse("us-evaluator"), browse("us-signer")
    html = rok.get(f"{WS}/reconciliation").text
    assert 'id="unresolved">2<' in html and "Agreed at once</dt><dd>24" in html
    assert html.index('id="rec-C1.1.1"') < html.index('id="rec-C2.1.1"')
    assert '<td data-party="ROK">Substantial</td><td data-party="US">Partial</td>' in html
    assert "Conclude the evaluation" not in html  # evaluators do not conclude
    assert "No proposal yet." in html and "Approve" not in html
    # the workspace now shows both parties side by side
    ws = us.get(WS).text
    assert ws.count('class="rating" data-party="ROK"') == 26 and "to reconcile" in ws
    # 422: a proposal needs a rationale; 409: nothing to approve yet; 403: observers
    r = rok.post_form(f"{WS}/reconciliation/C1.1.1/proposals", {"level": "Substantial"})
    assert r.status_code == 422 and "rationale: say why" in r.text
    r = us.post_form(f"{WS}/reconciliation/C1.1.1/approval")
    assert r.status_code == 409 and "no proposal for C1.1.1" in r.text
    r = browse("observer").post_form(
        f"{WS}/reconciliation/C1.1.1/proposals", {"level": "Partial", "rationale": "x"}
    )
    assert r.status_code == 403
    r = rok.post_form(
        f"{WS}/reconciliation/C1.1.1/proposals",
        {"party": "ROK", "level": "Substantial", "rationale": "exercise results <b>strong</b>"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"].endswith("done=proposed&std=C1.1.1#rec-C1.1.1")
    html = us.get(r.headers["location"].replace("party=ROK&", "")).text
    assert "Proposal recorded for C1.1.1." in html
    assert '<strong>ROK</strong> proposes <span class="badge">Substantial</span>' in html
    assert "exercise results &lt;b&gt;strong&lt;/b&gt;" in html
    assert "waiting for US" in html and "Approve Substantial for US" in html
    r = rok.post_form(f"{WS}/reconciliation/C1.1.1/approval", {"party": "ROK"})
    assert r.status_code == 409 and "already approved" in r.text
    r = us.post_form(f"{WS}/reconciliation/C1.1.1/approval", {"party": "US"})
    assert r.status_code == 200 and "C1.1.1 is agreed: its joint level is recorded." in r.text
    assert 'id="unresolved">1<' in r.text and "approved by ROK and US" in r.text
    # a counter-proposal by US on C2.1.1, approved by ROK's signer
    us.post_form(
        f"{WS}/reconciliation/C2.1.1/proposals",
        {"party": "US", "level": "Partial", "rationale": "tracking gaps"},
    )
    html = signer.get(f"{WS}/reconciliation").text
    assert "Conclude the evaluation" not in html and "1 to resolve" in html
    r = browse("rok-signer").post_form(f"{WS}/reconciliation/C2.1.1/approval", {"party": "ROK"})
    assert "C2.1.1 is agreed" in r.text
    html = signer.get(f"{WS}/reconciliation").text
    assert "Conclude the evaluation" in html and "Nothing left to reconcile." in html
    assert rok.post_form(f"{WS}/conclusion").status_code == 403
    r = signer.post_form(f"{WS}/conclusion", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{WS}/sign-off?concluded=1"
    assert signer.post_form(f"{WS}/conclusion").status_code == 409

    # the sign-off
    html = signer.get(f"{WS}/sign-off?concluded=1").text
    assert "The evaluation is concluded: the parties’ signers can sign it now." in html
    sha = re.search(r'id="document-sha256">([0-9a-f]{64})<', html)
    assert sha is not None
    assert sha[1] == signer.get(f"{API}/document").headers["x-document-sha256"]
    assert 'id="statement">' in html and f'href="{PLAN}?evaluation=2026"' in html
    assert "Sign for US" in html and 'type="password"' in html and "signed bundle" not in html
    assert "Sign for" not in rok.get(f"{WS}/sign-off").text  # evaluators do not sign
    r = signer.post_form(f"{WS}/signatures", {"party": "US", "passphrase": "wrong passphrase"})
    assert r.status_code == 422 and "passphrase: it does not unlock your signing key" in r.text
    assert 'aria-invalid="true"' in r.text
    r = signer.post_form(
        f"{WS}/signatures",
        {"party": "US", "passphrase": demo_password("us-signer")},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"{WS}/sign-off?signed=US"
    html = signer.get(r.headers["location"]).text
    assert "US has signed." in html and "Sign for US" not in html
    assert '<tr data-party="US">' in html and "us-signer" in html and "Still to sign:" in html
    fingerprint = as_user("us-signer").get(f"{API}/signatures").json()["signatures"][0]
    assert fingerprint["fingerprint"] in html
    rok_signer = browse("rok-signer")
    r = rok_signer.post_form(
        f"{WS}/signatures", {"party": "ROK", "passphrase": demo_password("rok-signer")}
    )
    assert r.status_code == 200
    assert "ROK has signed. Every party has signed: the evaluation is sealed." in r.text
    assert "signed by every party" in r.text and 'data-status="signed"' in r.text
    bundle = rok_signer.get(f"{API}/bundle")  # the download link works with the session cookie
    assert bundle.status_code == 200 and bundle.json()["document_sha256"] == sha[1]
    r = rok_signer.post_form(f"{WS}/signatures", {"party": "ROK", "passphrase": "x" * 10})
    assert r.status_code == 409 and "already signed by ROK" in r.text
    # the dashboard now shows 2026 with its statement, and links to the workspace
    html = rok.get(PLAN).text
    assert "2026 annual joint evaluation" in html and 'id="statement">' in html
    assert f'href="{WS}"' in html


# --- action items --------------------------------------------------------------------------------


def test_action_items_page_and_its_forms(
    browse: Callable[[str], Browser], as_user: Callable[[str], TestClient]
) -> None:
    _concluded(as_user)
    items = as_user("observer").get("/api/v1/plans/opcon-cotp/action-items").json()
    assert items and all(i["owner"] == "ROK" for i in items)
    first = items[0]
    html = browse("observer").get(f"{PLAN}/action-items").text
    assert f"{len(items)} items" in html and first["standard"] in html
    assert "<select" not in html and "/action-items/" + first["uid"] not in html
    rok = browse("rok-evaluator")
    html = rok.get(f"{PLAN}/action-items").text
    assert html.count("<select") == len(items)
    assert f'<label class="visually-hidden" for="status-{first["uid"]}">' in html
    assert f'form="ai-form-{first["uid"]}"' in html and 'name="version" value="1"' in html
    url = f"{PLAN}/action-items/{first['uid']}"
    r = rok.post_form(
        url,
        {"version": "1", "status": "in_progress", "notes": "exercise booked", "filter": "open"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert (
        r.headers["location"]
        == f"{PLAN}/action-items?status=open&updated={first['uid']}#ai-{first['uid']}"
    )
    html = rok.get(f"{PLAN}/action-items?status=in_progress&updated={first['uid']}").text
    assert f"Action item for {first['standard']} updated." in html
    assert ">exercise booked</textarea>" in html and 'name="version" value="2"' in html
    assert 'aria-current="page">in progress</a>' in html and "1 item " in html
    r = rok.post_form(url, {"version": "1", "status": "done", "notes": "stale"})
    assert r.status_code == 409 and "the action item changed since you loaded it" in r.text
    assert "now: status <strong>in progress</strong>, notes “exercise booked” (version 2)" in r.text
    assert "Your entry: status <strong>done</strong>, notes “stale”" in r.text
    r = rok.post_form(url, {"version": "2", "status": "finished"})
    assert r.status_code == 422 and "status: one of open, in_progress, done, dropped" in r.text
    r = rok.post_form(url, {"status": "done"})
    assert r.status_code == 422 and "version:" in r.text
    assert browse("us-evaluator").post_form(url, {"version": "2"}).status_code == 403
    assert browse("observer").post_form(url, {"version": "2"}).status_code == 403
    assert rok.get(f"{PLAN}/action-items?status=bogus").status_code == 422


def test_open_items_of_earlier_evaluations_show_beside_the_standard(
    browse: Callable[[str], Browser], factory: sessionmaker[Session], opcon: Plan
) -> None:
    with transaction(factory) as s:
        ev = s.scalar(select(Evaluation).where(Evaluation.code == "2025"))
        rok = s.scalar(select(Party).where(Party.code == "ROK"))
        assert ev is not None and rok is not None
        s.add(
            ActionItem(
                plan_id=opcon.id,
                evaluation=ev,
                standard_code="C1.1.2",
                owner_party=rok,
                status="in_progress",
                notes="close the FOC findings",
            )
        )
        s.add(
            ActionItem(
                plan_id=opcon.id,
                evaluation=ev,
                standard_code="C1.1.3",
                owner_party=rok,
                status="done",
                notes="finished long ago",
            )
        )
    html = browse("us-evaluator").get(WS).text
    block = html[html.index('id="std-C1.1.2"') : html.index('id="std-C1.1.3"')]
    assert "action item</span> from 2025 · ROK · in progress: close the FOC findings" in block
    assert "finished long ago" not in html


def test_signers_reopen_a_submission_by_common_consent(
    browse: Callable[[str], Browser], as_user: Callable[[str], TestClient]
) -> None:
    rok = browse("rok-evaluator")
    assert rok.post_form(f"{WS}/ratings", {"party": "ROK", **_all_levels_form()}).status_code == 200
    rok.post_form(f"{WS}/submission", {"party": "ROK", "confirm": "yes"})
    assert "to reopen" not in rok.get(WS).text  # evaluators do not vote
    assert rok.post_form(f"{WS}/reopen-votes", {"target": "ROK"}).status_code == 403
    rok_signer, us_signer = browse("rok-signer"), browse("us-signer")
    assert "Agree, for ROK, to reopen ROK’s submission" in rok_signer.get(WS).text
    r = rok_signer.post_form(
        f"{WS}/reopen-votes", {"party": "ROK", "target": "ROK"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == f"{WS}?reopen=ROK"
    html = rok_signer.get(r.headers["location"]).text
    assert "Your agreement to reopen ROK’s submission is recorded" in html
    assert "agreed by ROK; it reopens when every party agrees." in html
    assert "Agree, for ROK, to reopen" not in html
    r = rok_signer.post_form(f"{WS}/reopen-votes", {"party": "ROK", "target": "ROK"})
    assert r.status_code == 409 and "already agreed" in r.text
    r = us_signer.post_form(f"{WS}/reopen-votes", {"party": "US", "target": "US"})
    assert r.status_code == 409 and "US has not submitted" in r.text
    r = us_signer.post_form(f"{WS}/reopen-votes", {"party": "US", "target": "XX"})
    assert r.status_code == 422 and "party: plan" in r.text
    r = us_signer.post_form(f"{WS}/reopen-votes", {"party": "US", "target": "ROK"})
    assert "ROK’s submission is reopened: its ratings can change again." in r.text
    assert len(re.findall(r'<select id="level-', rok.get(WS).text)) == 26
