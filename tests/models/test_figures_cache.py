"""The figures cache: every committed write to clips, campaigns or outlets, from any process,
makes cached figures unreachable; other writes and rolled-back ones keep them."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text, update

from models import Campaign, Coverage, CoverageStatus, Medium, Outlet, Task
from models.db import open_database
from models.figures_cache import (
    FiguresCache,
    MemoryStore,
    RedisStore,
    data_version,
    writes_watched_table,
)


@pytest.mark.parametrize(
    ("statement", "watched"),
    [
        ("UPDATE coverage SET status=? WHERE coverage.id = ?", True),
        ('INSERT INTO "coverage_campaign" (coverage_id, campaign_id) VALUES (?, ?)', True),
        ("DELETE FROM outlet WHERE outlet.id = %(id)s", True),
        ("insert or replace into campaign(name) values (?)", True),
        ("INSERT INTO key_message (campaign_id, label) VALUES (?, ?)", True),
        ("UPDATE coverage_event SET note=?", False),
        ("INSERT INTO coverage_fts(coverage_fts) VALUES ('rebuild')", False),
        ("SELECT count(*) FROM coverage", False),
        ("UPDATE task SET progress=?", False),
    ],
)
def test_writes_to_the_figures_tables_are_recognised(statement, watched):
    assert writes_watched_table(statement) is watched


@pytest.fixture
def databases(any_settings):
    """Two engines on one database, as the web app and the scheduler are two processes."""
    web, web_sessions = open_database(any_settings)
    worker, worker_sessions = open_database(any_settings)
    with worker_sessions.begin() as session:
        session.add(Campaign(name="Bassin minier", slug="bassin-minier"))
    yield web_sessions, worker_sessions
    web.dispose()
    worker.dispose()


def test_committed_writes_change_the_version_others_do_not(databases):
    web, worker = databases
    with web() as session:
        start = data_version(session)

    with worker.begin() as session:  # a task's progress is not a figure
        session.add(Task(kind="crawl", title="Collect"))
    with web() as session:
        assert data_version(session) == start

    with worker() as session:  # rolled back: nothing changed
        session.add(Outlet(name="La Voix du Nord", medium=Medium.PRESS))
        session.flush()
        session.rollback()
    with web() as session:
        assert data_version(session) == start

    with worker.begin() as session:
        session.add(Outlet(name="La Voix du Nord", medium=Medium.PRESS))
    with web() as session:
        assert data_version(session) == start + 1

    with worker.begin() as session:  # a bulk update through the ORM, two statements
        session.execute(update(Campaign).values(description="Patrimoine mondial"))
        session.execute(text("UPDATE outlet SET name = 'La Voix du Nord (Lens)'"))
    with web() as session:
        assert data_version(session) == start + 2


def _confirmed(session) -> int:
    return session.query(Coverage).filter(Coverage.status == CoverageStatus.CONFIRMED).count()


def _add_clip(sessions, title: str) -> None:
    with sessions.begin() as session:
        session.add(Coverage(title=title, url=f"https://example.org/{title}", status="confirmed"))


def test_figures_are_computed_again_after_a_write_from_another_process(databases):
    web, worker = databases
    cache = FiguresCache(MemoryStore())
    computed = []

    def count(session):
        computed.append(1)
        return _confirmed(session)

    def view():
        with web() as session:
            return cache.get_or_compute(session, "confirmed", [], lambda: count(session))

    assert view() == 0
    assert view() == 0
    assert len(computed) == 1  # the second view was served from the cache
    _add_clip(worker, "lens")
    assert view() == 1
    assert view() == 1
    assert len(computed) == 2
    assert (cache.hits, cache.misses) == (2, 2)


def test_a_write_committed_while_computing_is_not_hidden_by_the_cache(databases):
    """The version is read before computing: figures computed during a write are stored under
    the version before it, and the next view computes again."""
    web, worker = databases
    cache = FiguresCache(MemoryStore())

    def slow_count(session):
        value = _confirmed(session)
        writer = threading.Thread(target=_add_clip, args=(worker, "douai"))
        writer.start()
        writer.join()
        return value

    with web() as session:
        assert cache.get_or_compute(session, "n", [], lambda: slow_count(session)) == 0
    with web() as session:
        assert cache.get_or_compute(session, "n", [], lambda: _confirmed(session)) == 1


def test_arguments_are_part_of_the_key(databases):
    web, _worker = databases
    cache = FiguresCache(MemoryStore())
    with web() as session:
        assert cache.get_or_compute(session, "year", [2022], lambda: "2022") == "2022"
        assert cache.get_or_compute(session, "year", [2023], lambda: "2023") == "2023"
        assert cache.get_or_compute(session, "year", [2022], lambda: "again") == "2022"


def test_figures_are_offered_as_they_were_until_computed_again(databases):
    """After a write, the figures computed before it are offered, dated and with what computing
    them cost, until the current ones are computed."""
    web, worker = databases
    cache = FiguresCache(MemoryStore())
    with web() as session:
        assert cache.current_or_stale(session, "n", []) is None  # never computed
        cache.get_or_compute(session, "n", [], lambda: _confirmed(session), keep_latest=True)
        found = cache.current_or_stale(session, "n", [])
        assert (found.value, found.current) == (0, True)
    _add_clip(worker, "lievin")
    with web() as session:
        stale = cache.current_or_stale(session, "n", [])
        assert (stale.value, stale.current) == (0, False)
        assert stale.computed_at is not None and stale.seconds >= 0
        cache.get_or_compute(session, "n", [], lambda: _confirmed(session), keep_latest=True)
        found = cache.current_or_stale(session, "n", [])
        assert (found.value, found.current) == (1, True)


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_one_thread_at_a_time_computes_stale_figures(store, request):
    if store == "redis":
        shared = RedisStore(request.getfixturevalue("redis_url"), ttl=60)
        namespace = f"claim-{id(shared)}"
        first, second = FiguresCache(shared, namespace), FiguresCache(shared, namespace)
    else:
        first = second = FiguresCache(MemoryStore())
    claim = first.claim("n", [1])
    assert claim is not None
    assert second.claim("n", [1]) is None  # another worker leaves it to the first
    other = second.claim("n", [2])
    assert other is not None  # other figures: their own claim
    first.release(claim)  # done (or failed): the next view may start again
    again = second.claim("n", [1])
    assert again is not None
    second.release(again)
    second.release(other)


def test_memory_store_keeps_the_latest_values():
    store = MemoryStore(size=2)
    for key in ("a", "b", "c"):
        store.set(key, key.encode())
    assert store.get("a") is None
    assert store.get("c") == b"c"


def test_redis_store_is_shared_by_the_web_workers(settings, redis_url):
    engine, sessions = open_database(settings)
    namespace = f"test-{id(engine)}"
    first = FiguresCache(RedisStore(redis_url, ttl=60), namespace)
    second = FiguresCache(RedisStore(redis_url, ttl=60), namespace)
    with sessions() as session:
        assert first.get_or_compute(session, "n", [], lambda: {"total": 3}) == {"total": 3}
        assert second.get_or_compute(session, "n", [], lambda: {"total": 0}) == {"total": 3}
    assert second.hits == 1
    engine.dispose()


def test_unreachable_redis_is_a_miss_not_an_error(settings):
    engine, sessions = open_database(settings)
    cache = FiguresCache(RedisStore("redis://127.0.0.1:9/0", ttl=60))
    with sessions() as session:
        assert cache.get_or_compute(session, "n", [], lambda: 7) == 7
        assert cache.get_or_compute(session, "n", [], lambda: 8) == 8
    engine.dispose()
