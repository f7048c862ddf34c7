"""The duplicate-title and syndication pipelines, on a real database (no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from crawler.items import ArticleItem, SourceFetchItem
from crawler.runner import SharedSessions
from crawler.syndication import (
    SyndicationPipeline,
    TitleDuplicatePipeline,
    link_story,
    story_index_for,
)
from models import Coverage, CoverageStatus, Medium, Outlet, Story, utcnow
from models.dedup import SIGNATURE_BYTES, signature, title_key
from tests.models.test_dedup import COPIES, DISPATCH, SAME_THEME

WIRE = "\n\n".join(DISPATCH)
TITLE = "Liévin : 100 millions d'euros pour les cités minières"


@pytest.fixture
def outlets(sessions) -> dict[str, int]:
    with sessions.begin() as session:
        rows = [Outlet(name=name, medium=Medium.PRESS) for name in COPIES]
        session.add_all(rows)
        session.flush()
        return {row.name: row.id for row in rows}


def item(outlet_id: int | None, title: str = TITLE, text: str | None = WIRE, **fields):
    url = fields.pop("url", f"https://example.fr/{outlet_id}/{abs(hash((title, text)))}")
    fields.setdefault("published", utcnow())
    return ArticleItem(
        url=url, title=title, outlet_id=outlet_id, text=text, canonical_url=url, **fields
    )


def store(sessions, article: ArticleItem, index=None) -> Coverage:
    """Store a clip as the store pipeline does, linking its story in the same transaction."""
    with sessions.begin() as session:
        coverage = Coverage(
            url=article.canonical_url,
            outlet_id=article.outlet_id,
            title=article.title,
            summary=article.summary,
            text=article.text,
            published_at=article.published,
            status=CoverageStatus.PENDING,
            title_key=article.title_key,
            minhash=article.minhash,
        )
        session.add(coverage)
        if index is not None:
            link_story(session, coverage, index)
    return coverage


def opened(pipeline):
    pipeline.open_spider()
    return pipeline


# -- TitleDuplicatePipeline -------------------------------------------------------------------


def test_the_title_key_is_set_and_a_new_title_passes(sessions, outlets):
    pipeline = opened(TitleDuplicatePipeline(sessions))
    article = pipeline.process_item(item(outlets["Gohelle Infos"]))
    assert article.title_key == title_key(TITLE)
    assert len(article.minhash) == SIGNATURE_BYTES


@pytest.mark.parametrize(("days", "dropped"), [(3, True), (-3, True), (10, False)])
def test_the_same_title_in_the_same_outlet_within_a_week_is_dropped(
    sessions, outlets, days, dropped
):
    first = item(outlets["Gohelle Infos"], published=datetime(2025, 3, 12, 14, tzinfo=UTC))
    store(sessions, opened(TitleDuplicatePipeline(sessions)).process_item(first))
    pipeline = opened(TitleDuplicatePipeline(sessions))
    # A new URL, the title retyped, the text lightly edited: a republication.
    again = item(
        outlets["Gohelle Infos"],
        title="LIÉVIN - 100 millions d’euros pour les cités minières",
        text=COPIES["Télé Hauts"],
        url="https://example.fr/gohelle/republie",
        published=first.published + timedelta(days=days),
    )
    if dropped:
        with pytest.raises(DropItem) as caught:
            pipeline.process_item(again)
        assert caught.value.log_level == "DEBUG"
        assert pipeline.process_item(item(outlets["Lens Matin"])) is not None  # another outlet
    else:
        assert pipeline.process_item(again) is again


def test_a_recurring_title_with_another_text_is_a_new_clip(sessions, outlets):
    radio = outlets["Radio Gohelle"]
    monday = item(radio, title="Le journal", text=SAME_THEME["reportage"])
    store(sessions, opened(TitleDuplicatePipeline(sessions)).process_item(monday))
    pipeline = opened(TitleDuplicatePipeline(sessions))
    tuesday = item(radio, title="Le journal", text=SAME_THEME["anniversaire"])
    assert pipeline.process_item(tuesday) is tuesday
    short = item(radio, title="Le flash", text="Les titres du lundi 10 mars.")
    store(sessions, pipeline.process_item(short))
    assert pipeline.process_item(item(radio, title="Le flash", text="Les titres du mardi."))
    with pytest.raises(DropItem):
        pipeline.process_item(item(radio, title="Le flash", text="Les titres du lundi 10 mars !"))


def test_the_same_title_twice_in_one_crawl_is_dropped(sessions, outlets):
    pipeline = opened(TitleDuplicatePipeline(sessions))
    outlet = outlets["Artois Actu"]
    pipeline.process_item(item(outlet, url="https://example.fr/a/1"))
    with pytest.raises(DropItem):
        pipeline.process_item(item(outlet, text=COPIES["Artois Actu"], url="https://example.fr/2"))
    assert pipeline.process_item(item(outlets["Lens Matin"], url="https://example.fr/a/3"))


def test_clips_without_outlet_or_title_words_are_not_compared(sessions, outlets):
    pipeline = opened(TitleDuplicatePipeline(sessions))
    # Without an outlet there is no "same outlet": both clips go on.
    assert pipeline.process_item(item(None, url="https://a.fr/1")).title_key == title_key(TITLE)
    assert pipeline.process_item(item(None, url="https://b.fr/1")).title_key == title_key(TITLE)
    assert pipeline.process_item(item(outlets["Lens Matin"], title="…")).title_key is None
    assert pipeline.process_item(item(outlets["Lens Matin"], title="!")).title_key is None


def test_other_items_pass_through(sessions):
    fetch = SourceFetchItem(source_id=1, fetched_at=utcnow(), ok=True)
    assert opened(TitleDuplicatePipeline(sessions)).process_item(fetch) is fetch
    assert opened(SyndicationPipeline(sessions)).process_item(fetch) is fetch


# -- SyndicationPipeline and link_story -------------------------------------------------------


def test_each_clip_is_signed_unless_its_text_is_too_short(sessions, outlets):
    pipeline = opened(SyndicationPipeline(sessions))
    assert len(pipeline.process_item(item(outlets["Lens Matin"])).minhash) == SIGNATURE_BYTES
    short = item(outlets["Lens Matin"], text="Dix mots ne suffisent pas.")
    assert pipeline.process_item(short).minhash is None
    summary_only = item(outlets["Lens Matin"], text=None, summary=SAME_THEME["anniversaire"])
    assert pipeline.process_item(summary_only).minhash == signature(SAME_THEME["anniversaire"])


def test_copies_stored_through_the_pipelines_make_one_story(sessions, outlets):
    # A copy stored by an earlier crawl is in the index from the start.
    earlier = opened(SyndicationPipeline(sessions)).process_item(
        item(outlets["La Voix du Nord"], text=COPIES["La Voix du Nord"])
    )
    store(sessions, earlier)
    titles = opened(TitleDuplicatePipeline(sessions))
    syndication = opened(SyndicationPipeline(sessions))
    assert len(syndication.index) == 1
    for name in list(COPIES)[1:]:
        article = item(outlets[name], title=f"{name} : {TITLE}", text=COPIES[name])
        store(sessions, syndication.process_item(titles.process_item(article)), syndication.index)
    unrelated = item(outlets["Lens Matin"], title="Dans la cité du 9", text=SAME_THEME["reportage"])
    stored = store(sessions, syndication.process_item(unrelated), syndication.index)
    with sessions() as session:
        story = session.scalars(select(Story)).one()
        assert len(story.copies) == len(COPIES)
        assert {c.outlet_id for c in story.copies} == set(outlets.values())
        assert story.title == TITLE
        assert session.get(Coverage, stored.id).story_id is None


def test_a_failed_insert_leaves_no_story_and_no_false_match(sessions, outlets):
    syndication = opened(SyndicationPipeline(sessions))
    first = store(
        sessions,
        syndication.process_item(item(outlets["Gohelle Infos"], text=COPIES["Gohelle Infos"])),
        syndication.index,
    )
    copy = syndication.process_item(item(outlets["Lens Matin"], text=COPIES["Lens Matin"]))
    with pytest.raises(RuntimeError), sessions.begin() as session:
        failed = Coverage(
            url=copy.canonical_url, outlet_id=copy.outlet_id, title=copy.title, minhash=copy.minhash
        )
        session.add(failed)
        assert link_story(session, failed, syndication.index) is not None
        raise RuntimeError("the store pipeline failed after linking")
    with sessions() as session:
        assert session.scalars(select(Story)).all() == []
        assert session.get(Coverage, first.id).story_id is None
    # The index still holds the rolled-back clip's id, which SQLite gives to the next insert:
    # here a clip without signature, so nothing replaces the stale entry.
    other = syndication.process_item(item(outlets["Artois Actu"], text="Brève : 9 mots."))
    reused = store(sessions, other, syndication.index)
    assert reused.id in syndication.index
    late = syndication.process_item(item(outlets["Télé Hauts"], text=COPIES["Télé Hauts"]))
    store(sessions, late, syndication.index)
    with sessions() as session:
        story = session.scalars(select(Story)).one()
        assert {c.outlet_id for c in story.copies} == {outlets["Gohelle Infos"], late.outlet_id}
        assert session.get(Coverage, reused.id).story_id is None


def test_pipelines_of_one_crawl_share_its_story_index(sessions):
    crawler = get_crawler(settings_dict={"RETOMBEES_SESSIONS": SharedSessions(sessions)})
    pipeline = SyndicationPipeline.from_crawler(crawler)
    assert pipeline.index is story_index_for(crawler)
    assert story_index_for(get_crawler()) is not pipeline.index
