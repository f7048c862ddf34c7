"""Reading feeds of every kind, and the broken ones."""

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from cli.main import main
from crawler.feeds import parse_feed
from tests.conftest import FIXTURES


def read(server, path):
    """A fixture as the server serves it (links made absolute)."""
    return server.static(path)[2]


def test_rss_entries_with_dates_and_authors(fixture_server):
    result = parse_feed(read(fixture_server, "site/press/rss.xml"))
    assert result.ok and result.warning is None
    assert len(result.entries) == 3
    first = result.entries[0]
    assert first.url == fixture_server.url("site/press/articles/lorraine.html")
    assert first.published == datetime(2026, 11, 14, 7, 15, tzinfo=UTC)
    assert first.author == "Julien Keller"
    assert first.medium_hint is None


def test_podcast_audio_enclosure_and_duration(fixture_server):
    (entry,) = parse_feed(read(fixture_server, "site/radio/podcast.xml")).entries
    assert entry.enclosure_type == "audio/mpeg"
    assert entry.duration_s == 245  # <itunes:duration>00:04:05
    assert entry.medium_hint == "audio"
    assert entry.url.endswith("/site/radio/episodes/lewarde.html")


def test_video_feed_media_content_and_duration(fixture_server):
    (entry,) = parse_feed(read(fixture_server, "site/tv/videos.xml")).entries
    assert entry.medium_hint == "video"
    assert entry.duration_s == 118


def test_video_channel_feed_with_media_group(fixture_server):
    (entry,) = parse_feed(read(fixture_server, "site/tv/channel.xml")).entries
    assert entry.medium_hint == "video"
    assert entry.url.endswith("/site/tv/videos/louvre-lens.html")
    assert "bassin minier" in entry.summary


def test_atom_feed(fixture_server):
    result = parse_feed(read(fixture_server, "site/atom.xml"))
    assert result.ok and len(result.entries) == 2
    assert all(e.published and e.published.tzinfo for e in result.entries)


def test_malformed_but_readable_feed_is_ok_with_a_warning(fixture_server):
    result = parse_feed(read(fixture_server, "broken/malformed.xml"))
    assert result.ok
    assert result.warning and "not well-formed" in result.warning
    assert len(result.entries) == 2


def test_html_page_instead_of_a_feed_is_an_error(fixture_server):
    result = parse_feed(read(fixture_server, "broken/not-a-feed.html"))
    assert not result.ok
    assert "HTML page, not a feed" in result.error


def test_empty_feed_is_ok_and_empty(fixture_server):
    result = parse_feed(read(fixture_server, "broken/empty.xml"))
    assert result.ok and result.entries == []


def test_feed_command_prints_one_json_object_per_input(fixture_server):
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "feed",
            fixture_server.url("site/radio/podcast.xml"),
            fixture_server.url("broken/malformed.xml"),
            fixture_server.url("broken/not-a-feed.html"),
        ],
    )
    assert result.exit_code == 0, result.output
    podcast, malformed, html = (json.loads(line) for line in result.output.splitlines())
    assert podcast["ok"] and podcast["entries"][0]["duration_s"] == 245
    assert set(podcast["entries"][0]) == {
        "title",
        "url",
        "published",
        "summary",
        "enclosure_type",
        "duration_s",
        "medium_hint",
    }
    assert malformed["ok"] and malformed["warning"]
    assert not html["ok"] and html["error"]


@pytest.mark.parametrize("target", ["status/404", "missing-file.xml"])
def test_feed_command_fails_on_unreadable_input(fixture_server, target, tmp_path):
    runner = CliRunner()
    url = fixture_server.url(target) if target.startswith("status") else str(tmp_path / target)
    result = runner.invoke(main, ["feed", url])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False and report["error"]


def test_feed_command_reads_local_files():
    result = CliRunner().invoke(main, ["feed", str(FIXTURES / "broken/empty.xml")])
    assert result.exit_code == 0
    assert json.loads(result.output)["entries"] == []
