"""Press actions as the agency uses them: logging a release and a press trip with the contacts
they reached, follow-ups, clips suggested and confirmed (also from the review inbox), the
report of one action or several, and who may do what."""

import re
from datetime import UTC, date, datetime

import pytest
from flask_babel import format_decimal, format_percent
from sqlalchemy import event, select

from models import (
    ActionContact,
    ActionKind,
    AttributionState,
    Campaign,
    Contact,
    ContactOutlet,
    Coverage,
    CoverageAction,
    CoverageEvent,
    CoverageStatus,
    FollowUp,
    Medium,
    Outlet,
    PressAction,
)
from tests.conftest import csrf_token


@pytest.fixture
def settings(any_settings):
    """Every test runs on SQLite, then on PostgreSQL when one is configured."""
    return any_settings


RELEASE = (
    "La Mission Bassin Minier fête les dix ans de l'inscription au patrimoine mondial de "
    "l'UNESCO avec un programme de rencontres dans les cités minières. "
    "Les habitants des cités sont invités à raconter leur histoire aux visiteurs du "
    "week-end des terrils et des chevalements ouverts au public. "
    "Le programme complet des festivités est disponible auprès du service de presse."
)


def english(client):
    """Read the pages in English (the source language), whatever the catalogue says."""
    client.get("/login?lang=en")
    return client


def formatted(app, function, *args):
    """A value as the pages format it (English, as :func:`english` reads them)."""
    with app.test_request_context("/?lang=en"):
        return function(*args)


def euros(app, value):
    return formatted(app, lambda v: app.jinja_env.filters["euros"](v), value)


def seed_press_file(app):
    """Two outlets, a campaign and three contacts: Léa (La Voix du Nord, regional), Marc
    (France 3, regional) and Inès (freelance, national)."""
    with app.extensions["retombees_sessions"].begin() as session:
        voix = Outlet(name="La Voix du Nord", medium=Medium.PRESS)
        france3 = Outlet(name="France 3 Hauts-de-France", medium=Medium.TV)
        session.add(Campaign(slug="dix-ans", name="J'ai 10 ans", query='"bassin minier"'))
        people = [
            ("Léa", "Martin", voix, ["regional"]),
            ("Marc", "Durand", france3, ["regional"]),
            ("Inès", "Petit", None, ["national", "freelance"]),
        ]
        for first, last, outlet, segments in people:
            contact = Contact(first_name=first, last_name=last, segments=segments)
            if outlet is not None:
                contact.outlet_links.append(ContactOutlet(outlet=outlet))
            session.add(contact)


def contact_id(app, last_name):
    with app.extensions["retombees_sessions"]() as session:
        return session.scalar(select(Contact.id).where(Contact.last_name == last_name))


def action_in_db(app, title):
    with app.extensions["retombees_sessions"]() as session:
        action = session.scalar(select(PressAction).where(PressAction.title == title))
        roles = {
            p.contact.last_name: {r for r in ("recipient", "invited", "attended") if getattr(p, r)}
            for p in action.people
        }
        return action.id, action.kind, action.cost_eur, action.end_day, roles


def add_clip(session, title, outlet_name, day, **values):
    outlet = session.scalar(select(Outlet).where(Outlet.name == outlet_name))
    clip = Coverage(
        url=f"https://example.fr/{abs(hash(title))}",
        title=title,
        outlet=outlet,
        medium=outlet.medium if outlet else Medium.WEB,
        published_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
        status=values.pop("status", CoverageStatus.CONFIRMED),
        **values,
    )
    session.add(clip)
    return clip


# -- Logging actions through the forms ------------------------------------------------------


def test_a_release_with_recipients_and_a_whole_segment(app, agency_client):
    seed_press_file(app)
    client = english(agency_client)
    token = csrf_token(client, "/actions/new")
    page = client.get("/actions/new").get_data(as_text=True)
    assert "Martin" in page and "La Voix du Nord" in page  # the contacts to tick
    response = client.post(
        "/actions/new",
        data={
            "csrf_token": token,
            "kind": "release",
            "title": "Communiqué : le double anniversaire",
            "day": "2022-06-30",
            "window_days": "30",
            "campaign": "0",
            "document_text": RELEASE,
            "cost": "1 200,50",
            "segment": "national",  # adds Inès
            "recipient": [str(contact_id(app, "Martin"))],
        },
    )
    assert response.status_code == 302
    action_id, kind, cost, _end, roles = action_in_db(app, "Communiqué : le double anniversaire")
    assert response.headers["Location"].endswith(f"/actions/{action_id}")
    assert kind == ActionKind.RELEASE and cost == 1200.5
    assert roles == {"Martin": {"recipient"}, "Petit": {"recipient"}}

    shown = client.get(f"/actions/{action_id}").get_data(as_text=True)
    people = shown[shown.index('id="people"') : shown.index('id="clips"')]
    assert "Léa Martin" in people and "Inès Petit" in people and "Marc Durand" not in people
    assert f'href="/contacts/{contact_id(app, "Martin")}"' in people  # the press-file page
    listing = client.get("/actions/").get_data(as_text=True)
    row = re.search(rf'<tr id="action-{action_id}">.*?</tr>', listing, re.S).group(0)
    assert "2 recipients" in row and euros(app, 1200.5) in row


def test_a_press_trip_with_invitees_and_attendees(app, agency_client):
    seed_press_file(app)
    client = english(agency_client)
    token = csrf_token(client, "/actions/new")
    ids = {name: str(contact_id(app, name)) for name in ("Martin", "Durand", "Petit")}
    response = client.post(
        "/actions/new",
        data={
            "csrf_token": token,
            "kind": "press_trip",
            "title": "Voyage de presse sur les terrils",
            "day": "2022-09-15",
            "end_day": "2022-09-16",
            "window_days": "45",
            "campaign": "0",
            "invited": list(ids.values()),
            "attended": [ids["Martin"], ids["Durand"]],
        },
    )
    assert response.status_code == 302
    action_id, kind, _cost, end_day, roles = action_in_db(app, "Voyage de presse sur les terrils")
    assert kind == ActionKind.PRESS_TRIP and end_day == date(2022, 9, 16)
    assert roles == {
        "Martin": {"invited", "attended"},
        "Durand": {"invited", "attended"},
        "Petit": {"invited"},
    }
    listing = client.get("/actions/").get_data(as_text=True)
    row = re.search(rf'<tr id="action-{action_id}">.*?</tr>', listing, re.S).group(0)
    assert "3 invited" in row and "2 present" in row

    # Editing: Inès came after all, Marc did not; the form shows what was ticked.
    edit = client.get(f"/actions/{action_id}/edit").get_data(as_text=True)
    assert re.search(rf'name="attended" value="{ids["Martin"]}"[^>]*checked', edit)
    response = client.post(
        f"/actions/{action_id}/edit",
        data={
            "csrf_token": token,
            "kind": "press_trip",
            "title": "Voyage de presse sur les terrils",
            "day": "2022-09-15",
            "end_day": "2022-09-16",
            "window_days": "45",
            "campaign": "0",
            "invited": list(ids.values()),
            "attended": [ids["Martin"], ids["Petit"]],
        },
    )
    assert response.status_code == 302
    assert action_in_db(app, "Voyage de presse sur les terrils")[4] == {
        "Martin": {"invited", "attended"},
        "Durand": {"invited"},
        "Petit": {"invited", "attended"},
    }


def test_the_form_says_what_cannot_be_saved_and_saves_nothing(app, agency_client):
    seed_press_file(app)
    client = english(agency_client)
    token = csrf_token(client, "/actions/new")
    base = {"csrf_token": token, "kind": "press_trip", "title": "Voyage", "campaign": "0"}
    response = client.post(
        "/actions/new", data={**base, "day": "2022-09-16", "end_day": "2022-09-15"}
    )
    assert response.status_code == 400
    assert "The last day comes before the first day." in response.get_data(as_text=True)
    response = client.post("/actions/new", data={**base, "day": "2022-09-16", "cost": "beaucoup"})
    assert response.status_code == 400
    assert "Give the cost as a number of euros" in response.get_data(as_text=True)
    with app.extensions["retombees_sessions"]() as session:
        assert session.scalar(select(PressAction.id)) is None


def test_the_release_text_can_come_from_a_text_file_and_only_from_one(app, agency_client):
    from io import BytesIO

    client = english(agency_client)
    token = csrf_token(client, "/actions/new")
    base = {"csrf_token": token, "kind": "release", "day": "2022-06-30", "campaign": "0"}
    text = "Le 9-9bis à Oignies accueille les journalistes.".encode("cp1252")
    response = client.post(
        "/actions/new",
        data={**base, "title": "Par fichier", "document": (BytesIO(text), "communique.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.extensions["retombees_sessions"]() as session:
        action = session.scalar(select(PressAction))
        assert action.document_text == "Le 9-9bis à Oignies accueille les journalistes."
        assert action.document_name == "communique.txt"
    response = client.post(
        "/actions/new",
        data={**base, "title": "En PDF", "document": (BytesIO(b"%PDF-1.4"), "communique.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Only a plain text (.txt) file can be read" in response.get_data(as_text=True)


def make_action(app, kind=ActionKind.RELEASE, title="Communiqué", people=(), **values):
    """An action reaching ``people`` ((last name, roles) pairs); return its id."""
    with app.extensions["retombees_sessions"].begin() as session:
        action = PressAction(kind=kind, title=title, day=values.pop("day", date(2022, 6, 30)))
        for name, roles in people:
            contact = session.scalar(select(Contact).where(Contact.last_name == name))
            action.people.append(ActionContact(contact=contact, **{role: True for role in roles}))
        for key, value in values.items():
            setattr(action, key, value)
        session.add(action)
        session.flush()
        return action.id


def test_a_follow_up_is_noted_on_the_action(app, agency_client):
    seed_press_file(app)
    action_id = make_action(app, people=[("Martin", ["recipient"])])
    client = english(agency_client)
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "Reached by this action" in page
    token = csrf_token(client, f"/actions/{action_id}")
    response = client.post(
        f"/actions/{action_id}/follow-ups",
        data={
            "csrf_token": token,
            "contact": contact_id(app, "Martin"),
            "channel": "phone",
            "outcome": "will_cover",
            "notes": "Papier prévu samedi <b>en page région</b>",
        },
    )
    assert response.status_code == 302
    with app.extensions["retombees_sessions"]() as session:
        follow_up = session.scalar(select(FollowUp))
        assert follow_up.action_id == action_id and follow_up.outcome.value == "will_cover"
        assert follow_up.user.username == "agence"
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    section = page[page.index('id="follow-ups"') :]
    assert "Léa Martin" in section and "Phone" in section and "Will cover it" in section
    assert "&lt;b&gt;en page région&lt;/b&gt;" in section
    # Without a contact, nothing is noted and the page says why.
    response = client.post(
        f"/actions/{action_id}/follow-ups",
        data={"csrf_token": token, "contact": "", "outcome": "covered"},
        follow_redirects=True,
    )
    assert "Choose a contact." in response.get_data(as_text=True)
    with app.extensions["retombees_sessions"]() as session:
        assert len(session.scalars(select(FollowUp)).all()) == 1


def test_titles_and_texts_are_escaped(app, agency_client):
    action_id = make_action(app, title="<script>alert(1)</script>", notes="<img src=x>")
    client = english(agency_client)
    for path in ("/actions/", f"/actions/{action_id}", f"/actions/{action_id}/edit"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page and "<img src=x>" not in page
        assert "&lt;script&gt;" in page


def test_the_list_filters_by_kind_campaign_and_year(app, agency_client):
    make_action(app, title="Communiqué 2022", day=date(2022, 3, 1))
    make_action(app, kind=ActionKind.PRESS_TRIP, title="Voyage 2022", day=date(2022, 9, 15))
    make_action(app, title="Communiqué 2023", day=date(2023, 2, 1))
    client = english(agency_client)
    page = client.get("/actions/").get_data(as_text=True)
    assert page.index("Communiqué 2023") < page.index("Voyage 2022") < page.index("Communiqué 2022")
    page = client.get("/actions/?kind=release&year=2022").get_data(as_text=True)
    assert "Communiqué 2022" in page and "Voyage 2022" not in page and "Communiqué 2023" not in page


# -- Who may do what ------------------------------------------------------------------------


@pytest.mark.parametrize("role_client", ["management_client", "officer_client"])
def test_management_and_officer_cannot_open_the_press_actions(app, request, role_client):
    action_id = make_action(app)
    client = request.getfixturevalue(role_client)
    for path in (
        "/actions/",
        "/actions/new",
        f"/actions/{action_id}",
        f"/actions/{action_id}/edit",
    ):
        assert client.get(path).status_code == 403, path
    assert client.get(f"/actions/report?ids={action_id}").status_code == 403
    token = csrf_token(client, "/review/")
    for path in (
        "/actions/new",
        f"/actions/{action_id}/follow-ups",
        f"/actions/{action_id}/suggest",
    ):
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path


def test_a_post_without_csrf_token_is_refused(app, agency_client):
    action_id = make_action(app)
    assert agency_client.post("/actions/new", data={"title": "x"}).status_code == 400
    assert agency_client.post(f"/actions/{action_id}/attribution/1", data={}).status_code == 400


# -- Clips: suggestions, decisions, and the report ------------------------------------------


def seed_attributed(app):
    """A press trip reaching Léa (present) and Marc (invited), with a suggested clip and two
    confirmed ones; return (action id, suggested clip id, confirmed clip ids)."""
    seed_press_file(app)
    action_id = make_action(
        app,
        kind=ActionKind.PRESS_TRIP,
        title="Voyage de presse",
        day=date(2022, 9, 15),
        cost_eur=3000.0,
        document_text=RELEASE,
        people=[("Martin", ["invited", "attended"]), ("Durand", ["invited"])],
    )
    with app.extensions["retombees_sessions"].begin() as session:
        action = session.get(PressAction, action_id)
        lea = session.scalar(select(Contact.id).where(Contact.last_name == "Martin"))
        suggested = add_clip(
            session,
            "Les terrils <em>racontés</em>",
            "La Voix du Nord",
            date(2022, 9, 20),
            status=CoverageStatus.NEW,
            reach=120_000,
            ave_eur=800.0,
        )
        one = add_clip(
            session,
            "Reportage au 9-9bis",
            "La Voix du Nord",
            date(2022, 9, 17),
            reach=250_000,
            ave_eur=1500.0,
            tone="positive",
            key_messages=[{"label": "Patrimoine vivant", "sentence": "…"}],
        )
        two = add_clip(
            session,
            "Les cités minières en images",
            "France 3 Hauts-de-France",
            date(2022, 9, 18),
            reach=1_000_000,
            ave_eur=4500.0,
            tone="neutral",
        )
        session.flush()
        reasons = [
            {"kind": "window", "detail": 5},
            {"kind": "outlet", "detail": "La Voix du Nord", "contacts": [lea]},
            {"kind": "text", "detail": "3/5"},
        ]
        session.add(
            CoverageAction(
                coverage=suggested,
                action=action,
                reasons=reasons,
                score=0.9,
                reuse_share=0.62,
                similarity=0.4,
                reprise=True,
            )
        )
        session.add(
            CoverageAction(
                coverage=one,
                action=action,
                state=AttributionState.CONFIRMED,
                reasons=reasons[:2],
            )
        )
        session.add(
            CoverageAction(
                coverage=two,
                action=action,
                state=AttributionState.CONFIRMED,
                reasons=[{"kind": "window", "detail": 3}, {"kind": "person"}],
            )
        )
        return action_id, suggested.id, (one.id, two.id)


def attribution_state(app, coverage_id, action_id):
    with app.extensions["retombees_sessions"]() as session:
        found = session.get(CoverageAction, (coverage_id, action_id))
        return found.state.value, found.decided_by_id


def test_the_action_page_shows_suggestions_with_their_reasons(app, agency_client):
    action_id, suggested, _confirmed = seed_attributed(app)
    client = english(agency_client)
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    item = re.search(
        rf'<li class="press-clip state-suggested" id="attribution-{suggested}">.*?</li>', page, re.S
    ).group(0)
    assert "Les terrils &lt;em&gt;racontés&lt;/em&gt;" in item
    assert "published 5 days after the action" in item
    assert "outlet of a journalist reached: La Voix du Nord" in item
    share = formatted(app, format_percent, 0.62)
    assert f"takes up {share} of the release&#39;s sentences (3 of 5)" in item
    assert "Reprise of the release" in item
    assert "Confirm: it comes from this action" in item


def test_confirming_a_suggestion_from_the_action_page(app, agency_client):
    action_id, suggested, _confirmed = seed_attributed(app)
    client = english(agency_client)
    token = csrf_token(client, f"/actions/{action_id}")
    response = client.post(
        f"/actions/{action_id}/attribution/{suggested}",
        data={"csrf_token": token, "state": "confirmed", "next": f"/actions/{action_id}"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/actions/{action_id}"
    )
    state, decided_by = attribution_state(app, suggested, action_id)
    assert state == "confirmed" and decided_by is not None
    with app.extensions["retombees_sessions"]() as session:
        event_ = session.scalar(select(CoverageEvent).where(CoverageEvent.coverage_id == suggested))
        assert event_.action == "attribution"
        assert event_.details["attribution"] == ["suggested", "confirmed"]
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert f'class="press-clip state-confirmed" id="attribution-{suggested}"' in page
    # An unknown state is refused; an unknown clip is not found.
    bad = {"csrf_token": token, "state": "maybe"}
    assert client.post(f"/actions/{action_id}/attribution/{suggested}", data=bad).status_code == 400
    missing = {"csrf_token": token, "state": "rejected"}
    assert client.post(f"/actions/{action_id}/attribution/999", data=missing).status_code == 404


def test_an_outside_address_in_next_is_not_followed(app, agency_client):
    action_id, suggested, _confirmed = seed_attributed(app)
    token = csrf_token(agency_client, f"/actions/{action_id}")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = agency_client.post(
            f"/actions/{action_id}/attribution/{suggested}",
            data={"csrf_token": token, "state": "rejected", "next": target},
        )
        assert response.headers["Location"].startswith(f"/actions/{action_id}"), target


def test_the_officer_confirms_or_rejects_from_the_review_inbox(app, officer_client):
    action_id, suggested, _confirmed = seed_attributed(app)
    client = english(officer_client)
    with app.extensions["retombees_sessions"].begin() as session:
        # A second clip to review, suggested for the same action: still one query for both.
        other = add_clip(
            session, "Brève", "La Voix du Nord", date(2022, 9, 21), status=CoverageStatus.NEW
        )
        session.flush()
        session.add(
            CoverageAction(
                coverage=other, action_id=action_id, reasons=[{"kind": "window", "detail": 6}]
            )
        )
        other_id = other.id

    engine = app.extensions["retombees_engine"]
    statements = []

    def remember(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        page = client.get("/review/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert sum("FROM coverage_action" in s for s in statements) == 1

    card = re.search(
        rf'<li class="card" id="clip-{suggested}".*?</li>\s*</ul></dd>', page, re.S
    ).group(0)
    assert "Possibly from" in card and "Voyage de presse" in card
    assert "outlet of a journalist reached: La Voix du Nord" in card
    assert f'/actions/{action_id}"' not in card  # the officer cannot open the action page
    token = csrf_token(client, "/review/")
    response = client.post(
        f"/actions/{action_id}/attribution/{suggested}",
        data={"csrf_token": token, "state": "confirmed", "next": "/review/?since=0"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/review/?since=0"
    assert attribution_state(app, suggested, action_id)[0] == "confirmed"
    response = client.post(
        f"/actions/{action_id}/attribution/{other_id}",
        data={"csrf_token": token, "state": "rejected", "next": "/review/"},
    )
    assert response.status_code == 302
    assert attribution_state(app, other_id, action_id)[0] == "rejected"
    page = client.get("/review/?since=0").get_data(as_text=True)
    assert "Possibly from" not in page  # nothing left to decide


def test_management_cannot_decide_attributions(app, management_client):
    action_id, suggested, _confirmed = seed_attributed(app)
    page = english(management_client).get("/review/").get_data(as_text=True)
    assert "Possibly from" in page and 'name="state" value="confirmed"' not in page
    token = csrf_token(management_client, "/review/")
    response = management_client.post(
        f"/actions/{action_id}/attribution/{suggested}",
        data={"csrf_token": token, "state": "confirmed"},
    )
    assert response.status_code == 403
    assert attribution_state(app, suggested, action_id)[0] == "suggested"


def report_figure(page, name):
    match = re.search(rf'<div id="report-{name}"><dt>[^<]*</dt><dd>([^<]*)</dd>', page)
    assert match, name
    return match.group(1)


def test_the_action_page_shows_the_report_figures(app, agency_client):
    from models.action_report import action_report

    action_id, _suggested, (one, two) = seed_attributed(app)
    with app.extensions["retombees_sessions"]() as session:
        report = action_report(session, [action_id])
    assert report["total"] == 2  # the suggested clip is not counted
    client = english(agency_client)
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    number = lambda v: formatted(app, format_decimal, v)  # noqa: E731
    assert report_figure(page, "invitees") == number(report["people"]["invitees"]) == "2"
    assert report_figure(page, "attendees") == "1"
    assert report_figure(page, "total") == "2"
    assert report_figure(page, "reach") == number(report["reach"]) == number(1_250_000)
    assert report_figure(page, "ave") == euros(app, report["ave_eur"]) == euros(app, 6000)
    assert report_figure(page, "cost-per-clip") == euros(app, report["cost_per_clip"])
    assert report["cost_per_clip"] == 1500
    assert report_figure(page, "messages") == formatted(
        app, format_percent, report["message_penetration"]["any"]
    )
    assert report_figure(page, "tone") == formatted(
        app, format_decimal, report["tone_index"], "+0.00;-0.00"
    )
    assert re.search(r'id="report-medium-tv">1<', page) and re.search(
        r'id="report-medium-press">1<', page
    )
    # Which journalists covered it after the trip: Léa, by her outlet.
    lea = re.search(
        rf'<tr id="yield-contact-{contact_id(app, "Martin")}">.*?</tr>', page, re.S
    ).group(0)
    assert "Léa Martin" in lea and "present" in lea
    assert f'<td class="num">1</td><td class="num">{number(250_000)}</td>' in re.sub(
        r"\s+<", "<", lea
    )
    marc = re.search(rf'<tr id="yield-contact-{contact_id(app, "Durand")}" class="no-clip">', page)
    assert marc, "Marc is listed without clip"
    # The list counts the same clips, and the suggestion apart.
    listing = client.get("/actions/").get_data(as_text=True)
    counts = re.search(r'<td class="num clip-counts">(.*?)</td>', listing, re.S).group(1)
    assert counts.startswith("2 ") and "+1 suggested" in counts


def test_a_report_on_several_actions(app, agency_client):
    action_id, _suggested, _confirmed = seed_attributed(app)
    other = make_action(app, title="Communiqué de rentrée", cost_eur=1000.0)
    client = english(agency_client)
    page = client.get(f"/actions/report?ids={action_id}&ids={other}").get_data(as_text=True)
    assert "Report on 2 press actions" in page
    assert "Voyage de presse" in page and "Communiqué de rentrée" in page
    assert report_figure(page, "cost") == euros(app, 4000)
    assert report_figure(page, "cost-per-clip") == euros(app, 2000)
    assert client.get("/actions/report").status_code == 302  # nothing chosen
    assert client.get(f"/actions/report?ids={action_id}&ids=999").status_code == 404


def test_looking_for_clips_suggests_the_reprise_of_the_release(app, agency_client, inline_tasks):
    seed_press_file(app)
    action_id = make_action(
        app,
        title="Communiqué anniversaire",
        document_text=RELEASE,
        people=[("Durand", ["recipient"])],
    )
    with app.extensions["retombees_sessions"].begin() as session:
        reprise = add_clip(
            session,
            "Dix ans de patrimoine mondial",
            "La Voix du Nord",
            date(2022, 7, 2),
            status=CoverageStatus.NEW,
            text="Selon le communiqué : " + RELEASE,
        )
        add_clip(
            session,
            "Sans rapport",
            "La Voix du Nord",
            date(2022, 7, 3),
            status=CoverageStatus.NEW,
            text="Le marché de Noël ouvre ses portes samedi.",
        )
        session.flush()
        reprise_id = reprise.id
    client = english(agency_client)
    token = csrf_token(client, f"/actions/{action_id}")
    response = client.post(f"/actions/{action_id}/suggest", data={"csrf_token": token})
    assert response.status_code == 302 and "/tasks/" in response.headers["Location"]
    task_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 clip awaits your decision." in task_page and f"/actions/{action_id}" in task_page
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    item = re.search(rf'id="attribution-{reprise_id}">.*?</li>', page, re.S).group(0)
    assert "Reprise of the release" in item and "Sans rapport" not in page


# -- Deleting an action ---------------------------------------------------------------------


def seed_deletable(app):
    """A release sent to Léa, with Marc invited and present, a follow-up of Léa, a clip
    attributed to it (and also to another action) and a clip suggested; return (action id,
    other action id, attributed clip id, suggested clip id)."""
    seed_press_file(app)
    action_id = make_action(
        app,
        title="Communiqué à supprimer",
        people=[("Martin", ["recipient"]), ("Durand", ["invited", "attended"])],
    )
    other_id = make_action(app, title="Autre communiqué", people=[("Martin", ["recipient"])])
    with app.extensions["retombees_sessions"].begin() as session:
        attributed = add_clip(
            session, "Le double anniversaire", "La Voix du Nord", date(2022, 7, 1)
        )
        suggested = add_clip(
            session,
            "Les cités fêtent",
            "La Voix du Nord",
            date(2022, 7, 2),
            status=CoverageStatus.NEW,
        )
        session.flush()
        for clip_action in (action_id, other_id):
            session.add(
                CoverageAction(
                    coverage=attributed, action_id=clip_action, state=AttributionState.CONFIRMED
                )
            )
        session.add(CoverageAction(coverage=suggested, action_id=action_id))
        lea = session.scalar(select(Contact).where(Contact.last_name == "Martin"))
        session.add(FollowUp(contact=lea, action_id=action_id, channel="phone", notes="Rappel"))
        return action_id, other_id, attributed.id, suggested.id


def test_the_delete_page_says_what_goes_and_what_stays(app, agency_client):
    action_id, _other, _attributed, _suggested = seed_deletable(app)
    client = english(agency_client)
    show = client.get(f"/actions/{action_id}").get_data(as_text=True)
    tools = re.search(r'<p class="press-tools">.*?</p>', show, re.S).group(0)
    assert f'<a class="button button-secondary" href="/actions/{action_id}/delete">Delete</a>' in (
        tools
    )
    page = client.get(f"/actions/{action_id}/delete").get_data(as_text=True)
    assert "Delete the press action “Communiqué à supprimer”" in page
    people = re.search(r'<li id="deleted-people">(.*?)</li>', page, re.S).group(1)
    assert re.sub(r"\s+", " ", people).strip() == (
        "2 contacts reached (1 recipient · 1 invited · 1 present)"
    )
    assert '<li id="deleted-follow-ups">1 follow-up</li>' in page
    assert '<li id="deleted-clips">The attribution of 1 clip to this action</li>' in page
    assert '<li id="deleted-suggested">1 suggestion awaiting a decision</li>' in page
    assert "The clips themselves stay in the coverage" in page
    form = re.search(
        rf'<form method="post" action="/actions/{action_id}/delete">(.*?)</form>', page, re.S
    )
    assert 'name="csrf_token"' in form.group(1)
    assert f'<a href="/actions/{action_id}">Cancel</a>' in form.group(1)
    assert client.get("/actions/999/delete").status_code == 404


def test_deleting_an_action_keeps_its_clips_and_contacts(app, agency_client):
    action_id, other_id, attributed, suggested = seed_deletable(app)
    client = english(agency_client)
    token = csrf_token(client, f"/actions/{action_id}/delete")
    response = client.post(f"/actions/{action_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/actions/")
    listing = client.get("/actions/").get_data(as_text=True)
    assert "Action “Communiqué à supprimer” deleted; its clips stay in the coverage." in listing
    assert 'id="title-' + str(action_id) + '"' not in listing
    with app.extensions["retombees_sessions"]() as session:
        assert session.get(PressAction, action_id) is None
        assert session.scalars(select(FollowUp)).all() == []
        assert (
            session.scalars(select(ActionContact).where(ActionContact.action_id == action_id)).all()
            == []
        )
        assert (
            session.scalars(
                select(CoverageAction).where(CoverageAction.action_id == action_id)
            ).all()
            == []
        )
        # The clips, the contacts and the other action's attribution stay.
        assert {c.id for c in session.scalars(select(Coverage))} == {attributed, suggested}
        assert len(session.scalars(select(Contact)).all()) == 3
        assert session.get(CoverageAction, (attributed, other_id)).state.value == "confirmed"
        # The clip's history says its attribution to the deleted action no longer holds.
        trace = session.scalar(select(CoverageEvent).where(CoverageEvent.coverage_id == attributed))
        assert trace.action == "attribution" and trace.user.username == "agence"
        assert trace.details == {
            "press_action": "Communiqué à supprimer",
            "attribution": ["confirmed", None],
        }
    clip_page = client.get(f"/coverage/{attributed}").get_data(as_text=True)
    history = clip_page[clip_page.index('id="history-title"') :]
    assert "Communiqué à supprimer" in history and "<del>confirmed</del> → <ins>—</ins>" in history
    assert client.get(f"/actions/{other_id}").status_code == 200
    assert client.get(f"/actions/{action_id}").status_code == 404
    assert client.get(f"/actions/{action_id}/delete").status_code == 404
    gone = client.post(f"/actions/{action_id}/delete", data={"csrf_token": token})
    assert gone.status_code == 404


@pytest.mark.parametrize("role_client", ["management_client", "officer_client"])
def test_management_and_officer_cannot_delete_an_action(app, request, role_client):
    action_id, *_ = seed_deletable(app)
    client = request.getfixturevalue(role_client)
    assert client.get(f"/actions/{action_id}/delete").status_code == 403
    token = csrf_token(client, "/review/")
    response = client.post(f"/actions/{action_id}/delete", data={"csrf_token": token})
    assert response.status_code == 403
    with app.extensions["retombees_sessions"]() as session:
        assert session.get(PressAction, action_id) is not None


def test_deleting_an_action_needs_the_csrf_token(app, agency_client):
    action_id, *_ = seed_deletable(app)
    assert agency_client.post(f"/actions/{action_id}/delete").status_code == 400
    with app.extensions["retombees_sessions"]() as session:
        assert session.get(PressAction, action_id) is not None
        assert len(session.scalars(select(FollowUp)).all()) == 1
