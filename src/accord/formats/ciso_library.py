"""CISO Assistant framework library (YAML) -> accord framework.

The library's flat `requirement_nodes` list is a tree through `parent_urn`.  Mapping (see
docs/interop.md): each root node becomes a condition; each non-assessable child of a root
becomes a field; every assessable node becomes a standard of the field it sits under, however
deep (deeper non-assessable nodes are flattened away, their names kept in the standard's
guidance as a "Section:" path).  Assessable nodes directly under a root, and an assessable
root itself, go to a field named after the root (code `<root>.general`).  Subtrees without
any assessable node are left out.  `scores_definition` becomes the rating scale (scores
normalised to [0, 1]); implementation groups become stages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from accord.engine.framework import Framework
from accord.i18n import gettext as _

from .import_common import Codes, Progress, clean_code, finish, one_line, parties, preset_scale
from .safe_input import ImportFailure, YamlDoc

P = tuple[str | int, ...]


@dataclass
class _Node:
    urn: str
    path: P
    raw: Mapping[str, Any]
    assessable: bool
    children: list[_Node] = field(default_factory=list)

    @property
    def title(self) -> str:
        name = self.raw.get("name")
        if isinstance(name, str | int | float) and str(name).strip():
            return one_line(str(name))
        desc = _text(self.raw.get("description"))
        return one_line(desc, 120) if desc else (self.ref or self.urn)

    @property
    def ref(self) -> str:
        ref = self.raw.get("ref_id")
        return str(ref).strip() if isinstance(ref, str | int | float) else ""

    @property
    def code_hint(self) -> str:
        return self.ref or self.urn.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class ImportResult:
    framework: Framework
    text: str
    notes: tuple[str, ...]


def _text(value: Any) -> str:
    return str(value).strip() if isinstance(value, str | int | float) else ""


class _Errors:
    def __init__(self, doc: YamlDoc, source: str) -> None:
        self.doc, self.source, self.messages = doc, source, list[str]()

    def add(self, path: P, message: str) -> None:
        self.messages.append(f"{self.source}:{self.doc.line(path)}: {message}")

    def raise_if_any(self) -> None:
        if self.messages:
            raise ImportFailure(self.messages[:50])


MAX_SCORE = 1e9


def _number(value: Any) -> TypeGuard[int | float]:
    """A usable score: a number, not a boolean, finite (NaN and the infinities fail the range)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and -MAX_SCORE <= value <= MAX_SCORE
    )


def _scale(
    fw: Mapping[str, Any], errors: _Errors, base: P, preset: str, threshold: str | None
) -> tuple[dict[str, Any], str]:
    raw = fw.get("scores_definition")
    if not raw:
        return preset_scale(preset, threshold)
    if not isinstance(raw, list):
        errors.add((*base, "scores_definition"), _("'scores_definition' must be a list"))
        errors.raise_if_any()
    scores: dict[float, tuple[str, str]] = {}
    for i, item in enumerate(raw):
        path = (*base, "scores_definition", i)
        score = item.get("score") if isinstance(item, Mapping) else None
        if not _number(score):
            errors.add(
                path,
                _(
                    "each score needs a numeric 'score' (between ±%(max)s)",
                    max=format(MAX_SCORE, "g"),
                ),
            )
            continue
        if score in scores:
            errors.add(path, _("score %(score)s is defined twice", score=format(score, "g")))
            continue
        scores[float(score)] = (
            _text(item.get("name")) or f"{score:g}",
            _text(item.get("description")),
        )
    bounds = {key: fw.get(key) for key in ("min_score", "max_score")}
    for key, value in bounds.items():
        if value is not None and not _number(value):
            errors.add(
                (*base, key),
                _(
                    "'%(key)s' must be a number (between ±%(max)s)",
                    key=key,
                    max=format(MAX_SCORE, "g"),
                ),
            )
    errors.raise_if_any()
    if len(scores) < 2:
        errors.add((*base, "scores_definition"), _("'scores_definition' needs at least two scores"))
        errors.raise_if_any()
    lo = min([*scores, *[s for s in [bounds["min_score"]] if s is not None]])
    hi = max([*scores, *[s for s in [bounds["max_score"]] if s is not None]])
    levels, seen = [], set[str]()
    for score in sorted(scores):
        name, desc = scores[score]
        label = name if name not in seen and name != "N/A" else f"{score:g} {name}"
        seen.add(label)
        level: dict[str, Any] = {"label": label, "value": round((score - lo) / (hi - lo), 6)}
        if desc:
            level["description"] = desc
        levels.append(level)
    scale = {
        "code": "score",
        "name": f"Score ({lo:g}–{hi:g})",
        "not_applicable": True,
        "levels": levels,
    }
    if threshold is None:
        # the first level at half the range; the top one when all sit below (scores 0-1 of 0-3)
        chosen = next((lv["label"] for lv in levels if lv["value"] >= 0.5), levels[-1]["label"])
    else:
        by_score = {f"{s:g}": lv["label"] for s, lv in zip(sorted(scores), levels, strict=True)}
        chosen = by_score.get(threshold, threshold)
        if chosen not in {lv["label"] for lv in levels}:
            raise ImportFailure(
                [
                    _(
                        "%(source)s: threshold %(threshold)s is neither a score nor a level name "
                        "(%(levels)s)",
                        source=errors.source,
                        threshold=repr(threshold),
                        levels=", ".join(lv["label"] for lv in levels),
                    )
                ]
            )
    return scale, chosen


def convert(
    doc: YamlDoc,
    source: str,
    *,
    plan: str | None = None,
    party_codes: list[str] | None = None,
    scale: str = "implementation",
    threshold: str | None = None,
    progress: Progress | None = None,
    version: str | None = None,
) -> ImportResult:
    """Convert a parsed CISO Assistant library; ImportFailure (file:line messages) if unusable."""
    errors = _Errors(doc, source)
    top = doc.data
    if not isinstance(top, Mapping):
        raise ImportFailure(
            [_("%(where)s: a CISO Assistant library must be a mapping", where=str(source) + ":1")]
        )
    objects = top.get("objects")
    fw_raw = objects.get("framework") if isinstance(objects, Mapping) else None
    if not isinstance(fw_raw, Mapping):
        errors.add(("objects",), _("no 'objects.framework' mapping: not a framework library"))
        errors.raise_if_any()
    assert isinstance(fw_raw, Mapping)
    base: P = ("objects", "framework")
    raw_nodes = fw_raw.get("requirement_nodes")
    if not isinstance(raw_nodes, list) or not raw_nodes:
        errors.add((*base, "requirement_nodes"), _("'requirement_nodes' must be a non-empty list"))
        errors.raise_if_any()
    assert isinstance(raw_nodes, list)
    scale_doc, chosen = _scale(fw_raw, errors, base, scale, threshold)

    nodes: dict[str, _Node] = {}
    order: list[_Node] = []
    for i, raw in enumerate(raw_nodes):
        path = (*base, "requirement_nodes", i)
        if not isinstance(raw, Mapping):
            errors.add(path, _("a requirement node must be a mapping"))
            continue
        urn = raw.get("urn")
        if not isinstance(urn, str) or not urn.strip():
            errors.add(path, _("a requirement node needs a 'urn'"))
            continue
        if urn in nodes:
            errors.add((*path, "urn"), _("duplicate urn %(urn)s", urn=repr(urn)))
            continue
        assessable = raw.get("assessable", False)
        if not isinstance(assessable, bool):
            errors.add((*path, "assessable"), _("'assessable' must be true or false"))
        node = _Node(urn, path, raw, assessable is True)
        nodes[urn] = node
        order.append(node)
    roots: list[_Node] = []
    for node in order:
        parent = node.raw.get("parent_urn")
        if parent in (None, ""):
            roots.append(node)
        elif not isinstance(parent, str):
            errors.add((*node.path, "parent_urn"), _("'parent_urn' must be a urn (text)"))
        elif parent not in nodes:
            errors.add(
                (*node.path, "parent_urn"), _("unknown parent_urn %(urn)s", urn=repr(parent))
            )
        else:
            nodes[parent].children.append(node)
    errors.raise_if_any()
    reached = _reachable(roots)
    for node in order:
        if node.urn not in reached:  # only a cycle keeps a node away from every root
            errors.add((*node.path, "parent_urn"), _("parent_urn forms a cycle"))
            break
    errors.raise_if_any()

    codes, notes = Codes(), list[str]()
    groups: dict[str, list[str]] = {}
    conditions, done, total = [], 0, len(order)
    for root in roots:
        fields: list[dict[str, Any]] = []
        direct: list[dict[str, Any]] = []
        if root.assessable:  # the standard keeps the node's own code; the condition yields
            direct.append(_standard(root, codes, (), groups))
            ccode = codes.take(f"{root.code_hint}-group")
        else:
            ccode = codes.take(root.code_hint)
        for child in root.children:
            if child.assessable:
                direct.extend(_subtree(child, codes, (), groups))
                continue
            stds = [s for grand in child.children for s in _subtree(grand, codes, (), groups)]
            if stds:
                fields.append(_field(child, codes.take(child.code_hint), stds))
            else:
                notes.append(_nothing_assessable(child.code_hint))
        if direct:
            fields.insert(
                0,
                {"code": codes.take(f"{ccode}.general"), "title": root.title, "standards": direct},
            )
        done += 1 + sum(_size(c) for c in root.children)
        if progress:
            progress(done, total)
        if not fields:
            notes.append(_nothing_assessable(root.code_hint))
            continue
        cond: dict[str, Any] = {"code": ccode, "title": root.title, "fields": fields}
        if _text(root.raw.get("description")):
            cond["description"] = _text(root.raw.get("description"))
        conditions.append(cond)
    if not conditions:
        errors.add((*base, "requirement_nodes"), _("no node is assessable: nothing to rate"))
        errors.raise_if_any()

    stages = _stages(fw_raw, groups, notes)
    for c in conditions:
        for f in c["fields"]:
            for s in f["standards"]:
                s["threshold"] = chosen
    description = _text(fw_raw.get("description")) or _text(top.get("description"))
    provenance = f"Imported from the CISO Assistant library {_text(top.get('urn')) or '?'}"
    if _text(top.get("provider")):
        provenance += f" (provider: {_text(top.get('provider'))})"
    provenance += "."
    if _text(top.get("copyright")):
        provenance += f"\nCopyright: {_text(top.get('copyright'))}"
    out: dict[str, Any] = {
        "code": clean_code(
            plan or _text(fw_raw.get("ref_id")) or _text(top.get("ref_id")) or "ciso"
        ),
        "title": one_line(
            _text(fw_raw.get("name")) or _text(top.get("name")) or "Imported framework"
        ),
        "version": version or _text(top.get("version")) or "1",
        "description": f"{description}\n\n{provenance}".strip(),
        "parties": parties(party_codes or []),
        "scales": [scale_doc],
        "conditions": conditions,
    }
    if stages:
        out["stages"] = stages
    fw, text = finish(out, source)
    return ImportResult(fw, text, tuple(notes))


def _nothing_assessable(code: str) -> str:
    return _("left out %(code)s: nothing assessable under it", code=repr(code))


def _reachable(roots: list[_Node]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        n = stack.pop()
        seen.add(n.urn)
        stack.extend(n.children)
    return seen


def _size(node: _Node) -> int:
    return len(_reachable([node]))  # iterative: a parent_urn chain can be very long


def _subtree(
    node: _Node, codes: Codes, section: tuple[str, ...], groups: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """Standards for every assessable node at or below `node`, in document order."""
    out: list[dict[str, Any]] = []
    stack: list[tuple[_Node, tuple[str, ...]]] = [(node, section)]
    while stack:
        n, sec = stack.pop()
        if n.assessable:
            out.append(_standard(n, codes, sec, groups))
            inner = sec
        else:
            inner = (*sec, n.title)
        stack.extend((c, inner) for c in reversed(n.children))
    return out


def _field(node: _Node, code: str, standards: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "title": node.title, "standards": standards}
    if _text(node.raw.get("description")):
        out["description"] = _text(node.raw.get("description"))
    return out


def _standard(
    node: _Node, codes: Codes, section: tuple[str, ...], groups: dict[str, list[str]]
) -> dict[str, Any]:
    code = codes.take(node.code_hint)
    out: dict[str, Any] = {"code": code, "title": node.title}
    if _text(node.raw.get("description")):
        out["description"] = _text(node.raw.get("description"))
    guidance = []
    if section:
        guidance.append("Section: " + " > ".join(section))
    if _text(node.raw.get("annotation")):
        guidance.append(_text(node.raw.get("annotation")))
    if _text(node.raw.get("typical_evidence")):
        guidance.append("Typical evidence: " + _text(node.raw.get("typical_evidence")))
    if guidance:
        out["guidance"] = "\n\n".join(guidance)
    igs = node.raw.get("implementation_groups")
    if isinstance(igs, list):
        for group in igs:
            if isinstance(group, str | int) and str(group).strip():
                groups.setdefault(str(group).strip(), []).append(code)
    return out


def _stages(
    fw: Mapping[str, Any], groups: dict[str, list[str]], notes: list[str]
) -> list[dict[str, Any]]:
    defined = fw.get("implementation_groups_definition")
    order: list[tuple[str, str, str]] = []
    if isinstance(defined, list):
        for item in defined:
            if isinstance(item, Mapping) and _text(item.get("ref_id")):
                ref = _text(item.get("ref_id"))
                order.append((ref, _text(item.get("name")) or ref, _text(item.get("description"))))
    known = {ref for ref, _, _ in order}
    order.extend((ref, ref, "") for ref in groups if ref not in known)
    stages = []
    for ref, name, desc in order:
        requires = list(dict.fromkeys(groups.get(ref, [])))
        if not requires:
            notes.append(
                _(
                    "implementation group %(group)s names no standard: no stage made",
                    group=repr(ref),
                )
            )
            continue
        stage: dict[str, Any] = {"code": clean_code(ref), "name": name, "requires": requires}
        if desc:
            stage["description"] = desc
        stages.append(stage)
    return stages
