"""Trying a monitoring query before saving it: what it would keep among recent stored clips.

The query runs in Python, exactly as the crawler runs it, on the most recent stored clips. A
cheap test first sets aside the clips that cannot match: on SQLite the full-text index
(FTS5) answers it, elsewhere a plain substring test on the folded text. Past a time budget the
preview stops and says how many clips it got through.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from .coverage import Coverage
from .fulltext import FTS_TABLE
from .outlet import Outlet
from .query import Query, QueryDocument
from .text import fold_words

PREVIEW_ARTICLES = 5_000  # the most recent stored clips a preview looks at
PREVIEW_SHOWN = 20
PREVIEW_SECONDS = 1.0  # past this, the preview stops and says how many clips it looked at
PREVIEW_TEXT_CHARS = 20_000  # of each clip's text: a huge page must not stall the preview
_CHUNK = 500
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_HAS_TEXT = or_(
    and_(Coverage.text.is_not(None), Coverage.text != ""),
    and_(Coverage.summary.is_not(None), Coverage.summary != ""),
)


@dataclass(frozen=True)
class PreviewMatch:
    id: int
    title: str
    outlet: str
    url: str | None
    published: datetime | None
    status: str
    hits: list[str]


@dataclass(frozen=True)
class Preview:
    """What a query would keep among the most recent stored clips."""

    examined: int  # the most recent clips with text looked at
    matched: int
    matches: list[PreviewMatch]  # the first ones, newest first
    limit: int
    out_of_time: bool  # stopped before ``limit`` clips: ``examined`` says how far it got


def preview_query(
    session: Session,
    query: Query,
    *,
    limit: int = PREVIEW_ARTICLES,
    shown: int = PREVIEW_SHOWN,
    seconds: float = PREVIEW_SECONDS,
    clock=time.monotonic,
) -> Preview:
    """Match ``query`` against the ``limit`` most recent stored clips with text, any status.

    Clips are read as the crawler matches them (title; summary and text; outlet name;
    address), newest first; the first ``shown`` matches come with the terms found.
    """
    deadline = clock() + seconds
    needed = [fold_words(term) for term in query.terms]
    floor = _oldest_examined(session, limit)
    candidates = _fulltext_candidates(session, needed, floor)
    matched = 0
    matches: list[PreviewMatch] = []
    stopped_at = None
    for row in _clips(session, floor, candidates):
        if clock() > deadline:
            stopped_at = row.id
            break
        doc = QueryDocument(
            title=row.title or "",
            text="\n".join(filter(None, (row.summary, row.text))),
            outlet=row.outlet or "",
            url=row.url or "",
        )
        if candidates is None and not _may_match(doc, needed):
            continue
        if not query.matches(doc):
            continue
        matched += 1
        if len(matches) < shown:
            status = getattr(row.status, "value", row.status)
            published = row.published_at or row.created_at
            hits = query.hits(doc)
            matches.append(
                PreviewMatch(row.id, doc.title, doc.outlet, row.url, published, status, hits)
            )
    examined = _count_from(session, floor, stopped_at)
    return Preview(examined, matched, matches, limit, stopped_at is not None)


def _oldest_examined(session: Session, limit: int) -> int | None:
    """Return the id of the oldest clip in the preview's window (None: take every clip)."""
    return session.scalar(
        select(Coverage.id).where(_HAS_TEXT).order_by(Coverage.id.desc()).offset(limit - 1)
    )


def _count_from(session: Session, floor: int | None, stopped_at: int | None) -> int:
    """Count the clips with text from the newest down to ``floor`` (or above ``stopped_at``)."""
    statement = select(func.count()).select_from(Coverage).where(_HAS_TEXT)
    if floor is not None:
        statement = statement.where(Coverage.id >= floor)
    if stopped_at is not None:
        statement = statement.where(Coverage.id > stopped_at)
    return session.scalar(statement) or 0


def _fulltext_candidates(session: Session, needed: list[list[str]], floor: int | None):
    """Return a subquery of the clip ids that may match, from SQLite's FTS5 index, or None.

    Every word of some term must be in the clip. Each word is asked as a prefix of the index's
    words, which are folded for case and accents as the query's are.
    """
    if session.get_bind().dialect.name != "sqlite" or not needed:
        return None
    terms = ("(" + " AND ".join(f'"{word}"*' for word in words) + ")" for words in needed)
    expression = " OR ".join(terms)
    statement = text(
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match AND rowid >= :floor"
    ).bindparams(match=expression, floor=floor or 0)
    try:
        with session.begin_nested():
            session.execute(statement).first()
    except DatabaseError:  # no index in this database: test every clip in Python
        return None
    return statement.columns(rowid=Coverage.id.type).subquery()


def _clips(session: Session, floor: int | None, candidates):
    """Yield the clips to test, newest first, a chunk at a time."""
    columns = select(
        Coverage.id,
        Coverage.title,
        Coverage.summary,
        func.substr(Coverage.text, 1, PREVIEW_TEXT_CHARS).label("text"),
        Coverage.url,
        Coverage.published_at,
        Coverage.created_at,
        Coverage.status,
        Outlet.name.label("outlet"),
    ).outerjoin(Outlet, Coverage.outlet_id == Outlet.id)
    columns = columns.where(_HAS_TEXT)
    if floor is not None:
        columns = columns.where(Coverage.id >= floor)
    if candidates is not None:
        columns = columns.where(Coverage.id.in_(select(candidates.c.rowid)))
    last_id = None
    while True:
        statement = columns if last_id is None else columns.where(Coverage.id < last_id)
        rows = session.execute(statement.order_by(Coverage.id.desc()).limit(_CHUNK)).all()
        yield from rows
        if len(rows) < _CHUNK:
            return
        last_id = rows[-1].id


def _may_match(doc: QueryDocument, needed: list[list[str]]) -> bool:
    """Tell cheaply whether the document may match: some term's words are all in it.

    A match needs one of the query's terms (the parser refuses a query that does not), and the
    folded words of a term found in a document are substrings of the document folded without
    cutting it into words, which costs a fraction of the matching itself.
    """
    blob = unicodedata.normalize("NFKD", f"{doc.title}\n{doc.text}".casefold())
    if not blob.isascii():
        blob = _COMBINING.sub("", blob)
        if not blob.isascii() and any(unicodedata.combining(c) for c in set(blob)):
            blob = "".join(c for c in blob if not unicodedata.combining(c))
    return any(all(word in blob for word in words) for words in needed)
