"""Vega-Lite chart specifications, built as plain dicts (rendered by vega-embed in the page)."""

from __future__ import annotations

from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"


def condition_scores(
    history: list[dict[str, Any]], titles: dict[str, str], *, illustrative: bool
) -> dict[str, Any]:
    """A line per condition: its score in each evaluation (the history document as input)."""
    values = [
        {
            "evaluation": h["evaluation"],
            "held_on": h["held_on"],
            "condition": code,
            "title": f"{code} {titles.get(code, '')}".strip(),
            "score": score,
        }
        for h in history
        for code, score in h["conditions"].items()
        if score is not None
    ]
    subtitle = "Illustrative data — not an actual assessment" if illustrative else ""
    return {
        "$schema": SCHEMA,
        "title": {
            "text": "Condition scores by evaluation",
            "subtitle": subtitle,
            "anchor": "start",
        },
        "width": "container",
        "height": 260,
        "data": {"values": values},
        "mark": {"type": "line", "point": True, "strokeWidth": 2},
        "encoding": {
            "x": {
                "field": "held_on",
                "type": "temporal",
                "title": "evaluation",
                "axis": {"format": "%Y", "tickCount": {"interval": "year", "step": 1}},
            },
            "y": {
                "field": "score",
                "type": "quantitative",
                "title": "score (0–1)",
                "scale": {"domain": [0, 1]},
            },
            "color": {
                "field": "title",
                "type": "nominal",
                "title": "condition",
                "legend": {"orient": "bottom", "columns": 1, "labelLimit": 600},
            },
            "tooltip": [
                {"field": "evaluation", "title": "evaluation"},
                {"field": "title", "title": "condition"},
                {"field": "score", "title": "score", "format": ".2f"},
            ],
        },
    }
