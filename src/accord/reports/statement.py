"""The statement for the SCM: one paragraph in the register of a joint communiqué.

It is written from the report's figures only.  Every claim carries a footnote number, the
report section it links to, and a JSON pointer (RFC 6901) into the report document together
with the value found there, so a reader can check each word against the number it rests on:

    {"id": 1, "text": "across 7 of 9 fields", "source": "/summary/progress/statement",
     "value": "Meaningful progress across 7 of 9 fields (...)", "anchor": "#progress-basis"}
"""

from __future__ import annotations

import datetime as dt
from typing import Any

EPS = 0.0005  # scores are shown with two decimals; smaller moves are "unchanged"
NOTABLE = 3  # fields named as examples of progress or setback


def resolve(doc: Any, pointer: str) -> Any:
    """The value at a JSON pointer (RFC 6901) in `doc`; KeyError/IndexError if absent."""
    node = doc
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


class _Writer:
    """Collects the paragraph as segments, some of them claims with their source."""

    def __init__(self, report: dict[str, Any]) -> None:
        self.report = report
        self.segments: list[dict[str, Any]] = []
        self.claims: list[dict[str, Any]] = []

    def say(self, text: str) -> None:
        self.segments.append({"text": text, "claim": None})

    def cite(self, text: str, source: str, anchor: str) -> None:
        claim = {
            "id": len(self.claims) + 1,
            "text": text.strip(" ,;"),
            "source": source,
            "value": resolve(self.report, source),
            "anchor": anchor,
        }
        self.claims.append(claim)
        self.segments.append({"text": text, "claim": claim["id"]})


def _score(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def _chance(x: float) -> str:
    """'a 64% probability'; near the ends, words rather than a rounded 0% or 100%."""
    if x < 0.005:
        return "a probability below 1%" if x > 0 else "a 0% probability (no simulated path)"
    if x > 0.995:
        return "a probability above 99%" if x < 1 else "a probability of 100%"
    return f"a {_pct(x)} probability"


def _long_date(iso: str | None) -> str:
    if not iso:
        return "no date"
    d = dt.date.fromisoformat(iso[:10])
    return f"{d.day} {d:%B %Y}"


def _month(iso: str) -> str:
    return f"{dt.date.fromisoformat(iso[:10]):%B %Y}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _nodes(summary: dict[str, Any], judged_at: str) -> list[tuple[dict[str, Any], str]]:
    """The judged nodes (fields or conditions) with the JSON pointer of each."""
    out = []
    for i, c in enumerate(summary["conditions"]):
        if judged_at == "condition":
            out.append((c, f"/summary/conditions/{i}"))
        else:
            out.extend(
                (f, f"/summary/conditions/{i}/fields/{j}") for j, f in enumerate(c["fields"])
            )
    return out


def anchor(code: str) -> str:
    """The HTML id of a condition's or field's row in the report's conditions table."""
    return "node-" + "".join(ch if ch.isalnum() else "-" for ch in code)


def _anchor(code: str) -> str:
    return "#" + anchor(code)


def scm_statement(report: dict[str, Any]) -> dict[str, Any]:
    """The SCM paragraph with its claims (see the module docstring for their shape)."""
    w = _Writer(report)
    s = report["summary"]
    page = report["title_page"]
    parties = page["parties"]
    sides = "The two sides" if len(parties) == 2 else f"The {len(parties)} parties"
    label = s["evaluation"]["label"]
    prev = s["previous_evaluation"]
    progress = s["progress"]
    ps = s["plan_score"]
    counts = ps["counts"]
    all_met = counts["applicable"] > 0 and counts["met"] == counts["applicable"]

    if report["illustrative"]:
        w.say(f"{report['notice']}. ")
    if prev is None or progress is None:
        w.say(f"{sides} completed the first joint evaluation of the plan, the {label}, ")
        w.say("which establishes the baseline for measuring progress; they noted that ")
        w.cite(
            f"the plan's overall score stood at {_score(ps['score'])}",
            "/summary/plan_score/score",
            "#conditions",
        )
        w.say(" and that ")
        _met_clause(w, counts, all_met)
    else:
        _progress_clause(w, s, sides, label, prev)
        delta = ps["progress"]["delta"] if ps["progress"] else None
        w.say("; they noted that ")
        if delta is not None:
            verb = "rose" if delta > EPS else ("fell" if delta < -EPS else "held")
            move = (
                f"held at {_score(ps['score'])}"
                if verb == "held"
                else f"{verb} from {_score(ps['progress']['before'])} to {_score(ps['score'])}"
            )
            w.cite(
                f"the plan's overall score {move}",
                "/summary/plan_score/progress/delta",
                "#conditions",
            )
            w.say(" and that ")
        _met_clause(w, counts, all_met)
        _setbacks(w, s)
    _stages_clause(w, s)
    _forecast_clause(w, report)
    w.say(".")
    text = "".join(seg["text"] for seg in w.segments)
    marked = "".join(
        seg["text"] + (f"[{seg['claim']}]" if seg["claim"] else "") for seg in w.segments
    )
    return {
        "evaluation": s["evaluation"]["code"],
        "plan": s["plan"]["code"],
        "illustrative": report["illustrative"],
        "notice": report["notice"],
        "text": text,
        "marked": marked,
        "segments": w.segments,
        "claims": w.claims,
        "sources": "JSON pointers into the report document (GET .../report?format=json)",
    }


def _met_clause(w: _Writer, counts: dict[str, Any], all_met: bool) -> None:
    if all_met:
        text = f"all {counts['applicable']} standards met their thresholds"
    elif counts["met"] == 1:
        text = f"1 of {counts['applicable']} standards met its threshold"
    else:
        text = f"{counts['met']} of {counts['applicable']} standards met their thresholds"
    w.cite(text, "/summary/plan_score/counts/met", "#conditions")


def _progress_clause(
    w: _Writer, s: dict[str, Any], sides: str, label: str, prev: dict[str, Any]
) -> None:
    progress = s["progress"]
    judged = progress["rule"]["judged_at"]
    plural = judged + "s"
    if progress["comparable"] == 0:
        w.say(f"{sides} noted that ")
        w.cite(
            f"progress since the {prev['label']} could not be judged",
            "/summary/progress/statement",
            "#progress-basis",
        )
        return
    q, m = len(progress["qualifying"]), progress["comparable"]
    if progress["meaningful"]:
        w.say(f"{sides} assessed that meaningful progress had been made in the {label}, ")
        w.cite(f"across {q} of {m} {plural}", "/summary/progress/statement", "#progress-basis")
    elif q:
        w.say(f"{sides} assessed that, in the {label}, ")
        w.cite(
            f"progress had been made in {q} of {m} {plural}",
            "/summary/progress/statement",
            "#progress-basis",
        )
    else:
        w.say(f"{sides} assessed that ")
        w.cite(
            f"no meaningful progress had been made in the {label} since the {prev['label']}",
            "/summary/progress/statement",
            "#progress-basis",
        )
        return
    nodes = [
        (n, ptr)
        for n, ptr in _nodes(s, judged)
        if n["code"] in progress["qualifying"] and n["progress"]["delta"] is not None
    ]
    nodes.sort(key=lambda item: -item[0]["progress"]["delta"])
    named = nodes[:NOTABLE]
    if named:
        w.say(", notably in " if progress["meaningful"] else ", in ")
    for k, (n, ptr) in enumerate(named):
        if k:
            w.say(" and " if k == len(named) - 1 else ", ")
        d = n["progress"]["delta"]
        w.cite(
            f"{n['title']} ({n['code']}, score {d:+.2f} to {_score(n['score'])})",
            f"{ptr}/progress/delta",
            _anchor(n["code"]),
        )
    if not progress["meaningful"]:
        w.say(", short of meaningful progress under the agreed rule")


def _setbacks(w: _Writer, s: dict[str, Any]) -> None:
    progress = s["progress"]
    judged = progress["rule"]["judged_at"]
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
    w.say("; they noted setbacks in ")
    shown = falling[:NOTABLE]
    for k, (_d, n, ptr, what) in enumerate(shown):
        if k:
            w.say(" and " if k == len(shown) - 1 and len(falling) == len(shown) else ", ")
        p = n["progress"]
        if what == "delta":
            text = f"{n['title']} ({n['code']}, score {p['delta']:+.2f} to {_score(n['score'])})"
        else:
            lost = ", ".join(p["newly_unmet"])
            text = f"{n['title']} ({n['code']}, {lost} no longer met)"
        w.cite(text, f"{ptr}/progress/{what}", _anchor(n["code"]))
    rest = len(falling) - len(shown)
    if rest:
        w.say(f" and {rest} other {judged}{'s' if rest != 1 else ''}")


def _stages_clause(w: _Writer, s: dict[str, Any]) -> None:
    stages = s["stages"]
    if not stages:
        return
    k = next((i for i, st in enumerate(stages) if not st["ready"]), None)
    if k is None:
        w.say("; they noted that the requirements of every verification stage had been met (")
        for i, st in enumerate(stages):
            if i:
                w.say(", " if i < len(stages) - 1 else " and ")
            w.cite(st["code"], f"/summary/stages/{i}/ready", f"#stage-{st['code']}")
        w.say(")")
        return
    st = stages[k]
    needed = st["required"] - st["not_applicable"]
    when = st.get("target_label") or (_long_date(st["target_date"]) if st["target_date"] else "")
    target = f", targeted for {when}," if when else ""
    w.say(f"; on {st['name']} ({st['code']}) certification{target} they noted that ")
    verb = "is" if st["met"] == 1 else "are"
    w.cite(
        f"{st['met']} of the {needed} required standards {verb} met",
        f"/summary/stages/{k}/met",
        f"#stage-{st['code']}",
    )
    below = [b["code"] for b in st["blocking"] if b["reason"] == "below threshold"]
    unrated = [b for b in st["blocking"] if b["reason"] == "not rated"]
    parts = []
    if below:
        verb = "remains" if len(below) == 1 else "remain"
        parts.append(f"{_join(below)} {verb} below threshold")
    if unrated:
        parts.append(f"{len(unrated)} not yet rated")
    if parts:
        w.say(", while ")
        w.cite(" and ".join(parts), f"/summary/stages/{k}/blocking", f"#stage-{st['code']}")


def _forecast_clause(w: _Writer, report: dict[str, Any]) -> None:
    fc = report["forecast"]
    if not fc.get("available"):
        return
    if not fc.get("enough_history"):
        w.say("; they noted that ")
        w.cite(
            "the history of joint ratings is not yet long enough for a forecast",
            "/forecast/enough_history",
            "#forecast",
        )
        return
    pf = fc["plan_forecast"]
    n = fc.get("evaluations_used")
    basis = f", from the joint ratings of {n} evaluations," if n else ""
    target = fc.get("target_date") or report["summary"]["plan"]["target_date"]
    w.say(f"; they further noted the model estimate{basis} of ")
    # no target date in force (a conditions-based transition): the forecast's horizon instead
    by = (
        f"the target date of {_long_date(target)}"
        if target
        else f"the end of the forecast horizon, {_long_date(fc.get('horizon_date'))}"
    )
    w.cite(
        f"{_chance(pf['probability_by_target'])} that every condition is met by {by}",
        "/forecast/plan_forecast/probability_by_target",
        "#forecast",
    )
    if pf.get("median_date"):
        w.say(", with ")
        w.cite(
            f"a median expected date of {_month(pf['median_date'])}",
            "/forecast/plan_forecast/median_date",
            "#forecast",
        )
    else:
        w.say(", the median expected date lying beyond the forecast horizon")
