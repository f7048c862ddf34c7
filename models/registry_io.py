"""The outlet registry as a spreadsheet: export to CSV, import an edited CSV back.

Importing is idempotent by outlet name; a rate card is identified by its outlet, kind and start
date. The reading of rows is shared with the default registry (``models.registry``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .outlet import Outlet, RateCard
from .registry import (
    COLUMNS,
    EXTRA_COLUMNS,
    FORMULA_STARTS,
    RegistryEntry,
    new_outlet,
    parse_registry,
    plain_number,
)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return plain_number(value)
    if isinstance(value, int):
        return str(value)  # a negative number is a number, not a formula
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    # Names and sources come from the web and from imports: a spreadsheet must not run them.
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _rows_of(outlet: Outlet) -> list[dict]:
    base = {
        "name": outlet.name,
        "domain": ";".join(outlet.domains),
        "medium": outlet.medium.value,
        "scope": outlet.scope.value if outlet.scope else "",
        "audience": outlet.audience,
        "audience_unit": outlet.audience_unit,
        "audience_year": outlet.audience_year,
        "audience_source": outlet.audience_source,
        "confidence": outlet.confidence,
        "is_partner": outlet.is_partner,
        "readers_per_copy": outlet.readers_per_copy,
        "audience_estimated": outlet.audience_estimated,
    }
    cards = sorted(outlet.rate_cards, key=lambda c: (c.kind.value, c.valid_from or date.min))
    rows = []
    for card in cards:
        rate = {
            "ad_rate_eur": card.price_eur,
            "ad_rate_unit": card.unit_note,
            "ad_rate_year": card.year,
            "ad_rate_source": card.source,
            "rate_kind": card.kind.value,
            "rate_valid_from": card.valid_from,
            "rate_valid_to": card.valid_to,
            "rate_estimated": card.estimated,
        }
        rows.append({**base, **rate})
    return [{k: _text(v) for k, v in row.items()} for row in rows or [base]]


def export_registry(session: Session, path: Path | str) -> int:
    """Write every outlet and its rate cards to a CSV (one row per rate card); return the rows."""
    outlets = session.scalars(
        select(Outlet).options(selectinload(Outlet.rate_cards)).order_by(Outlet.name)
    )
    rows = [row for outlet in outlets for row in _rows_of(outlet)]
    # utf-8-sig: French Excel opens it with the accents right.
    with Path(path).open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS + EXTRA_COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


@dataclass
class RegistryChanges:
    """What an import changed: outlets added or updated, rate cards added, changed, removed."""

    source: str
    added: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)  # outlet -> fields changed
    rates_added: list[str] = field(default_factory=list)
    rates_updated: list[str] = field(default_factory=list)
    rates_removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)  # rows skipped, with the reason

    @property
    def changed(self) -> bool:
        return bool(
            self.added
            or self.updated
            or self.rates_added
            or self.rates_updated
            or self.rates_removed
        )

    def lines(self) -> list[str]:
        """Describe the changes, one line each, for a person."""
        lines = [f"added outlet: {name}" for name in self.added]
        lines += [f"updated outlet: {name} ({', '.join(f)})" for name, f in self.updated.items()]
        lines += [f"added rate: {r}" for r in self.rates_added]
        lines += [f"updated rate: {r}" for r in self.rates_updated]
        lines += [f"removed rate: {r}" for r in self.rates_removed]
        lines += [f"skipped {e}" for e in self.errors]
        lines.append(
            f"{len(self.added)} added, {len(self.updated)} updated, {self.unchanged} unchanged, "
            f"{len(self.errors)} rows skipped"
        )
        return lines

    def as_json(self) -> dict:
        return {
            "source": self.source,
            "added": self.added,
            "updated": self.updated,
            "rates_added": self.rates_added,
            "rates_updated": self.rates_updated,
            "rates_removed": self.rates_removed,
            "unchanged": self.unchanged,
            "errors": self.errors,
        }


def _card_label(name: str, card: RateCard | dict) -> str:
    get = card.get if isinstance(card, dict) else lambda k: getattr(card, k)
    since = get("valid_from").isoformat() if get("valid_from") else "always"
    return f"{name}: {get('kind')} {plain_number(get('price_eur'))} EUR from {since}"


def _sync_rates(
    outlet: Outlet, entry: RegistryEntry, prune: bool, changes: RegistryChanges
) -> bool:
    stored = {(c.kind, c.valid_from): c for c in outlet.rate_cards}
    touched = False
    for rate in entry.rates:
        card = stored.pop((rate["kind"], rate["valid_from"]), None)
        if card is None:
            outlet.rate_cards.append(RateCard(**rate))
            changes.rates_added.append(_card_label(outlet.name, rate))
            touched = True
            continue
        different = [k for k, v in rate.items() if getattr(card, k) != v]
        for key in different:
            setattr(card, key, rate[key])
        if different:
            changes.rates_updated.append(
                f"{_card_label(outlet.name, card)} ({', '.join(different)})"
            )
            touched = True
    if prune:
        for card in stored.values():
            outlet.rate_cards.remove(card)
            changes.rates_removed.append(_card_label(outlet.name, card))
            touched = True
    return touched


def import_registry(session: Session, path: Path | str, *, prune: bool = False) -> RegistryChanges:
    """Add or update outlets and rate cards from a registry CSV, by outlet name; the caller commits.

    Importing the same file twice changes nothing the second time. Outlets absent from the file
    are kept; a rate card is identified by its outlet, kind and start date. With ``prune``, the
    rate cards of the listed outlets that the file no longer lists are removed. Rows that cannot
    be read are skipped and reported.

    :raises RegistryError: when the file lacks the ``name`` or ``medium`` column.
    """
    entries, errors, columns = parse_registry(Path(path))
    changes = RegistryChanges(source=str(path), errors=errors)
    has_rates = "ad_rate_eur" in columns
    stored = {
        o.name: o for o in session.scalars(select(Outlet).options(selectinload(Outlet.rate_cards)))
    }
    for entry in entries:
        outlet = stored.get(entry.name)
        if outlet is None:
            session.add(new_outlet(entry))
            changes.added.append(entry.name)
            changes.rates_added += [_card_label(entry.name, r) for r in entry.rates]
            continue
        different = [k for k, v in entry.fields.items() if getattr(outlet, k) != v]
        for key in different:
            setattr(outlet, key, entry.fields[key])
        touched = has_rates and _sync_rates(outlet, entry, prune, changes)
        if different:
            changes.updated[entry.name] = different
        if not different and not touched:
            changes.unchanged += 1
    session.flush()
    return changes
