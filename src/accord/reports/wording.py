"""The report's generated sentences in the reader's language.

The report document (JSON) keeps the English that the statement writer and the engine compose:
it is what the API returns and what the claims point into.  The pages and files speak the
language in force: in English they show that text word for word; in Korean the statement for
the SCM is composed again from the same figures, clause by clause, citing the same claims in
the same order, and the forecast's method and messages are recognised by their wording and
said again with the same values.  A sentence not recognised stays as it was.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from babel import dates

from accord import i18n
from accord.i18n import gettext as _
from accord.i18n import ngettext

from .statement import EPS, NOTABLE, _anchor, _nodes, _score, _Writer


def N_(message: str) -> str:
    """Marks a message for the catalogs; translated when used."""
    return message


def english() -> bool:
    return i18n.current() == i18n.DEFAULT


# --------------------------------------------------------------------------- the statement


def statement(report: dict[str, Any]) -> dict[str, Any]:
    """The statement for the SCM (segments, claims, text) in the current language."""
    st: dict[str, Any] = report["statement"]
    if english():
        return st
    w = _Writer(report)
    _compose(w, report)
    if w.segments:
        last = w.segments[-1]
        last["text"] = last["text"].rstrip()
    text = "".join(seg["text"] for seg in w.segments)
    marked = "".join(
        seg["text"] + (f"[{seg['claim']}]" if seg["claim"] else "") for seg in w.segments
    )
    return {**st, "text": text, "marked": marked, "segments": w.segments, "claims": w.claims}


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + _(" as well as ") + items[-1]


def _level(judged_at: str) -> str:
    return i18n.term(judged_at)


def _compose(w: _Writer, report: dict[str, Any]) -> None:
    s = report["summary"]
    parties = report["title_page"]["parties"]
    sides = _("The two sides") if len(parties) == 2 else _("The %(n)s parties", n=len(parties))
    label, prev, progress = s["evaluation"]["label"], s["previous_evaluation"], s["progress"]
    ps = s["plan_score"]
    counts = ps["counts"]
    all_met = counts["applicable"] > 0 and counts["met"] == counts["applicable"]
    if report["illustrative"]:
        w.say(i18n.term(report["notice"]) + ". ")
    if prev is None or progress is None:
        w.say(
            _(
                "%(sides)s completed the first joint evaluation of the plan, the %(label)s, which "
                "establishes the baseline for measuring progress. They noted ",
                sides=sides,
                label=label,
            )
        )
        w.cite(
            _("the plan's overall score of %(score)s", score=_score(ps["score"])),
            "/summary/plan_score/score",
            "#conditions",
        )
        w.say(_(" as well as "))
        _met(w, counts, all_met)
        w.say(_(" (noted). "))
    else:
        _progress(w, s, sides, label, prev)
        w.say(_("They noted "))
        delta = ps["progress"]["delta"] if ps["progress"] else None
        if delta is not None:
            values = {"before": _score(ps["progress"]["before"]), "after": _score(ps["score"])}
            if delta > EPS:
                move = _("the rise of the plan's overall score (%(before)s → %(after)s)", **values)
            elif delta < -EPS:
                move = _("the fall of the plan's overall score (%(before)s → %(after)s)", **values)
            else:
                move = _("the plan's overall score holding at %(after)s", **values)
            w.cite(move, "/summary/plan_score/progress/delta", "#conditions")
            w.say(_(" as well as "))
        _met(w, counts, all_met)
        w.say(_(" (noted). "))
        _setbacks(w, s)
    _stages(w, s)
    _forecast(w, report)


def _met(w: _Writer, counts: dict[str, Any], all_met: bool) -> None:
    if all_met:
        text = _("all %(n)s standards met", n=counts["applicable"])
    else:
        text = _("%(k)s of %(n)s standards met", k=counts["met"], n=counts["applicable"])
    w.cite(text, "/summary/plan_score/counts/met", "#conditions")


def _node(n: dict[str, Any], delta: float) -> str:
    return _(
        "%(title)s (%(code)s, score %(score)s, %(delta)s on the previous evaluation)",
        title=i18n.title(n["title"]),
        code=n["code"],
        score=_score(n["score"]),
        delta=format(delta, "+.2f"),
    )


def _progress(w: _Writer, s: dict[str, Any], sides: str, label: str, prev: dict[str, Any]) -> None:
    progress = s["progress"]
    judged = progress["rule"]["judged_at"]
    level = _level(judged)
    if progress["comparable"] == 0:
        w.say(_("%(sides)s noted: ", sides=sides))
        w.cite(
            _("progress since the %(prev)s could not be judged", prev=prev["label"]),
            "/summary/progress/statement",
            "#progress-basis",
        )
        w.say(". ")
        return
    q, m = len(progress["qualifying"]), progress["comparable"]
    if progress["meaningful"]:
        w.say(
            _(
                "%(sides)s assessed that meaningful progress had been made in the %(label)s, in ",
                sides=sides,
                label=label,
            )
        )
        w.cite(
            _("%(q)s of %(m)s %(level)ss", q=q, m=m, level=level),
            "/summary/progress/statement",
            "#progress-basis",
        )
        w.say(_(" (progress). "))
    elif q:
        w.say(_("%(sides)s assessed, for the %(label)s: ", sides=sides, label=label))
        w.cite(
            _("progress in %(q)s of %(m)s %(level)ss", q=q, m=m, level=level),
            "/summary/progress/statement",
            "#progress-basis",
        )
        w.say(_(", short of meaningful progress under the agreed rule. "))
    else:
        w.say(_("%(sides)s assessed, for the %(label)s: ", sides=sides, label=label))
        w.cite(
            _("no meaningful progress since the %(prev)s", prev=prev["label"]),
            "/summary/progress/statement",
            "#progress-basis",
        )
        w.say(". ")
        return
    nodes = [
        (n, ptr)
        for n, ptr in _nodes(s, judged)
        if n["code"] in progress["qualifying"] and n["progress"]["delta"] is not None
    ]
    nodes.sort(key=lambda item: -item[0]["progress"]["delta"])
    named = nodes[:NOTABLE]
    if not named:
        return
    w.say(_("Notably: ") if progress["meaningful"] else _("Progress was made in: "))
    for k, (n, ptr) in enumerate(named):
        if k:
            w.say(_(" as well as ") if k == len(named) - 1 else ", ")
        w.cite(_node(n, n["progress"]["delta"]), f"{ptr}/progress/delta", _anchor(n["code"]))
    w.say(". ")


def _setbacks(w: _Writer, s: dict[str, Any]) -> None:
    judged = s["progress"]["rule"]["judged_at"]
    falling = []
    for n, ptr in _nodes(s, judged):
        p = n["progress"]
        if p is None:
            continue
        if p["delta"] is not None and p["delta"] < -EPS:
            falling.append((p["delta"], n, ptr, "delta"))
        elif p["newly_unmet"]:
            falling.append((0.0, n, ptr, "newly_unmet"))
    if not falling:
        return
    falling.sort(key=lambda item: item[0])
    w.say(_("They noted setbacks in: "))
    shown = falling[:NOTABLE]
    for k, (_d, n, ptr, what) in enumerate(shown):
        if k:
            last = k == len(shown) - 1 and len(falling) == len(shown)
            w.say(_(" as well as ") if last else ", ")
        if what == "delta":
            text = _node(n, n["progress"]["delta"])
        else:
            text = _(
                "%(title)s (%(code)s, %(lost)s no longer met)",
                title=i18n.title(n["title"]),
                code=n["code"],
                lost=", ".join(n["progress"]["newly_unmet"]),
            )
        w.cite(text, f"{ptr}/progress/{what}", _anchor(n["code"]))
    rest = len(falling) - len(shown)
    if rest:
        w.say(_(" and %(n)s other %(level)ss", n=rest, level=_level(judged)))
    w.say(". ")


def _stages(w: _Writer, s: dict[str, Any]) -> None:
    stages = s["stages"]
    if not stages:
        return
    k = next((i for i, st in enumerate(stages) if not st["ready"]), None)
    if k is None:
        w.say(_("They noted that the requirements of every verification stage had been met ("))
        for i, st in enumerate(stages):
            if i:
                w.say(", " if i < len(stages) - 1 else _(" as well as "))
            w.cite(st["code"], f"/summary/stages/{i}/ready", f"#stage-{st['code']}")
        w.say("). ")
        return
    st = stages[k]
    name = i18n.title(st["name"])
    when = st.get("target_label") or (
        i18n.format_date(st["target_date"]) if st["target_date"] else ""
    )
    if when:
        w.say(
            _(
                "On %(name)s (%(code)s) certification, targeted for %(when)s, they noted ",
                name=name,
                code=st["code"],
                when=when,
            )
        )
    else:
        w.say(_("On %(name)s (%(code)s) certification they noted ", name=name, code=st["code"]))
    w.cite(
        _(
            "%(k)s of the %(n)s required standards met",
            k=st["met"],
            n=st["required"] - st["not_applicable"],
        ),
        f"/summary/stages/{k}/met",
        f"#stage-{st['code']}",
    )
    below = [b["code"] for b in st["blocking"] if b["reason"] == "below threshold"]
    unrated = [b for b in st["blocking"] if b["reason"] == "not rated"]
    parts = []
    if below:
        parts.append(_("%(codes)s below threshold", codes=_join(below)))
    if unrated:
        parts.append(_("%(n)s not yet rated", n=len(unrated)))
    if parts:
        w.say(", ")
        w.cite(", ".join(parts), f"/summary/stages/{k}/blocking", f"#stage-{st['code']}")
    w.say(_(" (noted). "))


def _chance(x: float) -> str:
    if x < 0.005:
        return _("below 1%%") if x > 0 else _("0%% (no simulated path)")
    if x > 0.995:
        return _("above 99%%") if x < 1 else "100%"
    return f"{x * 100:.0f}%"


def _month(iso: str) -> str:
    day = i18n._as_date(iso[:10])
    return dates.format_skeleton("yMMMM", day, locale=i18n.current()) if day else iso


def _forecast(w: _Writer, report: dict[str, Any]) -> None:
    fc = report["forecast"]
    if not fc.get("available"):
        return
    if not fc.get("enough_history"):
        w.say(_("They noted "))
        w.cite(
            _("that the history of joint ratings is not yet long enough for a forecast"),
            "/forecast/enough_history",
            "#forecast",
        )
        w.say(_(" (noted). "))
        return
    pf = fc["plan_forecast"]
    n = fc.get("evaluations_used")
    target = fc.get("target_date") or report["summary"]["plan"]["target_date"]
    if n:
        w.say(
            _(
                "They further noted the model estimate from the joint ratings of %(n)s "
                "evaluations: ",
                n=n,
            )
        )
    else:
        w.say(_("They further noted the model estimate: "))
    if target:
        by = _("by the target date of %(date)s", date=i18n.format_date(target))
    else:
        by = _(
            "by the end of the forecast horizon, %(date)s",
            date=i18n.format_date(fc.get("horizon_date")),
        )
    w.cite(
        _(
            "a probability of %(chance)s that every condition is met %(by)s",
            chance=_chance(pf["probability_by_target"]),
            by=by,
        ),
        "/forecast/plan_forecast/probability_by_target",
        "#forecast",
    )
    if pf.get("median_date"):
        w.say(", ")
        w.cite(
            _("a median expected date of %(month)s", month=_month(pf["median_date"])),
            "/forecast/plan_forecast/median_date",
            "#forecast",
        )
        w.say(". ")
    else:
        w.say(_(", the median expected date lying beyond the forecast horizon. "))


# --------------------------------------------------------------------------- the forecast

_NUM = r"(-?[\d.]+(?:e[+-]?\d+)?)"


def forecast_method(text: str | None) -> str:
    """The forecast's method paragraph (engine.forecast.method_text) in the current language."""
    if not text or english():
        return text or ""
    from accord.engine.forecast import method_text
    from accord.engine.transitions import Prior

    found = re.search(
        rf"a weak base prior of {_NUM} pseudo-moves per level, weighted {_NUM} : {_NUM} : "
        rf"{_NUM} .*\(concentration {_NUM}\), .*\(concentration {_NUM}\).* that posterior"
        r"(?: \(([\d,]+) draws, shared out over the paths\))? and simulates one evaluation "
        r"(once a year|every (\d+) months) ",
        text,
        re.S,
    )
    if not found:
        return text
    strength, stay, step, jump, cond, field, draws, _every, months = found.groups()
    prior = replace(
        Prior(),
        strength=float(strength),
        stay=float(stay),
        step=float(step),
        jump=float(jump),
        condition=float(cond),
        field=float(field),
    )
    cadence = int(months) if months else 12
    count = int(draws.replace(",", "")) if draws else None
    if method_text(prior=prior, cadence_months=cadence, draws=count) != text:
        return text  # the engine says something else now: its own words, not a guess
    shared = _(" (%(draws)s draws, shared out over the paths)", draws=draws) if draws else ""
    every = (
        _("once a year")
        if cadence == 12
        else ngettext("every %(num)d month", "every %(num)d months", cadence)
    )
    return _(
        "Each standard moves between the levels of its scale from one evaluation to the next "
        "by a transition matrix estimated from the moves observed between consecutive "
        "evaluations. Because a standard has few moves, matrices are pooled along the "
        "framework tree with Dirichlet priors: a weak base prior of %(strength)s pseudo-moves "
        "per level, weighted %(stay)s : %(step)s : %(jump)s for staying, moving one level "
        "(either way) and moving further; the posterior of the whole framework is the prior of "
        "each condition (concentration %(condition)s), whose posterior is the prior of each "
        "field (concentration %(field)s), each from the other members' moves so that none "
        "counts twice, and never surer than what the broader level has seen. Every path draws "
        "its matrices from that posterior%(shared)s and simulates one evaluation %(every)s "
        "from the latest one; N/A stays N/A; a standard not rated at the latest evaluation "
        "starts from its latest earlier rating, or from the lowest level if never rated "
        "(flagged). A condition, stage or the plan is met at the first simulated evaluation at "
        "which all its applicable standards reach their thresholds together.",
        strength=strength,
        stay=stay,
        step=step,
        jump=jump,
        condition=cond,
        field=field,
        shared=shared,
        every=every,
    )


_MESSAGES: list[tuple[str, str]] = [
    (
        r"Forecast from (?P<used>\d+) evaluations \((?P<moves>\d+) observed moves\)\.",
        N_("Forecast from %(used)s evaluations (%(moves)s observed moves)."),
    ),
    (
        r"(?P<n>\d+) standards? starts? from an assumed level\.",
        N_("%(n)s standard(s) start from an assumed level."),
    ),
    (
        r"The plan has no target date: probabilities are by the end of the horizon, "
        r"(?P<date>[\d-]+)\.",
        N_("The plan has no target date: probabilities are by the end of the horizon, %(date)s."),
    ),
    (
        r"The target date lies before the latest evaluation: its figures are observed, "
        r"not forecast\.",
        N_(
            "The target date lies before the latest evaluation: its figures are observed, not "
            "forecast."
        ),
    ),
    (
        r"Not enough history: (?P<used>\d+) evaluations? with joint ratings; a forecast needs "
        r"at least (?P<min>\d+), so that every standard has moves to learn from\.",
        N_(
            "Not enough history: %(used)s evaluation(s) with joint ratings; a forecast needs at "
            "least %(min)s, so that every standard has moves to learn from."
        ),
    ),
    (
        r"Not enough history: (?P<used>\d+) evaluations? with joint ratings; a back-test needs "
        r"at least (?P<need>\d+) \((?P<min>\d+) to forecast from and a later one to score "
        r"against\)\.",
        N_(
            "Not enough history: %(used)s evaluation(s) with joint ratings; a back-test needs at "
            "least %(need)s (%(min)s to forecast from and a later one to score against)."
        ),
    ),
    (
        r"Nothing to score: no standard applicable at an origin was rated after it\.",
        N_("Nothing to score: no standard applicable at an origin was rated after it."),
    ),
    (
        r"Not enough history: a back-test needs at least (?P<need>\d+) evaluations "
        r"\((?P<min>\d+) to forecast from and a later one to score against\); there are "
        r"(?P<used>\d+)\.",
        N_(
            "Not enough history: a back-test needs at least %(need)s evaluations (%(min)s to "
            "forecast from and a later one to score against); there are %(used)s."
        ),
    ),
    (
        r"(?P<origins>\d+) origins?, (?P<pairs>\d+) forecasts of the next evaluation scored "
        r"\(Brier score: lower is better; 0 is perfect\)\.",
        N_(
            "%(origins)s starting point(s), %(pairs)s forecasts of the next evaluation scored "
            "(Brier score: lower is better; 0 is perfect)."
        ),
    ),
    (r"this installation has no forecast service", N_("this installation has no forecast service")),
]
"""The forecast's and back-test's sentences (engine.forecast, engine.backtest, the report's
own), each pattern with the message said instead."""

_SENTENCES = [(re.compile(p), m) for p, m in _MESSAGES]


def forecast_message(text: str | None) -> str:
    """A forecast or back-test message, sentence by sentence, in the current language; a
    message with a sentence not recognised stays as it is."""
    if not text or english():
        return text or ""
    out, rest = [], text.strip()
    while rest:
        for pattern, message in _SENTENCES:
            found = pattern.match(rest)
            if found:
                out.append(_(message, **found.groupdict()))
                rest = rest[found.end() :].lstrip()
                break
        else:
            return text
    return " ".join(out)


def forecast_texts(fc: dict[str, Any]) -> dict[str, str]:
    """The forecast section's generated text in the current language: its message, method and
    the back-test's message."""
    skill = fc.get("skill") or {}
    return {
        "message": forecast_message(fc.get("message")),
        "method": forecast_method(fc.get("method")),
        "skill": forecast_message(skill.get("message")),
    }
