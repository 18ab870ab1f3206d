"""The timeline as a Vega-Lite chart (page, report file) and as a section of the report.

One lane per kind of event (evaluations, stage verifications, each body's meetings in chain
order, decisions, signatures); colour says where an item comes from (public record,
illustrative, recorded), so real and invented items are told apart in the figure too.
"""

from __future__ import annotations

from typing import Any

from .charts import SCHEMA

PROVENANCE_COLOURS = {
    "public record": "#1f6f8b",
    "illustrative": "#c77c02",
    "recorded": "#5b6676",
}
KIND_LANES = {
    "evaluation": "Evaluations",
    "stage_event": "Stage verifications",
    "decision": "Decisions",
    "signature": "Signatures",
}


def _lane(event: dict[str, Any]) -> str:
    kind = str(event["kind"])
    if kind == "meeting":
        return f"{(event['meeting'] or '').split('-')[0]} meetings"
    return KIND_LANES.get(kind, kind)


def timeline_chart(doc: dict[str, Any]) -> dict[str, Any] | None:
    """A point (or a bar, for a period) per event, in lanes; None when there are no events."""
    events = doc["events"]
    if not events:
        return None
    lanes = ["Evaluations", "Stage verifications"]
    lanes += [f"{b} meetings" for b in doc["bodies"]] + ["Decisions", "Signatures"]
    values = [
        {
            "lane": _lane(e),
            "start": e["start"],
            "end": e["end"],
            "date": e["label_date"],
            "title": e["title"][:120],
            "kind": e["kind"].replace("_", " "),
            "provenance": e["provenance_label"],
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
            "title": "source",
            "scale": {
                "domain": list(PROVENANCE_COLOURS),
                "range": list(PROVENANCE_COLOURS.values()),
            },
            "legend": {"orient": "bottom"},
        },
        "tooltip": [
            {"field": "date", "title": "date"},
            {"field": "kind", "title": "kind"},
            {"field": "title", "title": "what"},
            {"field": "provenance", "title": "source"},
        ],
    }
    x = {"field": "start", "type": "temporal", "title": None, "axis": {"format": "%Y"}}
    return {
        "$schema": SCHEMA,
        "title": {
            "text": "Timeline",
            "subtitle": "Public record and illustrative items are coloured apart",
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
