"""Tables as downloadable files: CSV for a French spreadsheet, XLSX with typed cells.

A :class:`Table` is what a page shows and what its exports contain: headers, one value kind per
column (a :class:`Cell` may override it), rows and an optional footer (totals). The values are
raw (ints, floats, strings); the page formats them for reading, the files keep them as numbers.

CSV files follow what Excel expects in France: UTF-8 with a byte-order mark (without it Excel
reads the file as Windows-1252), ``;`` between fields (``,`` is the decimal separator there)
and ``,`` before decimals. Cells that a spreadsheet would run as a formula (text starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) get a leading apostrophe: outlet names
and message labels come from the web and from imports.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_COLUMN_WIDTH = 60


class Kind(enum.StrEnum):
    """What a value is, for formatting it on a page and in a spreadsheet."""

    TEXT = "text"
    MONTH = "month"  # "YYYY-MM"
    INTEGER = "integer"
    DECIMAL = "decimal"
    EUROS = "euros"
    SHARE = "share"  # a fraction, 0.25 = 25 %
    CHANGE = "change"  # a relative change, 0.12 = +12 %
    POINTS = "points"  # a difference of two shares, in percentage points
    SIGNED = "signed"  # a signed index, -1..1


# Excel number formats; Excel shows them with the reader's own separators.
NUMBER_FORMATS = {
    Kind.INTEGER: "#,##0",
    Kind.DECIMAL: "#,##0.00",
    Kind.EUROS: '#,##0.00 "€"',
    Kind.SHARE: "0.0%",
    Kind.CHANGE: "+0%;-0%;0%",
    Kind.POINTS: '+0.0" pts";-0.0" pts";0" pts"',
    Kind.SIGNED: "+0.00;-0.00;0.00",
}


@dataclass(frozen=True)
class Cell:
    """A value whose kind differs from its column's (a mixed column, e.g. a comparison)."""

    value: Any
    kind: Kind


@dataclass
class Table:
    """A table of a page and of its CSV and XLSX exports."""

    name: str
    title: str
    headers: list[str]
    kinds: list[Kind]
    rows: list[list] = field(default_factory=list)
    footer: list | None = None  # the totals row, last in the files

    def typed(self, row: Sequence) -> list[tuple[Any, Kind]]:
        """Pair each value of a row with its kind."""
        return [
            (v.value, v.kind) if isinstance(v, Cell) else (v, kind)
            for v, kind in zip(row, self.kinds, strict=True)
        ]

    def all_rows(self) -> list[list]:
        return self.rows + ([self.footer] if self.footer else [])

    def csv(self) -> bytes:
        return to_csv(self.headers, self.all_rows())

    def xlsx(self) -> bytes:
        return to_xlsx(self.title, self.headers, self.all_rows(), self.kinds)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Cell) else value


def neutralise(text: str) -> str:
    """Make a text that a spreadsheet would take for a formula read as text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_value(value: Any, decimal: str) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)  # a negative number is a number, not a formula
    if isinstance(value, float):
        text = repr(value)
        if "e" in text or "E" in text:
            text = f"{value:.12f}".rstrip("0").rstrip(".")
        return text.replace(".", decimal)
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def to_csv(
    headers: Sequence[str], rows: Sequence[Sequence], delimiter: str = ";", decimal: str = ","
) -> bytes:
    """Write a table as CSV bytes for French Excel (see the module docstring)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(str(h)) for h in headers])
    for row in rows:
        writer.writerow([_csv_value(v, decimal) for v in row])
    return out.getvalue().encode("utf-8-sig")


def sheet_title_for(title: str) -> str:
    """A title Excel accepts for a sheet: no []:*?/\\, 31 characters at most."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Sheet"
    return cleaned[:31]


def write_cell(sheet, row: int, column: int, value: Any, kind: Kind | None):
    """Write one value (or :class:`Cell`) into a sheet: texts stay texts, numbers get the
    format of their kind; return the cell and the plain value written."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, Cell):
        value, kind = value.value, value.kind
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        # openpyxl stores a text starting with "=" as a formula: keep every text a text.
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
        return cell, value
    cell.value = value
    if kind in NUMBER_FORMATS and isinstance(value, int | float):
        cell.number_format = NUMBER_FORMATS[kind]
    return cell, value


def to_xlsx(
    sheet_title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence],
    kinds: Sequence[Kind] | None = None,
) -> bytes:
    """Write a table as an XLSX workbook of one sheet: numbers stay numbers, with a format
    per ``kinds`` (euros, shares…), a bold header row and columns wide enough to read."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title_for(sheet_title)
    widths = [len(str(h)) for h in headers]
    bold = Font(bold=True)
    for column, header in enumerate(headers, start=1):
        cell, _ = write_cell(sheet, 1, column, str(header), Kind.TEXT)
        cell.font = bold
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            kind = kinds[c - 1] if kinds else None
            _, plain = write_cell(sheet, r, c, value, kind)
            shown = f"{plain:,.2f}" if isinstance(plain, float) else str(plain or "")
            widths[c - 1] = max(widths[c - 1], len(shown))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, MAX_COLUMN_WIDTH)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
