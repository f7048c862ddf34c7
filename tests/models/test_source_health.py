from datetime import UTC, datetime, timedelta

from models import Source, SourceHealth, SourceKind
from models.source import MAX_BACKOFF, due_sources

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def make_source(**kw):
    return Source(name="x", kind=SourceKind.FEED, url="https://x.fr/rss", interval_minutes=30, **kw)


def test_failures_back_off_exponentially_up_to_a_day():
    source = make_source()
    delays = []
    for _ in range(8):
        source.record_failure(NOW, error="server error", status=500)
        delays.append(source.next_attempt_at - NOW)
    assert delays[:3] == [timedelta(minutes=30), timedelta(minutes=60), timedelta(minutes=120)]
    assert delays[-1] == MAX_BACKOFF
    assert source.health == SourceHealth.FAILING
    assert source.consecutive_failures == 8


def test_success_resets_failures_and_keeps_validators():
    source = make_source()
    source.record_failure(NOW, error="timeout", status=None)
    source.record_success(NOW, status=200, entries=12, etag='"a"', last_modified="Tue")
    assert source.health == SourceHealth.OK
    assert source.consecutive_failures == 0 and source.last_error is None
    assert (source.etag, source.last_entry_count) == ('"a"', 12)
    source.record_success(NOW, status=304, entries=None, not_modified=True)
    assert (source.etag, source.last_entry_count) == ('"a"', 12)
    assert source.next_attempt_at == NOW + timedelta(minutes=30)


def test_due_sources_are_enabled_and_past_their_time(sessions):
    with sessions.begin() as session:
        session.add_all(
            [
                Source(name="never", kind=SourceKind.FEED, url="https://a.fr/rss"),
                Source(
                    name="late",
                    kind=SourceKind.FEED,
                    url="https://b.fr/rss",
                    next_attempt_at=NOW - timedelta(minutes=1),
                ),
                Source(
                    name="later",
                    kind=SourceKind.FEED,
                    url="https://c.fr/rss",
                    next_attempt_at=NOW + timedelta(minutes=1),
                ),
                Source(name="paused", kind=SourceKind.FEED, url="https://d.fr/rss", enabled=False),
            ]
        )
    with sessions() as session:
        assert [s.name for s in due_sources(session, NOW)] == ["never", "late"]
