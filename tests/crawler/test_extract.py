"""Article extraction on recorded pages."""

import json
from datetime import UTC, datetime, timedelta, timezone

from click.testing import CliRunner

from cli.main import main
from crawler.extract import clean_author, extract_page, parse_duration
from tests.conftest import FIXTURES

PARIS = timezone(timedelta(hours=1))


def test_article_text_title_date_and_author(fixture_server):
    html = fixture_server.static("site/press/articles/npdc-1.html")[2].decode()
    page = extract_page(html, fixture_server.url("site/press/articles/npdc-1.html"))
    assert "9-9bis" in page.title
    assert "femmes de mineurs" in page.text
    assert "newsletter" not in page.text.lower()  # page chrome is left out
    assert page.published.tzinfo is not None
    assert page.author and not page.author.lower().startswith("par ")
    assert page.language == "fr"


def test_video_page_hints(fixture_server):
    html = fixture_server.static("site/tv/videos/louvre-lens.html")[2].decode()
    page = extract_page(html, fixture_server.url("site/tv/videos/louvre-lens.html"))
    assert page.medium_hints["video"] is True
    assert page.medium_hints["duration_s"] == 118
    assert "VideoObject" in page.medium_hints["jsonld_types"]


def test_windows_1252_page_is_decoded():
    page = extract_page((FIXTURES / "pages/windows-1252.html").read_bytes())
    assert page.title == "Liévin : l’œuvre d’un élève exposée à côté de l’hôtel de ville"
    assert "Élève" in page.text and "œuvre" in page.text


def test_french_bylines_are_cleaned():
    assert clean_author("Par Jean Dupont") == "Jean Dupont"
    assert clean_author("  par Marie Lefebvre, ") == "Marie Lefebvre"
    assert clean_author("") is None


def test_durations_in_every_notation():
    assert parse_duration("PT2M35S") == 155
    assert parse_duration("PT1H") == 3600
    assert parse_duration("00:24:38") == 1478
    assert parse_duration("18:05") == 1085
    assert parse_duration("1342") == 1342
    assert parse_duration("n/a") is None


def test_extract_command_json(fixture_server):
    url = fixture_server.url("site/press/articles/npdc-2.html")
    result = CliRunner().invoke(main, ["extract", url, str(FIXTURES / "pages/windows-1252.html")])
    assert result.exit_code == 0, result.output
    web, local = (json.loads(line) for line in result.output.splitlines())
    assert set(web) == {
        "input",
        "url",
        "title",
        "text",
        "published",
        "author",
        "language",
        "medium_hints",
    }
    assert web["input"] == url and "navette" in web["text"]
    assert datetime.fromisoformat(web["published"]).astimezone(UTC).year == 2026
    assert "Liévin" in local["text"]


def test_extract_command_reports_unreadable_input(fixture_server):
    result = CliRunner().invoke(main, ["extract", fixture_server.url("status/500")])
    assert result.exit_code == 1
    assert "HTTP 500" in json.loads(result.output)["error"]
