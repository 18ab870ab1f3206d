"""Fuzzing every parser of untrusted input: arbitrary bytes or text, and mutations of valid
files (the OPCON framework, an exported rating sheet, a history CSV, an OSCAL catalog, a CISO
Assistant library, RSS and Atom feeds).

Each parser must either return a result or raise its documented error, whose message names
where the problem is: FrameworkError (framework YAML), SheetError (rating sheets, history
CSV), ImportFailure (OSCAL, CISO Assistant) and FeedError (feeds).  Anything else (KeyError,
TypeError, RecursionError, ...) is a crash and fails here with the input that caused it.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from accord.engine.framework import NOT_APPLICABLE, Framework
from accord.feeds import parse as feed_parse
from accord.formats import (
    ciso_library,
    framework_yaml,
    history_csv,
    oscal_catalog,
    safe_input,
    sheets,
)
from accord.services.examples import example_text

FIXTURES = Path(__file__).parent / "fixtures"
FUZZ = settings(
    max_examples=150,
    derandomize=True,  # the same inputs on every run: a failure is reproducible
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEW = settings(FUZZ, max_examples=100)  # the slower ones (a whole framework per example)

OPCON_YAML = example_text("opcon", "framework.yaml")
OPCON = framework_yaml.load(OPCON_YAML, "opcon")
OSCAL_TEXT = (FIXTURES / "oscal-basic-catalog.json").read_text("utf-8")
CISO_TEXT = (FIXTURES / "ciso-small.yaml").read_text("utf-8")
FEEDS = sorted(
    p.read_bytes()
    for p in (FIXTURES / "feeds").rglob("*")
    if p.suffix in (".rss", ".atom", ".xml") and p.stat().st_size < 20_000
)


# --------------------------------------------------------------------------- strategies

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()  # NaN and infinities too: JSON and YAML both carry them
    | st.text(max_size=30)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(tree: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(tree, dict):
        for k, v in tree.items():
            out.extend(_paths(v, (*path, k)))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out.extend(_paths(v, (*path, i)))
    return out


@st.composite
def mutated_tree(draw: st.DrawFn, tree: Any, paths: list[tuple[Any, ...]]) -> Any:
    """`tree` with one to three of its nodes replaced, removed or duplicated."""
    tree = copy.deepcopy(tree)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        if not path:
            continue
        parent = tree
        try:
            for key in path[:-1]:
                parent = parent[key]
            key = path[-1]
            value = parent[key]  # an earlier mutation may have removed it
        except (KeyError, IndexError, TypeError):
            continue
        action = draw(st.sampled_from(["replace", "remove", "duplicate", "empty"]))
        if action == "replace":
            parent[key] = draw(values)
        elif action == "remove":
            del parent[key]
        elif action == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(value))
        elif action == "empty":
            parent[key] = type(value)() if isinstance(value, list | dict | str) else None
    return tree


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> str:
    """`text` with a few lines deleted, duplicated, swapped, cut or spliced with junk."""
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "cut", "splice"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        else:
            at = draw(st.integers(0, len(lines[i])))
            junk = draw(st.text(max_size=12) | st.sampled_from(JUNK))
            lines[i] = lines[i][:at] + junk + lines[i][at:]
    return "".join(lines)


# pieces that tend to break parsers: quoting, tags, entities, surrogates' escapes, digits
JUNK = [
    '"',
    "'",
    ",",
    "\n",
    "- ",
    ": ",
    "{",
    "[",
    "!!python/object:os.system",
    "&a ",
    "*a",
    "<",
    "]]>",
    "&#0;",
    "&#xD800;",
    "&#x110000;",
    "&bogus;",
    "<![CDATA[",
    "=SUM(A1)",
    "²",
    "٣",
    "\x00",
    "\ufeff",
    "1e999",
    ".nan",
    "-.inf",
]


@st.composite
def flipped(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with a few bytes overwritten, dropped or inserted."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        if not out:
            break
        i = draw(st.integers(0, len(out) - 1))
        action = draw(st.sampled_from(["set", "drop", "insert"]))
        if action == "set":
            out[i] = draw(st.integers(0, 255))
        elif action == "drop":
            del out[i]
        else:
            out[i:i] = draw(st.binary(min_size=1, max_size=8))
    return bytes(out)


def only(error: type[Exception] | tuple[type[Exception], ...], parse: Callable[[], Any]) -> Any:
    """The parser's result, or None when it raised its documented error (with a message)."""
    try:
        return parse()
    except error as exc:
        assert str(exc).strip(), f"{type(exc).__name__} without a message"
        return None


# --------------------------------------------------------------------------- framework YAML

OPCON_DATA = yaml.safe_load(OPCON_YAML)
OPCON_PATHS = _paths(OPCON_DATA)


def _framework(text: str) -> None:
    fw, diagnostics = framework_yaml.validate(text, "fuzz.yaml")
    assert (fw is None) == bool(diagnostics)
    for d in diagnostics:
        assert d.line >= 1 and d.column >= 1 and d.message
    only(framework_yaml.FrameworkError, lambda: framework_yaml.load(text, "fuzz.yaml"))


@FUZZ
@given(st.text())
def test_framework_yaml_arbitrary_text(text: str) -> None:
    _framework(text)


@FEW
@given(mutated_text(OPCON_YAML))
def test_framework_yaml_mutated_lines(text: str) -> None:
    _framework(text)


@settings(FUZZ, max_examples=200)
@given(mutated_tree(OPCON_DATA, OPCON_PATHS))
def test_framework_yaml_mutated_structure(data: Any) -> None:
    _framework(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


# --------------------------------------------------------------------------- rating sheets


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8")


META = sheets.Meta("opcon-cotp", "2026", "00000000-0000-4000-8000-000000000000", "ROK", "2018.1")


def _rows(fw: Framework) -> list[sheets.Row]:
    rows = []
    for i, s in enumerate(fw.standards()):
        scale = fw.scale(s.scale)
        rows.append(
            sheets.Row(
                code=s.code,
                condition=s.condition,
                field=s.field,
                title=s.title,
                description=s.description,
                threshold=s.threshold,
                scale=s.scale,
                choices=tuple(lv.label for lv in scale.levels)
                + ((NOT_APPLICABLE,) if scale.allows_na else ()),
                level=scale.levels[0].label if i % 3 == 0 else "",
                rationale="seen on exercise" if i % 3 == 0 else "",
                version=1 if i % 3 == 0 else None,
            )
        )
    return rows


ROWS = _rows(OPCON)
XLSX = sheets.write_xlsx(META, ROWS)
SHEET_CSV = sheets.write_csv(META, ROWS)


def _sheet(data: bytes) -> None:
    parsed = only(sheets.SheetError, lambda: sheets.read(data, "fuzz.xlsx"))
    if parsed is not None:
        assert all(p.strip() for p in parsed.problems)
        assert all(isinstance(e.code, str) for e in parsed.entries)


@FUZZ
@given(st.binary(max_size=2000))
def test_sheet_arbitrary_bytes(data: bytes) -> None:
    _sheet(data)
    _sheet(b"PK\x03\x04" + data)  # looks like a zip at first sight


cells = (
    st.none()
    | st.text(max_size=20)
    | st.sampled_from(JUNK)
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
    | st.dates()
)


@FEW
@given(
    st.lists(
        st.tuples(
            st.sampled_from([sheets.RATINGS, sheets.META]),
            st.integers(1, len(ROWS) + 12),
            st.integers(1, 10),
            cells,
        ),
        min_size=1,
        max_size=5,
    )
)
def test_sheet_xlsx_edited_cells(edits: list[tuple[str, int, int, Any]]) -> None:
    wb = load_workbook(io.BytesIO(XLSX))
    for sheet, row, column, value in edits:
        try:
            wb[sheet].cell(row=row, column=column, value=value)
        except IllegalCharacterError:  # openpyxl itself cannot write it; no sheet holds it
            continue
    buf = io.BytesIO()
    wb.save(buf)
    _sheet(buf.getvalue())


SHEET_ROWS = list(csv.reader(io.StringIO(SHEET_CSV.decode("utf-8-sig"))))
# what people type in the columns they may edit: levels, notes, numbers of every script
NUMBERS = ["²", "١٢", "০", "-1", "1.5", "1e3", " 7 ", "9" * 30, "0x1F"]
cell_text = (
    st.sampled_from(NUMBERS)
    | st.text(st.characters(categories=("Nd", "No")), min_size=1, max_size=3)
    | st.text(max_size=20)
    | st.sampled_from(JUNK)
)
EDITABLE = st.sampled_from([6, 7, 8]) | st.integers(0, 10)  # level, rationale, version


@FUZZ
@given(
    st.lists(
        st.tuples(st.integers(0, len(SHEET_ROWS) + 1), EDITABLE, cell_text),
        min_size=1,
        max_size=5,
    )
)
def test_sheet_csv_edited_cells(edits: list[tuple[int, int, str]]) -> None:
    rows = [list(r) for r in SHEET_ROWS]
    for row, column, value in edits:
        while len(rows) <= row:
            rows.append([])
        rows[row].extend([""] * (column + 1 - len(rows[row])))
        rows[row][column] = value
    _sheet(_csv(rows))


@FUZZ
@given(flipped(XLSX))
def test_sheet_xlsx_flipped_bytes(data: bytes) -> None:
    _sheet(data)


@FUZZ
@given(mutated_text(SHEET_CSV.decode("utf-8-sig")))
def test_sheet_csv_mutated(text: str) -> None:
    _sheet(text.encode("utf-8"))


@FUZZ
@given(flipped(SHEET_CSV))
def test_sheet_csv_flipped_bytes(data: bytes) -> None:
    _sheet(data)


# --------------------------------------------------------------------------- history CSV


def _history(data: bytes) -> None:
    rows = only(sheets.SheetError, lambda: history_csv.read(data, "history.csv"))
    for r in rows or []:
        assert r.line >= 2


HISTORY = _csv(
    [
        list(history_csv.COLUMNS),
        ["2019", "2019-10-01", "C1.1.1", "joint", "Partial", "first look"],
        ["2019", "2019-10-01", "C1.1.2", "ROK", "Full", ""],
    ]
)


@FUZZ
@given(st.binary(max_size=2000))
def test_history_csv_arbitrary_bytes(data: bytes) -> None:
    _history(data)


@FUZZ
@given(
    st.permutations(history_csv.COLUMNS).map(list),
    st.lists(st.lists(st.text(max_size=12) | st.sampled_from(JUNK), max_size=8), max_size=6),
)
def test_history_csv_random_rows(header: list[str], rows: list[list[str]]) -> None:
    _history(_csv([header[: len(header) - (len(rows) % 2)], *rows]))


@FUZZ
@given(mutated_text(HISTORY.decode("utf-8")) | flipped(HISTORY).map(lambda b: b.decode("latin-1")))
def test_history_csv_mutated(text: str) -> None:
    _history(text.encode("utf-8"))


# --------------------------------------------------------------------------- OSCAL catalog

OSCAL_DATA = json.loads(OSCAL_TEXT)
OSCAL_PATHS = _paths(OSCAL_DATA)


def _oscal(text: str, **options: Any) -> None:
    def run() -> oscal_catalog.ImportResult:
        data = safe_input.load_json(text, "catalog.json")
        return oscal_catalog.convert(data, "catalog.json", **options)

    result = only(safe_input.ImportFailure, run)
    if result is not None:
        assert result.text and result.framework.conditions


@FUZZ
@given(st.text())
def test_oscal_arbitrary_text(text: str) -> None:
    _oscal(text)


@FUZZ
@given(
    mutated_tree(OSCAL_DATA, OSCAL_PATHS),
    st.sampled_from([None, 1, 2]),
    st.sampled_from(["nested", "separate"]),
)
def test_oscal_mutated_structure(data: Any, depth: int | None, enhancements: str) -> None:
    _oscal(json.dumps(data), group_depth=depth, enhancements=enhancements)


@FUZZ
@given(mutated_text(OSCAL_TEXT))
def test_oscal_mutated_text(text: str) -> None:
    _oscal(text)


# --------------------------------------------------------------------------- CISO Assistant

CISO_DATA = yaml.safe_load(CISO_TEXT)
CISO_PATHS = _paths(CISO_DATA)


def _ciso(text: str, **options: Any) -> None:
    def run() -> ciso_library.ImportResult:
        doc = safe_input.load_yaml(text, "library.yaml")
        return ciso_library.convert(doc, "library.yaml", **options)

    result = only(safe_input.ImportFailure, run)
    if result is not None:
        assert result.text and result.framework.conditions


@FUZZ
@given(st.text())
def test_ciso_arbitrary_text(text: str) -> None:
    _ciso(text)


@FUZZ
@given(
    mutated_tree(CISO_DATA, CISO_PATHS),
    st.sampled_from([None, "1", "2", "Partially implemented"]),
)
def test_ciso_mutated_structure(data: Any, threshold: str | None) -> None:
    _ciso(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), threshold=threshold)


numbers = st.integers(-5, 100) | st.floats()
junk_numbers = numbers | st.none() | st.booleans() | st.text(max_size=3)


@settings(FUZZ, max_examples=400)  # cheap, and the scale's corners are many
@given(
    st.lists(
        st.fixed_dictionaries(
            {"score": numbers | junk_numbers},
            optional={"name": st.text(max_size=8), "description": st.text()},
        ),
        max_size=6,
    ),
    st.none() | numbers,
    st.none() | numbers,
    st.none() | st.sampled_from(["0", "1", "2", "3", "Partially implemented"]),
)
def test_ciso_scores(scores: list[Any], low: Any, high: Any, threshold: str | None) -> None:
    data = copy.deepcopy(CISO_DATA)
    framework = data["objects"]["framework"]
    framework.update(scores_definition=scores, min_score=low, max_score=high)
    _ciso(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), threshold=threshold)


@FUZZ
@given(mutated_text(CISO_TEXT))
def test_ciso_mutated_text(text: str) -> None:
    _ciso(text)


# --------------------------------------------------------------------------- feeds


def _feed(data: bytes) -> None:
    for fast in (True, False):
        parsed = only(
            feed_parse.FeedError,
            lambda fast=fast: feed_parse.parse(
                data, source="fuzz.rss", max_item_bytes=10_000, fast=fast
            ),
        )
        if parsed is not None:
            for entry in parsed.entries:
                assert entry.title or entry.summary or entry.content or entry.link
                entry.largest()  # every field is storable text


@FUZZ
@given(st.binary(max_size=2000))
def test_feed_arbitrary_bytes(data: bytes) -> None:
    _feed(data)


@FUZZ
@given(st.sampled_from(FEEDS).flatmap(flipped))
def test_feed_flipped_bytes(data: bytes) -> None:
    _feed(data)


@FUZZ
@given(
    st.sampled_from(FEEDS).flatmap(lambda raw: mutated_text(raw.decode("utf-8", errors="replace")))
)
def test_feed_mutated_text(text: str) -> None:
    _feed(text.encode("utf-8", errors="surrogatepass"))


@st.composite
def in_element_text(draw: st.DrawFn, raw: bytes) -> bytes:
    """`raw` with junk (entities, markup, control characters) inside an element's text."""
    starts = [i + 1 for i, byte in enumerate(raw) if byte == ord(">")]
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.sampled_from(starts))
        junk = draw(st.sampled_from(JUNK) | st.text(max_size=8)).encode("utf-8", "surrogatepass")
        raw = raw[:at] + junk + raw[at:]
    return raw


@FUZZ
@given(st.sampled_from(FEEDS).flatmap(in_element_text))
def test_feed_junk_in_element_text(data: bytes) -> None:
    _feed(data)
