"""Clips added by a person: by address (fetched by the next crawl) or by hand (print, broadcast)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .base import CoverageOrigin, CoverageStatus, Medium
from .campaign import Campaign
from .coverage import Coverage, CoverageCampaign
from .outlet import Outlet
from .registry import outlet_for_url
from .text import fold
from .urls import canonical_url
from .valuation import ValuationRules, apply_valuation

PARIS = ZoneInfo("Europe/Paris")


class ManualEntryError(ValueError):
    """A manual clip that cannot be added; the message says why."""


def manual_key(day: date, outlet_name: str, title: str) -> str:
    """The identity of a clip without address: its date, outlet and title."""
    return hashlib.sha256(
        f"{day.isoformat()}|{fold(outlet_name)}|{fold(title)}".encode()
    ).hexdigest()


def _link(campaign: Campaign | None) -> list[CoverageCampaign]:
    return [CoverageCampaign(campaign=campaign, hits=[])] if campaign else []


def add_clip_by_url(session: Session, url: str, campaign: Campaign | None) -> Coverage:
    """Add a clip by its address; the next crawl fetches and extracts its page.

    :raises ManualEntryError: for an address that is not a web page or is already stored.
    """
    try:
        canonical = canonical_url(url)
    except ValueError as exc:
        raise ManualEntryError(str(exc)) from exc
    existing = session.scalar(select(Coverage).where(Coverage.url == canonical))
    if existing is not None:
        raise ManualEntryError(f"This address is already stored (clip {existing.id}).")
    clip = Coverage(
        url=canonical,
        title="",
        origin=CoverageOrigin.MANUAL,
        status=CoverageStatus.FETCH,
        outlet=outlet_for_url(session, canonical),
        campaign_links=_link(campaign),
    )
    session.add(clip)
    session.flush()
    return clip


@dataclass
class HandEntry:
    """A print clip or broadcast passage without address."""

    outlet: Outlet
    day: date
    title: str
    summary: str = ""
    programme: str = ""  # page or programme
    author: str = ""
    duration_s: int | None = None
    page_fraction: float | None = None
    surface_cm2: float | None = None
    campaign: Campaign | None = None


def add_clip_by_hand(
    session: Session, entry: HandEntry, rules: ValuationRules | None = None
) -> Coverage:
    """Add a clip entered by hand, confirmed (a person vouches for it).

    :raises ManualEntryError: for an empty title, impossible sizes or a clip already entered.
    """
    title = " ".join(entry.title.split())
    if not title:
        raise ManualEntryError("The title is empty.")
    if entry.page_fraction is not None and not 0 < entry.page_fraction <= 1:
        raise ManualEntryError("The page fraction must be between 0 and 1.")
    if entry.duration_s is not None and entry.duration_s <= 0:
        raise ManualEntryError("The duration must be a positive number of seconds.")
    key = manual_key(entry.day, entry.outlet.name, title)
    if session.scalar(select(Coverage.id).where(Coverage.manual_key == key)):
        raise ManualEntryError("This clip was already entered (same date, outlet and title).")
    outlet = entry.outlet
    medium = Medium.PARTNER if outlet.is_partner else outlet.medium
    clip = Coverage(
        manual_key=key,
        title=title,
        summary=entry.summary or None,
        author=entry.author or None,
        programme=entry.programme or None,
        published_at=datetime.combine(entry.day, time(0, 0), PARIS),
        outlet=outlet,
        medium=medium,
        medium_reason=f"{outlet.name} is registered as {medium.value}",
        duration_s=entry.duration_s,
        page_fraction=entry.page_fraction,
        surface_cm2=entry.surface_cm2,
        origin=CoverageOrigin.MANUAL,
        status=CoverageStatus.CONFIRMED,
        relevant=True,
        campaign_links=_link(entry.campaign),
    )
    session.add(clip)
    session.flush()
    apply_valuation(session, clip, rules)
    return clip


def clips_to_fetch(session: Session, limit: int = 500) -> list[tuple[int, str]]:
    """(id, address) of the clips added by address whose page is not fetched yet."""
    rows = session.execute(
        select(Coverage.id, Coverage.url)
        .where(Coverage.status == CoverageStatus.FETCH)
        .order_by(Coverage.id)
        .limit(limit)
    )
    return [(row.id, row.url) for row in rows]
