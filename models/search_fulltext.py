"""The user's words as SQL: SQLite's FTS5 index or PostgreSQL's ``tsvector``, and how each
finds the latest matches and ranks them (used by :func:`models.search.search_coverage`).

The words become FTS5 syntax or a ``tsquery`` from one parse (:mod:`models.search_words`);
the full-text index lives outside the ORM models (:mod:`models.fulltext`), so it is reached
with textual SQL and bound parameters, never with the user's words as syntax.
"""

from __future__ import annotations

from functools import reduce

from sqlalchemy import Float, Integer, any_, bindparam, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from .coverage import Coverage, linked_to
from .fulltext import FTS_TABLE, TS_CONFIG, TSVECTOR_COLUMN
from .search_words import fts5_query, parse_words, tsquery_term

# bm25 weights of the FTS5 columns (title, summary, text, author), after the PostgreSQL
# weights A (title), B (summary, author), C (text).
BM25_WEIGHTS = (10.0, 4.0, 1.0, 4.0)
DENSE_SCAN = 5_000  # latest clips whose words PostgreSQL checks before using the GIN index


def _fts5_matches(match: str, lowest_id: int = 0):
    return (
        text(
            f"SELECT rowid AS id FROM {FTS_TABLE} "
            f"WHERE {FTS_TABLE} MATCH :fts_match AND rowid >= :lowest_id"
        )
        .bindparams(fts_match=match, lowest_id=lowest_id)
        .columns(id=Integer)
    )


def _fts5_ranked(match: str, lowest_id: int):
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    return (
        text(
            f"SELECT rowid AS id, bm25({FTS_TABLE}, {weights}) AS score "
            f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts_match AND rowid >= :lowest_id"
        )
        .bindparams(fts_match=match, lowest_id=lowest_id)
        .columns(id=Integer, score=Float)
    )


def _tsquery(q: str):
    """The user's words as a ``tsquery``, from the parse that gives FTS5's (each term a bound
    parameter; ``tsquery_and``, ``_or``, ``_not`` are the functions of ``&&``, ``||``, ``!!``).

    :raises SearchError: when there is no word to look for.
    """
    config = literal_column(f"'{TS_CONFIG}'::regconfig")

    def term(t):
        kind, words = tsquery_term(t)
        query = (func.phraseto_tsquery if kind == "phrase" else func.to_tsquery)(config, words)
        return func.tsquery_not(query) if t.excluded else query

    groups = [reduce(func.tsquery_and, map(term, group)) for group in parse_words(q)]
    return reduce(func.tsquery_or, groups)


def _tsvector():
    return literal_column(f"{Coverage.__tablename__}.{TSVECTOR_COLUMN}")


class FullText:
    """The user's words as SQL, on SQLite (FTS5) or PostgreSQL (``tsvector``)."""

    def __init__(self, session: Session, q: str, campaigns: list[int] | None = None):
        self.session = session
        self.campaigns = campaigns or []
        # Each match looked up among the campaigns' links: added to the conditions given.
        self.probe = [linked_to(self.campaigns)] if self.campaigns else []
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        if self.sqlite:
            self.match = fts5_query(q)
        else:
            self.tsquery = _tsquery(q)

    def condition(self):
        """The clip has the words (a condition on ``Coverage``)."""
        if self.sqlite:
            return Coverage.id.in_(_fts5_matches(self.match))
        return _tsvector().op("@@")(self.tsquery)

    def _joined(self, conditions: list, lowest_id: int = 0, ranked: bool = False):
        if not self.sqlite:
            return None
        matches = (_fts5_ranked if ranked else _fts5_matches)(self.match, lowest_id)
        matches = matches.subquery("fts")
        query = select(Coverage.id).select_from(matches).join(Coverage, Coverage.id == matches.c.id)
        return query.where(*conditions, *self.probe), matches

    def matching(self, conditions: list):
        """The ids of the matching clips, latest first."""
        if self.sqlite:
            query, matches = self._joined(conditions)
            return query.order_by(matches.c.id.desc())
        return select(Coverage.id).where(*conditions, *self.probe, self.condition())

    def latest(self, conditions: list, limit: int) -> list[int]:
        """The ids of the ``limit`` latest matches, newest first (ids grow as clips are
        collected)."""
        if self.sqlite:  # FTS5 gives its matches newest first
            return list(self.session.scalars(self.matching(conditions).limit(limit)))
        # PostgreSQL: a common word is among the latest clips; check theirs first (a bounded
        # walk of the primary key), when a sample of them shows the word is common enough.
        # Otherwise read the matches from the GIN index and keep the latest: walking the key
        # further would check the words of every clip on the way (70,000 for a name found in
        # 1.4 % of them).
        seen = scanned = 0
        for scan in (DENSE_SCAN // 10, DENSE_SCAN):
            newest = (
                select(Coverage.id, self.condition().label("hit"))
                .where(*conditions, *self.probe)
                .order_by(Coverage.id.desc())
                .limit(scan)
                .subquery()
            )
            hits = select(newest.c.id).where(newest.c.hit).order_by(newest.c.id.desc())
            ids = list(self.session.scalars(hits.limit(limit)))
            if len(ids) == limit:
                return ids
            seen, scanned = len(ids), scan
            if len(ids) * DENSE_SCAN < limit * scan:  # too rare to find enough this way
                break
        if seen and not self.campaigns:
            # The matches among the newest clips first: as many ids back as should hold twice
            # the matches needed, at the rate just seen. PostgreSQL then combines a range of
            # the primary key with the words' index and reads 3,500 rows rather than 14,000
            # for a name found in 1.4 % of the clips. (Not in a campaign: its share of the
            # newest clips says little about its share of older ones.)
            newest_id = self.session.scalar(select(func.max(Coverage.id))) or 0
            recent = Coverage.id > newest_id - 2 * limit * scanned // seen
            ids = self._latest_matches([*conditions, recent], limit)
            if len(ids) == limit:
                return ids
        return self._latest_matches(conditions, limit)

    def _latest_matches(self, conditions: list, limit: int) -> list[int]:
        """The latest ``limit`` matches, from the words' index (PostgreSQL)."""
        words = select(Coverage.id).where(*conditions, self.condition())
        found = words.cte("found").prefix_with("MATERIALIZED")
        latest = select(found.c.id).order_by(found.c.id.desc())
        if self.campaigns:
            # Each match, newest first, looked up among the campaigns' links until there are
            # enough (OFFSET 0 keeps the lookups after the sort rather than before it).
            newest = latest.offset(0).subquery()
            latest = select(newest.c.id).where(linked_to(self.campaigns, newest.c.id))
        return list(self.session.scalars(latest.limit(limit)))

    def ranked(self, conditions: list, latest: list[int], most: int):
        """The matching ids by relevance, best first, and the window ranked (None: all).

        ``latest`` are the latest matches, newest first, more than ``most`` of them when there
        are: then only the most recently collected ones are ranked, the others are left out of
        the list, and the window's size is returned so the page can say so. Sorting by date
        lists them all.
        """
        window = most if len(latest) > most else None
        ids = latest[:most]
        if self.sqlite:  # bm25 ranks the matches from the window's oldest: lower is better
            query, matches = self._joined(conditions, ids[-1], ranked=True)
            return window, query.order_by(matches.c.score.asc(), Coverage.id.desc())
        rank = func.ts_rank(_tsvector(), self.tsquery)  # read for these clips only
        window_ids = bindparam("window_ids", ids, type_=ARRAY(Integer))  # one value, not 1,000
        query = select(Coverage.id).where(Coverage.id == any_(window_ids))
        return window, query.order_by(rank.desc(), Coverage.id.desc())
