"""Rating sheets: the limits, the checks made before a file is parsed, and the words of the
problems found while reading one (in the reader's language)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from accord.i18n import gettext as _

FORMAT = "accord/rating-sheet@1"
MAX_BYTES = 5 * 1024 * 1024  # an uploaded sheet; 10,000 standards take about 1 MB
MAX_UNCOMPRESSED = 20 * 1024 * 1024  # the workbook's XML, all entries together
MAX_RATIO = 100  # uncompressed / compressed, per entry and overall
MAX_ENTRIES = 200  # files inside the workbook's zip
MAX_ROWS = 20_000  # data rows in a sheet


class SheetError(ValueError):
    """A sheet that cannot be read at all, or whose rows have problems; one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def csv_row(n: int) -> str:
    """Where a problem is in a CSV file: its row ("row 5")."""
    return _("row %(row)s", row=n)


def csv_cell(n: int, column: str) -> str:
    """Where a problem is in a CSV file: a row and a column ("row 5, column level")."""
    return _("row %(row)s, column %(column)s", row=n, column=column)


def not_utf8(name: str) -> str:
    return _("%(name)s: not UTF-8 text", name=name)


def bad_csv_line(line: int, exc: Exception) -> str:
    return _("%(where)s: not a valid CSV line (%(error)s)", where=csv_row(line), error=exc)


def not_a_sheet(where: str) -> str:
    return _("%(where)s: not an accord rating sheet (%(format)s)", where=where, format=FORMAT)


def altered(where: str) -> str:
    return _("%(where)s: the sheet's accord record was altered: export a fresh sheet", where=where)


def too_many_rows(where: str, limit: int) -> str:
    return _(
        "%(where)s: more than %(limit)s rows: not a rating sheet",
        where=where,
        limit=format(limit, ","),
    )


def check_size(data: bytes, name: str) -> None:
    """Refuse a file too large to be a rating sheet, before parsing anything."""
    if len(data) > MAX_BYTES:
        raise SheetError(
            [
                _(
                    "%(name)s: %(size)s bytes is larger than the limit of %(limit)s bytes",
                    name=name,
                    size=format(len(data), ","),
                    limit=format(MAX_BYTES, ","),
                )
            ]
        )


def check_zip(data: bytes, name: str) -> None:
    """Refuse zip bombs: the workbook's entries are measured before openpyxl reads them."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except zipfile.BadZipFile:
        raise SheetError(
            [_("%(name)s: not an XLSX workbook (not a zip file)", name=name)]
        ) from None
    if len(infos) > MAX_ENTRIES:
        raise SheetError(
            [
                _(
                    "%(name)s: %(n)s files inside; a workbook has far fewer",
                    name=name,
                    n=len(infos),
                )
            ]
        )
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise SheetError(
            [
                _(
                    "%(name)s: %(size)s bytes uncompressed, more than the limit of "
                    "%(limit)s bytes (a zip bomb?)",
                    name=name,
                    size=format(total, ","),
                    limit=format(MAX_UNCOMPRESSED, ","),
                )
            ]
        )
    for i in infos:
        if i.file_size > 1_000_000 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise SheetError(
                [
                    _(
                        "%(name)s: %(entry)s expands %(ratio)sx, more than %(limit)sx "
                        "(a zip bomb?)",
                        name=name,
                        entry=i.filename,
                        ratio=i.file_size // max(i.compress_size, 1),
                        limit=MAX_RATIO,
                    )
                ]
            )
    if total > 1_000_000 and total > MAX_RATIO * max(packed, 1):
        raise SheetError(
            [
                _(
                    "%(name)s: the workbook expands more than %(limit)sx (a zip bomb?)",
                    name=name,
                    limit=MAX_RATIO,
                )
            ]
        )
