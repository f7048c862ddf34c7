"""Dashboard queries (month × medium, top outlets and messages, periods) on SQLite and
PostgreSQL, checked against the campaign report they sit beside."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from models import (
    Campaign,
    Coverage,
    CoverageCampaign,
    CoverageStatus,
    KeyMessage,
    Medium,
    Outlet,
    Scope,
    Tone,
)
from models.dashboard import (
    compare,
    default_campaign,
    month_by_medium,
    month_keys,
    previous_period,
    selection,
    top_messages,
    top_outlets,
)
from models.db import open_database
from models.reports import campaign_report, month_of

PARIS = ZoneInfo("Europe/Paris")
PM, DT = "Patrimoine mondial", "Destination touristique"
C, N, R, P = (
    CoverageStatus.CONFIRMED,
    CoverageStatus.NEW,
    CoverageStatus.REJECTED,
    CoverageStatus.PENDING,
)
OUTLETS = {  # name: (medium, scope, partner)
    "La Voix du Nord": (Medium.PRESS, Scope.REGIONAL, False),
    "Le Monde": (Medium.PRESS, Scope.NATIONAL, False),
    "Connaissance des Arts": (Medium.PRESS, Scope.SPECIALISED, False),
    "France 3 Hauts-de-France": (Medium.TV, Scope.REGIONAL, False),
    "ICI Nord": (Medium.RADIO, Scope.LOCAL, False),
    "actu.fr": (Medium.WEB, Scope.LOCAL, False),
    "The Guardian": (Medium.WEB, Scope.INTERNATIONAL, False),
    "Pas-de-Calais Tourisme": (Medium.PARTNER, Scope.REGIONAL, True),
}
LVDN, MONDE, CDA, F3, ICI, ACTU, GUARDIAN, PDC = OUTLETS
U, V, BOTH, OTHER = "umbrella", "voyage", "both", "autre"
# (published, outlet, medium, reach, AVE, messages, tone, status, campaigns) — Paris times,
# unless a UTC datetime is given.
CLIPS = [
    (datetime(2022, 1, 15, 10), LVDN, Medium.PRESS, 1_057_901, 18_000, [PM], Tone.POSITIVE, C, U),
    (datetime(2022, 3, 10, 9), LVDN, Medium.PRESS, 1_057_901, 9_000, [PM, DT], Tone.POSITIVE, C, V),
    # 31 March 23:30 UTC is 1 April in Paris: an April clip.
    (
        datetime(2022, 3, 31, 23, 30, tzinfo=UTC),
        LVDN,
        Medium.PRESS,
        1_057_901,
        4_500,
        [],
        Tone.NEUTRAL,
        C,
        BOTH,
    ),
    (datetime(2022, 4, 2, 8), MONDE, Medium.PRESS, 4_945_626, 57_500, [PM], Tone.POSITIVE, C, U),
    (datetime(2022, 6, 20, 7), CDA, Medium.PRESS, 45_000, 9_000, [DT], Tone.POSITIVE, C, U),
    (datetime(2022, 3, 11, 19), F3, Medium.TV, 200_000, 7_916.67, [PM], Tone.POSITIVE, C, V),
    (datetime(2022, 6, 30, 12), F3, Medium.TV, 80_000, 4_000, [], Tone.NEGATIVE, C, U),
    (datetime(2022, 3, 12, 8), ICI, Medium.RADIO, 26_170, 1_666.67, [DT], Tone.POSITIVE, C, V),
    (datetime(2022, 3, 12, 15), ACTU, Medium.WEB, 25_560, 204.48, [PM], Tone.NEUTRAL, C, U),
    (datetime(2022, 9, 1, 11), GUARDIAN, Medium.WEB, None, None, [], None, C, U),
    (datetime(2022, 6, 30, 18), PDC, Medium.PARTNER, None, None, [PM], None, C, U),
    # No outlet and no medium yet (counted as web), on New Year's Eve in Paris.
    (datetime(2022, 12, 31, 22, 30), None, None, None, None, [], None, C, U),
    (datetime(2022, 5, 5, 9), LVDN, Medium.PRESS, 1_057_901, 2_000, [PM], Tone.POSITIVE, N, U),
    (datetime(2022, 5, 6, 9), ACTU, Medium.WEB, 25_560, 204.48, [], Tone.NEUTRAL, R, U),
    (datetime(2022, 5, 7, 9), F3, Medium.TV, 80_000, 4_000, [], None, P, U),
    # 1 January 2023 at 00:30 in Paris: outside 2022.
    (datetime(2023, 1, 1, 0, 30), LVDN, Medium.PRESS, 1_057_901, 4_500, [], Tone.POSITIVE, C, U),
    # The year before.
    (datetime(2021, 6, 1, 9), LVDN, Medium.PRESS, 1_057_901, 9_000, [PM], Tone.POSITIVE, C, U),
    (datetime(2021, 3, 1, 9), F3, Medium.TV, 200_000, 4_000, [], Tone.NEUTRAL, C, U),
    (datetime(2021, 9, 1, 9), ICI, Medium.RADIO, 26_170, 750, [DT], Tone.NEGATIVE, C, U),
    (datetime(2021, 10, 1, 9), LVDN, Medium.PRESS, 1_057_901, 4_500, [], Tone.POSITIVE, C, U),
    # Another campaign.
    (datetime(2022, 2, 1, 9), MONDE, Medium.PRESS, 4_945_626, 57_500, [], Tone.POSITIVE, C, OTHER),
]
OVERRIDE = 5_000.0  # Connaissance des Arts: AVE set by hand
YEAR_2022 = (date(2022, 1, 1), date(2022, 12, 31))


def seed_world(session) -> dict[str, int]:
    """Add the outlets, the campaigns and the clips above; return the campaigns' ids."""
    other = Campaign(slug="autre", name="Autre campagne")  # first, but no sub-campaign
    session.add(other)
    session.flush()
    umbrella = Campaign(
        slug="j-ai-10-ans",
        name="J'ai 10 ans",
        key_messages=[KeyMessage(label=PM), KeyMessage(label=DT)],
    )
    voyage = Campaign(slug="voyage-de-presse-2022", name="Voyage de presse 2022", parent=umbrella)
    outlets = {
        name: Outlet(name=name, medium=medium, scope=scope, is_partner=partner)
        for name, (medium, scope, partner) in OUTLETS.items()
    }
    targets = {U: [umbrella], V: [voyage], BOTH: [umbrella, voyage], OTHER: [other]}
    for i, (when, outlet, medium, reach, ave, messages, tone, status, where) in enumerate(CLIPS):
        published = when if when.tzinfo else when.replace(tzinfo=PARIS)
        session.add(
            Coverage(
                url=f"https://example.org/clip-{i}",
                title=f"Clip {i}",
                published_at=published.astimezone(UTC),
                outlet=outlets[outlet] if outlet else None,
                medium=medium,
                reach=reach,
                ave_eur=ave,
                ave_override_eur=OVERRIDE if outlet == CDA else None,
                valued_at=datetime(2024, 1, 1, tzinfo=UTC),
                key_messages=[{"label": label, "sentence": "…"} for label in messages],
                tone=tone,
                status=status,
                campaign_links=[CoverageCampaign(campaign=c) for c in targets[where]],
            )
        )
    session.flush()
    return {"umbrella": umbrella.id, "voyage": voyage.id, "other": other.id}


@pytest.fixture
def world(any_settings):
    engine, sessions = open_database(any_settings)
    with sessions.begin() as session:
        ids = seed_world(session)
    with sessions() as session:
        yield session, ids
    engine.dispose()


@pytest.mark.parametrize("status", [CoverageStatus.CONFIRMED, None])
def test_month_by_medium_adds_up_to_the_report_months(world, status):
    session, ids = world
    report = campaign_report(session, ids["umbrella"], *YEAR_2022, status)
    months = month_by_medium(session, selection(ids["umbrella"], *YEAR_2022, status))
    assert {key: sum(counts.values()) for key, counts in months.items()} == {
        key: values["total"] for key, values in report["by_month"].items()
    }
    # The medium columns add up to the report's tally too.
    assert {m.value: sum(c[m.value] for c in months.values()) for m in Medium} == report[
        "by_medium"
    ]


def test_month_by_medium_counts_each_medium_in_its_paris_month(world):
    session, ids = world
    months = month_by_medium(session, selection(ids["umbrella"], *YEAR_2022))
    zero = {m.value: 0 for m in Medium}
    assert months == {
        "2022-01": zero | {"press": 1},
        "2022-03": zero | {"press": 1, "tv": 1, "radio": 1, "web": 1},
        "2022-04": zero | {"press": 2},  # Le Monde, and the 31 March 23:30 UTC clip
        "2022-06": zero | {"press": 1, "tv": 1, "partner": 1},
        "2022-09": zero | {"web": 1},
        "2022-12": zero | {"web": 1},  # no medium yet: counted as web, as in the tally
    }
    # The sub-campaign alone: its three clips and the one it shares with the umbrella.
    child = month_by_medium(session, selection(ids["voyage"], *YEAR_2022))
    assert child == {
        "2022-03": zero | {"press": 1, "tv": 1, "radio": 1},
        "2022-04": zero | {"press": 1},
    }


def test_month_of_an_hour_and_month_keys():
    assert month_of("2022-03-31 22") == "2022-04"  # midnight in Paris (summer time)
    assert month_of("2022-12-31 22") == "2022-12"  # 23:00 in Paris (winter time)
    assert month_of(None) == "undated"
    assert month_keys(date(2021, 11, 15), date(2022, 2, 1)) == [
        "2021-11",
        "2021-12",
        "2022-01",
        "2022-02",
    ]


def test_top_outlets_rank_by_clips_then_reach(world):
    session, ids = world
    outlets = top_outlets(session, selection(ids["umbrella"], *YEAR_2022))
    names = [o["name"] for o in outlets]
    # La Voix du Nord 3 clips, France 3 2; then one clip each, most reach first; the clips
    # without outlet come as one unnamed row.
    assert names[:4] == [LVDN, F3, MONDE, CDA]
    assert set(names[4:]) == {ICI, ACTU, GUARDIAN, PDC, None}
    lvdn = outlets[0]
    assert lvdn == {
        "id": lvdn["id"],
        "name": LVDN,
        "medium": "press",
        "scope": "regional",
        "clips": 3,
        "reach": 3 * 1_057_901,
        "ave_eur": 31_500.0,
    }
    assert outlets[3]["ave_eur"] == OVERRIDE  # the AVE set by hand counts
    assert len(top_outlets(session, selection(ids["umbrella"], *YEAR_2022), limit=2)) == 2
    report = campaign_report(session, ids["umbrella"], *YEAR_2022)
    assert sum(o["clips"] for o in outlets) == report["total"]
    assert sum(o["reach"] for o in outlets) == report["reach"]
    assert round(sum(o["ave_eur"] for o in outlets), 2) == report["ave_eur"]


def test_top_messages_rank_the_report_penetration(world):
    session, ids = world
    report = campaign_report(session, ids["umbrella"], *YEAR_2022)
    ranked = top_messages(report["message_penetration"])
    assert [(m["label"], m["clips"]) for m in ranked] == [(PM, 6), (DT, 3)]
    assert ranked[0]["share"] == round(6 / 12, 4)


def test_default_campaign_is_the_first_active_umbrella(world):
    session, ids = world
    assert default_campaign(session).id == ids["umbrella"]
    session.get(Campaign, ids["umbrella"]).active = False
    session.flush()
    assert default_campaign(session) is None  # "autre" has no sub-campaign: all campaigns


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # A calendar year: the year before, whatever its number of days.
        (date(2024, 1, 1), date(2024, 12, 31), (date(2023, 1, 1), date(2023, 12, 31))),
        # A quarter and a month: the quarter and the month before.
        (date(2022, 4, 1), date(2022, 6, 30), (date(2022, 1, 1), date(2022, 3, 31))),
        (date(2022, 3, 1), date(2022, 3, 31), (date(2022, 2, 1), date(2022, 2, 28))),
        # Any other period: as many days just before.
        (date(2022, 3, 10), date(2022, 3, 19), (date(2022, 2, 28), date(2022, 3, 9))),
        (date(2022, 1, 1), date(2022, 1, 1), (date(2021, 12, 31), date(2021, 12, 31))),
    ],
)
def test_previous_period_has_equal_length(start, end, expected):
    assert previous_period(start, end) == expected


def test_compare_gives_relative_changes_and_differences(world):
    session, ids = world
    current = campaign_report(session, ids["umbrella"], *YEAR_2022)
    previous = campaign_report(session, ids["umbrella"], *previous_period(*YEAR_2022))
    rows = {row["figure"]: row for row in compare(current, previous)}
    assert (rows["total"]["current"], rows["total"]["previous"]) == (12, 4)
    assert rows["total"]["change"] == 2.0  # +200 %
    assert rows["press"]["change"] == 1.5  # 5 against 2
    assert rows["radio"]["change"] == 0.0
    assert rows["web"]["change"] is None  # nothing the year before
    assert rows["reach"]["previous"] == 2 * 1_057_901 + 200_000 + 26_170
    assert rows["ave_eur"]["change"] == round((current["ave_eur"] - 18_250) / 18_250, 4)
    # 2022: 8 of 12 clips carry a message; 2021: 2 of 4.
    assert rows["message_penetration"]["difference"] == round(8 / 12 - 0.5, 4)
    assert rows["message_penetration"]["change"] is None
    # Tone index 2022: (6 - 1) / 9 known; 2021: (2 - 1) / 4.
    assert rows["tone_index"]["difference"] == round(round(5 / 9, 4) - 0.25, 4)


@pytest.mark.parametrize("status", [CoverageStatus.CONFIRMED, None])
def test_the_headline_figures_are_the_report_figures(world, status):
    """The previous period is compared through the headline figures only: they must be the
    figures the full report gives for the same period."""
    from models.reports import headline_figures

    session, ids = world
    for period in (YEAR_2022, previous_period(*YEAR_2022)):
        report = campaign_report(session, ids["umbrella"], *period, status)
        headline = headline_figures(session, ids["umbrella"], *period, status)
        assert headline == {key: report[key] for key in headline}
    assert headline_figures(session, ids["umbrella"], *YEAR_2022)["total"] > 0
