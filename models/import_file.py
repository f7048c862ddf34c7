"""Import files: reading a CSV or XLSX table of coverage rows, and its columns.

The columns are documented in ``docs/import.md``.
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

from .base import CoverageStatus, Medium
from .text import fold

PARIS = ZoneInfo("Europe/Paris")
RawValue = str | int | float | date | datetime | time | timedelta | None


class ImportFileError(ValueError):
    """The file cannot be imported at all; the message says why, in one sentence."""


@dataclass(frozen=True)
class Column:
    """A column of an import file: its name, whether the header must have it, French aliases."""

    name: str
    required: bool
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("date", True, ("date de parution", "date de publication", "date de diffusion")),
    Column("outlet", True, ("média", "support")),
    Column("title", True, ("titre",)),
    Column("medium", True, ("média type", "type de média", "type")),
    Column("url", True, ("lien", "adresse")),
    Column("campaign", True, ("campagne",)),
    Column("duration_s", False, ("duration", "durée", "durée (s)")),
    Column("page_fraction", False, ("fraction de page", "part de page")),
    Column("surface_cm2", False, ("surface", "surface (cm²)")),
    Column("author", False, ("auteur", "journaliste")),
    Column("text", False, ("texte",)),
    Column("programme", False, ("page", "émission", "rubrique")),
    Column("status", False, ("statut",)),
)

MEDIA: dict[str, Medium] = {
    **{m.value: m for m in Medium},
    "presse": Medium.PRESS,
    "presse ecrite": Medium.PRESS,
    "print": Medium.PRESS,
    "tele": Medium.TV,
    "television": Medium.TV,
    "internet": Medium.WEB,
    "partenaire": Medium.PARTNER,
    "relais partenaire": Medium.PARTNER,
}
STATUSES: dict[str, CoverageStatus] = {
    "confirmed": CoverageStatus.CONFIRMED,
    "validee": CoverageStatus.CONFIRMED,
    "valide": CoverageStatus.CONFIRMED,
    "confirmee": CoverageStatus.CONFIRMED,
    "new": CoverageStatus.NEW,
    "a valider": CoverageStatus.NEW,
    "nouvelle": CoverageStatus.NEW,
    "rejected": CoverageStatus.REJECTED,
    "ecartee": CoverageStatus.REJECTED,
    "rejetee": CoverageStatus.REJECTED,
}
# Media whose clips are identified by their address, so the url cell must be filled.
URL_MEDIA = (Medium.WEB, Medium.PARTNER)


def _header_key(text: str) -> str:
    return fold(text).replace("_", " ")


_HEADERS = {_header_key(a): c.name for c in COLUMNS for a in (c.name, *c.aliases)}


# -- Reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawRow:
    """A data row as read, keyed by column name, with its row number in the file (header = 1)."""

    number: int
    values: dict[str, RawValue]


@dataclass(frozen=True)
class RawTable:
    """The data rows of a file, with what its header said."""

    source: str  # file name, kept in each clip's note
    rows: list[RawRow]
    ignored_columns: list[str]  # header cells that name no known column


def read_table(path: Path | str) -> RawTable:
    """Read the rows of a ``.csv`` (UTF-8 or Windows-1252, ``,`` ``;`` or tab) or ``.xlsx`` file.

    :raises ImportFileError: when the file cannot be read, is empty or lacks required columns.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ImportFileError(f"{path.name}: only .csv and .xlsx files can be imported")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not data.strip():
        raise ImportFileError(f"{path.name} is empty")
    records = _xlsx_records(path.name, data) if suffix == ".xlsx" else _csv_records(path.name, data)
    return _table(path.name, records)


def header_line(data: bytes) -> bytes:
    """The first line that is not blank: it has NUL bytes in binary files and in UTF-16
    without its byte-order mark, never in the header of a CSV file."""
    return next((line for line in data.splitlines() if line.strip()), b"")


def _decode(name: str, data: bytes) -> str:
    """The text of a CSV file, without NUL: a stray one in a cell means nothing, and
    PostgreSQL refuses it (the other rows of the file are not lost for it)."""
    return _decoded(name, data).replace("\x00", "")


def _decoded(name: str, data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel "Unicode text"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:  # cut short, or a lone half of a character
            raise ImportFileError(f"{name} is damaged UTF-16 text") from None
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(f"{name} is a spreadsheet workbook, not CSV text: name it .xlsx")
    if b"\x00" in header_line(data):
        raise ImportFileError(f"{name} is not a text file")
    # French Excel saves CSV in Windows-1252; a strict UTF-8 decoding fails on its accents.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(f"{name} is neither UTF-8 nor Windows-1252 text")


def _csv_records(name: str, data: bytes) -> list[tuple[int, Sequence[RawValue]]]:
    text = _decode(name, data)
    header = next((line for line in text.splitlines() if line.strip()), "")
    # The separator that splits the header into the most cells; French Excel writes ";".
    delimiter = max((",", ";", "\t"), key=lambda d: len(next(csv.reader([header], delimiter=d))))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(enumerate(reader, start=1))
    except csv.Error as exc:
        raise ImportFileError(f"{name}, line {reader.line_num}: {exc}") from exc


def _xlsx_records(name: str, data: bytes) -> list[tuple[int, Sequence[RawValue]]]:
    try:
        with warnings.catch_warnings():  # openpyxl warns about styles it ignores
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    # A damaged or encrypted workbook raises anything from BadZipFile to KeyError or a parse error.
    except Exception as exc:
        raise ImportFileError(f"{name} is not a readable XLSX workbook ({exc})") from exc
    if not workbook.worksheets:
        raise ImportFileError(f"{name} has no sheet")
    sheet = workbook.worksheets[0]
    return list(enumerate(sheet.iter_rows(values_only=True), start=1))


def _clean(value: RawValue) -> RawValue:
    if isinstance(value, str):
        return value.strip() or None
    return value


def _table(name: str, records: Iterable[tuple[int, Sequence[RawValue]]]) -> RawTable:
    columns: dict[int, str] | None = None
    headers: dict[str, str] = {}  # column name -> header cell as written
    ignored: list[str] = []
    rows: list[RawRow] = []
    for number, cells in records:
        cells = [_clean(c) for c in cells]
        if all(c is None for c in cells):
            continue
        if columns is None:
            columns = {}
            for index, cell in enumerate(cells):
                if cell is None:
                    continue
                column = _HEADERS.get(_header_key(str(cell)))
                if column is None:
                    ignored.append(str(cell))
                elif column in headers:
                    raise ImportFileError(
                        f'{name}: columns "{headers[column]}" and "{cell}" both give the {column}'
                    )
                else:
                    columns[index], headers[column] = column, str(cell)
            missing = [c.name for c in COLUMNS if c.required and c.name not in columns.values()]
            if missing:
                raise ImportFileError(f"{name}: missing required columns: {', '.join(missing)}")
            continue
        values = {col: cells[i] if i < len(cells) else None for i, col in columns.items()}
        rows.append(RawRow(number, values))
    if columns is None:
        raise ImportFileError(f"{name} is empty")
    if not rows:
        raise ImportFileError(f"{name} has a header but no rows")
    return RawTable(name, rows, ignored)
