"""The messages of the business rules' errors in the reader's language: every raise of the
services goes through gettext (an AST check); a 409, a 422 and an API error come out in Korean
for a Korean reader and in the same English as before for everyone else; the CLI too."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from accord import i18n
from accord.cli import app as cli_app
from accord.models import Plan
from accord.services import and_join

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "accord"
KO_PO = SRC / "locale/ko/LC_MESSAGES/messages.po"
CHECKED = [*sorted((SRC / "services").glob("*.py")), SRC / "permissions.py"]
ERRORS = {"NotFound", "Conflict", "Invalid", "Refused", "Forbidden", "Locked"}
WS = "/plans/opcon-cotp/evaluations/2026"
KO = {"Accept-Language": "ko-KR,ko;q=0.9"}


# --------------------------------------------------------------------------- the sources


def _english_literal(node: ast.expr) -> bool:
    """A message written in English right there: a string, an f-string, or text glued to one
    (`"..." + x`, `"...".format(...)`, `"..." % x`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _english_literal(node.left) or _english_literal(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _english_literal(node.func.value)
    return False


def untranslated_raises(source: str, filename: str = "<string>") -> list[str]:
    """`file:line` of every `raise NotFound/Conflict/…(<English text>)` in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        func = node.exc.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in ERRORS and node.exc.args and _english_literal(node.exc.args[0]):
            found.append(f"{filename}:{node.lineno}")
    return found


def test_the_checker_finds_english_raised_past_gettext() -> None:
    bad = (
        'raise Invalid("field: plain")\n'
        'raise NotFound(f"no plan {code!r}")\n'
        'raise permissions.Forbidden("no: " + who)\n'
        'raise throttle.Locked("wait {}".format(n), retry_after=1)\n'
        'raise Conflict(\n    "two "\n    "lines"\n)\n'
    )
    assert len(untranslated_raises(bad)) == 5
    good = (
        'raise Invalid(_("field: plain"))\n'
        'raise NotFound(_("no plan %(code)s", code=repr(code)))\n'
        "raise Conflict(message, current=x)\n"
        'raise Invalid("; ".join(problems))\n'
        'raise ValueError("not a business error")\n'
    )
    assert untranslated_raises(good) == []


def test_every_business_error_message_goes_through_gettext() -> None:
    found = [
        hit
        for path in CHECKED
        for hit in untranslated_raises(path.read_text("utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not found, "wrap these messages in _() or ngettext() (accord.i18n):\n" + "\n".join(found)


def test_korean_error_messages_keep_their_field_name_and_placeholders() -> None:
    """Forms place a message under the field its English text starts with ("password: …",
    web/pages/forms.py), so the Korean one starts with the same untranslated field name."""
    with KO_PO.open("rb") as fh:
        catalog = read_po(fh)
    ours = ("src/accord/services/", "src/accord/permissions.py", "src/accord/web/")
    checked = 0
    for m in catalog:
        if not m.id or not any(f.startswith(ours) and f.endswith(".py") for f, _ in m.locations):
            continue
        english = m.id if isinstance(m.id, str) else m.id[0]
        korean = m.string if isinstance(m.string, str) else m.string[0]
        field = re.match(r"(%\(\w+\)s)?[a-z][a-z0-9_\[\]%()\.-]*: ", english)
        if field is None or not korean:
            continue
        checked += 1
        assert korean.startswith(field[0]), (english, korean)
        assert sorted(re.findall(r"%\(\w+\)[sdr]", english)) == sorted(
            re.findall(r"%\(\w+\)[sdr]", korean)
        ), (english, korean)
    assert checked > 100


def test_lists_are_joined_in_the_language_in_force() -> None:
    assert and_join([]) == "" and and_join(["ROK"]) == "ROK"
    assert and_join(["ROK", "US", "UN"]) == "ROK and US and UN"
    with i18n.use_locale("ko"):
        assert and_join(["ROK", "US"]) == "ROK 및 US"


# --------------------------------------------------------------------------- the web


def test_a_409_page_in_korean_and_the_same_english_without(
    as_user: Callable[[str], TestClient],
) -> None:
    evaluator, signer = as_user("rok-evaluator"), as_user("rok-signer")
    english = evaluator.get(f"{WS}/reconciliation")
    assert english.status_code == 409
    assert (
        "evaluation 2026 is still open: reconciliation starts when every party has submitted"
        in english.text
    )
    korean = evaluator.get(f"{WS}/reconciliation?lang=ko")
    assert korean.status_code == 409 and '<html lang="ko">' in korean.text
    assert "평가 2026은(는) 아직 미결 상태입니다. 조정은 모든 당사국이 제출한 뒤에" in korean.text
    assert "reconciliation starts" not in korean.text
    # a status word inside the message is translated too (i18n.term)
    r = signer.get(f"{WS}/sign-off", headers=KO)
    assert r.status_code == 409
    assert "평가 2026은(는) 종결 상태가 아니라 미결 상태입니다." in r.text
    english = signer.get(f"{WS}/sign-off").text
    assert "evaluation 2026 is open, not concluded" in english and "평가" not in english


def test_a_422_form_error_in_korean_under_its_field(
    as_user: Callable[[str], TestClient],
) -> None:
    admin = as_user("admin")
    page = "/plans/opcon-cotp/evaluations"
    form = {"code": "2028", "held_on": "29.10.2028", "kind": "annual"}
    english = admin.post(page, data=form)
    assert english.status_code == 422 and 'id="held_on-error"' in english.text
    assert "&#39;29.10.2028&#39; is not a date (YYYY-MM-DD)" in english.text
    korean = admin.post(f"{page}?lang=ko", data=form)
    assert korean.status_code == 422 and 'id="held_on-error"' in korean.text
    assert "&#39;29.10.2028&#39;은(는) 날짜(YYYY-MM-DD)가 아닙니다." in korean.text
    assert "held_on: " not in korean.text  # the field name only places the message


def test_api_error_details_follow_accept_language_and_the_users_preference(
    as_user: Callable[[str], TestClient],
) -> None:
    observer = as_user("observer")
    url = "/api/v1/plans/opcon-cotp/evaluations/1999/status"
    english = observer.get(url)
    assert english.status_code == 404
    assert english.json() == {"detail": "plan 'opcon-cotp' has no evaluation '1999'"}
    assert observer.get(url, headers={"Accept-Language": "en"}).json() == english.json()
    korean = observer.get(url, headers=KO)
    assert korean.status_code == 404
    assert korean.json() == {"detail": "계획 'opcon-cotp'에 평가 '1999'이(가) 없습니다."}
    # 403 from the access rules, with the action described in Korean
    body = {"ratings": [{"standard": "C1.1.1", "level": "Partial"}]}
    signer = as_user("rok-signer")
    r = signer.put(f"/api/v1{WS}/ratings", json=body)
    assert r.status_code == 403 and r.json()["detail"] == "rok-signer may not rate in opcon-cotp"
    r = signer.put(f"/api/v1{WS}/ratings", json=body, headers=KO)
    assert r.status_code == 403
    assert r.json()["detail"] == "rok-signer 사용자에게는 opcon-cotp에서 '평정' 권한이 없습니다."
    # the user's own language (set on their profile), with no header at all
    saved = observer.patch("/api/v1/me", json={"locale": "ko"})
    assert saved.status_code == 200, saved.text
    assert observer.get(url).json() == korean.json()
    assert observer.get(f"{url}?lang=en").json() == english.json()


# --------------------------------------------------------------------------- the CLI

runner = CliRunner()
NEUTRAL: dict[str, str | None] = dict.fromkeys(("ACCORD_LANG", "LC_ALL", "LC_MESSAGES", "LANG"))


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Iterator[dict[str, str | None]]:
    yield {
        **NEUTRAL,
        "ACCORD_DATABASE_URL": database_url,
        "ACCORD_DATA_DIR": str(tmp_path / "ws"),
        "COLUMNS": "200",
    }


def test_a_business_error_on_the_command_line_in_korean(
    env: dict[str, str | None], opcon: Plan
) -> None:
    english = runner.invoke(cli_app, ["summary", "1999"], env=env)
    assert english.exit_code == 1
    assert "plan 'opcon-cotp' has no evaluation '1999'" in english.output
    korean = runner.invoke(cli_app, ["summary", "1999"], env={**env, "ACCORD_LANG": "ko"})
    assert korean.exit_code == 1
    assert "계획 'opcon-cotp'에 평가 '1999'이(가) 없습니다." in korean.output, korean.output
    assert i18n.current() == "en"


def test_request_validation_problems_in_korean_and_pydantics_english_otherwise(
    as_user: Callable[[str], TestClient], opcon: Plan
) -> None:
    """A malformed request body: the field's location, then the problem, in the reader's
    language; English is Pydantic's own message."""
    api = as_user("admin")
    url = "/api/v1/admin/users"
    english = api.post(url, json={"password": "x" * 20})
    assert english.status_code == 422
    assert "username: Field required" in english.json()["detail"]
    korean = api.post(url, json={"password": "x" * 20}, headers={"Accept-Language": "ko"})
    assert korean.status_code == 422
    assert "username: 필수 항목입니다" in korean.json()["detail"], korean.json()
