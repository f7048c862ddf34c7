"""AMEC-style metrics beside the AVE, on SQLite and PostgreSQL, checked against hand counts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import (
    Campaign,
    Coverage,
    CoverageCampaign,
    CoverageStatus,
    KeyMessage,
    Medium,
    Outlet,
    Prominence,
    Scope,
    Tone,
)
from models.db import open_database
from models.metrics import (
    Selection,
    campaign_family,
    locate_prominence,
    message_penetration,
    prominence,
    reach_by_scope,
    share_of_voice,
    tone_index,
)
from models.reports import campaign_report, campaign_tally, status_counts
from models.valuation import apply_valuation

PARIS = ZoneInfo("Europe/Paris")
PM, DT, TM = "Patrimoine mondial", "Destination touristique", "Territoire en mutation"


def paris(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=PARIS)


@pytest.fixture
def world(any_settings):
    """An umbrella campaign with a sub-campaign, a benchmark campaign and their clips."""
    engine, sessions = open_database(any_settings)
    with sessions.begin() as session:
        umbrella = Campaign(
            slug="j-ai-10-ans",
            name="J'ai 10 ans",
            start_date=date(2022, 3, 1),
            end_date=date(2022, 4, 30),
            key_messages=[KeyMessage(label=PM), KeyMessage(label=DT)],
        )
        child = Campaign(
            slug="voyage",
            name="Voyage de presse",
            parent=umbrella,
            key_messages=[KeyMessage(label=TM)],
        )
        bench = Campaign(slug="louvre-lens", name="Louvre-Lens")
        local = Outlet(name="L'Écho", medium=Medium.PRESS, scope=Scope.LOCAL)
        regional = Outlet(name="Télé Hauts", medium=Medium.TV, scope=Scope.REGIONAL)
        national = Outlet(name="Radio France", medium=Medium.RADIO, scope=Scope.NATIONAL)

        def add(
            title,
            campaigns,
            when,
            outlet=None,
            tone=None,
            place=None,
            messages=(),
            reach=None,
            ave=None,
            status=CoverageStatus.CONFIRMED,
        ):
            session.add(
                Coverage(
                    title=title,
                    outlet=outlet,
                    medium=outlet.medium if outlet else Medium.WEB,
                    published_at=when,
                    tone=tone,
                    prominence=place,
                    key_messages=[{"label": m, "sentence": f"… {m} …"} for m in messages],
                    reach=reach,
                    ave_eur=ave,
                    status=status,
                    campaign_links=[CoverageCampaign(campaign=c) for c in campaigns],
                )
            )

        add(
            "c1",
            [umbrella],
            paris(2022, 3, 10),
            local,
            Tone.POSITIVE,
            Prominence.TITLE,
            [PM, PM],
            1000,
            100.0,
        )
        add(
            "c2",
            [child],
            paris(2022, 3, 15),
            regional,
            Tone.POSITIVE,
            Prominence.LEAD,
            [DT],
            2000,
            200.0,
        )
        add(
            "c3",
            [umbrella, child],
            paris(2022, 3, 20),
            national,
            Tone.NEGATIVE,
            Prominence.BODY,
            [],
            3000,
            300.0,
        )
        add(
            "c4",
            [child],
            paris(2022, 3, 31, 23, 30),
            national,
            Tone.NEUTRAL,
            Prominence.TITLE,
            [PM, TM],
            4000,
            400.0,
        )
        add("c5", [umbrella], paris(2022, 4, 1), None)
        add(
            "c6",
            [umbrella],
            paris(2022, 3, 11),
            local,
            Tone.POSITIVE,
            Prominence.TITLE,
            [PM],
            9000,
            900.0,
            CoverageStatus.REJECTED,
        )
        add(
            "c10",
            [umbrella],
            paris(2022, 5, 10),
            local,
            Tone.NEUTRAL,
            Prominence.BODY,
            [],
            100,
            10.0,
        )
        add("c7", [bench], paris(2022, 3, 12), local, reach=500)
        add("c8", [bench], paris(2022, 3, 14), regional, reach=700)
        add("c9", [bench], paris(2022, 6, 1), local, reach=9999)
        session.flush()
        ids = {"umbrella": umbrella.id, "child": child.id, "bench": bench.id}
    yield sessions, ids
    engine.dispose()


def test_a_campaign_counts_its_sub_campaigns_clips_once(world):
    sessions, ids = world
    with sessions() as session:
        assert campaign_family(session, ids["umbrella"]) == [ids["umbrella"], ids["child"]]
        # Confirmed clips of the umbrella or its child: c1, c2, c3 (in both), c4, c5, c10.
        assert tone_index(session, Selection(ids["umbrella"]))["unknown"] == 1
        report = campaign_report(session, ids["umbrella"])
        assert report["total"] == 6
        # Only the direct links in the existing tally (c1, c3, c5, c10), as before.
        assert campaign_tally(session, ids["umbrella"]).total == 4
        assert status_counts(session, ids["umbrella"])["rejected"] == 1


def test_message_penetration_overall_and_per_key_message(world):
    sessions, ids = world
    with sessions() as session:
        result = message_penetration(session, Selection(ids["umbrella"]))
    # Six clips; c1 (PM twice), c2 (DT), c4 (PM, TM) carry a message: 3 / 6.
    assert (result["total"], result["clips_with_message"], result["any"]) == (6, 3, 0.5)
    assert result["by_message"] == {
        PM: {"clips": 2, "share": 0.3333},  # c1 once, c4: 2 / 6
        DT: {"clips": 1, "share": 0.1667},  # c2: 1 / 6
        TM: {"clips": 1, "share": 0.1667},  # c4: 1 / 6, a message of the sub-campaign
    }


def test_tone_index_is_positive_minus_negative_over_toned_clips(world):
    sessions, ids = world
    with sessions() as session:
        result = tone_index(session, Selection(ids["umbrella"]))
    # Positive c1, c2; neutral c4, c10; negative c3; unknown c5: (2 - 1) / 5 = 0.2.
    assert result == {"index": 0.2, "positive": 2, "neutral": 2, "negative": 1, "unknown": 1}


def test_prominence_score_weights_position_by_tone(world):
    sessions, ids = world
    with sessions() as session:
        result = prominence(session, Selection(ids["umbrella"]))
    assert (result["title"], result["lead"], result["body"], result["unknown"]) == (2, 1, 2, 1)
    # c1 title × positive = 1.0 × 1; c4 title × neutral = 1.0 × 0.5; c2 lead × positive = 0.6;
    # c3 body × negative = 0.3 × -1; c10 body × neutral = 0.3 × 0.5.
    # (1 + 0.5 + 0.6 - 0.3 + 0.15) / 5 placed clips = 1.95 / 5 = 0.39.
    assert result["score"] == 0.39


def test_reach_by_scope_of_the_outlets(world):
    sessions, ids = world
    with sessions() as session:
        result = reach_by_scope(session, Selection(ids["umbrella"]))
    assert result == {
        "local": {"total": 2, "reach": 1100, "ave_eur": 110.0},  # c1 + c10
        "national": {"total": 2, "reach": 7000, "ave_eur": 700.0},  # c3 + c4
        "regional": {"total": 1, "reach": 2000, "ave_eur": 200.0},  # c2
        "unknown": {"total": 1, "reach": 0, "ave_eur": 0.0},  # c5, no outlet
    }


def test_share_of_voice_against_a_benchmark_over_the_campaign_period(world):
    sessions, ids = world
    with sessions() as session:
        result = share_of_voice(session, ids["umbrella"], [ids["bench"]])
    assert result["period"] == {"from": "2022-03-01", "to": "2022-04-30"}
    # In the period: c1, c2, c3, c4, c5 (c10 is in May) against c7, c8 (c9 is in June).
    assert result["campaign"] == {"slug": "j-ai-10-ans", "clips": 5, "reach": 10_000}
    assert result["benchmarks"] == [{"slug": "louvre-lens", "clips": 2, "reach": 1200}]
    assert result["share"] == 0.7143  # 5 / 7
    assert result["share_of_reach"] == 0.8929  # 10 000 / 11 200


def test_periods_are_paris_days_and_months(world):
    sessions, ids = world
    with sessions() as session:
        march = Selection(ids["umbrella"], date_to=date(2022, 3, 31))
        # c4 at 23:30 on 31 March in Paris (21:30 UTC) is in March; c5 at midnight on 1 April
        # in Paris (22:00 UTC on 31 March) is not.
        assert message_penetration(session, march)["total"] == 4
        april_first = Selection(ids["umbrella"], date(2022, 4, 1), date(2022, 4, 1))
        assert tone_index(session, april_first)["unknown"] == 1
        report = campaign_report(session, ids["umbrella"])
        assert {month: v["total"] for month, v in report["by_month"].items()} == {
            "2022-03": 4,
            "2022-04": 1,
            "2022-05": 1,
        }
        assert report["by_month"]["2022-03"]["reach"] == 10_000
        everything = campaign_report(session, ids["umbrella"], status=None)
        assert everything["total"] == 7  # the rejected c6 too
        sov = campaign_report(session, ids["umbrella"], benchmark_ids=[ids["bench"]])
        assert sov["share_of_voice"]["share"] == 0.7143


def test_prominence_is_located_from_the_words_that_matched():
    def clip(title: str, text: str) -> Coverage:
        found = Coverage(title=title, text=text, relevance_evidence=[], key_messages=[])
        found.campaign_links = [CoverageCampaign(hits=["bassin minier"])]
        return found

    assert locate_prominence(clip("Le Bassin minier a dix ans", "…")) == Prominence.TITLE
    lead = "Lens. Le bassin minier fête ses dix ans.\n\nLa suite."
    assert locate_prominence(clip("Anniversaire", lead)) == Prominence.LEAD
    body = "Lens fête un anniversaire.\n\nPlus loin, le Bassin-Minier est cité."
    assert locate_prominence(clip("Anniversaire", body)) == Prominence.BODY
    assert locate_prominence(clip("Anniversaire", "Rien à voir.")) is None
    assert locate_prominence(Coverage(title="Bassin minier", relevance_evidence=[])) is None


def test_valuation_locates_prominence_but_keeps_a_persons_choice(any_settings):
    engine, sessions = open_database(any_settings)
    with sessions.begin() as session:
        for place in (None, Prominence.BODY):
            clip = Coverage(
                title=f"Le Bassin minier {place}",
                published_at=datetime(2022, 3, 1, tzinfo=UTC),
                relevance_evidence=[{"term": "bassin minier", "weight": 1.0}],
                prominence=place,
            )
            apply_valuation(session, clip)
    with sessions() as session:
        places = sorted(str(c.prominence) for c in session.scalars(select(Coverage)))
    assert places == ["body", "title"]
    engine.dispose()
