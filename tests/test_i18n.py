"""Korean and English: catalogs complete, language chosen per request, dates and numbers,
bilingual framework titles, and the Korean PDF report."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from accord import i18n
from accord.db import transaction
from accord.formats import framework_dump, framework_yaml
from accord.models import Plan, User
from accord.services.examples import example_text

ROOT = Path(__file__).resolve().parent.parent
KO_PO = ROOT / "src/accord/locale/ko/LC_MESSAGES/messages.po"
POT = ROOT / "src/accord/locale/messages.pot"
REPORT = "/api/v1/plans/opcon-cotp/evaluations/2025/report"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "tools/i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ids(path: Path) -> set[object]:
    with path.open("rb") as fh:
        return {(m.context, m.id) for m in read_po(fh) if m.id}


# --------------------------------------------------------------------------- the catalogs


def test_every_template_and_page_string_is_translated_into_korean() -> None:
    """Extracts every _()/ngettext/pgettext of src/accord (templates and Python) now: a string
    added without `tools/i18n.py update` and a Korean translation fails here."""
    missing = _tool().missing("ko")
    assert not missing, (
        f"{len(missing)} message(s) without a Korean translation; run "
        "`make messages` and translate them in src/accord/locale/ko/LC_MESSAGES/messages.po:\n"
        + "\n".join(missing[:40])
    )


def test_the_committed_template_and_catalogs_hold_every_extracted_message() -> None:
    extracted = {(m.context, m.id) for m in _tool().extract() if m.id}
    for path in (POT, KO_PO, ROOT / "src/accord/locale/en/LC_MESSAGES/messages.po"):
        absent = extracted - _ids(path)
        assert not absent, f"{path.name} is stale (run `make messages`): {sorted(absent)[:10]}"


def test_korean_translations_keep_every_placeholder() -> None:
    with KO_PO.open("rb") as fh:
        catalog = read_po(fh)
    import re

    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set(re.findall(r"%\(\w+\)[sd]", ids[-1]))
        for text in strings:
            assert set(re.findall(r"%\(\w+\)[sd]", text)) == wanted, (m.id, text)


# --------------------------------------------------------------------------- negotiation


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko"),
        ("en-US,en;q=0.9,ko;q=0.8", "en"),
        ("fr-FR, ko;q=0.5", "ko"),
        ("ko;q=0.2, en;q=0.9", "en"),
        ("ko;q=0, fr", None),
        ("fr, de", None),
        ("", None),
        ("*;q=x, ,;", None),
    ],
)
def test_accept_language_negotiation(header: str, expected: str | None) -> None:
    assert i18n.negotiate(header) == expected


def test_explicit_choice_then_user_then_cookie_then_browser() -> None:
    assert i18n.choose(accept_language="ko") == "ko"
    assert i18n.choose(user="en", cookie="ko", accept_language="ko") == "en"
    assert i18n.choose(cookie="ko", accept_language="en") == "ko"
    assert i18n.choose(explicit="ko", user="en") == "ko"
    assert i18n.choose(explicit="xx", user="fr", accept_language="de") == "en"


def test_dates_and_numbers_follow_the_language() -> None:
    day = dt.date(2026, 12, 6)
    with i18n.use_locale("en"):
        assert i18n.format_date(day) == "2026-12-06"
        assert i18n.format_number(12345.678, 1) == "12,345.7"
        assert i18n.format_percent(0.425) == "42%"
        assert i18n.format_datetime("2026-12-06T14:03:00+00:00") == "2026-12-06 14:03 UTC"
    with i18n.use_locale("ko"):
        assert i18n.format_date(day) == "2026. 12. 6."
        assert i18n.format_date("2019-12-31") == "2019. 12. 31."
        assert i18n.format_date("not a date") == "not a date"
        assert i18n.format_number(10000) == "10,000"
        assert i18n.gettext("Plan score") == "계획 점수"
        assert i18n.ngettext("%(num)d item", "%(num)d items", 3) == "항목 3건"
    assert i18n.current() == "en"  # use_locale restores the language in force


# --------------------------------------------------------------------------- pages


def test_a_korean_browser_gets_korean_pages(client: TestClient, opcon: Plan) -> None:
    html = client.get(f"/plans/{opcon.code}", headers={"Accept-Language": "ko-KR,ko"}).text
    assert '<html lang="ko">' in html
    assert "계획 점수" in html and "단계별 준비 상태" in html and "<dt>Plan score" not in html
    assert "완전운용능력" in html  # the stage name in Korean, from the framework YAML
    assert "2019. 12. 31." in html  # IOC's target date, written the Korean way
    assert (
        "분야 9개 중 7개에서 유의미한 진전 (점수 0.05 이상 상승 또는 신규 충족 기준 1개 이상)."
        in html
    )
    why = "점수 0.17 상승 (0.67 → 0.83); 규칙 요구 +0.05; 신규 충족 기준 1개: C1.3.2; 규칙 요구 1개"
    assert why in html  # the basis of the statement, composed in Korean from its figures
    english = client.get(f"/plans/{opcon.code}", headers={"Accept-Language": "en"}).text
    assert '<html lang="en">' in english and "Plan score" in english and "계획 점수" not in english


def test_the_users_preference_wins_over_the_browser(
    client: TestClient, opcon: Plan, factory: sessionmaker[Session]
) -> None:
    with transaction(factory) as s:
        user = s.query(User).filter_by(username="observer").one()
        user.locale = "ko"
    html = client.get(f"/plans/{opcon.code}", headers={"Accept-Language": "en"}).text
    assert '<html lang="ko">' in html and "계획 점수" in html
    assert "언어: 프로필에서 설정" in html  # the footer points to the profile, not the switcher
    forced = client.get(f"/plans/{opcon.code}?lang=en", headers={"Accept-Language": "ko"}).text
    assert '<html lang="en">' in forced and "Plan score" in forced


def test_the_switcher_remembers_a_visitors_choice(anon: TestClient) -> None:
    assert 'lang="en"' in anon.get("/sign-in").text
    r = anon.get("/language/ko", params={"next": "/sign-in"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"
    html = anon.get("/sign-in").text
    assert '<html lang="ko">' in html and "로그인" in html and "사용자 이름" in html
    refused = anon.post("/sign-in", data={"username": "x", "password": "y"}).text
    assert "로그인" in refused  # the error page of a stale form is Korean too


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\\evil", ""])
def test_the_switcher_only_returns_to_this_site(anon: TestClient, target: str) -> None:
    r = anon.get("/language/en", params={"next": target}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_an_unknown_language_is_not_found(anon: TestClient) -> None:
    assert anon.get("/language/fr", follow_redirects=False).status_code == 404


def test_page_messages_from_python_are_translated(client: TestClient, opcon: Plan) -> None:
    html = client.get(
        f"/plans/{opcon.code}/evaluations/2025/reconciliation?lang=ko",
    ).text
    assert "작업공간" in html and "조정" in html  # the round's navigation, built in Python


# --------------------------------------------------------------------------- framework titles


def test_bilingual_stage_names_round_trip_and_bad_ones_are_located() -> None:
    fw = framework_yaml.load(example_text("opcon", "framework.yaml"), "opcon.yaml")
    assert all(st.name_ko for st in fw.stages)
    assert all(c.title_ko for c in fw.conditions)
    assert all(s.title_ko for c in fw.conditions for f in c.fields for s in f.standards)
    again = framework_yaml.load(framework_dump.dump(fw), "dumped.yaml")
    assert again == fw
    assert {st.code: st.name_ko for st in again.stages}["FOC"] == "완전운용능력"
    text = example_text("opcon", "framework.yaml").replace(
        "      ko: 완전운용능력\n", "      ko: [x]\n", 1
    )
    _fw, problems = framework_yaml.validate(text, "plan.yaml")
    assert any(d.source == "plan.yaml" and d.line > 1 and "name" in d.message for d in problems)


def test_titles_show_in_the_readers_language() -> None:
    fw = framework_yaml.load(example_text("opcon", "framework.yaml"), "opcon.yaml")
    i18n.learn_titles(fw)
    stage = fw.stages[0]
    with i18n.use_locale("ko"):
        assert i18n.title(stage.name) == stage.name_ko
        assert i18n.localized({"title": "x", "title_ko": "엑스"}) == "엑스"
    with i18n.use_locale("en"):
        assert i18n.title(stage.name) == stage.name


def test_a_fresh_process_shows_korean_titles_on_its_first_page(
    as_user: Callable[[str], TestClient], opcon: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No framework parsed yet in this process (a new worker): the list of plans, which reads
    no framework itself, still shows the Korean plan title, learned from the stored versions
    before the page is drawn."""
    client = as_user("admin")
    from accord.services import frameworks

    monkeypatch.setattr(i18n, "_titles_ko", {})
    monkeypatch.setattr(frameworks, "_titled", set())
    monkeypatch.setattr(frameworks, "_cache", type(frameworks._cache)())
    fw = framework_yaml.load(example_text("opcon", "framework.yaml"), "opcon.yaml")
    english = client.get("/", params={"lang": "en"}).text
    assert fw.title in english and fw.title_ko not in english
    assert fw.title_ko in client.get("/", params={"lang": "ko"}).text


# --------------------------------------------------------------------------- the PDF


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_korean_pdf_report_carries_korean_text_in_a_cjk_font(
    client: TestClient, opcon: Plan, tmp_path: Path
) -> None:
    r = client.get(REPORT, params={"format": "pdf", "lang": "ko"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "ko.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "요약" in text and "부록: 기준 및 평정" in text and "전시작전통제권" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "Noto-Sans-CJK-KR" in fonts  # embedded: no tofu from a Latin-only fallback


def test_the_switcher_returns_to_the_referring_page_of_this_site(anon: TestClient) -> None:
    back = anon.get(
        "/language/ko",
        headers={"Referer": "http://testserver/sign-in?next=/x"},
        follow_redirects=False,
    )
    assert back.headers["location"] == "/sign-in?next=/x"
    away = anon.get(
        "/language/ko", headers={"Referer": "https://evil.example/p"}, follow_redirects=False
    )
    assert away.headers["location"] == "/"


def test_the_cli_writes_a_korean_report_and_refuses_other_languages(
    database_url: str, tmp_path: Path, opcon: Plan
) -> None:
    from typer.testing import CliRunner

    from accord.cli import app as cli_app

    env = {"ACCORD_DATABASE_URL": database_url, "ACCORD_DATA_DIR": str(tmp_path / "ws")}
    out = tmp_path / "r.html"
    run = CliRunner().invoke(cli_app, ["report", "2025", "--lang", "ko", "-o", str(out)], env=env)
    assert run.exit_code == 0, run.output
    html = out.read_text("utf-8")
    assert '<html lang="ko">' in html and "부록: 기준 및 평정" in html and "2025. 10. 17." in html
    assert i18n.current() == "en"  # the command's language does not outlive it
    bad = CliRunner().invoke(cli_app, ["report", "2025", "--lang", "fr", "-o", str(out)], env=env)
    assert bad.exit_code == 1 and "--lang: one of en, ko, not 'fr'" in bad.output


def test_the_way_in_keeps_the_chosen_language(client: TestClient, opcon: Plan) -> None:
    """One plan: `/` sends the reader to its dashboard, with ?lang= kept."""
    r = client.get("/", params={"lang": "ko"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/plans/opcon-cotp?lang=ko")


def test_governance_dates_keep_their_precision_in_both_languages(
    client: TestClient, opcon: Plan
) -> None:
    """The public record's dates known to the day, the month or the year read as such, the
    Korean way on Korean pages (2019년 11월) and as before on English ones (Nov 2019)."""
    with i18n.use_locale("ko"):
        assert [i18n.format_partial_date(d) for d in ("2018-10-31", "2019-11", "2020")] == [
            "2018. 10. 31.",
            "2019년 11월",
            "2020년",
        ]
        assert i18n.format_partial_date({"iso": "2019-11"}) == "2019년 11월"
    with i18n.use_locale("en"):
        assert [i18n.format_partial_date(d) for d in ("2018-10-31", "2019-11", "2020")] == [
            "31 Oct 2018",
            "Nov 2019",
            "2020",
        ]
    korean = client.get("/plans/opcon-cotp/timeline", params={"lang": "ko"}).text
    assert "2019년 11월" in korean and "2018. 10. 31." in korean and "Nov 2019" not in korean
    english = client.get("/plans/opcon-cotp/timeline", params={"lang": "en"}).text
    assert "Nov 2019" in english and "2019년 11월" not in english


def test_korean_charts_speak_korean_in_a_font_with_hangul() -> None:
    """Chart titles and axes follow the language; the files' charts (vl-convert) are laid out
    in Noto Sans CJK KR for Korean, since Liberation Sans has no Hangul."""
    import vl_convert as vlc

    from accord.reports import charts, render

    history = [
        {"evaluation": "2024", "held_on": "2024-09-27", "conditions": {"C1": 0.5}},
        {"evaluation": "2025", "held_on": "2025-10-17", "conditions": {"C1": 0.6}},
    ]
    with i18n.use_locale("ko"):
        spec = charts.condition_scores(history, {"C1": "x"}, illustrative=True)
        assert spec["title"]["text"] == "평가별 조건 점수"
        assert spec["encoding"]["y"]["title"] == "점수 (0–1)"
        assert spec["title"]["subtitle"].startswith("예시 자료")
        svg = vlc.vegalite_to_svg(render.static_spec(spec), config=render.chart_config())
    assert "Noto Sans CJK KR" in svg and "점수 (0–1)" in svg
    with i18n.use_locale("en"):
        spec = charts.condition_scores(history, {"C1": "x"}, illustrative=False)
        assert spec["title"]["text"] == "Condition scores by evaluation"
        assert render.chart_config() == {"font": "Liberation Sans"}
