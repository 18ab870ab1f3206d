"""A meeting's brief: what the body reads before it sits (docs/governance.md).

The evaluation(s) presented to it (summary figures, stage readiness against the dates in force
on the meeting's day, and the statement: the report's SCM paragraph for a concluded
evaluation, the plain-language progress statement otherwise), what earlier bodies of the chain
made of them, the decisions pending before it, and the open action items.  One dict, rendered
as JSON, HTML, PDF (WeasyPrint) and Markdown with the report's own file environments.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy.orm import Session

from accord import permissions
from accord.services import Conflict, action_items, documents, evaluations, meetings, timeline
from accord.services.actors import Actor
from accord.services.governance import plan_framework

from .render import _environment  # the report's file environments: one look, one i18n

BRIEF_FORMAT = "accord/meeting-brief@1"
STAGE_KEYS: tuple[str, ...] = ("code", "name", "ready", "met", "required", "not_applicable")
STAGE_KEYS += ("target_date", "target_label")
FORMATS = ("json", "html", "md", "pdf")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}


def _statement(session: Session, actor: Actor, plan_code: str, ev: dict[str, Any]) -> Any:
    """The SCM paragraph of a concluded evaluation's report, or None before it is concluded."""
    from .assemble import REPORTABLE, build_report

    if ev["status"] not in REPORTABLE:
        return None
    try:
        report = build_report(session=session, actor=actor, plan_code=plan_code, code=ev["code"])
    except Conflict:
        return None
    return report["statement"]["text"]


def _evaluation(session: Session, actor: Actor, plan: Any, code: str) -> dict[str, Any]:
    view = evaluations.summarize_evaluation(session=session, plan=plan, code=code)
    s = documents.summary_document(view)
    ps = s["plan_score"]
    return {
        "evaluation": s["evaluation"],
        "previous_evaluation": s["previous_evaluation"],
        "illustrative": s["illustrative"],
        "plan_score": ps["score"],
        "met": ps["counts"]["met"],
        "applicable": ps["counts"]["applicable"],
        "not_rated": ps["counts"]["not_rated"],
        "progress_statement": s["progress"]["statement"] if s["progress"] else None,
        "statement": _statement(session, actor, plan.code, s["evaluation"]),
        "conditions": [
            {"code": c["code"], "title": c["title"], "score": c["score"], **c["counts"]}
            for c in s["conditions"]
        ],
        "stages": [{k: st[k] for k in STAGE_KEYS} for st in s["stages"]],
        "gaps": s["gaps"][:8],
    }


def build_brief(*, session: Session, actor: Actor, plan_code: str, meeting: str) -> dict[str, Any]:
    """The brief of one meeting as a dict (the JSON format and every template's input)."""
    plan = permissions.plan_for_actor(session, actor, plan_code)
    m = meetings.get_meeting(session=session, actor=actor, plan_code=plan_code, meeting=meeting)
    fw = plan_framework(session, plan)
    day = dt.date.fromisoformat(m["date"]["start"])
    dates = timeline.in_force_document(timeline.in_force(session, plan, fw, day), fw)
    presented = [_evaluation(session, actor, plan, p["code"]) for p in m["presented"]]
    codes = {p["code"] for p in m["presented"]}
    # earlier in the chain: other meetings the same evaluations went to before this one
    earlier = [
        x
        for x in meetings.list_meetings(session=session, actor=actor, plan_code=plan_code)
        if x["code"] != m["code"]
        and codes & {p["code"] for p in x["presented"]}
        and (x["date"]["start"], x["body_order"] or 0) < (m["date"]["start"], m["body_order"] or 0)
    ]
    items = [
        i
        for i in action_items.list_items(session=session, actor=actor, plan_code=plan_code)
        if i["status"] in ("open", "in_progress")
    ]
    illustrative = m["illustrative"] or any(e["illustrative"] for e in presented)
    return {
        "format": BRIEF_FORMAT,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "plan": {"code": plan.code, "title": plan.title, "illustrative": plan.illustrative},
        "illustrative": illustrative,
        "notice": documents.ILLUSTRATIVE_NOTICE if illustrative else None,
        "meeting": m,
        "earlier": earlier,
        "evaluations": presented,
        "pending_decisions": [d for d in m["decisions"] if d["status"] == "proposed"],
        "decisions_taken": [d for d in m["decisions"] if d["status"] == "adopted"],
        "action_items": items,
        "dates_in_force": dates,
    }


def render_html(brief: dict[str, Any]) -> str:
    """The self-contained HTML brief (also the PDF's source)."""
    return _environment().get_template("governance/brief_document.html").render(b=brief)


def render_markdown(brief: dict[str, Any]) -> str:
    """The brief as Markdown."""
    text = _environment("md").get_template("governance/brief.md").render(b=brief)
    lines: list[str] = []
    for line in text.splitlines():  # runs of blank lines collapse to one
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"


def render(brief: dict[str, Any], fmt: str) -> bytes:
    """The brief in one of FORMATS, as bytes."""
    if fmt == "json":
        return (json.dumps(brief, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "html":
        return render_html(brief).encode("utf-8")
    if fmt == "md":
        return render_markdown(brief).encode("utf-8")
    if fmt == "pdf":
        from weasyprint import HTML

        pdf = HTML(string=render_html(brief)).write_pdf()
        assert pdf is not None
        return bytes(pdf)
    raise ValueError(f"format: one of {', '.join(FORMATS)}, not {fmt!r}")


def filename(brief: dict[str, Any], fmt: str) -> str:
    """A download name such as opcon-cotp-MCM-50-brief.pdf."""
    raw = f"{brief['plan']['code']}-{brief['meeting']['code']}-brief"
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in raw) + f".{fmt}"
