"""The press trip of the reference annual report, as the agency logs it: 25 journalists invited,
17 present, 34 clips (16 print, 7 TV, 5 radio, 5 web, 1 partner relay). Every figure of the
trip's report is checked against a value computed here by hand, clip by clip, from the hand
computation of the campaign report (``tests/test_report.py``: registry audiences and rates).

The 17 journalists present: the 13 print journalists who signed the print clips, a France 3
reporter (both regional editions), a TF1 reporter, an ICI Nord reporter and the 20 Minutes Lille
journalist. Their outlets and names point the tool at 23 clips; the agency attributes the 11
others (Wéo, BFM, RTL, Europe 1, France Inter, web sites, the partner relay) by hand.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from models import (
    ActionContact,
    ActionKind,
    AttributionState,
    Campaign,
    Contact,
    ContactOutlet,
    Coverage,
    CoverageAction,
    CoverageStatus,
    PressAction,
)
from models.action_report import action_report
from models.attribution import set_attribution, suggest_for_action, text_reuse
from tests.test_report import (
    BROADCAST,
    LVDN_READERS,
    POSITIVE,
    PRINT,
    TOTAL_AVE,
    TOTAL_REACH,
    WEB,
    WITH_MESSAGE,
)
from tests.test_report import press_trip as press_trip_fixture  # noqa: F401  (the fixture)

# name -> the title of one of their clips (their outlet is that clip's outlet)
PRESENT = {
    "Claire Dufour": "Dix ans après l'Unesco, le Bassin minier a changé de regard",
    "Marc Leroy": "Loos-en-Gohelle : les terrils jumeaux, nouveaux sommets du tourisme",
    "Sophie Martel": None,
    "Julien Caron": None,
    "Anne Leclerc": None,
    "Pierre Morel": None,
    "Hélène Girard": None,
    "Paul Denis": None,
    "Luc Vasseur": None,
    "Camille Roux": None,
    "Isabelle Faure": None,
    "Nathalie Blanc": None,
    "Jean Lefebvre": None,
    "Reporter France 3": "Dix ans de patrimoine mondial pour le Bassin minier",
    "Reporter TF1": "Un week-end dans le Bassin minier",
    "Reporter ICI Nord": "Les terrils, nouveaux sommets du tourisme",
    "Mikaël Libert": None,
}
INVITED_ABSENT = 8  # 25 invited, 17 present
TRIP_COST = 12_000.0
LATE = datetime(2022, 5, 1, tzinfo=UTC)
BY_HAND = 11  # clips of outlets no journalist present works for


def _ave(rows, *labels):
    return round(sum(ave for label, _r, ave in rows if label in labels), 2)


def _reach(rows, *labels):
    return sum(reach for label, reach, _a in rows if label in labels)


@pytest.fixture
def trip(press_trip_fixture):  # noqa: F811  (the fixture imported above)
    _settings, sessions = press_trip_fixture
    with sessions.begin() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.slug == "voyage-de-presse-2022"))
        clips = list(session.scalars(select(Coverage)))
        by_title = {c.title: c for c in clips}
        by_author = {c.author: c for c in clips if c.author}
        action = PressAction(
            kind=ActionKind.PRESS_TRIP,
            title="Voyage de presse : le Bassin minier, dix ans après",
            day=date(2022, 3, 15),
            end_day=date(2022, 3, 16),
            window_days=30,
            campaign=campaign,
            cost_eur=TRIP_COST,
        )
        session.add(action)
        for name, title in PRESENT.items():
            first, _, last = name.partition(" ")
            clip = by_title[title] if title else by_author[name]
            contact = Contact(first_name=first, last_name=last, data_source="voyage de presse")
            contact.outlet_links = [ContactOutlet(outlet=clip.outlet)]
            if name == "Reporter France 3":  # covers both regional editions
                twelve = by_title["Des journalistes à la découverte du Bassin minier"].outlet
                contact.outlet_links.append(ContactOutlet(outlet=twelve))
            if name == "Reporter ICI Nord":
                other = by_title["Le 9-9bis d'Oignies fête la musique et la mine"].outlet
                if other.id != clip.outlet.id:
                    contact.outlet_links.append(ContactOutlet(outlet=other))
            action.people.append(ActionContact(contact=contact, invited=True, attended=True))
        for i in range(INVITED_ABSENT):
            absent = Contact(first_name="Invité", last_name=f"absent {i}", data_source="fichier")
            action.people.append(ActionContact(contact=absent, invited=True))
        # A clip of a journalist present, but two months later: outside the trip's window.
        late = Coverage(
            manual_key="late",
            title="Le Bassin minier, deux mois plus tard",
            author="Claire Dufour",
            outlet=by_author["Claire Dufour"].outlet,
            medium=by_author["Claire Dufour"].medium,
            published_at=datetime(2022, 5, 20, 8, tzinfo=UTC),
            status=CoverageStatus.CONFIRMED,
        )
        session.add(late)
    return sessions


def test_suggestions_point_at_the_clips_of_the_journalists_present(trip):
    with trip.begin() as session:
        action = session.scalar(select(PressAction))
        found = suggest_for_action(session, action)
        assert len(found) == 34 - BY_HAND  # 23; the late clip is outside the window
        assert all(a.state == AttributionState.SUGGESTED for a in found)
        titles = {a.coverage.title for a in found}
        assert "Le Bassin minier, deux mois plus tard" not in titles
        dufour = next(a for a in found if a.coverage.author == "Claire Dufour")
        kinds = [r["kind"] for r in dufour.reasons]
        assert kinds == ["window", "outlet", "author"] and dufour.reasons[0]["detail"] == 2
        # Searching again refreshes, never duplicates nor undoes a decision.
        set_attribution(session, dufour.coverage_id, action.id, "rejected", None)
        assert len(suggest_for_action(session, action)) == 23
        assert session.get(CoverageAction, (dufour.coverage_id, action.id)).state == "rejected"


def test_the_trip_report_matches_the_hand_computation(trip):
    with trip.begin() as session:
        action = session.scalar(select(PressAction))
        for attribution in suggest_for_action(session, action):
            set_attribution(session, attribution.coverage_id, action.id, "confirmed", None)
        attributed = {a.coverage_id for a in action.attributions}
        for clip in session.scalars(select(Coverage).where(Coverage.published_at < LATE)):
            if clip.id not in attributed:  # the 11 the agency attributes by hand
                set_attribution(session, clip.id, action.id, "confirmed", None)
    with trip() as session:
        report = action_report(session, [session.scalar(select(PressAction.id))])

    assert report["people"] == {"recipients": 0, "invitees": 25, "attendees": 17}
    assert report["total"] == 34
    assert report["by_medium"] == {"press": 16, "tv": 7, "radio": 5, "web": 5, "partner": 1}
    assert report["reach"] == TOTAL_REACH == 19_837_072
    assert report["ave_eur"] == TOTAL_AVE == 399_047.74
    assert report["cost_per_clip"] == round(TRIP_COST / 34, 2) == 352.94
    assert report["message_penetration"]["clips_with_message"] == WITH_MESSAGE == 19
    assert report["tone_index"] == round((POSITIVE - 1) / 33, 4)  # 1 negative, 33 of known tone

    journalists = {row["name"]: row for row in report["by_journalist"]}
    assert len(journalists) == 25
    assert sum(1 for row in journalists.values() if row["attended"]) == 17
    lvdn = ("La Voix du Nord, 1/2 page", "La Voix du Nord, 1/4 page")
    assert journalists["Marc Leroy"] == journalists["Marc Leroy"] | {
        "clips": 2,
        "reach": 2 * LVDN_READERS,
        "ave_eur": _ave(PRINT, *lvdn),  # 13 500
    }
    assert (journalists["Claire Dufour"]["clips"], journalists["Claire Dufour"]["ave_eur"]) == (
        1,
        18_000,
    )
    france3 = ("France 3 19/20, 95 s", "France 3 12/13, 2:00", "France 3 19/20, 150 s")
    assert journalists["Reporter France 3"]["clips"] == 3
    assert journalists["Reporter France 3"]["reach"] == _reach(BROADCAST, *france3)  # 480 000
    assert journalists["Reporter France 3"]["ave_eur"] == _ave(BROADCAST, *france3)  # 24 416.67
    assert journalists["Mikaël Libert"] | {} == journalists["Mikaël Libert"] | {
        "clips": 1,
        "reach": _reach(WEB, "20 Minutes Lille"),
        "ave_eur": _ave(WEB, "20 Minutes Lille"),
    }
    assert journalists["Invité absent 0"]["clips"] == 0
    # The journalists present account for the 23 clips the tool suggested.
    assert sum(row["clips"] for row in journalists.values()) == 23

    outlets = {row["name"]: row for row in report["by_outlet"]}
    assert outlets["La Voix du Nord"]["clips"] == 4
    assert outlets["La Voix du Nord"]["ave_eur"] == _ave(
        PRINT,
        "La Voix du Nord, 1 page",
        *lvdn,
        "La Voix du Nord, 300 cm²",
    )  # 37 520.07
    assert sum(row["clips"] for row in outlets.values()) == 34
    assert report["by_outlet"][0]["name"] == "La Voix du Nord"  # most clips first


RELEASE = """Le Bassin minier du Nord-Pas-de-Calais fête les dix ans de son inscription au
patrimoine mondial de l'Unesco. Trois cent cinquante-trois éléments répartis sur quatre-vingt-sept
communes composent ce paysage culturel évolutif et vivant. Un programme de plus de cent
événements est proposé aux habitants et aux visiteurs tout au long de l'année. Les terrils
jumeaux de Loos-en-Gohelle accueillent un nouveau sentier de randonnée ouvert à tous les publics.
Contact presse."""


def test_a_clip_that_reprints_the_release_is_a_reprise_with_the_share_reused():
    sentences = RELEASE.replace("\n", " ").split(". ")
    reprint = (
        "Lens. "
        + ". ".join(sentences[:3])
        + ". Le maire s'en félicite et annonce d'autres projets pour la commune dans les années."
    )
    reuse = text_reuse(RELEASE, reprint)
    assert (reuse.sentences, reuse.taken) == (4, 3)  # "Contact presse." is too short to count
    assert reuse.share == 0.75 and reuse.reprise
    other = text_reuse(RELEASE, "Un article sur le football à Lens, sans rapport avec le reste.")
    assert other.taken == 0 and not other.reprise
