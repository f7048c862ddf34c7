"""Figures computed from coverage, shared by the dashboard, the CLI and the API."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .base import CoverageStatus, Medium
from .coverage import Coverage, CoverageCampaign


@dataclass
class Tally:
    """Clips counted by medium, in the reference user's order (press, TV, radio, web, partner)."""

    by_medium: dict[str, int] = field(default_factory=lambda: {m.value: 0 for m in Medium})

    @property
    def total(self) -> int:
        return sum(self.by_medium.values())

    def as_json(self) -> dict:
        return {"total": self.total, "by_medium": dict(self.by_medium)}


def campaign_tally(
    session: Session,
    campaign_id: int,
    status: CoverageStatus = CoverageStatus.CONFIRMED,
    relevant_only: bool = False,
) -> Tally:
    """Count a campaign's clips of one status (confirmed by default) by medium."""
    query = (
        select(Coverage.medium, func.count())
        .join(CoverageCampaign, CoverageCampaign.coverage_id == Coverage.id)
        .where(CoverageCampaign.campaign_id == campaign_id, Coverage.status == status)
        .group_by(Coverage.medium)
    )
    if relevant_only:
        query = query.where(Coverage.relevant.is_(True))
    rows = session.execute(query)
    tally = Tally()
    for medium, count in rows:
        key = medium.value if medium else Medium.WEB.value
        tally.by_medium[key] += count
    return tally


def status_counts(session: Session, campaign_id: int) -> dict[str, int]:
    """Count a campaign's clips per status."""
    rows = session.execute(
        select(Coverage.status, func.count())
        .join(CoverageCampaign, CoverageCampaign.coverage_id == Coverage.id)
        .where(CoverageCampaign.campaign_id == campaign_id)
        .group_by(Coverage.status)
    )
    counts = {s.value: 0 for s in CoverageStatus}
    counts.update({status.value: count for status, count in rows})
    return counts
