"""Progress between two evaluations and the meaningful-progress rule with its statement."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.engine.framework import NOT_APPLICABLE, Framework, ProgressRule, build_framework
from accord.engine.progress import compare, describe_rule, statement
from accord.engine.scoring import encode

PROPS = settings(max_examples=60, deadline=None)

TEN = {
    "code": "ten",
    "not_applicable": True,
    "levels": [{"label": f"t{i}", "value": i / 10} for i in range(11)],
}

# {condition: {field: [(standard, threshold)]}} on the tenths scale
TREE = {
    "C1": {"F1": [("A1", "t5"), ("A2", "t5")], "F2": [("B1", "t3")]},
    "C2": {"F3": [("D1", "t5")]},
}

BEFORE = {"A1": "t2", "A2": "t2", "B1": "t2", "D1": "t6"}
# F1: 0.20 -> 0.30 by score alone; F2: 0.20 -> 0.30 and B1 newly met; F3 unchanged
AFTER = {"A1": "t4", "A2": "t2", "B1": "t3", "D1": "t6"}

DEFAULT_RULE_TEXT = "score up by at least 0.05 or at least 1 standard newly met"


def framework(
    tree: dict[str, dict[str, list[tuple[str, str]]]] | None = None,
    rule: dict[str, Any] | None = None,
    scale: dict[str, Any] | None = None,
) -> Framework:
    scale = scale or TEN
    doc: dict[str, Any] = {
        "code": "P",
        "title": "Plan",
        "version": "1",
        "parties": [{"code": "A"}],
        "scales": [scale],
        "conditions": [
            {
                "code": c,
                "title": c,
                "fields": [
                    {
                        "code": f,
                        "title": f,
                        "standards": [{"code": s, "title": s, "threshold": thr} for s, thr in stds],
                    }
                    for f, stds in fields.items()
                ],
            }
            for c, fields in (tree or TREE).items()
        ],
    }
    if rule is not None:
        doc["progress_rule"] = rule
    fw, problems = build_framework(doc)
    assert fw is not None, problems
    return fw


def run(fw: Framework, before: dict[str, str | None], after: dict[str, str | None]) -> Any:
    return compare(fw, encode(fw, before), encode(fw, after))


def test_default_rule_statement_and_verdicts() -> None:
    report = run(framework(), BEFORE, AFTER)
    assert report.statement == (
        "Meaningful progress across 2 of 3 fields "
        "(score up by at least 0.05 or at least 1 standard newly met)."
    )
    assert report.meaningful
    assert report.qualifying == ("F1", "F2")
    assert (report.comparable, report.total) == (3, 3)
    assert [n.meaningful for n in report.fields] == [True, True, False]
    assert report.judged == report.fields


def test_reasons_mention_the_figures() -> None:
    f1, f2, f3 = run(framework(), BEFORE, AFTER).fields
    assert f1.reasons == (
        "score rose by 0.10 (0.20 → 0.30); rule needs +0.05",
        "0 standard(s) newly met; rule needs 1",
    )
    assert f2.reasons == (
        "score rose by 0.10 (0.20 → 0.30); rule needs +0.05",
        "1 standard(s) newly met: B1; rule needs 1",
    )
    assert f3.reasons == (
        "score did not change (0.60 → 0.60); rule needs +0.05",
        "0 standard(s) newly met; rule needs 1",
    )


def test_reason_for_a_falling_score() -> None:
    (f1, *_) = run(framework(), AFTER, BEFORE).fields
    assert f1.reasons[0] == "score fell by 0.10 (0.30 → 0.20); rule needs +0.05"
    assert f1.meaningful is False


def test_before_after_delta_and_newly_met_per_node() -> None:
    report = run(framework(), BEFORE, AFTER)
    f1, f2, f3 = report.fields
    assert (f1.before, f1.after) == (pytest.approx(0.2), pytest.approx(0.3))
    assert f1.delta == pytest.approx(0.1)
    assert f2.newly_met == ("B1",) and f1.newly_met == () and f3.newly_met == ()
    c1, c2 = report.conditions
    assert c1.newly_met == ("B1",) and c2.newly_met == ()
    assert c1.delta == pytest.approx(0.1) and c2.delta == pytest.approx(0.0)
    assert report.plan.newly_met == ("B1",)
    assert report.plan.kind == "plan" and report.plan.code == "P"


def test_newly_unmet() -> None:
    report = run(framework(), AFTER, {**AFTER, "B1": "t2", "D1": "t4"})
    f1, f2, f3 = report.fields
    assert f2.newly_unmet == ("B1",) and f3.newly_unmet == ("D1",)
    assert f1.newly_unmet == ()
    assert report.plan.newly_unmet == ("B1", "D1")
    assert report.plan.newly_met == ()
    assert not report.meaningful
    assert report.statement == (
        f"No meaningful progress overall: 0 of 3 fields met the rule ({DEFAULT_RULE_TEXT})."
    )


def test_newly_met_needs_a_rating_below_threshold_before() -> None:
    # B1 unrated before, N/A before, or already met before: never "newly met"
    fw = framework()
    for before in (
        {**BEFORE, "B1": None},
        {**BEFORE, "B1": NOT_APPLICABLE},
        {**BEFORE, "B1": "t3"},
    ):
        report = run(fw, before, AFTER)
        assert report.fields[1].newly_met == ()
        assert report.plan.newly_met == ()


def test_delta_is_none_when_a_side_has_no_score() -> None:
    report = run(framework(), {**BEFORE, "D1": None}, AFTER)
    f3 = report.fields[2]
    assert f3.before is None and f3.after == pytest.approx(0.6)
    assert f3.delta is None
    assert f3.meaningful is None


def test_combine_all_needs_both_criteria() -> None:
    report = run(framework(rule={"combine": "all"}), BEFORE, AFTER)
    assert report.qualifying == ("F2",)
    assert not report.meaningful
    assert report.statement == (
        "No meaningful progress overall: 1 of 3 fields met the rule "
        "(score up by at least 0.05 and at least 1 standard newly met)."
    )


def test_combine_any_needs_either_criterion() -> None:
    # only newly met counts: F2 qualifies; only the score counts: F1 and F2 qualify
    newly_only = run(framework(rule={"min_score_delta": 0, "min_newly_met": 1}), BEFORE, AFTER)
    assert newly_only.qualifying == ("F2",)
    assert newly_only.fields[0].reasons == ("0 standard(s) newly met; rule needs 1",)
    score_only = run(framework(rule={"min_score_delta": 0.05, "min_newly_met": 0}), BEFORE, AFTER)
    assert score_only.qualifying == ("F1", "F2")
    assert len(score_only.fields[0].reasons) == 1


def test_min_newly_met_counts_standards() -> None:
    tree = {"C1": {"F1": [("A1", "t5"), ("A2", "t5"), ("A3", "t5")]}}
    fw = framework(tree, rule={"min_score_delta": 0, "min_newly_met": 2})
    before = {"A1": "t4", "A2": "t4", "A3": "t4"}
    one = run(fw, before, {**before, "A1": "t5"})
    two = run(fw, before, {**before, "A1": "t5", "A2": "t9"})
    assert one.fields[0].meaningful is False and two.fields[0].meaningful is True
    assert two.fields[0].reasons == ("2 standard(s) newly met: A1, A2; rule needs 2",)
    assert two.statement == (
        "Meaningful progress across 1 of 1 field (at least 2 standards newly met)."
    )


def test_judged_at_condition() -> None:
    report = run(framework(rule={"judged_at": "condition"}), BEFORE, AFTER)
    assert report.judged == report.conditions
    assert report.qualifying == ("C1",)
    assert (report.comparable, report.total) == (2, 2)
    assert report.meaningful  # 1 of 2 at the default share of one half
    assert report.statement == (
        f"Meaningful progress across 1 of 2 conditions ({DEFAULT_RULE_TEXT})."
    )
    assert report.conditions[0].reasons == (
        "score rose by 0.10 (0.20 → 0.30); rule needs +0.05",
        "1 standard(s) newly met: B1; rule needs 1",
    )


FINE = {
    "code": "fine",
    "levels": [
        {"label": "a", "value": 0.0},
        {"label": "b", "value": 0.3},
        {"label": "c", "value": 0.349},
        {"label": "d", "value": 0.35},
        {"label": "e", "value": 1.0},
    ],
}


def test_min_score_delta_boundary_despite_float_error() -> None:
    assert 0.35 - 0.3 < 0.05  # the rise below is exactly 0.05 only on paper
    fw = framework({"C": {"F": [("S", "e")]}}, {"min_score_delta": 0.05, "min_newly_met": 0}, FINE)
    exact = run(fw, {"S": "b"}, {"S": "d"})
    assert exact.fields[0].meaningful is True
    assert exact.fields[0].reasons == ("score rose by 0.05 (0.30 → 0.35); rule needs +0.05",)
    short = run(fw, {"S": "b"}, {"S": "c"})  # +0.049, which rounds to 0.05 in the text
    assert short.fields[0].meaningful is False
    assert short.fields[0].reasons == ("score rose by 0.05 (0.30 → 0.35); rule needs +0.05",)


def test_overall_share_boundary() -> None:
    tree = {"C": {f"F{i}": [(f"S{i}", "t9")] for i in range(4)}}
    before = {f"S{i}": "t1" for i in range(4)}
    up = {f"S{i}": "t2" for i in range(4)}

    def report(share: float, rising: int) -> Any:
        fw = framework(tree, {"overall_share": share})
        return run(fw, before, {**before, **{f"S{i}": up[f"S{i}"] for i in range(rising)}})

    assert report(0.5, 2).meaningful and not report(0.5, 1).meaningful
    assert report(0.75, 3).meaningful and not report(0.75, 2).meaningful
    assert report(1.0, 4).meaningful and not report(1.0, 3).meaningful
    assert report(0.5, 2).statement == (
        f"Meaningful progress across 2 of 4 fields ({DEFAULT_RULE_TEXT})."
    )
    assert report(0.5, 1).statement == (
        f"No meaningful progress overall: 1 of 4 fields met the rule ({DEFAULT_RULE_TEXT})."
    )


def test_overall_share_of_two_thirds() -> None:
    tree = {"C": {f"F{i}": [(f"S{i}", "t9")] for i in range(3)}}
    fw = framework(tree, {"overall_share": 2 / 3})
    before = {"S0": "t1", "S1": "t1", "S2": "t1"}
    assert run(fw, before, {**before, "S0": "t3", "S1": "t3"}).meaningful
    assert not run(fw, before, {**before, "S0": "t3"}).meaningful


def test_nodes_not_comparable_are_out_of_the_denominator() -> None:
    fw = framework(rule={"overall_share": 0.75})
    after = {**AFTER, "D1": None}  # F3 rated before only
    report = run(fw, BEFORE, after)
    f3 = report.fields[2]
    assert f3.meaningful is None
    assert f3.reasons == ("not comparable: no standard rated in both evaluations",)
    assert (report.comparable, report.total, report.qualifying) == (2, 3, ("F1", "F2"))
    assert report.meaningful  # 2 of 2 comparable >= 0.75 (2 of 3 would not be)
    assert report.statement == (
        f"Meaningful progress across 2 of 2 fields ({DEFAULT_RULE_TEXT}). "
        "1 of 3 fields could not be compared."
    )


def test_na_on_both_sides_is_not_comparable() -> None:
    report = run(framework(), {**BEFORE, "D1": NOT_APPLICABLE}, {**AFTER, "D1": NOT_APPLICABLE})
    assert report.fields[2].meaningful is None
    assert report.conditions[1].meaningful is None


def test_nothing_comparable() -> None:
    report = run(framework(), {}, AFTER)
    assert not report.meaningful
    assert report.comparable == 0
    assert report.statement == "Progress cannot be judged: no field was rated in both evaluations."
    assert all(n.meaningful is None for n in report.fields)


def test_describe_rule_and_statement_wording() -> None:
    assert describe_rule(ProgressRule()) == DEFAULT_RULE_TEXT
    assert describe_rule(ProgressRule(min_score_delta=0.1, min_newly_met=3, combine="all")) == (
        "score up by at least 0.1 and at least 3 standards newly met"
    )
    rule = ProgressRule(judged_at="condition")
    assert statement(rule, 1, 1, 1, True) == (
        f"Meaningful progress across 1 of 1 condition ({DEFAULT_RULE_TEXT})."
    )
    assert statement(rule, 0, 2, 5, False) == (
        "No meaningful progress overall: 0 of 2 conditions met the rule "
        f"({DEFAULT_RULE_TEXT}). 3 of 5 conditions could not be compared."
    )


def test_self_comparison_with_a_tiny_minimum_shows_no_progress() -> None:
    fw = framework(rule={"min_score_delta": 1e-12, "min_newly_met": 1})
    report = run(fw, AFTER, AFTER)
    assert report.qualifying == () and not report.meaningful


# --------------------------------------------------------------------------- property


@st.composite
def plans_and_ratings(draw: st.DrawFn) -> tuple[Framework, dict[str, str | None]]:
    n_fields = draw(st.integers(1, 5))
    tree = {
        f"C{c}": {
            f"C{c}F{f}": [
                (f"C{c}F{f}S{s}", draw(st.sampled_from([f"t{i}" for i in range(11)])))
                for s in range(draw(st.integers(1, 4)))
            ]
            for f in range(n_fields)
        }
        for c in range(draw(st.integers(1, 3)))
    }
    rule = {
        "judged_at": draw(st.sampled_from(["field", "condition"])),
        "combine": draw(st.sampled_from(["any", "all"])),
        "min_score_delta": draw(st.floats(0, 1, exclude_min=True)),
        "min_newly_met": draw(st.integers(1, 5)),
        "overall_share": draw(st.floats(0, 1, exclude_min=True)),
    }
    fw = framework(tree, rule)
    labels = [None, NOT_APPLICABLE, *(f"t{i}" for i in range(11))]
    ratings = {s.code: draw(st.sampled_from(labels)) for s in fw.standards()}
    return fw, ratings


@PROPS
@given(plans_and_ratings())
def test_an_evaluation_compared_with_itself_shows_no_meaningful_progress(
    case: tuple[Framework, dict[str, str | None]],
) -> None:
    fw, ratings = case
    vec = encode(fw, ratings)
    report = compare(fw, vec, vec)
    assert not report.meaningful
    assert report.qualifying == ()
    for node in (report.plan, *report.conditions, *report.fields):
        assert node.newly_met == () and node.newly_unmet == ()
        assert node.meaningful in (None, False)
        assert node.delta in (None, 0.0)


def test_a_tiny_overall_share_still_needs_one_qualifying_node() -> None:
    fw = framework(rule={"overall_share": 1e-12})
    assert not run(fw, BEFORE, BEFORE).meaningful
    assert run(fw, BEFORE, AFTER).meaningful
