"""Coverage search: words (with or without accents), filters, sort, pages, on both databases."""

from datetime import UTC, date, datetime

import pytest

from models import (
    Campaign,
    Coverage,
    CoverageCampaign,
    CoverageStatus,
    KeyMessage,
    Medium,
    Outlet,
    Scope,
    Tone,
)
from models import search as search_module
from models.search import CoverageFilters, SearchError, search_coverage
from models.search_fulltext import FullText
from models.search_words import fts5_query, word_forms


def seed(factory) -> dict[str, int]:
    """Four clips in three outlets, under an umbrella campaign and one of its projects."""
    with factory.begin() as session:
        voix = Outlet(name="La Voix du Nord", medium=Medium.PRESS, scope=Scope.REGIONAL)
        france3 = Outlet(name="France 3 Hauts-de-France", medium=Medium.TV, scope=Scope.REGIONAL)
        monde = Outlet(name="Le Monde", medium=Medium.PRESS, scope=Scope.NATIONAL)
        umbrella = Campaign(slug="dix-ans", name="J'ai 10 ans")
        trip = Campaign(slug="voyage", name="Voyage de presse", parent=umbrella)
        umbrella.key_messages = [KeyMessage(label="Fierté des habitants")]
        clips = {
            "habitants": Coverage(
                url="https://lavoixdunord.fr/1",
                title="L'énergie des habitants du Bassin minier",
                text="Les habitants de Loos-en-Gohelle racontent leur fierté.",
                author="Marie Dupont",
                published_at=datetime(2022, 3, 10, 9, tzinfo=UTC),
                status=CoverageStatus.CONFIRMED,
                medium=Medium.PRESS,
                tone=Tone.POSITIVE,
                key_messages=[{"label": "Fierté des habitants", "sentence": "fierté"}],
                reach=1_000,
                ave_eur=500.0,
                outlet=voix,
                campaign_links=[CoverageCampaign(campaign=trip)],
            ),
            "festival": Coverage(
                url="https://france3.fr/2",
                title="Le 9-9bis accueille un festival",
                text="Concerts au pied des terrils, une belle énergie.",
                # 23:30 on 15 March in UTC is already 16 March in Paris
                published_at=datetime(2022, 3, 15, 23, 30, tzinfo=UTC),
                status=CoverageStatus.NEW,
                medium=Medium.TV,
                tone=Tone.NEUTRAL,
                key_messages=[{"label": "Changement d'image", "sentence": "…"}],
                reach=50_000,
                ave_eur=2_000.0,
                outlet=france3,
                campaign_links=[CoverageCampaign(campaign=umbrella)],
            ),
            "renouvelables": Coverage(
                url="https://lemonde.fr/3",
                title="Énergies renouvelables sur les terrils",
                summary="Le bassin minier mise sur le solaire.",
                published_at=datetime(2022, 4, 1, 8, tzinfo=UTC),
                status=CoverageStatus.REJECTED,
                medium=Medium.PRESS,
                tone=Tone.NEGATIVE,
                reach=300_000,
                ave_eur=None,
                ave_override_eur=9_000.0,
                outlet=monde,
            ),
            "pending": Coverage(
                url="https://lemonde.fr/4",
                title="Énergie : un article pas encore analysé",
                published_at=datetime(2022, 4, 2, 8, tzinfo=UTC),
                status=CoverageStatus.PENDING,
                outlet=monde,
            ),
        }
        session.add_all(clips.values())
        session.flush()
        ids = {name: clip.id for name, clip in clips.items()}
        ids |= {"voix": voix.id, "umbrella": umbrella.id, "trip": trip.id}
    return ids


def found(factory, ids, sort=None, page=1, per_page=50, **filters) -> list[str]:
    names = {v: k for k, v in ids.items() if k not in ("voix", "umbrella", "trip")}
    with factory() as session:
        result = search_coverage(session, CoverageFilters(**filters), page, per_page, sort)
        return [names[clip.id] for clip in result.items]


def test_a_word_finds_its_clips_with_its_accents_and_forms(any_sessions):
    ids = seed(any_sessions)
    assert set(found(any_sessions, ids, q="énergie")) == {"habitants", "festival", "renouvelables"}
    assert found(any_sessions, ids, q="habitants") == ["habitants"]
    assert found(any_sessions, ids, q="Dupont") == ["habitants"]  # the author is searched
    assert found(any_sessions, ids, q="solaire") == ["renouvelables"]  # and the summary


def test_a_word_typed_without_its_accent_finds_the_clips(any_sessions):
    ids = seed(any_sessions)
    assert set(found(any_sessions, ids, q="energie")) == {"habitants", "festival", "renouvelables"}
    assert found(any_sessions, ids, q="fierte") == ["habitants"]


def test_phrases_exclusions_and_alternatives(any_sessions):
    ids = seed(any_sessions)
    assert found(any_sessions, ids, q='"bassin minier"') == ["habitants", "renouvelables"]
    assert found(any_sessions, ids, q='"minier bassin"') == []
    assert found(any_sessions, ids, q="énergie -habitants -festival") == ["renouvelables"]
    assert set(found(any_sessions, ids, q="festival or solaire")) == {"festival", "renouvelables"}


def test_relevance_puts_a_title_before_a_body(any_sessions):
    ids = seed(any_sessions)
    # "festival" is in one title; "terrils" in a title and in another clip's body
    assert found(any_sessions, ids, q="terrils") == ["renouvelables", "festival"]
    assert found(any_sessions, ids, q="terrils", sort="date_desc") == ["renouvelables", "festival"]
    assert found(any_sessions, ids, q="terrils", sort="date_asc") == ["festival", "renouvelables"]


def test_relevance_ranks_the_latest_matches_when_there_are_many(any_sessions, monkeypatch):
    monkeypatch.setattr("models.search.RANK_WINDOW", 2)
    ids = seed(any_sessions)
    matches = ("habitants", "festival", "renouvelables")  # all three say "énergie"
    latest = set(sorted(matches, key=ids.get)[-2:])
    assert set(found(any_sessions, ids, q="énergie", sort="relevance")) == latest
    with any_sessions() as session:
        words = CoverageFilters(q="énergie")
        result = search_coverage(session, words, sort="relevance")
        assert (result.total, result.ranked_window, result.pages) == (3, 2, 1)
        by_date = search_coverage(session, words, sort="date_desc")
        assert (len(by_date.items), by_date.ranked_window) == (3, None)
        assert search_coverage(session, words).ranked_window == 2  # the default order
    assert found(any_sessions, ids, q="terrils") == ["renouvelables", "festival"]  # 2: ranked


def test_the_latest_matches_are_found_among_the_newest_clips_first(any_sessions, monkeypatch):
    # Small windows, so that each way of finding the latest matches is taken: the newest clips
    # read one by one, then (on PostgreSQL) the word's matches among the newest ids only.
    monkeypatch.setattr("models.search_fulltext.DENSE_SCAN", 10)
    for name, value in (("COUNT_CAP", 4), ("RANK_WINDOW", 4)):
        monkeypatch.setattr(f"models.search.{name}", value)
    with any_sessions.begin() as session:
        clips = [
            Coverage(
                url=f"https://example.org/{n}",
                title=f"Article {n}",
                text="Les terrils de Loos." if n % 3 == 0 else "Une autre histoire.",
                status=CoverageStatus.CONFIRMED,
            )
            for n in range(60)
        ]
        session.add_all(clips)
        session.flush()
        matching = sorted(clip.id for clip in clips if "terrils" in clip.text)
    windows = []
    read = FullText._latest_matches

    def spy(self, conditions, limit):
        found = read(self, conditions, limit)
        windows.append(len(found))
        return found

    monkeypatch.setattr(FullText, "_latest_matches", spy)
    with any_sessions() as session:
        result = search_coverage(session, CoverageFilters(q="terrils"), sort="relevance")
        assert {clip.id for clip in result.items} == set(matching[-4:])
        postgresql = session.get_bind().dialect.name == "postgresql"
        assert windows == ([5] if postgresql else [])  # the newest ids held enough matches
        assert (result.total, result.capped, result.ranked_window) == (4, True, 4)
        exact = search_coverage(session, CoverageFilters(q="terrils"), exact_count=True)
        assert exact.total == len(matching) == 20


def test_each_filter_narrows_the_results(any_sessions):
    ids = seed(any_sessions)
    everything = {"habitants", "festival", "renouvelables"}
    assert set(found(any_sessions, ids)) == everything  # reviewed statuses only
    # an umbrella campaign counts its projects' clips
    assert set(found(any_sessions, ids, campaign_id=ids["umbrella"])) == {"habitants", "festival"}
    assert found(any_sessions, ids, campaign_id=ids["trip"]) == ["habitants"]
    assert found(any_sessions, ids, medium=Medium.TV) == ["festival"]
    assert found(any_sessions, ids, outlet_id=ids["voix"]) == ["habitants"]
    assert found(any_sessions, ids, scope=Scope.NATIONAL) == ["renouvelables"]
    assert found(any_sessions, ids, tone=Tone.NEGATIVE) == ["renouvelables"]
    assert found(any_sessions, ids, status="rejected") == ["renouvelables"]
    assert set(found(any_sessions, ids, status="all")) == everything | {"pending"}
    assert found(any_sessions, ids, key_message="Fierté des habitants") == ["habitants"]
    assert found(any_sessions, ids, key_message="Changement d'image") == ["festival"]
    assert found(any_sessions, ids, key_message="Fierté") == []  # a whole label, not a part


def test_words_and_filters_narrow_together(any_sessions):
    # The full-text index finds the clips with the word; status and campaign are then checked
    # clip by clip (on PostgreSQL the statuses are said as "none of the others").
    ids = seed(any_sessions)
    reviewed = {"habitants", "festival", "renouvelables"}
    assert set(found(any_sessions, ids, q="énergie")) == reviewed  # not the one awaiting analysis
    assert set(found(any_sessions, ids, q="énergie", status="all")) == reviewed | {"pending"}
    assert found(any_sessions, ids, q="énergie", status="rejected") == ["renouvelables"]
    assert found(any_sessions, ids, q="énergie", status="new") == ["festival"]
    umbrella = found(any_sessions, ids, q="énergie", campaign_id=ids["umbrella"])
    assert set(umbrella) == {"habitants", "festival"}
    assert found(any_sessions, ids, q="énergie", campaign_id=ids["trip"]) == ["habitants"]
    assert found(any_sessions, ids, q="énergie", campaign_id=ids["trip"], status="new") == []


def test_dates_are_publication_days_in_paris(any_sessions):
    ids = seed(any_sessions)
    march_15 = date(2022, 3, 15)
    assert found(any_sessions, ids, date_to=march_15) == ["habitants"]
    assert found(any_sessions, ids, date_from=date(2022, 3, 16), date_to=date(2022, 3, 16)) == [
        "festival"
    ]
    assert found(any_sessions, ids, date_from=date(2022, 3, 16)) == ["renouvelables", "festival"]


def test_sorts_and_pages(any_sessions):
    ids = seed(any_sessions)
    assert found(any_sessions, ids) == ["renouvelables", "festival", "habitants"]
    assert found(any_sessions, ids, sort="date_asc") == ["habitants", "festival", "renouvelables"]
    assert found(any_sessions, ids, sort="reach_desc") == ["renouvelables", "festival", "habitants"]
    # the AVE set by hand is the one that counts
    assert found(any_sessions, ids, sort="ave_desc") == ["renouvelables", "festival", "habitants"]
    assert found(any_sessions, ids, per_page=2) == ["renouvelables", "festival"]
    assert found(any_sessions, ids, per_page=2, page=2) == ["habitants"]
    assert found(any_sessions, ids, per_page=2, page=3) == []
    with any_sessions() as session:
        result = search_coverage(session, CoverageFilters(), page=2, per_page=2)
        assert (result.total, result.pages, result.has_previous, result.has_next) == (
            3,
            2,
            True,
            False,
        )
        assert search_coverage(session, CoverageFilters(), per_page=10_000).per_page == 200


def test_the_count_stops_at_the_cap_unless_asked_for_all(any_sessions, monkeypatch):
    seed(any_sessions)
    monkeypatch.setattr(search_module, "COUNT_CAP", 2)
    with any_sessions() as session:
        result = search_coverage(session, CoverageFilters(), per_page=1)
        assert result.capped and result.total == 2 and len(result.items) == 1
        exact = search_coverage(session, CoverageFilters(), per_page=1, exact_count=True)
        assert not exact.capped and exact.total == 3
        words = CoverageFilters(q="énergie")  # in three clips
        assert search_coverage(session, words, sort="date_desc").capped
        assert search_coverage(session, words, sort="date_desc", exact_count=True).total == 3


def test_pages_go_on_past_the_capped_count_when_listed_by_date(any_sessions, monkeypatch):
    ids = seed(any_sessions)
    monkeypatch.setattr(search_module, "COUNT_CAP", 1)
    names = {ids[k]: k for k in ("habitants", "festival", "renouvelables")}
    seen = []
    with any_sessions() as session:
        for page in (1, 2, 3):
            result = search_coverage(session, CoverageFilters(), page=page, per_page=1)
            assert result.capped and result.pages == 1
            seen += [names[clip.id] for clip in result.items]
            assert result.has_next == (page < 3)
    assert seen == ["renouvelables", "festival", "habitants"]


def test_relevance_window_from_the_counted_matches(any_sessions, monkeypatch):
    """With a cap above the window, the latest matches counted give the window (SQLite)."""
    monkeypatch.setattr(search_module, "RANK_WINDOW", 2)
    monkeypatch.setattr(search_module, "COUNT_CAP", 2)
    ids = seed(any_sessions)
    latest = set(sorted(("habitants", "festival", "renouvelables"), key=ids.get)[-2:])
    assert set(found(any_sessions, ids, q="énergie", sort="relevance")) == latest


def test_the_list_leaves_the_text_in_the_database(sessions):
    from sqlalchemy import inspect

    seed(sessions)
    with sessions() as session:
        clip = search_coverage(session, CoverageFilters(q="habitants")).items[0]
        assert "text" in inspect(clip).unloaded and clip.outlet.name == "La Voix du Nord"


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced',
        "AND OR (",
        "NEAR(a b)",
        "title:énergie",
        "^énergie",
        "énergie*",
        "{title text}: x",
        "a\"b'c\\d",
        "NOT habitants",
        "- habitants",
        '"" habitants',
        "énergie OR",
        "OR énergie",
        "l'énergie",
        "bassin-minier",
    ],
)
def test_any_typed_search_runs_without_error(any_sessions, q):
    seed(any_sessions)
    with any_sessions() as session:
        search_coverage(session, CoverageFilters(q=q))
        search_coverage(session, CoverageFilters(q=q), sort="date_desc")


@pytest.mark.parametrize("q", ["(((", '""', "-habitants", "- -", "or"])
def test_a_search_without_words_to_find_says_so(any_sessions, q):
    with any_sessions() as session, pytest.raises(SearchError):
        search_coverage(session, CoverageFilters(q=q))


def test_user_syntax_never_reaches_fts5():
    assert fts5_query('NEAR(a b) title:x "mot clé" -yz') == (
        '("NEAR(a" AND "b)" AND "title:x" AND "mot clé" NOT "yz")'
    )
    assert fts5_query('a"b or cd') == '("a b") OR ("cd")'
    assert fts5_query('rénov* "x*"') == '("rénov"* AND "x*")'


@pytest.mark.parametrize(
    ("word", "finds"),
    [
        ("terrils", {"terril", "terrils"}),
        ("habitant", {"habitants", "habitante", "habitantes"}),
        ("habitantes", {"habitant", "habitants"}),
        ("régional", {"régionaux", "régionale"}),
        ("régionaux", {"régional", "régionales"}),
        ("culturel", {"culturelle", "culturelles"}),
        ("minières", {"minière"}),
    ],
)
def test_a_word_finds_its_plural_and_feminine_forms(word, finds):
    assert finds <= set(word_forms(word))


def test_a_word_with_a_star_finds_the_words_it_begins(any_sessions):
    ids = seed(any_sessions)
    assert found(any_sessions, ids, q="renouvel*") == ["renouvelables"]


def test_unknown_sort_or_status_is_refused(any_sessions):
    with any_sessions() as session:
        with pytest.raises(SearchError):
            search_coverage(session, CoverageFilters(), sort="random")
        with pytest.raises(SearchError):
            search_coverage(session, CoverageFilters(status="archived"))
