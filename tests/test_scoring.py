"""Scoring: encode/decode, roll-ups, counts, stage readiness, gaps; properties on random plans."""

from __future__ import annotations

import copy
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.engine.framework import NOT_APPLICABLE, Framework, build_framework
from accord.engine.scoring import (
    NA,
    UNRATED,
    Blocker,
    Counts,
    RatingVector,
    Rollup,
    decode,
    encode,
    gaps,
    rollup,
    stage_readiness,
)
from accord.engine.summary import summarize

PROPS = settings(max_examples=60, deadline=None)

LVL = ["L0", "L1", "L2", "L3", "L4"]  # values 0, 0.25, 0.5, 0.75, 1 (exact in binary)

SCALES = [
    {
        "code": "lvl",
        "not_applicable": True,
        "levels": [{"label": lb, "value": i / 4} for i, lb in enumerate(LVL)],
    },
    {"code": "yn", "levels": [{"label": "no", "value": 0}, {"label": "yes", "value": 1}]},
]

# (code, scale, threshold, weight) per standard; {condition: (weight, {field: (weight, stds)})}
Spec = dict[str, tuple[float, dict[str, tuple[float, list[tuple[str, str, str, float]]]]]]

SPEC: Spec = {
    "C1": (
        2,
        {
            "F1": (1, [("S1", "lvl", "L3", 1), ("S2", "lvl", "L2", 3), ("S3", "yn", "yes", 1)]),
            "F2": (3, [("S4", "lvl", "L4", 1), ("S5", "lvl", "L2", 1)]),
        },
    ),
    "C2": (
        1,
        {
            "F3": (1, [("S6", "lvl", "L2", 1), ("S7", "yn", "yes", 1)]),
        },
    ),
}

STAGES = {"ST1": ["S1", "S4"], "ST2": ["S2", "S6", "S7"], "ST3": ["S2", "S3"], "ST4": ["S2", "S5"]}

RATINGS: dict[str, str | None] = {
    "S1": "L2",
    "S2": "L4",
    "S3": "yes",
    "S4": "L1",
    "S5": NOT_APPLICABLE,
    "S7": "no",
}  # S6 not rated


def document(
    spec: Spec, stages: dict[str, list[str]], rollup_method: str = "weighted_mean", **extra: Any
) -> dict[str, Any]:
    return {
        "code": "PLAN",
        "title": "Plan",
        "version": "1",
        "rollup": rollup_method,
        "parties": [{"code": "A"}, {"code": "B"}],
        "scales": copy.deepcopy(SCALES),
        "conditions": [
            {
                "code": c,
                "title": f"Condition {c}",
                "weight": cw,
                "fields": [
                    {
                        "code": f,
                        "title": f"Field {f}",
                        "weight": fwt,
                        "standards": [
                            {
                                "code": s,
                                "title": f"Standard {s}",
                                "scale": sc,
                                "threshold": thr,
                                "weight": w,
                            }
                            for s, sc, thr, w in stds
                        ],
                    }
                    for f, (fwt, stds) in fields.items()
                ],
            }
            for c, (cw, fields) in spec.items()
        ],
        "stages": [{"code": code, "requires": req} for code, req in stages.items()],
        **extra,
    }


def build(doc: dict[str, Any]) -> Framework:
    fw, problems = build_framework(doc)
    assert fw is not None, problems
    return fw


@pytest.fixture(scope="module")
def fw() -> Framework:
    return build(document(SPEC, STAGES))


# --------------------------------------------------------------------------- encode / decode


def test_encode_levels_values_na_and_unrated(fw: Framework) -> None:
    vec = encode(fw, {**RATINGS, "S6": None})
    assert vec.level.tolist() == [2, 4, 1, 1, NA, UNRATED, 0]
    np.testing.assert_array_equal(vec.value, [0.5, 1.0, 1.0, 0.25, np.nan, np.nan, 0.0])
    assert vec.rated.tolist() == [True, True, True, True, False, False, True]


def test_decode_inverts_encode_leaving_out_unrated(fw: Framework) -> None:
    assert decode(fw, encode(fw, {**RATINGS, "S6": None})) == RATINGS
    assert decode(fw, encode(fw, {})) == {}


@pytest.mark.parametrize(
    ("ratings", "message"),
    [
        ({"S1": "L2", "S99": "L1"}, "unknown standard 'S99'"),
        ({"F1": "L1"}, "unknown standard 'F1'"),
        ({"S1": "yes"}, "S1: 'yes' is not a level of scale 'lvl'"),
        ({"S3": "L4"}, "S3: 'L4' is not a level of scale 'yn'"),
        ({"S3": NOT_APPLICABLE}, "S3: scale 'yn' does not allow N/A"),
        ({"S1": "l2"}, "S1: 'l2' is not a level of scale 'lvl'"),
    ],
)
def test_encode_rejects_bad_ratings(fw: Framework, ratings: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as err:
        encode(fw, ratings)
    assert str(err.value) == message


def test_encode_reports_the_first_bad_rating_in_mapping_order(fw: Framework) -> None:
    with pytest.raises(ValueError, match=r"^S3: scale 'yn' does not allow N/A$"):
        encode(fw, {"S1": "L1", "S3": NOT_APPLICABLE, "S99": "L1"})
    with pytest.raises(ValueError, match=r"^unknown standard 'S99'$"):
        encode(fw, {"S1": "L1", "S99": "L1", "S3": NOT_APPLICABLE})


# --------------------------------------------------------------------------- roll-up by hand

# F1 = (1*0.5 + 3*1.0 + 1*1.0) / 5 = 0.9; F2 = 0.25 (S5 N/A is out); F3 = 0.0 (S6 unrated)
# C1 = (1*0.9 + 3*0.25) / 4 = 0.4125;  C2 = 0.0;  plan = (2*0.4125 + 1*0.0) / 3 = 0.275
WEIGHTED = {"F1": 0.9, "F2": 0.25, "F3": 0.0, "C1": 0.4125, "C2": 0.0, "PLAN": 0.275}
WEAKEST = {"F1": 0.5, "F2": 0.25, "F3": 0.0, "C1": 0.25, "C2": 0.0, "PLAN": 0.0}


def scores(r: Rollup) -> dict[str, float | None]:
    return {n.code: n.score for n in (r.plan, *r.conditions, *r.fields)}


def test_weighted_mean_by_hand(fw: Framework) -> None:
    r = rollup(fw, encode(fw, RATINGS))
    assert r.method == "weighted_mean"
    assert scores(r) == pytest.approx(WEIGHTED, abs=1e-12)


def test_weakest_link_by_hand() -> None:
    fw = build(document(SPEC, STAGES, "weakest_link"))
    r = rollup(fw, encode(fw, RATINGS))
    assert r.method == "weakest_link"
    assert scores(r) == pytest.approx(WEAKEST, abs=1e-12)


def test_weights_matter_in_weighted_mean() -> None:
    spec = copy.deepcopy(SPEC)
    spec["C1"] = (1, spec["C1"][1])  # C1 weight 2 -> 1: plan = (0.4125 + 0) / 2
    fw = build(document(spec, STAGES))
    assert rollup(fw, encode(fw, RATINGS)).plan.score == pytest.approx(0.20625, abs=1e-12)


def test_counts_met_not_met_not_rated_na(fw: Framework) -> None:
    r = rollup(fw, encode(fw, RATINGS))
    counts = {n.code: n.counts for n in (r.plan, *r.conditions, *r.fields)}
    assert counts == {
        "F1": Counts(met=2, not_met=1, not_rated=0, not_applicable=0),
        "F2": Counts(met=0, not_met=1, not_rated=0, not_applicable=1),
        "F3": Counts(met=0, not_met=1, not_rated=1, not_applicable=0),
        "C1": Counts(met=2, not_met=2, not_rated=0, not_applicable=1),
        "C2": Counts(met=0, not_met=1, not_rated=1, not_applicable=0),
        "PLAN": Counts(met=2, not_met=3, not_rated=1, not_applicable=1),
    }
    assert r.plan.counts.total == 7
    assert r.plan.counts.applicable == 6
    assert r.plan.counts.share_met == pytest.approx(2 / 6)
    assert r.unrated == ("S6",)
    assert r.node("F2").counts.share_met == 0.0
    assert [n.parent for n in r.fields] == ["C1", "C1", "C2"]


def test_na_is_out_of_every_denominator(fw: Framework) -> None:
    with_na = rollup(fw, encode(fw, {"S4": "L1", "S5": NOT_APPLICABLE}))
    without = rollup(fw, encode(fw, {"S4": "L1"}))
    assert with_na.node("F2").score == 0.25 == without.node("F2").score
    assert with_na.node("F2").counts.share_met == 0.0  # 0 of 1 applicable
    # a field that is entirely N/A has no score and does not pull its condition down
    only_na = rollup(
        fw,
        encode(
            fw, {"S4": NOT_APPLICABLE, "S5": NOT_APPLICABLE, "S1": "L4", "S2": "L4", "S3": "yes"}
        ),
    )
    assert only_na.node("F2").score is None
    assert only_na.node("F2").counts.share_met is None
    assert only_na.node("C1").score == 1.0


def test_unrated_standards_are_never_counted_as_zero() -> None:
    spec: Spec = {"C": (1, {"F": (1, [("A", "lvl", "L2", 1), ("B", "lvl", "L2", 1)])})}
    fw = build(document(spec, {}))
    r = rollup(fw, encode(fw, {"A": "L4"}))
    assert r.node("F").score == 1.0
    assert r.node("C").score == 1.0
    assert r.plan.score == 1.0
    assert r.unrated == ("B",)
    assert r.node("F").counts == Counts(met=1, not_met=0, not_rated=1, not_applicable=0)


def test_nothing_rated_gives_no_score(fw: Framework) -> None:
    r = rollup(fw, encode(fw, {}))
    assert all(score is None for score in scores(r).values())
    assert r.unrated == ("S1", "S2", "S3", "S4", "S5", "S6", "S7")


def test_unrated_field_does_not_pull_its_condition_down(fw: Framework) -> None:
    r = rollup(fw, encode(fw, {"S1": "L4", "S2": "L4", "S3": "yes"}))
    assert r.node("F2").score is None
    assert r.node("C1").score == 1.0
    assert r.node("C2").score is None
    assert r.plan.score == 1.0


# --------------------------------------------------------------------------- stage readiness


def test_stage_readiness(fw: Framework) -> None:
    st1, st2, st3, st4 = stage_readiness(fw, encode(fw, RATINGS))
    # ST1: both below threshold
    assert (st1.code, st1.required, st1.met, st1.not_applicable) == ("ST1", 2, 0, 0)
    assert st1.blocking == (
        Blocker("S1", "below threshold", "L2", "L3"),
        Blocker("S4", "below threshold", "L1", "L4"),
    )
    assert not st1.ready and st1.share_met == 0.0
    # ST2: one met, one not rated, one below
    assert st2.blocking == (
        Blocker("S6", "not rated", None, "L2"),
        Blocker("S7", "below threshold", "no", "yes"),
    )
    assert (st2.met, st2.share_met, st2.ready) == (1, pytest.approx(1 / 3), False)
    # ST3: everything met
    assert st3.ready and st3.blocking == () and st3.share_met == 1.0
    # ST4: an N/A required standard neither blocks nor counts
    assert (st4.required, st4.met, st4.not_applicable) == (2, 1, 1)
    assert st4.ready and st4.share_met == 1.0


def test_stage_blocked_by_not_rated_alone(fw: Framework) -> None:
    (st1, *_) = stage_readiness(fw, encode(fw, {"S1": "L4"}))
    assert st1.blocking == (Blocker("S4", "not rated", None, "L4"),)
    assert st1.met == 1 and st1.share_met == 0.5 and not st1.ready


def test_stage_of_only_na_standards_is_ready_with_no_share() -> None:
    spec: Spec = {"C": (1, {"F": (1, [("A", "lvl", "L2", 1), ("B", "lvl", "L2", 1)])})}
    fw = build(document(spec, {"S": ["A", "B"]}))
    (stage,) = stage_readiness(fw, encode(fw, {"A": NOT_APPLICABLE, "B": NOT_APPLICABLE}))
    assert stage.ready and stage.share_met is None and stage.not_applicable == 2


def test_threshold_is_inclusive(fw: Framework) -> None:
    (st1, *_) = stage_readiness(fw, encode(fw, {"S1": "L3", "S4": "L4"}))
    assert st1.ready and st1.met == 2


# --------------------------------------------------------------------------- gaps


def test_gaps_for_the_hand_example(fw: Framework) -> None:
    found = gaps(fw, encode(fw, RATINGS))
    assert [g.code for g in found] == ["S4", "S1", "S7"]
    s4, s1, s7 = found
    assert (s4.level, s4.threshold, s4.levels_short, s4.distance, s4.blocks) == (
        "L1",
        "L4",
        3,
        0.75,
        ("ST1",),
    )
    assert (s4.condition, s4.field, s4.title) == ("C1", "F2", "Standard S4")
    assert (s1.levels_short, s1.distance, s1.blocks) == (1, 0.25, ("ST1",))
    assert (s7.level, s7.threshold, s7.levels_short, s7.distance, s7.blocks) == (
        "no",
        "yes",
        1,
        1.0,
        ("ST2",),
    )


def test_unrated_and_na_are_not_gaps(fw: Framework) -> None:
    assert gaps(fw, encode(fw, {"S5": NOT_APPLICABLE})) == ()
    assert gaps(fw, encode(fw, {})) == ()


def _gap_order(
    stds: list[tuple[str, str, str, float]],
    stages: dict[str, list[str]],
    ratings: dict[str, str | None],
) -> list[str]:
    fw = build(document({"CX": (1, {"FX": (1, stds)})}, stages))
    return [g.code for g in gaps(fw, encode(fw, ratings))]


def test_gaps_earliest_stage_blocked_first() -> None:
    stds = [("A", "lvl", "L4", 1), ("B", "lvl", "L1", 1), ("C", "lvl", "L4", 9)]
    # A: far below, blocks only the later stage; B: just below, blocks the first stage;
    # C: far below and heavy, but blocks no stage at all
    order = _gap_order(stds, {"S1": ["B"], "S2": ["A"]}, {"A": "L0", "B": "L0", "C": "L0"})
    assert order == ["B", "A", "C"]


def test_gaps_then_number_of_stages_blocked() -> None:
    stds = [("A", "lvl", "L4", 1), ("B", "lvl", "L1", 1)]
    order = _gap_order(stds, {"S1": ["A", "B"], "S2": ["B"]}, {"A": "L0", "B": "L0"})
    assert order == ["B", "A"]


def test_gaps_then_distance_to_threshold() -> None:
    stds = [("A", "lvl", "L2", 1), ("B", "lvl", "L4", 1)]
    order = _gap_order(stds, {"S1": ["A", "B"]}, {"A": "L0", "B": "L1"})  # 0.5 vs 0.75
    assert order == ["B", "A"]


def test_gaps_then_weight() -> None:
    stds = [("A", "lvl", "L2", 1), ("B", "lvl", "L2", 2), ("C", "lvl", "L2", 1)]
    order = _gap_order(stds, {"S1": ["A", "B", "C"]}, {"A": "L1", "B": "L1", "C": "L1"})
    assert order == ["B", "A", "C"]  # equal otherwise: heavier first, then document order


def test_gaps_without_stages() -> None:
    stds = [("A", "lvl", "L2", 1), ("B", "lvl", "L4", 1)]
    fw = build(document({"C": (1, {"F": (1, stds)})}, {}))
    found = gaps(fw, encode(fw, {"A": "L1", "B": "L1"}))
    assert [(g.code, g.blocks) for g in found] == [("B", ()), ("A", ())]
    assert stage_readiness(fw, encode(fw, {"A": "L1"})) == ()


# --------------------------------------------------------------------------- random frameworks


@st.composite
def framework_docs(draw: st.DrawFn) -> dict[str, Any]:
    """Random valid framework documents (scales, tree, weights, thresholds, stages)."""
    scales = []
    for i in range(draw(st.integers(1, 3))):
        k = draw(st.integers(2, 6))
        values = sorted(draw(st.lists(st.floats(0, 1), min_size=k, max_size=k, unique=True)))
        if draw(st.booleans()):
            values[-1] = 1.0 if values[-2] < 1.0 else values[-1]
        scales.append(
            {
                "code": f"sc{i}",
                "not_applicable": draw(st.booleans()),
                "levels": [{"label": f"v{j}", "value": v} for j, v in enumerate(values)],
            }
        )
    weights = st.floats(0.1, 5, exclude_min=True)
    conditions, codes = [], []
    for ci in range(draw(st.integers(1, 4))):
        fields = []
        for fi in range(draw(st.integers(1, 4))):
            standards = []
            for si in range(draw(st.integers(1, 6))):
                scale = draw(st.sampled_from(scales))
                code = f"C{ci}F{fi}S{si}"
                codes.append(code)
                standards.append(
                    {
                        "code": code,
                        "title": code,
                        "scale": scale["code"],
                        "threshold": draw(st.sampled_from([lv["label"] for lv in scale["levels"]])),
                        "weight": draw(weights),
                    }
                )
            fields.append(
                {
                    "code": f"C{ci}F{fi}",
                    "title": "f",
                    "weight": draw(weights),
                    "standards": standards,
                }
            )
        conditions.append(
            {"code": f"C{ci}", "title": "c", "weight": draw(weights), "fields": fields}
        )
    stages = [
        {
            "code": f"ST{i}",
            "requires": draw(st.lists(st.sampled_from(codes), min_size=1, unique=True)),
        }
        for i in range(draw(st.integers(0, 3)))
    ]
    return {
        "code": "P",
        "title": "Random plan",
        "version": "1",
        "parties": [{"code": "A"}],
        "rollup": draw(st.sampled_from(["weighted_mean", "weakest_link"])),
        "scales": scales,
        "conditions": conditions,
        "stages": stages,
    }


def random_ratings(draw: st.DrawFn, fw: Framework) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for s in fw.standards():
        scale = fw.scale(s.scale)
        options: list[str | None] = [None, *(lv.label for lv in scale.levels)]
        if scale.allows_na:
            options.append(NOT_APPLICABLE)
        choice = draw(st.sampled_from(options))
        if choice is not None or draw(st.booleans()):  # unrated: missing or explicit None
            out[s.code] = choice
    return out


@st.composite
def rated_frameworks(draw: st.DrawFn) -> tuple[Framework, dict[str, str | None]]:
    fw = build(draw(framework_docs()))
    return fw, random_ratings(draw, fw)


def with_rollup(fw: Framework, method: str) -> Framework:
    import dataclasses

    return dataclasses.replace(fw, rollup=method)  # type: ignore[arg-type]


def all_scores(fw: Framework, vec: RatingVector) -> list[float | None]:
    return list(scores(rollup(fw, vec)).values())


@PROPS
@given(rated_frameworks(), st.data())
def test_raising_one_rating_never_lowers_a_weighted_mean(
    case: tuple[Framework, dict[str, str | None]], data: st.DataObject
) -> None:
    fw, ratings = case
    fw = with_rollup(fw, "weighted_mean")
    raisable = [
        code
        for code, label in ratings.items()
        if label not in (None, NOT_APPLICABLE)
        and label != fw.scale(fw.standards_by_code[code].scale).levels[-1].label
    ]
    if not raisable:
        return
    code = data.draw(st.sampled_from(raisable))
    levels = [lv.label for lv in fw.scale(fw.standards_by_code[code].scale).levels]
    higher = data.draw(st.sampled_from(levels[levels.index(str(ratings[code])) + 1 :]))
    before = rollup(fw, encode(fw, ratings))
    after = rollup(fw, encode(fw, {**ratings, code: higher}))
    std = fw.standards_by_code[code]
    for node in (before.plan, before.node(std.condition), before.node(std.field)):
        new = after.plan if node.kind == "plan" else after.node(node.code)
        assert node.score is not None and new.score is not None
        assert new.score >= node.score, (node.kind, node.code)
    # every other node is untouched
    for old_node, new_node in zip(before.fields, after.fields, strict=True):
        if old_node.code != std.field:
            assert new_node == old_node


@PROPS
@given(rated_frameworks())
def test_weakest_link_never_exceeds_weighted_mean(
    case: tuple[Framework, dict[str, str | None]],
) -> None:
    fw, ratings = case
    vec = encode(fw, ratings)
    mean = all_scores(with_rollup(fw, "weighted_mean"), vec)
    weakest = all_scores(with_rollup(fw, "weakest_link"), vec)
    for m, w in zip(mean, weakest, strict=True):
        assert (m is None) == (w is None)
        if m is not None and w is not None:
            assert w <= m + 1e-12


@PROPS
@given(rated_frameworks(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_the_ratings(
    case: tuple[Framework, dict[str, str | None]], rnd: random.Random
) -> None:
    fw, ratings = case
    items = list(ratings.items())
    rnd.shuffle(items)
    a, b = encode(fw, ratings), encode(fw, dict(items))
    np.testing.assert_array_equal(a.level, b.level)
    assert summarize(fw, a, previous=b) == summarize(fw, b, previous=a)


@PROPS
@given(framework_docs())
def test_top_ratings_everywhere_score_one_and_ready_every_stage(doc: dict[str, Any]) -> None:
    fw = build(doc)
    vec = encode(fw, {s.code: fw.scale(s.scale).levels[-1].label for s in fw.standards()})
    r = rollup(fw, vec)
    tops = {fw.scale(s.scale).levels[-1].value for s in fw.standards()}
    if tops == {1.0}:
        assert all(score == pytest.approx(1.0, abs=1e-12) for score in scores(r).values())
    else:
        assert all(score is not None and score <= 1.0 for score in scores(r).values())
    assert r.plan.counts == Counts(len(vec.level), 0, 0, 0)
    assert all(stage.ready and stage.share_met == 1.0 for stage in stage_readiness(fw, vec))
    assert gaps(fw, vec) == ()


@PROPS
@given(rated_frameworks())
def test_scores_within_unit_interval_and_counts_add_up(
    case: tuple[Framework, dict[str, str | None]],
) -> None:
    fw, ratings = case
    vec = encode(fw, ratings)
    r = rollup(fw, vec)
    for score in scores(r).values():
        assert score is None or 0.0 <= score <= 1.0
    n = len(list(fw.standards()))
    assert r.plan.counts.total == n
    assert sum(f.counts.total for f in r.fields) == n
    for f, node in zip(fw.fields(), r.fields, strict=True):
        assert node.counts.total == len(f.standards)
    for c, node in zip(fw.conditions, r.conditions, strict=True):
        assert node.counts == Counts(
            *(
                sum(getattr(r.node(f.code).counts, k) for f in c.fields)
                for k in ("met", "not_met", "not_rated", "not_applicable")
            )
        )
    labels = list(ratings.values())
    assert r.plan.counts.not_applicable == labels.count(NOT_APPLICABLE)
    assert r.plan.counts.not_rated == n - len(ratings) + labels.count(None)
    assert len(r.unrated) == r.plan.counts.not_rated
    # every below-threshold rated standard is exactly one gap; stages agree with the counts
    assert len(gaps(fw, vec)) == r.plan.counts.not_met
    for stage, ready in zip(fw.stages, stage_readiness(fw, vec), strict=True):
        assert ready.required == len(stage.requires)
        assert ready.met + ready.not_applicable + len(ready.blocking) == ready.required


@PROPS
@given(rated_frameworks())
def test_decode_round_trips(case: tuple[Framework, dict[str, str | None]]) -> None:
    fw, ratings = case
    assert decode(fw, encode(fw, ratings)) == {k: v for k, v in ratings.items() if v is not None}
