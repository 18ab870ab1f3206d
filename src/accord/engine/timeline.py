"""Governance dates and the plan's timeline: pure logic, no database.

Three things live here:

- `PartialDate`: a date known to the day, the month or only the year, as public records give
  them ("Nov 2019", "2007").  It sorts and takes effect at the first day of its period, and
  as a *target* ("FOC certification in 2026") it means the last day of its period.
- `dates_in_force`: the plan's target date and each stage's target date on a given day.  They
  start as the framework states them; every adopted decision that sets (or clears) a date
  replaces it from the decision's own date on, and never before.  History is never lost: the
  full list of changes comes from `date_history`.
- `order_events`: one deterministic order for a timeline, also for events on the same day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from .framework import Framework

Precision = Literal["day", "month", "year"]
PRECISIONS: tuple[Precision, ...] = ("day", "month", "year")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
PLAN_TARGET = "plan"  # the key of the plan's own target date among the dates in force
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to a day, a month or a year (`start` is the first day of the period)."""

    start: dt.date
    precision: Precision = "day"

    @staticmethod
    def parse(text: str) -> PartialDate:
        """'2019-11-04', '2019-11' or '2019'; ValueError otherwise."""
        m = _PARTIAL.match(text.strip())
        if m is None:
            raise ValueError(f"{text!r} is not a date as YYYY-MM-DD, YYYY-MM or YYYY")
        year, month, day = m.groups()
        if day is not None:
            return PartialDate(dt.date(int(year), int(month), int(day)), "day")
        if month is not None:
            return PartialDate(dt.date(int(year), int(month), 1), "month")
        return PartialDate(dt.date(int(year), 1, 1), "year")

    @staticmethod
    def of(day: dt.date, precision: str = "day") -> PartialDate:
        """The period of `precision` that contains `day`."""
        if precision == "year":
            return PartialDate(dt.date(day.year, 1, 1), "year")
        if precision == "month":
            return PartialDate(dt.date(day.year, day.month, 1), "month")
        return PartialDate(day, "day")

    @property
    def end(self) -> dt.date:
        """The last day of the period."""
        if self.precision == "year":
            return dt.date(self.start.year, 12, 31)
        if self.precision == "month":
            nxt = dt.date(self.start.year + self.start.month // 12, self.start.month % 12 + 1, 1)
            return nxt - dt.timedelta(days=1)
        return self.start

    def iso(self) -> str:
        """'2019-11-04', '2019-11' or '2019'."""
        if self.precision == "year":
            return f"{self.start.year:04d}"
        if self.precision == "month":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return self.start.isoformat()

    def label(self) -> str:
        """'4 Nov 2019', 'Nov 2019' or '2019'."""
        y, m = self.start.year, MONTHS[self.start.month - 1]
        if self.precision == "year":
            return str(y)
        if self.precision == "month":
            return f"{m} {y}"
        return f"{self.start.day} {m} {y}"


@dataclass(frozen=True)
class DateChange:
    """An adopted decision's effect on one date: from `effective` on, `what` is `new`.

    `what` is PLAN_TARGET or a stage code; `new` None means the date was removed (the OPCON
    plan had no date from 2014: conditions-based).  `order` breaks ties between decisions of
    the same day: the later in order wins.
    """

    effective: dt.date
    what: str
    new: PartialDate | None
    ref: str  # who made it: a decision's uid
    label: str = ""  # for people: "57th SCM, 4 Nov 2025"
    order: tuple[int, ...] = ()


@dataclass(frozen=True)
class DateInForce:
    what: str
    date: PartialDate | None
    since: dt.date | None  # None: as the framework states it
    ref: str | None  # the decision that set it; None: the framework
    label: str = ""


@dataclass(frozen=True)
class DatesInForce:
    on: dt.date
    plan: DateInForce
    stages: tuple[DateInForce, ...]

    def target(self, what: str) -> dt.date | None:
        """The day a target falls due (the end of an imprecise period), or None."""
        item = self.plan if what == PLAN_TARGET else next(s for s in self.stages if s.what == what)
        return item.date.end if item.date is not None else None


def _ordered(changes: Iterable[DateChange]) -> list[DateChange]:
    return sorted(changes, key=lambda c: (c.effective, c.order, c.ref))


def base_dates(fw: Framework, plan_target: dt.date | None) -> dict[str, PartialDate | None]:
    """The dates as the framework (and the plan's record) state them: before any decision."""
    out: dict[str, PartialDate | None] = {
        PLAN_TARGET: PartialDate(plan_target) if plan_target else None
    }
    for st in fw.stages:
        out[st.code] = PartialDate(st.target_date) if st.target_date else None
    return out


def dates_in_force(
    base: Mapping[str, PartialDate | None], changes: Iterable[DateChange], on: dt.date
) -> DatesInForce:
    """The dates in force on `on`: the base dates, replaced by every change effective on or
    before that day (in date order; the later wins).  Changes to unknown stages are ignored."""
    current = {what: DateInForce(what, d, None, None) for what, d in base.items()}
    for c in _ordered(changes):
        if c.effective > on:
            break
        if c.what in current:
            current[c.what] = DateInForce(c.what, c.new, c.effective, c.ref, c.label)
    plan = current.pop(PLAN_TARGET, DateInForce(PLAN_TARGET, None, None, None))
    return DatesInForce(on=on, plan=plan, stages=tuple(current.values()))


def date_history(
    base: Mapping[str, PartialDate | None], changes: Iterable[DateChange]
) -> dict[str, list[DateInForce]]:
    """For each date, every value it has had, oldest first (the framework's value first)."""
    out = {what: [DateInForce(what, d, None, None)] for what, d in base.items()}
    for c in _ordered(changes):
        if c.what in out:
            out[c.what].append(DateInForce(c.what, c.new, c.effective, c.ref, c.label))
    return out


def apply_dates(fw: Framework, dates: DatesInForce) -> Framework:
    """The framework with the stage target dates (and its own target) in force on a day, so
    that stage readiness and the forecast judge against them."""
    by_code = {s.what: s for s in dates.stages}
    stages = tuple(
        dataclasses.replace(st, target_date=dates.target(st.code)) if st.code in by_code else st
        for st in fw.stages
    )
    return dataclasses.replace(fw, stages=stages, target_date=dates.target(PLAN_TARGET))


# --------------------------------------------------------------------------- the timeline

EVENT_KINDS = ("evaluation", "signature", "stage_event", "meeting", "decision")
"""Event kinds, in the order they take on one day: an evaluation is held, its parties sign,
a stage is verified, a meeting is held and takes its decisions."""


@dataclass(frozen=True)
class Event:
    """One thing on a plan's timeline."""

    kind: str  # one of EVENT_KINDS
    when: PartialDate
    key: str  # stable identity: a code or uid, the last tie-breaker
    title: str
    rank: tuple[int, ...] = ()  # order within a kind on one day (body order, position)
    at: dt.datetime | None = None  # a signature's moment, when known
    until: dt.date | None = None  # the end of an event that lasts (an exercise)


def event_sort_key(e: Event) -> tuple[object, ...]:
    """Date first, then the more precise date, then EVENT_KINDS order, then the event's own
    rank (a body's place in the chain, a decision's position), its time, and its key."""
    at = e.at.isoformat() if e.at is not None else ""
    return (
        e.when.start,
        PRECISIONS.index(e.when.precision),
        EVENT_KINDS.index(e.kind),
        e.rank,
        at,
        e.key,
    )


def order_events(events: Sequence[Event]) -> list[Event]:
    """Events in timeline order: the same for the same events, whatever order they came in."""
    return sorted(events, key=event_sort_key)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st, 50th."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
