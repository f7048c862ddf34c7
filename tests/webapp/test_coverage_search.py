"""The coverage search page and the clip page (edit, history), as a user sees them.

Pages are asked for in English (``?lang=en``) so that the French catalogue can grow freely.
"""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models import Coverage, CoverageStatus, Medium, Outlet, Role
from models.history import CoverageEvent
from tests.conftest import add_user, csrf_token, login
from tests.models.test_search import seed


@pytest.fixture
def any_app(any_settings):
    from webapp import create_app

    app = create_app({"TESTING": True}, settings=any_settings)
    yield app
    app.extensions["retombees_engine"].dispose()


@pytest.fixture
def any_officer(any_app):
    client = any_app.test_client()
    add_user(any_app, "claire", Role.OFFICER)
    assert login(client, "claire").status_code == 302
    client.get("/coverage/?lang=en")
    return client


@pytest.fixture
def officer(officer_client):
    officer_client.get("/coverage/?lang=en")
    return officer_client


@pytest.fixture
def management(management_client):
    management_client.get("/coverage/?lang=en")
    return management_client


def titles(client, query: str = "") -> list[str]:
    """The titles listed by the search page, in order."""
    page = client.get(f"/coverage/?{query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return re.findall(r'<td class="title"><a href="/coverage/\d+">([^<]*)</a>', html)


def count(client, query: str = "") -> str:
    html = client.get(f"/coverage/?{query}").get_data(as_text=True)
    match = re.search(r'id="result-count">\s*([^<]*?)\s*</p>', html)
    return match.group(1) if match else ""


HABITANTS = "L&#39;énergie des habitants du Bassin minier"
FESTIVAL = "Le 9-9bis accueille un festival"
RENOUVELABLES = "Énergies renouvelables sur les terrils"


def test_words_find_clips_on_both_databases(any_app, any_officer):
    seed(any_app.extensions["retombees_sessions"])
    assert set(titles(any_officer, "q=énergie")) == {HABITANTS, FESTIVAL, RENOUVELABLES}
    assert count(any_officer, "q=énergie") == "3 clips"
    assert titles(any_officer, "q=habitants") == [HABITANTS]
    assert count(any_officer, "q=habitants") == "1 clip"
    assert titles(any_officer, "q=%22bassin+minier%22+-solaire") == [HABITANTS]
    assert titles(any_officer, "q=cinéma") == []
    assert "No clip matches" in any_officer.get("/coverage/?q=cinéma").get_data(as_text=True)


def test_a_word_without_its_accent_finds_the_clip(app, officer):
    seed(app.extensions["retombees_sessions"])
    assert set(titles(officer, "q=energie")) == {HABITANTS, FESTIVAL, RENOUVELABLES}
    assert titles(officer, "q=ENERGIE+fierte") == [HABITANTS]


def test_each_filter_narrows_the_list(any_app, any_officer):
    ids = seed(any_app.extensions["retombees_sessions"])
    assert titles(any_officer) == [RENOUVELABLES, FESTIVAL, HABITANTS]  # latest first
    assert titles(any_officer, "medium=tv") == [FESTIVAL]
    assert titles(any_officer, f"campaign={ids['umbrella']}") == [FESTIVAL, HABITANTS]
    assert titles(any_officer, f"campaign={ids['trip']}") == [HABITANTS]
    assert titles(any_officer, f"outlet={ids['voix']}") == [HABITANTS]
    assert titles(any_officer, "scope=national") == [RENOUVELABLES]
    assert titles(any_officer, "status=new") == [FESTIVAL]
    assert len(titles(any_officer, "status=all")) == 4
    assert titles(any_officer, "tone=positive") == [HABITANTS]
    assert titles(any_officer, "key_message=Fiert%C3%A9+des+habitants") == [HABITANTS]
    assert titles(any_officer, "date_from=2022-03-16&date_to=2022-03-31") == [FESTIVAL]
    assert titles(any_officer, "q=énergie&medium=press&sort=date_asc") == [HABITANTS, RENOUVELABLES]
    html = any_officer.get("/coverage/").get_data(as_text=True)
    assert "Voyage de presse" in html and "Fierté des habitants" in html  # offered in the form


def test_sort_by_date_and_value(any_app, any_officer):
    seed(any_app.extensions["retombees_sessions"])
    assert titles(any_officer, "sort=date_asc") == [HABITANTS, FESTIVAL, RENOUVELABLES]
    assert titles(any_officer, "sort=date_desc") == [RENOUVELABLES, FESTIVAL, HABITANTS]
    assert titles(any_officer, "sort=ave_desc") == [RENOUVELABLES, FESTIVAL, HABITANTS]
    html = any_officer.get("/coverage/?sort=ave_desc").get_data(as_text=True)
    assert re.search(r"9[\s,\u202f]000(\.00)?\s€", html)  # the AVE set by hand is the one listed


def _many(app, n=30):
    with app.extensions["retombees_sessions"].begin() as session:
        outlet = Outlet(name="La Voix du Nord", medium=Medium.PRESS)
        for i in range(n):
            session.add(
                Coverage(
                    url=f"https://lavoixdunord.fr/{i}",
                    title=f"Terrils numéro {i:02d}",
                    published_at=datetime(2022, 1, 1 + i, tzinfo=UTC),
                    status=CoverageStatus.CONFIRMED,
                    medium=Medium.PRESS,
                    outlet=outlet,
                )
            )


def test_pages_keep_the_search_and_filters(app, officer):
    _many(app)
    html = officer.get("/coverage/?q=terrils&medium=press&per_page=25").get_data(as_text=True)
    assert count(officer, "q=terrils&medium=press&per_page=25") == "30 clips"
    assert len(re.findall(r'<td class="title">', html)) == 25
    link = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    assert "q=terrils" in link and "medium=press" in link and "page=2" in link
    second = officer.get(link).get_data(as_text=True)
    assert len(re.findall(r'<td class="title">', second)) == 5
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert titles(officer, "sort=date_asc&per_page=25")[0] == "Terrils numéro 00"


def test_a_capped_count_offers_the_exact_count(app, officer, monkeypatch):
    _many(app)
    monkeypatch.setattr("models.search.COUNT_CAP", 20)
    html = officer.get("/coverage/?q=terrils&medium=press&per_page=25").get_data(as_text=True)
    assert re.search(r'id="result-count">\s*20\+ clips ·', html)
    link = re.search(r'href="([^"]+)" id="count-all">Count them all<', html).group(1)
    link = link.replace("&amp;", "&")
    assert "q=terrils" in link and "medium=press" in link and "count=all" in link
    exact = officer.get(link).get_data(as_text=True)
    assert re.search(r'id="result-count">\s*30 clips\s*</p>', exact)
    # the pages keep counting exactly
    second = re.search(r'href="([^"]+)" rel="next"', exact).group(1).replace("&amp;", "&")
    assert "count=all" in second and count(officer, second.split("?", 1)[1]) == "30 clips"


@pytest.mark.parametrize(
    "query, message",
    [
        ("date_from=2022-13-45", "Not a valid date value"),
        ("date_from=2022-03-20&date_to=2022-03-01", "The end date comes before the start date"),
        ("medium=cinema", "Not a valid choice"),
        ("campaign=abc", "Not a valid choice"),
        ("page=-3", "Number must be between 1 and 100000"),
        ("page=99999999999999999999999", "Number must be between 1 and 100000"),
        ("per_page=100000", "Not a valid choice"),
        ("q=(((", "Type at least one word to search for"),
        ("q=-football", "Give at least one word to find beside the words to leave out"),
    ],
)
def test_invalid_input_is_explained_on_the_page(any_app, any_officer, query, message):
    seed(any_app.extensions["retombees_sessions"])
    response = any_officer.get(f"/coverage/?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="flash flash-error" role="alert"' in html and message in html
    assert '<table class="table results">' not in html


@pytest.mark.parametrize("q", ['"unbalanced', "AND OR (", "NEAR(a b)", "title:x", "énergie*"])
def test_search_syntax_typed_by_a_user_never_breaks_the_page(any_app, any_officer, q):
    seed(any_app.extensions["retombees_sessions"])
    response = any_officer.get("/coverage/", query_string={"q": q})
    assert response.status_code == 200
    assert 'id="result-count"' in response.get_data(as_text=True)


def test_the_search_needs_a_login(client):
    response = client.get("/coverage/?q=energie")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_article_content_is_escaped_in_the_list_and_the_clip_page(app, officer):
    with app.extensions["retombees_sessions"].begin() as session:
        session.add(
            Coverage(
                url="https://example.fr/x",
                title="Terrils <script>alert(1)</script>",
                author="<b>Auteur</b>",
                text="Premier <img src=x onerror=alert(2)>\nSecond paragraphe",
                status=CoverageStatus.NEW,
                outlet=Outlet(name="<i>Média</i>", medium=Medium.WEB),
            )
        )
    for path in ("/coverage/?q=terrils", "/coverage/1"):
        html = officer.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "<i>Média</i>" not in html
        assert "Terrils &lt;script&gt;alert(1)&lt;/script&gt;" in html
    page = officer.get("/coverage/1").get_data(as_text=True)
    assert "<img src=x" not in page and "<b>Auteur</b>" not in page
    assert "<p>Premier &lt;img src=x onerror=alert(2)&gt;</p>" in page
    assert "<p>Second paragraphe</p>" in page


def _edit_form(client, coverage_id: int, **changes) -> dict:
    token = csrf_token(client, f"/coverage/{coverage_id}/edit")
    form = {
        "csrf_token": token,
        "title": "L'énergie des habitants du Bassin minier",
        "author": "Marie Dupont",
        "day": "2022-03-10",
        "outlet": "1",
        "programme": "",
        "summary": "",
        "note": "",
    }
    return form | changes


def test_an_edit_is_saved_and_shown_in_the_history(any_app, any_officer):
    ids = seed(any_app.extensions["retombees_sessions"])
    clip_id = ids["habitants"]
    form = _edit_form(
        any_officer, clip_id, title="Les habitants <fiers> et heureux", programme="page 4"
    )
    form["outlet"] = str(ids["voix"])
    response = any_officer.post(f"/coverage/{clip_id}/edit", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/coverage/{clip_id}")
    page = any_officer.get(f"/coverage/{clip_id}").get_data(as_text=True)
    assert "<h1>Les habitants &lt;fiers&gt; et heureux</h1>" in page and "page 4" in page
    history = page[page.index('id="history-title"') :]
    assert "Edited" in history and "by claire" in history
    assert "<del>L&#39;énergie des habitants du Bassin minier</del>" in history
    assert "<ins>Les habitants &lt;fiers&gt; et heureux</ins>" in history
    assert "Page or programme" in history and "Author" not in history  # only what changed
    # the new words are searchable at once
    assert titles(any_officer, "q=heureux") == ["Les habitants &lt;fiers&gt; et heureux"]
    with any_app.extensions["retombees_sessions"]() as session:
        event = session.scalar(select(CoverageEvent))
        assert event.action == "edit" and event.user.username == "claire"
        assert event.details == {
            "title": [
                "L'énergie des habitants du Bassin minier",
                "Les habitants <fiers> et heureux",
            ],
            "programme": [None, "page 4"],
        }


def test_moving_a_clip_to_another_outlet_and_day(app, officer):
    ids = seed(app.extensions["retombees_sessions"])
    clip_id = ids["habitants"]
    with app.extensions["retombees_sessions"]() as session:
        monde = session.scalar(select(Outlet).where(Outlet.name == "Le Monde"))
    form = _edit_form(officer, clip_id, day="2022-03-12", outlet=str(monde.id))
    assert officer.post(f"/coverage/{clip_id}/edit", data=form).status_code == 302
    page = officer.get(f"/coverage/{clip_id}").get_data(as_text=True)
    assert "<del>La Voix du Nord</del> → <ins>Le Monde</ins>" in page
    assert "<del>2022-03-10</del> → <ins>2022-03-12</ins>" in page
    with app.extensions["retombees_sessions"]() as session:
        clip = session.get(Coverage, clip_id)
        assert clip.outlet.name == "Le Monde"
        assert clip.published_at == datetime(2022, 3, 12, 9, tzinfo=UTC)  # same hour
        assert clip.valued_at is not None  # valued again for the new outlet


def test_an_edit_without_title_is_refused_and_saving_nothing_records_nothing(app, officer):
    ids = seed(app.extensions["retombees_sessions"])
    clip_id = ids["habitants"]
    form = _edit_form(officer, clip_id, title="  ")
    assert officer.post(f"/coverage/{clip_id}/edit", data=form).status_code == 400
    form = _edit_form(officer, clip_id, outlet=str(ids["voix"]))
    assert officer.post(f"/coverage/{clip_id}/edit", data=form).status_code == 302
    with app.extensions["retombees_sessions"]() as session:
        assert session.scalar(select(CoverageEvent)) is None
    assert officer.get("/coverage/999/edit").status_code == 404


def test_size_and_value_set_by_hand_are_in_the_history(app, officer):
    ids = seed(app.extensions["retombees_sessions"])
    clip_id = ids["habitants"]
    token = csrf_token(officer, f"/coverage/{clip_id}")
    officer.post(f"/coverage/{clip_id}/size", data={"csrf_token": token, "page_fraction": "0,5"})
    officer.post(
        f"/coverage/{clip_id}/value",
        data={"csrf_token": token, "amount": "1200", "reason": "Tarif négocié"},
    )
    page = officer.get(f"/coverage/{clip_id}").get_data(as_text=True)
    history = page[page.index('id="history-title"') :]
    assert "Size entered" in history and "Advertising value set by hand" in history
    assert "<ins>0.5</ins>" in history and "<ins>Tarif négocié</ins>" in history
    with app.extensions["retombees_sessions"]() as session:
        events = session.scalars(select(CoverageEvent).order_by(CoverageEvent.id)).all()
        assert [(e.action, e.details) for e in events] == [
            ("size", {"page_fraction": [None, 0.5]}),
            (
                "value",
                {
                    "ave_override_eur": [None, 1200.0],
                    "ave_override_reason": [None, "Tarif négocié"],
                },
            ),
        ]


def test_management_reads_but_cannot_edit(app, management):
    ids = seed(app.extensions["retombees_sessions"])
    clip_id = ids["habitants"]
    page = management.get(f"/coverage/{clip_id}").get_data(as_text=True)
    assert "Fierté des habitants" in page and f"/coverage/{clip_id}/edit" not in page
    assert len(titles(management)) == 3
    assert management.get(f"/coverage/{clip_id}/edit").status_code == 403
    token = csrf_token(management, f"/coverage/{clip_id}")
    response = management.post(
        f"/coverage/{clip_id}/edit", data={"csrf_token": token, "title": "Piraté", "outlet": "0"}
    )
    assert response.status_code == 403
    with app.extensions["retombees_sessions"]() as session:
        assert session.get(Coverage, clip_id).title.startswith("L'énergie")


def test_history_names_actions_recorded_by_other_pages(app, officer):
    from models.history import record
    from models.user import user_by_name

    ids = seed(app.extensions["retombees_sessions"])
    with app.extensions["retombees_sessions"].begin() as session:
        clip = session.get(Coverage, ids["festival"])
        claire = user_by_name(session, "claire")
        record(session, clip, "confirm", {"status": ["new", "confirmed"]}, claire)
        record(session, clip, "duplicate", {"duplicate_of": ids["habitants"]}, None)
    page = officer.get(f"/coverage/{ids['festival']}").get_data(as_text=True)
    history = page[page.index('id="history-title"') :]
    assert history.index("Marked as a duplicate") < history.index("Confirmed")  # newest first
    assert "<del>To review</del> → <ins>Confirmed</ins>" in history and "automatically" in history
