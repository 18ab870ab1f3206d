"""build_framework: a valid document builds; every kind of problem is reported with its path."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from accord.engine.framework import (
    NOT_APPLICABLE,
    Framework,
    Path,
    Problem,
    ProgressRule,
    build_framework,
)

BASE: dict[str, Any] = {
    "code": "PLAN",
    "title": "Transition plan",
    "version": "2024.1",
    "parties": [{"code": "ROK", "name": "Republic of Korea"}, {"code": "US", "name": "US"}],
    "bodies": [{"code": "JCS", "name": "Joint Chiefs"}],
    "scales": [
        {
            "code": "five",
            "not_applicable": True,
            "levels": [
                {"label": "none", "value": 0},
                {"label": "partial", "value": 0.5},
                {"label": "full", "value": 1},
            ],
        },
        {"code": "yn", "levels": [{"label": "no", "value": 0}, {"label": "yes", "value": 1}]},
    ],
    "default_scale": "five",
    "conditions": [
        {
            "code": "C1",
            "title": "Capabilities",
            "weight": 2,
            "fields": [
                {
                    "code": "F1",
                    "title": "Command",
                    "standards": [
                        {"code": "S1", "title": "One", "threshold": "partial"},
                        {"code": "S2", "title": "Two", "scale": "yn", "threshold": "yes"},
                    ],
                },
                {
                    "code": "F2",
                    "title": "Intelligence",
                    "weight": 3,
                    "standards": [
                        {"code": "S3", "title": "Three", "threshold": "full", "weight": 0.5},
                    ],
                },
            ],
        },
        {
            "code": "C2",
            "title": "Environment",
            "fields": [
                {
                    "code": "F3",
                    "title": "Security",
                    "standards": [{"code": "S4", "title": "Four", "threshold": "partial"}],
                },
            ],
        },
    ],
    "stages": [
        {"code": "IOC", "name": "Initial", "requires": ["S1"], "target_date": "2026-06-30"},
        {"code": "FOC", "name": "Full", "requires": ["S1", "S2", "S4"]},
    ],
}


def doc() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def std(d: dict[str, Any], ci: int, fi: int, si: int) -> dict[str, Any]:
    standard: dict[str, Any] = d["conditions"][ci]["fields"][fi]["standards"][si]
    return standard


def problems(data: Any) -> list[Problem]:
    fw, found = build_framework(data)
    assert fw is None, "a document with problems must not build"
    assert found, "a broken document must report problems"
    return found


def pairs(data: Any) -> list[tuple[Path, str]]:
    return [(p.path, p.message) for p in problems(data)]


def only(data: Any) -> Problem:
    found = problems(data)
    assert len(found) == 1, found
    return found[0]


def built(data: Any) -> Framework:
    fw, found = build_framework(data)
    assert found == []
    assert fw is not None
    return fw


# --------------------------------------------------------------------------- valid documents


def test_base_document_builds_the_tree_in_document_order() -> None:
    fw = built(doc())
    assert [c.code for c in fw.conditions] == ["C1", "C2"]
    assert [f.code for f in fw.fields()] == ["F1", "F2", "F3"]
    assert [s.code for s in fw.standards()] == ["S1", "S2", "S3", "S4"]
    s1, s2, s3, _ = fw.standards()
    assert (s1.scale, s1.threshold, s1.condition, s1.field) == ("five", "partial", "C1", "F1")
    assert s2.scale == "yn"
    assert s3.weight == 0.5
    assert fw.conditions[0].weight == 2.0
    assert fw.conditions[0].fields[1].weight == 3.0
    assert [(s.code, s.requires) for s in fw.stages] == [
        ("IOC", ("S1",)),
        ("FOC", ("S1", "S2", "S4")),
    ]
    assert fw.stages[0].target_date == dt.date(2026, 6, 30)
    assert fw.scale("five").allows_na and not fw.scale("yn").allows_na
    assert fw.rollup == "weighted_mean"
    assert fw.progress_rule == ProgressRule()


def test_a_single_scale_is_the_default_without_default_scale() -> None:
    d = doc()
    del d["default_scale"]
    d["scales"] = d["scales"][:1]
    std(d, 0, 0, 1).pop("scale")
    std(d, 0, 0, 1)["threshold"] = "full"
    fw = built(d)
    assert {s.scale for s in fw.standards()} == {"five"}


def test_bilingual_titles_give_english_and_korean() -> None:
    d = doc()
    d["title"] = {"en": "Transition plan", "ko": "전환 계획"}
    d["conditions"][0]["title"] = {"en": " Capabilities ", "ko": "능력"}
    d["conditions"][0]["fields"][0]["title"] = {"en": "Command"}
    std(d, 0, 0, 0)["title"] = {"en": "One", "ko": "하나"}
    fw = built(d)
    assert (fw.title, fw.title_ko) == ("Transition plan", "전환 계획")
    c1 = fw.conditions[0]
    assert (c1.title, c1.title_ko) == ("Capabilities", "능력")
    assert (c1.fields[0].title, c1.fields[0].title_ko) == ("Command", "")
    s1 = next(fw.standards())
    assert (s1.title, s1.title_ko) == ("One", "하나")


@pytest.mark.parametrize("title", [{"ko": "능력"}, {"en": "  ", "ko": "능력"}, {"en": 3}])
def test_bilingual_title_without_english_is_a_problem(title: dict[str, Any]) -> None:
    d = doc()
    d["conditions"][1]["title"] = title
    p = only(d)
    assert (p.path, p.message) == (("conditions", 1, "title"), "'title' needs an 'en' text")


def test_missing_title_is_a_problem_at_the_node() -> None:
    d = doc()
    del d["conditions"][0]["fields"][1]["title"]
    p = only(d)
    assert (p.path, p.message) == (("conditions", 0, "fields", 1), "missing required key 'title'")


def test_rollup_and_progress_rule_are_read() -> None:
    d = doc()
    d["rollup"] = "weakest_link"
    d["progress_rule"] = {
        "judged_at": "condition",
        "min_score_delta": 0.1,
        "min_newly_met": 2,
        "combine": "all",
        "overall_share": 0.75,
    }
    fw = built(d)
    assert fw.rollup == "weakest_link"
    assert fw.progress_rule == ProgressRule("condition", 0.1, 2, "all", 0.75)


# --------------------------------------------------------------------------- the document itself


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "a framework document must be a mapping, not a list"),
        ("plan", "a framework document must be a mapping, not text"),
        (None, "a framework document must be a mapping, not nothing"),
        (3, "a framework document must be a mapping, not int"),
        ({}, "the framework document is empty"),
    ],
)
def test_non_mapping_or_empty_document(data: Any, message: str) -> None:
    assert pairs(data) == [((), message)]


def test_missing_top_level_keys_are_all_reported() -> None:
    d = doc()
    for key in ("code", "title", "version"):
        del d[key]
    assert pairs(d) == [
        ((), "missing required key 'code'"),
        ((), "missing required key 'title'"),
        ((), "missing required key 'version'"),
    ]


def test_code_with_spaces() -> None:
    d = doc()
    std(d, 0, 0, 0)["code"] = "S 1"
    d["stages"] = [{"code": "FOC", "requires": ["S2"]}]
    p = only(d)
    assert p.path == ("conditions", 0, "fields", 0, "standards", 0, "code")
    assert p.message == "code 'S 1' must not contain spaces"


def test_list_expected() -> None:
    d = doc()
    d["parties"] = {"ROK": "Korea"}
    assert pairs(d) == [
        (("parties",), "'parties' must be a list, not a mapping"),
        (("parties",), "a framework needs at least one party"),
    ]


# --------------------------------------------------------------------------- duplicate codes


def test_duplicate_standard_code_points_at_first_definition() -> None:
    d = doc()
    std(d, 0, 1, 0)["code"] = "S1"
    p = only(d)
    assert p.path == ("conditions", 0, "fields", 1, "standards", 0, "code")
    assert p.message == "duplicate node code 'S1'"
    assert p.related == ("conditions", 0, "fields", 0, "standards", 0)


def test_duplicate_field_code() -> None:
    d = doc()
    d["conditions"][1]["fields"][0]["code"] = "F1"
    p = only(d)
    assert p.path == ("conditions", 1, "fields", 0, "code")
    assert p.message == "duplicate node code 'F1'"
    assert p.related == ("conditions", 0, "fields", 0)


def test_duplicate_condition_code() -> None:
    d = doc()
    d["conditions"][1]["code"] = "C1"
    p = only(d)
    assert (p.path, p.message) == (("conditions", 1, "code"), "duplicate node code 'C1'")
    assert p.related == ("conditions", 0)


def test_codes_are_unique_across_node_kinds() -> None:
    d = doc()
    d["conditions"][1]["fields"][0]["code"] = "S1"  # a field named like a standard
    p = only(d)
    assert (p.path, p.message) == (
        ("conditions", 1, "fields", 0, "code"),
        "duplicate node code 'S1'",
    )
    assert p.related == ("conditions", 0, "fields", 0, "standards", 0)


def test_duplicate_scale_code() -> None:
    d = doc()
    d["scales"].append(
        {"code": "five", "levels": [{"label": "a", "value": 0}, {"label": "b", "value": 1}]}
    )
    p = only(d)
    assert (p.path, p.message, p.related) == (
        ("scales", 2, "code"),
        "duplicate scale code 'five'",
        ("scales", 0),
    )


def test_duplicate_scale_keeps_the_first_definition_for_checks() -> None:
    d = doc()
    d["scales"].append(
        {"code": "yn", "levels": [{"label": "a", "value": 0}, {"label": "b", "value": 1}]}
    )
    std(d, 0, 0, 1)["threshold"] = "b"  # only a level of the second, duplicate definition
    assert [p.path for p in problems(d)] == [
        ("scales", 2, "code"),
        ("conditions", 0, "fields", 0, "standards", 1, "threshold"),
    ]


def test_duplicate_party_code() -> None:
    d = doc()
    d["parties"][1]["code"] = "ROK"
    p = only(d)
    assert (p.path, p.message, p.related) == (
        ("parties", 1, "code"),
        "duplicate party code 'ROK'",
        ("parties", 0),
    )


def test_duplicate_stage_code() -> None:
    d = doc()
    d["stages"][1]["code"] = "IOC"
    p = only(d)
    assert (p.path, p.message, p.related) == (
        ("stages", 1, "code"),
        "duplicate stage code 'IOC'",
        ("stages", 0),
    )


def test_duplicate_body_code() -> None:
    d = doc()
    d["bodies"].append({"code": "JCS"})
    p = only(d)
    assert (p.path, p.message, p.related) == (
        ("bodies", 1, "code"),
        "duplicate body code 'JCS'",
        ("bodies", 0),
    )


def test_stage_and_node_codes_are_separate_namespaces() -> None:
    d = doc()
    d["stages"][0]["code"] = "C1"
    assert built(d).stages[0].code == "C1"


# --------------------------------------------------------------------------- scales and thresholds


def test_unknown_scale_on_a_standard() -> None:
    d = doc()
    std(d, 0, 0, 1)["scale"] = "tenpoint"
    p = only(d)
    assert p.path == ("conditions", 0, "fields", 0, "standards", 1, "scale")
    assert p.message == "unknown scale 'tenpoint'"


def test_unknown_default_scale_is_reported_with_every_standard_using_it() -> None:
    d = doc()
    d["default_scale"] = "nope"
    assert pairs(d) == [
        (("default_scale",), "unknown scale 'nope'"),
        (("conditions", 0, "fields", 0, "standards", 0, "scale"), "unknown scale 'nope'"),
        (("conditions", 0, "fields", 1, "standards", 0, "scale"), "unknown scale 'nope'"),
        (("conditions", 1, "fields", 0, "standards", 0, "scale"), "unknown scale 'nope'"),
    ]


def test_no_scale_and_no_default_scale() -> None:
    d = doc()
    del d["default_scale"]
    for ci, fi, si in ((0, 1, 0), (1, 0, 0)):
        std(d, ci, fi, si)["scale"] = "five"
    p = only(d)
    assert p.path == ("conditions", 0, "fields", 0, "standards", 0)
    assert p.message == "standard 'S1' names no scale and the framework has no 'default_scale'"


def test_threshold_not_on_its_scale() -> None:
    d = doc()
    std(d, 0, 0, 0)["threshold"] = "yes"
    p = only(d)
    assert p.path == ("conditions", 0, "fields", 0, "standards", 0, "threshold")
    assert (
        p.message == "threshold 'yes' is not a level of scale 'five' (levels: none, partial, full)"
    )


def test_missing_threshold() -> None:
    d = doc()
    del std(d, 1, 0, 0)["threshold"]
    p = only(d)
    assert (p.path, p.message) == (
        ("conditions", 1, "fields", 0, "standards", 0),
        "missing required key 'threshold'",
    )


def test_na_threshold_on_a_scale_allowing_na() -> None:
    d = doc()
    std(d, 0, 0, 0)["threshold"] = NOT_APPLICABLE
    p = only(d)
    assert p.path == ("conditions", 0, "fields", 0, "standards", 0, "threshold")
    assert p.message == "the threshold must be a level, not N/A"


def test_na_threshold_on_a_scale_without_na() -> None:
    d = doc()
    std(d, 0, 0, 1)["threshold"] = NOT_APPLICABLE
    p = only(d)
    assert p.path == ("conditions", 0, "fields", 0, "standards", 1, "threshold")
    assert p.message == "threshold 'N/A' is not a level of scale 'yn' (levels: no, yes)"


def _extra_scale(d: dict[str, Any], levels: list[dict[str, Any]]) -> None:
    d["scales"].append({"code": "extra", "levels": levels})


@pytest.mark.parametrize(
    ("levels", "index", "message"),
    [
        (
            [{"label": "a", "value": 0}, {"label": "b", "value": 1.5}],
            1,
            "level value must be between 0 and 1, not 1.5",
        ),
        (
            [{"label": "a", "value": -0.25}, {"label": "b", "value": 1}],
            0,
            "level value must be between 0 and 1, not -0.25",
        ),
        (
            [
                {"label": "a", "value": 0},
                {"label": "b", "value": 0.5},
                {"label": "c", "value": 0.5},
            ],
            2,
            "levels must be listed lowest first with rising values: 0.5 does not exceed 0.5",
        ),
        (
            [{"label": "a", "value": 0.75}, {"label": "b", "value": 0.25}],
            1,
            "levels must be listed lowest first with rising values: 0.25 does not exceed 0.75",
        ),
    ],
)
def test_level_values(levels: list[dict[str, Any]], index: int, message: str) -> None:
    d = doc()
    _extra_scale(d, levels)
    p = only(d)
    assert (p.path, p.message) == (("scales", 2, "levels", index, "value"), message)


def test_level_value_must_be_a_number() -> None:
    d = doc()
    _extra_scale(d, [{"label": "a", "value": 0}, {"label": "b", "value": "high"}])
    assert pairs(d)[0] == (
        ("scales", 2, "levels", 1, "value"),
        "'value' must be a number, not text",
    )


def test_duplicate_level_label() -> None:
    d = doc()
    _extra_scale(
        d, [{"label": "a", "value": 0}, {"label": "b", "value": 0.5}, {"label": "a", "value": 1}]
    )
    p = only(d)
    assert (p.path, p.message) == (
        ("scales", 2, "levels", 2, "label"),
        "duplicate level 'a' in scale 'extra'",
    )


def test_reserved_na_label() -> None:
    d = doc()
    _extra_scale(d, [{"label": "a", "value": 0}, {"label": "N/A", "value": 1}])
    p = only(d)
    assert p.path == ("scales", 2, "levels", 1, "label")
    assert p.message == "'N/A' is reserved; set 'not_applicable: true' on the scale instead"


@pytest.mark.parametrize("levels", [[], [{"label": "only", "value": 1}]])
def test_fewer_than_two_levels(levels: list[dict[str, Any]]) -> None:
    d = doc()
    _extra_scale(d, levels)
    p = only(d)
    assert (p.path, p.message) == (("scales", 2), "scale 'extra' needs at least two levels")


def test_not_applicable_flag_must_be_boolean() -> None:
    d = doc()
    d["scales"][1]["not_applicable"] = "yes"
    p = only(d)
    assert (p.path, p.message) == (
        ("scales", 1, "not_applicable"),
        "'not_applicable' must be true or false",
    )


# --------------------------------------------------------------------------- tree shape


def test_empty_condition() -> None:
    d = doc()
    d["conditions"].append({"code": "C3", "title": "Empty", "fields": []})
    p = only(d)
    assert (p.path, p.message) == (
        ("conditions", 2),
        "condition 'C3' is empty: it needs at least one field",
    )


def test_empty_field() -> None:
    d = doc()
    d["conditions"][1]["fields"].append({"code": "F4", "title": "Empty"})
    p = only(d)
    assert (p.path, p.message) == (
        ("conditions", 1, "fields", 1),
        "field 'F4' is empty: it needs at least one standard",
    )


def test_no_conditions_no_scales_no_parties() -> None:
    d = doc()
    d["conditions"], d["scales"], d["parties"], d["stages"] = [], [], [], []
    del d["default_scale"]
    assert pairs(d) == [
        (("parties",), "a framework needs at least one party"),
        (("scales",), "a framework needs at least one scale"),
        (("conditions",), "a framework needs at least one condition"),
    ]


# --------------------------------------------------------------------------- stages


def test_stage_naming_an_unknown_standard() -> None:
    d = doc()
    d["stages"][1]["requires"] = ["S1", "S9", "S2"]
    p = only(d)
    assert (p.path, p.message) == (
        ("stages", 1, "requires", 1),
        "stage 'FOC' names unknown standard 'S9'",
    )


def test_stage_naming_a_field_instead_of_a_standard() -> None:
    d = doc()
    d["stages"][0]["requires"] = ["F1"]
    p = only(d)
    assert (p.path, p.message) == (
        ("stages", 0, "requires", 0),
        "stage 'IOC' names unknown standard 'F1'",
    )


def test_stage_naming_a_standard_twice() -> None:
    d = doc()
    d["stages"][1]["requires"] = ["S1", "S2", "S1"]
    p = only(d)
    assert (p.path, p.message) == (("stages", 1, "requires", 2), "stage 'FOC' names 'S1' twice")


def test_stage_requiring_nothing() -> None:
    d = doc()
    d["stages"][0]["requires"] = []
    p = only(d)
    assert (p.path, p.message) == (("stages", 0), "stage 'IOC' requires no standards")


def test_stage_target_date_must_be_a_date() -> None:
    d = doc()
    d["stages"][0]["target_date"] = "soon"
    p = only(d)
    assert (p.path, p.message) == (
        ("stages", 0, "target_date"),
        "'target_date' must be a date as YYYY-MM-DD, not 'soon'",
    )


def test_plan_target_date_problem_means_no_framework() -> None:
    d = doc()
    d["target_date"] = "2030-13-01"
    p = only(d)
    assert (p.path, p.message) == (
        ("target_date",),
        "'target_date' must be a date as YYYY-MM-DD, not '2030-13-01'",
    )


def test_plan_description_must_be_text() -> None:
    d = doc()
    d["description"] = ["not", "text"]
    p = only(d)
    assert (p.path, p.message) == (("description",), "'description' must be text, not a list")


# --------------------------------------------------------------------------- weights


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "weight must be a positive number, not 0"),
        (-2, "weight must be a positive number, not -2"),
        (float("inf"), "weight must be a positive number, not inf"),
        (float("nan"), "weight must be a positive number, not nan"),
        ("heavy", "'weight' must be a number, not text"),
        (True, "'weight' must be a number, not true/false"),
        ([1], "'weight' must be a number, not a list"),
    ],
)
@pytest.mark.parametrize(
    "where",
    [
        ("conditions", 1),
        ("conditions", 0, "fields", 1),
        ("conditions", 0, "fields", 0, "standards", 1),
    ],
    ids=["condition", "field", "standard"],
)
def test_bad_weights(where: Path, value: Any, message: str) -> None:
    d = doc()
    node: Any = d
    for part in where:
        node = node[part]
    node["weight"] = value
    p = only(d)
    assert (p.path, p.message) == ((*where, "weight"), message)


def test_fractional_weight_is_accepted() -> None:
    d = doc()
    d["conditions"][1]["weight"] = 0.01
    assert built(d).conditions[1].weight == 0.01


# --------------------------------------------------------------------------- roll-up and rule


@pytest.mark.parametrize("method", ["median", "", None, ["weighted_mean"]])
def test_bad_rollup_method(method: Any) -> None:
    d = doc()
    d["rollup"] = method
    p = only(d)
    assert (p.path, p.message) == (
        ("rollup",),
        f"unknown roll-up method {method!r}; use one of weighted_mean, weakest_link",
    )


RULE = ("progress_rule",)


@pytest.mark.parametrize(
    ("rule", "path", "message"),
    [
        (
            {"judged_at": "plan"},
            (*RULE, "judged_at"),
            "'judged_at' must be field or condition, not 'plan'",
        ),
        ({"combine": "either"}, (*RULE, "combine"), "'combine' must be any or all, not 'either'"),
        (
            {"min_score_delta": 1.5},
            (*RULE, "min_score_delta"),
            "'min_score_delta' must be between 0 and 1",
        ),
        (
            {"min_score_delta": -0.1},
            (*RULE, "min_score_delta"),
            "'min_score_delta' must be between 0 and 1",
        ),
        (
            {"min_score_delta": float("nan")},
            (*RULE, "min_score_delta"),
            "'min_score_delta' must be between 0 and 1",
        ),
        (
            {"min_score_delta": "big"},
            (*RULE, "min_score_delta"),
            "'min_score_delta' must be a number, not text",
        ),
        (
            {"min_newly_met": -1},
            (*RULE, "min_newly_met"),
            "'min_newly_met' must be a whole number >= 0",
        ),
        (
            {"min_newly_met": 1.5},
            (*RULE, "min_newly_met"),
            "'min_newly_met' must be a whole number >= 0",
        ),
        (
            {"min_newly_met": float("inf")},
            (*RULE, "min_newly_met"),
            "'min_newly_met' must be a whole number >= 0",
        ),
        (
            {"min_newly_met": float("nan")},
            (*RULE, "min_newly_met"),
            "'min_newly_met' must be a whole number >= 0",
        ),
        (
            {"min_score_delta": 0, "min_newly_met": 0},
            RULE,
            "the progress rule needs 'min_score_delta' > 0 or 'min_newly_met' > 0",
        ),
        (
            {"overall_share": 0},
            (*RULE, "overall_share"),
            "'overall_share' must be above 0 and at most 1",
        ),
        (
            {"overall_share": 1.01},
            (*RULE, "overall_share"),
            "'overall_share' must be above 0 and at most 1",
        ),
        (["field"], RULE, "'progress_rule' must be a mapping, not a list"),
    ],
)
def test_bad_progress_rule(rule: Any, path: Path, message: str) -> None:
    d = doc()
    d["progress_rule"] = rule
    p = only(d)
    assert (p.path, p.message) == (path, message)


@pytest.mark.parametrize(
    "rule",
    [
        {"min_score_delta": 0, "min_newly_met": 2},
        {"min_score_delta": 0.2, "min_newly_met": 0},
        {"overall_share": 1},
        {"min_score_delta": 1, "min_newly_met": 3.0},
    ],
)
def test_progress_rule_boundaries_are_accepted(rule: dict[str, Any]) -> None:
    d = doc()
    d["progress_rule"] = rule
    fw = built(d)
    for key, value in rule.items():
        assert getattr(fw.progress_rule, key) == value
    assert isinstance(fw.progress_rule.min_newly_met, int)


def test_illustrative_must_be_boolean() -> None:
    d = doc()
    d["illustrative"] = "yes"
    p = only(d)
    assert (p.path, p.message) == (("illustrative",), "'illustrative' must be true or false")


# --------------------------------------------------------------------------- all at once


def test_all_problems_are_reported_at_once() -> None:
    d = doc()
    d["rollup"] = "median"
    d["parties"][1]["code"] = "ROK"
    d["scales"][0]["levels"][1]["value"] = 2
    std(d, 0, 0, 1)["scale"] = "tenpoint"
    std(d, 0, 1, 0)["weight"] = 0
    std(d, 1, 0, 0)["code"] = "S3"
    d["conditions"][1]["fields"].append({"code": "F4", "title": "Empty", "standards": []})
    d["stages"][1]["requires"] = ["S1", "S1", "S9"]
    d["progress_rule"] = {"combine": "both"}
    assert pairs(d) == [
        (("rollup",), "unknown roll-up method 'median'; use one of weighted_mean, weakest_link"),
        (("parties", 1, "code"), "duplicate party code 'ROK'"),
        (("scales", 0, "levels", 1, "value"), "level value must be between 0 and 1, not 2"),
        (
            ("scales", 0, "levels", 2, "value"),
            "levels must be listed lowest first with rising values: 1 does not exceed 2",
        ),
        (("conditions", 0, "fields", 0, "standards", 1, "scale"), "unknown scale 'tenpoint'"),
        (
            ("conditions", 0, "fields", 1, "standards", 0, "weight"),
            "weight must be a positive number, not 0",
        ),
        (("conditions", 1, "fields", 0, "standards", 0, "code"), "duplicate node code 'S3'"),
        (("conditions", 1, "fields", 1), "field 'F4' is empty: it needs at least one standard"),
        (("stages", 1, "requires", 1), "stage 'FOC' names 'S1' twice"),
        (("stages", 1, "requires", 2), "stage 'FOC' names unknown standard 'S9'"),
        (("progress_rule", "combine"), "'combine' must be any or all, not 'both'"),
    ]
