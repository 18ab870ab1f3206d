"""Framework YAML: parse with line/column positions, validate (JSON Schema, then the engine).

Every problem comes back as a `Diagnostic` that names the file, line and column, so that
`accord check` can print `file:line:column: message` for every problem at once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path as FsPath
from typing import Any

import jsonschema
import yaml

from accord.engine.framework import Framework, Path, build_framework
from accord.i18n import gettext as _

from .problem_wording import engine_problem, schema_detail, yaml_problem

FORMAT = "accord/framework@1"


@dataclass(frozen=True)
class Diagnostic:
    source: str
    line: int  # 1-based
    column: int  # 1-based
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}: {self.message}"


class FrameworkError(ValueError):
    """A framework document that cannot be used; carries every diagnostic."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(str(d) for d in diagnostics))
        self.diagnostics = diagnostics


MAX_CHARS = 10 * 1024 * 1024  # a framework of 10,000 standards is about 3 MB of YAML
MAX_DEPTH = 64

_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: fast


class _Loader(_SafeBase):  # type: ignore[misc,valid-type]
    """Safe loader that keeps dates as text: the schema and the engine parse them."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _refuse_hostile(text: str, source: str) -> None:
    """Refuse what could exhaust memory or time before building anything: size, aliases, depth.

    A framework needs no YAML aliases; an alias "bomb" of a few kilobytes would otherwise
    expand to gigabytes.
    """
    if len(text) > MAX_CHARS:
        raise FrameworkError(
            [
                Diagnostic(
                    source,
                    1,
                    1,
                    _(
                        "file too large (%(size)s characters; the limit is %(limit)s)",
                        size=format(len(text), ","),
                        limit=format(MAX_CHARS, ","),
                    ),
                )
            ]
        )

    def at(event: yaml.Event) -> tuple[int, int]:
        mark = event.start_mark
        return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)

    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise FrameworkError(
                [
                    Diagnostic(
                        source,
                        *at(event),
                        _(
                            "YAML aliases (*%(anchor)s) are not accepted in a framework file",
                            anchor=event.anchor,
                        ),
                    )
                ]
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise FrameworkError(
                    [
                        Diagnostic(
                            source,
                            *at(event),
                            _("nested deeper than %(depth)s levels", depth=MAX_DEPTH),
                        )
                    ]
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


@dataclass(frozen=True)
class Parsed:
    data: Any
    marks: dict[Path, tuple[int, int]]  # path -> (line, column), 1-based
    duplicates: list[tuple[Path, tuple[int, int]]]  # repeated mapping keys


def _walk(
    node: yaml.Node,
    path: Path,
    marks: dict[Path, tuple[int, int]],
    dups: list[tuple[Path, tuple[int, int]]],
) -> None:
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            k = str(key.value)
            if k in seen:
                dups.append(((*path, k), (key.start_mark.line + 1, key.start_mark.column + 1)))
            seen.add(k)
            _walk(value, (*path, k), marks, dups)
            # point at the key for problems about the key's value being wrong or missing
            marks[(*path, k)] = (key.start_mark.line + 1, key.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), marks, dups)


def parse(text: str, source: str = "<string>") -> Parsed:
    """Parse YAML text keeping positions; FrameworkError on malformed YAML."""
    try:
        _refuse_hostile(text, source)
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = yaml_problem(exc.problem or exc.context or "malformed YAML")
        raise FrameworkError(
            [Diagnostic(source, line, col, _("invalid YAML: %(what)s", what=what))]
        ) from None
    except yaml.YAMLError as exc:
        raise FrameworkError(
            [Diagnostic(source, 1, 1, _("invalid YAML: %(what)s", what=exc))]
        ) from None
    marks: dict[Path, tuple[int, int]] = {}
    dups: list[tuple[Path, tuple[int, int]]] = []
    if node is not None:
        _walk(node, (), marks, dups)
    return Parsed(data, marks, dups)


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON Schema of the framework format, shipped in the package."""
    text = resources.files("accord.formats").joinpath("framework.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _position(parsed: Parsed, path: Path) -> tuple[int, int]:
    while path and path not in parsed.marks:
        path = path[:-1]
    return parsed.marks.get(path, (1, 1))


def _schema_message(err: jsonschema.ValidationError) -> str:
    where = ".".join(str(p) for p in err.absolute_path)
    if err.validator == "const":
        return _("'%(where)s' must be %(value)s", where=where, value=repr(err.validator_value))
    if err.validator == "oneOf" and where.endswith("title"):
        return _("'%(where)s' must be text or a mapping {en: ..., ko: ...}", where=where)
    if (
        err.validator
        in (
            "type",
            "enum",
            "pattern",
            "format",
            "minimum",
            "exclusiveMinimum",
            "maximum",
            "minLength",
        )
        and where
    ):
        return f"'{where}': {schema_detail(err)}"
    return schema_detail(err)


def validate(text: str, source: str = "<string>") -> tuple[Framework | None, list[Diagnostic]]:
    """Validate a framework document; returns the framework (None if broken) and diagnostics."""
    try:
        parsed = parse(text, source)
    except FrameworkError as exc:
        return None, exc.diagnostics
    out: list[Diagnostic] = []
    for path, (line, col) in parsed.duplicates:
        out.append(Diagnostic(source, line, col, _("duplicate key '%(key)s'", key=path[-1])))
    if parsed.data is None:
        out.append(Diagnostic(source, 1, 1, _("the file is empty")))
        return None, out
    fw, problems = build_framework(parsed.data)
    engine_paths = {problem.path for problem in problems}
    for problem in problems:
        message = engine_problem(problem.message)
        if problem.related is not None:
            message += _(
                " (first defined on line %(line)s)", line=_position(parsed, problem.related)[0]
            )
        out.append(Diagnostic(source, *_position(parsed, problem.path), message))
    validator = jsonschema.Draft202012Validator(
        schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    for err in validator.iter_errors(parsed.data):
        path = tuple(err.absolute_path)
        # the engine already said it, in words closer to the domain
        if path in engine_paths or (path and path[:-1] in engine_paths):
            continue
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = err.schema.get("properties", {})
            for key in err.instance:
                if key not in allowed:
                    out.append(
                        Diagnostic(
                            source,
                            *_position(parsed, (*path, key)),
                            _(
                                "unknown key '%(key)s' (allowed here: %(allowed)s)",
                                key=key,
                                allowed=", ".join(allowed),
                            ),
                        )
                    )
            continue
        out.append(Diagnostic(source, *_position(parsed, path), _schema_message(err)))
    out.sort(key=lambda d: (d.line, d.column))
    return (fw if not out else None), out


def load(text: str, source: str = "<string>") -> Framework:
    """Parse and validate; FrameworkError listing every problem if the document is broken."""
    fw, diagnostics = validate(text, source)
    if fw is None:
        raise FrameworkError(diagnostics)
    return fw


def load_file(path: FsPath) -> Framework:
    """Load a framework YAML file."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(
            [Diagnostic(str(path), 1, 1, _("cannot read file: %(error)s", error=exc))]
        ) from None
    return load(text, str(path))


def content_hash(text: str) -> str:
    """SHA-256 of the document text, as stored with every framework version."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_stored(text: str) -> Framework:
    """A document that passed `load` when it was stored: built without keeping positions and
    without the JSON Schema pass, which are for reporting problems (at 10,000 standards they
    take most of the time).  Should it not build after all, `load` reports why."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        return load(text, "<stored framework>")
    fw, problems = build_framework(data)
    if fw is None or problems:
        return load(text, "<stored framework>")
    return fw


@lru_cache(maxsize=32)
def load_cached(text: str) -> Framework:
    """`load`, memoised on the text: a framework version's source never changes."""
    return load(text, "<stored framework>")
