"""The framework diff: added, removed and changed standards, stages, tree, scales, settings."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.engine.diff import Change, diff
from accord.engine.framework import Framework, build_framework
from accord.services.examples import example_text


def small() -> dict[str, Any]:
    return {
        "code": "x",
        "title": "X",
        "version": "1",
        "target_date": "2030-01-01",
        "parties": [{"code": "A"}, {"code": "B"}],
        "scales": [
            {
                "code": "s",
                "levels": [
                    {"label": "lo", "value": 0},
                    {"label": "mid", "value": 0.5},
                    {"label": "hi", "value": 1},
                ],
            }
        ],
        "conditions": [
            {
                "code": "C1",
                "title": "One",
                "fields": [
                    {
                        "code": "F1",
                        "title": "F one",
                        "standards": [
                            {"code": "S1", "title": "First", "threshold": "mid"},
                            {"code": "S2", "title": "Second", "threshold": "hi", "weight": 2},
                        ],
                    },
                    {
                        "code": "F2",
                        "title": "F two",
                        "standards": [{"code": "S3", "title": "Third", "threshold": "mid"}],
                    },
                ],
            }
        ],
        "stages": [
            {"code": "IOC", "requires": ["S1"], "target_date": "2025-01-01"},
            {"code": "FOC", "requires": ["S1", "S2"]},
        ],
    }


def build(data: dict[str, Any]) -> Framework:
    fw, problems = build_framework(data)
    assert fw is not None, problems
    return fw


def std(data: dict[str, Any], code: str) -> dict[str, Any]:
    for c in data["conditions"]:
        for f in c["fields"]:
            for s in f["standards"]:
                if s["code"] == code:
                    return s  # type: ignore[no-any-return]
    raise KeyError(code)


def test_identical_frameworks_have_no_differences() -> None:
    d = diff(build(small()), build(small()))
    assert d.empty and not d.added and not d.removed and not d.changed and not d.framework
    assert d.as_dict()["empty"] is True


def test_added_removed_and_changed_standards() -> None:
    new = small()
    new["version"] = "2"
    fields = new["conditions"][0]["fields"]
    fields[1]["standards"] = [{"code": "S4", "title": "Fourth", "threshold": "lo"}]  # S3 goes
    s1 = std(new, "S1")
    s1.update(title="First, reworded", threshold="hi", weight=3, guidance="Look at X.")
    std(new, "S2")["description"] = "Now described."
    d = diff(build(small()), build(new))
    assert (d.a, d.b) == ("1", "2")
    assert [(i.code, i.title, i.parent) for i in d.added] == [("S4", "Fourth", "F2")]
    assert [(i.code, i.parent) for i in d.removed] == [("S3", "F2")]
    assert [c.code for c in d.changed] == ["S1", "S2"]
    s1_changes = d.changed[0].changes
    assert s1_changes == (
        Change("title", "First", "First, reworded"),
        Change("guidance", "", "Look at X."),
        Change("threshold", "mid", "hi"),
        Change("weight", 1.0, 3.0),
    )
    assert d.changed[0].title == "First, reworded"
    assert d.changed[1].changes == (Change("description", "", "Now described."),)
    assert not d.fields.changed and not d.stages.changed  # S3 was in no stage


def test_a_standard_moved_to_another_field_and_its_stage_membership() -> None:
    new = small()
    fields = new["conditions"][0]["fields"]
    moved = fields[0]["standards"].pop(1)  # S2 from F1 ...
    fields[1]["standards"].append(moved)  # ... to F2
    new["stages"][0]["requires"] = ["S1", "S2"]  # IOC now needs S2 too
    new["stages"][1]["requires"] = ["S1", "S2", "S3"]  # FOC needs S3 as well
    new["stages"][1]["target_date"] = "2027-06-30"
    d = diff(build(small()), build(new))
    s2 = d.standards.changed_item("S2")
    assert s2 is not None
    assert s2.change("field") == Change("field", "F1", "F2")
    assert s2.change("stages") == Change("stages", ("FOC",), ("IOC", "FOC"))
    s3 = d.standards.changed_item("S3")
    assert s3 is not None and s3.changes == (Change("stages", (), ("FOC",)),)
    assert [c.code for c in d.stages.changed] == ["IOC", "FOC"]
    foc = d.stages.changed_item("FOC")
    assert foc is not None and foc.changes == (
        Change("requires", ("S1", "S2"), ("S1", "S2", "S3")),
        Change("target_date", None, "2027-06-30"),
    )


def test_a_field_moved_to_another_condition() -> None:
    new = small()
    f2 = new["conditions"][0]["fields"].pop()
    new["conditions"].append({"code": "C2", "title": "Two", "weight": 2, "fields": [f2]})
    d = diff(build(small()), build(new))
    assert [(i.code, i.title) for i in d.conditions.added] == [("C2", "Two")]
    f = d.fields.changed_item("F2")
    assert f is not None and f.changes == (Change("condition", "C1", "C2"),)
    s3 = d.standards.changed_item("S3")
    assert s3 is not None and s3.changes == (Change("condition", "C1", "C2"),)


def test_stages_added_removed_and_scales_levels() -> None:
    new = small()
    new["stages"] = [
        {"code": "FOC", "requires": ["S1", "S2"]},
        {"code": "FMC", "name": "Full mission", "requires": ["S1", "S2", "S3"]},
    ]
    new["scales"][0]["levels"] = [
        {"label": "lo", "value": 0},
        {"label": "mid", "value": 0.6, "description": "Halfway and a bit"},
        {"label": "hi", "value": 1},
    ]
    new["scales"][0]["not_applicable"] = True
    d = diff(build(small()), build(new))
    assert [i.code for i in d.stages.added] == ["FMC"]
    assert [i.code for i in d.stages.removed] == ["IOC"]
    scale = d.scales.changed_item("s")
    assert scale is not None and scale.changes == (
        Change("not_applicable", False, True),
        Change("level mid value", 0.5, 0.6),
        Change("level mid description", "", "Halfway and a bit"),
    )
    relabelled = small()
    relabelled["scales"][0]["levels"][2]["label"] = "high"
    std(relabelled, "S2")["threshold"] = "high"
    d = diff(build(small()), build(relabelled))
    scale = d.scales.changed_item("s")
    assert scale is not None
    assert scale.changes[0] == Change("levels", ("lo", "mid", "hi"), ("lo", "mid", "high"))
    s2 = d.standards.changed_item("S2")
    assert s2 is not None and s2.changes == (Change("threshold", "hi", "high"),)


def test_plan_level_settings() -> None:
    new = small()
    new.update(target_date="2031-06-30", rollup="weakest_link", title="X, revised")
    new["progress_rule"] = {"min_score_delta": 0.1}
    d = diff(build(small()), build(new))
    assert d.standards.empty and not d.empty
    assert d.framework == (
        Change("title", "X", "X, revised"),
        Change("target_date", "2030-01-01", "2031-06-30"),
        Change("rollup", "weighted_mean", "weakest_link"),
        Change("progress_rule.min_score_delta", 0.05, 0.1),
    )


def test_as_dict_is_json_ready() -> None:
    new = small()
    new["stages"][0]["requires"] = ["S1", "S2"]
    doc = diff(build(small()), build(new)).as_dict()
    (ioc,) = doc["stages"]["changed"]
    assert ioc["changes"] == [{"what": "requires", "before": ["S1"], "after": ["S1", "S2"]}]
    assert set(doc) == {
        "a",
        "b",
        "empty",
        "standards",
        "stages",
        "conditions",
        "fields",
        "scales",
        "framework",
    }


# --------------------------------------------------------------------------- OPCON


@pytest.fixture(scope="module")
def opcon_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(example_text("opcon", "framework.yaml"))
    return data


def test_opcon_against_a_modified_copy(opcon_data: dict[str, Any]) -> None:
    new = copy.deepcopy(opcon_data)
    new["version"] = "2019.1"
    new["target_date"] = "2031-12-31"
    c112 = std(new, "C1.1.2")
    c112["threshold"] = "Substantial"
    c112["weight"] = 3
    std(new, "C1.1.1")["title"]["en"] = "F-CFC headquarters organisation"
    # C3.1.1 leaves; a new standard joins field C1.4 and stage FOC
    for c in new["conditions"]:
        for f in c["fields"]:
            f["standards"] = [s for s in f["standards"] if s["code"] != "C3.1.1"]
            if f["code"] == "C1.4":
                f["standards"].append(
                    {"code": "C1.4.9", "title": "Space situational awareness", "threshold": "Full"}
                )
    foc = next(s for s in new["stages"] if s["code"] == "FOC")
    foc["requires"].append("C1.4.9")
    a, b = build(opcon_data), build(new)
    d = diff(a, b)
    assert (d.a, d.b) == ("2018.1", "2019.1")
    assert [(i.code, i.parent) for i in d.added] == [("C1.4.9", "C1.4")]
    assert [i.code for i in d.removed] == ["C3.1.1"]
    assert [c.code for c in d.changed] == ["C1.1.1", "C1.1.2"]
    assert d.changed[1].changes == (
        Change("threshold", "Full", "Substantial"),
        Change("weight", 2.0, 3.0),
    )
    assert d.changed[0].changes == (
        Change(
            "title",
            "F-CFC headquarters organisation and manning",
            "F-CFC headquarters organisation",
        ),
    )
    assert [c.code for c in d.stages.changed] == ["FOC"]
    assert d.framework == (Change("target_date", "2030-12-31", "2031-12-31"),)
    # the same pair the other way round mirrors it
    back = diff(b, a)
    assert [i.code for i in back.added] == ["C3.1.1"]
    assert [i.code for i in back.removed] == ["C1.4.9"]
    assert back.changed[1].changes == (
        Change("threshold", "Substantial", "Full"),
        Change("weight", 3.0, 2.0),
    )
    assert diff(a, b) == d  # deterministic


SCALARS = st.sampled_from(["title", "description", "guidance", "threshold", "weight"])


@settings(max_examples=60, deadline=None)
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(["S1", "S2", "S3"]), SCALARS, st.integers(0, 2)), max_size=6
    ),
    dropped=st.sets(st.sampled_from(["S1", "S2", "S3"]), max_size=2),
)
def test_diff_mirrors_when_reversed(edits: list[tuple[str, str, int]], dropped: set[str]) -> None:
    new = small()
    for code, what, k in edits:
        s = std(new, code)
        s[what] = {"weight": [1, 2, 5][k], "threshold": ["lo", "mid", "hi"][k]}.get(
            what, f"text {k}"
        )
    for f in new["conditions"][0]["fields"]:
        kept = [s for s in f["standards"] if s["code"] not in dropped]
        f["standards"] = kept or f["standards"]
    codes = {s["code"] for f in new["conditions"][0]["fields"] for s in f["standards"]}
    for stage in new["stages"]:
        stage["requires"] = [c for c in stage["requires"] if c in codes] or [sorted(codes)[0]]
    a, b = build(small()), build(new)
    forward, backward = diff(a, b), diff(b, a)
    assert forward.added == backward.removed and forward.removed == backward.added
    assert [c.code for c in forward.changed] == [c.code for c in backward.changed]
    for f, r in zip(forward.changed, backward.changed, strict=True):
        assert [(c.what, c.before, c.after) for c in f.changes] == [
            (c.what, c.after, c.before) for c in r.changes
        ]
    assert forward.empty == (a == b)
