"""The campaign figures computed in SQL (see docs/performance.md) count what a person counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models import Campaign, Coverage, CoverageCampaign, CoverageStatus, KeyMessage, Medium, metrics
from models.db import open_database
from models.metrics import Selection, message_penetration
from models.reports import campaign_report


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def clips(any_settings):
    """A campaign with a sub-campaign, and clips whose key-message lists are oddly shaped."""
    engine, sessions = open_database(any_settings)
    with sessions.begin() as session:
        umbrella = Campaign(
            slug="umbrella",
            name="Umbrella",
            key_messages=[KeyMessage(label="Heritage"), KeyMessage(label="Tourism")],
        )
        child = Campaign(slug="child", name="Child", parent=umbrella)
        shapes = [
            [],
            [{"label": "Heritage"}, {"label": "Heritage", "sentence": "twice in one clip"}],
            ["Heritage", None, 3, {"label": ""}, {"sentence": "no label"}, {"label": "Museum"}],
            {"label": "Heritage"},  # not a list: carries nothing
            None,
            [{"label": "Tourism"}, {"label": "Heritage"}],
        ]
        for n, messages in enumerate(shapes):
            session.add(
                Coverage(
                    title=f"clip {n}",
                    medium=Medium.PRESS,
                    status=CoverageStatus.CONFIRMED,
                    published_at=utc(2022, 3, 1 + n),
                    key_messages=messages,
                    reach=100,
                    campaign_links=[CoverageCampaign(campaign=umbrella)]
                    + ([CoverageCampaign(campaign=child)] if n % 2 else []),
                )
            )
        session.flush()
        umbrella_id = umbrella.id
    yield sessions, umbrella_id
    engine.dispose()


def test_message_penetration_counts_each_label_once_per_clip(clips):
    sessions, umbrella = clips
    with sessions() as session:
        result = message_penetration(session, Selection(umbrella))
    # Six clips, each counted once although some are in the umbrella and its sub-campaign.
    # Clips 1 (Heritage twice), 2 (Museum, among items without a usable label) and 5 carry one.
    assert (result["total"], result["clips_with_message"], result["any"]) == (6, 3, 0.5)
    assert result["by_message"] == {
        "Heritage": {"clips": 2, "share": 0.3333},
        "Tourism": {"clips": 1, "share": 0.1667},
        "Museum": {"clips": 1, "share": 0.1667},  # not a campaign's message: listed after them
    }


def test_sqlite_reads_a_large_campaign_through_the_period_with_the_same_figures(
    settings, monkeypatch
):
    """Past MANY_CAMPAIGN_CLIPS links, SQLite is steered to another plan: same report."""
    engine, sessions = open_database(settings)
    with sessions.begin() as session:
        umbrella = Campaign(slug="umbrella", name="Umbrella")
        child = Campaign(slug="child", name="Child", parent=umbrella)
        other = Campaign(slug="other", name="Other")
        for n in range(12):
            links = [umbrella] if n % 3 == 0 else [child] if n % 3 == 1 else [umbrella, child]
            session.add(
                Coverage(
                    title=f"clip {n}",
                    medium=list(Medium)[n % 5],
                    status=CoverageStatus.CONFIRMED if n % 4 else CoverageStatus.REJECTED,
                    published_at=utc(2022, 1 + n, 15),
                    reach=10 * n,
                    ave_eur=float(n),
                    campaign_links=[CoverageCampaign(campaign=c) for c in links],
                )
            )
        session.add(Coverage(title="elsewhere", status=CoverageStatus.CONFIRMED, reach=1))
        session.add(
            Coverage(
                title="other campaign",
                status=CoverageStatus.CONFIRMED,
                published_at=utc(2022, 6, 1),
                reach=5,
                campaign_links=[CoverageCampaign(campaign=other)],
            )
        )
        session.flush()
        umbrella_id = umbrella.id
    with sessions() as session:
        by_id = campaign_report(session, umbrella_id)
        monkeypatch.setattr(metrics, "MANY_CAMPAIGN_CLIPS", 1)
        through_period = campaign_report(session, umbrella_id)
    engine.dispose()
    assert through_period == by_id
    # Twelve clips, three of them rejected (n = 0, 4, 8): nine confirmed, each counted once.
    assert by_id["total"] == 9 and by_id["reach"] == 10 * sum(n for n in range(12) if n % 4)


def test_months_are_paris_months_at_the_end_of_a_utc_month(any_settings):
    engine, sessions = open_database(any_settings)
    with sessions.begin() as session:
        for when in (
            utc(2022, 1, 27, 23, 30),  # 28 January in Paris: January
            utc(2022, 3, 31, 21, 30),  # 23:30 in Paris (summer time): March
            utc(2022, 3, 31, 22, 30),  # 00:30 on 1 April in Paris: April
            utc(2022, 12, 31, 23, 0),  # midnight on New Year's Day in Paris: January 2023
            None,
        ):
            session.add(Coverage(title="c", status=CoverageStatus.CONFIRMED, published_at=when))
    with sessions() as session:
        months = campaign_report(session)["by_month"]
    engine.dispose()
    assert {month: figures["total"] for month, figures in months.items()} == {
        "2022-01": 1,
        "2022-03": 1,
        "2022-04": 1,
        "2023-01": 1,
        "undated": 1,
    }
