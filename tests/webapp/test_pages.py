"""The review inbox, the sources page and the campaign page, as a user sees them."""

from datetime import UTC, datetime

from sqlalchemy import select

from models import (
    Campaign,
    Coverage,
    CoverageCampaign,
    CoverageStatus,
    Medium,
    Outlet,
    Source,
    SourceKind,
)
from tests.conftest import csrf_token


def seed(app, statuses_media):
    """Add a campaign and clips with the given (status, medium) pairs."""
    with app.extensions["retombees_sessions"].begin() as session:
        campaign = Campaign(slug="bassin-minier", name="Bassin minier", query='"bassin minier"')
        outlet = Outlet(name="La Voix du Nord", medium=Medium.PRESS)
        for i, (status, medium) in enumerate(statuses_media):
            session.add(
                Coverage(
                    url=f"https://lavoixdunord.fr/a{i}",
                    title=f"Titre {i} <script>alert(1)</script>",
                    summary="Le bassin minier à l'honneur.",
                    published_at=datetime(2026, 11, 1 + i, tzinfo=UTC),
                    status=status,
                    medium=medium,
                    medium_reason="La Voix du Nord is registered as press",
                    relevant=True,
                    relevance=0.93,
                    relevance_evidence=[
                        {"term": "Loos-en-Gohelle", "weight": 3, "kind": "territory"}
                    ],
                    outlet=outlet,
                    campaign_links=[CoverageCampaign(campaign=campaign, hits=["bassin minier"])],
                )
            )


def test_review_lists_new_clips_newest_first_with_why(app, officer_client):
    seed(app, [(CoverageStatus.NEW, Medium.PRESS)] * 3 + [(CoverageStatus.PENDING, None)])
    page = officer_client.get("/review/").get_data(as_text=True)
    assert page.index("Titre 2") < page.index("Titre 1") < page.index("Titre 0")
    assert "Titre 3" not in page  # not analysed yet
    assert "Loos-en-Gohelle" in page and "bassin minier" in page
    assert '<span class="count" id="remaining">3</span>' in page


def test_article_content_is_escaped(app, officer_client):
    seed(app, [(CoverageStatus.NEW, Medium.PRESS)])
    page = officer_client.get("/review/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_confirm_and_reject_update_the_campaign_tally(app, officer_client):
    seed(app, [(CoverageStatus.NEW, Medium.PRESS), (CoverageStatus.NEW, Medium.TV)])
    token = csrf_token(officer_client, "/review/")
    assert officer_client.post("/review/1/confirm", data={"csrf_token": token}).status_code == 302
    assert officer_client.post("/review/2/reject", data={"csrf_token": token}).status_code == 302
    page = officer_client.get("/review/").get_data(as_text=True)
    assert '<span class="count" id="remaining">0</span>' in page
    campaign = officer_client.get("/campaigns/bassin-minier").get_data(as_text=True)
    assert _row(campaign, "tally-press") == "1"
    assert _row(campaign, "tally-tv") == "0"
    assert _row(campaign, "tally-total") == "1"
    with app.extensions["retombees_sessions"]() as session:
        clip = session.get(Coverage, 1)
        assert clip.status == CoverageStatus.CONFIRMED and clip.reviewed_by.username == "claire"


def test_review_action_needs_csrf_token(app, officer_client):
    seed(app, [(CoverageStatus.NEW, Medium.PRESS)])
    assert officer_client.post("/review/1/confirm").status_code == 400
    with app.extensions["retombees_sessions"]() as session:
        assert session.get(Coverage, 1).status == CoverageStatus.NEW


def test_management_sees_the_review_but_cannot_decide(app, management_client):
    seed(app, [(CoverageStatus.NEW, Medium.PRESS)])
    page = management_client.get("/review/").get_data(as_text=True)
    assert "Titre 0" in page and "Valider" not in page
    token = csrf_token(management_client, "/review/")
    assert (
        management_client.post("/review/1/confirm", data={"csrf_token": token}).status_code == 403
    )


def test_unknown_clip_or_decision(app, officer_client):
    seed(app, [(CoverageStatus.NEW, Medium.PRESS)])
    token = csrf_token(officer_client, "/review/")
    assert officer_client.post("/review/99/confirm", data={"csrf_token": token}).status_code == 404
    assert officer_client.post("/review/1/publish", data={"csrf_token": token}).status_code == 400
    # A number past the largest database integer is an unknown clip, not a server error.
    huge = "99999999999999999999"
    assert officer_client.get(f"/coverage/{huge}").status_code == 404
    assert (
        officer_client.post(f"/review/{huge}/confirm", data={"csrf_token": token}).status_code
        == 404
    )


def test_sources_page_shows_failing_sources_first_with_reason(app, officer_client):
    now = datetime(2026, 11, 25, 8, tzinfo=UTC)
    with app.extensions["retombees_sessions"].begin() as session:
        good = Source(name="Flux en forme", kind=SourceKind.FEED, url="https://a.fr/rss")
        bad = Source(name="Flux en panne", kind=SourceKind.FEED, url="https://b.fr/rss")
        session.add_all([good, bad])
        good.record_success(now, status=200, entries=12)
        bad.record_failure(now, error="HTTP 500 (server error)", status=500)
    page = officer_client.get("/sources/").get_data(as_text=True)
    assert page.index("Flux en panne") < page.index("Flux en forme")
    assert "En échec" in page and "HTTP 500 (erreur du serveur)" in page


def test_unknown_campaign_is_404(officer_client):
    assert officer_client.get("/campaigns/nope").status_code == 404


def _row(html: str, row_id: str) -> str:
    import re

    match = re.search(rf'id="{row_id}".*?<td class="num">([^<]*)</td>', html, re.S)
    assert match, row_id
    return match.group(1).strip()


def test_review_card_names_the_other_outlets_of_the_same_story(app, officer_client):
    from models import Story

    with app.extensions["retombees_sessions"].begin() as session:
        story = Story(title="Dépêche sur le 9-9bis")
        for name in ("La Voix du Nord", "Nord Éclair", "Le Courrier picard"):
            session.add(
                Coverage(
                    url=f"https://example.fr/{len(name)}",
                    title=f"Dépêche ({name})",
                    status=CoverageStatus.NEW,
                    medium=Medium.PRESS,
                    story=story,
                    outlet=Outlet(name=name, medium=Medium.PRESS),
                )
            )
    page = officer_client.get("/review/").get_data(as_text=True)
    assert page.count("Même sujet repris par") == 3
    card = page[page.index("Dépêche (Nord Éclair)") :]
    card = card[: card.index("</li>")]
    assert "La Voix du Nord" in card and "Le Courrier picard" in card


def test_review_decisions_and_medium_corrections_are_kept_as_labels(app, officer_client):
    from models.label import labels

    seed(app, [(CoverageStatus.NEW, Medium.PRESS), (CoverageStatus.NEW, Medium.PRESS)])
    token = csrf_token(officer_client, "/review/")
    officer_client.post("/review/1/medium", data={"csrf_token": token, "medium": "tv"})
    officer_client.post("/review/1/confirm", data={"csrf_token": token})
    officer_client.post("/review/2/reject", data={"csrf_token": token})
    assert (
        officer_client.post(
            "/review/2/medium", data={"csrf_token": token, "medium": "cinema"}
        ).status_code
        == 400
    )
    with app.extensions["retombees_sessions"]() as session:
        found = [(x.coverage_id, x.task, x.value, x.predicted) for x in labels(session)]
        assert found == [
            (1, "medium", {"medium": "tv"}, {"medium": "press"}),
            (1, "relevance", {"relevant": True}, {"relevant": True}),
            (2, "relevance", {"relevant": False}, {"relevant": True}),
        ]
        assert session.get(Coverage, 1).medium == Medium.TV
    campaign = officer_client.get("/campaigns/bassin-minier").get_data(as_text=True)
    assert _row(campaign, "tally-tv") == "1"


def test_missed_and_wrong_key_messages_are_corrected_and_labelled(app, officer_client):
    from models import KeyMessage
    from models.label import labels

    seed(app, [(CoverageStatus.NEW, Medium.PRESS)])
    with app.extensions["retombees_sessions"].begin() as session:
        campaign = session.scalar(select(Campaign))
        campaign.key_messages = [
            KeyMessage(label="Fierté des habitants", phrasings=["fiers"]),
            KeyMessage(label="Changement d'image", phrasings=["image"]),
        ]
        session.get(Coverage, 1).key_messages = [
            {"label": "Changement d'image", "sentence": "…", "score": 1.0, "method": "phrase"}
        ]
    page = officer_client.get("/coverage/1").get_data(as_text=True)
    assert "Ajouter un message manqué" in page and "Fierté des habitants" in page
    token = csrf_token(officer_client, "/coverage/1")
    officer_client.post(
        "/review/1/message",
        data={
            "csrf_token": token,
            "label": "Fierté des habitants",
            "present": "1",
            "sentence": "Les habitants en sont fiers.",
        },
    )
    officer_client.post(
        "/review/1/message",
        data={
            "csrf_token": token,
            "label": "Changement d'image",
            "present": "0",
        },
    )
    bad = officer_client.post(
        "/review/1/message",
        data={
            "csrf_token": token,
            "label": "Inconnu",
            "present": "1",
        },
    )
    assert bad.status_code == 400
    with app.extensions["retombees_sessions"]() as session:
        clip = session.get(Coverage, 1)
        assert [m["label"] for m in clip.key_messages] == ["Fierté des habitants"]
        assert [(x.task, x.value["label"], x.value["present"]) for x in labels(session)] == [
            ("key_message", "Fierté des habitants", True),
            ("key_message", "Changement d'image", False),
        ]
