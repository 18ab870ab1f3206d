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


def _subtitle(illustrative: bool) -> str:
    return "Illustrative data — not an actual assessment" if illustrative else ""


def field_heatmap(
    history: list[dict[str, Any]], titles: dict[str, str], *, illustrative: bool
) -> dict[str, Any]:
    """Fields × evaluations, each cell coloured by the field's score (history: evaluation,
    held_on and {field code: score} per evaluation, oldest first)."""
    values = [
        {
            "evaluation": h["evaluation"],
            "field": code,
            "title": f"{code} {titles.get(code, '')}".strip(),
            "score": score,
        }
        for h in history
        for code, score in h["fields"].items()
        if score is not None
    ]
    order = [h["evaluation"] for h in history]
    encoding = {
        "x": {
            "field": "evaluation",
            "type": "ordinal",
            "sort": order,
            "title": "evaluation",
            "axis": {"labelAngle": 0},
        },
        "y": {"field": "title", "type": "ordinal", "sort": "ascending", "title": None},
    }
    return {
        "$schema": SCHEMA,
        "title": {
            "text": "Field scores by evaluation",
            "subtitle": _subtitle(illustrative),
            "anchor": "start",
        },
        "width": "container",
        "height": {"step": 26},
        "data": {"values": values},
        "encoding": encoding,
        "layer": [
            {
                "mark": {"type": "rect", "stroke": "white", "strokeWidth": 1},
                "encoding": {
                    "color": {
                        "field": "score",
                        "type": "quantitative",
                        "title": "score",
                        "scale": {"domain": [0, 1], "scheme": "blues"},
                        "legend": {"orient": "right", "gradientLength": 120},
                    },
                    "tooltip": [
                        {"field": "evaluation", "title": "evaluation"},
                        {"field": "title", "title": "field"},
                        {"field": "score", "title": "score", "format": ".2f"},
                    ],
                },
            },
            {
                "mark": {"type": "text", "fontSize": 10},
                "encoding": {
                    "text": {"field": "score", "type": "quantitative", "format": ".2f"},
                    "color": {
                        "condition": {"test": "datum.score >= 0.6", "value": "white"},
                        "value": "#1b2430",
                    },
                },
            },
        ],
        "config": {"axis": {"labelLimit": 290}},
    }


def stage_readiness(stages: list[dict[str, Any]], *, illustrative: bool) -> dict[str, Any]:
    """A bar per verification stage: the share of its required standards that are met
    (the summary document's stages as input)."""
    values = [
        {
            "stage": f"{s['code']} {s['name']}",
            "share_met": s["share_met"] or 0.0,
            "label": f"{s['met']}/{s['required'] - s['not_applicable']} met",
            "state": "requirements met" if s["ready"] else "blocked",
        }
        for s in stages
    ]
    order = [v["stage"] for v in values]
    y = {"field": "stage", "type": "nominal", "sort": order, "title": None}
    return {
        "$schema": SCHEMA,
        "title": {
            "text": "Stage readiness: share of required standards met",
            "subtitle": _subtitle(illustrative),
            "anchor": "start",
        },
        "width": "container",
        "height": {"step": 28},
        "data": {"values": values},
        "layer": [
            {
                "mark": {"type": "bar", "cornerRadiusEnd": 3},
                "encoding": {
                    "y": y,
                    "x": {
                        "field": "share_met",
                        "type": "quantitative",
                        "title": "share of required standards met",
                        "scale": {"domain": [0, 1]},
                        "axis": {"format": "%"},
                    },
                    "color": {
                        "field": "state",
                        "type": "nominal",
                        "title": None,
                        "scale": {
                            "domain": ["requirements met", "blocked"],
                            "range": ["#1d7a46", "#a8321f"],
                        },
                        "legend": {"orient": "bottom"},
                    },
                    "tooltip": [
                        {"field": "stage"},
                        {"field": "label", "title": "met"},
                        {"field": "share_met", "title": "share", "format": ".0%"},
                    ],
                },
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 4},
                "encoding": {
                    "y": y,
                    "x": {"field": "share_met", "type": "quantitative"},
                    "text": {"field": "label"},
                },
            },
        ],
        "config": {"axis": {"labelLimit": 320}},
    }


def fan_chart(forecast: dict[str, Any]) -> dict[str, Any]:
    """The plan score's fan: observed scores, then the median path and the bands holding the
    middle 50% and 80% of the simulated paths at each future evaluation (forecast document
    of `accord.services.forecasts` as input)."""
    observed = [
        {"date": h["date"], "score": h["plan_score"], "evaluation": h["evaluation"]}
        for h in forecast.get("history", [])
        if h["plan_score"] is not None
    ]
    fan = list(forecast.get("fan", []))
    series = ["observed", "median path", "middle 50% of paths", "middle 80% of paths"]
    colors = ["#2f7fc1", "#c05621", "#f0a36b", "#fbd9bf"]
    color_scale = {"domain": series, "range": colors}
    x = {"field": "date", "type": "temporal", "title": "evaluation", "axis": {"format": "%Y"}}
    y_axis = {"title": "plan score (0–1)", "scale": {"domain": [0, 1]}}
    band_tip = [
        {"field": "date", "type": "temporal", "title": "evaluation", "format": "%Y-%m-%d"},
        {"field": "p10", "title": "p10", "format": ".2f"},
        {"field": "p25", "title": "p25", "format": ".2f"},
        {"field": "p50", "title": "median", "format": ".2f"},
        {"field": "p75", "title": "p75", "format": ".2f"},
        {"field": "p90", "title": "p90", "format": ".2f"},
    ]

    def band(low: str, high: str, name: str) -> dict[str, Any]:
        return {
            "data": {"values": fan},
            "mark": {"type": "area", "opacity": 0.9},
            "encoding": {
                "x": x,
                "y": {"field": low, "type": "quantitative", **y_axis},
                "y2": {"field": high},
                "color": {"datum": name, "scale": color_scale, "legend": {"title": None}},
                "tooltip": band_tip,
            },
        }

    layers: list[dict[str, Any]] = []
    if fan:
        layers += [
            band("p10", "p90", series[3]),
            band("p25", "p75", series[2]),
            {
                "data": {"values": fan},
                "mark": {"type": "line", "strokeDash": [6, 3], "strokeWidth": 2},
                "encoding": {
                    "x": x,
                    "y": {"field": "p50", "type": "quantitative", **y_axis},
                    "color": {"datum": series[1], "scale": color_scale},
                    "tooltip": band_tip,
                },
            },
        ]
    layers.append(
        {
            "data": {"values": observed},
            "mark": {"type": "line", "point": True, "strokeWidth": 2},
            "encoding": {
                "x": x,
                "y": {"field": "score", "type": "quantitative", **y_axis},
                "color": {"datum": series[0], "scale": color_scale},
                "tooltip": [
                    {"field": "evaluation", "title": "evaluation"},
                    {"field": "score", "title": "plan score", "format": ".2f"},
                ],
            },
        }
    )
    if forecast.get("target_date"):
        target = [{"date": forecast["target_date"], "label": f"target {forecast['target_date']}"}]
        layers += [
            {
                "data": {"values": target},
                "mark": {"type": "rule", "strokeDash": [2, 2], "color": "#888"},
                "encoding": {"x": x},
            },
            {
                "data": {"values": target},
                "mark": {"type": "text", "align": "right", "dx": -4, "dy": -6, "color": "#888"},
                "encoding": {
                    "x": x,
                    "y": {"datum": 1.0, "type": "quantitative"},
                    "text": {"field": "label"},
                },
            },
        ]
    subtitle = f"{forecast.get('paths', 0):,} paths, seed {forecast.get('seed', 0)}"
    if forecast.get("illustrative"):
        subtitle = f"Illustrative data — not an actual assessment · {subtitle}"
    return {
        "$schema": SCHEMA,
        "title": {
            "text": "Plan score: observed and forecast",
            "subtitle": subtitle,
            "anchor": "start",
        },
        "width": "container",
        "height": 260,
        "layer": layers,
        "config": {"legend": {"orient": "bottom"}},
    }
