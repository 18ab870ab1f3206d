"""The report as files: a self-contained HTML file, a PDF (WeasyPrint), Markdown and JSON.

HTML and PDF come from the templates in web/templates/report/ that the report page also uses
(only the outer layout differs); charts are the same Vega-Lite specifications, drawn by
vega-embed on the page and rendered to SVG by vl-convert for the files.  Markdown carries every
figure as a table; `write` also saves the charts as PNG files next to it (see docs/report.md).
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from accord import i18n

from . import wording
from .statement import anchor

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"
FORMATS = ("html", "pdf", "md", "json")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}
# px of the plotting area in the files, where the page sizes charts to their container; with
# axis labels and legends each SVG stays within the A4 text width (about 680 px)
CHART_WIDTHS = {"condition_scores": 560, "field_heatmap": 380, "stage_readiness": 420}
CHART_WIDTH = 540
# vl-convert lays text out with this font and WeasyPrint draws it with the same one; with the
# generic 'sans-serif' the two pick different fonts and right-aligned labels spill out
CHART_CONFIG = {"font": "Liberation Sans"}
# Liberation Sans has no Hangul: Korean charts are laid out and drawn in Noto Sans CJK KR (Debian's
# fonts-noto-cjk, which the PDF's text uses too)
CHART_FONTS = {"ko": "Noto Sans CJK KR"}


def chart_config() -> dict[str, str]:
    """The charts' font for the language in force."""
    return {"font": CHART_FONTS.get(i18n.current(), CHART_CONFIG["font"])}


CHART_TITLES = {
    "condition_scores": "Condition scores by evaluation",
    "field_heatmap": "Field scores by evaluation",
    "stage_readiness": "Stage readiness",
    "forecast_fan": "Forecast",
}

_envs: dict[str, Environment] = {}


def _environment(kind: str = "html") -> Environment:
    """The Jinja environment of the file templates: HTML (escaped) or Markdown (plain text)."""
    if kind not in _envs:
        if kind == "html":
            env = Environment(
                loader=FileSystemLoader(TEMPLATES),
                autoescape=select_autoescape(),
                extensions=["jinja2.ext.i18n"],
            )
        else:
            env = Environment(
                loader=FileSystemLoader(TEMPLATES),
                autoescape=False,
                extensions=["jinja2.ext.i18n"],
                trim_blocks=True,
                lstrip_blocks=True,
                keep_trailing_newline=True,
                # Markdown viewers render inline HTML: user text must not open a tag
                finalize=_no_markup,
            )
            env.filters.update(
                cell=_cell, f2=_f2, p0=_p0, d2=_d2, verdict=_verdict, resolution=_resolution
            )
        # the report speaks the language in force (i18n.use_locale, or the request's)
        i18n.install(env)
        _envs[kind] = env
    return _envs[kind]


def spec_json(spec: dict[str, Any]) -> str:
    """A chart spec as JSON safe to embed in a <script type="application/json"> block."""
    return json.dumps(spec, ensure_ascii=False).replace("<", "\\u003c")


def static_spec(spec: dict[str, Any], width: int = CHART_WIDTH) -> dict[str, Any]:
    """The spec with a fixed width: 'container' means nothing outside a browser."""
    out = copy.deepcopy(spec)
    if out.get("width") == "container":
        out["width"] = width
    return out


def _static(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: static_spec(spec, CHART_WIDTHS.get(name, CHART_WIDTH))
        for name, spec in report["charts"].items()
        if spec is not None
    }


def chart_svgs(report: dict[str, Any]) -> dict[str, str]:
    """Every chart of the report as SVG text."""
    import vl_convert as vlc

    return {
        name: vlc.vegalite_to_svg(spec, config=chart_config())
        for name, spec in _static(report).items()
    }


def chart_pngs(report: dict[str, Any], scale: float = 2.0) -> dict[str, bytes]:
    """Every chart of the report as PNG bytes (for Markdown)."""
    import vl_convert as vlc

    return {
        name: vlc.vegalite_to_png(spec, scale=scale, config=chart_config())
        for name, spec in _static(report).items()
    }


def _css_string(text: str) -> str:
    """Text as a CSS string literal; newlines become line breaks, '<' cannot end the style."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return '"' + escaped.replace("\n", "\\A ") + '"'


def _page_of_css() -> str:
    """'page X of Y' in the current language, as CSS content with the page counters."""
    text = i18n.gettext("page %(page)s of %(pages)s", page="\0page\0", pages="\0pages\0")
    parts = []
    for i, piece in enumerate(text.split("\0")):
        if i % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(_css_string(piece))
    return " ".join(parts)


def _claim_value(value: Any) -> str:
    if isinstance(value, bool):
        return i18n.gettext("yes") if value else i18n.gettext("no")
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, list):
        codes = [v["code"] if isinstance(v, dict) and "code" in v else str(v) for v in value]
        return ", ".join(codes) or i18n.gettext("none")
    return str(value)


def _claim_values(report: dict[str, Any], claims: list[dict[str, Any]]) -> dict[int, str]:
    """Each claim's value for people; the progress statement in the reader's language."""
    out = {}
    for c in claims:
        if c["source"] == "/summary/progress/statement":
            out[c["id"]] = i18n.progress_statement(report["summary"]["progress"])
        else:
            out[c["id"]] = _claim_value(c["value"])
    return out


def context(report: dict[str, Any], *, mode: str) -> dict[str, Any]:
    """What the section templates need besides the report: anchors, titles, chart sources."""
    s = report["summary"]
    codes = [c["code"] for c in s["conditions"]] + [
        f["code"] for c in s["conditions"] for f in c["fields"]
    ]
    titles = {c["code"]: c["title"] for c in s["conditions"]}
    titles.update({f["code"]: f["title"] for c in s["conditions"] for f in c["fields"]})
    statement = wording.statement(report)
    ctx: dict[str, Any] = {
        "r": report,
        "mode": mode,
        "anchors": {code: anchor(code) for code in codes},
        "titles": titles,
        # the statement and the forecast's sentences in the reader's language (see wording)
        "statement": statement,
        "claim_values": _claim_values(report, statement["claims"]),
        "forecast_text": wording.forecast_texts(report["forecast"]),
        "specs": {},
        "images": {},
    }
    if mode == "page":
        ctx["specs"] = {k: spec_json(v) for k, v in report["charts"].items() if v is not None}
    return ctx


def render_html(report: dict[str, Any], *, svgs: dict[str, str] | None = None) -> str:
    """The self-contained HTML file: inline CSS, the charts as inline SVG images."""
    svgs = chart_svgs(report) if svgs is None else svgs
    ctx = context(report, mode="file")
    ctx["images"] = {
        name: "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
        for name, svg in svgs.items()
    }
    header = [report["marking"] or "", i18n.term(report["notice"]) if report["notice"] else ""]
    tp = report["title_page"]
    ctx["header_css"] = _css_string("\n".join(line for line in header if line) or " ")
    ctx["footer_css"] = _css_string(
        f"{i18n.title(tp['plan']['title'])} — {tp['evaluation']['label']}"
    )
    ctx["page_of_css"] = _page_of_css()
    return _environment().get_template("report/document.html").render(ctx)


def render_markdown(report: dict[str, Any], *, figures: dict[str, str] | None = None) -> str:
    """The report as Markdown: every figure as a table; `figures` maps chart names to the
    relative paths of their PNG files, linked where the charts belong."""
    ctx = context(report, mode="markdown")
    ctx.update(
        figures=figures or {},
        chart_titles={k: i18n.term(v) for k, v in CHART_TITLES.items()},
        section_titles={sec["id"]: i18n.term(sec["title"]) for sec in report["sections"]},
    )
    text = _environment("md").get_template("report/report.md").render(ctx)
    # blank lines collapse to one: the template's control blocks leave runs of them
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line.rstrip() if not line.endswith("  ") else line)
    return "\n".join(lines).strip() + "\n"


def _no_markup(value: Any) -> Any:
    """A value printed into the Markdown with every '<' as an entity (idempotent)."""
    return value.replace("<", "&lt;") if isinstance(value, str) else value


def _cell(text: Any) -> str:
    """Text fit for a Markdown table cell."""
    return "" if text is None else str(text).replace("|", "\\|").replace("\n", " ")


def _f2(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _p0(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f}%"


def _d2(p: dict[str, Any] | None) -> str:
    return "—" if p is None or p.get("delta") is None else f"{p['delta']:+.2f}"


def _verdict(p: dict[str, Any] | None) -> str:
    """The progress verdict of a node as a data word (shown with |term)."""
    if p is None:
        return ""
    return {True: "meaningful", False: "below rule", None: "not comparable"}[p["meaningful"]]


def _step(x: dict[str, Any]) -> str:
    values = {"party": x["party"], "level": i18n.term(x["level"])}
    if x["kind"] == "propose":
        return i18n.gettext("%(party)s proposed %(level)s", **values)
    return i18n.gettext("%(party)s approved %(level)s", **values)


def _resolution(i: dict[str, Any]) -> str:
    _ = i18n.gettext
    if i["resolution"] == "reconciled":
        return "; ".join(
            _step(x) + (f": {x['rationale']}" if x["rationale"] else "") for x in i["steps"]
        )
    if i["resolution"] == "imported":
        return _("imported with the history") + (f": {i['rationale']}" if i["rationale"] else "")
    if i["resolution"] == "rule":
        return _("set by the framework's rule")
    return _("not yet reconciled")


def render_pdf(report: dict[str, Any], *, html: str | None = None) -> bytes:
    """The PDF: A4, running header (marking, illustrative notice), 'page X of Y', contents."""
    from weasyprint import HTML

    pdf = HTML(string=html or render_html(report), base_url=str(TEMPLATES)).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def render_json(report: dict[str, Any]) -> bytes:
    """The report document as UTF-8 JSON."""
    return (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render(report: dict[str, Any], fmt: str) -> bytes:
    """The report in one of FORMATS, as bytes (Markdown without chart files)."""
    if fmt == "html":
        return render_html(report).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(report)
    if fmt == "md":
        return render_markdown(report).encode("utf-8")
    if fmt == "json":
        return render_json(report)
    raise ValueError(f"format: one of {', '.join(FORMATS)}, not {fmt!r}")


def filename(report: dict[str, Any], fmt: str) -> str:
    """A download name such as opcon-cotp-2025-report.pdf."""
    raw = f"{report['summary']['plan']['code']}-{report['summary']['evaluation']['code']}-report"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in raw)
    return f"{safe}.{fmt}"


def write(report: dict[str, Any], fmt: str, path: Path) -> list[Path]:
    """Write the report to `path`; Markdown also gets its charts as PNG files in a folder
    named after it (FILE-figures/).  Returns every file written."""
    if fmt != "md":
        path.write_bytes(render(report, fmt))
        return [path]
    folder = path.with_name(path.stem + "-figures")
    pngs = chart_pngs(report)
    written = []
    if pngs:
        folder.mkdir(parents=True, exist_ok=True)
    figures = {}
    for name, data in pngs.items():
        target = folder / f"{name}.png"
        target.write_bytes(data)
        written.append(target)
        figures[name] = f"{folder.name}/{target.name}"
    path.write_text(render_markdown(report, figures=figures), "utf-8")
    return [path, *written]
