"""Agreement between two parties: exact and within-one rates, linearly weighted kappa."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.engine.agreement import agreement
from accord.engine.framework import NOT_APPLICABLE, Framework, build_framework
from accord.engine.scoring import encode
from accord.engine.summary import summarize

PROPS = settings(max_examples=60, deadline=None)

THREE = ["low", "mid", "high"]

# Ten items on a three-level scale (levels 0, 1, 2), as in a textbook weighted-kappa exercise.
A3 = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2]
B3 = [0, 0, 1, 1, 1, 2, 2, 2, 2, 0]
# Four items on a yes/no scale.
A2 = [1, 1, 0, 0]
B2 = [1, 0, 0, 0]


def disagreements(pairs: list[tuple[int, int, int]]) -> tuple[Fraction, Fraction]:
    """Observed and chance-expected weighted disagreement, from the definition, exactly.

    `pairs` holds (k, level a, level b).  Observed: the summed weights |a - b| / (k - 1) of the
    pairs as rated; expected: the mean weight over every pairing of an a-rating with a b-rating
    of the same scale (that is, from the scale's marginals) times the scale's count.  Both are
    summed over scales.
    """
    observed = Fraction(0)
    expected = Fraction(0)
    for k in sorted({k for k, _, _ in pairs}):
        same = [(a, b) for kk, a, b in pairs if kk == k]
        n = len(same)
        observed += sum(Fraction(abs(a - b), k - 1) for a, b in same)
        expected += sum(Fraction(abs(a - b), k - 1) for a, _ in same for _, b in same) / n
    return observed, expected


def kappa_by_pairs(pairs: list[tuple[int, int, int]]) -> Fraction:
    observed, expected = disagreements(pairs)
    return 1 - observed / expected


def plan(n3: int, n2: int, extra: int = 0) -> Framework:
    """Condition C3 holds n3 standards on the three-level scale, C2 n2 yes/no standards; `extra`
    more three-level standards go in C3 (for N/A and unrated cases)."""
    doc: dict[str, Any] = {
        "code": "P",
        "title": "Plan",
        "version": "1",
        "parties": [{"code": "ROK"}, {"code": "US"}],
        "scales": [
            {
                "code": "three",
                "not_applicable": True,
                "levels": [{"label": lb, "value": i / 2} for i, lb in enumerate(THREE)],
            },
            {"code": "yn", "levels": [{"label": "no", "value": 0}, {"label": "yes", "value": 1}]},
        ],
        "conditions": [
            {
                "code": "C3",
                "title": "Three",
                "fields": [
                    {
                        "code": "F3",
                        "title": "f",
                        "standards": [
                            {"code": f"T{i}", "title": "t", "scale": "three", "threshold": "mid"}
                            for i in range(n3 + extra)
                        ],
                    }
                ],
            },
        ],
    }
    if n2:
        doc["conditions"].append(
            {
                "code": "C2",
                "title": "Two",
                "fields": [
                    {
                        "code": "F2",
                        "title": "f",
                        "standards": [
                            {"code": f"Y{i}", "title": "y", "scale": "yn", "threshold": "yes"}
                            for i in range(n2)
                        ],
                    }
                ],
            },
        )
    fw, problems = build_framework(doc)
    assert fw is not None, problems
    return fw


def labels(levels3: list[int], levels2: list[int] = []) -> dict[str, str | None]:  # noqa: B006
    out: dict[str, str | None] = {f"T{i}": THREE[v] for i, v in enumerate(levels3)}
    out.update({f"Y{i}": ["no", "yes"][v] for i, v in enumerate(levels2)})
    return out


def stats(fw: Framework, a: dict[str, str | None], b: dict[str, str | None]) -> Any:
    return agreement(fw, ("ROK", "US"), encode(fw, a), encode(fw, b))


def test_textbook_weighted_kappa_on_one_scale() -> None:
    # Observed weighted disagreement: two half-steps and one full step = 2 (0.2 per item).
    # Marginals a = b = (3, 3, 4); expected = (2*3*3*0.5 + 2*3*4*1 + 2*3*4*0.5) / 10 = 4.5.
    # kappa = 1 - 2 / 4.5 = 5/9.
    assert kappa_by_pairs([(3, a, b) for a, b in zip(A3, B3, strict=True)]) == Fraction(5, 9)
    fw = plan(10, 0)
    overall = stats(fw, labels(A3), labels(B3)).overall
    assert overall.kappa == pytest.approx(5 / 9, abs=1e-12)
    assert overall.compared == 10
    assert overall.exact == pytest.approx(0.7)
    assert overall.within_one == pytest.approx(0.9)
    assert overall.divergent == ("T2", "T5", "T9")


def test_kappa_is_symmetric_in_the_two_parties() -> None:
    fw = plan(10, 4)
    ab = stats(fw, labels(A3, A2), labels(B3, B2))
    ba = stats(fw, labels(B3, B2), labels(A3, A2))
    assert ab.overall == ba.overall
    assert ab.conditions == ba.conditions


def test_kappa_pooled_across_two_scales() -> None:
    # yes/no: observed 1, marginals a=(2,2) b=(3,1), expected (2*1 + 2*3) / 4 = 2.
    # pooled: 1 - (2 + 1) / (4.5 + 2) = 7/13 -- neither the mean of 5/9 and 1/2 nor the kappa
    # of the levels thrown together on one scale.
    pairs = [(3, a, b) for a, b in zip(A3, B3, strict=True)]
    pairs += [(2, a, b) for a, b in zip(A2, B2, strict=True)]
    assert kappa_by_pairs(pairs) == Fraction(7, 13)
    fw = plan(10, 4)
    result = stats(fw, labels(A3, A2), labels(B3, B2))
    assert result.overall.kappa == pytest.approx(7 / 13, abs=1e-12)
    assert result.overall.compared == 14
    assert result.overall.exact == pytest.approx(10 / 14)
    assert result.overall.within_one == pytest.approx(13 / 14)
    assert result.overall.divergent == ("T2", "T5", "T9", "Y1")


def test_per_condition_stats() -> None:
    fw = plan(10, 4)
    result = stats(fw, labels(A3, A2), labels(B3, B2))
    assert result.parties == ("ROK", "US")
    assert set(result.conditions) == {"C3", "C2"}
    c3, c2 = result.conditions["C3"], result.conditions["C2"]
    assert c3.kappa == pytest.approx(5 / 9, abs=1e-12)
    assert c2.kappa == pytest.approx(0.5, abs=1e-12)
    assert (c3.compared, c2.compared) == (10, 4)
    assert c2.exact == pytest.approx(0.75) and c2.within_one == 1.0
    assert (c3.divergent, c2.divergent) == (("T2", "T5", "T9"), ("Y1",))


def test_na_and_unrated_are_excluded() -> None:
    fw = plan(10, 0, extra=4)
    a, b = labels(A3), labels(B3)
    a.update({"T10": NOT_APPLICABLE, "T11": "low", "T12": None, "T13": NOT_APPLICABLE})
    b.update({"T10": "high", "T11": NOT_APPLICABLE, "T13": NOT_APPLICABLE})  # T12: unrated, too
    overall = stats(fw, a, b).overall
    assert overall.compared == 10
    assert overall.kappa == pytest.approx(5 / 9, abs=1e-12)
    assert overall.exact == pytest.approx(0.7)
    assert overall.divergent == ("T2", "T5", "T9")


def test_nothing_to_compare() -> None:
    fw = plan(3, 2)
    result = stats(fw, {"T0": "low", "Y0": "yes"}, {"T1": "low", "Y1": "yes"})
    assert result.overall.compared == 0
    assert result.overall.kappa is None and result.overall.exact is None
    assert result.overall.within_one is None and result.overall.divergent == ()
    assert result.conditions["C2"].compared == 0


def test_complete_agreement_on_a_single_level_is_kappa_one() -> None:
    fw = plan(4, 0)
    same = labels([1, 1, 1, 1])
    overall = stats(fw, same, same).overall
    assert overall.kappa == 1.0 and overall.exact == 1.0 and overall.divergent == ()


def test_total_disagreement_is_negative_kappa() -> None:
    fw = plan(4, 0)
    overall = stats(fw, labels([0, 0, 2, 2]), labels([2, 2, 0, 0])).overall
    # observed 4 full steps; expected from marginals (2,0,2) both sides: (2*2*1*2)/4 = 2
    assert overall.kappa == pytest.approx(1 - 4 / 2)
    assert overall.exact == 0.0 and overall.within_one == 0.0


def test_summarize_compares_each_pair_of_parties_once_in_code_order() -> None:
    fw = plan(10, 4)
    vec = {
        p: encode(fw, r)
        for p, r in {"US": labels(B3, B2), "ROK": labels(A3, A2), "UN": labels(A3, A2)}.items()
    }
    summary = summarize(fw, vec["ROK"], parties=vec)
    assert [a.parties for a in summary.agreement] == [("ROK", "UN"), ("ROK", "US"), ("UN", "US")]
    assert summary.agreement[0].overall.kappa == 1.0
    assert summary.agreement[1].overall.kappa == pytest.approx(7 / 13, abs=1e-12)
    assert summarize(fw, vec["ROK"]).agreement == ()


# --------------------------------------------------------------------------- properties


@st.composite
def two_raters(draw: st.DrawFn) -> tuple[Framework, list[int], list[int], list[int], list[int]]:
    n3, n2 = draw(st.integers(1, 15)), draw(st.integers(0, 10))
    lv3 = st.integers(0, 2)
    lv2 = st.integers(0, 1)
    a3, b3 = (draw(st.lists(lv3, min_size=n3, max_size=n3)) for _ in range(2))
    a2, b2 = (draw(st.lists(lv2, min_size=n2, max_size=n2)) for _ in range(2))
    return plan(n3, n2), a3, b3, a2, b2


@PROPS
@given(two_raters())
def test_identical_ratings_give_kappa_one(
    case: tuple[Framework, list[int], list[int], list[int], list[int]],
) -> None:
    fw, a3, _, a2, _ = case
    result = stats(fw, labels(a3, a2), labels(a3, a2))
    assert result.overall.kappa == 1.0
    assert result.overall.exact == 1.0 and result.overall.divergent == ()
    for cond in result.conditions.values():
        assert cond.kappa in (None, 1.0)


@PROPS
@given(two_raters())
def test_kappa_matches_the_definition_and_is_symmetric(
    case: tuple[Framework, list[int], list[int], list[int], list[int]],
) -> None:
    fw, a3, b3, a2, b2 = case
    ab = stats(fw, labels(a3, a2), labels(b3, b2)).overall
    ba = stats(fw, labels(b3, b2), labels(a3, a2)).overall
    assert ab.kappa is not None and ba.kappa is not None
    assert ab.kappa == pytest.approx(ba.kappa, abs=1e-12)
    pairs = [(3, a, b) for a, b in zip(a3, b3, strict=True)]
    pairs += [(2, a, b) for a, b in zip(a2, b2, strict=True)]
    observed, expected = disagreements(pairs)
    if expected == 0:  # one and the same level everywhere: complete agreement
        assert observed == 0 and ab.kappa == 1.0
    else:
        assert ab.kappa == pytest.approx(float(1 - observed / expected), abs=1e-9)
    assert ab.kappa <= 1.0 + 1e-12
    assert ab.exact == ba.exact and ab.within_one == ba.within_one
    assert ab.divergent == ba.divergent
