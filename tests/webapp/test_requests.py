"""The press-request log: logging a request, overdue ones first and flagged, answering, the
clips that came of it, the status filter, and who may see it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import (
    Contact,
    ContactOutlet,
    Coverage,
    CoverageStatus,
    Medium,
    Outlet,
    PressRequest,
    RequestStatus,
    utcnow,
)
from tests.conftest import csrf_token


@pytest.fixture
def settings(any_settings):
    """Every test runs on SQLite, then on PostgreSQL when one is configured."""
    return any_settings


def english(client):
    client.get("/login?lang=en")
    return client


def seed(app):
    """A contact at La Voix du Nord, two clips, and three requests: one overdue, one open with
    a later deadline, one answered long ago."""
    now = utcnow()
    with app.extensions["retombees_sessions"].begin() as session:
        voix = Outlet(name="La Voix du Nord", medium=Medium.PRESS)
        lea = Contact(first_name="Léa", last_name="Martin")
        lea.outlet_links.append(ContactOutlet(outlet=voix))
        for i, title in enumerate(("Le 9-9bis rouvre", "Les terrils en fête")):
            session.add(
                Coverage(
                    url=f"https://lavoixdunord.fr/{i}",
                    title=title,
                    outlet=voix,
                    medium=Medium.PRESS,
                    status=CoverageStatus.CONFIRMED,
                    published_at=now - timedelta(days=i),
                )
            )
        session.add_all(
            [
                PressRequest(
                    requester="Paul Lefort (pigiste)",
                    subject="Visuels du 9-9bis",
                    received_at=now - timedelta(days=3),
                    deadline=now + timedelta(days=2),
                ),
                PressRequest(
                    contact=lea,
                    outlet=voix,
                    subject="Interview <b>du directeur</b>",
                    received_at=now - timedelta(days=2),
                    deadline=now - timedelta(hours=5),
                ),
                PressRequest(
                    requester="France Bleu Nord",
                    subject="Chiffres de fréquentation",
                    received_at=now - timedelta(days=30),
                    deadline=now - timedelta(days=20),
                    status=RequestStatus.ANSWERED,
                    answer="Envoyés par courriel.",
                    answered_at=now - timedelta(days=21),
                ),
            ]
        )


def request_id(app, subject_start):
    with app.extensions["retombees_sessions"]() as session:
        return session.scalar(
            select(PressRequest.id).where(PressRequest.subject.startswith(subject_start))
        )


def test_overdue_requests_come_first_flagged_and_counted(app, agency_client):
    seed(app)
    client = english(agency_client)
    page = client.get("/requests/").get_data(as_text=True)
    assert re.search(r"<title>Press requests \(1 overdue\)", page)
    rows = re.findall(r'<tr id="request-(\d+)" class="([^"]*)">(.*?)</tr>', page, re.S)
    subjects = [re.search(r'/requests/\d+">([^<]*)</a>', row).group(1) for _id, _c, row in rows]
    assert subjects == [
        "Interview &lt;b&gt;du directeur&lt;/b&gt;",
        "Visuels du 9-9bis",
        "Chiffres de fréquentation",
    ]
    overdue = [(classes, row) for _id, classes, row in rows if "overdue" in classes.split()]
    assert len(overdue) == 1
    assert '<span class="overdue-badge">overdue</span>' in overdue[0][1]
    assert "Léa Martin" in overdue[0][1] and "La Voix du Nord" in overdue[0][1]
    # An answered request past its deadline is not overdue.
    assert "overdue" not in rows[2][1] and "Envoyés par courriel." in rows[2][2]


def test_logging_a_request_through_the_form(app, agency_client):
    seed(app)
    client = english(agency_client)
    token = csrf_token(client, "/requests/new")
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/requests/new",
        data={
            "csrf_token": token,
            "contact": "0",
            "requester": "Nord Éclair, rédaction de Lens",
            "outlet": "0",
            "campaign": "0",
            "subject": "Photos des chevalements",
            "details": "En haute définition.",
            "received_at": (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "deadline": yesterday,
            "status": "open",
        },
    )
    assert response.status_code == 302
    new_id = request_id(app, "Photos des chevalements")
    assert response.headers["Location"].endswith(f"/requests/{new_id}")
    page = client.get("/requests/").get_data(as_text=True)
    assert re.search(r"<title>Press requests \(2 overdue\)", page)
    assert re.search(rf'<tr id="request-{new_id}" class="status-open overdue">', page)
    # Nobody named: refused with a reason, nothing saved.
    response = client.post(
        "/requests/new",
        data={
            "csrf_token": token,
            "contact": "0",
            "outlet": "0",
            "campaign": "0",
            "subject": "Sans demandeur",
            "status": "open",
        },
    )
    assert response.status_code == 400
    assert "Choose a contact of the press file, or give the name" in response.get_data(as_text=True)
    assert request_id(app, "Sans demandeur") is None


def test_answering_sets_the_status_and_the_time(app, agency_client):
    seed(app)
    overdue_id = request_id(app, "Interview")
    client = english(agency_client)
    token = csrf_token(client, f"/requests/{overdue_id}")
    before = utcnow()
    response = client.post(
        f"/requests/{overdue_id}/answer",
        data={"csrf_token": token, "answer": "Interview fixée jeudi 10 h.", "status": "answered"},
    )
    assert response.status_code == 302
    with app.extensions["retombees_sessions"]() as session:
        entry = session.get(PressRequest, overdue_id)
        assert entry.status == RequestStatus.ANSWERED and entry.answered_at >= before
        assert entry.answer == "Interview fixée jeudi 10 h."
    page = client.get("/requests/").get_data(as_text=True)
    assert "<title>Press requests ·" in page  # no overdue count left
    assert 'class="overdue-badge"' not in page
    # An empty answer is refused.
    response = client.post(
        f"/requests/{overdue_id}/answer",
        data={"csrf_token": token, "answer": " ", "status": "answered"},
        follow_redirects=True,
    )
    assert "Write what was answered." in response.get_data(as_text=True)


def test_linking_the_resulting_clips_by_number_and_by_search(app, agency_client):
    seed(app)
    entry_id = request_id(app, "Visuels")
    client = english(agency_client)
    token = csrf_token(client, f"/requests/{entry_id}")
    response = client.post(
        f"/requests/{entry_id}/coverage", data={"csrf_token": token, "numbers": "1"}
    )
    assert response.status_code == 302
    page = client.get(f"/requests/{entry_id}").get_data(as_text=True)
    assert 'id="linked-1">Le 9-9bis rouvre</a>' in page
    # Found by words, ticked and linked.
    page = client.get(f"/requests/{entry_id}?q=terrils").get_data(as_text=True)
    assert 'name="ids" value="2"' in page
    client.post(f"/requests/{entry_id}/coverage", data={"csrf_token": token, "ids": ["2"]})
    listing = client.get("/requests/").get_data(as_text=True)
    row = re.search(rf'<tr id="request-{entry_id}".*?</tr>', listing, re.S).group(0)
    assert 'href="/coverage/1"' in row and 'href="/coverage/2"' in row
    # An unknown clip number is refused; unlinking takes a clip off.
    response = client.post(
        f"/requests/{entry_id}/coverage",
        data={"csrf_token": token, "numbers": "2, 99"},
        follow_redirects=True,
    )
    assert "No clip 99." in response.get_data(as_text=True)
    client.post(f"/requests/{entry_id}/coverage/1/remove", data={"csrf_token": token})
    with app.extensions["retombees_sessions"]() as session:
        assert [c.id for c in session.get(PressRequest, entry_id).coverage] == [2]


def test_the_log_filters_by_status(app, agency_client):
    seed(app)
    client = english(agency_client)
    page = client.get("/requests/?status=answered").get_data(as_text=True)
    assert "Chiffres de fréquentation" in page and "Visuels du 9-9bis" not in page
    page = client.get("/requests/?status=open").get_data(as_text=True)
    assert "Visuels du 9-9bis" in page and "Chiffres de fréquentation" not in page


def test_editing_keeps_the_times_in_paris_time(app, agency_client):
    seed(app)
    entry_id = request_id(app, "Visuels")
    client = english(agency_client)
    page = client.get(f"/requests/{entry_id}/edit").get_data(as_text=True)
    token = csrf_token(client, f"/requests/{entry_id}/edit")
    received = re.search(r'name="received_at" type="datetime-local" value="([^"]+)"', page)
    assert received
    response = client.post(
        f"/requests/{entry_id}/edit",
        data={
            "csrf_token": token,
            "contact": "0",
            "requester": "Paul Lefort (pigiste)",
            "outlet": "0",
            "campaign": "0",
            "subject": "Visuels du 9-9bis",
            "received_at": received.group(1),
            "deadline": "2030-06-01T18:00",
            "status": "open",
        },
    )
    assert response.status_code == 302
    with app.extensions["retombees_sessions"]() as session:
        entry = session.get(PressRequest, entry_id)
        assert entry.deadline == datetime(2030, 6, 1, 16, tzinfo=UTC)  # 18:00 in Paris, summer


@pytest.mark.parametrize("role_client", ["management_client", "officer_client"])
def test_management_and_officer_cannot_open_the_log(app, request, role_client):
    seed(app)
    client = request.getfixturevalue(role_client)
    entry_id = request_id(app, "Visuels")
    for path in (
        "/requests/",
        "/requests/new",
        f"/requests/{entry_id}",
        f"/requests/{entry_id}/edit",
    ):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/review/")
    response = client.post(
        f"/requests/{entry_id}/answer", data={"csrf_token": token, "answer": "x"}
    )
    assert response.status_code == 403


def test_forms_need_the_csrf_token(app, agency_client):
    seed(app)
    entry_id = request_id(app, "Visuels")
    response = agency_client.post(f"/requests/{entry_id}/answer", data={"answer": "Oui."})
    assert response.status_code == 400
    with app.extensions["retombees_sessions"]() as session:
        assert session.get(PressRequest, entry_id).status == RequestStatus.OPEN


# -- Deleting a request ---------------------------------------------------------------------


def link_clip(app, entry_id, title):
    with app.extensions["retombees_sessions"].begin() as session:
        clip = session.scalar(select(Coverage).where(Coverage.title == title))
        entry = session.get(PressRequest, entry_id)
        entry.coverage.append(clip)
        return clip.id


def test_the_delete_page_says_what_goes_and_what_stays(app, agency_client):
    seed(app)
    entry_id = request_id(app, "Interview")
    link_clip(app, entry_id, "Le 9-9bis rouvre")
    client = english(agency_client)
    show = client.get(f"/requests/{entry_id}").get_data(as_text=True)
    tools = re.search(r'<p class="press-tools">.*?</p>', show, re.S).group(0)
    assert (
        f'<a class="button button-secondary" href="/requests/{entry_id}/delete">Delete</a>' in tools
    )
    page = client.get(f"/requests/{entry_id}/delete").get_data(as_text=True)
    assert "Delete the press request “Interview &lt;b&gt;du directeur&lt;/b&gt;”" in page
    assert '<li id="deleted-clips">The link of 1 clip to this request</li>' in page
    assert "The clips themselves stay in the coverage" in page
    form = re.search(
        rf'<form method="post" action="/requests/{entry_id}/delete">(.*?)</form>', page, re.S
    )
    assert 'name="csrf_token"' in form.group(1)
    assert f'<a href="/requests/{entry_id}">Cancel</a>' in form.group(1)
    assert client.get("/requests/999/delete").status_code == 404


def test_deleting_a_request_keeps_its_clips_and_contact(app, agency_client):
    seed(app)
    entry_id = request_id(app, "Interview")
    other_id = request_id(app, "Visuels")
    clip_id = link_clip(app, entry_id, "Le 9-9bis rouvre")
    link_clip(app, other_id, "Le 9-9bis rouvre")
    client = english(agency_client)
    token = csrf_token(client, f"/requests/{entry_id}/delete")
    response = client.post(f"/requests/{entry_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/requests/")
    listing = client.get("/requests/").get_data(as_text=True)
    assert "deleted; its clips stay in the coverage." in listing
    assert f'id="request-{entry_id}"' not in listing
    with app.extensions["retombees_sessions"]() as session:
        assert session.get(PressRequest, entry_id) is None
        assert session.get(Coverage, clip_id) is not None
        assert len(session.scalars(select(Coverage)).all()) == 2
        assert session.scalar(select(Contact).where(Contact.last_name == "Martin")) is not None
        # The other request that led to the same clip keeps it.
        assert [c.id for c in session.get(PressRequest, other_id).coverage] == [clip_id]
    assert client.get(f"/coverage/{clip_id}").status_code == 200
    assert client.get(f"/requests/{entry_id}").status_code == 404
    assert client.get(f"/requests/{entry_id}/delete").status_code == 404
    gone = client.post(f"/requests/{entry_id}/delete", data={"csrf_token": token})
    assert gone.status_code == 404


@pytest.mark.parametrize("role_client", ["management_client", "officer_client"])
def test_management_and_officer_cannot_delete_a_request(app, request, role_client):
    seed(app)
    entry_id = request_id(app, "Visuels")
    client = request.getfixturevalue(role_client)
    assert client.get(f"/requests/{entry_id}/delete").status_code == 403
    token = csrf_token(client, "/review/")
    response = client.post(f"/requests/{entry_id}/delete", data={"csrf_token": token})
    assert response.status_code == 403
    with app.extensions["retombees_sessions"]() as session:
        assert session.get(PressRequest, entry_id) is not None


def test_deleting_a_request_needs_the_csrf_token(app, agency_client):
    seed(app)
    entry_id = request_id(app, "Visuels")
    link_clip(app, entry_id, "Le 9-9bis rouvre")
    assert agency_client.post(f"/requests/{entry_id}/delete").status_code == 400
    with app.extensions["retombees_sessions"]() as session:
        assert len(session.get(PressRequest, entry_id).coverage) == 1
