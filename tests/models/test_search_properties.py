"""Properties of the coverage search (``models.search``), whose words become SQL: FTS5 on
SQLite, a ``tsquery`` on PostgreSQL.

Whatever a person types, the search either says in one sentence that there is nothing to look
for, or runs: the database never refuses the SQL made of the words (``search_coverage`` would
turn such a refusal into "The search could not be run", which a user cannot act on).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from models.search import CoverageFilters, SearchError, search_coverage
from tests.models.test_search import seed

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TOKENS = [
    '"', "'", "-", "*", "(", ")", ":", "^", "\\", "OR", "or", "AND", "NOT", "NEAR", "NEAR/2",
    "title:", "{title text}:", "l'", "aujourd'hui", "énergie", "habitants", "bassin-minier",
    "renouvel*", "le", "de", "où", "é", "\u0301", "ß", "İ", "\x00", "\t", "\u2028", "🙂", "%",
    "_", ";", "&", "|", "!", "<->", "::", "$1", "?", "0", "-0", "1e9",
]  # fmt: skip


@st.composite
def typed(draw) -> str:
    """What a person (or a pasted text) puts in the search box."""
    tokens = draw(st.lists(st.sampled_from(TOKENS) | st.text(max_size=6), max_size=10))
    return "".join(token + draw(st.sampled_from(["", " ", " ", "\n"])) for token in tokens)


@pytest.fixture
def seeded(any_sessions):
    seed(any_sessions)
    return any_sessions


@FUZZ
@given(st.text(max_size=40) | typed())
@example("énergie\x00")  # NUL: PostgreSQL refuses it in a query parameter
@example('"énergie -"')
@example("-énergie or habitants")
def test_any_typed_search_runs_or_says_there_is_nothing_to_find(seeded, q):
    with seeded() as session:
        for sort in (None, "date_desc"):
            try:
                result = search_coverage(session, CoverageFilters(q=q), sort=sort)
            except SearchError as error:
                message = str(error)
                assert message and "could not be run" not in message, message
            else:
                assert len(result.items) <= result.total
                assert all(clip.id for clip in result.items)
