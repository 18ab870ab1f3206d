"""The forecast engine: pooling, simulation, the figures it reports, and the back-test."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from accord.engine.forecast import (
    Prior,
    _tables,
    add_months,
    backtest,
    estimate,
    forecast,
    plan_weights,
    starting_levels,
    trend_forecast,
)
from accord.engine.framework import Framework, build_framework
from accord.engine.scoring import NA, UNRATED, RatingVector, encode, node_scores

LEVELS = ["L0", "L1", "L2", "L3"]


def framework(
    n_fields: int = 2, per_field: int = 3, threshold: str = "L2", stages: bool = True
) -> Framework:
    """Two conditions of `n_fields` fields, `per_field` standards each, on a four-level scale."""
    conditions = []
    codes = []
    for c in range(2):
        fields = []
        for f in range(n_fields):
            stds = []
            for s in range(per_field):
                code = f"S{c}{f}{s}"
                codes.append(code)
                stds.append({"code": code, "title": f"Standard {code}", "threshold": threshold})
            fields.append({"code": f"F{c}{f}", "title": f"Field {c}{f}", "standards": stds})
        conditions.append({"code": f"C{c}", "title": f"Condition {c}", "fields": fields})
    doc: dict[str, Any] = {
        "code": "T",
        "title": "Test plan",
        "version": "1",
        "target_date": "2030-12-31",
        "parties": [{"code": "A", "name": "A"}],
        "scales": [
            {
                "code": "four",
                "not_applicable": True,
                "levels": [{"label": lb, "value": i / 3} for i, lb in enumerate(LEVELS)],
            }
        ],
        "conditions": conditions,
    }
    if stages:
        doc["stages"] = [
            {"code": "EARLY", "name": "Early", "target_date": "2027-12-31", "requires": codes[:2]},
            {"code": "LATE", "name": "Late", "target_date": "2029-12-31", "requires": codes},
        ]
    fw, problems = build_framework(doc)
    assert fw is not None, problems
    return fw


def history_of(fw: Framework, rows: list[dict[str, str]], start: int = 2019) -> list[Any]:
    return [(dt.date(start + i, 10, 1), encode(fw, r)) for i, r in enumerate(rows)]


def rising(fw: Framework, years: int = 6) -> list[Any]:
    """Every standard climbs one level every two years, staggered, from L0."""
    codes = list(fw.index.codes)
    rows = [
        {c: LEVELS[min(3, (y + i % 2) // 2)] for i, c in enumerate(codes)} for y in range(years)
    ]
    return history_of(fw, rows)


TARGET = dt.date(2030, 12, 31)


def test_seeded_runs_repeat_and_probabilities_are_probabilities() -> None:
    fw = framework(threshold="L3")  # half the standards reach L3 by the latest evaluation
    hist = rising(fw)
    a = forecast(fw, hist, target_date=TARGET, paths=2_000, seed=7)
    b = forecast(fw, hist, target_date=TARGET, paths=2_000, seed=7)
    c = forecast(fw, hist, target_date=TARGET, paths=2_000, seed=8)
    assert a == b
    assert a != c
    assert 0.05 < a.plan.probability_by_target < 0.95  # type: ignore[operator]
    assert not a.plan.met_now and not a.stages[0].met_now  # S000 is at L2, S001 at L3
    assert a.enough_history and a.paths == 2_000 and a.seed == 7 and a.evaluations_used == 6
    nodes = (a.plan, *a.conditions, *a.stages)
    for p in [n.probability_by_target for n in nodes] + [
        s.probability_by_target for s in a.standards
    ]:
        assert p is not None and 0.0 <= p <= 1.0
    # a node needing more standards can never be likelier than one needing a subset
    early, late = a.stages
    assert late.probability_by_target <= early.probability_by_target  # type: ignore[operator]
    assert a.plan.probability_by_target <= min(c.probability_by_target for c in a.conditions)  # type: ignore[operator,type-var]
    # dates are the cadence's, one evaluation a year from the latest
    assert a.as_of == dt.date(2024, 10, 1)
    assert [f.date for f in a.fan[:3]] == [dt.date(2024 + i, 10, 1) for i in range(3)]
    assert a.horizon is not None and a.horizon >= dt.date(2034, 10, 1)
    for point in a.fan:
        assert list(point.quantiles) == sorted(point.quantiles)
        assert point.quantiles[0] >= 0 and point.quantiles[-1] <= 1


def test_a_framework_already_met_is_met_now() -> None:
    fw = framework()
    rows = [dict.fromkeys(fw.index.codes, "L3")] * 4
    fc = forecast(fw, history_of(fw, rows), target_date=TARGET, paths=500, seed=1)
    for node in (fc.plan, *fc.conditions, *fc.stages):
        assert node.probability_by_target == 1.0
        assert node.median == fc.as_of == dt.date(2022, 10, 1)
        assert node.p10 == node.median == fc.as_of
        assert node.met_now and node.met_since == dt.date(2019, 10, 1)
    assert all(s.probability_by_target == 1.0 for s in fc.standards)
    assert fc.fan[0].quantiles == (1.0,) * 5


def test_a_history_that_never_moves_gives_low_probabilities_for_unmet_standards() -> None:
    fw = framework()
    codes = list(fw.index.codes)
    rows = [{c: ("L3" if i < 3 else "L0") for i, c in enumerate(codes)}] * 6
    fc = forecast(fw, history_of(fw, rows), target_date=TARGET, paths=4_000, seed=3)
    unmet = [s for s in fc.standards if s.start == "L0"]
    assert unmet and all(s.probability_by_target < 0.1 for s in unmet)  # type: ignore[operator]
    assert fc.plan.probability_by_target < 0.01  # type: ignore[operator]
    assert fc.plan.median is None and fc.plan.p90 is None  # "after the horizon"


def test_more_paths_give_the_same_answer_within_monte_carlo_error() -> None:
    fw = framework(threshold="L3")
    hist = rising(fw)
    small = forecast(fw, hist, target_date=TARGET, paths=2_000, seed=11)
    large = forecast(fw, hist, target_date=TARGET, paths=20_000, seed=12)
    for a, b in zip(
        (small.plan, *small.conditions, *small.stages),
        (large.plan, *large.conditions, *large.stages),
        strict=True,
    ):
        assert a.probability_by_target is not None and b.probability_by_target is not None
        assert a.standard_error is not None and b.standard_error is not None
        # the standard errors allow for the paths that share a draw of the matrices
        error = np.hypot(a.standard_error, b.standard_error)
        assert abs(a.probability_by_target - b.probability_by_target) <= 4 * error + 1e-9
    assert large.plan.standard_error < small.plan.standard_error  # type: ignore[operator]


def test_not_enough_history_with_two_evaluations() -> None:
    fw = framework()
    fc = forecast(fw, rising(fw, years=2), target_date=TARGET, paths=300, seed=5)
    assert not fc.enough_history
    assert "Not enough history" in fc.message and "at least 3" in fc.message
    assert fc.paths == 300 and fc.seed == 5 and fc.evaluations_used == 2
    assert fc.plan.probability_by_target is None and fc.fan == () and fc.risks == ()
    bt = backtest(fw, rising(fw, years=2))
    assert not bt.available and "Not enough history" in bt.message
    assert not backtest(fw, rising(fw, years=3)).available  # nothing later to score against
    assert backtest(fw, rising(fw, years=4)).available


def test_na_stays_na_and_unrated_start_from_a_flagged_assumption() -> None:
    fw = framework()
    codes = list(fw.index.codes)
    rows = [dict.fromkeys(codes, "L1") for _ in range(4)]
    for r in rows:
        r[codes[0]] = "N/A"
        del r[codes[1]]  # never rated
    del rows[-1][codes[2]]  # not rated at the latest evaluation only
    rows[-2][codes[2]] = "L2"
    fc = forecast(fw, history_of(fw, rows), target_date=TARGET, paths=500, seed=2)
    by_code = {s.code: s for s in fc.standards}
    na, never, carried = by_code[codes[0]], by_code[codes[1]], by_code[codes[2]]
    assert na.not_applicable and na.probability_by_target is None and na.start is None
    assert never.start == "L0" and never.assumed is not None and "lowest" in never.assumed
    assert carried.start == "L2" and "2021-10-01" in (carried.assumed or "")
    assert by_code[codes[3]].assumed is None
    assert "2 standards start from an assumed level" in fc.message
    # an N/A standard is out of every node: the first stage needs only one applicable standard
    assert fc.stages[0].required == 1


def test_starting_levels_carry_forward() -> None:
    lv = np.array([[0, 1, UNRATED, NA], [UNRATED, 2, UNRATED, UNRATED]])
    vecs = [(dt.date(2020 + i, 1, 1), RatingVector(lv[i], lv[i] * 0.0)) for i in range(2)]
    start, source = starting_levels(vecs)
    assert start.tolist() == [0, 2, 0, NA] and source.tolist() == [0, 1, -1, 0]


def test_the_plan_score_of_the_simulation_matches_the_rollup() -> None:
    fw = framework()
    vec = rising(fw)[-1][1]
    active = vec.level != NA
    w = plan_weights(fw, active)
    assert np.isclose(float(w @ np.nan_to_num(vec.value)), node_scores(fw, vec)[2])
    fc = forecast(fw, rising(fw), target_date=TARGET, paths=200, seed=0)
    assert fc.fan[0].quantiles[2] == pytest.approx(node_scores(fw, vec)[2], abs=1e-5)


def test_pooling_follows_the_documented_formulas() -> None:
    """The field's posterior mean: condition posterior (from the other fields) as its prior."""
    fw = framework(n_fields=2, per_field=1, stages=False)
    # S000 in F00 climbs L0 -> L1 -> L2; S010 in F01 stays at L0; condition C1 stays at L1
    rows = [
        {"S000": "L0", "S010": "L0", "S100": "L1", "S110": "L1"},
        {"S000": "L1", "S010": "L0", "S100": "L1", "S110": "L1"},
        {"S000": "L2", "S010": "L0", "S100": "L1", "S110": "L1"},
    ]
    prior = Prior()
    model = estimate(fw, history_of(fw, rows), prior)
    assert model.moves == 8
    # base prior of row L0 on four levels: kernel stay 3, +-1: 1, +-2 and more: 0.2 each,
    # moves off the scale folded into staying, scaled to `strength`
    total = prior.stay + 2 * prior.step + 2 * 2 * prior.jump
    row0 = np.array([total - prior.step - 2 * prior.jump, prior.step, prior.jump, prior.jump])
    a0 = prior.strength * row0 / total
    assert np.allclose(model.alpha0[0, 0], a0)
    # F00, row L0: framework without C0 knows nothing of L0 -> prior only; C0 without F00 has
    # two L0 -> L0 moves; F00 itself one L0 -> L1 move
    g = a0 / a0.sum()
    k_c = min(prior.condition, a0.sum())
    c = k_c * g + np.array([2.0, 0, 0, 0])
    c = c / c.sum()
    k_f = min(prior.field, k_c + 2.0)
    f = k_f * c + np.array([0, 1.0, 0, 0])
    f = f / f.sum()
    mean = model.mean(np.array([0]), np.array([0]))[0, 0]
    assert np.allclose(mean, f)


def test_simulated_moves_follow_the_posterior() -> None:
    """One step of many paths: frequencies match the exact posterior mean within MC error."""
    fw = framework(n_fields=1, per_field=1, stages=False)
    rows = [dict.fromkeys(fw.index.codes, lv) for lv in ("L0", "L1", "L1", "L2", "L2")]
    hist = history_of(fw, rows)
    model = estimate(fw, hist)
    paths = 40_000
    fc = forecast(fw, hist, target_date=dt.date(2025, 1, 1), paths=paths, seed=4)
    mean = model.mean(fw.index.std_field[:1], model.std_scale[:1])[0, 2]
    p_met = mean[2:].sum()  # threshold L2, starting at L2
    # paths share draws of the matrices: the spread of p between draws adds to the error
    draws = model.draw(np.random.Generator(np.random.PCG64(0)), 20_000, *_block(fw, model))
    spread = draws[:, 0, 2, 2:].sum(axis=-1).var()
    error = np.sqrt(p_met * (1 - p_met) / paths + spread / fc.draws)
    got = fc.standards[0].probability_at_target
    assert got is not None and abs(got - p_met) < 4 * error
    assert abs(draws[:, 0, 2, 2:].sum(axis=-1).mean() - p_met) < 0.01  # draws centre on the mean


def _block(fw: Framework, model: Any) -> tuple[Any, Any]:
    return fw.index.std_field[:1], model.std_scale[:1]


def test_the_table_sampler_is_exact() -> None:
    """The next level is the number of 32-bit thresholds the uniform reaches, bin or no bin."""
    rng = np.random.default_rng(0)
    cum = np.sort(rng.random((6, 3)), axis=1)
    cum[0] = [0.25, 0.5, 0.75]  # thresholds on bin edges
    cum[1] = [0.0, 0.0, 1.0]  # impossible levels
    thr = np.clip(np.rint(cum * 2.0**32), 0, 2**32).astype(np.int64)[None]
    table, flat = _tables(thr)
    u = np.concatenate(
        [
            rng.integers(0, 2**32, 200_000, dtype=np.int64),
            (flat.reshape(-1)[:, None] + np.array([-1, 0, 1])).reshape(-1),
            np.array([0, 2**32 - 1]),
        ]
    )
    u = u[(u >= 0) & (u < 2**32)]
    for row in range(flat.shape[0]):
        want = (u[:, None] >= flat[row]).sum(axis=1)
        got = table[(row << 8) + (u >> 24)].astype(np.int64)
        amb = got < 0
        got[amb] = (u[amb, None] >= flat[row]).sum(axis=1)
        assert (got == want).all()
        assert amb.mean() < 0.02  # few draws need the exact comparison


def test_stage_target_passed_is_observed() -> None:
    fw = framework()
    codes = list(fw.index.codes)
    rows = [dict.fromkeys(codes, "L1") for _ in range(3)] + [
        {c: ("L2" if i < 2 else "L1") for i, c in enumerate(codes)} for _ in range(6)
    ]
    fc = forecast(fw, history_of(fw, rows, start=2020), target_date=TARGET, paths=300, seed=0)
    early = fc.stages[0]  # target 2027-12-31, latest evaluation 2028-10-01
    assert early.own_target_observed and early.probability_by_own_target == 1.0
    assert early.met_since == dt.date(2023, 10, 1)


def test_add_months_clamps() -> None:
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 10, 17), 12) == dt.date(2026, 10, 17)


# --------------------------------------------------------------------------- back-test


def test_backtest_brier_scores_computed_by_hand() -> None:
    """Four evaluations of two standards: one origin (t = 2), scored at t = 3."""
    fw = framework(n_fields=1, per_field=1, threshold="L2", stages=False)
    # S000: L0, L1, L1 -> L2 (met);  S100: L2, L2, L2 -> L1 (slips)
    rows = [
        {"S000": "L0", "S100": "L2"},
        {"S000": "L1", "S100": "L2"},
        {"S000": "L1", "S100": "L2"},
        {"S000": "L2", "S100": "L1"},
    ]
    hist = history_of(fw, rows)
    bt = backtest(fw, hist, horizons=(1,))
    assert bt.available and len(bt.origins) == 1 and bt.origins[0].index == 2
    # the model, by hand.  Base prior rows on four levels (kernel stay 3, +-1: 1, further: 0.2,
    # support |move| <= 3, total 5.8, moves off the scale added to staying), strength 2:
    # row L1 -> [1, 3.6, 1, 0.2] / 5.8, row L2 -> [0.2, 1, 3.6, 1] / 5.8 (as probabilities).
    # S000 (field F00, condition C0), row L1: the rest of the framework (C1) never left L2, so
    # the framework level is the prior alone (strength 2); condition concentration min(8, 2),
    # C0 has no other field; field concentration min(4, 2 + 0) = 2; F00's own move L1 -> L1.
    p_s000 = 2 * (1.0 + 0.2) / 5.8 / (2 + 1)
    # S100 (F10, C1), row L2: the rest (C0) has no move from L2; F10 stayed at L2 twice.
    p_s100 = (2 * (3.6 + 1.0) / 5.8 + 2) / (2 + 2)
    assert p_s100 == pytest.approx(26 / 29)
    outcome = np.array([1.0, 0.0])  # S000 reached L2, S100 slipped to L1
    p = np.array([p_s000, p_s100])
    nxt = bt.next
    assert nxt is not None and nxt.pairs == 2
    assert nxt.brier_model == pytest.approx(float(((p - outcome) ** 2).mean()))
    assert nxt.brier_model == pytest.approx(0.77348, abs=1e-5)
    # persistence: S000 unmet -> 0 (it was met: error 1), S100 met -> 1 (it slipped: error 1)
    assert nxt.brier_persistence == pytest.approx(1.0)
    # trend: S000 levels 0, 1, 1 -> slope 0.5, next 1.83 -> rounds to 2: met (right);
    # S100 flat at 2 -> met (wrong)
    assert nxt.brier_trend == pytest.approx(0.5)
    assert [b.count for b in nxt.calibration] == [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    assert nxt.calibration[1].observed == 1.0 and nxt.calibration[8].observed == 0.0
    origin = bt.origins[0]
    assert origin.brier_model == nxt.brier_model and origin.pairs == 2


def test_trend_forecast_by_hand() -> None:
    levels = np.array([[0, 3, UNRATED, NA], [1, 3, UNRATED, NA], [1, 3, 2, NA]])
    got = trend_forecast(levels, np.array([4, 4, 4, 4]), 1)
    # least squares through (0,0), (1,1), (2,1): slope 0.5, intercept 1/6 -> at 3: 1.667
    assert got[0] == pytest.approx(1 / 6 + 1.5)
    assert got[1] == 3.0 and got[2] == 2.0 and np.isnan(got[3])


def test_backtest_on_a_rising_history_beats_persistence() -> None:
    fw = framework()
    bt = backtest(fw, rising(fw, years=7), paths=1_000, seed=0)
    assert bt.available and len(bt.origins) == 4
    steps = [h.steps for h in bt.horizons]
    assert steps == [1, 2]
    for h in bt.horizons:
        assert h.pairs == sum(b.count for b in h.calibration)
        assert h.brier_model is not None and h.brier_persistence is not None
        assert 0 <= h.brier_model <= 1
    nxt = bt.next
    assert nxt is not None and nxt.brier_model < nxt.brier_persistence  # type: ignore[operator]
    again = backtest(fw, rising(fw, years=7), paths=1_000, seed=0)
    assert again == bt


def test_edges_no_target_a_passed_target_and_nothing_applicable() -> None:
    fw = framework()
    none = forecast(fw, rising(fw), target_date=None, paths=300, seed=0)
    assert none.plan.probability_by_target is not None
    assert "no target date" in none.message and none.horizon is not None
    assert none.horizon.isoformat() in none.message
    passed = forecast(fw, rising(fw, years=8), target_date=dt.date(2021, 1, 1), paths=300)
    assert "observed, not forecast" in passed.message and passed.risks == ()
    assert passed.plan.probability_by_target == 0.0  # nothing was met by then
    codes = list(fw.index.codes)
    rows = [dict.fromkeys(codes, "N/A")] * 4
    empty = forecast(fw, history_of(fw, rows), target_date=TARGET, paths=200)
    assert empty.plan.probability_by_target == 1.0 and empty.plan.required == 0
    assert empty.fan == () and empty.risks == ()
    bt = backtest(fw, history_of(fw, rows))
    assert not bt.available and "Nothing to score" in bt.message
    monthly = forecast(fw, rising(fw), target_date=TARGET, paths=200, cadence_months=1)
    assert len(monthly.fan) == 121 and monthly.fan[1].date == dt.date(2024, 11, 1)
