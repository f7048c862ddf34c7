import pytest

from models.urls import canonical_url


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "https://www.LaVoixDuNord.fr/123/article/?utm_source=rss&utm_medium=x#comments",
            "https://www.lavoixdunord.fr/123/article",
        ),
        ("https://example.fr/a/b/", "https://example.fr/a/b"),
        ("https://example.fr/", "https://example.fr/"),
        ("http://127.0.0.1:8000/x.html?id=4", "http://127.0.0.1:8000/x.html?id=4"),
    ],
)
def test_canonical_urls_drop_tracking_fragments_and_trailing_slashes(url, canonical):
    assert canonical_url(url) == canonical


@pytest.mark.parametrize("url", ["mailto:presse@example.fr", "/relative/path", "ftp://x.fr/a"])
def test_non_web_addresses_are_refused(url):
    with pytest.raises(ValueError):
        canonical_url(url)
