"""The outlet registry (``data/outlets-fr.csv``): outlets, audiences and dated rate cards.

The shipped CSV has one row per outlet. :func:`export_registry` writes the same columns plus a
few explicit ones (``rate_kind``, ``rate_valid_from``…) and one row per rate card, so that a
file exported, edited in a spreadsheet and imported again (:func:`import_registry`) changes
exactly what was edited. A column missing from an imported file leaves that field as it is.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from .base import Medium, RateKind, Scope
from .outlet import Outlet, RateCard
from .text import fold, parse_number

REGISTRY_CSV = Path(__file__).with_name("data") / "outlets-fr.csv"
# Texts a spreadsheet would run as a formula; the export writes them after an apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = tuple(
    "name domain medium scope audience audience_unit audience_year audience_source ad_rate_eur "
    "ad_rate_unit ad_rate_year ad_rate_source confidence".split()
)
# Written by the export; when absent (the shipped file) they are derived from the columns above.
EXTRA_COLUMNS = tuple(
    "is_partner readers_per_copy audience_estimated rate_kind rate_valid_from rate_valid_to "
    "rate_estimated".split()
)

# Readers per copy that the research notes (data/outlets-fr.md) give for a title, derived from
# a readership survey and the circulation of the same period. Libération is left out: the
# notes give a range (11-15), not a figure.
DERIVED_READERS_PER_COPY = {
    "La Voix du Nord": 5.3,  # 1 236 000 readers / 231 131 copies (2014)
    "Le Monde": 9.0,  # One 2017: 2.72 M readers / about 290 000 copies
    "Le Figaro": 6.0,  # One 2017: 1.94 M readers / about 310 000 copies
}

# The registry's fine-grained types ("print_daily", "tv_regional_programme"…) by medium.
_MEDIUM_PREFIXES = {"print": Medium.PRESS, "tv": Medium.TV, "radio": Medium.RADIO}
# Quoted prices for part of a page, turned into a page price.
_PAGE_PARTS = {"half page": 0.5, "quarter page": 0.25}
_TRUE = {"true", "yes", "1", "oui"}
_FALSE = {"false", "no", "0", "non"}


class RegistryError(ValueError):
    """A registry file that cannot be read; the message says which row and why."""


def medium_of_type(outlet_type: str) -> Medium:
    """Map a registry type such as ``print_weekly`` or ``guidebook+web`` to a medium."""
    value = outlet_type.strip().lower()
    if value in set(Medium):
        return Medium(value)
    head = value.split("_", 1)[0].split("+", 1)[0]
    return _MEDIUM_PREFIXES.get(head, Medium.WEB)


def confidence_flags(confidence: str | None) -> tuple[bool, bool]:
    """Read ``audience=FOUND(2020);rate=ESTIMATED`` as (audience estimated, rate estimated)."""
    parts = dict(
        part.strip().split("=", 1) for part in (confidence or "").split(";") if "=" in part
    )
    return (
        parts.get("audience", "").upper().startswith("ESTIMATED"),
        parts.get("rate", "").upper().startswith("ESTIMATED"),
    )


def rate_kind_of_unit(unit: str) -> tuple[RateKind, float] | None:
    """Return the kind of a quoted rate and the share of a page it buys (1 unless part page)."""
    text = unit.lower()
    if "cpm" in text:
        return RateKind.CPM, 1.0
    if "30-second" in text or "30 s" in text or "30s" in text or "spot" in text:
        return RateKind.SPOT_30S, 1.0
    if "cm2" in text or "cm²" in text:
        return RateKind.CM2, 1.0
    for words, share in _PAGE_PARTS.items():
        if words in text:
            return RateKind.PAGE, share
    if "page" in text:
        return RateKind.PAGE, 1.0
    return None


# -- Reading --------------------------------------------------------------------------------


class _Invalid(ValueError):
    pass


def _cell(row: dict, name: str) -> str:
    """The text of a cell, without the apostrophe the export puts before a formula."""
    text = (row.get(name) or "").strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        text = text[1:].strip()
    return text


def _number(row: dict, name: str) -> float | None:
    text = _cell(row, name)
    try:
        return parse_number(text)
    except ValueError:
        raise _Invalid(f"{name} {text!r} is not a number") from None


def _int(row: dict, name: str) -> int | None:
    number = _number(row, name)
    return None if number is None else int(number)


def _bool(row: dict, name: str) -> bool | None:
    text = _cell(row, name).lower()
    if not text:
        return None
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise _Invalid(f"{name} {text!r} is not true or false")


def _date(row: dict, name: str) -> date | None:
    text = _cell(row, name)
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise _Invalid(f"{name} {text!r} is not a date (YYYY-MM-DD)") from None


@dataclass
class RegistryEntry:
    """What a file says about one outlet: the fields its columns give, and its rate cards."""

    name: str
    row: int
    fields: dict
    rates: list[dict] = field(default_factory=list)
    rate_rows: list[int] = field(default_factory=list)


def plain_number(value: float) -> str:
    """Write a number without exponent nor useless decimals: 12600000.0 gives ``12600000``."""
    return str(int(value)) if value == int(value) else repr(value)


def outlet_fields(row: dict, columns: set[str]) -> dict:
    if not _cell(row, "medium"):
        raise _Invalid("medium is empty")
    fields: dict = {"medium": medium_of_type(_cell(row, "medium"))}
    if "domain" in columns:
        fields["domains"] = [d for d in re.split(r"[;\s]+", _cell(row, "domain")) if d]
    if "scope" in columns:
        scope = _cell(row, "scope").lower()
        if scope and scope not in set(Scope):
            raise _Invalid(f"scope {scope!r} is not one of {', '.join(Scope)}")
        fields["scope"] = Scope(scope) if scope else None
    if "audience" in columns:
        unit = _cell(row, "audience_unit")
        audience = _number(row, "audience")
        if unit.startswith("%") and audience is not None:
            # A share of a population is not a head count: keep it in the unit, for a person
            # to convert with the population of the area.
            unit, audience = f"{_cell(row, 'audience')} {unit}", None
        fields["audience"] = None if audience is None else round(audience)
        fields["audience_unit"] = unit[:200] or None
    for name in ("audience_year",):
        if name in columns:
            fields[name] = _int(row, name)
    if "audience_source" in columns:
        fields["audience_source"] = _cell(row, "audience_source")[:500] or None
    if "confidence" in columns:
        fields["confidence"] = _cell(row, "confidence")[:120] or None
    explicit = _bool(row, "audience_estimated") if "audience_estimated" in columns else None
    if explicit is not None:
        fields["audience_estimated"] = explicit
    elif "confidence" in columns:
        fields["audience_estimated"] = confidence_flags(fields["confidence"])[0]
    if "is_partner" in columns:
        fields["is_partner"] = bool(_bool(row, "is_partner"))
    if "readers_per_copy" in columns:
        fields["readers_per_copy"] = _number(row, "readers_per_copy")
    return fields


def rate_fields(row: dict, columns: set[str]) -> dict | None:
    price = _number(row, "ad_rate_eur")
    if price is None:
        return None
    if price <= 0:
        raise _Invalid("ad_rate_eur must be a positive price")
    unit = _cell(row, "ad_rate_unit")
    year = _int(row, "ad_rate_year")
    explicit_kind = _cell(row, "rate_kind").lower()
    if explicit_kind:  # an exported file: the price is already per page, spot, cm² or CPM
        if explicit_kind not in set(RateKind):
            raise _Invalid(f"rate_kind {explicit_kind!r} is not one of {', '.join(RateKind)}")
        kind, share = RateKind(explicit_kind), 1.0
    else:
        found = rate_kind_of_unit(unit)
        if found is None:
            raise _Invalid(f"ad_rate_unit {unit!r} names no page, cm², 30-second spot or CPM")
        kind, share = found
    note = unit
    if share != 1.0:
        page_price = price / share
        note = (
            f"{unit}; page price = {plain_number(price)} EUR quoted ÷ {share:g}"
            f" = {plain_number(page_price)} EUR"
        )
        price = page_price
    if "rate_valid_from" in columns:  # an exported file says it, empty meaning "since always"
        valid_from = _date(row, "rate_valid_from")
    else:  # the shipped file: a rate is valid from the start of its year
        valid_from = date(year, 1, 1) if year else None
    valid_to = _date(row, "rate_valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        raise _Invalid("rate_valid_to is before rate_valid_from")
    estimated = _bool(row, "rate_estimated")
    if estimated is None:
        estimated = confidence_flags(_cell(row, "confidence"))[1]
    return {
        "kind": kind,
        "price_eur": price,
        "unit_note": note[:300] or None,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "year": year,
        "source": _cell(row, "ad_rate_source")[:500] or None,
        "estimated": estimated,
    }


def parse_registry(path: Path) -> tuple[list[RegistryEntry], list[str], set[str]]:
    """Read a registry CSV into entries by outlet name, the row errors, and its columns."""
    entries: dict[str, RegistryEntry] = {}
    errors: list[str] = []
    with Path(path).open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        columns = {c.strip() for c in reader.fieldnames or []}
        if not {"name", "medium"} <= columns:
            raise RegistryError(f"{path}: the header must have the columns name and medium")
        for number, row in enumerate(reader, start=2):
            row = {(k or "").strip(): v for k, v in row.items()}
            name = _cell(row, "name")
            if not name:
                continue
            try:
                outlet = outlet_fields(row, columns)
                rate = rate_fields(row, columns)
            except _Invalid as exc:
                errors.append(f"row {number} ({name}): {exc}")
                continue
            entry = entries.setdefault(name, RegistryEntry(name, number, outlet))
            if rate is None:
                continue
            key = (rate["kind"], rate["valid_from"])
            if any((r["kind"], r["valid_from"]) == key for r in entry.rates):
                errors.append(f"row {number} ({name}): a {rate['kind']} rate from this date again")
                continue
            entry.rates.append(rate)
            entry.rate_rows.append(number)
    return list(entries.values()), errors, columns


def new_outlet(entry: RegistryEntry) -> Outlet:
    values = {
        "domains": [],
        "is_partner": False,
        "audience_estimated": False,
        "readers_per_copy": DERIVED_READERS_PER_COPY.get(entry.name),
        "needs_review": False,
        **entry.fields,
    }
    outlet = Outlet(name=entry.name, **values)
    outlet.rate_cards = [RateCard(**rate) for rate in entry.rates]
    return outlet


def read_registry(path: Path = REGISTRY_CSV) -> list[Outlet]:
    """Read a registry CSV into (unsaved) outlets with their rate cards, one per distinct name.

    :raises RegistryError: when a row cannot be read.
    """
    entries, errors, _columns = parse_registry(path)
    if errors:
        raise RegistryError(f"{path}: " + "; ".join(errors))
    return [new_outlet(entry) for entry in entries]


def seed_outlets(session: Session, path: Path = REGISTRY_CSV) -> int:
    """Add the registry's outlets that the database lacks (by name); return how many."""
    known = set(session.scalars(select(Outlet.name)))
    new = [o for o in read_registry(path) if o.name not in known]
    session.add_all(new)
    return len(new)


_PARENTHESES = re.compile(r"\([^)]*\)")


class OutletNames:
    """Outlets found by their name as people write it: case, accents and punctuation do not
    matter, nor a registry note in parentheses ("ICI Nord (ex-France Bleu Nord)" is "ICI Nord"),
    unless two outlets share the short name."""

    def __init__(self, outlets: Iterable[Outlet]):
        self.names: dict[str, Outlet] = {}
        short: dict[str, list[Outlet]] = {}
        for outlet in outlets:
            self.names.setdefault(fold(outlet.name), outlet)
            short.setdefault(fold(_PARENTHESES.sub(" ", outlet.name)), []).append(outlet)
        self.short = {k: v[0] for k, v in short.items() if len(v) == 1}

    def find(self, name: str) -> Outlet | None:
        key = fold(name or "")
        return self.names.get(key) or self.short.get(key)


class OutletIndex:
    """Outlet ids by domain (with optional path prefix), read once, to attribute many URLs."""

    def __init__(self, outlets: Iterable[Outlet] = ()):
        self.domains: list[tuple[str, int]] = []
        for outlet in outlets:
            self.add(outlet)

    @classmethod
    def load(cls, session: Session) -> OutletIndex:
        return cls(session.scalars(select(Outlet)))

    def add(self, outlet: Outlet) -> None:
        for domain in outlet.domains:
            self.domains.append((domain.lower().removeprefix("www.").rstrip("/"), outlet.id))

    def find(self, url: str) -> int | None:
        """The id of the outlet whose domain best (longest) matches ``url``."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removeprefix("www.")
        location = host + parts.path
        best, best_len = None, 0
        for domain, outlet_id in self.domains:
            bare = domain.split("/", 1)[0]
            matches = location == domain or location.startswith(domain + "/")
            matches = matches or ("/" not in domain and host.endswith("." + bare))
            if matches and len(domain) > best_len:
                best, best_len = outlet_id, len(domain)
        return best


def outlet_for_url(session: Session, url: str) -> Outlet | None:
    """Return the outlet whose domain (with optional path prefix) best matches ``url``."""
    outlet_id = OutletIndex.load(session).find(url)
    return session.get(Outlet, outlet_id) if outlet_id is not None else None
