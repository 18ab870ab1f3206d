"""Keyword matching of feed items to standards: the `match` rule format and the matcher."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.engine.framework import MatchRule, build_framework
from accord.engine.matching import Matcher, plain_text
from accord.formats import framework_dump, framework_yaml

ROOT = Path(__file__).resolve().parents[1]
OPCON = ROOT / "src" / "accord" / "data" / "opcon" / "framework.yaml"


def doc(*rules: dict[str, Any] | None) -> dict[str, Any]:
    """A framework with one standard S<i> per rule, in two conditions."""
    standards = []
    for i, rule in enumerate(rules):
        std: dict[str, Any] = {"code": f"S{i}", "title": f"Standard {i}", "threshold": "Yes"}
        if rule is not None:
            std["match"] = rule
        standards.append(std)
    half = max(1, len(standards) // 2)
    return {
        "code": "p",
        "title": "P",
        "version": "1",
        "parties": [{"code": "A"}],
        "scales": [
            {"code": "yn", "levels": [{"label": "No", "value": 0}, {"label": "Yes", "value": 1}]}
        ],
        "conditions": [
            {
                "code": "C1",
                "title": "One",
                "fields": [{"code": "F1", "title": "F", "standards": standards[:half]}],
            },
            *(
                [
                    {
                        "code": "C2",
                        "title": "Two",
                        "fields": [{"code": "F2", "title": "G", "standards": standards[half:]}],
                    }
                ]
                if standards[half:]
                else []
            ),
        ],
    }


def matcher(*rules: dict[str, Any] | None) -> Matcher:
    fw, problems = build_framework(doc(*rules))
    assert fw is not None, problems
    return Matcher(fw)


@pytest.fixture(scope="module")
def opcon() -> Matcher:
    return Matcher(framework_yaml.load_file(OPCON))


# --- the format -------------------------------------------------------------------------------


def test_a_standard_without_match_has_the_empty_rule() -> None:
    fw, _ = build_framework(doc(None))
    assert fw is not None
    std = next(fw.standards())
    assert std.match == MatchRule() and std.match.empty


def test_the_match_block_is_read() -> None:
    rule = {
        "phrases": ["kill chain"],
        "keywords": ["strike*", "missile"],
        "min_keywords": 2,
        "exclude": ["video game"],
        "min_score": 0.3,
    }
    fw, problems = build_framework(doc(rule))
    assert fw is not None, problems
    assert next(fw.standards()).match == MatchRule(
        ("kill chain",), ("strike*", "missile"), 2, ("video game",), 0.3
    )


def _diagnostics(match_yaml: str) -> list[str]:
    text = f"""\
code: p
title: P
version: "1"
parties: [{{code: A}}]
scales:
  - code: yn
    levels: [{{label: "No", value: 0}}, {{label: "Yes", value: 1}}]
conditions:
  - code: C1
    title: One
    fields:
      - code: F1
        title: F
        standards:
          - code: S1
            title: S
            threshold: "Yes"
            match:
{match_yaml}
"""
    fw, diagnostics = framework_yaml.validate(text, "m.yaml")
    assert fw is None
    return [str(d) for d in diagnostics]


def test_problems_in_the_match_block_point_at_their_line_and_column() -> None:
    found = _diagnostics(
        """\
              phrases: ["kill chain", "  ", "Kill-Chain", "a*b"]
              keywords: [strike, 3]
              min_keywords: 5
              exclude: [{x: 1}]
              colour: red"""
    )
    assert found == [
        "m.yaml:19:39: empty term in 'phrases': a term needs a letter or digit",
        "m.yaml:19:45: duplicate match term 'Kill-Chain' (first defined on line 19)",
        "m.yaml:19:59: '*' may only stand once, at the end of a term, not in 'a*b'",
        "m.yaml:21:15: 'min_keywords' is 5 but only 2 keywords are listed",
        "m.yaml:22:25: a term in 'exclude' must be text, not a mapping",
        "m.yaml:23:15: unknown key 'colour' (allowed here: "
        "phrases, keywords, min_keywords, exclude, min_score)",
    ]


def test_a_term_repeated_across_lists_is_a_duplicate() -> None:
    found = _diagnostics('              phrases: ["KAMD"]\n              exclude: ["kamd"]')
    assert found == ["m.yaml:20:25: duplicate match term 'kamd' (first defined on line 19)"]


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("              min_score: 1.5", "m.yaml:19:15: 'min_score' must be between 0 and 1"),
        (
            "              min_keywords: 0\n              keywords: [a]",
            "m.yaml:19:15: 'min_keywords' must be a whole number >= 1",
        ),
        (
            '              exclude: ["x"]',
            "m.yaml:18:13: 'match' needs 'phrases' or 'keywords': without them nothing can match",
        ),
        ("              phrases: kill chain", "m.yaml:19:15: 'phrases' must be a list, not text"),
    ],
)
def test_match_block_messages(block: str, message: str) -> None:
    assert message in _diagnostics(block)


def test_the_opcon_plan_has_rules_on_every_standard() -> None:
    fw = framework_yaml.load_file(OPCON)
    assert all(s.match.phrases for s in fw.standards())
    assert len(list(fw.standards())) == 26


def test_match_rules_survive_export_and_import() -> None:
    fw = framework_yaml.load_file(OPCON)
    text = framework_dump.dump(fw)
    assert "match:" in text and "킬체인" in text
    again = framework_yaml.load(text)
    assert again == fw
    assert framework_dump.dump(again) == text


terms = st.text(st.characters(categories=("L", "N"), max_codepoint=0xD7A3), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(terms, max_size=4, unique_by=lambda t: t.casefold()),
    st.lists(terms, max_size=4, unique_by=lambda t: t.casefold()),
    st.integers(1, 3),
    st.sampled_from([0.0, 0.25, 1.0]),
)
def test_any_valid_rule_round_trips(
    phrases: list[str], keywords: list[str], n: int, score: float
) -> None:
    from accord.engine.framework import term_key

    keys = [term_key(t) for t in phrases + keywords]
    if len(set(keys)) != len(keys) or not (phrases or keywords):
        return
    rule: dict[str, Any] = {"phrases": phrases, "keywords": keywords, "min_score": score}
    if n <= len(keywords):
        rule["min_keywords"] = n
    fw, problems = build_framework(doc(rule))
    assert fw is not None, problems
    text = framework_dump.dump(fw)
    assert framework_yaml.load(text) == fw
    assert framework_dump.dump(framework_yaml.load(text)) == text


# --- the matcher ------------------------------------------------------------------------------


def test_a_phrase_matches_whole_words_case_insensitively() -> None:
    m = matcher({"phrases": ["kill chain"]})
    assert [h.standard for h in m.match("Army tests KILL CHAIN sensors")] == ["S0"]
    assert m.match("Skill chains for beginners") == []
    assert m.match("kill chainsaw sales") == []


def test_spaces_and_hyphens_in_a_phrase_are_interchangeable() -> None:
    m = matcher({"phrases": ["Future-CFC headquarters"]})
    for title in (
        "Future CFC headquarters",
        "future-cfc  Headquarters",
        "Future\u2013CFC headquarters",
    ):
        assert m.match(title), title
    assert not m.match("FutureCFC headquarters")


def test_a_trailing_star_matches_any_ending() -> None:
    m = matcher({"phrases": ["interceptor*"]})
    assert m.match("New interceptors fielded")
    assert m.match("Interceptor test")
    assert not m.match("Reinterceptors")


def test_hangul_terms_match_inside_words() -> None:
    m = matcher({"phrases": ["미래연합사"]}, {"phrases": ["KAMD"]})
    assert [h.standard for h in m.match("미래연합사는 내년 검증")] == ["S0"]
    # a Latin term next to Hangul (a particle) still starts and ends a word
    assert [h.standard for h in m.match("KAMD를 강화")] == ["S1"]
    assert m.match("KAMDX") == []


def test_keywords_need_min_keywords_different_ones() -> None:
    m = matcher({"keywords": ["satellite*", "reconnaissance", "orbit"], "min_keywords": 2})
    assert m.match("Satellite launched; satellites everywhere") == []
    hits = m.match("Reconnaissance satellite enters orbit")
    assert len(hits) == 1
    assert (
        hits[0].reason == "keyword 'orbit' in title; keyword 'reconnaissance' in title; "
        "keyword 'satellite*' in title"
    )


def test_an_exclude_term_vetoes_the_match() -> None:
    m = matcher({"phrases": ["spy satellite"], "exclude": ["Malligyong"]})
    assert m.match("Seoul launches spy satellite")
    assert m.match("North Korea's spy satellite Malligyong-1") == []


def test_min_score_drops_weak_matches() -> None:
    m = matcher({"keywords": ["alpha", "beta"], "min_score": 0.3})
    assert m.match("x", "alpha beta") == []  # two body keywords: 0.23
    assert m.match("alpha beta")  # two title keywords: 0.44


def test_the_reason_names_each_term_where_and_how_often() -> None:
    m = matcher({"phrases": ["kill chain"], "keywords": ["strike", "missile"]})
    (hit,) = m.match("Kill chain drill", "The kill chain and strike plans; another strike.")
    assert hit.reason == "phrase 'kill chain' in title and body ×2; keyword 'strike' in body ×2"
    assert hit.condition == "C1"


def test_title_hits_weigh_more_than_body_hits() -> None:
    m = matcher({"phrases": ["kill chain"]})
    (in_title,) = m.match("Kill chain", "")
    (in_body,) = m.match("News", "kill chain")
    assert in_title.score > in_body.score


def test_html_is_stripped_for_matching_only() -> None:
    m = matcher({"phrases": ["kill chain"]}, {"phrases": ["onclick"]})
    summary = (
        '<p class="kill-chain" onclick="x()">Nothing <b>here</b></p><script>kill chain</script>'
    )
    assert m.match("T", summary) == []
    assert m.match("T", "<p>Kill <i>chain</i> &amp; more</p>")  # what a reader sees
    assert m.match("T", "<p>the kill&nbsp;chain</p>")
    assert plain_text("<p>a&amp;b</p>") == "a&b"


def test_overlapping_terms_are_all_found() -> None:
    m = matcher(
        {"phrases": ["air and missile defense"]},
        {"phrases": ["missile defense"]},
        {"phrases": ["missile"]},
    )
    assert sorted(h.standard for h in m.match("Combined air and missile defense drill")) == [
        "S0",
        "S1",
        "S2",
    ]


def test_opcon_rules_send_headlines_to_the_right_standards(opcon: Matcher) -> None:
    cases = {
        "North Korea fires two short-range ballistic missiles into East Sea": "C3.1.1",
        "Allies to verify Future Combined Forces Command's full operational capability": "C1.1.2",
        "South Korea launches Strategic Command to counter North Korean threats": "C2.3.1",
        "Seoul's second military reconnaissance satellite enters orbit": "C1.3.2",
        "Allies hold Nuclear Consultative Group meeting": "C2.3.3",
        "Army tests L-SAM interceptor in layered missile defense trial": "C2.1.2",
        "Ulchi Freedom Shield exercise kicks off with 19,000 troops": "C1.2.2",
        "Joint statement of the 57th Security Consultative Meeting": "C3.2.1",
        "국방부, 한국군 전략사령부 창설": "C2.3.1",
        "군, 미래연합사 완전운용능력 검증 내년 추진": "C1.1.2",
        "북한, 동해상으로 탄도미사일 발사": "C3.1.1",
        "킬체인 핵심 전력 F-35A 추가 도입": "C2.2.1",
    }
    for title, code in cases.items():
        hits = opcon.match(title)
        assert hits and hits[0].standard == code, (title, hits)
    assert opcon.match("Seoul stock market closes higher on chip exports") == []
    assert opcon.match("K-pop group announces world tour dates") == []


def test_a_north_korean_satellite_is_not_a_korean_isr_asset(opcon: Matcher) -> None:
    codes = [h.standard for h in opcon.match("North Korea's spy satellite Malligyong-1 in orbit")]
    assert "C1.3.2" not in codes and "C3.1.1" in codes


words = st.sampled_from(
    [
        "kill",
        "chain",
        "strike",
        "missile",
        "defense",
        "미래연합사",
        "news",
        "the",
        "<b>",
        "</b>",
        "-",
        "KAMD를",
    ]
)
texts = st.lists(words, max_size=25).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(texts, texts, texts)
def test_scores_are_between_0_and_1_and_best_first(title: str, summary: str, content: str) -> None:
    m = _property_matcher()
    hits = m.match(title, summary, content)
    assert all(0 < h.score < 1 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.standard for h in hits}) == len(hits)


@settings(max_examples=200, deadline=None)
@given(texts, texts)
def test_case_and_extra_spaces_do_not_change_the_result(title: str, summary: str) -> None:
    m = _property_matcher()
    assert m.match(title, summary) == m.match(title.upper(), "  " + summary.replace(" ", "   "))


@settings(max_examples=200, deadline=None)
@given(texts, texts)
def test_moving_text_from_the_body_to_the_title_never_lowers_a_score(
    title: str, summary: str
) -> None:
    m = _property_matcher()
    before = {h.standard: h.score for h in m.match(title, summary)}
    after = {h.standard: h.score for h in m.match(f"{title} {summary}", "")}
    for code, score in before.items():
        assert after.get(code, 0.0) >= score - 1e-9


@settings(max_examples=200, deadline=None)
@given(texts, texts)
def test_adding_text_never_removes_a_match_without_an_exclude(title: str, extra: str) -> None:
    m = _property_matcher()
    before = {h.standard: h.score for h in m.match(title)}
    after = {h.standard: h.score for h in m.match(title, extra)}
    for code, score in before.items():
        if code != "S3":  # S3 has an exclude term
            assert after[code] >= score - 1e-9


_MATCHER: list[Matcher] = []


def _property_matcher() -> Matcher:
    if not _MATCHER:
        _MATCHER.append(
            matcher(
                {"phrases": ["kill chain"], "keywords": ["strike", "missile"]},
                {"keywords": ["missile", "defense", "KAMD"], "min_keywords": 2},
                {"phrases": ["미래연합사"]},
                {"phrases": ["missile*"], "exclude": ["news"]},
            )
        )
    return _MATCHER[0]


def test_ten_thousand_items_against_hundreds_of_standards() -> None:
    """Scale, not speed (bench/semantic_bench.py measures that): hundreds of standards'
    rules compiled together still find every item's terms."""
    rules = [
        {"phrases": [f"term{i} alpha", f"항목{i}"], "keywords": [f"kw{i}", f"kx{i}*", "common"]}
        for i in range(300)
    ]
    m = matcher(*rules)
    items = [
        (
            f"Headline {i} about term{i % 300} alpha",
            f"Body with kw{i % 7} and kx{i % 11}s and common words " * 3,
            "",
        )
        for i in range(10_000)
    ]
    results = m.match_many(items)
    assert all(results)
    assert sum(map(len, results)) >= 10_000
