"""OSCAL catalog (JSON) -> accord framework.

Mapping (see docs/interop.md): with `group_depth=1` the catalog is one condition and each
top-level group a field; with `group_depth=2` each top-level group is a condition and each
second-level group a field (controls sitting directly in a top-level group get a field of
their own, `<group>.controls`).  Deeper groups are flattened into the field above them.
Controls become standards: the statement (params written as `[Assignment: label]`,
`[Selection (...): a; b]` or `[param-id]`) is the description; guidance and assessment
objectives are the guidance.  Enhancements (controls inside controls) are either nested in
their parent's description and guidance or standards of their own right after it.
Withdrawn controls are left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from accord.engine.framework import Framework
from accord.i18n import gettext as _

from .import_common import Codes, Progress, clean_code, finish, one_line, parties, preset_scale
from .safe_input import ImportFailure

Enhancements = Literal["nested", "separate"]
_INSERT = re.compile(r"\{\{\s*insert:\s*param,\s*([^\s}]+)\s*\}\}")
_OBJECTIVES = ("assessment-objective", "objective")
_SKIPPED_PARTS = ("statement", "guidance", "overview", "assessment-method", *_OBJECTIVES)


@dataclass(frozen=True)
class ImportResult:
    framework: Framework
    text: str
    notes: tuple[str, ...]


def _jp(path: tuple[str | int, ...]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


class _Ctx:
    def __init__(self, source: str, enhancements: Enhancements) -> None:
        self.source = source
        self.enhancements = enhancements
        self.params: dict[str, Mapping[str, Any]] = {}
        self.codes = Codes()
        self.notes: list[str] = []
        self.errors: list[str] = []
        self.done = 0
        self.total = 0
        self.progress: Progress | None = None

    def error(self, path: tuple[str | int, ...], message: str) -> None:
        self.errors.append(f"{self.source}: {_jp(path)}: {message}")

    def items(self, obj: Mapping[str, Any], key: str, path: tuple[str | int, ...]) -> list[Any]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error((*path, key), _("'%(key)s' must be a list", key=key))
            return []
        return value

    def tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    # --- text ---------------------------------------------------------------------------

    def param_text(self, pid: str, depth: int = 0) -> str:
        param = self.params.get(pid)
        if param is None or depth > 4:
            return f"[{pid}]"
        label = param.get("label")
        if isinstance(label, str) and label.strip():
            return f"[Assignment: {label.strip()}]"
        select = param.get("select")
        if isinstance(select, Mapping) and isinstance(select.get("choice"), list):
            how = select.get("how-many")
            head = f"Selection ({how.replace('-', ' ')})" if isinstance(how, str) else "Selection"
            choices = [self.prose(str(c), depth + 1) for c in select["choice"]]
            return f"[{head}: {'; '.join(choices)}]"
        return f"[{pid}]"

    def prose(self, text: str, depth: int = 0) -> str:
        return _INSERT.sub(lambda m: self.param_text(m.group(1), depth), text).strip()

    def part(self, part: Any, indent: str = "") -> list[str]:
        """A part and its sub-parts as lines, each prefixed with its label."""
        if not isinstance(part, Mapping):
            return []
        label = _label(part)
        prose = self.prose(part["prose"]) if isinstance(part.get("prose"), str) else ""
        lines = []
        head = " ".join(x for x in (label, prose) if x)
        if head:
            lines.append(indent + head)
        inner = indent + "  " if head and label else indent
        for sub in _list(part.get("parts")):
            lines.extend(self.part(sub, inner))
        return lines


def _list(value: Any) -> list[Any]:
    """`value` if it is a list; anything else was reported by `_collect`, and is skipped."""
    return value if isinstance(value, list) else []


def _label(obj: Mapping[str, Any]) -> str:
    labels = [
        p for p in _list(obj.get("props")) if isinstance(p, Mapping) and p.get("name") == "label"
    ]
    plain = [p for p in labels if not p.get("class")] or labels
    value = plain[0].get("value") if plain else None
    return str(value).strip() if isinstance(value, str | int) else ""


def _withdrawn(obj: Mapping[str, Any]) -> bool:
    return any(
        isinstance(p, Mapping) and p.get("name") == "status" and p.get("value") == "withdrawn"
        for p in _list(obj.get("props"))
    )


def _collect(ctx: _Ctx, obj: Mapping[str, Any], path: tuple[str | int, ...]) -> None:
    """Every param of the catalog by id, and the number of controls (for progress)."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(obj, path)]
    while stack:
        node, p = stack.pop()
        if not isinstance(node, Mapping):
            ctx.error(p, _("must be an object"))
            continue
        ctx.items(node, "props", p)
        parts: list[tuple[Mapping[str, Any], tuple[str | int, ...]]] = [(node, p)]
        while parts:  # parts nest in parts; each level's `parts` and `props` must be lists
            holder, at = parts.pop()
            for i, part in enumerate(ctx.items(holder, "parts", at)):
                if isinstance(part, Mapping):
                    ctx.items(part, "props", (*at, "parts", i))
                    parts.append((part, (*at, "parts", i)))
        for i, param in enumerate(ctx.items(node, "params", p)):
            if isinstance(param, Mapping) and isinstance(param.get("id"), str):
                ctx.params.setdefault(param["id"], param)
            else:
                ctx.error((*p, "params", i), _("a parameter needs an 'id'"))
        for key in ("groups", "controls"):
            for i, child in enumerate(ctx.items(node, key, p)):
                if key == "controls":
                    ctx.total += 1
                stack.append((child, (*p, key, i)))


def _text_of(ctx: _Ctx, control: Mapping[str, Any]) -> tuple[str, str]:
    """(description, guidance) of one control, without its enhancements."""
    parts = [p for p in _list(control.get("parts")) if isinstance(p, Mapping)]
    desc: list[str] = []
    for p in parts:
        if p.get("name") == "overview":
            desc.extend(ctx.part(p))
    for p in parts:
        if p.get("name") == "statement":
            desc.extend(ctx.part(p))
    guide: list[str] = []
    for p in parts:
        if p.get("name") == "guidance":
            guide.extend(ctx.part(p))
    objectives = [line for p in parts if p.get("name") in _OBJECTIVES for line in ctx.part(p)]
    if objectives:
        guide.extend(["", "Assessment objectives:", *objectives])
    for p in parts:
        if p.get("name") not in _SKIPPED_PARTS:
            lines = ctx.part(p)
            if lines:
                title = p.get("title") or str(p.get("name") or "part")
                guide.extend(["", f"{title}:", *lines])
    return "\n".join(desc).strip(), "\n".join(guide).strip()


def _standards(
    ctx: _Ctx, control: Any, path: tuple[str | int, ...], parent_title: str = ""
) -> list[dict[str, Any]]:
    """The standard(s) of one control: itself, and its enhancements when kept separate."""
    ctx.tick()
    if not isinstance(control, Mapping):
        ctx.error(path, _("a control must be an object"))
        return []
    cid = control.get("id")
    if not isinstance(cid, str) or not cid.strip():
        ctx.error(path, _("a control needs an 'id'"))
        return []
    if _withdrawn(control):
        ctx.notes.append(_("left out withdrawn control %(id)s", id=cid))
        _skip(ctx, control)
        return []
    label = _label(control)
    title = str(control.get("title") or "").strip() or label or cid
    if parent_title and ctx.enhancements == "separate":
        title = f"{parent_title} | {title}"
    wanted = label if label and not any(ch.isspace() for ch in label) else cid
    std: dict[str, Any] = {"code": ctx.codes.take(wanted, cid), "title": one_line(title)}
    description, guidance = _text_of(ctx, control)
    out = [std]
    enh = ctx.items(control, "controls", path)
    if ctx.enhancements == "separate":
        for i, sub in enumerate(enh):
            out.extend(_standards(ctx, sub, (*path, "controls", i), title))
    else:
        extra_desc, extra_guide = _nested(ctx, enh, (*path, "controls"))
        if extra_desc:
            description = f"{description}\n\nEnhancements:\n\n{extra_desc}".strip()
        if extra_guide:
            guidance = f"{guidance}\n\nEnhancement guidance:\n\n{extra_guide}".strip()
    if description:
        std["description"] = description
    if guidance:
        std["guidance"] = guidance
    return out


def _skip(ctx: _Ctx, control: Mapping[str, Any]) -> None:
    for sub in _list(control.get("controls")):
        ctx.tick()
        if isinstance(sub, Mapping):
            _skip(ctx, sub)


def _nested(ctx: _Ctx, enhancements: list[Any], path: tuple[str | int, ...]) -> tuple[str, str]:
    descs: list[str] = []
    guides: list[str] = []
    for i, enh in enumerate(enhancements):
        ctx.tick()
        if not isinstance(enh, Mapping) or not isinstance(enh.get("id"), str):
            ctx.error((*path, i), _("a control enhancement needs an 'id'"))
            continue
        if _withdrawn(enh):
            _skip(ctx, enh)
            continue
        name = f"{_label(enh) or enh['id']} {str(enh.get('title') or '').strip()}".strip()
        d, g = _text_of(ctx, enh)
        sub_d, sub_g = _nested(ctx, ctx.items(enh, "controls", (*path, i)), (*path, i, "controls"))
        descs.append("\n".join(x for x in (f"{name}:", d, sub_d) if x))
        if g or sub_g:
            guides.append("\n".join(x for x in (f"{name}:", g, sub_g) if x))
    return "\n\n".join(descs), "\n\n".join(guides)


def _group_code(ctx: _Ctx, group: Mapping[str, Any], fallback: str) -> str:
    label = _label(group)
    gid = group.get("id") if isinstance(group.get("id"), str) else ""
    wanted = label if label and not any(ch.isspace() for ch in label) else (gid or fallback)
    return ctx.codes.take(wanted, fallback)


def _flat_controls(ctx: _Ctx, group: Mapping[str, Any], path: tuple[str | int, ...]) -> list[Any]:
    """Standards of a group's controls and of all its subgroups', in document order."""
    out: list[Any] = []
    for i, control in enumerate(ctx.items(group, "controls", path)):
        out.extend(_standards(ctx, control, (*path, "controls", i)))
    for i, sub in enumerate(ctx.items(group, "groups", path)):
        if isinstance(sub, Mapping):
            out.extend(_flat_controls(ctx, sub, (*path, "groups", i)))
    return out


def _field(ctx: _Ctx, group: Mapping[str, Any], path: tuple[str | int, ...]) -> dict[str, Any]:
    code = _group_code(ctx, group, f"group{path[-1]}")
    return {
        "code": code,
        "title": one_line(str(group.get("title") or code)),
        "standards": _flat_controls(ctx, group, path),
    }


def convert(
    data: Any,
    source: str,
    *,
    plan: str | None = None,
    group_depth: int | None = None,
    enhancements: Enhancements = "nested",
    scale: str = "implementation",
    threshold: str | None = None,
    party_codes: list[str] | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Convert a parsed OSCAL catalog; ImportFailure (file: $.json.path: ...) if unusable."""
    ctx = _Ctx(source, enhancements)
    ctx.progress = progress
    scale_doc, chosen = preset_scale(scale, threshold)
    catalog = data.get("catalog") if isinstance(data, Mapping) else None
    if not isinstance(catalog, Mapping):
        raise ImportFailure(
            [_("%(source)s: $: not an OSCAL catalog (no 'catalog' object)", source=source)]
        )
    root: tuple[str | int, ...] = ("catalog",)
    meta = catalog.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    title = one_line(str(meta.get("title") or "")) or "Imported OSCAL catalog"
    code = clean_code(plan or "") or clean_code(title.lower())[:40] or "oscal"
    _collect(ctx, catalog, root)  # its problems are reported with the rest, below
    groups = [
        (g, (*root, "groups", i))
        for i, g in enumerate(ctx.items(catalog, "groups", root))
        if isinstance(g, Mapping)
    ]
    if group_depth is None:
        group_depth = 2 if any(g.get("groups") for g, _ in groups) else 1
    if group_depth not in (1, 2):
        raise ImportFailure(
            [
                _(
                    "%(source)s: group depth must be 1 or 2, not %(depth)s",
                    source=source,
                    depth=group_depth,
                )
            ]
        )
    loose = {"controls": catalog.get("controls"), "title": "Controls", "id": "controls"}
    conditions: list[dict[str, Any]] = []
    ctx.codes.taken.add(code)
    if group_depth == 1:
        fields = [_field(ctx, g, p) for g, p in groups]
        if catalog.get("controls"):
            fields.append(_field(ctx, loose, root))
        conditions.append({"code": ctx.codes.take(f"{code}.all"), "title": title, "fields": fields})
    else:
        for g, p in groups:
            ccode = _group_code(ctx, g, f"group{p[-1]}")
            fields = []
            if g.get("controls"):
                direct = {
                    "controls": g["controls"],
                    "title": g.get("title"),
                    "id": f"{ccode}.controls",
                }
                fields.append(_field(ctx, direct, p))
            for i, sub in enumerate(ctx.items(g, "groups", p)):
                if isinstance(sub, Mapping):
                    fields.append(_field(ctx, sub, (*p, "groups", i)))
            conditions.append(
                {"code": ccode, "title": one_line(str(g.get("title") or ccode)), "fields": fields}
            )
        if catalog.get("controls"):
            conditions.append(
                {
                    "code": ctx.codes.take("controls"),
                    "title": "Controls",
                    "fields": [_field(ctx, loose, root)],
                }
            )
    if ctx.errors:
        raise ImportFailure(list(dict.fromkeys(ctx.errors))[:50])
    kept = []
    for cond in conditions:
        cond["fields"] = [f for f in cond["fields"] if f["standards"]]
        if not cond["fields"]:
            ctx.notes.append(_("left out %(code)s: no controls", code=repr(cond["code"])))
            continue
        for f in cond["fields"]:
            for s in f["standards"]:
                s["threshold"] = chosen
        kept.append(cond)
    if not kept:
        raise ImportFailure(
            [_("%(source)s: $.catalog: the catalog has no controls", source=source)]
        )
    about = [f"Imported from the OSCAL catalog {title!r}"]
    for key, name in (("version", "version"), ("oscal-version", "OSCAL")):
        if meta.get(key):
            about.append(f"{name} {meta[key]}")
    if isinstance(catalog.get("uuid"), str):
        about.append(f"uuid {catalog['uuid']}")
    doc: dict[str, Any] = {
        "code": code,
        "title": title,
        "version": str(meta.get("version") or "1").strip() or "1",
        "description": ", ".join(about) + ".",
        "parties": parties(party_codes or []),
        "scales": [scale_doc],
        "conditions": kept,
    }
    fw, text = finish(doc, source)
    return ImportResult(fw, text, tuple(ctx.notes))
