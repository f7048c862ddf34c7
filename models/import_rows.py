"""Import rows: each row of an import file checked on its own and converted."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from .base import CoverageStatus, Medium
from .import_file import MEDIA, PARIS, STATUSES, URL_MEDIA, RawRow, RawValue
from .text import fold, parse_number
from .urls import canonical_url

MAX_SECONDS = 2**31 - 1  # duration_s is an integer column

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
        try:
            number = parse_number(_text(value))
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
    if seconds >= MAX_SECONDS:
        raise _Invalid("duration_s is too large")
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
