"""Creating and editing campaigns in the web interface, with the live preview of the query."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from models import Campaign, Coverage, CoverageCampaign, CoverageStatus, KeyMessage, Medium, Outlet
from models.campaign_preview import preview_query
from models.query import parse_query
from tests.conftest import csrf_token


@pytest.fixture(autouse=True)
def english(client):
    """These tests read the English interface texts (the French catalogue has its own test)."""
    client.get("/login?lang=en")


@pytest.fixture
def settings(any_settings):
    """Every test runs on SQLite, then on PostgreSQL when one is configured."""
    return any_settings


def form(client, path: str, **values) -> dict:
    """The fields a browser sends for the campaign form, with ``values`` changed."""
    data = {
        "csrf_token": csrf_token(client, path),
        "name": "",
        "slug": "",
        "description": "",
        "parent": "0",
        "start_date": "",
        "end_date": "",
        "active": "y",
        "territory": "bassin-minier-npdc",
        "query": "",
        "action": "save",
    }
    data.update(values)
    return data


def campaigns(app) -> dict[str, Campaign]:
    with app.extensions["retombees_sessions"]() as session:
        found = session.scalars(select(Campaign)).all()
        for campaign in found:
            _ = campaign.key_messages, campaign.parent  # loaded before the session closes
        return {c.slug: c for c in found}


def add_clips(app):
    """A campaign with three stored clips: two about the mining basin, one not."""
    with app.extensions["retombees_sessions"].begin() as session:
        campaign = Campaign(
            slug="bassin-minier",
            name="Bassin minier",
            query='"bassin minier"',
            needs_review=True,
            key_messages=[KeyMessage(label="Fierté", phrasings=["fiers de leur bassin"])],
        )
        outlet = Outlet(name="La Voix du Nord", medium=Medium.PRESS)
        clips = [
            ("Le Bassin-Minier fête l'UNESCO", "À Liévin, les habitants sont fiers.", "confirmed"),
            ("Terrils de Lorraine", "Le bassin minier lorrain, en Moselle.", "new"),
            ("Marché de Noël à Lille", "Des chalets et du vin chaud.", "pending"),
        ]
        for i, (title, body, status) in enumerate(clips):
            session.add(
                Coverage(
                    url=f"https://www.lavoixdunord.fr/article/{i}",
                    title=title,
                    text=body,
                    published_at=datetime(2026, 11, 10 + i, tzinfo=UTC),
                    status=CoverageStatus(status),
                    outlet=outlet,
                    campaign_links=[CoverageCampaign(campaign=campaign, hits=[])],
                )
            )


# -- Creating and editing -------------------------------------------------------------------


def test_create_a_campaign_with_two_key_messages(app, officer_client):
    page = officer_client.get("/campaigns/").get_data(as_text=True)
    assert 'href="/campaigns/new"' in page  # the "New campaign" button
    data = form(
        officer_client,
        "/campaigns/new",
        name="J'ai 10 ans",
        description="Les 10 ans de l'inscription au patrimoine mondial.",
        start_date="2022-01-01",
        end_date="2022-12-31",
        query='"patrimoine mondial" AND (anniversaire OR "10 ans")',
        **{
            "messages-0-label": "Fierté des habitants",
            "messages-0-phrasings": "Les habitants sont fiers\n\n  des habitants fiers  \n",
            "messages-1-label": "Changement d'image",
            "messages-1-phrasings": "une image qui change",
            "messages-2-label": "",
            "messages-2-phrasings": "",
        },
    )
    response = officer_client.post("/campaigns/new", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/campaigns/j-ai-10-ans")
    page = officer_client.get("/campaigns/j-ai-10-ans").get_data(as_text=True)
    assert "Campaign created." in page
    assert "Fierté des habitants" in page and "une image qui change" in page
    campaign = campaigns(app)["j-ai-10-ans"]
    assert campaign.query == '"patrimoine mondial" AND (anniversaire OR "10 ans")'
    assert str(campaign.start_date) == "2022-01-01" and str(campaign.end_date) == "2022-12-31"
    assert [(m.label, m.phrasings) for m in campaign.key_messages] == [
        ("Fierté des habitants", ["Les habitants sont fiers", "des habitants fiers"]),
        ("Changement d'image", ["une image qui change"]),
    ]


def test_form_offers_empty_message_rows_and_the_syntax_help(officer_client):
    page = officer_client.get("/campaigns/new").get_data(as_text=True)
    assert 'name="messages-0-label"' in page and 'name="messages-1-label"' in page
    assert "<details" in page and "NEAR/5" in page and "site:lavoixdunord.fr" in page
    assert "bassin-minier-npdc" in page  # the territory select
    assert 'src="/static/js/campaigns.js"' in page and "<script>" not in page


def test_invalid_query_shows_the_error_and_where_and_saves_nothing(app, officer_client):
    data = form(officer_client, "/campaigns/new", name="Terrils", query="terril AND (chevalement")
    response = officer_client.post("/campaigns/new", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Column 12: opening parenthesis without a closing one" in page
    assert "terril AND (chevalement\n           ^" in page  # the caret under the parenthesis
    assert 'value="Terrils"' in page  # what was typed comes back
    assert campaigns(app) == {}


def test_error_on_a_later_line_of_the_query_names_the_line(officer_client):
    data = form(officer_client, "/campaigns/new", name="X", query='"bassin minier"\nOR NEAR/3 x')
    page = officer_client.post("/campaigns/new", data=data).get_data(as_text=True)
    assert "Line 2, column 1: &#34;OR&#34; needs a term after it" in page


def test_dates_and_slugs_are_checked(app, officer_client):
    add_clips(app)
    data = form(
        officer_client,
        "/campaigns/new",
        name="Essai",
        slug="bassin-minier",
        start_date="2026-05-01",
        end_date="2026-04-01",
    )
    page = officer_client.post("/campaigns/new", data=data).get_data(as_text=True)
    assert "Another campaign already has this identifier." in page
    assert "The end date comes before the start date." in page
    data = form(officer_client, "/campaigns/new", name="Essai", slug="preview")
    assert "This identifier is reserved" in officer_client.post("/campaigns/new", data=data).text
    # The same name twice: the second identifier is made unique.
    data = form(officer_client, "/campaigns/new", name="Bassin minier")
    assert officer_client.post("/campaigns/new", data=data).status_code == 302
    assert {"bassin-minier", "bassin-minier-2"} <= set(campaigns(app))


def test_sub_campaign_under_an_umbrella_and_no_loop(app, officer_client):
    data = form(officer_client, "/campaigns/new", name="J'ai 10 ans")
    assert officer_client.post("/campaigns/new", data=data).status_code == 302
    umbrella = campaigns(app)["j-ai-10-ans"]
    # "Add a sub-campaign" on the umbrella's page preselects it.
    page = officer_client.get(f"/campaigns/new?parent={umbrella.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{umbrella.id}">', page)
    data = form(
        officer_client,
        "/campaigns/new",
        name="Louvre-Lens 10 ans",
        parent=str(umbrella.id),
        query="Louvre-Lens",
    )
    assert officer_client.post("/campaigns/new", data=data).status_code == 302
    child = campaigns(app)["louvre-lens-10-ans"]
    assert child.parent.slug == "j-ai-10-ans"

    listing = officer_client.get("/campaigns/").get_data(as_text=True)
    assert listing.index("J&#39;ai 10 ans") < listing.index("Louvre-Lens 10 ans")
    assert re.search(r'<tr class="depth-1">\s*<td>.*Louvre-Lens 10 ans', listing)
    assert "Louvre-Lens 10 ans" in officer_client.get("/campaigns/j-ai-10-ans").text
    assert "J&#39;ai 10 ans" in officer_client.get("/campaigns/louvre-lens-10-ans").text

    # The umbrella cannot go under its own sub-campaign, nor under itself.
    edit = officer_client.get("/campaigns/j-ai-10-ans/edit").get_data(as_text=True)
    assert re.search(rf'<option disabled value="{child.id}">', edit)
    for parent in (child.id, umbrella.id):
        data = form(
            officer_client, "/campaigns/j-ai-10-ans/edit", name="J'ai 10 ans", parent=str(parent)
        )
        response = officer_client.post("/campaigns/j-ai-10-ans/edit", data=data)
        assert response.status_code == 400
        assert "cannot be placed under itself or one of its sub-campaigns" in response.text
    assert campaigns(app)["j-ai-10-ans"].parent_id is None


def test_editing_key_messages_marks_the_clips_for_a_new_analysis(app, officer_client):
    add_clips(app)
    page = officer_client.get("/campaigns/bassin-minier").get_data(as_text=True)
    assert 'href="/campaigns/bassin-minier/edit"' in page  # the "Edit" button
    assert "created by an import" in page
    edit = officer_client.get("/campaigns/bassin-minier/edit").get_data(as_text=True)
    assert "fiers de leur bassin" in edit and "Remove this message" in edit
    message_id = campaigns(app)["bassin-minier"].key_messages[0].id
    unchanged = {
        "name": "Bassin minier",
        "slug": "bassin-minier",
        "query": '"bassin minier"',
        "messages-0-id": str(message_id),
        "messages-0-label": "Fierté",
        "messages-0-phrasings": "fiers de leur bassin",
    }
    # Saving without changing messages or territory analyses nothing again...
    data = form(officer_client, "/campaigns/bassin-minier/edit", **unchanged, description="Ok")
    assert officer_client.post("/campaigns/bassin-minier/edit", data=data).status_code == 302
    assert _stale(app) == set()
    assert not campaigns(app)["bassin-minier"].needs_review  # a person checked it
    # ...changing a message analyses the campaign's analysed clips again.
    changed = {
        **unchanged,
        "messages-0-phrasings": "fiers de leur bassin\nla fierté retrouvée",
        "messages-1-label": "Renouveau",
        "messages-1-phrasings": "le renouveau du bassin minier",
    }
    data = form(officer_client, "/campaigns/bassin-minier/edit", **changed)
    response = officer_client.post("/campaigns/bassin-minier/edit", data=data)
    assert response.status_code == 302
    assert "2 clips will be analysed again" in officer_client.get("/campaigns/bassin-minier").text
    assert _stale(app) == {1, 2}  # the pending clip is analysed anyway
    messages = campaigns(app)["bassin-minier"].key_messages
    assert [m.id for m in messages][0] == message_id  # the same message, edited
    assert [m.label for m in messages] == ["Fierté", "Renouveau"]


def test_removing_a_message_and_duplicate_labels(app, officer_client):
    add_clips(app)
    message_id = campaigns(app)["bassin-minier"].key_messages[0].id
    path = "/campaigns/bassin-minier/edit"
    base = {"name": "Bassin minier", "slug": "bassin-minier", "query": '"bassin minier"'}
    data = form(
        officer_client,
        path,
        **base,
        **{
            "messages-0-id": str(message_id),
            "messages-0-label": "Fierté",
            "messages-1-label": "fierté",
            "messages-1-phrasings": "fiers",
        },
    )
    response = officer_client.post(path, data=data)
    assert response.status_code == 400 and "Two key messages have this label." in response.text
    data = form(
        officer_client,
        path,
        **base,
        **{
            "messages-0-id": str(message_id),
            "messages-0-label": "Fierté",
            "messages-0-remove": "y",
        },
    )
    assert officer_client.post(path, data=data).status_code == 302
    assert campaigns(app)["bassin-minier"].key_messages == []
    assert _stale(app) == {1, 2}


def test_changing_the_territory_is_refused_when_unknown(app, officer_client):
    add_clips(app)
    path = "/campaigns/bassin-minier/edit"
    data = form(officer_client, path, name="Bassin minier", territory="atlantide")
    assert officer_client.post(path, data=data).status_code == 400
    assert campaigns(app)["bassin-minier"].territory == "bassin-minier-npdc"


def _stale(app) -> set[int]:
    with app.extensions["retombees_sessions"]() as session:
        return set(session.scalars(select(Coverage.id).where(Coverage.stale_analysis)))


# -- Permissions ----------------------------------------------------------------------------


def test_management_cannot_create_or_edit(app, management_client):
    add_clips(app)
    assert management_client.get("/campaigns/new").status_code == 403
    assert management_client.get("/campaigns/bassin-minier/edit").status_code == 403
    token = csrf_token(management_client, "/campaigns/")
    data = {"csrf_token": token, "name": "Piraté", "territory": "bassin-minier-npdc"}
    assert management_client.post("/campaigns/new", data=data).status_code == 403
    assert management_client.post("/campaigns/bassin-minier/edit", data=data).status_code == 403
    assert management_client.get("/campaigns/preview?q=terril").status_code == 403
    listing = management_client.get("/campaigns/").get_data(as_text=True)
    assert 'href="/campaigns/new"' not in listing
    page = management_client.get("/campaigns/bassin-minier").get_data(as_text=True)
    assert "/campaigns/bassin-minier/edit" not in page
    assert campaigns(app)["bassin-minier"].name == "Bassin minier"


def test_form_needs_its_csrf_token(app, officer_client):
    data = form(officer_client, "/campaigns/new", name="Sans jeton")
    del data["csrf_token"]
    assert officer_client.post("/campaigns/new", data=data).status_code == 400
    assert campaigns(app) == {}


# -- Preview --------------------------------------------------------------------------------


def test_preview_lists_the_matching_stored_clips_with_their_hits(app, officer_client):
    add_clips(app)
    query = '("bassin minier" OR "l\'UNESCO" OR Lievin) SAUF Moselle'
    result = officer_client.get("/campaigns/preview", query_string={"q": query}).get_json()
    assert result["valid"] is True
    assert result["examined"] == 3 and result["matched"] == 1
    [match] = result["matches"]
    assert match["title"] == "Le Bassin-Minier fête l'UNESCO"
    assert match["outlet"] == "La Voix du Nord" and match["date"].startswith("2026-11-10")
    assert match["hits"] == ["bassin minier", "l'UNESCO", "Lievin"]
    assert match["link"] == f"/coverage/{match['id']}"
    assert "1 of the 3 most recent articles matches." == result["summary"]
    # Title and field scopes, a prefix, an outlet and a site filter.
    for query, titles in [
        ("title:terril*", ["Terrils de Lorraine"]),
        (
            'outlet:"voix du nord" AND (chalets OR terrils)',
            ["Terrils de Lorraine", "Marché de Noël à Lille"],
        ),
        ("site:lavoixdunord.fr AND text:vin", ["Marché de Noël à Lille"]),
        ("Roubaix", []),
    ]:
        found = officer_client.get("/campaigns/preview", query_string={"q": query}).get_json()
        assert sorted(m["title"] for m in found["matches"]) == sorted(titles), query


def test_preview_of_an_invalid_query_says_why_and_where(app, officer_client):
    result = officer_client.get("/campaigns/preview?q=terril%20OU").get_json()
    assert result["valid"] is False
    error = result["error"]
    assert error["position"] == 7 and error["column"] == 8
    assert error["message"] == 'Column 8: "OU" needs a term after it'
    assert error["excerpt"] == "terril OU" and error["caret"] == "       ^"
    empty = officer_client.get("/campaigns/preview?q=").get_json()
    assert empty["valid"] is False and "empty" in empty["error"]["reason"]


def test_preview_button_without_javascript_saves_nothing(app, officer_client):
    add_clips(app)
    with app.extensions["retombees_sessions"].begin() as session:
        session.get(Coverage, 3).title = "<script>alert(1)</script> Marché de Noël"
    data = form(officer_client, "/campaigns/new", name="Essai", query="chalets", action="preview")
    response = officer_client.post("/campaigns/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "1 of the 3 most recent articles matches." in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Marché de Noël" in page
    assert "<script>alert(1)" not in page
    assert 'value="Essai"' in page
    assert set(campaigns(app)) == {"bassin-minier"}


def _preview(app, query: str, **options):
    with app.extensions["retombees_sessions"]() as session:
        return preview_query(session, parse_query(query), **options)


@pytest.mark.parametrize("index", ["fts", "none"])
def test_preview_gives_the_same_answer_with_or_without_the_full_text_index(app, index):
    add_clips(app)
    if index == "none":
        with app.extensions["retombees_engine"].begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS coverage_fts"))  # SQLite's index
    for query, expected in [
        ('"bassin minier"', [2, 1]),
        ("LIÉVIN OR fiers", [1]),
        ("minier* NEAR/1 lorrain", [2]),
        ('bassin* SAUF "fête l\'unesco"', [2]),
        ("chalet", []),
    ]:
        assert [m.id for m in _preview(app, query).matches] == expected, query


def test_preview_looks_at_the_most_recent_clips_and_stops_in_time(app):
    add_clips(app)
    assert _preview(app, "bassin* OR chalets", limit=2).examined == 2
    assert [m.id for m in _preview(app, "bassin* OR chalets", limit=2).matches] == [3, 2]
    assert len(_preview(app, "bassin* OR chalets", shown=1).matches) == 1
    assert _preview(app, "bassin* OR chalets", shown=1).matched == 3
    ticks = itertools.count()  # each reading of the clock: one second later
    late = _preview(app, "bassin* OR chalets", seconds=1.5, clock=lambda: next(ticks))
    assert late.out_of_time and late.examined == 1 and late.matched == 1
