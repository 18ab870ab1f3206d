"""JSON documents built from service results: the API, `--json` output and pages share them."""

from __future__ import annotations

from typing import Any

from accord.engine.agreement import AgreementStats
from accord.engine.progress import NodeProgress, ProgressReport, describe_rule
from accord.engine.scoring import Counts, NodeScore

from .evaluations import HistoryPoint, SummaryView
from .timeline import in_force_document

ILLUSTRATIVE_NOTICE = "ILLUSTRATIVE — NOT AN ACTUAL ASSESSMENT"


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)


def _counts(c: Counts) -> dict[str, Any]:
    return {
        "met": c.met,
        "not_met": c.not_met,
        "not_rated": c.not_rated,
        "not_applicable": c.not_applicable,
        "total": c.total,
        "applicable": c.applicable,
        "share_met": _r(c.share_met),
    }


def _node(n: NodeScore, progress: NodeProgress | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": n.code,
        "title": n.title,
        "score": _r(n.score),
        "counts": _counts(n.counts),
    }
    out["progress"] = None if progress is None else _progress_node(progress)
    return out


def _progress_node(p: NodeProgress) -> dict[str, Any]:
    return {
        "before": _r(p.before),
        "after": _r(p.after),
        "delta": _r(p.delta),
        "newly_met": list(p.newly_met),
        "newly_unmet": list(p.newly_unmet),
        "meaningful": p.meaningful,
        "reasons": list(p.reasons),
    }


def _agreement(a: AgreementStats) -> dict[str, Any]:
    return {
        "compared": a.compared,
        "exact": _r(a.exact),
        "within_one": _r(a.within_one),
        "kappa": _r(a.kappa),
        "divergent": list(a.divergent),
    }


def progress_document(p: ProgressReport) -> dict[str, Any]:
    """The meaningful-progress verdict with the rule and the nodes it rests on."""
    rule = p.rule
    return {
        "statement": p.statement,
        "meaningful": p.meaningful,
        "rule": {
            "judged_at": rule.judged_at,
            "min_score_delta": rule.min_score_delta,
            "min_newly_met": rule.min_newly_met,
            "combine": rule.combine,
            "overall_share": rule.overall_share,
            "text": describe_rule(rule),
        },
        "qualifying": list(p.qualifying),
        "comparable": p.comparable,
        "total": p.total,
        "basis": [{"code": n.code, "title": n.title, **_progress_node(n)} for n in p.judged],
    }


def summary_document(view: SummaryView) -> dict[str, Any]:
    """Everything the dashboard shows about one evaluation, as JSON."""
    s, plan, ev = view.summary, view.plan, view.evaluation
    prog = s.progress
    f_prog = {n.code: n for n in prog.fields} if prog else {}
    c_prog = {n.code: n for n in prog.conditions} if prog else {}
    fw = view.framework
    # a target known only to the year or month ("FOC certification in 2026") reads as such
    labels = {
        d.what: d.date.label()
        for d in (view.dates.stages if view.dates else ())
        if d.date and d.date.precision != "day"
    }
    return {
        "plan": {
            "code": plan.code,
            "title": plan.title,
            "target_date": _date(fw.target_date),  # in force when the evaluation was held
            "illustrative": plan.illustrative,
        },
        "dates_in_force": in_force_document(view.dates, fw) if view.dates else None,
        "presented_to": [
            {k: m[k] for k in ("code", "label", "body", "date", "status", "provenance")}
            | {"public_record": m["public_record"], "illustrative": m["illustrative"]}
            for m in view.presented_to
        ],
        "illustrative": ev.illustrative or plan.illustrative,
        "notice": ILLUSTRATIVE_NOTICE if (ev.illustrative or plan.illustrative) else None,
        "evaluation": evaluation_document(ev),
        "previous_evaluation": evaluation_document(view.previous) if view.previous else None,
        "framework": {"code": fw.code, "version": fw.version, "rollup": fw.rollup},
        "ratings": {
            "joint": view.joint_rated,
            "parties": view.party_rated,
            "standards": len(fw.index.codes),
        },
        "plan_score": _node(s.rollup.plan, prog.plan if prog else None),
        "conditions": [
            {
                **_node(c, c_prog.get(c.code)),
                "fields": [
                    _node(f, f_prog.get(f.code)) for f in s.rollup.fields if f.parent == c.code
                ],
            }
            for c in s.rollup.conditions
        ],
        "unrated": list(s.rollup.unrated),
        "stages": [
            {
                "code": st.code,
                "name": st.name,
                "target_date": _date(st.target_date),
                "target_label": labels.get(st.code),
                "required": st.required,
                "met": st.met,
                "not_applicable": st.not_applicable,
                "share_met": _r(st.share_met),
                "ready": st.ready,
                "blocking": [
                    {"code": b.code, "reason": b.reason, "level": b.level, "threshold": b.threshold}
                    for b in st.blocking
                ],
            }
            for st in s.stages
        ],
        "gaps": [
            {
                "code": g.code,
                "title": g.title,
                "condition": g.condition,
                "field": g.field,
                "level": g.level,
                "threshold": g.threshold,
                "levels_short": g.levels_short,
                "distance": _r(g.distance),
                "blocks": list(g.blocks),
            }
            for g in s.gaps
        ],
        "progress": progress_document(prog) if prog else None,
        "agreement": [
            {
                "parties": list(a.parties),
                "overall": _agreement(a.overall),
                "conditions": {code: _agreement(st) for code, st in a.conditions.items()},
            }
            for a in s.agreement
        ],
    }


def evaluation_document(ev: Any) -> dict[str, Any]:
    """The public face of an evaluation."""
    return {
        "code": ev.code,
        "uid": ev.uid,
        "label": ev.label,
        "kind": ev.kind,
        "held_on": _date(ev.held_on),
        "status": ev.status,
        "illustrative": ev.illustrative,
    }


def history_document(points: list[HistoryPoint]) -> list[dict[str, Any]]:
    """Scores of the plan and each condition per evaluation, oldest first."""
    return [
        {
            "evaluation": p.evaluation.code,
            "held_on": _date(p.evaluation.held_on),
            "label": p.evaluation.label,
            "plan_score": _r(p.rollup.plan.score),
            "conditions": {c.code: _r(c.score) for c in p.rollup.conditions},
            "met": p.rollup.plan.counts.met,
            "applicable": p.rollup.plan.counts.applicable,
        }
        for p in points
    ]


def _date(d: Any) -> str | None:
    return None if d is None else d.isoformat()
