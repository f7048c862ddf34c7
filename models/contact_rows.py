"""Contact files: reading a CSV of the press file and checking each row on its own.

A file comes from a spreadsheet, another tool's export, or this tool's own export
(:func:`models.contact_io.contact_csv_rows`). It may be UTF-8 (with or without a byte-order
mark) or Windows-1252 (French Excel's "CSV (separator: semicolon)"), separated by ``;`` or
``,``. Columns are named in English (the export's header) or in French; a missing column
leaves that field as it is.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

from .contact import SEGMENTS, LegalBasis, valid_email
from .import_file import header_line
from .text import fold

COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "outlet",
    "position",
    "role",
    "beat",
    "segments",
    "freelance",
    "language",
    "notes",
    "legal_basis",
    "data_source",
)
# French headers, as folded by _header_key.
_ALIASES = {
    "prenom": "first_name",
    "nom": "last_name",
    "nom de famille": "last_name",
    "e mail": "email",
    "mail": "email",
    "courriel": "email",
    "adresse e mail": "email",
    "telephone": "phone",
    "tel": "phone",
    "media": "outlet",
    "medias": "outlet",
    "outlets": "outlet",
    "support": "outlet",
    "poste": "position",
    "fonction": "role",
    "rubrique": "beat",
    "segment": "segments",
    "pigiste": "freelance",
    "langue": "language",
    "remarques": "notes",
    "base legale": "legal_basis",
    "source": "data_source",
    "source des donnees": "data_source",
    "origine des donnees": "data_source",
}
LEGAL_BASES = {
    "legitimate": LegalBasis.LEGITIMATE_INTEREST,
    "legitimate interest": LegalBasis.LEGITIMATE_INTEREST,
    "interet legitime": LegalBasis.LEGITIMATE_INTEREST,
    "consent": LegalBasis.CONSENT,
    "consentement": LegalBasis.CONSENT,
    "contract": LegalBasis.CONTRACT,
    "contrat": LegalBasis.CONTRACT,
}
SEGMENT_NAMES = {
    **{s: s for s in SEGMENTS},
    "locale": "local",
    "regionale": "regional",
    "nationale": "national",
    "specialise": "specialised",
    "specialisee": "specialised",
    "specialized": "specialised",
    "internationale": "international",
    "pigiste": "freelance",
    "independant": "freelance",
}
_TRUE = {"true", "yes", "1", "oui", "vrai", "x"}
_FALSE = {"false", "no", "0", "non", "faux"}
# Encodings a French office's spreadsheet writes, for charset-normalizer to choose among.
_ENCODINGS = ["cp1252", "mac_roman"]
_ENCODING_LABELS = {"utf_8": "UTF-8", "cp1252": "Windows-1252", "mac_roman": "Mac Roman"}
# The start of a cell that this tool's CSV export protects with an apostrophe.
_PROTECTED = re.compile(r"'(?=[=+\-@])")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,4})?")
LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "email": 200,
    "phone": 50,
    "position": 120,
    "role": 120,
    "beat": 200,
    "data_source": 300,
}
SEPARATOR = "|"  # between the outlets (and segments) of one cell


class ContactFileError(ValueError):
    """The file cannot be read at all; the message says why, in one sentence."""


@dataclass(frozen=True)
class ContactTable:
    """The rows of a contact file as read (cells by column name), with how it was read."""

    name: str
    encoding: str  # "UTF-8", "Windows-1252"…
    delimiter: str
    columns: tuple[str, ...]  # known columns the header has
    ignored: tuple[str, ...]  # header cells that name no known column
    rows: list[tuple[int, dict[str, str]]]  # (row number in the file, header = 1; cells)


@dataclass(frozen=True)
class ContactRow:
    """A valid row, converted. ``None`` means the cell is empty: the field is left as it is."""

    number: int
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    outlets: tuple[str, ...] = ()
    positions: tuple[str | None, ...] = ()  # aligned with outlets
    role: str | None = None
    beat: str | None = None
    segments: tuple[str, ...] = ()
    freelance: bool | None = None
    language: str | None = None
    notes: str | None = None
    legal_basis: LegalBasis | None = None
    data_source: str | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


# -- Reading --------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """Return the text of a CSV file and the name of its encoding.

    A stray NUL in a cell is dropped: it means nothing, and PostgreSQL refuses it.

    :raises ContactFileError: when the bytes are not text.
    """
    text, encoding = _decoded(data)
    return text.replace("\x00", ""), encoding


def _decoded(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "UTF-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel "Unicode text"
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:  # cut short, or a lone half of a character
            raise ContactFileError("the file is damaged UTF-16 text") from None
    if data.startswith(b"PK\x03\x04") or b"\x00" in header_line(data):
        raise ContactFileError("the file is not CSV text (save it from the spreadsheet as CSV)")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    # Not UTF-8: one of the 8-bit encodings of office software; charset-normalizer tells which
    # from the letters it gives (French Excel on Windows writes Windows-1252).
    best = from_bytes(data, cp_isolation=_ENCODINGS).best()
    encoding = best.encoding if best is not None else "cp1252"
    return data.decode(encoding, errors="replace"), _ENCODING_LABELS.get(encoding, encoding)


def _header_key(text: str) -> str:
    return fold(text.replace("_", " "))


_HEADERS = {**{_header_key(c): c for c in COLUMNS}, **_ALIASES}


def _delimiter(text: str) -> str:
    header = next((line for line in text.splitlines() if line.strip()), "")
    try:
        sniffed = csv.Sniffer().sniff(header, delimiters=";,\t").delimiter
    except csv.Error:
        sniffed = None

    def known(delimiter: str) -> int:
        cells = next(csv.reader([header], delimiter=delimiter), [])
        return sum(1 for cell in cells if _header_key(cell) in _HEADERS)

    # The sniffer guesses from the characters; the header's known column names decide.
    candidates = [d for d in (sniffed, ";", ",", "\t") if d]
    return max(candidates, key=known)


def read_contact_file(name: str, data: bytes) -> ContactTable:
    """Read the rows of a contact CSV file.

    :raises ContactFileError: when the file is empty, not text, or its header names no name
        column.
    """
    if not data.strip():
        raise ContactFileError(f"{name} is empty")
    text, encoding = decode(data)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns: dict[int, str] | None = None
    ignored: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for number, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = {}
                for index, cell in enumerate(cells):
                    column = _HEADERS.get(_header_key(cell))
                    if column is None or column in columns.values():
                        if cell.strip():
                            ignored.append(cell.strip())
                        continue
                    columns[index] = column
                if not {"first_name", "last_name"} & set(columns.values()):
                    raise ContactFileError(
                        f"{name}: the header must have a first_name or last_name column"
                    )
                continue
            values = {col: cells[i] if i < len(cells) else "" for i, col in columns.items()}
            rows.append((number, values))
    except csv.Error as exc:
        raise ContactFileError(f"{name}, line {reader.line_num}: {exc}") from exc
    if columns is None:
        raise ContactFileError(f"{name} is empty")
    return ContactTable(name, encoding, delimiter, tuple(columns.values()), tuple(ignored), rows)


# -- Checking -------------------------------------------------------------------------------


class _Invalid(ValueError):
    """One reason why a cell cannot be used."""


def cell_text(value: str | None, *, one_line: bool = True) -> str | None:
    """The text of a cell: trimmed, without the export's formula guard, None when empty."""
    text = (value or "").strip()
    text = _PROTECTED.sub("", text, count=1) if text.startswith("'") else text
    if one_line:
        text = " ".join(text.split())
    else:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text or None


def _limited(cells: dict, name: str) -> str | None:
    text = cell_text(cells.get(name))
    limit = LIMITS.get(name)
    if text and limit and len(text) > limit:
        raise _Invalid(f"{name} is longer than {limit} characters")
    return text


def _email(cells: dict) -> str | None:
    text = _limited(cells, "email")
    if text and text.lower().startswith("mailto:"):
        text = text[7:]
    if text and not valid_email(text):
        raise _Invalid(f'email "{text}" is not an e-mail address')
    return text


def _list(cells: dict, name: str) -> list[str]:
    text = cell_text(cells.get(name)) or ""
    return [part.strip() for part in text.split(SEPARATOR) if part.strip()]


def _segments(cells: dict) -> tuple[str, ...]:
    found: list[str] = []
    for part in _list(cells, "segments"):
        segment = SEGMENT_NAMES.get(fold(part))
        if segment is None:
            raise _Invalid(f'segment "{part}" is not one of {", ".join(SEGMENTS)}')
        if segment not in found:
            found.append(segment)
    return tuple(found)


def _freelance(cells: dict) -> bool | None:
    text = fold(cell_text(cells.get("freelance")) or "")
    if not text:
        return None
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise _Invalid(f'freelance "{cells.get("freelance", "").strip()}" is not yes or no')


def _language(cells: dict) -> str | None:
    text = (cell_text(cells.get("language")) or "").lower().replace("_", "-")
    if text and not (_LANGUAGE.fullmatch(text) and len(text) <= 8):
        raise _Invalid(f'language "{text}" is not a language code such as fr or en')
    return text or None


def _legal_basis(cells: dict) -> LegalBasis | None:
    text = cell_text(cells.get("legal_basis"))
    if not text:
        return None
    basis = LEGAL_BASES.get(fold(text).replace("_", " "))
    if basis is None:
        raise _Invalid(f'legal_basis "{text}" is not one of legitimate, consent, contract')
    return basis


def _outlets(cells: dict) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    outlets = tuple(dict.fromkeys(_list(cells, "outlet")))
    position = _limited(cells, "position")
    parts = [p.strip() or None for p in position.split(SEPARATOR)] if position else []
    if len(outlets) > 1 and len(parts) == len(outlets):  # one position per outlet
        return outlets, tuple(parts)
    return outlets, tuple(position for _ in outlets)


def check_row(number: int, cells: dict[str, str]) -> tuple[ContactRow | None, list[str]]:
    """Check and convert one row; every problem found is reported, not only the first."""
    values: dict = {}
    errors: list[str] = []
    readers = {
        "first_name": lambda c: _limited(c, "first_name"),
        "last_name": lambda c: _limited(c, "last_name"),
        "email": _email,
        "phone": lambda c: _limited(c, "phone"),
        "role": lambda c: _limited(c, "role"),
        "beat": lambda c: _limited(c, "beat"),
        "segments": _segments,
        "freelance": _freelance,
        "language": _language,
        "notes": lambda c: cell_text(c.get("notes"), one_line=False),
        "legal_basis": _legal_basis,
        "data_source": lambda c: _limited(c, "data_source"),
    }
    for name, read in readers.items():
        try:
            values[name] = read(cells)
        except _Invalid as exc:
            errors.append(str(exc))
    try:
        values["outlets"], values["positions"] = _outlets(cells)
    except _Invalid as exc:
        errors.append(str(exc))
    named = values.get("first_name") or values.get("last_name")
    if not named and not any(e.startswith(("first_name", "last_name")) for e in errors):
        errors.insert(0, "no name: first_name and last_name are empty")
    if errors:
        return None, errors
    return ContactRow(number=number, **values), []
