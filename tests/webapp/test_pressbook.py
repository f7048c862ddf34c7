"""The press book page: who may use it, the form that starts the book in the background, and the
file the finished task offers."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from docx import Document
from pypdf import PdfReader

from models import Role, Task
from tests.conftest import add_user, csrf_token, login
from tests.models.test_pressbook import (
    PRESS_TEXT,
    SLUG,
    WEB_TEXT,
    WEB_URL,
    docx_text,
    flat,
    no_spaces,
    pdf_text,
    seed_press_book,
)
from tests.webapp.test_jobs import started_task
from webapp.pressbook import BuildFailed, build, command_args
from webapp.pressbook_render import DOCX_TYPE, PDF_TYPE


@pytest.fixture(autouse=True)
def english(client):
    client.get("/login?lang=en")


def form(client, **values) -> dict:
    data = {
        "csrf_token": csrf_token(client, "/pressbook/"),
        "campaign": SLUG,
        "date_from": "2025-03-01",
        "date_to": "2025-04-30",
        "status": "confirmed",
        "order": "date",
        "fmt": "pdf",
        "title": "",
    }
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def test_the_page_needs_a_login(client):
    response = client.get("/pressbook/")
    assert response.status_code == 302 and "/login" in response.location
    assert client.post("/pressbook/", data={}).status_code in (302, 400)


@pytest.mark.parametrize("role_client", ["officer_client", "agency_client", "management_client"])
def test_every_role_that_exports_gets_the_page_and_the_menu_entry(request, role_client):
    client = request.getfixturevalue(role_client)
    page = client.get("/pressbook/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'href="/pressbook/"' in client.get("/review/").get_data(as_text=True)
    assert 'name="csrf_token"' in html and 'name="full_text"' in html
    assert "reproduce these articles in full" in html


def test_the_form_builds_a_pdf_in_the_background(app, agency_client, inline_tasks):
    ids = seed_press_book(app.extensions["retombees_sessions"])
    task_id = started_task(agency_client.post("/pressbook/", data=form(agency_client)))
    state = agency_client.get(f"/tasks/{task_id}.json").get_json()
    assert state["status"] == "done", state
    assert state["has_file"] and state["percent"] == 100
    assert state["result"]["clips"] == 7 and state["result"]["entries"] == 5
    assert state["result"]["pages"] >= 4
    download = agency_client.get(f"/tasks/{task_id}/download")
    assert download.status_code == 200
    assert download.mimetype == PDF_TYPE
    assert (
        'filename="pressbook-dix-ans-2025-03-01-2025-04-30.pdf"'
        in (download.headers["Content-Disposition"])
    )
    text = pdf_text(download.data)
    assert flat("Press review") in text and flat("1 March 2025 to 30 April 2025") in text
    assert no_spaces(WEB_URL.casefold()) in no_spaces(text)
    assert flat(PRESS_TEXT) not in text and flat(WEB_TEXT) not in text
    assert str(ids["web"]) in text  # the link to its archived copy
    # the page lists the book with its download
    page = agency_client.get("/pressbook/").get_data(as_text=True)
    assert f"/tasks/{task_id}/download" in page


def test_the_rights_checkbox_and_the_docx_format(app, officer_client, inline_tasks):
    seed_press_book(app.extensions["retombees_sessions"])
    data = form(officer_client, fmt="docx", full_text="y", order="outlet", title="Bilan 2025")
    task_id = started_task(officer_client.post("/pressbook/", data=data))
    state = officer_client.get(f"/tasks/{task_id}.json").get_json()
    assert state["status"] == "done", state
    download = officer_client.get(f"/tasks/{task_id}/download")
    assert download.mimetype == DOCX_TYPE
    text = docx_text(download.data)
    assert flat("Bilan 2025") in text
    assert flat(PRESS_TEXT) in text  # the rights are held: the text of print clips
    assert flat(WEB_TEXT) not in text  # never the text of a web clip
    headings = [
        p.text
        for p in Document(io.BytesIO(download.data)).paragraphs
        if p.style.name == "Heading 1"
    ]
    assert headings[1:3] == ["actu.fr", "France 3 Hauts-de-France"]


def test_management_may_build_a_book_of_all_campaigns(app, management_client, inline_tasks):
    seed_press_book(app.extensions["retombees_sessions"])
    data = form(management_client, campaign="", date_from="", date_to="", status="all")
    task_id = started_task(management_client.post("/pressbook/", data=data))
    state = management_client.get(f"/tasks/{task_id}.json").get_json()
    assert state["status"] == "done", state
    assert state["result"]["clips"] == 10  # every reviewed clip, all campaigns and dates
    reader = PdfReader(io.BytesIO(management_client.get(f"/tasks/{task_id}/download").data))
    assert "All campaigns" in reader.pages[0].extract_text()


def test_a_period_ending_before_it_starts_is_refused(app, officer_client, inline_tasks):
    seed_press_book(app.extensions["retombees_sessions"])
    data = form(officer_client, date_from="2025-04-30", date_to="2025-03-01")
    response = officer_client.post("/pressbook/", data=data)
    assert response.status_code == 400
    assert "The end of the period is before its start." in response.get_data(as_text=True)
    with app.extensions["retombees_sessions"]() as session:
        assert session.query(Task).count() == 0


def test_a_failed_build_fails_with_the_reason_the_command_gave(app):
    class NoFile:
        def __call__(self, *args):
            pass

        def attach_file(self, *args):
            raise AssertionError("no file for a failed book")

    with (
        app.test_request_context(),
        pytest.raises(BuildFailed, match="No campaign has the slug 'gone'"),
    ):
        build(None, NoFile(), {"campaign": "gone", "format": "pdf"})


def test_the_task_parameters_become_the_command():
    args = command_args(
        {
            "campaign": "dix-ans",
            "date_from": "2025-03-01",
            "date_to": None,
            "status": "all",
            "order": "medium",
            "format": "docx",
            "title": "Bilan",
            "full_text": True,
            "lang": "en",
        },
        "/tmp/book.docx",
    )
    assert args[:5] == ["pressbook", "--output", "/tmp/book.docx", "--json", "--progress"]
    assert "--to" not in args and args[args.index("--from") + 1] == "2025-03-01"
    assert args[-1] == "--full-text" and args[args.index("--lang") + 1] == "en"
    assert "--title=Bilan" in args


def test_scheduled_press_books_are_listed_and_downloadable_by_whoever_exports(
    app, management_client
):
    from scheduler import Jobs

    sessions = app.extensions["retombees_sessions"]
    seed_press_book(sessions)
    Jobs(app.extensions["retombees_settings"]).monthly_press_books(
        now=datetime(2025, 5, 1, 5, tzinfo=UTC)
    )
    with sessions.begin() as session:
        [book] = session.query(Task).filter(Task.user_id.is_(None)).all()
        # an ownerless book the scheduler did not build (its owner's account was removed)
        orphan = Task(kind="pressbook", title="Orphan", status="done", file_data=b"%PDF-x")
        session.add(orphan)
        session.flush()
        book_id, orphan_id = book.id, orphan.id
    page = management_client.get("/pressbook/").get_data(as_text=True)
    scheduled = page.split("Scheduled press books", 1)[1]
    assert "Dix ans au patrimoine mondial, avril 2025" in scheduled  # the default language
    assert f"/tasks/{book_id}/download" in scheduled and "Orphan" not in scheduled
    agency = app.test_client()
    add_user(app, "agence", Role.AGENCY)
    assert login(agency, "agence").status_code == 302
    for role_client in (management_client, agency):
        download = role_client.get(f"/tasks/{book_id}/download")
        assert download.status_code == 200 and download.mimetype == PDF_TYPE
        assert download.data.startswith(b"%PDF")
        assert role_client.get(f"/tasks/{orphan_id}/download").status_code == 404
    # Without a login, no file.
    assert app.test_client().get(f"/tasks/{book_id}/download").status_code == 302


def test_without_scheduled_books_the_page_says_so(agency_client):
    page = agency_client.get("/pressbook/").get_data(as_text=True)
    assert "Scheduled press books" in page and "No scheduled press book yet." in page
