"""What the OSCAL and CISO Assistant importers share: scale presets, codes, the final check."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from accord.engine.framework import Framework, build_framework
from accord.i18n import gettext as _

from .framework_dump import dump
from .problem_wording import engine_problem
from .safe_input import ImportFailure

Progress = Callable[[int, int], None]
"""Called as progress(done, total) while an importer converts nodes."""

SCALE_PRESETS: dict[str, dict[str, Any]] = {
    "implementation": {
        "code": "implementation",
        "name": "Implementation",
        "not_applicable": True,
        "levels": [
            {"label": "Not implemented", "value": 0.0},
            {"label": "Partially implemented", "value": 0.33},
            {"label": "Largely implemented", "value": 0.67},
            {"label": "Fully implemented", "value": 1.0},
        ],
        "threshold": "Fully implemented",
    },
    "yesno": {
        "code": "yesno",
        "name": "Yes / no",
        "not_applicable": True,
        "levels": [{"label": "No", "value": 0.0}, {"label": "Yes", "value": 1.0}],
        "threshold": "Yes",
    },
}


def preset_scale(name: str, threshold: str | None) -> tuple[dict[str, Any], str]:
    """(scale document, threshold label) of a preset; ValueError for unknown names/labels."""
    if name not in SCALE_PRESETS:
        raise ImportFailure(
            [
                _(
                    "unknown scale %(scale)s; use one of %(allowed)s",
                    scale=repr(name),
                    allowed=", ".join(SCALE_PRESETS),
                )
            ]
        )
    preset = dict(SCALE_PRESETS[name])
    default = preset.pop("threshold")
    labels = [lv["label"] for lv in preset["levels"]]
    chosen = threshold or default
    if chosen not in labels:
        raise ImportFailure(
            [
                _(
                    "threshold %(threshold)s is not a level of scale %(scale)s (%(levels)s)",
                    threshold=repr(chosen),
                    scale=repr(name),
                    levels=", ".join(labels),
                )
            ]
        )
    return preset, chosen


_SPACE = re.compile(r"\s+")


def clean_code(raw: str) -> str:
    """A code from an outside identifier: whitespace becomes '_'."""
    return _SPACE.sub("_", raw.strip())


class Codes:
    """Hands out unique codes (one namespace for conditions, fields and standards)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def take(self, wanted: str, fallback: str = "node") -> str:
        """`wanted` cleaned, or with a `~2`, `~3`... suffix when already taken."""
        base = clean_code(wanted) or fallback
        code, n = base, 1
        while code in self.taken:
            n += 1
            code = f"{base}~{n}"
        self.taken.add(code)
        return code


def parties(codes: list[str]) -> list[dict[str, str]]:
    """Party entries for the given codes (default: one party, `org`)."""
    return [{"code": clean_code(c)} for c in (codes or ["org"]) if clean_code(c)] or [
        {"code": "org"}
    ]


def finish(doc: dict[str, Any], source: str) -> tuple[Framework, str]:
    """Validate the built document and return the framework and its canonical YAML."""
    fw, problems = build_framework(doc)
    if fw is None:
        raise ImportFailure(
            [
                _(
                    "%(source)s: cannot build a framework: %(problem)s",
                    source=source,
                    problem=engine_problem(p.message),
                )
                for p in problems[:20]
            ]
        )
    return fw, dump(fw)


def one_line(text: str, limit: int = 200) -> str:
    """The first line of `text`, shortened to `limit` characters (for titles)."""
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"
