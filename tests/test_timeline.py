"""The pure timeline logic: partial dates, dates in force, and the order of same-day events."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.engine.framework import Stage
from accord.engine.timeline import (
    PLAN_TARGET,
    DateChange,
    Event,
    PartialDate,
    apply_dates,
    base_dates,
    date_history,
    dates_in_force,
    order_events,
    ordinal,
)
from accord.formats import framework_yaml
from accord.services.examples import example_text

D = dt.date
BASE = {PLAN_TARGET: PartialDate(D(2030, 12, 31)), "FOC": PartialDate(D(2026, 12, 31))}


def test_partial_dates_parse_label_and_span() -> None:
    day, month, year = (PartialDate.parse(t) for t in ("2019-11-04", "2019-11", "2019"))
    assert (day.label(), month.label(), year.label()) == ("4 Nov 2019", "Nov 2019", "2019")
    assert (day.iso(), month.iso(), year.iso()) == ("2019-11-04", "2019-11", "2019")
    assert month.start == D(2019, 11, 1) and month.end == D(2019, 11, 30)
    assert PartialDate.parse("2020-02").end == D(2020, 2, 29)  # a leap year
    assert PartialDate.parse("2019-12").end == D(2019, 12, 31)
    assert year.end == D(2019, 12, 31) and day.end == day.start
    assert PartialDate.of(D(2026, 12, 31), "year") == PartialDate.parse("2026")
    for bad in ("2019-13", "19", "2019-11-31", "Nov 2019", ""):
        with pytest.raises(ValueError):
            PartialDate.parse(bad)


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 46, 50, 51, 52, 53, 112)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "46th", "50th", "51st",
        "52nd", "53rd", "112th",
    ]  # fmt: skip


def _change(on: dt.date, what: str, new: str | None, ref: str) -> DateChange:
    return DateChange(on, what, PartialDate.parse(new) if new else None, ref, ref, (0,))


def test_a_decision_changes_a_date_only_from_its_own_date() -> None:
    moved = _change(D(2025, 11, 4), "FOC", "2027", "57th SCM")
    before = dates_in_force(BASE, [moved], D(2025, 11, 3))
    on_the_day = dates_in_force(BASE, [moved], D(2025, 11, 4))
    assert before.target("FOC") == D(2026, 12, 31) and before.stages[0].ref is None
    assert on_the_day.target("FOC") == D(2027, 12, 31) and on_the_day.stages[0].ref == "57th SCM"
    assert on_the_day.stages[0].since == D(2025, 11, 4)
    assert on_the_day.target(PLAN_TARGET) == D(2030, 12, 31)  # it touched the stage only


def test_a_later_decision_supersedes_and_history_keeps_every_value() -> None:
    changes = [
        _change(D(2014, 10, 23), PLAN_TARGET, None, "46th SCM"),  # conditions-based: no date
        _change(D(2007, 1, 1), PLAN_TARGET, "2012-04-17", "2007"),
        _change(D(2025, 1, 1), PLAN_TARGET, "2030", "goal"),
        _change(D(2010, 1, 1), PLAN_TARGET, "2015-12-01", "2010"),
    ]
    assert dates_in_force(BASE, changes, D(2008, 6, 1)).target(PLAN_TARGET) == D(2012, 4, 17)
    assert dates_in_force(BASE, changes, D(2014, 10, 22)).target(PLAN_TARGET) == D(2015, 12, 1)
    assert dates_in_force(BASE, changes, D(2023, 10, 27)).plan.date is None
    assert dates_in_force(BASE, changes, D(2025, 1, 1)).target(PLAN_TARGET) == D(2030, 12, 31)
    history = date_history(BASE, changes)[PLAN_TARGET]
    assert [h.ref for h in history] == [None, "2007", "2010", "46th SCM", "goal"]
    assert history[0].date == BASE[PLAN_TARGET]


def test_changes_to_unknown_stages_are_ignored() -> None:
    dates = dates_in_force(BASE, [_change(D(2020, 1, 1), "XYZ", "2021", "x")], D(2024, 1, 1))
    assert [s.what for s in dates.stages] == ["FOC"]


@given(
    st.lists(
        st.tuples(st.dates(D(2000, 1, 1), D(2040, 1, 1)), st.sampled_from(["2031", "2035"])),
        max_size=6,
    ),
    st.dates(D(2000, 1, 1), D(2040, 1, 1)),
)
def test_dates_in_force_ignore_every_decision_after_the_day(
    decisions: list[tuple[dt.date, str]], day: dt.date
) -> None:
    changes = [_change(on, "FOC", new, f"d{i}") for i, (on, new) in enumerate(decisions)]
    earlier = [c for c in changes if c.effective <= day]
    assert dates_in_force(BASE, changes, day) == dates_in_force(BASE, earlier, day)
    if not earlier:
        assert dates_in_force(BASE, changes, day).target("FOC") == D(2026, 12, 31)


def test_apply_dates_moves_the_frameworks_targets() -> None:
    fw = framework_yaml.load(example_text("opcon", "framework.yaml"))
    base = base_dates(fw, fw.target_date)
    changes = [_change(D(2021, 12, 2), "FOC", "2022", "53rd SCM")]
    moved = apply_dates(fw, dates_in_force(base, changes, D(2023, 10, 27)))
    stages = {s.code: s for s in moved.stages}
    assert stages["FOC"].target_date == D(2022, 12, 31)
    assert stages["IOC"] == next(s for s in fw.stages if s.code == "IOC")
    assert isinstance(stages["FMC"], Stage) and moved.target_date == fw.target_date
    assert moved.standards_by_code.keys() == fw.standards_by_code.keys()


def _events() -> list[Event]:
    day = PartialDate(D(2025, 11, 4))
    at = dt.datetime(2025, 11, 4, 9, tzinfo=dt.UTC)
    return [
        Event("decision", day, "d-b", "second", (2, 57, 2)),
        Event("meeting", day, "SCM-57", "57th SCM", (2, 57)),
        Event("decision", day, "d-a", "first", (2, 57, 1)),
        Event("meeting", day, "MCM-50", "50th MCM", (1, 50)),
        Event("signature", day, "2025/US", "US signed", at=at),
        Event("signature", day, "2025/ROK", "ROK signed", at=at),
        Event("evaluation", day, "2025", "2025"),
        Event("stage_event", PartialDate.parse("2025-11"), "s", "FOC assessed"),
        Event("decision", PartialDate.parse("2025"), "goal", "2030 goal"),
    ]


def test_same_day_events_have_one_order() -> None:
    ordered = [e.key for e in order_events(_events())]
    assert ordered == [
        "goal",  # the year 2025 begins before November
        "s",  # a month begins before its 4th day
        "2025",  # an evaluation, then its signatures (by time, then party)
        "2025/ROK",
        "2025/US",
        "MCM-50",  # meetings in the order results go up: MCM, then SCM
        "SCM-57",
        "d-a",  # decisions in their order at the meeting
        "d-b",
    ]


@given(st.randoms())
def test_the_order_does_not_depend_on_the_input_order(rnd: random.Random) -> None:
    events = _events()
    shuffled = events[:]
    rnd.shuffle(shuffled)
    assert order_events(shuffled) == order_events(events)
