"""Every route against every persona.

A route without an access rule fails; the signed-out are sent to sign in; a plan's outsiders
get 404, never 403 (a plan's existence is private); and writes are refused to every persona
whose role does not allow them.  Routes are enumerated from `create_app`, so routers added
later are covered too: a new write route fails `test_every_write_route_is_classified` until
it is given a row in FAMILIES.

The expected outcomes come from the explicit tables below, never from `accord.permissions`,
so that the test fails when routes and rules disagree.  Every request runs in a transaction
that is rolled back (`get_session` is overridden), so all of them see the same state.
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from argon2 import PasswordHasher
from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from starlette.routing import Mount, Route

from accord.config import Settings
from accord.db import make_engine, make_sessionmaker, transaction
from accord.formats import framework_yaml
from accord.models import ActionItem, Base, Feed, FeedItem, Plan
from accord.services import (
    accounts,
    audit,
    evidence,
    examples,
    feeds,
    framework_versions,
    lifecycle,
    meetings,
    ratings,
    reconciliation,
    signatures,
)
from accord.services.actors import SYSTEM, Actor, actor_for
from accord.services.examples import demo_password, example_text
from accord.services.plans import create_plan
from accord.web.app import create_app
from accord.web.auth import SESSION_COOKIE, credentials, get_actor, get_actor_optional
from accord.web.deps import get_session

try:
    from fastapi.routing import iter_route_contexts
except ImportError:  # FastAPI before included routers were kept whole
    iter_route_contexts = None  # type: ignore[assignment]

PG_URL = os.environ.get("ACCORD_TEST_DATABASE_URL")

# Routes anyone may use without signing in.  Keep this short: every entry is a door left open.
PUBLIC = {
    "/static": "stylesheets, scripts and vendored libraries",
    "/healthz": "liveness probe for the process supervisor",
    "/sign-in": "the way in",
    "/sign-out": "ends a session; harmless without one",
    "/api/v1/openapi.json": "the API description",
    "/api/docs": "the API documentation page",
    "/language/{code}": "remembers the interface language in a browser cookie; stores nothing",
}
# Routes that may serve the signed-out through `get_actor_optional`, each with its reason.
OPTIONAL_ACTOR: dict[str, str] = {}

ADMIN, ROK_EV, US_EV, ROK_SIG, US_SIG, OBSERVER = (
    "admin",
    "rok-evaluator",
    "us-evaluator",
    "rok-signer",
    "us-signer",
    "observer",
)
PERSONAS = (ADMIN, ROK_EV, US_EV, ROK_SIG, US_SIG, OBSERVER)
ANON = "signed-out"
BROWSER = "rok-evaluator's browser"  # a session cookie instead of a bearer token
MEMBERS = frozenset(PERSONAS)  # every persona holds a role in the main plan (admin: all plans)
ROK = frozenset({ROK_EV, ROK_SIG})
US = frozenset({US_EV, US_SIG})
GOVERNANCE = frozenset({ADMIN, ROK_SIG, US_SIG})  # governance.manage

MAIN, PRIVATE = "opcon-cotp", "opcon-private"  # nobody but the admin may see PRIVATE
GHOST = "no-such-plan"
# evaluations set up by the `world` fixture, in each plan
CONCLUDED, OPEN, DIVERGENT, AGREED, PLANNED = "2025", "2026", "2027", "2028", "2029"
WITH_ACTIONS = "2030"  # concluded in the fixture: its gaps are action items
AGREED_VERSION, DRAFT, PROPOSED = "2018.1", "matrix-draft", "matrix-proposed"

# Path parameters by name; `uid` (an action item) is added per plan by the fixture.
FEED_FILE = Path(__file__).parent / "fixtures" / "feeds" / "hostile.rss"  # local: no network
CISO_SMALL = Path(__file__).parent / "fixtures" / "ciso-small.yaml"
PARAMS = {
    "code": OPEN,
    "party": "ROK",
    "standard": "C1.1.1",
    "version": AGREED_VERSION,
    "a": AGREED_VERSION,
    "b": DRAFT,
    "username": OBSERVER,  # administration acts on the observer's account
    "token": "no-such-token",  # an API token nobody has: 404 to those who may revoke
}


def _framework_text(version: str) -> str:
    text = example_text("opcon", "framework.yaml")
    assert text.count('version: "2018.1"') == 1
    return text.replace('version: "2018.1"', f'version: "{version}"')


@dataclass(frozen=True)
class Case:
    """One request shape and who may make it.

    `allowed` None means unclassified: only the rules that hold for every route are checked.
    """

    allowed: frozenset[str] | None
    ok: frozenset[int] = frozenset({200})  # statuses for the allowed personas
    refused: frozenset[int] = frozenset({403, 404})  # statuses for the other members
    params: dict[str, str] = field(default_factory=dict)
    body: Any = None  # JSON
    form: dict[str, str] | None = None


def _ok(*codes: int) -> frozenset[int]:
    return frozenset(codes)


HIDDEN = _ok(404)  # a read refused by hiding the object (blind rating)
SEE_OTHER = _ok(303)  # a page's write succeeded: back to the page
P = "/api/v1/plans/{plan}"
E = P + "/evaluations/{code}"
R = E + "/reconciliation/{standard}"
F = P + "/frameworks"
W = "/plans/{plan}/evaluations/{code}"  # the round's pages
LEVEL = {"level": "Partial", "rationale": "matrix"}

# Expected outcomes per route family.  A GET route without an entry is a read every member
# of the plan may make (DEFAULT_READ); every other method needs an entry here.
FAMILIES: dict[tuple[str, str], list[Case]] = {
    # pages: a write answers 303 back to its page
    ("GET", "/"): [Case(MEMBERS, ok=_ok(200, 303))],  # the plan list, or the only plan
    ("POST", W + "/ratings"): [
        Case(
            frozenset({ROK_EV}),
            ok=SEE_OTHER,
            form={"party": "ROK", "only": "C1.1.1", "level-C1.1.1": "Full", "version-C1.1.1": "1"},
        ),
        Case(
            frozenset({US_EV}),
            ok=SEE_OTHER,
            form={"party": "US", "only": "C1.1.1", "level-C1.1.1": "Partial"},
        ),
    ],
    ("POST", W + "/submission"): [
        Case(frozenset({ROK_EV}), ok=SEE_OTHER, form={"party": "ROK", "confirm": "yes"}),
        Case(frozenset({US_EV}), ok=_ok(422), form={"party": "US", "confirm": "yes"}),
    ],
    ("POST", W + "/reopen-votes"): [
        Case(
            frozenset({ROK_SIG}),
            ok=SEE_OTHER,
            params={"code": DIVERGENT},
            form={"target": "US", "party": "ROK"},
        ),
        Case(
            frozenset({US_SIG}),
            ok=SEE_OTHER,
            params={"code": DIVERGENT},
            form={"target": "ROK", "party": "US"},
        ),
    ],
    ("GET", W + "/reconciliation"): [
        Case(MEMBERS, params={"code": DIVERGENT}),
        Case(MEMBERS, ok=_ok(409)),
    ],
    ("POST", W + "/reconciliation/{standard}/proposals"): [
        Case(
            ROK,
            ok=SEE_OTHER,
            params={"code": DIVERGENT, "standard": "C2.1.1"},
            form={**LEVEL, "party": "ROK"},
        ),
        Case(
            US,
            ok=SEE_OTHER,
            params={"code": DIVERGENT, "standard": "C2.1.1"},
            form={**LEVEL, "party": "US"},
        ),
    ],
    ("POST", W + "/reconciliation/{standard}/approval"): [
        Case(US, ok=SEE_OTHER, params={"code": DIVERGENT}, form={"party": "US"}),
        Case(ROK, ok=_ok(409), params={"code": DIVERGENT}, form={"party": "ROK"}),
    ],
    ("POST", W + "/conclusion"): [
        Case(frozenset({ADMIN, ROK_SIG, US_SIG}), ok=SEE_OTHER, params={"code": AGREED}, form={}),
    ],
    ("GET", W + "/sign-off"): [
        Case(MEMBERS, params={"code": CONCLUDED}),
        Case(MEMBERS, ok=_ok(409)),  # nothing to sign before the conclusion
    ],
    ("POST", W + "/signatures"): [
        Case(
            frozenset({US_SIG}),
            ok=SEE_OTHER,
            params={"code": CONCLUDED},
            form={"passphrase": demo_password(US_SIG), "party": "US"},
        ),
        Case(
            frozenset({ROK_SIG}),
            ok=_ok(409),
            params={"code": CONCLUDED},
            form={"passphrase": demo_password(ROK_SIG), "party": "ROK"},
        ),
    ],
    ("POST", "/plans/{plan}/action-items/{uid}"): [
        Case(
            frozenset({ADMIN, ROK_EV, ROK_SIG}),
            ok=SEE_OTHER,
            form={"version": "1", "status": "in_progress"},
        ),
    ],
    # evaluations: administrators plan, open and set deadlines
    ("POST", P + "/evaluations"): [
        Case(
            frozenset({ADMIN}),
            ok=_ok(201),
            body={"code": "2031", "label": "matrix", "held_on": "2031-10-30"},
        )
    ],
    ("POST", E + "/open"): [Case(frozenset({ADMIN}), params={"code": PLANNED}, body={})],
    ("PUT", E + "/deadline"): [Case(frozenset({ADMIN}), body={"due_on": "2099-12-31"})],
    # ratings: each party's evaluators, for their own party only; drafts are blind
    ("GET", E + "/ratings/{party}"): [
        Case(ROK, refused=HIDDEN),
        Case(US, refused=HIDDEN, params={"party": "US"}),
        Case(MEMBERS, params={"code": CONCLUDED}),
    ],
    ("PUT", E + "/ratings"): [
        Case(
            frozenset({ROK_EV}),
            body={
                "party": "ROK",
                "ratings": [{"standard": "C1.1.1", "level": "Full", "version": 1}],
            },
        ),
        Case(
            frozenset({US_EV}),
            body={"party": "US", "ratings": [{"standard": "C1.1.1", "level": "Partial"}]},
        ),
    ],
    ("POST", E + "/submission"): [
        Case(frozenset({ROK_EV}), body={"party": "ROK"}),
        Case(frozenset({US_EV}), ok=_ok(422), body={"party": "US"}),  # US has rated nothing
    ],
    # reopening a submission: each party's signer votes for its party
    ("POST", E + "/reopen-votes"): [
        Case(
            frozenset({ROK_SIG}), params={"code": DIVERGENT}, body={"target": "US", "party": "ROK"}
        ),
        Case(
            frozenset({US_SIG}), params={"code": DIVERGENT}, body={"target": "ROK", "party": "US"}
        ),
    ],
    # reconciliation: evaluators and signers, for their own party; conclusion: signers, admin
    ("GET", E + "/reconciliation"): [
        Case(MEMBERS, params={"code": DIVERGENT}),
        Case(MEMBERS, ok=_ok(409)),  # still open: nothing to reconcile yet
    ],
    ("POST", R + "/proposals"): [
        Case(
            ROK,
            params={"code": DIVERGENT, "standard": "C2.1.1"},
            body={**LEVEL, "party": "ROK"},
        ),
        Case(US, params={"code": DIVERGENT, "standard": "C2.1.1"}, body={**LEVEL, "party": "US"}),
    ],
    ("POST", R + "/approval"): [
        Case(US, params={"code": DIVERGENT}, body={"party": "US"}),  # ROK proposed C1.1.1
        Case(ROK, ok=_ok(409), params={"code": DIVERGENT}, body={"party": "ROK"}),
    ],
    ("POST", E + "/conclusion"): [
        Case(frozenset({ADMIN, ROK_SIG, US_SIG}), params={"code": AGREED}),
    ],
    # action items: the owner party's evaluators and signers, and administrators
    ("PATCH", P + "/action-items/{uid}"): [
        Case(frozenset({ADMIN, ROK_EV, ROK_SIG}), body={"version": 1, "status": "in_progress"}),
    ],
    # evidence: a party's evaluators and signers attach (here to the joint rating, for their
    # own party); every member lists and downloads shared evidence
    ("POST", E + "/evidence"): [
        Case(
            ROK,
            ok=_ok(201),
            body={
                "kind": "note",
                "note": "matrix",
                "standard": "C1.1.1",
                "joint": True,
                "acting_for": "ROK",
            },
        ),
        Case(
            US,
            ok=_ok(201),
            body={
                "kind": "link",
                "url": "https://example.org/x",
                "standard": "C1.1.1",
                "joint": True,
                "acting_for": "US",
            },
        ),
    ],
    ("GET", E + "/evidence"): [Case(MEMBERS), Case(MEMBERS, params={"code": CONCLUDED})],
    ("GET", P + "/evidence/{evidence}/download"): [Case(MEMBERS)],
    # removing: the owner party's evaluators and signers, never once the evaluation is concluded
    # (the fixture's evidence backs a rating of CONCLUDED: 409 for ROK, refused for the rest)
    ("DELETE", P + "/evidence/{evidence}"): [Case(ROK, ok=_ok(409))],
    ("POST", "/plans/{plan}/evidence/{evidence}/removal"): [
        Case(ROK, ok=_ok(409), form={"evaluation": CONCLUDED})
    ],
    # carrying evidence forward into the next evaluation: administrators
    ("POST", E + "/evidence/carry-forward"): [Case(frozenset({ADMIN}), body={"from": CONCLUDED})],
    # the evidence forms of the workspace and the action-items page: a party's members
    ("POST", W + "/evidence"): [
        Case(
            ROK,
            ok=SEE_OTHER,
            form={"standard": "C1.1.1", "note": "matrix", "rating": "joint", "party": "ROK"},
        ),
        Case(
            US,
            ok=SEE_OTHER,
            form={"standard": "C1.1.1", "url": "https://example.org/m", "party": "US"},
        ),
    ],
    ("POST", "/plans/{plan}/action-items/{uid}/evidence"): [
        Case(ROK, ok=SEE_OTHER, form={"note": "matrix", "party": "ROK"}),
        Case(US, ok=SEE_OTHER, form={"note": "matrix", "party": "US"}),
    ],
    # feeds: subscribing reaches the network, so a party's evaluators and signers, and admins
    ("POST", P + "/feeds"): [
        Case(
            frozenset({ADMIN}) | ROK | US,
            ok=_ok(201),
            body={"location": "https://feeds.example.org/matrix.xml"},
        )
    ],
    ("PATCH", P + "/feeds/{feed}"): [
        Case(frozenset({ADMIN}) | ROK | US, body={"active": False, "interval_minutes": 30})
    ],
    ("DELETE", P + "/feeds/{feed}"): [Case(frozenset({ADMIN}) | ROK | US)],
    # the inbox: admins and any party's evaluators and signers review; attaching as evidence
    # is a party's (own rating, or joint for its party); observers only read
    ("POST", P + "/inbox/{item}/review"): [Case(frozenset({ADMIN}) | ROK | US, body={})],
    ("POST", P + "/inbox/{item}/dismiss"): [Case(frozenset({ADMIN}) | ROK | US, body={})],
    ("POST", P + "/inbox/{item}/reopen"): [
        Case(frozenset({ADMIN}) | ROK | US, ok=_ok(409), body={})  # it is unreviewed
    ],
    ("POST", P + "/inbox/{item}/attach"): [
        Case(ROK | US, ok=_ok(201), body={"evaluation": OPEN, "standard": "C1.1.1"}),
        Case(
            ROK,
            ok=_ok(201),
            body={"evaluation": OPEN, "standard": "C1.1.1", "joint": True, "acting_for": "ROK"},
        ),
    ],
    ("POST", "/plans/{plan}/inbox/{item}/review"): [
        Case(frozenset({ADMIN}) | ROK | US, ok=SEE_OTHER, form={})
    ],
    ("POST", "/plans/{plan}/inbox/{item}/dismiss"): [
        Case(frozenset({ADMIN}) | ROK | US, ok=SEE_OTHER, form={})
    ],
    ("POST", "/plans/{plan}/inbox/{item}/reopen"): [
        Case(frozenset({ADMIN}) | ROK | US, ok=_ok(409), form={})
    ],
    ("POST", "/plans/{plan}/inbox/{item}/attach"): [
        Case(
            ROK | US,
            ok=SEE_OTHER,
            form={"evaluation": OPEN, "standard": "C1.1.1", "rating": "own"},
        ),
    ],
    ("POST", P + "/feeds/{feed}/poll"): [Case(frozenset({ADMIN}) | ROK | US, body={})],
    # signatures: a party's signer signs for it; keys belong to signers
    ("POST", "/api/v1/me/signing-key"): [
        Case(frozenset({ROK_SIG, US_SIG}), ok=_ok(409), body={"passphrase": "matrix passphrase"}),
    ],
    ("POST", E + "/signatures"): [
        Case(
            frozenset({US_SIG}),
            ok=_ok(201),
            params={"code": CONCLUDED},
            body={"passphrase": demo_password(US_SIG), "party": "US"},
        ),
        Case(
            frozenset({ROK_SIG}),  # ROK signed in the fixture
            ok=_ok(409),
            params={"code": CONCLUDED},
            body={"passphrase": demo_password(ROK_SIG), "party": "ROK"},
        ),
    ],
    ("GET", E + "/signatures"): [Case(MEMBERS, params={"code": CONCLUDED})],
    ("GET", E + "/bundle"): [Case(MEMBERS, params={"code": CONCLUDED})],
    ("GET", E + "/document"): [Case(MEMBERS, params={"code": CONCLUDED})],
    # reports: every member reads them; there is none before the conclusion
    ("GET", E + "/report"): [
        Case(MEMBERS, params={"code": CONCLUDED}),
        Case(MEMBERS, ok=_ok(409)),
    ],
    ("GET", E + "/statement"): [
        Case(MEMBERS, params={"code": CONCLUDED}),
        Case(MEMBERS, ok=_ok(409)),
    ],
    ("GET", W + "/report"): [
        Case(MEMBERS, params={"code": CONCLUDED}),
        Case(MEMBERS, ok=_ok(409)),
    ],
    # rating sheets: a party's members download their own; its evaluators upload (no file: 422)
    ("GET", E + "/sheet"): [Case(ROK | US, refused=_ok(403, 404, 422))],
    ("POST", E + "/sheet"): [Case(frozenset({ROK_EV, US_EV}), ok=_ok(422))],
    ("POST", W + "/sheet"): [Case(frozenset({ROK_EV, US_EV}), ok=_ok(422), form={})],
    # framework versions: administrators draft and propose, each party's signer approves
    ("POST", F): [Case(frozenset({ADMIN}), ok=_ok(201), body={"yaml": _framework_text("9.9")})],
    ("POST", F + "/ciso-library"): [
        Case(
            frozenset({ADMIN}),
            ok=_ok(201),
            body={"library": CISO_SMALL.read_text("utf-8"), "version": "ciso-9.9"},
        )
    ],
    ("PUT", F + "/{version}"): [
        Case(frozenset({ADMIN}), params={"version": DRAFT}, body={"yaml": _framework_text(DRAFT)})
    ],
    ("POST", F + "/{version}/propose"): [Case(frozenset({ADMIN}), params={"version": DRAFT})],
    ("POST", F + "/{version}/withdraw"): [Case(frozenset({ADMIN}), params={"version": PROPOSED})],
    # ... and on the framework pages (a page's upload without a file is a 422)
    ("GET", "/plans/{plan}/framework/versions/new"): [Case(frozenset({ADMIN}))],
    ("POST", "/plans/{plan}/framework/versions/new"): [
        Case(frozenset({ADMIN}), ok=_ok(422), form={})
    ],
    ("GET", "/plans/{plan}/framework/versions/{version}/replace"): [
        Case(frozenset({ADMIN}), params={"version": DRAFT})
    ],
    ("POST", "/plans/{plan}/framework/versions/{version}/replace"): [
        Case(frozenset({ADMIN}), ok=_ok(422), params={"version": DRAFT}, form={})
    ],
    ("POST", "/plans/{plan}/framework/versions/{version}/propose"): [
        Case(frozenset({ADMIN}), ok=SEE_OTHER, params={"version": DRAFT}, form={})
    ],
    ("POST", "/plans/{plan}/framework/versions/{version}/withdraw"): [
        Case(frozenset({ADMIN}), ok=SEE_OTHER, params={"version": PROPOSED}, form={})
    ],
    ("POST", "/plans/{plan}/framework/versions/{version}/approve"): [
        Case(
            frozenset({ROK_SIG}), ok=SEE_OTHER, params={"version": PROPOSED}, form={"party": "ROK"}
        ),
        Case(frozenset({US_SIG}), ok=SEE_OTHER, params={"version": PROPOSED}, form={"party": "US"}),
    ],
    # the governance chain: the secretariat (admins) and each party's signers record it
    ("POST", P + "/meetings"): [
        Case(GOVERNANCE, ok=_ok(201), body={"body": "MCM", "number": 98, "date": "2031-11-01"})
    ],
    ("PATCH", P + "/meetings/{meeting}"): [Case(GOVERNANCE, body={"outcome": "matrix"})],
    ("POST", P + "/decisions"): [
        Case(GOVERNANCE, ok=_ok(201), body={"kind": "other", "text": "m", "meeting": "MCM-99"})
    ],
    ("POST", P + "/decisions/{decision}/adopt"): [Case(GOVERNANCE, body={})],
    ("POST", P + "/decisions/{decision}/withdraw"): [Case(GOVERNANCE, body={})],
    ("POST", P + "/stage-events"): [
        Case(GOVERNANCE, ok=_ok(201), body={"stage": "FOC", "kind": "assessed", "date": "2031-08"})
    ],
    ("POST", "/plans/{plan}/meetings"): [
        Case(GOVERNANCE, ok=SEE_OTHER, form={"body": "SCM", "number": "97", "date": "2031-11"})
    ],
    ("POST", "/plans/{plan}/meetings/{meeting}/record"): [
        Case(GOVERNANCE, ok=SEE_OTHER, form={"status": "held", "outcome": "matrix"})
    ],
    ("POST", "/plans/{plan}/meetings/{meeting}/decisions"): [
        Case(GOVERNANCE, ok=SEE_OTHER, form={"kind": "other", "text": "matrix"})
    ],
    ("POST", "/plans/{plan}/decisions/{decision}/status"): [
        Case(GOVERNANCE, ok=SEE_OTHER, form={"status": "adopted"})
    ],
    ("POST", F + "/{version}/approve"): [
        Case(frozenset({ROK_SIG}), params={"version": PROPOSED}, body={"party": "ROK"}),
        Case(frozenset({US_SIG}), params={"version": PROPOSED}, body={"party": "US"}),
    ],
    # own account (profile): every signed-in person, for themselves only
    ("POST", "/profile"): [Case(MEMBERS, ok=SEE_OTHER, form={"display_name": "M", "locale": "en"})],
    ("POST", "/profile/password"): [
        Case(
            MEMBERS,
            ok=_ok(422),  # a wrong current password; the right one is in test_pages_profile
            form={
                "current_password": "wrong",
                "new_password": "x" * 12,
                "repeat_password": "x" * 12,
            },
        ),
    ],
    ("POST", "/profile/tokens"): [Case(MEMBERS, ok=_ok(201), form={"token_name": "matrix"})],
    ("POST", "/profile/tokens/{token}/revoke"): [Case(MEMBERS, ok=_ok(404), form={})],
    ("PATCH", "/api/v1/me"): [Case(MEMBERS, body={"display_name": "Matrix"})],
    ("PUT", "/api/v1/me/password"): [
        Case(MEMBERS, ok=_ok(422), body={"current": "wrong", "new": "x" * 12, "repeated": "x" * 12})
    ],
    ("POST", "/api/v1/me/tokens"): [Case(MEMBERS, ok=_ok(201), body={"name": "matrix"})],
    ("DELETE", "/api/v1/me/tokens/{token}"): [Case(MEMBERS, ok=_ok(404))],
    # administration: administrators only
    ("GET", "/admin"): [Case(frozenset({ADMIN}), ok=SEE_OTHER)],
    ("GET", "/admin/users"): [Case(frozenset({ADMIN}))],
    ("GET", "/admin/users/{username}"): [Case(frozenset({ADMIN}))],
    ("GET", "/admin/parties"): [Case(frozenset({ADMIN}))],
    ("GET", "/admin/tokens"): [Case(frozenset({ADMIN}))],
    ("GET", "/audit"): [Case(frozenset({ADMIN}))],
    ("GET", "/plans/new"): [Case(frozenset({ADMIN}))],
    ("GET", "/api/v1/admin/users"): [Case(frozenset({ADMIN}))],
    ("GET", "/api/v1/admin/parties"): [Case(frozenset({ADMIN}))],
    ("GET", "/api/v1/admin/tokens"): [Case(frozenset({ADMIN}))],
    ("GET", "/api/v1/audit"): [Case(frozenset({ADMIN}))],
    ("POST", "/admin/users"): [
        Case(
            frozenset({ADMIN}),
            ok=SEE_OTHER,
            form={
                "username": "matrix",
                "password": "matrix pass",
                "repeat_password": "matrix pass",
            },
        )
    ],
    ("POST", "/admin/users/{username}"): [
        Case(frozenset({ADMIN}), ok=SEE_OTHER, form={"display_name": "Matrix", "active": "on"})
    ],
    ("POST", "/admin/users/{username}/roles"): [
        Case(frozenset({ADMIN}), ok=SEE_OTHER, form={"target": f"{MAIN}|US", "role": "evaluator"})
    ],
    ("POST", "/admin/users/{username}/roles/revoke"): [
        Case(frozenset({ADMIN}), ok=SEE_OTHER, form={"plan": MAIN, "role": "observer"})
    ],
    ("POST", "/admin/users/{username}/tokens"): [
        Case(frozenset({ADMIN}), ok=_ok(201), form={"token_name": "matrix"})
    ],
    ("POST", "/admin/tokens/{token}/revoke"): [Case(frozenset({ADMIN}), ok=_ok(404), form={})],
    ("POST", "/admin/parties/{plan}/{party}"): [
        Case(frozenset({ADMIN}), ok=SEE_OTHER, form={"name": "Matrix party"})
    ],
    ("POST", "/api/v1/admin/users"): [
        Case(
            frozenset({ADMIN}), ok=_ok(201), body={"username": "matrix", "password": "matrix pass"}
        )
    ],
    ("PATCH", "/api/v1/admin/users/{username}"): [
        Case(frozenset({ADMIN}), body={"display_name": "Matrix"})
    ],
    ("POST", "/api/v1/admin/users/{username}/roles"): [
        Case(frozenset({ADMIN}), ok=_ok(201), body={"plan": MAIN, "party": "US", "role": "signer"})
    ],
    ("POST", "/api/v1/admin/users/{username}/roles/revoke"): [
        Case(frozenset({ADMIN}), body={"plan": MAIN, "role": "observer"})
    ],
    ("POST", "/api/v1/admin/users/{username}/tokens"): [
        Case(frozenset({ADMIN}), ok=_ok(201), body={"name": "matrix"})
    ],
    ("DELETE", "/api/v1/admin/tokens/{token}"): [Case(frozenset({ADMIN}), ok=_ok(404))],
    ("PATCH", "/api/v1/admin/parties/{plan}/{party}"): [
        Case(frozenset({ADMIN}), body={"name": "Matrix party"})
    ],
    # first run: administrators create plans; and plan and open evaluations on the page
    ("POST", "/plans/new"): [
        Case(frozenset({ADMIN}), ok=SEE_OTHER, form={"source": "bilateral", "code": "matrix-plan"})
    ],
    ("POST", "/api/v1/plans"): [
        Case(frozenset({ADMIN}), ok=_ok(201), body={"code": "matrix-plan", "template": "bilateral"})
    ],
    ("POST", "/plans/{plan}/evaluations"): [
        Case(frozenset({ADMIN}), ok=SEE_OTHER, form={"code": "2031", "held_on": "2031-10-30"})
    ],
    ("POST", "/plans/{plan}/evaluations/{code}/open"): [
        Case(frozenset({ADMIN}), ok=SEE_OTHER, params={"code": PLANNED}, form={})
    ],
}
DEFAULT_READ = [Case(MEMBERS)]


# --------------------------------------------------------------------------- the routes


def _is_public(path: str) -> bool:
    return path in PUBLIC


def _route_contexts(app: FastAPI) -> list[tuple[Any, Any]]:
    """(route as declared, route as served) pairs."""
    if iter_route_contexts is None:  # older FastAPI copies included routes with their full path
        return [(r, r) for r in app.routes]
    return [(rc.original_route, rc) for rc in iter_route_contexts(app.routes)]


def _endpoints(app: FastAPI) -> list[tuple[str, str, Any]]:
    """(method, path, route) for every route of the app, included routers resolved.

    For a FastAPI route, `route` is its effective context: the full path, and a `dependant`
    that includes the dependencies of the routers it was included through.
    """
    out: list[tuple[str, str, Any]] = []
    for original, rc in _route_contexts(app):
        path = rc.path or repr(original)
        if isinstance(original, APIRoute):
            out += [(m, path, rc) for m in sorted(rc.methods or ())]
        elif isinstance(original, Mount):
            out.append(("*", path, None))
        elif isinstance(original, Route):
            out += [(m, path, None) for m in sorted(rc.methods or {"GET"})]
        else:
            out.append(("?", path, None))
    return out


def _collection_app() -> FastAPI:
    # building the app touches no database: make_engine is lazy
    return create_app(Settings(database_url="sqlite://"))


_APP = _collection_app()
ENDPOINTS = _endpoints(_APP)
_APP.state.engine.dispose()
CHECKED = [(m, p) for m, p, r in ENDPOINTS if r is not None and not _is_public(p)]
RAW_CASES = [
    (m, p, i, case)
    for m, p in CHECKED
    for i, case in enumerate(
        FAMILIES.get((m, p), DEFAULT_READ if m == "GET" else [Case(allowed=None)])
    )
]
CASES = [pytest.param(m, p, i, case, id=f"{m} {p} #{i}") for m, p, i, case in RAW_CASES]


def _calls(dependant: Any) -> Iterator[Any]:
    for dep in dependant.dependencies:
        yield dep.call
        yield from _calls(dep)


def _session_scopes(dependant: Any) -> Iterator[str | None]:
    for dep in dependant.dependencies:
        if dep.call is get_session:
            yield dep.scope
        yield from _session_scopes(dep)


def test_every_route_commits_before_it_responds() -> None:
    """The request session must be function-scoped: with the default scope FastAPI commits
    after the response is sent, and a failed commit would look like success (see
    test_workflow.test_a_failed_commit_is_an_error_never_a_silent_success)."""
    scopes = [
        (method, path, scope)
        for method, path, route in ENDPOINTS
        if route is not None
        for scope in _session_scopes(route.dependant)
    ]
    assert len({p for _, p, _ in scopes}) > 40
    assert [s for s in scopes if s[2] != "function"] == []


def test_every_route_has_an_access_rule() -> None:
    problems = []
    for method, path, route in ENDPOINTS:
        if _is_public(path):
            continue
        if route is None:
            problems.append(
                f"{method} {path}: not a FastAPI route, so its access cannot be checked"
            )
            continue
        calls = set(_calls(route.dependant))
        if get_actor in calls:
            continue
        # the caller found by read_in_thread (web/auth.py), which the route must then call
        if credentials in calls and "read_in_thread(" in inspect.getsource(route.endpoint):
            continue
        if get_actor_optional in calls and path in OPTIONAL_ACTOR:
            continue
        problems.append(
            f"{method} {path}: depends on neither get_actor nor (with a reason in OPTIONAL_ACTOR) "
            "get_actor_optional"
        )
    assert not problems, "routes without an access rule:\n" + "\n".join(problems)


def test_the_public_allow_list_names_real_routes_only() -> None:
    paths = {p for _, p, _ in ENDPOINTS}
    assert not set(PUBLIC) - paths, f"stale PUBLIC entries: {sorted(set(PUBLIC) - paths)}"
    assert not set(OPTIONAL_ACTOR) - paths
    assert len(PUBLIC) <= 8, "the public allow-list is meant to stay short"


def test_every_write_route_is_classified() -> None:
    unclassified = [f"{m} {p}" for m, p in CHECKED if m != "GET" and (m, p) not in FAMILIES]
    assert not unclassified, (
        "write routes without an expected-outcome row in FAMILIES (who may do it?):\n"
        + "\n".join(unclassified)
    )
    stale = sorted(set(FAMILIES) - set(CHECKED))
    assert not stale, f"FAMILIES rows for routes that no longer exist: {stale}"


# --------------------------------------------------------------------------- the world


@pytest.fixture(scope="module")
def _database_url(_template_db: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    if PG_URL:
        engine = make_engine(PG_URL)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return PG_URL
    path = tmp_path_factory.mktemp("matrix") / "data" / "accord.db"
    path.parent.mkdir()
    shutil.copy(_template_db, path)
    return f"sqlite:///{path}"


def _levels(bump: frozenset[str] = frozenset()) -> list[ratings.RatingInput]:
    """Every standard at its scale's third level (a level higher for `bump`)."""
    fw = framework_yaml.load(example_text("opcon", "framework.yaml"))
    out = []
    for s in fw.standards():
        levels = fw.scale(s.scale).levels
        out.append(ratings.RatingInput(s.code, levels[2 + (s.code in bump)].label, "matrix"))
    return out


def _populate(
    s: Session,
    plan: Plan,
    who: dict[str, Actor],
    admin: Actor,
    rok_passphrase: str,
    data_dir: Path,
) -> dict[str, str]:
    """Evaluations in every state, a draft and a proposed framework version, a signature, an
    action item, a shared evidence file and a (local) feed, all through the services; returns
    the uids of the action item (`uid`), the evidence (`evidence`) and the feed (`feed`)."""
    code = plan.code

    def rate(c: str, party: str, bump: frozenset[str] = frozenset()) -> None:
        ev = who[f"{party.lower()}-evaluator"]
        ratings.save_ratings(session=s, actor=ev, plan_code=code, code=c, ratings=_levels(bump))
        ratings.submit(session=s, actor=ev, plan_code=code, code=c)

    def start(c: str) -> None:
        lifecycle.create_evaluation(
            session=s, actor=admin, plan_code=code, code=c, label=c, held_on=_date(c)
        )
        lifecycle.open_evaluation(session=s, actor=admin, plan_code=code, code=c)

    # OPEN: ROK has rated every standard, US nothing, nobody submitted
    ratings.save_ratings(session=s, actor=who[ROK_EV], plan_code=code, code=OPEN, ratings=_levels())
    # DIVERGENT: in reconciliation, ROK a level higher on two standards and proposing on one
    start(DIVERGENT)
    rate(DIVERGENT, "ROK", frozenset({"C1.1.1", "C2.1.1"}))
    rate(DIVERGENT, "US")
    reconciliation.propose(
        session=s,
        actor=who[ROK_EV],
        plan_code=code,
        code=DIVERGENT,
        standard="C1.1.1",
        level="Substantial",
        rationale="exercise results",
    )
    # AGREED: in reconciliation with nothing left to reconcile
    start(AGREED)
    rate(AGREED, "ROK")
    rate(AGREED, "US")
    # PLANNED
    lifecycle.create_evaluation(
        session=s, actor=admin, plan_code=code, code=PLANNED, label="", held_on=_date(PLANNED)
    )
    # a concluded evaluation whose gaps became action items
    start(WITH_ACTIONS)
    rate(WITH_ACTIONS, "ROK")
    rate(WITH_ACTIONS, "US")
    lifecycle.conclude(session=s, actor=who[ROK_SIG], plan_code=code, code=WITH_ACTIONS)
    # shared evidence on CONCLUDED, before the signature: it is part of the signed record
    shared = evidence.attach(
        session=s,
        actor=who[ROK_EV],
        plan_code=code,
        code=CONCLUDED,
        target=evidence.Target(standard="C1.1.1", joint=True),
        content=evidence.Content(kind="file", data=b"%PDF-1.7 matrix", filename="m.pdf"),
        data_dir=data_dir,
        max_bytes=1024,
    )
    # ROK has signed CONCLUDED
    signatures.sign_evaluation(
        session=s, actor=who[ROK_SIG], plan=plan, code=CONCLUDED, passphrase=rok_passphrase
    )
    # framework versions: a draft and a proposed one
    for label in (DRAFT, PROPOSED):
        framework_versions.create_draft(
            session=s, actor=admin, plan=plan, text=_framework_text(label), source="matrix"
        )
    framework_versions.propose(session=s, actor=admin, plan=plan, version=PROPOSED)
    item = s.scalars(
        select(ActionItem.uid)
        .where(ActionItem.plan_id == plan.id, ActionItem.owner_party_id == plan.parties[0].id)
        .order_by(ActionItem.id)
    ).first()
    assert item is not None and plan.parties[0].code == "ROK"
    feed = feeds.subscribe(
        session=s, actor=admin, plan_code=code, location=str(FEED_FILE), any_path=True
    )
    # a meeting with a proposed decision (the governance chain)
    meetings.add_meeting(
        session=s, actor=admin, plan_code=code, body="MCM", number=99, date="2031-11-01",
        presented=[CONCLUDED],
    )  # fmt: skip
    decision = meetings.add_decision(
        session=s, actor=admin, plan_code=code, kind="other", text="matrix", meeting="MCM-99"
    )
    return {
        "meeting": "MCM-99",
        "decision": decision["uid"],
        "uid": item,
        "evidence": shared["uid"],
        "feed": feed["uid"],
        "item": _inbox_item(s, plan),
    }


def _inbox_item(s: Session, plan: Plan) -> str:
    """An unreviewed feed item in the inbox (inserted directly: no ingest); its uid."""
    source = Feed(
        plan_id=plan.id,
        title="matrix inbox",
        source="url",
        location="https://feeds.example.org/inbox.xml",
        created_by="matrix",
    )
    s.add(source)
    s.flush()
    row = FeedItem(
        plan_id=plan.id,
        feed_id=source.id,
        title="matrix item",
        link="https://feeds.example.org/item",
        content_hash="0" * 64,
    )
    s.add(row)
    s.flush()
    return row.uid


def _date(code: str) -> dt.date:
    return dt.date(int(code), 10, 29)


@dataclass
class World:
    app: FastAPI
    clients: dict[str, TestClient]
    uids: dict[str, dict[str, str]]
    csrf: str  # the CSRF token of BROWSER's session

    def values(self, plan: str) -> dict[str, str]:
        return {**PARAMS, "plan": plan, **self.uids[plan]}


def _rolled_back_session(request: Request) -> Iterator[Session]:
    """As get_session, but never committed; notes how many audit records the request added."""
    with request.app.state.sessionmaker() as session:
        session.begin()
        before = audit.count(session)
        try:
            yield session
            request.app.state.audit_added = audit.count(session) - before
        finally:
            session.rollback()


@pytest.fixture(scope="module")
def world(_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    engine = make_engine(_database_url)
    factory = make_sessionmaker(engine)
    data_dir = tmp_path_factory.mktemp("matrix-app")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        with transaction(factory) as s:
            main = examples.load_example(session=s, name="opcon")
            examples.create_demo_people(session=s, actor=SYSTEM, plan=main)
            tokens = {
                name: accounts.create_token(
                    session=s,
                    actor=SYSTEM,
                    user=accounts.get_user(session=s, username=name),
                    name="matrix",
                )[0]
                for name in PERSONAS
            }
            private = create_plan(
                session=s,
                text=example_text("opcon", "framework.yaml"),
                source="matrix",
                code=PRIVATE,
            )
            examples.load_history(
                session=s,
                plan=private,
                data=yaml.safe_load(example_text("opcon", "history.yaml")),
                source="matrix",
            )
            # the private plan's own people: none of the personas but the admin may see it
            insiders: dict[str, Actor] = {}
            for role, party in (("evaluator", "ROK"), ("evaluator", "US"), ("signer", "ROK")):
                name = f"private-{party.lower()}-{role}"
                user = accounts.create_user(
                    session=s, actor=SYSTEM, username=name, password=demo_password(name)
                )
                accounts.grant_role(
                    session=s, actor=SYSTEM, user=user, plan=private, role=role, party_code=party
                )
                if role == "signer":
                    signatures.create_signing_key(
                        session=s, actor=SYSTEM, user=user, passphrase=demo_password(name)
                    )
                insiders[f"{party.lower()}-{role}"] = actor_for(s, user)
            cookie, web_session = accounts.start_session(
                session=s, user=accounts.get_user(session=s, username=ROK_EV)
            )
            csrf = web_session.csrf_token
            admin = actor_for(s, accounts.get_user(session=s, username=ADMIN))
            people = {
                name: actor_for(s, accounts.get_user(session=s, username=name)) for name in PERSONAS
            }
            uids = {
                MAIN: _populate(s, main, people, admin, demo_password(ROK_SIG), data_dir),
                PRIVATE: _populate(
                    s, private, insiders, admin, demo_password("private-rok-signer"), data_dir
                ),
            }
    engine.dispose()
    settings = Settings(data_dir=data_dir, database_url=_database_url)
    app = create_app(settings)
    app.dependency_overrides[get_session] = _rolled_back_session

    def client(token: str | None) -> TestClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return TestClient(
            app, headers=headers, raise_server_exceptions=False, follow_redirects=False
        )

    clients = {name: client(tokens[name]) for name in PERSONAS}
    clients[ANON] = client(None)
    clients[BROWSER] = client(None)  # rok-evaluator signed in through the sign-in page
    clients[BROWSER].cookies.set(SESSION_COOKIE, cookie)
    yield World(app, clients, uids, csrf)
    app.state.engine.dispose()


# --------------------------------------------------------------------------- the matrix


def _fill(template: str, values: dict[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            pytest.fail(f"no value for path parameter {{{name}}} of {template}: add it to PARAMS")
        return values[name]

    return re.sub(r"\{(\w+)(?::\w+)?\}", one, template)


@dataclass(frozen=True)
class Reply:
    status: int
    location: str
    text: str
    audit_added: int | None  # audit records the request appended (before the rollback)

    def __str__(self) -> str:
        return f"{self.status} {(self.location or self.text)[:300]!r}"


def _send(world: World, who: str, method: str, url: str, case: Case) -> Reply:
    world.app.state.audit_added = None
    kwargs: dict[str, Any] = {}
    if case.form is not None:
        kwargs["data"] = case.form
    elif case.body is not None or method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = case.body if case.body is not None else {}
    r = world.clients[who].request(method, url, **kwargs)
    return Reply(r.status_code, r.headers.get("location", ""), r.text, world.app.state.audit_added)


@pytest.mark.parametrize(("method", "template", "index", "case"), CASES)
def test_route_against_every_persona(
    world: World, method: str, template: str, index: int, case: Case
) -> None:
    api = template.startswith("/api/")
    plan_scoped = "{plan}" in template
    problems: list[str] = []
    admin_seen: dict[str, int] = {}
    for plan in (MAIN, PRIVATE) if plan_scoped else (MAIN,):
        url = _fill(template, {**world.values(plan), **case.params})
        for who in (*PERSONAS, ANON):
            reply = _send(world, who, method, url, case)
            status = reply.status
            said = f"{who:>13} {method} {url} -> {reply}"
            if status >= 500:
                problems.append(f"server error: {said}")
            elif who == ANON:
                if api and status != 401:
                    problems.append(f"signed-out not 401: {said}")
                if not api and not (status == 303 and reply.location.startswith("/sign-in")):
                    problems.append(f"signed-out not sent to /sign-in: {said}")
            elif plan == PRIVATE and who != ADMIN:
                # exactly what a plan that does not exist gives: nothing tells them apart
                ghost_url = _fill(template, {**world.values(plan), **case.params, "plan": GHOST})
                ghost = _send(world, who, method, ghost_url, case)
                if status != 404:
                    problems.append(f"outsider of a private plan not 404: {said}")
                elif ghost.status != 404 or ghost.text.replace(GHOST, PRIVATE) != reply.text:
                    problems.append(f"private plan unlike a missing one: {said} but {ghost}")
            elif plan == PRIVATE:
                if status != admin_seen[MAIN]:
                    problems.append(
                        f"admin: {status} here but {admin_seen[MAIN]} on {MAIN}: {said}"
                    )
            elif case.allowed is not None:
                if who in case.allowed and status not in case.ok:
                    problems.append(f"allowed, expected {sorted(case.ok)}: {said}")
                if who not in case.allowed and status not in case.refused:
                    problems.append(f"not allowed, expected {sorted(case.refused)}: {said}")
            if who == ADMIN:
                admin_seen[plan] = status
            if method != "GET" and 200 <= status < 300 and not reply.audit_added:
                problems.append(f"a write succeeded without an audit record: {said}")
    assert not problems, "\n".join(problems)


def test_outsiders_do_not_see_the_private_plan_listed(world: World) -> None:
    for who in PERSONAS:
        listed = [p["code"] for p in world.clients[who].get("/api/v1/plans").json()]
        assert listed == ([MAIN, PRIVATE] if who == ADMIN else [MAIN]), who
        home = world.clients[who].get("/")
        if who == ADMIN:
            assert home.status_code == 200 and PRIVATE in home.text
        else:  # the only plan they may see
            assert home.status_code == 303 and home.headers["location"].endswith(f"/plans/{MAIN}")
    assert world.clients[OBSERVER].get(f"/api/v1/plans/{GHOST}").status_code == 404


STATES = (CONCLUDED, OPEN, DIVERGENT, AGREED, PLANNED, WITH_ACTIONS, "no-such-evaluation")
READERS = frozenset({ADMIN, ROK_EV, OBSERVER})  # one of each kind, for reads


def _state_cases() -> list[Any]:
    """The cases of routes below an evaluation, once per distinct request apart from {code}."""
    seen: set[str] = set()
    out = []
    for method, template, i, case in RAW_CASES:
        params = sorted((k, v) for k, v in case.params.items() if k != "code")
        key = repr((method, template, params, case.body, case.form))
        if "{code}" in template and key not in seen:
            seen.add(key)
            out.append(pytest.param(method, template, i, case, id=f"{method} {template} #{i}"))
    return out


@pytest.mark.parametrize(("method", "template", "index", "case"), _state_cases())
def test_no_route_fails_in_any_evaluation_state(
    world: World, method: str, template: str, index: int, case: Case
) -> None:
    """Whatever state the evaluation is in, those who may act get an answer, never a 5xx."""
    people = READERS if method == "GET" else (case.allowed or MEMBERS) | {OBSERVER}
    problems = []
    for code in STATES:
        url = _fill(template, {**world.values(MAIN), **case.params, "code": code})
        for who in sorted(people):
            reply = _send(world, who, method, url, case)
            if reply.status >= 500 or reply.status == 401:
                problems.append(f"{who:>13} {method} {url} -> {reply}")
    assert not problems, "\n".join(problems)


WRITES = [(m, p) for m, p in CHECKED if m not in ("GET", "HEAD", "OPTIONS")]


@pytest.mark.parametrize(("method", "template"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_a_cookie_write_needs_the_csrf_token(world: World, method: str, template: str) -> None:
    """A browser's session cookie alone never writes: the session's CSRF token must come too."""
    case = FAMILIES.get((method, template), [Case(allowed=None)])[0]
    url = _fill(template, {**world.values(MAIN), **case.params})
    reply = _send(world, BROWSER, method, url, case)
    assert reply.status == 403 and "CSRF" in reply.text, f"{method} {url} -> {reply}"
    assert reply.audit_added is None  # refused before the route ran


def test_the_browser_session_works_with_its_csrf_token(world: World) -> None:
    browser = world.clients[BROWSER]
    assert browser.get("/").headers["location"].endswith(f"/plans/{MAIN}")
    url = "/api/v1/plans/opcon-cotp/evaluations/2026/ratings"
    body = {"ratings": [{"standard": "C1.1.1", "level": "Full", "version": 1}]}
    assert browser.put(url, json=body, headers={"X-CSRF-Token": world.csrf}).status_code == 200
