"""The timeline as a Vega-Lite chart (page, report file) and as a section of the report.

One lane per kind of event (evaluations, stage verifications, each body's meetings in chain
order, decisions, signatures); colour says where an item comes from (public record,
illustrative, recorded), so real and invented items are told apart in the figure too.
"""

from __future__ import annotations

from typing import Any

from accord.i18n import format_partial_date, term
from accord.i18n import gettext as _
from accord.i18n import lazy_gettext as N_

from .charts import SCHEMA

PROVENANCE_COLOURS = {
    "public record": "#1f6f8b",
    "illustrative": "#c77c02",
    "recorded": "#5b6676",
}
KIND_LANES = {
    "evaluation": N_("Evaluations"),
    "stage_event": N_("Stage verifications"),
    "decision": N_("Decisions"),
    "signature": N_("Signatures"),
}


def _meetings(body: str) -> str:
    return _("%(body)s meetings", body=body)


def _lane(event: dict[str, Any]) -> str:
    kind = str(event["kind"])
    if kind == "meeting":
        return _meetings((event["meeting"] or "").split("-")[0])
    return str(KIND_LANES.get(kind, kind))


def timeline_chart(doc: dict[str, Any]) -> dict[str, Any] | None:
    """A point (or a bar, for a period) per event, in lanes; None when there are no events."""
    events = doc["events"]
    if not events:
        return None
    lanes = [str(KIND_LANES["evaluation"]), str(KIND_LANES["stage_event"])]
    lanes += [_meetings(b) for b in doc["bodies"]]
    lanes += [str(KIND_LANES["decision"]), str(KIND_LANES["signature"])]
    values = [
        {
            "lane": _lane(e),
            "start": e["start"],
            "end": e["end"],
            "date": format_partial_date(e["date"]),
            "title": e["title"][:120],
            "kind": term(e["kind"].replace("_", " ")),
            "provenance": term(e["provenance_label"]),
        }
        for e in events
    ]
    present = [lane for lane in lanes if any(v["lane"] == lane for v in values)]
    present += sorted({v["lane"] for v in values} - set(present))
    encoding: dict[str, Any] = {
        "y": {"field": "lane", "type": "nominal", "title": None, "sort": present},
        "color": {
            "field": "provenance",
            "type": "nominal",
            "title": _("source"),
            "scale": {
                "domain": [term(p) for p in PROVENANCE_COLOURS],
                "range": list(PROVENANCE_COLOURS.values()),
            },
            "legend": {"orient": "bottom"},
        },
        "tooltip": [
            {"field": "date", "title": _("date")},
            {"field": "kind", "title": _("kind")},
            {"field": "title", "title": _("what")},
            {"field": "provenance", "title": _("source")},
        ],
    }
    x = {"field": "start", "type": "temporal", "title": None, "axis": {"format": "%Y"}}
    return {
        "$schema": SCHEMA,
        "title": {
            "text": _("Timeline"),
            "subtitle": _("Public record and illustrative items are coloured apart"),
            "anchor": "start",
        },
        "width": "container",
        "height": {"step": 34},
        "data": {"values": values},
        "layer": [
            {  # periods (an exercise over two months, a year known only to the year)
                "mark": {"type": "rule", "strokeWidth": 6, "opacity": 0.35},
                "encoding": {
                    **encoding,
                    "color": {**encoding["color"], "legend": None},  # the points' legend
                    "x": x,
                    "x2": {"field": "end"},
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 90, "opacity": 0.9},
                "encoding": {
                    **encoding,
                    "x": x,
                    "shape": {"field": "kind", "type": "nominal", "legend": None},
                },
            },
        ],
    }


def report_section(doc: dict[str, Any]) -> dict[str, Any]:
    """What the report shows of the timeline: its events, and the counts by provenance."""
    counts: dict[str, int] = {}
    for e in doc["events"]:
        counts[e["provenance_label"]] = counts.get(e["provenance_label"], 0) + 1
    return {"events": doc["events"], "counts": counts, "bodies": doc["bodies"]}
