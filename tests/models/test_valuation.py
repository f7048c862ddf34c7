"""Valuation of one clip: reach and AVE for each medium and rule, checked against hand arithmetic.

The outlets are those of the shipped registry (``models/data/outlets-fr.csv``), so every figure
below can be checked against that file.
"""

from __future__ import annotations

from datetime import date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import Campaign, Coverage, CoverageCampaign, CoverageStatus, Medium, Outlet, RateCard
from models.base import RateKind, Scope
from models.db import open_database
from models.registry import read_registry
from models.reports import campaign_report
from models.valuation import (
    ValuationRules,
    apply_valuation,
    choose_rate,
    clip_size,
    rate_on,
    revalue,
    set_ave_override,
    size_label,
    value_clip,
)

PARIS = ZoneInfo("Europe/Paris")
REGISTRY = {outlet.name: outlet for outlet in read_registry()}
LVDN = REGISTRY["La Voix du Nord"]


def clip(medium: Medium, day: date = date(2024, 5, 2), **size) -> Coverage:
    published = datetime.combine(day, time(10), PARIS)
    return Coverage(title="Le Bassin minier", medium=medium, published_at=published, **size)


def inputs(breakdown: dict) -> dict[str, dict]:
    return {i["name"]: i for i in breakdown["inputs"]}


# -- Print ----------------------------------------------------------------------------------


def test_print_page_fraction_times_page_price_and_readers_from_copies():
    valued = value_clip(clip(Medium.PRESS, page_fraction=0.5), LVDN)
    # AVE: 0.5 page × 18 000 € (La Voix du Nord's 2024 page price) = 9 000 €.
    assert valued.ave_eur == 9000.0
    assert valued.ave_breakdown["formula"] == "0.5 page × 18 000 € (page, 2024) = 9 000 €"
    assert valued.ave_breakdown["rule"] == "print_page_fraction"
    # Reach: 199 604 copies × 5.3 readers per copy = 1 057 901.2 → 1 057 901 readers.
    assert valued.reach == 1_057_901
    assert valued.reach_breakdown["rule"] == "print_circulation_x_readers"
    assert "readers per copy" in valued.reach_breakdown["definition"]


def test_estimated_flags_of_the_registry_are_carried_into_the_breakdown():
    valued = value_clip(clip(Medium.PRESS, page_fraction=0.5), LVDN)
    ave_inputs = inputs(valued.ave_breakdown)
    # La Voix du Nord: audience=FOUND(2020);rate=ESTIMATED.
    assert ave_inputs["page price"]["estimated"] is True
    assert "ESTIMATED" in ave_inputs["page price"]["source"]
    assert ave_inputs["page fraction"]["estimated"] is False
    assert valued.ave_breakdown["estimated"] is True
    reach_inputs = valued.reach_breakdown["inputs"]
    assert reach_inputs[0]["estimated"] is False  # the 2020 circulation is FOUND
    assert reach_inputs[0]["source"].endswith("(2020)")
    assert reach_inputs[1]["name"] == "readers per copy" and reach_inputs[1]["estimated"]
    # Le Monde: rate FOUND (2012) and audience FOUND; readers per copy is a derived ratio.
    monde = value_clip(clip(Medium.PRESS, page_fraction=0.25), REGISTRY["Le Monde"])
    assert inputs(monde.ave_breakdown)["page price"]["estimated"] is False
    assert monde.ave_breakdown["estimated"] is False


def test_print_surface_uses_the_price_per_cm2_when_the_outlet_has_one():
    outlet = Outlet(
        name="L'Écho du Bassin",
        medium=Medium.PRESS,
        audience=10_000,
        audience_unit="copies/issue",
        rate_cards=[
            RateCard(kind=RateKind.PAGE, price_eur=9000, year=2024, valid_from=date(2024, 1, 1)),
            RateCard(kind=RateKind.CM2, price_eur=12, year=2024, valid_from=date(2024, 1, 1)),
        ],
    )
    valued = value_clip(clip(Medium.PRESS, surface_cm2=150, page_fraction=0.25), outlet)
    # 150 cm² × 12 €/cm² = 1 800 € (a price per cm² is more direct than a page fraction).
    assert valued.ave_eur == 1800.0
    assert valued.ave_breakdown["formula"] == "150 cm² × 12 €/cm² (cm2, 2024) = 1 800 €"
    # Circulation without readers per copy: one contact per copy, said so.
    assert valued.reach == 10_000
    assert valued.reach_breakdown["rule"] == "print_circulation"
    assert any("undercounts" in w for w in valued.reach_breakdown["warnings"])


def test_print_surface_without_price_per_cm2_becomes_a_page_fraction():
    valued = value_clip(clip(Medium.PRESS, surface_cm2=448.5), LVDN)
    # 448.5 cm² ÷ 897 cm² per page = 0.5 page × 18 000 € = 9 000 €.
    assert valued.ave_eur == 9000.0
    assert valued.ave_breakdown["rule"] == "print_surface_as_pages"
    assert inputs(valued.ave_breakdown)["printable page area"]["estimated"] is True
    assert valued.ave_breakdown["size"] == {"cm2": 448.5, "pages": 0.5}
    # A page of another size: 448.5 cm² ÷ 1 000 cm² = 0.4485 page × 18 000 € = 8 073 €.
    other = value_clip(
        clip(Medium.PRESS, surface_cm2=448.5), LVDN, ValuationRules(print_page_area_cm2=1000)
    )
    assert other.ave_eur == 8073.0


def test_a_clip_without_size_gets_no_ave_and_says_what_is_missing():
    paper = value_clip(clip(Medium.PRESS), LVDN)
    assert paper.ave_eur is None
    assert paper.ave_breakdown["missing"] == ["the clip's size: page fraction or surface in cm²"]
    assert paper.reach == 1_057_901  # the readers are known all the same
    passage = value_clip(clip(Medium.TV), REGISTRY["TF1 – JT 13H"])
    assert passage.ave_eur is None
    assert passage.ave_breakdown["missing"] == ["the passage's duration in seconds"]


def test_an_outlet_without_rate_card_gets_no_ave():
    outlet = Outlet(
        name="Le Petit Mineur",
        medium=Medium.PRESS,
        audience=900,
        audience_unit="copies/issue",
        rate_cards=[],
    )
    valued = value_clip(clip(Medium.PRESS, page_fraction=1), outlet)
    assert valued.ave_eur is None
    assert valued.ave_breakdown["missing"] == [
        "a page price (or a price per cm²) of Le Petit Mineur"
    ]
    nothing = value_clip(clip(Medium.PRESS, page_fraction=1), None)
    assert (nothing.reach, nothing.ave_eur) == (None, None)
    assert nothing.ave_breakdown["missing"] == ["the clip's outlet"]


# -- Broadcast ------------------------------------------------------------------------------


def test_tv_duration_over_30_seconds_times_the_spot_price():
    valued = value_clip(
        clip(Medium.TV, duration_s=95),
        REGISTRY["France 3 Hauts-de-France (ICI) – 19/20 regional edition"],
    )
    # 95 s ÷ 30 × 2 500 € = 7 916.666… → 7 916.67 €.
    assert valued.ave_eur == 7916.67
    assert valued.ave_breakdown["formula"] == "95 s ÷ 30 × 2 500 € (spot_30s, 2024) = 7 916.67 €"
    # Reach: the programme's average audience, 200 000 (an ESTIMATED regional share).
    assert valued.reach == 200_000
    assert valued.reach_breakdown["rule"] == "broadcast_programme"
    assert valued.reach_breakdown["estimated"] is True
    assert valued.ave_breakdown["size"] == {"seconds": 95}


def test_radio_passage_reach_is_a_share_of_the_daily_reach():
    ici_nord = REGISTRY["ICI Nord (ex-France Bleu Nord)"]
    valued = value_clip(clip(Medium.RADIO, duration_s=200), ici_nord)
    # 200 s ÷ 30 × 250 € = 1 666.666… → 1 666.67 €.
    assert valued.ave_eur == 1666.67
    # 261 700 daily listeners × 10 % = 26 170 (a passage is heard by about a tenth of them).
    assert valued.reach == 26_170
    assert valued.reach_breakdown["rule"] == "broadcast_daily_reach"
    assert inputs(valued.reach_breakdown)["share of the daily reach"]["estimated"] is True
    # The agencies' habit, the whole daily reach, is one setting away: 261 700 × 100 %.
    whole = value_clip(
        clip(Medium.RADIO, duration_s=200), ici_nord, ValuationRules(broadcast_reach_share=1.0)
    )
    assert whole.reach == 261_700


def test_weekly_channel_reach_is_spread_over_seven_days():
    valued = value_clip(clip(Medium.TV, duration_s=240), REGISTRY["BFM Grand Lille"])
    # 240 s ÷ 30 × 200 € = 1 600 €; 400 000 viewers a week ÷ 7 × 10 % = 5 714.28… → 5 714.
    assert valued.ave_eur == 1600.0
    assert valued.reach == 5714
    assert valued.reach_breakdown["rule"] == "broadcast_weekly_reach"


def test_an_audience_given_as_a_percentage_gives_no_reach():
    valued = value_clip(clip(Medium.RADIO, duration_s=60), REGISTRY["Delta FM"])
    assert valued.reach is None
    assert "30.3 % daily reach" in valued.reach_breakdown["missing"][0]
    assert valued.ave_eur == 160.0  # 60 s ÷ 30 × 80 €


# -- Web ------------------------------------------------------------------------------------


def test_web_views_are_a_share_of_monthly_visits_times_the_cpm():
    lille = REGISTRY["20 Minutes Lille"]
    valued = value_clip(clip(Medium.WEB), lille)
    # Views: 5 000 000 visits a month × 0.02 % = 1 000; AVE: 1 000 × 1 impression × 10 € ÷ 1 000.
    assert valued.reach == 1000
    assert valued.ave_eur == 10.0
    assert valued.ave_breakdown["formula"] == (
        "1 000 views × 1 impression/view × 10 € CPM (cpm, 2024) ÷ 1 000 = 10 €"
    )
    assert valued.reach_breakdown["formula"] == "5 000 000 visits/month × 0.02 % = 1 000 views"
    # Parameters: 0.05 % of the visits and 2 ad slots seen: 2 500 views × 2 × 10 € ÷ 1 000 = 50 €.
    rules = ValuationRules(web_article_share=0.0005, web_impressions_per_view=2)
    assert value_clip(clip(Medium.WEB), lille, rules).ave_eur == 50.0


def test_weekly_visits_are_turned_into_monthly_visits():
    valued = value_clip(clip(Medium.WEB), REGISTRY["20 Minutes (national site)"])
    # 29 816 000 visits a week × 4.33 = 129 103 280 a month × 0.02 % = 25 820.656 → 25 821 views;
    # 25 821 × 10 € ÷ 1 000 = 258.21 €.
    assert valued.reach == 25_821
    assert valued.ave_eur == 258.21
    assert inputs(valued.reach_breakdown)["weeks per month"]["value"] == 4.33


def test_a_web_outlet_without_visits_gets_neither_reach_nor_ave():
    valued = value_clip(clip(Medium.WEB), REGISTRY["Le Routard"])
    assert (valued.reach, valued.ave_eur) == (None, None)
    assert "guidebooks sold per year" in valued.reach_breakdown["missing"][0]
    assert valued.ave_breakdown["missing"] == [
        "estimated views of the article (a web audience of Le Routard)"
    ]


def test_partner_relays_are_valued_as_web_unless_their_outlet_says_otherwise():
    partner = Outlet(
        name="Pas-de-Calais Tourisme",
        medium=Medium.WEB,
        is_partner=True,
        audience=200_000,
        audience_unit="visits/month",
        rate_cards=[RateCard(kind=RateKind.CPM, price_eur=6, year=2024)],
    )
    relay = value_clip(clip(Medium.PARTNER), partner)
    # 200 000 × 0.02 % = 40 views; 40 × 6 € ÷ 1 000 = 0.24 €.
    assert (relay.reach, relay.ave_eur) == (40, 0.24)
    assert relay.ave_breakdown["medium"] == "web"
    assert relay.ave_breakdown["warnings"][0] == "partner relay valued as web"
    # A partner whose outlet is a newspaper: its relay in print is valued as print.
    printed = value_clip(clip(Medium.PARTNER, page_fraction=0.25), LVDN)
    assert printed.ave_eur == 4500.0  # 0.25 × 18 000 €
    assert printed.ave_breakdown["medium"] == "press"


# -- Rates, multiplier, override --------------------------------------------------------------


def dated_outlet(*cards: tuple[date, date | None, float]) -> Outlet:
    return Outlet(
        name="Radio Gohelle",
        medium=Medium.RADIO,
        audience=50_000,
        audience_unit="average listeners of the programme",
        rate_cards=[
            RateCard(kind=RateKind.SPOT_30S, price_eur=p, valid_from=f, valid_to=t, year=f.year)
            for f, t, p in cards
        ],
    )


def test_a_clip_is_valued_at_the_rate_valid_on_its_date():
    outlet = dated_outlet(
        (date(2020, 1, 1), date(2021, 12, 31), 100.0), (date(2022, 1, 1), None, 120.0)
    )
    assert rate_on(outlet, RateKind.SPOT_30S, date(2021, 6, 1)).price_eur == 100.0
    assert rate_on(outlet, RateKind.SPOT_30S, date(2022, 1, 1)).price_eur == 120.0
    assert rate_on(outlet, RateKind.PAGE, date(2022, 1, 1)) is None
    # 60 s ÷ 30 × 100 € in 2021; × 120 € in 2023.
    assert value_clip(clip(Medium.RADIO, date(2021, 6, 1), duration_s=60), outlet).ave_eur == 200.0
    later = value_clip(clip(Medium.RADIO, date(2023, 3, 1), duration_s=60), outlet)
    assert later.ave_eur == 240.0
    assert later.ave_breakdown["rate_fit"] == "covers" and not later.ave_breakdown["warnings"]
    # Before every card: the earliest one, said so.
    early = value_clip(clip(Medium.RADIO, date(2019, 3, 1), duration_s=60), outlet)
    assert early.ave_eur == 200.0 and early.ave_breakdown["rate_fit"] == "later"
    assert "the earliest known one (from 2020-01-01)" in early.ave_breakdown["warnings"][0]


def test_after_every_card_expired_the_most_recent_earlier_one_is_used_and_said():
    outlet = dated_outlet(
        (date(2018, 1, 1), date(2019, 12, 31), 80.0), (date(2020, 1, 1), date(2021, 12, 31), 90.0)
    )
    choice = choose_rate(outlet, RateKind.SPOT_30S, date(2023, 5, 1))
    assert (choice.card.price_eur, choice.fit) == (90.0, "earlier")
    valued = value_clip(clip(Medium.RADIO, date(2023, 5, 1), duration_s=30), outlet)
    assert valued.ave_eur == 90.0
    assert "most recent earlier one (valid to 2021-12-31)" in valued.ave_breakdown["warnings"][0]


def test_an_old_rate_is_flagged():
    valued = value_clip(
        clip(Medium.PRESS, date(2022, 4, 2), page_fraction=0.5), REGISTRY["Le Monde"]
    )
    assert valued.ave_eur == 57_500.0  # 0.5 × 115 000 € (2012 rate card, valid since 2012)
    assert valued.ave_breakdown["rate_old"] is True
    assert "dates from 2012, 10 years before the clip" in valued.ave_breakdown["warnings"][0]


def test_a_multiplier_is_applied_with_a_visible_warning():
    rules = ValuationRules(multiplier=1.5)
    valued = value_clip(clip(Medium.PRESS, page_fraction=0.5), LVDN, rules)
    # 0.5 × 18 000 € × 1.5 = 13 500 €.
    assert valued.ave_eur == 13_500.0
    assert valued.ave_breakdown["formula"].endswith("× 1.5 (multiplier) = 13 500 €")
    assert any("Barcelona" in w for w in valued.ave_breakdown["warnings"])
    assert rules.warnings and not ValuationRules().warnings
    with pytest.raises(ValueError):
        ValuationRules(multiplier=0)


def test_rules_come_from_the_settings_that_exist():
    settings = SimpleNamespace(ave_multiplier="2", web_article_share="0.0005")
    rules = ValuationRules.from_settings(settings)
    assert (rules.multiplier, rules.web_article_share) == (2.0, 0.0005)
    assert rules.weeks_per_month == 4.33  # no such setting: the default


def test_sizes_are_written_for_people():
    assert size_label(clip_size(clip(Medium.PRESS, page_fraction=0.5))) == "0.5 page"
    assert size_label(clip_size(clip(Medium.PRESS, surface_cm2=300))) == "300 cm² (0.334 page)"
    assert size_label(clip_size(clip(Medium.TV, duration_s=95))) == "1 min 35 s"
    assert size_label(clip_size(clip(Medium.WEB))) == ""


def test_an_override_wins_in_totals_and_keeps_its_reason(any_settings):
    engine, sessions = open_database(any_settings)
    with sessions.begin() as session:
        outlet = Outlet(
            name="La Voix du Nord",
            medium=Medium.PRESS,
            scope=Scope.REGIONAL,
            audience=199_604,
            audience_unit="copies/issue",
            rate_cards=[
                RateCard(
                    kind=RateKind.PAGE, price_eur=18_000, year=2024, valid_from=date(2024, 1, 1)
                )
            ],
        )
        campaign = Campaign(slug="j-ai-10-ans", name="J'ai 10 ans")
        for fraction in (0.5, 0.25):
            coverage = clip(Medium.PRESS, page_fraction=fraction)
            coverage.outlet, coverage.status = outlet, CoverageStatus.CONFIRMED
            coverage.title = f"Bassin minier {fraction}"
            coverage.campaign_links = [CoverageCampaign(campaign=campaign)]
            apply_valuation(session, coverage)
    with sessions.begin() as session:
        half = session.scalar(select(Coverage).where(Coverage.page_fraction == 0.5))
        with pytest.raises(ValueError):
            set_ave_override(half, 5000, "  ")
        set_ave_override(half, 5000, "local edition only: Lens page")
        apply_valuation(session, half)  # valuing again keeps the person's figure
    with sessions() as session:
        half = session.scalar(select(Coverage).where(Coverage.page_fraction == 0.5))
        assert (half.ave_eur, half.ave_override_eur) == (9000.0, 5000.0)
        assert half.ave_override_reason == "local edition only: Lens page"
        assert half.valued_at is not None
        report = campaign_report(session, session.scalar(select(Campaign.id)))
        # 5 000 € (override of the half page) + 0.25 × 18 000 € = 9 500 €.
        assert report["ave_eur"] == 9500.0
        assert report["valued"]["overridden"] == 1
        assert any("set by hand" in w for w in report["warnings"])
    engine.dispose()


def test_revalue_recomputes_stored_values_after_a_registry_edit(any_settings):
    engine, sessions = open_database(any_settings)
    with sessions.begin() as session:
        outlet = dated_outlet((date(2020, 1, 1), None, 100.0))
        coverage = clip(Medium.RADIO, duration_s=90)
        coverage.outlet = outlet
        apply_valuation(session, coverage)
    with sessions.begin() as session:
        stored = session.scalar(select(Coverage))
        assert stored.ave_eur == 300.0  # 90 s ÷ 30 × 100 €
        session.scalar(select(RateCard)).price_eur = 150.0
        assert revalue(session, ValuationRules()) == 1
    with sessions() as session:
        stored = session.scalar(select(Coverage))
        assert stored.ave_eur == 450.0  # 90 s ÷ 30 × 150 €
        assert stored.ave_breakdown["inputs"][1]["value"] == 150.0
    engine.dispose()
