"""Party rating sheets as XLSX or CSV: write them, and read them back (parse only).

Every problem is reported where the user can find it: `Ratings!G5: message` in a workbook,
`row 5, column level: message` in a CSV file.  Hostile files (zip bombs, huge files, formulas,
too many rows) are refused before, or while, they are read, with bounded memory and time.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from accord.i18n import gettext as _

from .sheet_checks import FORMAT as FORMAT
from .sheet_checks import MAX_BYTES as MAX_BYTES
from .sheet_checks import MAX_ROWS as MAX_ROWS
from .sheet_checks import SheetError as SheetError
from .sheet_checks import (
    altered,
    bad_csv_line,
    check_size,
    check_zip,
    csv_cell,
    csv_row,
    not_a_sheet,
    not_utf8,
    too_many_rows,
)

RATINGS, INSTRUCTIONS, LISTS, META = "Ratings", "Instructions", "Lists", "_accord"
IDENTITY = ("code", "condition", "field", "title", "description", "threshold")
COLUMNS = (*IDENTITY, "level", "rationale", "version")
LETTERS = "ABCDEFGHI"
COL = dict(zip(COLUMNS, LETTERS, strict=True))
HEADERS = {
    "code": "Code",
    "condition": "Condition",
    "field": "Field",
    "title": "Title",
    "description": "Description",
    "threshold": "Threshold",
    "level": "Level",
    "rationale": "Rationale",
    "version": "Version",
}
META_FIELDS = ("format", "plan", "evaluation", "uid", "party", "framework", "check")
META_ROW = {name: i + 1 for i, name in enumerate(META_FIELDS)}  # row in the _accord sheet
SNAPSHOT_ROW = 9  # first row of the exported ratings in the _accord sheet

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Meta:
    plan: str
    evaluation: str
    uid: str
    party: str
    framework: str


@dataclass(frozen=True)
class Row:
    """One standard as exported: what identifies it, the scale's choices, the party's rating."""

    code: str
    condition: str
    field: str
    title: str
    description: str
    threshold: str
    scale: str
    choices: tuple[str, ...]
    level: str = ""
    rationale: str = ""
    version: int | None = None

    def identity(self) -> tuple[str, ...]:
        return tuple(str(getattr(self, c)) for c in IDENTITY)


@dataclass(frozen=True)
class Entry:
    """One row read back from a sheet, with where each of its cells is."""

    line: int
    identity: dict[str, str]
    level: str
    rationale: str
    version: int | None
    exported: tuple[str, str] | None  # level and rationale at export (XLSX only)
    where: dict[str, str]  # column -> `Ratings!G5` or `row 5, column level`

    @property
    def code(self) -> str:
        return self.identity["code"]


@dataclass
class Parsed:
    meta: Meta
    meta_where: dict[str, str]
    entries: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def content_check(meta: Meta, snapshot: Sequence[tuple[str, int | None, str, str]]) -> str:
    """A digest of where the sheet belongs and what it held at export: accidental edits of the
    record (or a sheet of another evaluation or party) show as a mismatch."""
    doc = [meta.plan, meta.evaluation, meta.uid, meta.party, meta.framework, list(snapshot)]
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _snapshot(rows: Sequence[Row]) -> list[tuple[str, int | None, str, str]]:
    return [(r.code, r.version, r.level, r.rationale) for r in rows]


# --------------------------------------------------------------------------- writing


def write_xlsx(meta: Meta, rows: Sequence[Row], *, progress: Progress | None = None) -> bytes:
    """The workbook: Ratings (only level and rationale unlocked, levels as drop-downs),
    Instructions, the scales' lists and the hidden `_accord` record."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = RATINGS
    ws.append([HEADERS[c] for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    lists = wb.create_sheet(LISTS)
    scales: dict[str, tuple[str, ...]] = {}
    for r in rows:
        scales.setdefault(r.scale, r.choices)
    validations: dict[str, DataValidation] = {}
    for i, (scale, choices) in enumerate(scales.items()):
        letter = _letter(i + 1)
        lists.cell(row=1, column=i + 1, value=scale)
        for j, choice in enumerate(choices):
            lists.cell(row=j + 2, column=i + 1, value=choice)
        dv = DataValidation(
            type="list",
            formula1=f"={LISTS}!${letter}$2:${letter}${len(choices) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Not a level of this scale",
            error=f"Choose one of: {', '.join(choices)}",
        )
        validations[scale] = dv
        ws.add_data_validation(dv)
    unlocked = Protection(locked=False)
    wrap = Alignment(wrap_text=True, vertical="top")
    total = len(rows)
    for n, r in enumerate(rows, start=2):
        ws.append(
            [
                r.code,
                r.condition,
                r.field,
                r.title,
                r.description,
                r.threshold,
                r.level,
                r.rationale,
                r.version,
            ]
        )
        ws.cell(row=n, column=7).protection = unlocked
        rationale = ws.cell(row=n, column=8)
        rationale.protection = unlocked
        rationale.alignment = wrap
        validations[r.scale].add(f"G{n}")
        if progress is not None and (n % 200 == 0 or n - 1 == total):
            progress(n - 1, total)
    for letter, width in zip(LETTERS, (12, 10, 10, 40, 50, 14, 16, 60, 8), strict=True):
        ws.column_dimensions[letter].width = width
    ws.column_dimensions["I"].hidden = True
    ws.freeze_panes = "G2"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # let people widen columns
    ws.protection.formatRows = False
    guide = wb.create_sheet(INSTRUCTIONS)
    for line in _instructions(meta):
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    guide.protection.sheet = True
    lists.sheet_state = "hidden"
    lists.protection.sheet = True
    record = wb.create_sheet(META)
    snapshot = _snapshot(rows)
    values = {
        "format": FORMAT,
        "plan": meta.plan,
        "evaluation": meta.evaluation,
        "uid": meta.uid,
        "party": meta.party,
        "framework": meta.framework,
        "check": content_check(meta, snapshot),
    }
    for name in META_FIELDS:
        record.append([name, values[name]])
    record.append(["code", "version", "level", "rationale"])
    for code, version, level, rationale in snapshot:
        record.append([code, version, level, rationale])
    record.sheet_state = "veryHidden"
    record.protection.sheet = True
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(n))


def _instructions(meta: Meta) -> list[str]:
    return [
        f"accord rating sheet: plan {meta.plan}, evaluation {meta.evaluation}, party {meta.party}",
        "",
        "1. In the Ratings tab, choose a level for each standard from the drop-down of its "
        "rating scale, and write the rationale beside it.",
        "2. Only the Level and Rationale columns can change; the identifying columns are locked "
        "and an import refuses a sheet where they were edited.",
        "3. Type values, not formulas: a cell starting with '=' is refused.",
        "4. Leave a level empty to leave that standard as it is in accord.",
        f"5. Import the sheet with `accord sheet import FILE.xlsx` or the upload form on the "
        f"evaluation's workspace page. It belongs to party {meta.party} of evaluation "
        f"{meta.evaluation} only.",
        "6. Everything is checked before anything is saved: one problem and nothing is saved. "
        "A rating changed in accord since this sheet was exported is reported as a conflict: "
        "export a fresh sheet and re-enter your change.",
        "",
        f"Evaluation uid: {meta.uid}; framework version {meta.framework}.",
    ]


def write_csv(meta: Meta, rows: Sequence[Row]) -> bytes:
    """The sheet as CSV: one record line, the header, then one line per standard."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    check = content_check(meta, [])  # rows may be deleted or sorted in a CSV file
    w.writerow([FORMAT, meta.plan, meta.evaluation, meta.uid, meta.party, meta.framework, check])
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([*r.identity(), r.level, r.rationale, "" if r.version is None else r.version])
    return buf.getvalue().encode("utf-8-sig")  # the BOM makes spreadsheet programs read UTF-8


# --------------------------------------------------------------------------- reading


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _version(raw: str) -> int | None:
    # isdigit() alone admits '²' and other digits int() refuses
    return int(raw) if raw.isascii() and raw.isdigit() else None


def read_xlsx(data: bytes, name: str, *, progress: Progress | None = None) -> Parsed:
    """Read a workbook written by `write_xlsx`; problems are collected, not raised, except
    for a file that cannot be a rating sheet at all (SheetError)."""
    check_size(data, name)
    check_zip(data, name)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a broken workbook
        raise SheetError(
            [_("%(name)s: not a readable XLSX workbook (%(error)s)", name=name, error=exc)]
        ) from None
    try:
        for sheet in (RATINGS, META):
            if sheet not in wb.sheetnames:
                raise SheetError(
                    [
                        _(
                            "%(name)s: no '%(sheet)s' sheet: this is not a rating sheet "
                            "exported by accord",
                            name=name,
                            sheet=sheet,
                        )
                    ]
                )
        record = wb[META]
        raw: dict[str, str] = {}
        snapshot: list[tuple[str, int | None, str, str]] = []
        for i, values in enumerate(record.iter_rows(values_only=True), start=1):
            if i > MAX_ROWS + SNAPSHOT_ROW:
                raise SheetError(
                    [
                        _(
                            "%(where)s: more than %(limit)s rows",
                            where=META + "!A" + str(i),
                            limit=format(MAX_ROWS, ","),
                        )
                    ]
                )
            cells = [_text(v) for v in (*values, None, None, None, None)[:4]]
            if i <= len(META_FIELDS):
                raw[cells[0]] = cells[1]
            elif i >= SNAPSHOT_ROW and cells[0]:
                snapshot.append((cells[0], _version(cells[1]), cells[2], cells[3]))
        meta_where = {f: f"{META}!B{META_ROW[f]}" for f in META_FIELDS}
        if raw.get("format") != FORMAT:
            raise SheetError([not_a_sheet(meta_where["format"])])
        meta = Meta(*(raw.get(f, "") for f in ("plan", "evaluation", "uid", "party", "framework")))
        parsed = Parsed(meta=meta, meta_where=meta_where)
        if content_check(meta, snapshot) != raw.get("check"):
            parsed.problems.append(altered(meta_where["check"]))
        exported = {code: (level, rationale) for code, _, level, rationale in snapshot}
        ws = wb[RATINGS]
        for n, values in enumerate(ws.iter_rows(min_row=2, max_col=9, values_only=True), 2):
            if n - 1 > MAX_ROWS:
                raise SheetError([too_many_rows(f"{RATINGS}!A{n}", MAX_ROWS)])
            row: list[object] = [*values, *([None] * (9 - len(values)))]
            if all(v is None or v == "" for v in row):
                continue
            where = {c: f"{RATINGS}!{COL[c]}{n}" for c in COLUMNS}
            entry = _entry(n, row, where, parsed.problems)
            if entry is not None:
                parsed.entries.append(replace(entry, exported=exported.get(entry.code)))
            if progress is not None and n % 200 == 0:
                progress(n - 1, 0)
        return parsed
    finally:
        wb.close()


def _entry(n: int, cells: list[object], where: dict[str, str], problems: list[str]) -> Entry | None:
    formula = False
    for c, v in zip(COLUMNS, cells, strict=True):
        if isinstance(v, str) and v.startswith("="):
            problems.append(
                _("%(where)s: a formula is not accepted; type the value itself", where=where[c])
            )
            formula = True
    if formula:
        return None
    text = {c: _text(v) for c, v in zip(COLUMNS, cells, strict=True)}
    return Entry(
        line=n,
        identity={c: text[c] for c in IDENTITY},
        level=text["level"],
        rationale=text["rationale"],
        version=_version(text["version"]),
        exported=None,
        where=where,
    )


def read_csv(data: bytes, name: str) -> Parsed:
    """Read a CSV sheet written by `write_csv`."""
    check_size(data, name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError([not_utf8(name)]) from None
    reader = csv.reader(io.StringIO(text, newline=""))  # the csv module reads \r and \r\n itself
    try:
        return _csv_rows(reader)
    except csv.Error as exc:  # a stray quote or carriage return, a NUL byte, an endless field
        raise SheetError([bad_csv_line(reader.line_num, exc)]) from None


def _csv_rows(reader: Iterator[list[str]]) -> Parsed:
    first = next(reader, [])
    if not first or first[0] != FORMAT or len(first) < 7:
        raise SheetError([not_a_sheet(csv_cell(1, "A"))])
    meta = Meta(*first[1:6])
    meta_where = {f: csv_cell(1, chr(ord("A") + i)) for i, f in enumerate(META_FIELDS)}
    parsed = Parsed(meta=meta, meta_where=meta_where)
    header = [h.strip().lower() for h in next(reader, [])]
    if header[: len(COLUMNS)] != list(COLUMNS):
        raise SheetError(
            [
                _(
                    "%(where)s: the header must be %(columns)s",
                    where=csv_row(2),
                    columns=",".join(COLUMNS),
                )
            ]
        )
    rows: list[tuple[int, list[str]]] = []
    for n, values in enumerate(reader, start=3):
        if n - 2 > MAX_ROWS:
            raise SheetError([too_many_rows(csv_row(n), MAX_ROWS)])
        if any(v.strip() for v in values):
            rows.append((n, (values + [""] * len(COLUMNS))[: len(COLUMNS)]))
    if content_check(meta, []) != first[6]:
        parsed.problems.append(altered(meta_where["check"]))
    for n, values in rows:
        where = {c: csv_cell(n, c) for c in COLUMNS}
        entry = _entry(n, list(values), where, parsed.problems)
        if entry is not None:
            parsed.entries.append(entry)
    return parsed


def read(data: bytes, name: str, *, progress: Progress | None = None) -> Parsed:
    """Read an XLSX or CSV sheet, told apart by content (an XLSX file is a zip)."""
    check_size(data, name)
    if data[:4] == b"PK\x03\x04":
        return read_xlsx(data, name, progress=progress)
    return read_csv(data, name)
