"""`retombees report`: the press trip of the reference user, imported, valued and totalled.

``tests/fixtures/imports/voyage-presse-34.csv`` models the March 2022 press trip of the
reference annual report (17 journalists, 34 clips): 16 print articles, 7 TV and 5 radio
passages, 5 web articles and 1 partner relay, in outlets of the shipped registry. The expected
totals are computed below by hand, clip by clip, from the registry figures
(``models/data/outlets-fr.csv``): this is the documentation of the method. They differ from the
report's 92 075 € and 41 224 169 contacts: its media list, sizes and rates are not ours.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli.report import report_command
from models import Campaign, Coverage, KeyMessage, Tone
from models.bootstrap import bootstrap
from models.db import open_database
from models.importer import import_rows
from models.registry import seed_outlets
from models.reports import campaign_report
from models.valuation import ValuationRules, revalue
from tests.conftest import FIXTURES

PRESS_TRIP = FIXTURES / "imports" / "voyage-presse-34.csv"
HERITAGE, TOURISM = "Patrimoine mondial", "Destination touristique"

# -- The hand computation -------------------------------------------------------------------
# Print. AVE = page fraction × page price (2024 rate cards; Le Monde 2012). Reach = copies per
# issue × readers per copy where the research notes give one, else copies.
LVDN_READERS = round(199_604 * 5.3)  # = 1 057 901
PRINT = [  # (outlet, reach, AVE in €)
    ("La Voix du Nord, 1 page", LVDN_READERS, 1 * 18_000),  # 18 000
    ("La Voix du Nord, 1/2 page", LVDN_READERS, 0.5 * 18_000),  # 9 000
    ("La Voix du Nord, 1/4 page", LVDN_READERS, 0.25 * 18_000),  # 4 500
    # 300 cm² on a 897 cm² page (no price per cm² known): 300 ÷ 897 × 18 000 = 6 020.07
    ("La Voix du Nord, 300 cm²", LVDN_READERS, round(300 / 897 * 18_000, 2)),
    ("Nord Éclair, 1/2 page", 13_901, 0.5 * 2_500),  # 1 250
    ("Nord Éclair, 25 %", 13_901, 0.25 * 2_500),  # 625
    ("Courrier picard, 1/2 page", 38_000, 0.5 * 6_000),  # 3 000
    ("Courrier picard, 1/3 page", 38_000, round(6_000 / 3, 2)),  # 2 000
    ("Le Parisien, 1/4 page", 260_194, 0.25 * 60_000),  # 15 000
    ("Le Monde, 1/2 page", 549_514 * 9, 0.5 * 115_000),  # 4 945 626 readers; 57 500
    ("L'Avenir de l'Artois, 1 page", 12_000, 1 * 1_500),  # 1 500
    ("L'Observateur du Douaisis, 1/2 page", 8_000, 0.5 * 1_200),  # 600
    ("Libération, 1/2 page", 116_282, 0.5 * 35_000),  # 17 500
    ("Le Figaro, 1/4 page", 379_335 * 6, 0.25 * 100_000),  # 2 276 010 readers; 25 000
    ("Connaissance des Arts, 1 page", 45_000, 1 * 9_000),  # 9 000
    ("Croix du Nord, size not given", 5_000, 0),  # no AVE: its size is missing
]
# TV and radio. AVE = seconds ÷ 30 × price of a 30-second spot. Reach = the programme's
# average audience; for a channel's or station's daily reach, 10 % of it (weekly ÷ 7 first).
BROADCAST = [
    ("France 3 19/20, 95 s", 200_000, round(95 / 30 * 2_500, 2)),  # 7 916.67
    ("France 3 12/13, 2:00", 80_000, 120 / 30 * 1_000),  # 4 000
    ("France 3 19/20, 150 s", 200_000, 150 / 30 * 2_500),  # 12 500
    ("TF1 JT 13H, 120 s", 4_490_000, 120 / 30 * 40_000),  # 160 000
    ("BFM Grand Lille, 4:00", round(400_000 / 7 * 0.10), 240 / 30 * 200),  # 5 714; 1 600
    ("Wéo, 300 s", round(106_300 * 0.10), 300 / 30 * 150),  # 10 630; 1 500
    ("BFM TV, 60 s", round(12_600_000 * 0.10), 60 / 30 * 2_500),  # 1 260 000; 5 000
    ("ICI Nord, 3:20", round(261_700 * 0.10), round(200 / 30 * 250, 2)),  # 26 170; 1 666.67
    ("ICI Nord, 90 s", round(261_700 * 0.10), 90 / 30 * 250),  # 26 170; 750
    ("France Inter, 120 s", round(7_477_000 * 0.10), 120 / 30 * 5_000),  # 747 700; 20 000
    ("RTL, 60 s", round(4_900_000 * 0.10), 60 / 30 * 4_000),  # 490 000; 8 000
    ("Europe 1, 90 s", round(2_700_000 * 0.10), 90 / 30 * 1_800),  # 270 000; 5 400
]
# Web. Views = monthly visits × 0.02 %; AVE = views × 1 impression × CPM ÷ 1 000.
WEB = [
    ("20 Minutes Lille", round(5_000_000 * 0.0002), 1_000 * 10 / 1_000),  # 1 000 views; 10
    ("actu.fr", round(127_800_000 * 0.0002), 25_560 * 8 / 1_000),  # 25 560 views; 204.48
    ("Lille actu", round(3_000_000 * 0.0002), 600 * 8 / 1_000),  # 600 views; 4.80
    ("Va-infos (unique visitors)", round(50_000 * 0.0002), 10 * 5 / 1_000),  # 10 views; 0.05
    ("Le Routard: guidebooks sold, no visits", 0, 0),  # neither reach nor AVE
    ("Pas-de-Calais Tourisme (partner, new)", 0, 0),  # no audience in the registry
]
ALL = PRINT + BROADCAST + WEB
TOTAL_REACH = sum(reach for _, reach, _ in ALL)
TOTAL_AVE = round(sum(ave for _, _, ave in ALL), 2)
# Reach resting on no ESTIMATED figure: Nord Éclair, Le Parisien, Libération, Connaissance des
# Arts (FOUND circulations) and TF1 (FOUND programme audience).
FOUND_REACH = 2 * 13_901 + 260_194 + 116_282 + 45_000 + 4_490_000
# AVE resting on no ESTIMATED figure: Le Monde's FOUND 2012 page price only.
FOUND_AVE = 57_500

# What the press officer validated in the review (an import carries no analysis): the key
# message of each clip, found in its title, and its tone.
MESSAGES = {
    HERITAGE: [
        "Dix ans après l'Unesco, le Bassin minier a changé de regard",
        "Le Bassin minier fête ses dix ans au patrimoine mondial",  # Nord Éclair and the partner
        "J'ai dix ans : le Bassin minier au patrimoine mondial",
        "Dix ans de patrimoine mondial pour le Bassin minier",
        "Le Bassin minier, dix ans au patrimoine mondial",
        "Le Bassin minier, un patrimoine mondial vivant",
        "Dix ans d'Unesco pour le Bassin minier",
        "Le Bassin minier et le Louvre-Lens au patrimoine mondial",
        "Bassin minier : dix ans au patrimoine mondial de l'Unesco",
        "Pas-de-Calais : le Bassin minier célèbre ses dix ans au patrimoine mondial",
        "Valenciennois : Wallers-Arenberg, site du patrimoine mondial",
    ],
    TOURISM: [
        "Loos-en-Gohelle : les terrils jumeaux, nouveaux sommets du tourisme",
        "Le Bassin minier, destination de week-end",
        "Un week-end dans le Bassin minier",
        "Vacances Hauts-de-France : un été dans le Bassin minier",
        "Les terrils, nouveaux sommets du tourisme",
        "Week-end : cinq idées de sorties dans le Bassin minier",
        "Bassin minier du Nord-Pas-de-Calais : que voir, que faire ?",
    ],
}
NEUTRAL = [
    "Oignies : le 9-9bis, de la mine à la musique",
    "Wallers-Arenberg, la mine devenue image",
    "Lewarde, la mémoire de la mine",
    "Dans le Nord, les terrils se racontent",
    "Douai et le Bassin minier, dix ans de reconnaissance",
    "Sainte-Barbe et les mineurs : une mémoire vivante",
]
NEGATIVE = ["Oignies, le 9-9bis raconté par les anciens mineurs"]
# Heritage: 11 titles, one of them twice (Nord Éclair and the partner) = 12 clips; tourism: 7.
WITH_MESSAGE = 12 + 7  # 19 clips of 34
# Tone: the partner relay was not reviewed (unknown); 6 neutral, 1 negative, 26 positive.
POSITIVE = 34 - 1 - len(NEUTRAL) - len(NEGATIVE)


def test_the_hand_computation_adds_up():
    assert len(ALL) == 34
    assert TOTAL_REACH == 19_837_072
    assert TOTAL_AVE == 399_047.74


@pytest.fixture
def press_trip(any_settings):
    """The registry, the umbrella campaign and its press trip, the 34 clips imported."""
    engine, sessions = open_database(any_settings)
    with sessions.begin() as session:
        bootstrap(session, any_settings)
        seed_outlets(session)
        umbrella = Campaign(
            slug="j-ai-10-ans",
            name="J'ai 10 ans",
            query='"bassin minier"',
            key_messages=[KeyMessage(label=HERITAGE), KeyMessage(label=TOURISM)],
        )
        session.add(
            Campaign(slug="voyage-de-presse-2022", name="Voyage de presse 2022", parent=umbrella)
        )
    with sessions.begin() as session:
        imported = import_rows(session, PRESS_TRIP)
    assert imported.count("imported") == 34 and imported.new_outlets == ["Pas-de-Calais Tourisme"]
    with sessions.begin() as session:
        for clip in session.scalars(select(Coverage)):
            labels = [label for label, titles in MESSAGES.items() if clip.title in titles]
            # The sentence carrying the message is the title: valuation places it there.
            clip.key_messages = [{"label": label, "sentence": clip.title} for label in labels]
            if clip.outlet.name != "Pas-de-Calais Tourisme":
                clip.tone = (
                    Tone.NEUTRAL
                    if clip.title in NEUTRAL
                    else Tone.NEGATIVE
                    if clip.title in NEGATIVE
                    else Tone.POSITIVE
                )
        umbrella_id = session.scalar(select(Campaign.id).where(Campaign.slug == "j-ai-10-ans"))
        assert revalue(session, ValuationRules(), umbrella_id) == 34
    yield any_settings, sessions
    engine.dispose()


def run(settings, *args: str):
    return CliRunner().invoke(report_command, list(args), env=settings.to_env())


def test_report_json_gives_the_hand_computed_totals(press_trip):
    settings, sessions = press_trip
    result = run(settings, "--campaign", "j-ai-10-ans", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["total"] == 34
    assert report["by_medium"] == {"press": 16, "tv": 7, "radio": 5, "web": 5, "partner": 1}
    assert report["reach"] == TOTAL_REACH == 19_837_072
    assert report["ave_eur"] == TOTAL_AVE == 399_047.74
    assert "not deduplicated" in report["reach_note"]
    assert "not the value of communication" in report["ave_note"]
    media = report["value_by_medium"]
    assert media["press"] == {
        "total": 16,
        "reach": sum(r for _, r, _ in PRINT),  # 12 003 518
        "ave_eur": round(sum(a for _, _, a in PRINT), 2),  # 170 495.07
    }
    assert media["tv"]["ave_eur"] == round(sum(a for _, _, a in BROADCAST[:7]), 2)  # 192 516.67
    assert media["radio"]["reach"] == sum(r for _, r, _ in BROADCAST[7:])  # 1 560 040
    assert media["web"]["ave_eur"] == 219.33  # 10 + 204.48 + 4.80 + 0.05
    # 16 - 1 print clips sized: 1 + 0.5 + 0.25 + 300/897 + 0.5 + 0.25 + 0.5 + 1/3 + 0.25 + 0.5
    # + 1 + 0.5 + 0.5 + 0.25 + 1 = 7.668 pages; TV 95 + 120 + 150 + 120 + 240 + 300 + 60 s.
    assert report["size"] == {
        "press_pages": 7.668,
        "press_cm2": 300.0,
        "tv_seconds": 1085,
        "radio_seconds": 200 + 90 + 120 + 60 + 90,
    }
    assert report["valued"] == {"reach": 32, "ave": 31, "overridden": 0}
    assert report["estimated_share"] == {
        "reach": round((TOTAL_REACH - FOUND_REACH) / TOTAL_REACH, 4),  # 0.751
        "ave": round((TOTAL_AVE - FOUND_AVE) / TOTAL_AVE, 4),  # 0.8559
    }
    assert report["warnings"] == [
        "3 clips without AVE (size, rate or audience missing: see each clip's breakdown)",
        "2 clips without reach (no usable audience figure)",
        # 2022 clips valued at the 2024 (Wéo: 2025) rate cards, the earliest known.
        "30 clips valued at a rate dated after them (the earliest known)",
        "1 clip valued at a rate 5 or more years older than the clip",  # Le Monde, 2012
    ]


def test_report_json_gives_months_scopes_and_amec_metrics(press_trip):
    settings, _sessions = press_trip
    report = json.loads(run(settings, "--campaign", "j-ai-10-ans", "--json").stdout)
    # April: Le Monde, Le Figaro, Connaissance des Arts, BFM TV, Europe 1, Le Routard.
    april_reach = 549_514 * 9 + 379_335 * 6 + 45_000 + 1_260_000 + 270_000  # 8 796 636
    april_ave = 57_500 + 25_000 + 9_000 + 5_000 + 5_400  # 101 900
    assert report["by_month"] == {
        "2022-03": {
            "total": 28,
            "reach": TOTAL_REACH - april_reach,
            "ave_eur": round(TOTAL_AVE - april_ave, 2),
        },
        "2022-04": {"total": 6, "reach": april_reach, "ave_eur": april_ave},
    }
    scopes = {scope: values["total"] for scope, values in report["by_scope"].items()}
    assert scopes == {"local": 9, "national": 10, "regional": 12, "specialised": 2, "unknown": 1}
    # Local: Nord Éclair ×2, L'Avenir de l'Artois, L'Observateur, Croix du Nord, BFM Grand
    # Lille, 20 Minutes Lille, Lille actu, Va-infos.
    assert report["by_scope"]["local"]["reach"] == 2 * 13_901 + 12_000 + 8_000 + 5_000 + 5_714 + (
        1_000 + 600 + 10
    )
    penetration = report["message_penetration"]
    assert penetration["any"] == round(WITH_MESSAGE / 34, 4)  # 19 / 34 = 0.5588
    assert penetration["by_message"] == {
        HERITAGE: {"clips": 12, "share": round(12 / 34, 4)},
        TOURISM: {"clips": 7, "share": round(7 / 34, 4)},
    }
    # (26 positive - 1 negative) / 33 clips with a tone = 0.7576.
    assert report["tone_index"] == round((POSITIVE - 1) / 33, 4)
    assert report["tone"] == {"positive": 26, "neutral": 6, "negative": 1, "unknown": 1}
    # The 19 clips carrying a message name it in the title: 18 positive (1.0 × 1.0) and the
    # partner, tone unknown, counted neutral (1.0 × 0.5): (18 + 0.5) / 19 = 0.9737.
    assert report["prominence"]["title"] == 19 and report["prominence"]["unknown"] == 15
    assert report["prominence"]["score"] == round(18.5 / 19, 4)


def test_cli_and_query_function_give_the_same_report(press_trip):
    settings, sessions = press_trip
    printed = json.loads(run(settings, "--campaign", "j-ai-10-ans", "--json").stdout)
    with sessions() as session:
        umbrella = session.scalar(select(Campaign.id).where(Campaign.slug == "j-ai-10-ans"))
        child = session.scalar(select(Campaign.id).where(Campaign.slug != "j-ai-10-ans"))
        computed = campaign_report(session, umbrella)
        of_child = campaign_report(session, child)
    assert printed == json.loads(json.dumps(computed))
    # Every clip was imported into the press trip: the umbrella counts them once.
    assert (of_child["total"], of_child["reach"], of_child["ave_eur"]) == (
        34,
        TOTAL_REACH,
        TOTAL_AVE,
    )


def test_report_filters_by_period_and_status(press_trip):
    settings, _sessions = press_trip
    april = json.loads(
        run(
            settings,
            "--campaign",
            "j-ai-10-ans",
            "--from",
            "2022-04-01",
            "--to",
            "2022-04-30",
            "--json",
        ).stdout
    )
    assert (april["total"], april["ave_eur"]) == (6, 101_900.0)
    assert april["filters"] == {
        "campaign": "j-ai-10-ans",
        "from": "2022-04-01",
        "to": "2022-04-30",
        "status": "confirmed",
    }
    new = json.loads(run(settings, "--status", "new", "--json").stdout)
    assert new["total"] == 0 and new["tone_index"] is None
    everything = json.loads(run(settings, "--status", "all", "--json").stdout)
    assert everything["total"] == 34


def test_report_prints_a_table_without_json(press_trip):
    settings, _sessions = press_trip
    result = run(settings, "--campaign", "j-ai-10-ans")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Coverage (confirmed, campaign j-ai-10-ans, … to …): 34 clips"
    assert "total          34     19 837 072      399 047.74" in lines
    assert any(line.startswith("Reach: potential contacts, not deduplicated") for line in lines)
    assert "Tone index: +0.76 (26 positive, 6 neutral, 1 negative, 1 unknown)" in lines


def test_an_unknown_campaign_is_a_clear_error(press_trip):
    settings, _sessions = press_trip
    result = run(settings, "--campaign", "nope", "--json")
    assert result.exit_code == 1
    assert "No campaign has the slug 'nope'." in result.output
    assert run(settings, "--benchmark", "j-ai-10-ans").exit_code == 2
