"""Property-based fuzzing of the JSON API against its own OpenAPI document (schemathesis).

For each persona (an administrator, a ROK evaluator, an observer and the signed out) every
operation of /api/v1/openapi.json gets a bounded number of generated requests, valid ones and
(where a body or query can be wrong) invalid ones, sent in-process to the ASGI app on a fresh
database holding the OPCON example.  Every response must be no 5xx, carry a documented status
code, content type and headers, and match the declared schema.  Path parameters are drawn
from the example's real codes most of the time, so that requests get past the 404 at the door
and into the routes.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

PERSONAS = ("admin", "rok-evaluator", "observer", "anonymous")
MAX_EXAMPLES = 10  # per operation, mode and persona: ~50 operations x 4 personas in minutes
# Monte Carlo, back-test and report rendering take a second or more a request: fewer of them
SLOW = {"forecast", "backtest", "report", "statement"}
SLOW_EXAMPLES = 3

SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,  # the same requests on every run: a failure is reproducible
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

# real identifiers of the OPCON example (tests/conftest.py `opcon`), mixed into generation
KNOWN: dict[str, list[str]] = {
    "plan": ["opcon-cotp"],
    "code": ["2025", "2026"],
    "party": ["ROK", "US"],
    "standard": ["C1.1.1", "C2.1.1", "C3.1.1"],
    "version": ["2018.1"],
    "a": ["2018.1"],
    "b": ["2018.1"],
}
CONFIG = schemathesis.Config.from_dict(
    {
        "dictionaries": {name: {"values": values} for name, values in KNOWN.items()},
        "parameters": {f"path.{name}": {"dictionary": name, "probability": 0.85} for name in KNOWN},
    }
)


@pytest.fixture(params=PERSONAS)
def persona(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def auth(persona: str, people: dict[str, str]) -> dict[str, str]:
    """The persona's Authorization header (none for the signed-out)."""
    if persona == "anonymous":
        return {}
    return {"Authorization": f"Bearer {people[persona]}"}


@pytest.fixture
def api_schema(app: FastAPI) -> Any:
    """The app's own OpenAPI document, loaded in-process (no network)."""
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=CONFIG)


def _modes(operation: Any) -> list[GenerationMode]:
    # a path parameter is any string, so only a body or a query can be made invalid
    if operation.body or operation.query:
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


def _fuzz(operation: Any, auth: dict[str, str], mode: GenerationMode) -> str | None:
    """Run one operation's generated cases; the failure report, or None.

    One test per persona drives every operation itself (rather than schemathesis' pytest
    plugin, whose `from_fixture` fails on pytest 9.2): the OPCON example and its personas are
    built once per persona, not once per operation.
    """

    slow = operation.path.rsplit("/", 1)[-1] in SLOW
    limit = settings(SETTINGS, max_examples=SLOW_EXAMPLES) if slow else SETTINGS

    @given(case=operation.as_strategy(generation_mode=mode))
    @limit
    def run(case: Any) -> None:
        case.call_and_validate(headers=auth, checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # every operation's failures, not the first
        return f"{operation.label} ({mode.value}): {type(exc).__name__}: {exc}"
    return None


def test_api_conforms_to_its_schema(api_schema: Any, auth: dict[str, str]) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40  # the whole API, not a filtered slice
    failures = [
        report
        for operation in operations
        for mode in _modes(operation)
        if (report := _fuzz(operation, auth, mode)) is not None
    ]
    assert not failures, "\n\n".join(failures)
