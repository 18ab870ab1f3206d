"""Vega-Lite chart specifications, built as plain dicts (rendered by vega-embed in the page)."""

from __future__ import annotations

from typing import Any

from accord.i18n import gettext as _
from accord.i18n import title as local

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
            "title": f"{code} {local(titles.get(code, ''))}".strip(),
            "score": score,
        }
        for h in history
        for code, score in h["conditions"].items()
        if score is not None
    ]
    subtitle = _subtitle(illustrative)
    return {
        "$schema": SCHEMA,
        "title": {
            "text": _("Condition scores by evaluation"),
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
                "title": _("evaluation"),
                "axis": {"format": "%Y", "tickCount": {"interval": "year", "step": 1}},
            },
            "y": {
                "field": "score",
                "type": "quantitative",
                "title": _("score (0–1)"),
                "scale": {"domain": [0, 1]},
            },
            "color": {
                "field": "title",
                "type": "nominal",
                "title": _("condition"),
                "legend": {"orient": "bottom", "columns": 1, "labelLimit": 600},
            },
            "tooltip": [
                {"field": "evaluation", "title": _("evaluation")},
                {"field": "title", "title": _("condition")},
                {"field": "score", "title": _("score"), "format": ".2f"},
            ],
        },
    }


def _subtitle(illustrative: bool) -> str:
    return _("Illustrative data — not an actual assessment") if illustrative else ""


def field_heatmap(
    history: list[dict[str, Any]], titles: dict[str, str], *, illustrative: bool
) -> dict[str, Any]:
    """Fields × evaluations, each cell coloured by the field's score (history: evaluation,
    held_on and {field code: score} per evaluation, oldest first)."""
    values = [
        {
            "evaluation": h["evaluation"],
            "field": code,
            "title": f"{code} {local(titles.get(code, ''))}".strip(),
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
            "title": _("evaluation"),
            "axis": {"labelAngle": 0},
        },
        "y": {"field": "title", "type": "ordinal", "sort": "ascending", "title": None},
    }
    return {
        "$schema": SCHEMA,
        "title": {
            "text": _("Field scores by evaluation"),
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
                        "title": _("score"),
                        "scale": {"domain": [0, 1], "scheme": "blues"},
                        "legend": {"orient": "right", "gradientLength": 120},
                    },
                    "tooltip": [
                        {"field": "evaluation", "title": _("evaluation")},
                        {"field": "title", "title": _("field")},
                        {"field": "score", "title": _("score"), "format": ".2f"},
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
    ready, blocked = _("requirements met"), _("blocked")
    values = [
        {
            "stage": f"{s['code']} {local(s['name'])}",
            "share_met": s["share_met"] or 0.0,
            "label": _("%(met)s/%(of)s met", met=s["met"], of=s["required"] - s["not_applicable"]),
            "state": ready if s["ready"] else blocked,
        }
        for s in stages
    ]
    order = [v["stage"] for v in values]
    y = {"field": "stage", "type": "nominal", "sort": order, "title": None}
    return {
        "$schema": SCHEMA,
        "title": {
            "text": _("Stage readiness: share of required standards met"),
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
                        "title": _("share of required standards met"),
                        "scale": {"domain": [0, 1]},
                        "axis": {"format": "%"},
                    },
                    "color": {
                        "field": "state",
                        "type": "nominal",
                        "title": None,
                        "scale": {
                            "domain": [ready, blocked],
                            "range": ["#1d7a46", "#a8321f"],
                        },
                        "legend": {"orient": "bottom"},
                    },
                    "tooltip": [
                        {"field": "stage"},
                        {"field": "label", "title": _("met")},
                        {"field": "share_met", "title": _("share"), "format": ".0%"},
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
    series = [
        _("observed"),
        _("median path"),
        _("middle 50%% of paths"),
        _("middle 80%% of paths"),
    ]
    colors = ["#2f7fc1", "#c05621", "#f0a36b", "#fbd9bf"]
    color_scale = {"domain": series, "range": colors}
    x = {"field": "date", "type": "temporal", "title": _("evaluation"), "axis": {"format": "%Y"}}
    y_axis = {"title": _("plan score (0–1)"), "scale": {"domain": [0, 1]}}
    band_tip = [
        {"field": "date", "type": "temporal", "title": _("evaluation"), "format": "%Y-%m-%d"},
        {"field": "p10", "title": "p10", "format": ".2f"},
        {"field": "p25", "title": "p25", "format": ".2f"},
        {"field": "p50", "title": _("median"), "format": ".2f"},
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
                    {"field": "evaluation", "title": _("evaluation")},
                    {"field": "score", "title": _("plan score"), "format": ".2f"},
                ],
            },
        }
    )
    if forecast.get("target_date"):
        target = [
            {
                "date": forecast["target_date"],
                "label": _("target %(date)s", date=forecast["target_date"]),
            }
        ]
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
    subtitle = _(
        "%(paths)s paths, seed %(seed)s",
        paths=format(forecast.get("paths", 0), ","),
        seed=forecast.get("seed", 0),
    )
    if forecast.get("illustrative"):
        subtitle = f"{_subtitle(True)} · {subtitle}"
    return {
        "$schema": SCHEMA,
        "title": {
            "text": _("Plan score: observed and forecast"),
            "subtitle": subtitle,
            "anchor": "start",
        },
        "width": "container",
        "height": 260,
        "layer": layers,
        "config": {"legend": {"orient": "bottom"}},
    }
