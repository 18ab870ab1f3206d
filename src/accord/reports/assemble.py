"""The annual evaluation report: everything it shows, gathered from the services as one dict.

Every figure comes from a service result (the summary document, the reconciliation queue, the
signed document, the forecast); nothing is recomputed here, so the report, the dashboard and
the API always agree.  The dict is the JSON format of the report and the input of every
template (page, HTML file, PDF) and of the Markdown writer.

Reports exist only for concluded (or signed) evaluations: before that the joint ratings can
still change and, while the evaluation is open, the parties' ratings are blind.  Anything else
is a Conflict (HTTP 409); see docs/report.md.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy.orm import Session

from accord import permissions
from accord.engine.framework import NOT_APPLICABLE, Framework
from accord.models import Evaluation, Plan
from accord.services import (
    Conflict,
    action_items,
    documents,
    evaluations,
    evidence,
    ratings,
    reconciliation,
    signatures,
)
from accord.services.actors import Actor

from . import charts
from .statement import anchor, scm_statement
from .timeline import report_section, timeline_chart

__all__ = ["REPORTABLE", "SECTIONS", "anchor", "build_report"]

REPORT_FORMAT = "accord/report@1"
REPORTABLE = ("concluded", "signed")
FORECAST_PATHS = 10_000

SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Executive summary"),
    ("conditions", "Conditions and fields"),
    ("trends", "Progress over the years"),
    ("stages", "Stage readiness"),
    ("agreement", "Party agreement"),
    ("divergences", "Divergences and their resolution"),
    ("action-items", "Action items"),
    ("forecast", "Forecast"),
    ("timeline", "Governance timeline"),
    ("appendix", "Appendix: standards and ratings"),
)


def build_report(
    *, session: Session, actor: Actor, plan_code: str, code: str, marking: str | None = None
) -> dict[str, Any]:
    """The report of one concluded evaluation (Conflict before it is concluded)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    ev = evaluations.get_evaluation(session=session, plan=plan, code=code)
    if ev.status not in REPORTABLE:
        raise Conflict(
            f"evaluation {ev.code} is {ev.status}, not concluded: its report is produced once "
            "the parties have concluded it (the joint ratings may still change until then)"
        )
    view = evaluations.summarize_evaluation(session=session, plan=plan, code=ev.code)
    summary = documents.summary_document(view)
    fw = view.framework
    history, field_history = _history(session, plan, ev)
    signed = json.loads(
        signatures.document_text(session=session, actor=actor, plan=plan, code=ev.code)
    )
    joint = {r["code"]: r for r in signed["joint_ratings"]}
    sig_state = signatures.signatures_of(session=session, actor=actor, plan=plan, code=ev.code)
    party_codes = [p.code for p in plan.parties]
    by_party = {
        p: {
            r["standard"]: r
            for r in ratings.party_ratings(
                session=session, actor=actor, plan_code=plan.code, code=ev.code, party_code=p
            )
        }
        for p in party_codes
    }
    state = ratings.status(session=session, actor=actor, plan_code=plan.code, code=ev.code)
    imported = not any(p["submitted"] for p in state["parties"])
    queue = reconciliation.queue(session=session, actor=actor, plan_code=plan.code, code=ev.code)
    titles = _titles(fw)
    seen = _evidence(session, actor, plan, ev)
    illustrative = bool(summary["illustrative"])
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "marking": " ".join((marking or "").split()) or None,  # one line, always
        "illustrative": illustrative,
        "notice": summary["notice"],
        "sections": [{"id": sid, "title": title} for sid, title in SECTIONS],
        "title_page": {
            "plan": {**summary["plan"], "title_ko": fw.title_ko},
            "evaluation": summary["evaluation"],
            "previous_evaluation": summary["previous_evaluation"],
            "framework": {
                **summary["framework"],
                "content_hash": signed["framework"]["content_hash"],
            },
            "parties": [{"code": p.code, "name": p.name} for p in plan.parties],
            "signatures": {
                "status": sig_state["status"],
                "signed": [
                    {"party": s["party"], "signer": s["signer"], "signed_at": s["signed_at"]}
                    for s in sig_state["signatures"]
                ],
                "pending": sig_state["pending"],
                "document_sha256": sig_state["document_sha256"],
            },
        },
        "summary": summary,
        "titles_ko": {k: v for k, v in titles.items() if v},
        "history": history,
        "field_history": field_history,
        "divergences": _divergences(queue, joint, imported),
        "action_items": _action_items(session, actor, plan, ev),
        "forecast": _forecast(session, actor, plan, ev),
        "appendix": _appendix(fw, summary, party_codes, by_party, joint, titles, seen),
        "evidence_count": sum(len(v) for v in seen.values()),
        "timeline": _timeline(session, actor, plan, ev),
    }
    report["highlights"] = _highlights(report)
    report["statement"] = scm_statement(report)
    report["charts"] = _charts(report)
    return report


def _titles(fw: Framework) -> dict[str, str]:
    """Korean titles of the conditions, fields and standards (empty where none)."""
    out: dict[str, str] = {}
    for c in fw.conditions:
        out[c.code] = c.title_ko
        for f in c.fields:
            out[f.code] = f.title_ko
            for s in f.standards:
                out[s.code] = s.title_ko
    return out


def _history(
    session: Session, plan: Plan, ev: Evaluation
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Condition and field scores of every evaluation up to this one, oldest first."""
    order = [e.id for e in evaluations.list_evaluations(session=session, plan=plan)]
    upto = order.index(ev.id)
    points = [
        p
        for p in evaluations.plan_history(session=session, plan=plan)
        if order.index(p.evaluation.id) <= upto
    ]
    fields = [
        {
            "evaluation": p.evaluation.code,
            "held_on": p.evaluation.held_on.isoformat(),
            "fields": {
                f.code: None if f.score is None else round(f.score, 4) for f in p.rollup.fields
            },
        }
        for p in points
    ]
    return documents.history_document(points), fields


def _divergences(
    queue: dict[str, Any], joint: dict[str, dict[str, Any]], imported: bool
) -> dict[str, Any]:
    """The standards the parties rated differently, and how each joint rating was reached."""
    items = []
    for item in queue["items"]:
        steps = item["history"]
        if steps:
            how = "reconciled"
        elif item["joint"] is None:
            how = "unresolved"
        elif imported:
            how = "imported"
        else:
            how = "rule"
        items.append(
            {
                "standard": item["standard"],
                "title": item["title"],
                "condition": item["condition"],
                "field": item["field"],
                "threshold": item["threshold"],
                "levels": item["levels"],
                "gap": item["gap"],
                "joint": item["joint"],
                "resolution": how,
                "rationale": joint.get(item["standard"], {}).get("rationale", ""),
                "steps": [
                    {k: s[k] for k in ("kind", "party", "level", "rationale", "at")} for s in steps
                ],
            }
        )
    return {
        "rule": queue["rule"],
        "imported": imported,
        "count": queue["divergent"],
        "unresolved": queue["unresolved"],
        "items": items,
    }


def _action_items(session: Session, actor: Actor, plan: Plan, ev: Evaluation) -> dict[str, Any]:
    """Items this evaluation raised, and earlier ones still open that it carried."""
    order = {
        e.code: i for i, e in enumerate(evaluations.list_evaluations(session=session, plan=plan))
    }
    here = order[ev.code]
    items = action_items.list_items(session=session, actor=actor, plan_code=plan.code)
    return {
        "raised": [i for i in items if i["evaluation"] == ev.code],
        "carried": [
            i
            for i in items
            if order.get(i["evaluation"], here) < here and i["status"] in ("open", "in_progress")
        ],
    }


def _forecast(session: Session, actor: Actor, plan: Plan, ev: Evaluation) -> dict[str, Any]:
    """The forecast from the history up to this evaluation, or why there is none."""
    try:
        from accord.services.forecasts import forecast_plan
    except ModuleNotFoundError as exc:
        if exc.name not in ("accord.services.forecasts",):
            raise
        return {"available": False, "message": "this installation has no forecast service"}
    doc = forecast_plan(
        session=session, actor=actor, plan_code=plan.code, paths=FORECAST_PATHS, as_of=ev.code
    )
    return {"available": True, **doc}


def _evidence(
    session: Session, actor: Actor, plan: Plan, ev: Evaluation
) -> dict[str, list[dict[str, Any]]]:
    """The evidence of the evaluation the actor may see (another party's party-only evidence
    never), by standard: only what a reader needs to find it."""
    out: dict[str, list[dict[str, Any]]] = {}
    for doc in evidence.list_evidence(
        session=session, actor=actor, plan_code=plan.code, code=ev.code
    ):
        t = doc["target"]
        rating = {"joint": "joint", "action": "action item"}.get(t["kind"], t.get("party", ""))
        out.setdefault(t["standard"], []).append(
            {
                "title": doc["title"],
                "kind": doc["kind"],
                "rating": rating,
                "url": doc["url"],
                "sha256": doc["sha256"],
                "releasability": doc["releasability"],
                "expired": doc["expired"],
                "label": doc["label"],
            }
        )
    return out


def _appendix(
    fw: Framework,
    summary: dict[str, Any],
    parties: list[str],
    by_party: dict[str, dict[str, dict[str, Any]]],
    joint: dict[str, dict[str, Any]],
    titles: dict[str, str],
    seen: dict[str, list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Every standard, grouped by condition and field, with each party's and the joint rating."""
    below = {g["code"] for g in summary["gaps"]}
    unrated = set(summary["unrated"])
    out = []
    for c in fw.conditions:
        fields = []
        for f in c.fields:
            rows = []
            for s in f.standards:
                level = joint.get(s.code, {}).get("level")
                if s.code in unrated or level is None:
                    state = "not rated"
                elif level == NOT_APPLICABLE:
                    state = "not applicable"
                else:
                    state = "below threshold" if s.code in below else "met"
                rows.append(
                    {
                        "code": s.code,
                        "title": s.title,
                        "title_ko": titles.get(s.code, ""),
                        "threshold": s.threshold,
                        "weight": s.weight,
                        "parties": {p: by_party[p].get(s.code, {}).get("level") for p in parties},
                        "party_rationales": {
                            p: by_party[p][s.code]["rationale"]
                            for p in parties
                            if by_party[p].get(s.code, {}).get("rationale")
                        },
                        "joint": level,
                        "rationale": joint.get(s.code, {}).get("rationale", ""),
                        "status": state,
                        "evidence": seen.get(s.code, []),
                    }
                )
            fields.append({"code": f.code, "title": f.title, "standards": rows})
        out.append({"code": c.code, "title": c.title, "fields": fields})
    return out


def _highlights(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The key figures of the executive summary, each linked to the section it comes from."""
    s = report["summary"]
    ps = s["plan_score"]
    out: list[dict[str, Any]] = [
        {"label": "Plan score", "value": ps["score"], "kind": "score", "anchor": "#conditions"},
        {
            "label": "Standards met",
            "value": ps["counts"]["met"],
            "of": ps["counts"]["applicable"],
            "kind": "count",
            "anchor": "#conditions",
        },
    ]
    nxt = next((st for st in s["stages"] if not st["ready"]), None)
    if nxt is not None:
        out.append(
            {
                "label": f"{nxt['code']} requirements met",
                "value": nxt["met"],
                "of": nxt["required"] - nxt["not_applicable"],
                "kind": "count",
                "anchor": f"#stage-{nxt['code']}",
            }
        )
    if s["agreement"]:
        overall = s["agreement"][0]["overall"]
        out.append(
            {
                "label": "Exact agreement",
                "value": overall["exact"],
                "kind": "share",
                "anchor": "#agreement",
            }
        )
    fc = report["forecast"]
    if fc.get("available") and fc.get("enough_history"):
        out.append(
            {
                "label": "Plan met by target date",
                "value": fc["plan_forecast"]["probability_by_target"],
                "kind": "share",
                "anchor": "#forecast",
            }
        )
    return out


def _charts(report: dict[str, Any]) -> dict[str, Any]:
    """Vega-Lite specifications of the report's figures (None where there is nothing to draw:
    a trend needs two evaluations)."""
    s = report["summary"]
    illustrative = report["illustrative"]
    cond_titles = {c["code"]: c["title"] for c in s["conditions"]}
    field_titles = {f["code"]: f["title"] for c in s["conditions"] for f in c["fields"]}
    fc = report["forecast"]
    fan = None
    if fc.get("available") and fc.get("enough_history") and fc.get("fan"):
        fan = charts.fan_chart(fc)  # the forecast's own chart: the same figure everywhere
    return {
        "condition_scores": charts.condition_scores(
            report["history"], cond_titles, illustrative=illustrative
        )
        if len(report["history"]) > 1
        else None,
        "field_heatmap": charts.field_heatmap(
            report["field_history"], field_titles, illustrative=illustrative
        )
        if len(report["field_history"]) > 1
        else None,
        "stage_readiness": charts.stage_readiness(s["stages"], illustrative=illustrative)
        if s["stages"]
        else None,
        "forecast_fan": fan,
        "timeline": timeline_chart(report["timeline"]) if report["timeline"]["events"] else None,
    }


def _timeline(session: Session, actor: Actor, plan: Plan, ev: Evaluation) -> dict[str, Any]:
    """The plan's governance timeline (docs/governance.md), and where this evaluation went."""
    from accord.services import timeline

    doc = timeline.timeline_document(session=session, actor=actor, plan_code=plan.code)
    return {
        **report_section(doc),
        "presented_to": timeline.meetings_of_evaluation(session, plan, ev.id),
    }
