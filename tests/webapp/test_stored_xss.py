"""Stored XSS: what crawled pages, imports and users put in the database is shown as text.

Every text field of a clip (title, summary, text, author, programme, note, quotes, key
messages, campaign hits, valuation notes, its address), of its outlet, campaign, story, source,
of the press file (contacts, actions, requests), of users, tasks and mail carries script
payloads. Each page of the interface that shows them, the press book (the HTML WeasyPrint lays
out, the PDF's links, the DOCX's links) and the digest mail are parsed the way a browser parses
them (html5lib) and must be inert: no script but the app's own files under ``/static/``, no
``on…`` attribute, no ``javascript:`` (or ``data:``, ``vbscript:``) link, no SVG but the app's
charts, no element that came out of a payload. A clip whose address is ``javascript:…`` gets
no link at all. The payloads are also checked to be *on* the page, as text: a sweep that
misses the content would prove nothing.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import html5lib
import pytest
from docx import Document
from pypdf import PdfReader

from models import (
    Campaign,
    Contact,
    Coverage,
    CoverageCampaign,
    CoverageStatus,
    KeyMessage,
    MailMessage,
    MailStatus,
    Medium,
    Outlet,
    PressAction,
    PressRequest,
    Role,
    Scope,
    Snapshot,
    Source,
    SourceKind,
    Story,
    Task,
    TaskStatus,
    Tone,
)
from models.contact import ContactOutlet
from models.digest import compose_daily_digest, compose_weekly_summary
from models.press_action import ActionContact, ActionKind, AttributionState, CoverageAction
from models.pressbook import BookOptions, build_press_book
from models.snapshots import compress
from models.user import create_user, user_by_name
from tests.conftest import PASSWORD, login
from webapp.pressbook_render import Look, Texts, book_html, render

# Each payload marks what it would inject with "xss" (an id or a data-xss attribute), so that
# an element that came out of content is found whatever its kind. None is longer than 50
# characters: they fit every column, PostgreSQL's limits included.
PAYLOADS = (
    "<script id=xss>alert(1)</script>",
    "<img src=x id=xss onerror=alert(1)>",
    '<a id=xss href="javascript:alert(1)">clic</a>',
    "<svg id=xss onload=alert(1)>",
    "<svg><script id=xss>alert(1)</script></svg>",
    '"><script id=xss>alert(1)</script>',
    "' onmouseover='alert(1)' data-xss='",
    '" onfocus="alert(1)" autofocus data-xss="',
    "</textarea><script id=xss>alert(1)</script>",
    "</title><svg id=xss onload=alert(1)>",
    "&lt;script id=xss&gt;alert(1)&lt;/script&gt;",  # entities that a careless unescape revives
)
EVERYTHING = " ".join(PAYLOADS)  # for the long text columns
TITLE = "Terrils " + EVERYTHING
CONFIRMED_TITLE = "Louvre-Lens " + EVERYTHING
# Addresses that must never become links.
BAD_URLS = (
    "javascript:alert(1)",
    " JaVaScRiPt:alert(2)",
    "data:text/html,<script>alert(3)</script>",
)
UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:")
NOW = datetime(2026, 3, 5, 7, 0, tzinfo=UTC)  # a Thursday, 8:00 in Paris


def payload(i: int) -> str:
    return PAYLOADS[i % len(PAYLOADS)]


def seed(factory) -> dict:
    """Poisoned content everywhere; return the ids of what pages show."""
    with factory.begin() as session:
        outlet = Outlet(
            name="La Voix " + payload(0),
            medium=Medium.PRESS,
            scope=Scope.REGIONAL,
            audience=100_000,
            audience_unit=payload(1),
            audience_source=EVERYTHING[:500],
            confidence=payload(2),
        )
        web = Outlet(name="Actu " + payload(3), medium=Medium.WEB, scope=Scope.LOCAL)
        campaign = Campaign(
            slug="poison",
            name="Bassin " + payload(5),
            description=EVERYTHING,
            query='"bassin minier"',
            key_messages=[KeyMessage(label="Patrimoine " + payload(4), phrasings=[EVERYTHING])],
        )
        reviewer = create_user(session, payload(1), PASSWORD, Role.OFFICER)
        story = Story(title=EVERYTHING)

        def clip(url, title, status, outlet, published, **values):
            hits = [payload(6), payload(7)]
            return Coverage(
                url=url,
                title=title,
                summary=EVERYTHING,
                summary_generated=None,
                text="\n".join(PAYLOADS),
                author=payload(8),
                programme=payload(9),
                note=EVERYTHING,
                status=status,
                medium=outlet.medium,
                medium_reason=payload(10),
                relevant=True,
                relevance=0.9,
                relevance_evidence=[{"term": payload(0), "weight": 2, "kind": "territory"}],
                key_messages=[
                    {"label": "Patrimoine " + payload(4), "sentence": EVERYTHING, "score": 0.9}
                ],
                quotes=[{"text": EVERYTHING, "speaker": payload(2), "role": payload(3)}],
                tone=Tone.POSITIVE,
                tone_reason=payload(5),
                reach=120_000,
                reach_breakdown={
                    "formula": payload(6),
                    "definition": EVERYTHING,
                    "inputs": [{"name": payload(7), "value": 1, "unit": payload(8)}],
                    "warnings": [EVERYTHING],
                    "missing": [payload(9)],
                },
                ave_eur=1_000.0,
                ave_breakdown={"formula": payload(10), "definition": EVERYTHING},
                ave_override_eur=900.0,
                ave_override_reason=EVERYTHING,
                outlet=outlet,
                story=story,
                published_at=published,
                processed_at=NOW - (NOW - published) / 2,
                campaign_links=[CoverageCampaign(campaign=campaign, hits=hits)],
                **values,
            )

        new = clip(
            BAD_URLS[0], TITLE, CoverageStatus.NEW, outlet, datetime(2026, 3, 4, 20, tzinfo=UTC)
        )
        confirmed = clip(
            BAD_URLS[1],
            CONFIRMED_TITLE,
            CoverageStatus.CONFIRMED,
            web,
            datetime(2026, 3, 4, 10, tzinfo=UTC),  # the day before NOW: in the digest
            reviewed_by=reviewer,
            reviewed_at=NOW,
        )
        html = ("<html><body>" + EVERYTHING + "</body></html>").encode()
        confirmed.snapshot = Snapshot(
            fetched_at=NOW, final_url=BAD_URLS[2], size=len(html), html_gz=compress(html)
        )
        third = clip(BAD_URLS[2], "Troisième " + EVERYTHING, CoverageStatus.NEW, web, NOW)
        source = Source(
            name="Flux " + payload(0),
            kind=SourceKind.FEED,
            url="javascript:alert(4)",
            last_error=EVERYTHING,
            warning=EVERYTHING,
        )
        contact = Contact(
            first_name=payload(1),
            last_name=payload(2),
            email="lea" + payload(6)[:20] + "@example.fr",
            phone=payload(3),
            role=payload(4),
            beat=payload(5),
            notes=EVERYTHING,
            data_source=payload(9),
            outlet_links=[ContactOutlet(outlet=outlet, position=payload(7))],
        )
        action = PressAction(
            kind=ActionKind.RELEASE,
            title="Communiqué " + payload(0),
            day=date(2026, 3, 2),
            campaign=campaign,
            document_name=payload(1),
            document_text=EVERYTHING,
            notes=EVERYTHING,
            people=[ActionContact(contact=contact, recipient=True)],
        )
        suggestion = CoverageAction(
            coverage=new,
            action=action,
            state=AttributionState.SUGGESTED,
            score=0.8,
            reasons=[{"kind": "words", "detail": EVERYTHING}],
        )
        request = PressRequest(
            subject="Demande " + payload(2),
            requester=payload(3),
            details=EVERYTHING,
            answer=EVERYTHING,
            contact=contact,
        )
        task = Task(
            kind="export_clips",
            title="Export " + payload(4),
            status=TaskStatus.FAILED,
            message=EVERYTHING,
            error=EVERYTHING,
        )
        mail = MailMessage(
            key="poison-1",
            kind="digest",
            to_address=payload(5),
            subject="Sujet " + payload(6),
            text_body=EVERYTHING,
            html_body=EVERYTHING,
            status=MailStatus.FAILED,
            last_error=EVERYTHING,
        )
        session.add_all([new, confirmed, third, source, contact, action, suggestion])
        session.add_all([request, task, mail])
        session.flush()
        return {
            "new": new.id,
            "confirmed": confirmed.id,
            "third": third.id,
            "contact": contact.id,
            "action": action.id,
            "request": request.id,
            "task": task.id,
            "campaign": campaign.id,
        }


# -- What "inert" means ----------------------------------------------------------------------


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _scheme(value: str) -> str:
    """The scheme a browser would read: control characters and spaces do not hide it."""
    return re.sub(r"[\x00-\x20]", "", value).lower()


def inert_problems(html: str, *, app_scripts: bool = True) -> list[str]:
    """What in ``html`` would run or navigate to script, as a browser parses it."""
    problems = []
    document = html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)
    for element in document.iter():
        tag = _local(element.tag)
        attributes = {_local(k).lower(): v for k, v in element.attrib.items()}
        if attributes.get("id", "").startswith("xss") or "data-xss" in attributes:
            problems.append(f"an element from content: <{tag} {attributes}>")
        for name, value in attributes.items():
            if name.startswith("on"):
                problems.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction", "data", "srcdoc", "poster"):
                if _scheme(value).startswith(UNSAFE_SCHEMES) and not value.startswith(
                    "data:image/"
                ):
                    problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            own = app_scripts and attributes.get("src", "").startswith("/static/")
            if not own or (element.text or "").strip():
                problems.append(f"a script: <script {attributes}>{element.text or ''}")
        if tag == "svg" and not attributes.get("class", "").startswith("chart"):
            problems.append(f"an SVG that is not a chart: <svg {attributes}>")
        if tag in ("iframe", "object", "embed", "base"):
            problems.append(f"<{tag} {attributes}>")
        if tag == "meta" and "http-equiv" in attributes:
            problems.append(f"<meta {attributes}>")
    return problems


def visible_text(html: str) -> str:
    document = html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)
    parts = []
    for element in document.iter():
        parts += [element.text or "", element.tail or ""]
        parts += [v for v in element.attrib.values()]
    return " ".join(" ".join(parts).split())


def assert_inert(html: str, where: str, shown: tuple[str, ...] = (), **options) -> None:
    problems = inert_problems(html, **options)
    assert not problems, f"{where}: " + "\n".join(problems)
    text = visible_text(html)
    for expected in shown:  # the content is there, as text: the sweep saw it
        if " ".join(expected.split()) not in text:
            pytest.fail(f"{where}: {expected[:60]!r} is not shown")


def test_the_check_finds_each_payload_when_not_escaped():
    """The check can fail: each payload pasted raw into a page is caught."""
    for raw in PAYLOADS[:-1]:
        page = f"<p title=\"{raw}\">{raw}</p><input value='{raw}'><textarea>{raw}</textarea>"
        assert inert_problems(page), raw
    assert inert_problems('<a href=" java\tscript:alert(1)">x</a>')
    assert inert_problems('<script src="https://evil.example/x.js"></script>')
    assert not inert_problems('<script src="/static/js/review.js" defer></script>')
    assert not inert_problems('<svg class="chart chart-bars"><title>x</title></svg>')


# -- The interface ---------------------------------------------------------------------------


@pytest.fixture
def settings(any_settings):
    """On SQLite, then on PostgreSQL (its column limits and JSON types)."""
    return any_settings


@pytest.fixture
def ids(app):
    return seed(app.extensions["retombees_sessions"])


def pages(ids: dict) -> dict[str, tuple[str, ...]]:
    """Each page of the interface that shows stored content, and what it must show as text."""
    new, confirmed = ids["new"], ids["confirmed"]
    year = {"from": "2026-01-01", "to": "2026-12-31"}
    period = "&".join(f"{k}={v}" for k, v in year.items())
    return {
        "/review/": (TITLE, "La Voix " + payload(0)),
        "/review/?status=all": (TITLE,),
        f"/coverage/{new}": (TITLE, payload(8), payload(9), EVERYTHING),
        f"/coverage/{confirmed}": (CONFIRMED_TITLE, payload(1)),  # the reviewer's name
        f"/coverage/{ids['third']}": (),
        f"/coverage/{new}/edit": (TITLE,),
        "/coverage/?q=terrils": (TITLE,),
        "/coverage/?status=all": (TITLE, CONFIRMED_TITLE),
        f"/dashboard/?campaign=poison&{period}&status=all": ("La Voix " + payload(0),),
        f"/dashboard/?campaign=&{period}": ("Actu " + payload(3),),
        "/campaigns/": ("Bassin " + payload(5),),
        "/campaigns/poison": ("Bassin " + payload(5), "Patrimoine " + payload(4)),
        "/campaigns/poison/edit": (EVERYTHING,),
        "/outlets/": ("La Voix " + payload(0),),
        "/sources/": ("Flux " + payload(0), "javascript:alert(4)"),
        "/contacts/": (payload(1),),
        f"/contacts/{ids['contact']}": (payload(3), EVERYTHING),
        f"/contacts/{ids['contact']}/edit": (EVERYTHING,),
        "/actions/": ("Communiqué " + payload(0),),
        f"/actions/{ids['action']}": ("Communiqué " + payload(0),),
        f"/actions/{ids['action']}/edit": (EVERYTHING,),
        f"/actions/report?ids={ids['action']}": ("Communiqué " + payload(0),),
        "/requests/": ("Demande " + payload(2),),
        f"/requests/{ids['request']}": (EVERYTHING,),
        f"/requests/{ids['request']}/edit": (EVERYTHING,),
        "/tasks/": ("Export " + payload(4),),
        f"/tasks/{ids['task']}": (EVERYTHING,),
        "/admin/": (payload(1),),  # the user names
        "/admin/mail/": ("Sujet " + payload(6),),
        "/pressbook/": (),
        "/account/": (),
    }


def test_every_page_shows_stored_content_as_text(app, ids, admin_client):
    for path, shown in pages(ids).items():
        response = admin_client.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        assert_inert(response.get_data(as_text=True), path, shown)


def test_a_javascript_address_never_becomes_a_link(app, ids, admin_client):
    """The original's link is left out, the address is still shown as text."""
    for key, url in (("new", BAD_URLS[0]), ("confirmed", BAD_URLS[1]), ("third", BAD_URLS[2])):
        html = admin_client.get(f"/coverage/{ids[key]}").get_data(as_text=True)
        assert_inert(html, key, (url.strip(),))
    inbox = admin_client.get("/review/").get_data(as_text=True)
    assert "data-original" not in inbox  # no "Open the original" link for these clips


def test_the_inbox_answers_fetch_with_inert_cards(app, ids, admin_client):
    """The inbox's script swaps in the card the server rendered (innerHTML) and shows the
    message as text (textContent): the card is inert, the message is plain text."""
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', admin_client.get("/review/").get_data(as_text=True)
    ).group(1)
    response = admin_client.post(
        f"/review/{ids['new']}/confirm",
        data={"csrf_token": token, "next": "/review/"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert_inert(body["card"], "inbox card", (TITLE,))
    assert TITLE in body["message"]  # as text: review.js sets it with textContent


def test_the_scripts_write_html_only_from_server_cards():
    """Content reaches the page through textContent; the one innerHTML takes a card that the
    server rendered (and escaped), never a title or a message."""
    scripts = Path(__file__).parents[2] / "webapp" / "static" / "js"
    sinks = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(")
    found = {
        f"{path.name}: {line.strip()}"
        for path in scripts.glob("*.js")
        for line in path.read_text().splitlines()
        if sinks.search(line)
    }
    assert found == {"review.js: holder.innerHTML = html.trim();"}, found


def test_the_archived_page_is_served_in_a_sandbox(app, ids, admin_client):
    response = admin_client.get(f"/coverage/{ids['confirmed']}/snapshot")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert policy.startswith("sandbox") and "default-src 'none'" in policy
    assert "script-src" not in policy  # no script may run in it
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_user_name_and_flash_messages_are_text(app, ids, client):
    """The account name shown in the menu of every page comes from the database."""
    assert login(client, payload(1)).status_code == 302
    assert_inert(client.get("/review/").get_data(as_text=True), "menu", (payload(1),))


# -- The press book --------------------------------------------------------------------------


LOOK = Look(organisation_name="Mission " + payload(0), base_url="https://retombees.example.org")


def book(session, ids):
    options = BookOptions(
        campaign_id=ids["campaign"],
        date_from=date(2026, 3, 1),
        date_to=date(2026, 3, 31),
        status="all",
        full_text=True,
    )
    return build_press_book(session, options)


def test_the_press_book_html_that_weasyprint_lays_out_is_inert(app, ids):
    with app.extensions["retombees_sessions"]() as session:
        html = book_html(book(session, ids), LOOK, Texts("fr"))
    assert_inert(html, "press book", (CONFIRMED_TITLE, "Mission " + payload(0)), app_scripts=False)
    assert "javascript:" not in " ".join(re.findall(r'href="([^"]*)"', html)).lower()


def pdf_links(data: bytes) -> list[str]:
    links = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            if "/URI" in action:
                links.append(str(action["/URI"]))
            if action.get("/S") in ("/JavaScript", "/Launch"):
                links.append(f"{action['/S']} action")
    return links


def docx_links(data: bytes) -> list[str]:
    document = Document(io.BytesIO(data))
    return [rel.target_ref for rel in document.part.rels.values() if rel.is_external]


def test_the_press_book_files_hold_no_script_link(app, ids):
    with app.extensions["retombees_sessions"]() as session:
        press_book = book(session, ids)
        pdf = render(press_book, "pdf", LOOK, "fr").data
        docx = render(press_book, "docx", LOOK, "fr").data
    for kind, links in (("pdf", pdf_links(pdf)), ("docx", docx_links(docx))):
        assert links, f"the {kind} has no link at all: the check would prove nothing"
        unsafe = [link for link in links if not link.startswith(("https://", "http://"))]
        assert not unsafe, f"{kind}: {unsafe}"
    assert b"/JavaScript" not in pdf and b"/JS " not in pdf


# -- Mail ------------------------------------------------------------------------------------


def test_the_digest_and_the_weekly_summary_are_inert(app, ids, settings):
    with app.extensions["retombees_sessions"].begin() as session:
        officer = create_user(session, "claire", PASSWORD, Role.OFFICER)
        manager = create_user(session, "direction", PASSWORD, Role.MANAGEMENT)
        session.flush()
        digest = compose_daily_digest(session, officer, NOW, settings)
        weekly = compose_weekly_summary(
            session, manager, datetime(2026, 3, 9, 7, tzinfo=UTC), settings
        )
    assert digest is not None and weekly is not None
    assert_inert(digest.html, "daily digest", (TITLE, CONFIRMED_TITLE), app_scripts=False)
    assert_inert(weekly.html, "weekly summary", (CONFIRMED_TITLE,), app_scripts=False)
    for mail in (digest, weekly):
        assert "\n" not in mail.subject and "<" not in mail.subject
        hrefs = re.findall(r'href="([^"]*)"', mail.html)
        assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs), hrefs


def test_the_reviewer_name_is_found(app, ids):
    """The seed's user exists under its payload name (the admin page check relies on it)."""
    with app.extensions["retombees_sessions"]() as session:
        assert user_by_name(session, payload(1)) is not None
        assert session.get(Coverage, ids["confirmed"]).reviewed_by.username == payload(1)
