"""The default outlet registry (``data/outlets-fr.csv``) and lookups of outlets by URL."""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from .base import Medium, Scope
from .outlet import Outlet

REGISTRY_CSV = Path(__file__).with_name("data") / "outlets-fr.csv"

# The registry's fine-grained types ("print_daily", "tv_regional_programme"…) by medium.
_MEDIUM_PREFIXES = {"print": Medium.PRESS, "tv": Medium.TV, "radio": Medium.RADIO}


def medium_of_type(outlet_type: str) -> Medium:
    """Map a registry type such as ``print_weekly`` or ``guidebook+web`` to a medium."""
    head = outlet_type.split("_", 1)[0].split("+", 1)[0]
    return _MEDIUM_PREFIXES.get(head, Medium.WEB)


def _int_or_none(value: str) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def read_registry(path: Path = REGISTRY_CSV) -> list[Outlet]:
    """Read a registry CSV into (unsaved) outlets, one per distinct name."""
    outlets: dict[str, Outlet] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            name = row["name"].strip()
            if not name or name in outlets:
                continue
            domain = row.get("domain", "").strip()
            outlets[name] = Outlet(
                name=name,
                medium=medium_of_type(row["medium"]),
                scope=Scope(row["scope"]) if row.get("scope") in set(Scope) else None,
                domains=[domain] if domain else [],
                audience=_int_or_none(row.get("audience")),
                audience_unit=row.get("audience_unit") or None,
                audience_year=_int_or_none(row.get("audience_year")),
                audience_source=(row.get("audience_source") or "")[:500] or None,
                confidence=row.get("confidence") or None,
            )
    return list(outlets.values())


def seed_outlets(session: Session, path: Path = REGISTRY_CSV) -> int:
    """Add the registry's outlets that the database lacks (by name); return how many."""
    known = set(session.scalars(select(Outlet.name)))
    new = [o for o in read_registry(path) if o.name not in known]
    session.add_all(new)
    return len(new)


def outlet_for_url(session: Session, url: str) -> Outlet | None:
    """Return the outlet whose domain (with optional path prefix) best matches ``url``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    location = host + parts.path
    best, best_len = None, 0
    for outlet in session.scalars(select(Outlet)):
        for domain in outlet.domains:
            domain = domain.lower().removeprefix("www.").rstrip("/")
            bare = domain.split("/", 1)[0]
            matches = location == domain or location.startswith(domain + "/")
            matches = matches or ("/" not in domain and host.endswith("." + bare))
            if matches and len(domain) > best_len:
                best, best_len = outlet, len(domain)
    return best
