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


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://example.fr/region/amp/lens-article", "https://example.fr/region/lens-article"),
        ("https://example.fr/region/lens-article/amp/", "https://example.fr/region/lens-article"),
        ("https://example.fr/region/lens-article/AMP", "https://example.fr/region/lens-article"),
        ("https://amp.example.fr/region/lens-article", "https://example.fr/region/lens-article"),
        ("https://example.fr/region/lens-article?amp", "https://example.fr/region/lens-article"),
        ("https://example.fr/region/lens-article?amp=1", "https://example.fr/region/lens-article"),
        ("https://example.fr/a?outputType=amp", "https://example.fr/a"),
        ("https://example.fr/a?outputType=amp&id=4", "https://example.fr/a?id=4"),
        ("https://example.fr/amp", "https://example.fr/"),
    ],
)
def test_amp_editions_are_the_article_itself(url, canonical):
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://m.example.fr/region/lens-article", "https://example.fr/region/lens-article"),
        ("https://mobile.example.fr/region/lens-article", "https://example.fr/region/lens-article"),
        ("https://M.Example.FR/a/", "https://example.fr/a"),
        ("https://m.fr/a", "https://m.fr/a"),  # a site of its own, not a mobile edition
        ("https://www.example.fr/a", "https://www.example.fr/a"),
        ("https://media.example.fr/a", "https://media.example.fr/a"),
        ("https://lens.example.fr/a", "https://lens.example.fr/a"),
        ("https://mobilite.example.fr/a", "https://mobilite.example.fr/a"),
    ],
)
def test_mobile_hosts_lose_their_prefix_and_other_subdomains_stay(url, canonical):
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://Example.FR:443/a", "https://example.fr/a"),
        ("http://example.fr:80/a", "http://example.fr/a"),
        ("https://example.fr:8443/a", "https://example.fr:8443/a"),
        ("http://example.fr:443/a", "http://example.fr:443/a"),  # not http's default port
        ("https://example.fr./a", "https://example.fr/a"),
        ("https://redaction:secret@example.fr/a", "https://example.fr/a"),
    ],
)
def test_hosts_are_lower_case_without_default_port(url, canonical):
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://example.fr/a?page=2&id=4", "https://example.fr/a?id=4&page=2"),
        ("https://example.fr/a?id=4&page=2", "https://example.fr/a?id=4&page=2"),
        (
            "https://example.fr/a?xtor=RSS-3&fbclid=Iw&at_medium=rss&gclid=x&id=4",
            "https://example.fr/a?id=4",
        ),
        ("https://example.fr/a/?utm_campaign=newsletter", "https://example.fr/a"),
    ],
)
def test_meaningful_query_parameters_are_kept_sorted_and_trackers_dropped(url, canonical):
    assert canonical_url(url) == canonical


def test_every_edition_of_one_article_has_one_canonical_url():
    editions = [
        "https://example.fr/lens/article-123",
        "https://example.fr/lens/article-123/",
        "https://m.example.fr/lens/article-123",
        "https://amp.example.fr/lens/article-123?utm_source=twitter",
        "https://example.fr/lens/amp/article-123#xtor=RSS",
        "https://example.fr/lens/article-123?outputType=amp",
        "https://EXAMPLE.fr:443/lens/article-123/amp",
    ]
    assert {canonical_url(url) for url in editions} == {"https://example.fr/lens/article-123"}


def test_canonical_urls_are_stable():
    for url in ["https://m.example.fr/a/amp/?id=4&page=2", "https://www.example.fr/"]:
        assert canonical_url(canonical_url(url)) == canonical_url(url)


@pytest.mark.parametrize("url", ["mailto:presse@example.fr", "/relative/path", "ftp://x.fr/a"])
def test_non_web_addresses_are_refused(url):
    with pytest.raises(ValueError):
        canonical_url(url)
