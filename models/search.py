"""Searching the stored coverage: filters, full text, sort, pages and counts.

The full text (SQLite FTS5 or PostgreSQL ``tsvector``) is :class:`models.search_fulltext.
FullText`; the filters, the count's cap and the relevance window are here. Query functions take
the session first and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, load_only, selectinload

from .base import CoverageStatus, Medium, Scope, Tone
from .campaign import KeyMessage
from .coverage import Coverage
from .metrics import REVIEWED_STATUSES, Selection, ave_value, campaign_family
from .outlet import Outlet
from .search_fulltext import FullText
from .search_words import SearchError

# Past this many clips the count says "1 000+" (the page offers the exact count): counting reads
# each match's row, and the latest RANK_WINDOW matches are read anyway.
COUNT_CAP = 1_000
# Ranking reads every ranked clip's index entry (SQLite) or stored tsvector (PostgreSQL): with
# more matches than this, relevance orders the most recently collected ones only.
RANK_WINDOW = 1_000
PER_PAGE = 50
MAX_PER_PAGE = 200
SORTS = ("relevance", "date_desc", "date_asc", "reach_desc", "ave_desc")
STATUS_REVIEWED = "reviewed"  # the clips a person can review: new, confirmed, rejected
STATUS_ALL = "all"
# The columns a result list shows; the text and the JSON analyses stay in the database.
LIST_COLUMNS = (
    Coverage.id,
    Coverage.title,
    Coverage.url,
    Coverage.published_at,
    Coverage.medium,
    Coverage.status,
    Coverage.tone,
    Coverage.reach,
    Coverage.ave_eur,
    Coverage.ave_override_eur,
    Coverage.outlet_id,
)


@dataclass(frozen=True)
class CoverageFilters:
    """What a coverage search looks for. Empty fields do not filter."""

    q: str = ""  # free text: words, "exact phrases", -excluded, or
    campaign_id: int | None = None  # with its sub-campaigns
    medium: Medium | None = None
    outlet_id: int | None = None
    scope: Scope | None = None  # of the outlet
    date_from: date | None = None  # publication day in Paris, inclusive
    date_to: date | None = None  # inclusive
    status: str = STATUS_REVIEWED  # "reviewed", "all" or one CoverageStatus value
    tone: Tone | None = None
    key_message: str | None = None  # a key-message label the clip carries

    def statuses(self) -> tuple[CoverageStatus, ...]:
        """The review statuses searched.

        :raises SearchError: for an unknown status.
        """
        if not self.status or self.status == STATUS_REVIEWED:
            return REVIEWED_STATUSES
        if self.status == STATUS_ALL:
            return tuple(CoverageStatus)
        try:
            return (CoverageStatus(self.status),)
        except ValueError:
            raise SearchError(f"Unknown status {self.status!r}.") from None


@dataclass
class SearchResult:
    items: list[Coverage]
    total: int
    page: int
    per_page: int
    capped: bool = False  # total is COUNT_CAP: there are at least that many clips
    ranked_window: int | None = None  # relevance ordered only the latest this many matches
    more: bool = False  # clips come after this page
    sort: str = "date_desc"
    filters: CoverageFilters = field(default_factory=CoverageFilters)

    @property
    def listed(self) -> int:
        """How many clips the pages list: all the matches, or the ranked window."""
        return min(self.total, self.ranked_window) if self.ranked_window else self.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.listed // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        if self.capped and not self.ranked_window:  # listed by date or figure: more are known
            return self.more
        return self.page < self.pages


# -- SQL -------------------------------------------------------------------------------------


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _carries_message(dialect: str, label: str):
    if dialect == "postgresql":
        wanted = bindparam("message_label", [{"label": label}], type_=JSONB)
        return Coverage.key_messages.cast(JSONB).op("@>")(wanted)
    return text(
        "EXISTS (SELECT 1 FROM json_each(coverage.key_messages) "
        "WHERE json_extract(json_each.value, '$.label') = :message_label)"
    ).bindparams(message_label=label)


def filter_conditions(session: Session, filters: CoverageFilters) -> list:
    """Return the SQL conditions on ``Coverage`` for everything but the free text, and but
    the campaign of a search with words (see :func:`probed_campaigns`).

    With words, the full-text index finds the candidates and each one's status is checked on
    its row; without, the campaign's list of clips is read once (``Selection``).
    """
    words = bool((filters.q or "").strip())
    selection = Selection(
        campaign_id=None if words else filters.campaign_id,
        date_from=filters.date_from,
        date_to=filters.date_to,
        statuses=filters.statuses(),
    )
    conditions = selection.where(session, status_on_rows=words and _dialect(session) != "sqlite")
    if filters.medium is not None:
        conditions.append(Coverage.medium == filters.medium)
    if filters.outlet_id is not None:
        conditions.append(Coverage.outlet_id == filters.outlet_id)
    if filters.scope is not None:
        conditions.append(
            Coverage.outlet_id.in_(select(Outlet.id).where(Outlet.scope == filters.scope))
        )
    if filters.tone is not None:
        conditions.append(Coverage.tone == filters.tone)
    if filters.key_message:
        conditions.append(_carries_message(_dialect(session), filters.key_message))
    return conditions


def probed_campaigns(session: Session, filters: CoverageFilters) -> list[int]:
    """The campaigns (the chosen one and its sub-campaigns) each match of a search with words
    is looked up in, by its key (:func:`models.coverage.linked_to`); empty otherwise."""
    if not (filters.q or "").strip() or filters.campaign_id is None:
        return []
    return campaign_family(session, filters.campaign_id)


def _order(sort: str) -> list:
    latest = [Coverage.published_at.desc().nulls_last(), Coverage.id.desc()]
    return {
        "date_desc": latest,
        "date_asc": [Coverage.published_at.asc().nulls_last(), Coverage.id.asc()],
        "reach_desc": [Coverage.reach.desc().nulls_last(), *latest],
        "ave_desc": [ave_value().desc().nulls_last(), *latest],
    }.get(sort, latest)


def search_coverage(
    session: Session,
    filters: CoverageFilters,
    page: int = 1,
    per_page: int = PER_PAGE,
    sort: str | None = None,
    exact_count: bool = False,
) -> SearchResult:
    """Find clips by words and filters; one page of them, and how many there are in all.

    ``sort`` is one of :data:`SORTS`; by default relevance when there are words, else the
    latest first. The count stops at :data:`COUNT_CAP` (``capped`` says so) unless
    ``exact_count``.

    :raises SearchError: for a search without any word, an unknown sort or status, or a
        full-text query the database refuses.
    """
    q = (filters.q or "").strip()
    sort = sort or ("relevance" if q else "date_desc")
    if sort not in SORTS:
        raise SearchError(f"Unknown sort order {sort!r}.")
    if sort == "relevance" and not q:
        sort = "date_desc"
    page = max(1, int(page))
    per_page = min(max(1, int(per_page)), MAX_PER_PAGE)

    conditions = filter_conditions(session, filters)
    search = FullText(session, q, probed_campaigns(session, filters)) if q else None
    # Counting and finding the latest matches read the matches in id order (on SQLite, the
    # full-text index drives and each match is checked against the filters), stopping early.
    matching = search.matching(conditions) if search else select(Coverage.id).where(*conditions)
    cap = None if exact_count else COUNT_CAP
    try:
        latest = None
        if search and sort == "relevance":  # the latest matches: the count, and the ranked
            latest = search.latest(conditions, max(cap or 0, RANK_WINDOW) + 1)
        if latest is not None and cap is not None:
            total = len(latest)
        else:
            counted = matching if cap is None else matching.limit(cap + 1)
            total = session.scalar(select(func.count()).select_from(counted.subquery())) or 0
        window = None
        if sort == "relevance" and total:
            window, query = search.ranked(conditions, latest, RANK_WINDOW)
        else:
            # Listing by date or figure walks an index of coverage and checks each clip's words.
            words = [search.condition(), *search.probe] if search else []
            query = select(Coverage.id).where(*conditions, *words).order_by(*_order(sort))
        # The page's ids first, from the indexes where they serve; then only those rows,
        # without their text (SQLite reads a whole row, text included, for any column after it).
        query = query.limit(per_page + 1).offset((page - 1) * per_page)  # one more: a next page?
        ids = list(session.scalars(query)) if total else []
        more, ids = len(ids) > per_page, ids[:per_page]
        rows = select(Coverage).where(Coverage.id.in_(ids))
        rows = rows.options(load_only(*LIST_COLUMNS), selectinload(Coverage.outlet))
        by_id = {clip.id: clip for clip in session.scalars(rows)} if ids else {}
    except DBAPIError as exc:
        # The words are quoted, so this should not happen; say so rather than fail the page.
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise SearchError(f"The search could not be run ({reason}).") from exc
    return SearchResult(
        items=[by_id[i] for i in ids if i in by_id],
        total=total if cap is None else min(total, cap),
        page=page,
        per_page=per_page,
        capped=cap is not None and total > cap,
        more=more,
        ranked_window=window,
        sort=sort,
        filters=filters,
    )


def key_message_labels(session: Session) -> list[str]:
    """Every key-message label of every campaign, once each, in alphabetical order."""
    return list(session.scalars(select(KeyMessage.label).distinct().order_by(KeyMessage.label)))
