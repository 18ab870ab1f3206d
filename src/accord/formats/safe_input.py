"""Reading untrusted import files within bounded memory and time.

Every importer goes through here: the size is checked before a byte is read, JSON nesting is
measured before the decoder (which recurses) sees the text, and YAML is walked as events
first, refusing aliases (the "billion laughs" bomb) and deep nesting before anything is
built.  Problems come back as `ImportFailure` whose messages read `file:line:column: ...`
or, for a problem found in the meaning of a JSON document, `file: $.json.path: ...`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from accord.i18n import gettext as _

from .problem_wording import yaml_problem

MAX_BYTES = 25 * 1024 * 1024
"""Largest import file accepted (the full SP 800-53 rev5 catalog is about 10 MB)."""
MAX_DEPTH = 100
"""Deepest nesting of mappings/sequences accepted (OSCAL catalogs stay under 20)."""

Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ImportFailure(ValueError):
    """An import file that cannot be used; `messages` name the place of every problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def read_limited(path: Path, *, max_bytes: int = MAX_BYTES) -> str:
    """The file's UTF-8 text, refusing files above `max_bytes` before reading them."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ImportFailure(
                [
                    _(
                        "%(where)s: file too large (%(size)s; the limit is %(limit)s)",
                        where=_at(path, 1, 1),
                        size=_mb(size),
                        limit=_mb(max_bytes),
                    )
                ]
            )
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # a file growing meanwhile, or a device, stops here
    except OSError as exc:
        raise ImportFailure(
            [
                _(
                    "%(where)s: cannot read file: %(error)s",
                    where=_at(path, 1, 1),
                    error=exc.strerror or exc,
                )
            ]
        ) from None
    if len(data) > max_bytes:
        raise ImportFailure(
            [
                _(
                    "%(where)s: file too large (more than %(limit)s)",
                    where=_at(path, 1, 1),
                    limit=_mb(max_bytes),
                )
            ]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailure(
            [
                _(
                    "%(where)s: not UTF-8 text (%(reason)s)",
                    where=_at(path, line, 1),
                    reason=exc.reason,
                )
            ]
        ) from None


def _at(source: object, line: object, column: object) -> str:
    """A place in a file, as `file:line:column`."""
    return f"{source}:{line}:{column}"


def _too_deep(where: str, depth: int) -> str:
    return _("%(where)s: nested deeper than %(depth)s levels; refused", where=where, depth=depth)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def load_json(text: str, source: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON after checking its nesting depth; errors at file:line:column."""
    depth = 0
    # strings are blanked (same length) so brackets inside them do not count
    blanked = _STRING.sub(lambda m: " " * len(m.group()), text)
    for m in _BRACKET.finditer(blanked):
        if m.group() in "[{":
            depth += 1
            if depth > max_depth:
                line, col = _line_col(text, m.start())
                raise ImportFailure([_too_deep(f"{source}:{line}:{col}", max_depth)])
        else:
            depth -= 1
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailure(
            [
                _(
                    "%(where)s: invalid JSON: %(what)s",
                    where=_at(source, exc.lineno, exc.colno),
                    what=exc.msg,
                )
            ]
        ) from None
    except (RecursionError, ValueError) as exc:  # e.g. a number too long to convert
        raise ImportFailure(
            [_("%(where)s: invalid JSON: %(what)s", where=_at(source, 1, 1), what=exc)]
        ) from None


@dataclass(frozen=True)
class YamlDoc:
    data: Any
    text: str  # the source, parsed again for positions only when a problem is reported

    @cached_property
    def marks(self) -> dict[tuple[str | int, ...], int]:
        """path -> 1-based line of every value.  Built on first use: a document without
        problems never needs it, and at a thousand nodes it costs more than the parse."""
        return _marks(self.text)

    def line(self, path: tuple[str | int, ...]) -> int:
        """The line of `path`, or of its nearest ancestor that has one."""
        while path and path not in self.marks:
            path = path[:-1]
        return self.marks.get(path, 1)


def _yaml_error(exc: yaml.YAMLError, source: str) -> ImportFailure:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = yaml_problem(getattr(exc, "problem", None) or getattr(exc, "context", None) or exc)
    return ImportFailure(
        [_("%(where)s: invalid YAML: %(what)s", where=_at(source, line, col), what=what)]
    )


def load_yaml(text: str, source: str, *, max_depth: int = MAX_DEPTH) -> YamlDoc:
    """Parse YAML refusing aliases and deep nesting first; keeps the line of every value."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=Loader):
            mark = event.start_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            if isinstance(event, yaml.AliasEvent):
                raise ImportFailure(
                    [
                        _(
                            "%(where)s: YAML aliases (*%(anchor)s) are not accepted in import "
                            "files",
                            where=_at(source, line, col),
                            anchor=event.anchor,
                        )
                    ]
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > max_depth:
                    raise ImportFailure([_too_deep(f"{source}:{line}:{col}", max_depth)])
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        loader = Loader(text)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source) from None
    return YamlDoc(data, text)


def _marks(text: str) -> dict[tuple[str | int, ...], int]:
    loader = Loader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    marks: dict[tuple[str | int, ...], int] = {}
    if node is not None:
        stack: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(node, ())]
        while stack:
            n, path = stack.pop()
            marks[path] = n.start_mark.line + 1
            if isinstance(n, yaml.MappingNode):
                for k, v in n.value:
                    stack.append((v, (*path, str(k.value))))
            elif isinstance(n, yaml.SequenceNode):
                stack.extend((item, (*path, i)) for i, item in enumerate(n.value))
    return marks
