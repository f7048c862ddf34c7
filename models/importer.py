"""Coverage import: rows of a CSV or XLSX file from a person or a clipping service.

The file is read (:func:`read_table`), every row checked on its own (:func:`validate`), then the
valid rows are matched against what is stored and written (:func:`import_table`). The caller
owns the transaction: nothing here commits, and a dry run or a blocked import adds nothing to
the session. The columns are documented in ``docs/import.md``.
"""

from __future__ import annotations

import codecs
import csv
import enum
import io
import math
import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .base import CoverageOrigin, CoverageStatus, Medium, utcnow
from .campaign import Campaign
from .coverage import Coverage, CoverageCampaign
from .manual import manual_key
from .outlet import Outlet
from .registry import outlet_for_url
from .text import fold
from .urls import canonical_url

PARIS = ZoneInfo("Europe/Paris")
RawValue = str | int | float | date | datetime | time | timedelta | None


class ImportFileError(ValueError):
    """The file cannot be imported at all; the message says why, in one sentence."""


class ImportConflictError(RuntimeError):
    """Another process stored some of the same clips, outlets or campaigns during the import."""


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


def _decode(name: str, data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel "Unicode text"
        return data.decode("utf-16")
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(f"{name} is a spreadsheet workbook, not CSV text: name it .xlsx")
    if b"\x00" in data:
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


# -- Validation -----------------------------------------------------------------------------


class _Invalid(ValueError):
    """One reason why a cell cannot be used."""


@dataclass(frozen=True)
class CoverageRow:
    """A valid row, with its values converted."""

    number: int
    published_on: date
    outlet: str
    title: str
    medium: Medium
    url: str | None  # canonical
    campaign: str
    status: CoverageStatus = CoverageStatus.CONFIRMED
    duration_s: int | None = None
    page_fraction: float | None = None
    surface_cm2: float | None = None
    author: str | None = None
    text: str | None = None
    programme: str | None = None

    @property
    def published_at(self) -> datetime:
        """Midnight of the publication day in Paris, in UTC."""
        midnight = datetime.combine(self.published_on, time(), tzinfo=PARIS)
        return midnight.astimezone(UTC)


@dataclass(frozen=True)
class RowResult:
    """A checked row: converted when valid, with the reasons when not."""

    number: int
    row: CoverageRow | None  # None when invalid
    errors: tuple[str, ...] = ()


def _text(value: RawValue) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _required(name: str, limit: int | None = None, *, one_line: bool = True):
    def parse(value: RawValue) -> str:
        text = _text(value)
        if one_line:  # line breaks and runs of spaces from a spreadsheet cell
            text = " ".join(text.split())
        if not text:
            raise _Invalid(f"{name} is empty")
        if limit and len(text) > limit:
            raise _Invalid(f"{name} is longer than {limit} characters")
        return text

    return parse


def _optional(name: str, limit: int | None = None, *, one_line: bool = True):
    def parse(value: RawValue) -> str | None:
        return _required(name, limit, one_line=one_line)(value) if _text(value) else None

    return parse


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+)?")
_FRENCH_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: [\d:]+)?")


def _date(value: RawValue) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        raise _Invalid("date is empty")
    parts = None
    if match := _ISO_DATE.fullmatch(text):
        parts = match.group(1, 2, 3)
    elif match := _FRENCH_DATE.fullmatch(text):
        parts = match.group(3, 2, 1)
    try:
        day = date(*map(int, parts)) if parts else None
    except ValueError:
        day = None
    if day is None:
        raise _Invalid(f'date "{text}" is not a date')
    if not 1900 <= day.year <= 2100:
        raise _Invalid(f'date "{text}" is out of range')
    return day


def _medium(value: RawValue) -> Medium:
    text = _text(value)
    if not text:
        raise _Invalid("medium is empty")
    medium = MEDIA.get(fold(text))
    if medium is None:
        raise _Invalid(f'medium "{text}" is not one of {", ".join(m.value for m in Medium)}')
    return medium


def _url(value: RawValue) -> str | None:
    text = _text(value)
    if not text:
        return None
    address = "https://" + text if text.lower().startswith("www.") else text
    try:
        canonical = canonical_url(address)
    except ValueError:
        canonical = None
    host = canonical.split("/")[2] if canonical else ""
    if canonical is None or re.search(r"\s", address) or "." not in host:
        raise _Invalid(f'url "{text}" is not a web address')
    if len(canonical) > 2000:
        raise _Invalid("url is longer than 2000 characters")
    return canonical


def _status(value: RawValue) -> CoverageStatus:
    text = _text(value)
    if not text:
        return CoverageStatus.CONFIRMED
    status = STATUSES.get(fold(text))
    if status is None:
        raise _Invalid(f'status "{text}" is not one of confirmed, new, rejected')
    return status


def _number(name: str, value: RawValue) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = _text(value).replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise _Invalid(f'{name} "{_text(value)}" is not a number') from None
    if not math.isfinite(number):
        raise _Invalid(f'{name} "{_text(value)}" is not a number')
    return number


def _duration(value: RawValue) -> int | None:
    if isinstance(value, time):
        value = timedelta(hours=value.hour, minutes=value.minute, seconds=value.second)
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, str) and re.fullmatch(r"\d+(:\d{1,2}){1,2}", value):
        # "1:35" is minutes and seconds (a broadcast passage), "0:01:35" hours too.
        seconds = 0.0
        for part in value.split(":"):
            seconds = seconds * 60 + int(part)
    else:
        seconds = _number("duration_s", value)
    if seconds is None:
        return None
    if seconds <= 0:
        raise _Invalid("duration_s must be a positive number of seconds")
    return round(seconds)


def _page_fraction(value: RawValue) -> float | None:
    text = _text(value)
    if match := re.fullmatch(r"(\d+)\s*/\s*(\d+)", text):
        fraction = int(match[1]) / int(match[2]) if int(match[2]) else -1.0
    elif text.endswith("%"):
        fraction = _number("page_fraction", text[:-1])
        fraction = fraction / 100 if fraction is not None else None
    else:
        fraction = _number("page_fraction", value)
    if fraction is not None and not 0 < fraction <= 1:
        raise _Invalid("page_fraction must be between 0 and 1")
    return fraction


def _surface(value: RawValue) -> float | None:
    surface = _number("surface_cm2", value)
    if surface is not None and surface <= 0:
        raise _Invalid("surface_cm2 must be a positive number")
    return surface


_PARSERS = {
    "date": _date,
    "outlet": _required("outlet", 200),
    "title": _required("title"),
    "medium": _medium,
    "url": _url,
    "campaign": _required("campaign", 200),
    "duration_s": _duration,
    "page_fraction": _page_fraction,
    "surface_cm2": _surface,
    "author": _optional("author", 300),
    "text": _optional("text", one_line=False),
    "programme": _optional("programme", 300),
    "status": _status,
}


def validate_row(raw: RawRow) -> RowResult:
    """Check and convert one row; every problem found is reported, not only the first."""
    values: dict[str, object] = {}
    errors: list[str] = []
    for name, parse in _PARSERS.items():
        try:
            values[name] = parse(raw.values.get(name))
        except _Invalid as exc:
            errors.append(str(exc))
    if values.get("medium") in URL_MEDIA and "url" in values and values["url"] is None:
        errors.append(f"url is empty (required for {values['medium']} clips)")
    if errors:
        return RowResult(raw.number, None, tuple(errors))
    values["published_on"] = values.pop("date")
    return RowResult(raw.number, CoverageRow(number=raw.number, **values))


def validate(rows: Iterable[RawRow]) -> list[RowResult]:
    """Check and convert every row."""
    return [validate_row(raw) for raw in rows]


# -- Import ---------------------------------------------------------------------------------


class RowStatus(enum.StrEnum):
    """What the import did with a row."""

    IMPORTED = "imported"
    ALREADY = "already"  # stored before, or the same clip as an earlier row of the file
    INVALID = "invalid"
    WOULD_IMPORT = "would_import"  # valid, but a dry run or invalid rows kept it out


@dataclass(frozen=True)
class ReportRow:
    """One line of the report: a row number, its outcome and the clip concerned."""

    row: int
    status: RowStatus
    message: str
    coverage_id: int | None = None

    def as_json(self) -> dict:
        return {
            "row": self.row,
            "status": self.status.value,
            "message": self.message,
            "coverage_id": self.coverage_id,
        }


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or would do) with each row."""

    source: str
    rows: list[ReportRow]
    new_outlets: list[str]  # created for review, or to be created when nothing was written
    new_campaigns: list[str]
    ignored_columns: list[str]
    dry_run: bool
    blocked: bool  # invalid rows stopped the import (no --skip-invalid)

    def count(self, status: RowStatus) -> int:
        return sum(row.status == status for row in self.rows)

    @property
    def written(self) -> bool:
        return not (self.dry_run or self.blocked)

    def as_json(self) -> dict:
        return {
            "rows": [row.as_json() for row in self.rows],
            **{status.value: self.count(status) for status in RowStatus},
            "new_outlets": self.new_outlets,
            "new_campaigns": self.new_campaigns,
            "ignored_columns": self.ignored_columns,
            "dry_run": self.dry_run,
        }


def slugify(name: str) -> str:
    """Return a URL-safe identifier for ``name``: ``"J'ai 10 ans"`` gives ``"j-ai-10-ans"``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:100].rstrip("-")


_PARENTHESES = re.compile(r"\([^)]*\)")


class _Matcher:
    """The outlets and campaigns that rows name, found in the database or made for review."""

    def __init__(self, session: Session, *, create: bool) -> None:
        self.session, self.create = session, create
        self.outlets: dict[str, Outlet] = {}
        short: dict[str, list[Outlet]] = {}
        for outlet in session.scalars(select(Outlet).order_by(Outlet.id)):
            self.outlets.setdefault(fold(outlet.name), outlet)
            short.setdefault(fold(_PARENTHESES.sub(" ", outlet.name)), []).append(outlet)
        # Registry names carry a note ("ICI Nord (ex-France Bleu Nord)"): the name without it
        # matches too, unless two outlets share it.
        self.short_outlets = {k: v[0] for k, v in short.items() if len(v) == 1}
        self.campaigns: dict[str, Campaign] = {}
        self.campaign_names: dict[str, Campaign] = {}
        for campaign in session.scalars(select(Campaign).order_by(Campaign.id)):
            self.campaigns[campaign.slug] = campaign
            self.campaign_names.setdefault(fold(campaign.name), campaign)
        self.file_names: dict[str, Outlet] = {}  # names of this file not in the database
        self.url_outlets: dict[str, Outlet | None] = {}
        self.new_outlets: list[Outlet] = []
        self.new_campaigns: list[Campaign] = []

    def learn_names(self, rows: Iterable[CoverageRow]) -> None:
        """Note the outlet that an unknown name gets from its URLs, for the name's other rows."""
        for row in rows:
            key = fold(row.outlet)
            if row.url and key not in self.file_names and self._known(key) is None:
                outlet = self._by_url(row.url)
                if outlet is not None:
                    self.file_names[key] = outlet

    def _known(self, key: str) -> Outlet | None:
        return self.outlets.get(key) or self.short_outlets.get(key)

    def _by_url(self, url: str) -> Outlet | None:
        if url not in self.url_outlets:
            self.url_outlets[url] = outlet_for_url(self.session, url)
        return self.url_outlets[url]

    def find_outlet(self, row: CoverageRow) -> Outlet | None:
        """Return the outlet the row names, by name, address or an earlier row of the file."""
        key = fold(row.outlet)
        outlet = self._known(key) or (self._by_url(row.url) if row.url else None)
        return outlet or self.file_names.get(key)

    def outlet(self, row: CoverageRow) -> Outlet:
        """Return the outlet the row names, made (for review) when unknown."""
        outlet = self.find_outlet(row)
        if outlet is None:
            key = fold(row.outlet)
            partner = row.medium == Medium.PARTNER
            outlet = Outlet(
                name=row.outlet,
                medium=Medium.WEB if partner else row.medium,
                is_partner=partner,
                domains=[],
                needs_review=True,
            )
            self.file_names[key] = outlet
            self.new_outlets.append(outlet)
            if self.create:
                self.session.add(outlet)
        return outlet

    def campaign(self, row: CoverageRow) -> Campaign:
        """Return the campaign the row names (slug or name), made (for review) when unknown."""
        slug = slugify(row.campaign)
        campaign = (
            self.campaigns.get(row.campaign)
            or self.campaigns.get(slug)
            or self.campaign_names.get(fold(row.campaign))
        )
        if campaign is None:
            base, n = slug or "campaign", 1
            while slug in self.campaigns or not slug:
                n += 1
                slug = f"{base[:95]}-{n}"
            campaign = Campaign(slug=slug, name=row.campaign, query="", needs_review=True)
            self.campaigns[slug] = campaign
            self.campaign_names[fold(row.campaign)] = campaign
            self.new_campaigns.append(campaign)
            if self.create:
                self.session.add(campaign)
        return campaign


def _identities(row: CoverageRow, outlet: Outlet | None) -> tuple[str, ...]:
    """Return the keys under which the row's clip may be stored; it gets the first."""
    if row.url:
        return (row.url,)
    keys = [manual_key(row.published_on, outlet.name if outlet else row.outlet, row.title)]
    # The name as written too: an outlet created by an earlier import may have been renamed.
    keys.append(manual_key(row.published_on, row.outlet, row.title))
    return tuple(dict.fromkeys(keys))


def _stored(session: Session, identities: Iterable[str]) -> dict[str, tuple[int, CoverageOrigin]]:
    """Return the id and origin of the stored clips under these URLs or manual keys."""
    wanted = list(dict.fromkeys(identities))
    found: dict[str, tuple[int, CoverageOrigin]] = {}
    for column in (Coverage.url, Coverage.manual_key):
        for start in range(0, len(wanted), 500):  # bounded IN lists
            query = select(column, Coverage.id, Coverage.origin).where(
                column.in_(wanted[start : start + 500])
            )
            found.update(
                {identity: (id_, origin) for identity, id_, origin in session.execute(query)}
            )
    return found


def _coverage(
    row: CoverageRow, identity: str, outlet: Outlet, campaign: Campaign, source: str
) -> Coverage:
    decided = row.status in (CoverageStatus.CONFIRMED, CoverageStatus.REJECTED)
    return Coverage(
        url=row.url,
        manual_key=None if row.url else identity,
        origin=CoverageOrigin.IMPORT,
        outlet=outlet,
        title=row.title,
        text=row.text,
        author=row.author,
        published_at=row.published_at,
        programme=row.programme,
        duration_s=row.duration_s,
        page_fraction=row.page_fraction,
        surface_cm2=row.surface_cm2,
        status=row.status,
        medium=row.medium,
        medium_reason="given in the import file",
        # A person or a clipping service listed it for the campaign: it is about the subject.
        relevant=None if row.status == CoverageStatus.REJECTED else True,
        reviewed_at=utcnow() if decided else None,
        note=f"imported from {source}, row {row.number}",
        campaign_links=[CoverageCampaign(campaign=campaign, hits=[])],
    )


def _describe(row: CoverageRow, outlet: Outlet) -> str:
    title = row.title if len(row.title) <= 60 else row.title[:59] + "…"
    return f'"{title}" ({outlet.name}, {row.medium}, {row.published_on.isoformat()})'


def import_table(
    session: Session, table: RawTable, *, dry_run: bool = False, skip_invalid: bool = False
) -> ImportReport:
    """Import the rows of a file read by :func:`read_table`; the caller commits.

    Nothing is added to the session on a dry run, nor when a row is invalid and
    ``skip_invalid`` is false.

    :raises ImportConflictError: when another process stored one of the clips meanwhile.
    """
    results = validate(table.rows)
    valid = [result.row for result in results if result.row is not None]
    blocked = len(valid) < len(results) and not skip_invalid
    write = not (dry_run or blocked)
    matcher = _Matcher(session, create=write)
    matcher.learn_names(valid)
    identities = {row.number: _identities(row, matcher.find_outlet(row)) for row in valid}
    stored = _stored(session, (key for keys in identities.values() for key in keys))
    seen: dict[str, int] = {}
    report: list[ReportRow] = []
    added: list[tuple[int, Coverage]] = []
    try:
        for result in results:
            row = result.row
            if row is None:
                report.append(ReportRow(result.number, RowStatus.INVALID, "; ".join(result.errors)))
                continue
            keys = identities[row.number]
            earlier = next((seen[key] for key in keys if key in seen), None)
            if earlier is not None:
                message = f"same clip as row {earlier}"
                report.append(ReportRow(row.number, RowStatus.ALREADY, message))
                continue
            found = next((stored[key] for key in keys if key in stored), None)
            if found is not None:
                id_, origin = found
                how = "imported" if origin == CoverageOrigin.IMPORT else f"stored ({origin})"
                message = f"already {how}: coverage {id_}"
                report.append(ReportRow(row.number, RowStatus.ALREADY, message, id_))
                continue
            seen.update(dict.fromkeys(keys, row.number))
            outlet, campaign = matcher.outlet(row), matcher.campaign(row)
            if not write:
                message = f"would be imported: {_describe(row, outlet)}"
                report.append(ReportRow(row.number, RowStatus.WOULD_IMPORT, message))
                continue
            coverage = _coverage(row, keys[0], outlet, campaign, table.source)
            session.add(coverage)
            added.append((len(report), coverage))
            report.append(ReportRow(row.number, RowStatus.IMPORTED, _describe(row, outlet)))
        session.flush()
    except IntegrityError as exc:
        raise ImportConflictError(
            "another process stored some of the same clips, outlets or campaigns meanwhile; "
            "nothing was imported: run the import again"
        ) from exc
    for index, coverage in added:
        line = report[index]
        report[index] = replace(line, message=f"imported: {line.message}", coverage_id=coverage.id)
    return ImportReport(
        source=table.source,
        rows=report,
        new_outlets=[outlet.name for outlet in matcher.new_outlets],
        new_campaigns=[campaign.name for campaign in matcher.new_campaigns],
        ignored_columns=table.ignored_columns,
        dry_run=dry_run,
        blocked=blocked,
    )


def import_rows(
    session: Session, path: Path | str, *, dry_run: bool = False, skip_invalid: bool = False
) -> ImportReport:
    """Read and import a ``.csv`` or ``.xlsx`` file of coverage rows; the caller commits.

    :raises ImportFileError: when the file cannot be imported at all.
    :raises ImportConflictError: when another process stored one of the clips meanwhile.
    """
    return import_table(session, read_table(path), dry_run=dry_run, skip_invalid=skip_invalid)
