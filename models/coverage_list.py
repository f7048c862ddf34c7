"""Coverage listed page by page with simple filters, newest first (the JSON API's list).

Pages are read by key (``id`` below the last one seen), not by offset: a clip collected while a
client walks the pages neither shifts nor repeats the ones it has not read yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .base import CoverageStatus, Medium
from .coverage import Coverage, CoverageCampaign
from .metrics import campaign_clips, paris_start


@dataclass(frozen=True)
class CoverageFilters:
    """Which clips a list shows; every field left None lets every clip through."""

    campaign_id: int | None = None  # with its sub-campaigns
    status: CoverageStatus | None = None
    medium: Medium | None = None
    date_from: date | None = None  # publication day in Paris, inclusive
    date_to: date | None = None  # inclusive
    updated_since: datetime | None = None  # changed at or after this moment

    def where(self, session: Session) -> list:
        """Return the SQL conditions on ``Coverage`` for these filters."""
        conditions = []
        if self.campaign_id is not None:
            conditions.append(Coverage.id.in_(campaign_clips(session, self.campaign_id)))
        if self.status is not None:
            conditions.append(Coverage.status == self.status)
        if self.medium is not None:
            conditions.append(Coverage.medium == self.medium)
        if self.date_from is not None:
            conditions.append(Coverage.published_at >= paris_start(self.date_from))
        if self.date_to is not None:
            conditions.append(Coverage.published_at < paris_start(self.date_to + timedelta(1)))
        if self.updated_since is not None:
            conditions.append(Coverage.updated_at >= self.updated_since)
        return conditions


def coverage_page(
    session: Session, filters: CoverageFilters, limit: int, before_id: int | None = None
) -> tuple[list[Coverage], bool]:
    """Return up to ``limit`` clips with an id below ``before_id``, newest id first, and
    whether more follow."""
    query = (
        select(Coverage)
        .where(*filters.where(session))
        .order_by(Coverage.id.desc())
        .limit(limit + 1)
        .options(
            selectinload(Coverage.outlet),
            selectinload(Coverage.campaign_links).selectinload(CoverageCampaign.campaign),
        )
    )
    if before_id is not None:
        query = query.where(Coverage.id < before_id)
    clips = list(session.scalars(query))
    return clips[:limit], len(clips) > limit
