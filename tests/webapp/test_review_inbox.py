"""The press officer's morning inbox: actions by form and by fetch(), undo, duplicates, bulk,
roles, CSRF, "new since your last visit" and the counter."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from models import (
    Campaign,
    Coverage,
    CoverageCampaign,
    CoverageEvent,
    CoverageStatus,
    Label,
    Medium,
    Outlet,
    Story,
    User,
)
from models.valuation import ValuationRules, apply_valuation
from tests.conftest import csrf_token

JSON = {"Accept": "application/json"}
T0 = datetime(2026, 11, 20, 8, tzinfo=UTC)


def seed(app, count=3, story=False, statuses=None):
    """Add a campaign, a closed campaign and ``count`` clips awaiting review (ids 1..count).

    Clip i is published on day i and collected at T0 + i hours; with ``story`` they are
    copies of one story in different outlets.
    """
    with app.extensions["retombees_sessions"].begin() as session:
        campaign = Campaign(slug="bassin-minier", name="Bassin minier", query='"bassin minier"')
        session.add(Campaign(slug="ete", name="Été 2026", query="été"))
        session.add(Campaign(slug="ancienne", name="Ancienne", query="x", active=False))
        shared = Story(title="Dépêche") if story else None
        for i in range(1, count + 1):
            status = statuses[i - 1] if statuses else CoverageStatus.NEW
            session.add(
                Coverage(
                    url=f"https://example.fr/{i}",
                    title=f"Titre {i}",
                    summary=f"Résumé {i}",
                    text="Le bassin minier. " * 50,
                    published_at=datetime(2026, 11, i, tzinfo=UTC),
                    created_at=T0 + timedelta(hours=i),
                    status=status,
                    medium=Medium.PRESS,
                    medium_reason="La Voix du Nord is registered as press",
                    relevant=True,
                    relevance=0.9,
                    relevance_evidence=[{"term": "Lens", "weight": 2, "kind": "territory"}],
                    outlet=Outlet(
                        name=f"Journal {i}",
                        medium=Medium.PRESS,
                        audience=10_000,
                        audience_unit="readers",
                    ),
                    story=shared,
                    campaign_links=[CoverageCampaign(campaign=campaign, hits=["bassin minier"])],
                )
            )


def clip(app, coverage_id):
    with app.extensions["retombees_sessions"]() as session:
        found = session.get(Coverage, coverage_id)
        session.expunge(found)
        return found


def clip_campaigns(app, coverage_id):
    with app.extensions["retombees_sessions"]() as session:
        links = session.scalars(
            select(CoverageCampaign).where(CoverageCampaign.coverage_id == coverage_id)
        )
        return {link.campaign.slug: link.hits for link in links}


def events(app, coverage_id):
    with app.extensions["retombees_sessions"]() as session:
        rows = session.scalars(
            select(CoverageEvent)
            .where(CoverageEvent.coverage_id == coverage_id)
            .order_by(CoverageEvent.id)
        )
        return [(e.action, e.user.username if e.user else None) for e in rows]


def label_tasks(app, coverage_id=None):
    with app.extensions["retombees_sessions"]() as session:
        query = select(Label).order_by(Label.id)
        if coverage_id:
            query = query.where(Label.coverage_id == coverage_id)
        return [(x.coverage_id, x.task) for x in session.scalars(query)]


def campaign_id(app, slug):
    with app.extensions["retombees_sessions"]() as session:
        return session.scalar(select(Campaign.id).where(Campaign.slug == slug))


def remaining(page: str) -> str:
    match = re.search(r'<span class="count" id="remaining">([^<]*)</span>', page)
    assert match, "no counter on the page"
    return match.group(1)


def card_ids(page: str) -> list[int]:
    """Clips shown as cards awaiting review, in page order."""
    return [
        int(i) for i in re.findall(r'data-clip-id="(\d+)" tabindex="-1" data-status="new"', page)
    ]


def tally(client) -> str:
    page = client.get("/campaigns/bassin-minier").get_data(as_text=True)
    match = re.search(r'id="tally-total".*?<td class="num">([^<]*)</td>', page, re.S)
    assert match
    return match.group(1).strip()


# -- every action, as a form and as fetch() ----------------------------------------------------

ACTIONS = [
    ("/review/{id}/confirm", {}, CoverageStatus.CONFIRMED, None),
    ("/review/{id}/reject", {}, CoverageStatus.REJECTED, "not_relevant"),
    ("/review/{id}/duplicate", {"of": "1"}, CoverageStatus.REJECTED, "duplicate"),
]


@pytest.mark.parametrize(("path", "extra", "status", "reason"), ACTIONS)
def test_decisions_by_form_post_go_back_to_the_inbox(
    app, officer_client, path, extra, status, reason
):
    seed(app, 3)
    token = csrf_token(officer_client, "/review/")
    back = "/review/?since=0&new=1"
    response = officer_client.post(
        path.format(id=2), data={"csrf_token": token, "next": back, **extra}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(back)
    found = clip(app, 2)
    assert (found.status, found.review_reason) == (status, reason)
    assert found.duplicate_of_id == (1 if reason == "duplicate" else None)
    assert events(app, 2)[-1][1] == "claire"
    page = officer_client.get(back).get_data(as_text=True)
    assert card_ids(page) == [3, 1] and remaining(page) == "2"
    assert 'class="flash flash-success"' in page


@pytest.mark.parametrize(("path", "extra", "status", "reason"), ACTIONS)
def test_decisions_by_fetch_answer_json_with_the_new_card(
    app, officer_client, path, extra, status, reason
):
    seed(app, 3)
    token = csrf_token(officer_client, "/review/")
    response = officer_client.post(
        path.format(id=2),
        data={"csrf_token": token, "next": "/review/?since=0", **extra},
        headers=JSON,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True and body["id"] == 2
    assert body["status"] == status.value and body["review_reason"] == reason
    assert body["remaining"] == 2
    assert body["undo_url"] == "/review/2/undo"
    assert body["card"].startswith('<li class="card" id="clip-2" data-clip-id="2" tabindex="-1"')
    assert f'data-status="{status.value}"' in body["card"] and 'data-action="undo"' in body["card"]
    assert clip(app, 2).status == status


def test_medium_and_campaign_changes_by_form_and_by_fetch(app, officer_client):
    seed(app, 2)
    token = csrf_token(officer_client, "/review/")
    ete = campaign_id(app, "ete")
    officer_client.post("/review/1/medium", data={"csrf_token": token, "medium": "radio"})
    body = officer_client.post(
        "/review/2/medium", data={"csrf_token": token, "medium": "tv"}, headers=JSON
    ).get_json()
    assert body["medium"] == "tv" and body["status"] == "new" and body["remaining"] == 2
    assert '<option selected value="tv">' in body["card"]
    assert (clip(app, 1).medium, clip(app, 2).medium) == (Medium.RADIO, Medium.TV)

    form = officer_client.post("/review/1/campaign", data={"csrf_token": token, "campaign": ete})
    assert form.status_code == 302
    assert clip_campaigns(app, 1) == {"bassin-minier": ["bassin minier"], "ete": []}
    page = officer_client.get("/review/?lang=en").get_data(as_text=True)
    assert "Été 2026 (added by hand)" in page
    body = officer_client.post(
        "/review/1/campaign",
        data={"csrf_token": token, "campaign": campaign_id(app, "bassin-minier"), "present": "0"},
        headers=JSON,
    ).get_json()
    assert body["ok"] and clip_campaigns(app, 1) == {"ete": []}
    assert [a for a, _user in events(app, 1)] == ["medium", "campaign", "campaign"]


def test_closed_or_unknown_campaign_and_unknown_medium_are_refused(app, officer_client):
    seed(app, 1)
    token = csrf_token(officer_client, "/review/")
    closed = campaign_id(app, "ancienne")
    for data in ({"campaign": closed}, {"campaign": 999}):
        response = officer_client.post(
            "/review/1/campaign", data={"csrf_token": token, **data}, headers=JSON
        )
        assert response.status_code == 400 and response.get_json()["message"]
    assert (
        officer_client.post(
            "/review/1/medium", data={"csrf_token": token, "medium": "cinema"}
        ).status_code
        == 400
    )
    assert clip_campaigns(app, 1) == {"bassin-minier": ["bassin minier"]}


# -- undo -----------------------------------------------------------------------------------


def test_undo_restores_a_decision_and_deletes_its_label(app, officer_client):
    seed(app, 2)
    token = csrf_token(officer_client, "/review/")
    officer_client.post("/review/1/reject", data={"csrf_token": token})
    assert label_tasks(app, 1) == [(1, "relevance")]
    body = officer_client.post(
        "/review/1/undo", data={"csrf_token": token, "next": "/review/?since=0"}, headers=JSON
    ).get_json()
    assert body["status"] == "new" and body["remaining"] == 2
    assert 'data-action="confirm"' in body["card"]
    found = clip(app, 1)
    assert found.status == CoverageStatus.NEW and found.review_reason is None
    assert found.reviewed_at is None and found.reviewed_by_id is None
    assert label_tasks(app, 1) == []
    assert events(app, 1) == [("reject", "claire"), ("undo", "claire")]
    # Nothing left to undo: the undo itself is not undone.
    again = officer_client.post("/review/1/undo", data={"csrf_token": token}, headers=JSON)
    assert again.status_code == 400


def test_undo_goes_back_one_action_at_a_time(app, officer_client):
    seed(app, 1)
    token = csrf_token(officer_client, "/review/")
    with app.extensions["retombees_sessions"].begin() as session:
        rules = ValuationRules.from_settings(app.extensions["retombees_settings"])
        reach_as_press = apply_valuation(session, session.get(Coverage, 1), rules).reach
    assert reach_as_press
    officer_client.post("/review/1/medium", data={"csrf_token": token, "medium": "tv"})
    officer_client.post(
        "/review/1/campaign", data={"csrf_token": token, "campaign": campaign_id(app, "ete")}
    )
    officer_client.post("/review/1/confirm", data={"csrf_token": token})
    assert label_tasks(app, 1) == [(1, "medium"), (1, "relevance")]

    officer_client.post("/review/1/undo", data={"csrf_token": token})
    found = clip(app, 1)
    assert found.status == CoverageStatus.NEW and found.medium == Medium.TV
    assert "ete" in clip_campaigns(app, 1)
    officer_client.post("/review/1/undo", data={"csrf_token": token})
    assert clip_campaigns(app, 1) == {"bassin-minier": ["bassin minier"]}
    officer_client.post("/review/1/undo", data={"csrf_token": token})
    found = clip(app, 1)
    assert found.medium == Medium.PRESS
    assert found.medium_reason == "La Voix du Nord is registered as press"
    assert found.reach == reach_as_press
    assert label_tasks(app, 1) == []


def test_undo_of_a_removed_campaign_puts_back_its_query_hits(app, officer_client):
    seed(app, 1)
    token = csrf_token(officer_client, "/review/")
    bassin = campaign_id(app, "bassin-minier")
    officer_client.post(
        "/review/1/campaign", data={"csrf_token": token, "campaign": bassin, "present": "0"}
    )
    assert clip_campaigns(app, 1) == {}
    officer_client.post("/review/1/undo", data={"csrf_token": token})
    assert clip_campaigns(app, 1) == {"bassin-minier": ["bassin minier"]}


def test_without_javascript_just_reviewed_clips_keep_an_undo_button(app, officer_client):
    seed(app, 2)
    token = csrf_token(officer_client, "/review/")
    officer_client.post("/review/2/confirm", data={"csrf_token": token, "next": "/review/?since=0"})
    page = officer_client.get("/review/?since=0").get_data(as_text=True)
    recent = page[page.index('id="recent-title"') : page.index('id="cards"')]
    assert 'id="clip-2"' in recent and 'data-status="confirmed"' in recent
    assert 'action="/review/2/undo"' in recent
    officer_client.post("/review/2/undo", data={"csrf_token": token})
    page = officer_client.get("/review/?since=0").get_data(as_text=True)
    assert card_ids(page) == [2, 1] and 'id="recent-title"' not in page


# -- duplicates -----------------------------------------------------------------------------


def test_duplicate_points_at_the_earliest_copy_and_counts_in_no_total(app, officer_client):
    seed(app, 3, story=True)
    token = csrf_token(officer_client, "/review/")
    page = officer_client.get("/review/").get_data(as_text=True)
    assert 'placeholder="1"' in page  # the default original, shown on the other copies' cards
    for coverage_id in (1, 2, 3):
        officer_client.post(f"/review/{coverage_id}/confirm", data={"csrf_token": token})
    assert tally(officer_client) == "3"
    officer_client.post("/review/3/undo", data={"csrf_token": token})
    body = officer_client.post(
        "/review/3/duplicate", data={"csrf_token": token}, headers=JSON
    ).get_json()
    assert body["duplicate_of_id"] == 1 and body["status"] == "rejected"
    assert tally(officer_client) == "2"  # excluded like a rejected clip
    # A duplicate of a duplicate points at the original.
    officer_client.post("/review/2/undo", data={"csrf_token": token})
    officer_client.post("/review/2/duplicate", data={"csrf_token": token, "of": "3"})
    assert clip(app, 2).duplicate_of_id == 1
    assert label_tasks(app, 3) == []  # the undone confirmation left no label
    # Undoing restores the clip to the inbox, original forgotten.
    officer_client.post("/review/2/undo", data={"csrf_token": token})
    found = clip(app, 2)
    assert found.status == CoverageStatus.NEW and found.duplicate_of_id is None


def test_duplicate_needs_an_original(app, officer_client):
    seed(app, 2)
    token = csrf_token(officer_client, "/review/")
    no_copy = officer_client.post("/review/1/duplicate", data={"csrf_token": token}, headers=JSON)
    assert no_copy.status_code == 400
    itself = officer_client.post("/review/1/duplicate", data={"csrf_token": token, "of": "1"})
    assert itself.status_code == 400
    unknown = officer_client.post("/review/1/duplicate", data={"csrf_token": token, "of": "77"})
    assert unknown.status_code == 400
    assert clip(app, 1).status == CoverageStatus.NEW


# -- bulk -----------------------------------------------------------------------------------


def test_bulk_confirm_of_three_clips_in_one_post(app, officer_client):
    seed(app, 4)
    token = csrf_token(officer_client, "/review/")
    response = officer_client.post(
        "/review/bulk",
        data={"csrf_token": token, "action": "confirm", "ids": ["1", "2", "4"]},
        headers=JSON,
    )
    body = response.get_json()
    assert body["count"] == 3 and body["remaining"] == 1 and sorted(body["ids"]) == [1, 2, 4]
    assert all('data-status="confirmed"' in html for html in body["cards"].values())
    assert [clip(app, i).status for i in (1, 2, 3, 4)] == [
        CoverageStatus.CONFIRMED,
        CoverageStatus.CONFIRMED,
        CoverageStatus.NEW,
        CoverageStatus.CONFIRMED,
    ]
    assert len(label_tasks(app)) == 3 and events(app, 4) == [("confirm", "claire")]
    assert tally(officer_client) == "3"
    # Undone together, as the keyboard's "u" does after a bulk action.
    officer_client.post(
        "/review/bulk", data={"csrf_token": token, "action": "undo", "ids": ["1", "2", "4"]}
    )
    assert tally(officer_client) == "0" and label_tasks(app) == []


def test_bulk_reject_medium_and_campaign_by_form(app, officer_client):
    seed(app, 3)
    token = csrf_token(officer_client, "/review/")
    ete = campaign_id(app, "ete")
    ids = ["1", "2"]
    for data in (
        {"action": "medium", "medium": "radio"},
        {"action": "campaign", "campaign": ete},
        {"action": "reject"},
    ):
        response = officer_client.post(
            "/review/bulk", data={"csrf_token": token, "ids": ids, "next": "/review/", **data}
        )
        assert response.status_code == 302
    for coverage_id in (1, 2):
        found = clip(app, coverage_id)
        assert found.medium == Medium.RADIO and found.review_reason == "not_relevant"
        assert clip_campaigns(app, coverage_id)["ete"] == []
    assert clip(app, 3).status == CoverageStatus.NEW


def test_bulk_is_all_or_nothing(app, officer_client):
    seed(app, 2)
    token = csrf_token(officer_client, "/review/")
    data = {"csrf_token": token, "action": "confirm", "ids": ["1", "99"]}
    assert officer_client.post("/review/bulk", data=data, headers=JSON).status_code == 404
    assert clip(app, 1).status == CoverageStatus.NEW and label_tasks(app) == []
    empty = {"csrf_token": token, "action": "confirm"}
    assert officer_client.post("/review/bulk", data=empty).status_code == 400
    unknown = {"csrf_token": token, "action": "publish", "ids": ["1"]}
    assert officer_client.post("/review/bulk", data=unknown).status_code == 400


# -- roles and CSRF -------------------------------------------------------------------------

POSTS = [
    ("/review/1/confirm", {}),
    ("/review/1/reject", {}),
    ("/review/1/duplicate", {"of": "2"}),
    ("/review/1/medium", {"medium": "tv"}),
    ("/review/1/campaign", {"campaign": "1"}),
    ("/review/1/undo", {}),
    ("/review/1/message", {"label": "x", "present": "1"}),
    ("/review/bulk", {"action": "confirm", "ids": ["1", "2"]}),
]


def test_management_reads_the_inbox_but_has_no_action(app, management_client):
    seed(app, 2)
    page = management_client.get("/review/").get_data(as_text=True)
    assert card_ids(page) == [2, 1]
    for mark in ("data-action=", 'form="bulk"', 'id="bulk"', "Valider", "<kbd>c</kbd>"):
        assert mark not in page
    token = csrf_token(management_client, "/review/")
    for path, data in POSTS:
        response = management_client.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 403, path
        fetched = management_client.post(path, data={"csrf_token": token, **data}, headers=JSON)
        assert fetched.status_code == 403 and fetched.get_json()["error"], path
    assert clip(app, 1).status == CoverageStatus.NEW and events(app, 1) == []


def test_every_action_needs_the_csrf_token(app, officer_client):
    seed(app, 2)
    for path, data in POSTS:
        assert officer_client.post(path, data=data).status_code == 400, path
        assert officer_client.post(path, data=data, headers=JSON).status_code == 400, path
    assert clip(app, 1).status == CoverageStatus.NEW and clip(app, 1).medium == Medium.PRESS
    assert events(app, 1) == []
    # The token in the X-CSRFToken header, as review.js sends it, is accepted.
    token = csrf_token(officer_client, "/review/")
    response = officer_client.post("/review/1/confirm", headers={**JSON, "X-CSRFToken": token})
    assert response.status_code == 200


# -- new since the last visit, filters and the counter --------------------------------------


def set_last_visit(app, username, moment):
    with app.extensions["retombees_sessions"].begin() as session:
        user = session.scalar(select(User).where(User.username == username))
        user.last_review_at = moment


def last_visit(app, username):
    with app.extensions["retombees_sessions"]() as session:
        return session.scalar(select(User.last_review_at).where(User.username == username))


def new_ids(page: str) -> list[int]:
    return [
        int(i) for i in re.findall(r'data-clip-id="(\d+)"[^>]*data-status="new" data-new', page)
    ]


def test_clips_collected_since_the_last_visit_are_marked_new(app, officer_client):
    seed(app, 4)  # clip i collected at T0 + i hours
    set_last_visit(app, "claire", T0 + timedelta(hours=2, minutes=30))
    before = datetime.now(UTC)
    page = officer_client.get("/review/").get_data(as_text=True)
    assert card_ids(page) == [4, 3, 2, 1] and new_ids(page) == [4, 3]
    assert last_visit(app, "claire") >= before  # this visit is remembered…
    # …but pages and filters of this visit keep the previous one.
    assert 'name="next" value="/review/?since=2026-11-20T10:30:00%2B00:00"' in page
    assert 'name="since" value="2026-11-20T10:30:00+00:00"' in page  # in the filter form
    only_new = officer_client.get("/review/?since=2026-11-20T10:30:00%2B00:00&new=1")
    only_new = only_new.get_data(as_text=True)
    assert card_ids(only_new) == [4, 3] and remaining(only_new) == "2"
    # Opening the inbox again: nothing is new any more.
    again = officer_client.get("/review/").get_data(as_text=True)
    assert card_ids(again) == [4, 3, 2, 1] and new_ids(again) == []


def test_first_visit_marks_every_clip_new(app, officer_client):
    seed(app, 2)
    page = officer_client.get("/review/").get_data(as_text=True)
    assert new_ids(page) == [2, 1]
    assert last_visit(app, "claire") is not None


def test_counter_counts_clips_awaiting_review_in_the_filter(app, officer_client):
    statuses = [CoverageStatus.NEW] * 3 + [CoverageStatus.PENDING, CoverageStatus.CONFIRMED]
    seed(app, 5, statuses=statuses)
    page = officer_client.get("/review/").get_data(as_text=True)
    assert remaining(page) == "3" and 'aria-live="polite"' in page
    token = csrf_token(officer_client, "/review/")
    ete = campaign_id(app, "ete")
    officer_client.post("/review/2/campaign", data={"csrf_token": token, "campaign": ete})
    filtered = officer_client.get(f"/review/?since=0&campaign={ete}").get_data(as_text=True)
    assert card_ids(filtered) == [2] and remaining(filtered) == "1"
    body = officer_client.post(
        "/review/2/confirm",
        data={"csrf_token": token, "next": f"/review/?since=0&campaign={ete}"},
        headers=JSON,
    ).get_json()
    assert body["remaining"] == 0  # the counter of the filtered inbox
    body = officer_client.post("/review/1/confirm", data={"csrf_token": token}, headers=JSON)
    assert body.get_json()["remaining"] == 1


def test_inbox_pages_by_fifty_newest_first(app, officer_client):
    with app.extensions["retombees_sessions"].begin() as session:
        outlet = Outlet(name="Journal", medium=Medium.PRESS)
        for i in range(1, 56):
            published = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=i) if i > 3 else None
            session.add(
                Coverage(
                    url=f"https://example.fr/{i}",
                    title=f"T{i}",
                    status=CoverageStatus.NEW,
                    published_at=published,
                    outlet=outlet,
                )
            )
    first = officer_client.get("/review/").get_data(as_text=True)
    ids = card_ids(first)
    assert len(ids) == 50 and ids[:2] == [55, 54] and remaining(first) == "55"
    assert "page=2" in first
    since = re.search(r'href="/review/\?page=2&amp;since=([^"]+)"', first).group(1)
    second = officer_client.get(f"/review/?page=2&since={since}").get_data(as_text=True)
    assert card_ids(second) == [5, 4, 3, 2, 1]  # undated clips last


# -- speed ----------------------------------------------------------------------------------


def test_the_inbox_page_costs_the_same_queries_for_5_or_50_clips_and_reads_no_text(app):
    from models.inbox import inbox_cards, review_count

    engine = app.extensions["retombees_engine"]
    statements = []

    def remember(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def cost(count):
        seed_many(app, count)
        statements.clear()
        event.listen(engine, "before_cursor_execute", remember)
        try:
            with app.extensions["retombees_sessions"]() as session:
                cards = inbox_cards(session, limit=50)
                review_count(session)
                for card in cards:  # what the card template reads
                    _ = (card.clip.outlet, card.clip.campaigns, card.other_copies, card.excerpt)
        finally:
            event.remove(engine, "before_cursor_execute", remember)
        return len(statements), cards

    few, _cards = cost(5)
    many, cards = cost(45)
    assert few == many <= 8
    main = next(s for s in statements if "FROM coverage" in s and "LIMIT" in s)
    assert "coverage.text AS" not in main and "minhash" not in main
    by_text = {card.clip.title: card.excerpt for card in cards}
    assert by_text["Sans résumé"].startswith("Texte long") and len(by_text["Sans résumé"]) <= 400


def seed_many(app, count):
    with app.extensions["retombees_sessions"].begin() as session:
        campaign = session.scalar(select(Campaign)) or Campaign(slug="c", name="C", query="c")
        outlet = Outlet(name=f"Journal {count}", medium=Medium.PRESS)
        for i in range(count):
            story = Story(title="S")
            session.add_all(
                Coverage(
                    url=f"https://example.fr/{count}/{i}/{k}",
                    title="Sans résumé" if (i, k) == (count - 1, 1) else f"T{i}",
                    summary=None if (i, k) == (count - 1, 1) else "Résumé",
                    text="Texte long. " * 10_000,
                    status=CoverageStatus.NEW,
                    outlet=outlet,
                    story=story,
                    campaign_links=[CoverageCampaign(campaign=campaign, hits=["c"])],
                )
                for k in range(2)
            )


def test_inbox_queries_and_undo_on_both_databases(any_settings):
    from models.db import open_database
    from models.inbox import InboxFilter, inbox_cards, review_count
    from models.review import decide, mark_duplicate, set_campaign, undo_last
    from models.user import create_user

    engine, sessions = open_database(any_settings)
    try:
        with sessions.begin() as session:
            user = create_user(session, "claire", "correct horse battery", "officer")
            campaign = Campaign(slug="c", name="C", query="c")
            other = Campaign(slug="d", name="D", query="d")
            story = Story(title="S")
            for i in range(1, 5):
                session.add(
                    Coverage(
                        url=f"https://example.fr/{i}",
                        title=f"T{i}",
                        text="Mot " * 500,
                        status=CoverageStatus.NEW,
                        published_at=datetime(2026, 11, i, tzinfo=UTC) if i != 4 else None,
                        created_at=T0 + timedelta(hours=i),
                        story=story if i < 3 else None,
                        campaign_links=[CoverageCampaign(campaign=campaign, hits=["c"])]
                        if i % 2
                        else [],
                    )
                )
            session.add(other)
        with sessions.begin() as session:
            cards = inbox_cards(session)
            assert [c.clip.title for c in cards] == ["T3", "T2", "T1", "T4"]
            assert cards[0].excerpt == ("Mot " * 100)  # 400 characters of the text
            assert cards[1].default_original.title == "T1"
            campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == "c"))
            by_campaign = InboxFilter(campaign_id=campaign_id)
            assert [c.clip.title for c in inbox_cards(session, by_campaign)] == ["T3", "T1"]
            fresh = InboxFilter(since=T0 + timedelta(hours=2, minutes=30), only_new=True)
            assert review_count(session, fresh) == 2 and review_count(session) == 4
            user = session.scalar(select(User))
            mark_duplicate(session, 2, user)
            decide(session, 1, "confirm", user)
            other_id = session.scalar(select(Campaign.id).where(Campaign.slug == "d"))
            set_campaign(session, 3, other_id, user)
        with sessions.begin() as session:
            user = session.scalar(select(User))
            assert session.get(Coverage, 2).duplicate_of_id == 1
            assert review_count(session) == 2
            for coverage_id in (1, 2, 3):
                undo_last(session, coverage_id, user)
        with sessions.begin() as session:
            assert review_count(session) == 4
            assert session.get(Coverage, 2).duplicate_of_id is None
            assert [x.campaign.slug for x in session.get(Coverage, 3).campaign_links] == ["c"]
            assert session.scalars(select(Label)).all() == []
    finally:
        engine.dispose()
