"""Pipelines for the same clip under another URL and for copies of one story in several outlets.

``TitleDuplicatePipeline`` drops a clip its outlet already published under the same title;
``SyndicationPipeline`` signs each clip's text and keeps the crawl's ``StoryIndex``, with which
the store pipeline links each stored clip to its story (``link_story``). The rules and their
thresholds are in ``models.dedup`` and docs/duplicates.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from weakref import WeakKeyDictionary

from scrapy.exceptions import DropItem
from sqlalchemy.orm import Session

from models import Coverage, Story, utcnow
from models.dedup import (
    DUPLICATE_DAYS,
    STORY_DAYS,
    StoryIndex,
    assign_story,
    clip_text,
    distinct_texts,
    find_same_title,
    signature,
    title_key,
)

from .items import ArticleItem
from .pipeline_base import DatabasePipeline

# One story index per crawl, shared by the pipelines that sign clips and store them.
_INDEXES: WeakKeyDictionary = WeakKeyDictionary()


def story_index_for(crawler) -> StoryIndex:
    """Return the story index of ``crawler``'s crawl, the same for every pipeline that asks."""
    return _INDEXES.setdefault(crawler, StoryIndex())


def link_story(session: Session, coverage: Coverage, index: StoryIndex) -> Story | None:
    """Link a clip being stored to the story of its copies; return the story, if any.

    Call it in the transaction that inserts ``coverage`` (with ``title_key`` and ``minhash``
    from the item): it flushes the clip for its id, and the story goes with the clip or not at
    all. A clip without signature (short or missing text) gets no story.
    """
    return assign_story(session, coverage, index)


def sign(item: ArticleItem) -> bytes | None:
    """Return the signature of the item's text (page text, else summary), computed once."""
    if item.minhash is None:
        item.minhash = signature(clip_text(item.text, item.summary))
    return item.minhash


def _when(item: ArticleItem) -> datetime:
    """The time of a clip: its publication, else now (naive dates are taken as UTC)."""
    if item.published is None:
        return utcnow()
    if item.published.tzinfo is None:
        return item.published.replace(tzinfo=UTC)
    return item.published


@dataclass(frozen=True)
class _Seen:
    """What is kept of a clip of this crawl to compare a later one with the same title."""

    when: datetime
    minhash: bytes | None
    text: str  # only when there is no signature: short texts are compared whole


class TitleDuplicatePipeline(DatabasePipeline):
    """Drop a clip whose outlet has the same title within a week: another URL, a republication.

    Sets ``item.title_key``. Same title but clearly different texts (a recurring title such as
    a daily programme) are two clips. Runs once the outlet is known.
    """

    def open_spider(self, spider=None):
        # Clips of this crawl by outlet and title key, for those not stored yet.
        self.seen: dict[tuple[int, str], list[_Seen]] = {}

    def process_item(self, item, spider=None):
        if not isinstance(item, ArticleItem):
            return item
        item.title_key = title_key(item.title)
        # A clip a person added by address is kept whatever its title.
        if item.title_key is None or item.outlet_id is None or item.coverage_id is not None:
            return item
        when = _when(item)
        minhash = sign(item)
        text = clip_text(item.text, item.summary) if minhash is None else ""
        window = timedelta(days=DUPLICATE_DAYS)
        key = (item.outlet_id, item.title_key)
        for seen in self.seen.get(key, []):
            if abs(seen.when - when) <= window and not distinct_texts(
                text, minhash, seen.text, seen.minhash
            ):
                self._drop(item, "in this crawl")
        with self.sessions() as session:
            same = find_same_title(session, item.outlet_id, item.title_key, when)
            if same is not None:
                stored_text = clip_text(same.text, same.summary)
                if not distinct_texts(text, minhash, stored_text, same.minhash):
                    self._drop(item, f"as clip {same.id}")
        self.seen.setdefault(key, []).append(_Seen(when, minhash, text))
        return item

    def _drop(self, item: ArticleItem, where: str) -> None:
        self.count("title_duplicates")
        raise DropItem(
            f"same title in the same outlet {where}: {item.canonical_url}", log_level="DEBUG"
        )


class SyndicationPipeline(DatabasePipeline):
    """Sign each clip's text (``item.minhash``) and load the crawl's story index.

    The index holds the clips of the last ``STORY_DAYS`` days; the store pipeline gets it with
    ``story_index_for(crawler)`` and calls ``link_story`` for each clip it stores.
    """

    def __init__(self, sessions, stats=None, index: StoryIndex | None = None):
        super().__init__(sessions, stats)
        self.index = StoryIndex() if index is None else index

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = super().from_crawler(crawler)
        pipeline.index = story_index_for(crawler)
        return pipeline

    def open_spider(self, spider=None):
        with self.sessions() as session:
            self.index.refresh(session, utcnow() - timedelta(days=STORY_DAYS))

    def process_item(self, item, spider=None):
        if not isinstance(item, ArticleItem):
            return item
        if sign(item) is not None:
            self.count("signed")
        return item
