"""The history CSV (docs/history-import.md): parse only; the rules live in services.history."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from accord.i18n import gettext as _

from .sheet_checks import MAX_BYTES, MAX_ROWS, SheetError, bad_csv_line, csv_row, not_utf8

COLUMNS = ("evaluation", "date", "standard", "party", "level", "rationale")
REQUIRED = COLUMNS[:5]


@dataclass(frozen=True)
class HistoryRow:
    line: int  # the file's row number, the header being row 1
    evaluation: str
    date: str
    standard: str
    party: str
    level: str
    rationale: str


def read(data: bytes, name: str) -> list[HistoryRow]:
    """The rows of a history CSV; SheetError for a file that is not one (size, header)."""
    if len(data) > MAX_BYTES:
        raise SheetError(
            [
                _(
                    "%(name)s: %(size)s bytes is larger than the limit of %(limit)s",
                    name=name,
                    size=format(len(data), ","),
                    limit=format(MAX_BYTES, ","),
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError([not_utf8(name)]) from None
    reader = csv.reader(io.StringIO(text, newline=""))  # the csv module reads \r and \r\n itself
    try:
        return _rows(reader)
    except csv.Error as exc:  # a stray quote or carriage return, a NUL byte, an endless field
        raise SheetError([bad_csv_line(reader.line_num, exc)]) from None


def _rows(reader: Iterator[list[str]]) -> list[HistoryRow]:
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SheetError(
            [
                _(
                    "%(where)s: missing column(s) %(columns)s",
                    where=csv_row(1),
                    columns=", ".join(missing),
                )
            ]
        )
    index = {c: header.index(c) for c in COLUMNS if c in header}
    rows = []
    for n, values in enumerate(reader, start=2):
        if n - 1 > MAX_ROWS * 10:
            raise SheetError(
                [
                    _(
                        "%(where)s: more than %(limit)s rows",
                        where=csv_row(n),
                        limit=format(MAX_ROWS * 10, ","),
                    )
                ]
            )
        if not any(v.strip() for v in values):
            continue
        padded = values + [""] * len(header)
        rows.append(
            HistoryRow(n, *(padded[index[c]].strip() if c in index else "" for c in COLUMNS))
        )
    return rows
