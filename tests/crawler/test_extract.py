"""Article extraction on recorded pages."""

import codecs
import json
import random
from datetime import UTC, datetime, timedelta, timezone

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.main import main
from crawler.extract import (
    ExtractionError,
    clean_author,
    clean_title,
    decode_html,
    extract_page,
    page_date,
    parse_duration,
)
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
    assert page.encoding == "cp1252"


# -- decoding ---------------------------------------------------------------------------------

CP1252_PAGE = (FIXTURES / "pages/windows-1252.html").read_bytes()
UNICODE_PAGE = CP1252_PAGE.decode("cp1252")
UNDECLARED_CP1252 = CP1252_PAGE.replace(b'<meta charset="windows-1252">', b"")


def _has_french_typography(text: str) -> bool:
    return all(part in text for part in ("élève", "œuvre", "300 €", "l’hôtel", "« Mon bassin"))


def test_cp1252_page_served_as_utf8_is_read_as_cp1252():
    for body in (CP1252_PAGE, UNDECLARED_CP1252):
        text, encoding = decode_html(body, "text/html; charset=utf-8")
        assert encoding == "cp1252" and _has_french_typography(text)
    page = extract_page(UNDECLARED_CP1252, content_type="text/html; charset=UTF-8")
    assert page.encoding == "cp1252"
    assert page.title == "Liévin : l’œuvre d’un élève exposée à côté de l’hôtel de ville"


def test_utf8_page_declared_latin1_is_read_as_utf8():
    body = UNICODE_PAGE.replace("windows-1252", "iso-8859-1").encode("utf-8")
    text, encoding = decode_html(body, "text/html; charset=ISO-8859-1")
    assert encoding == "utf-8" and _has_french_typography(text)
    assert decode_html(body)[0] == text  # declared by the <meta> alone


def test_latin1_means_cp1252_and_latin9_is_kept():
    assert decode_html("€ œ ’".encode("cp1252"), "text/html; charset=iso-8859-1") == (
        "€ œ ’",
        "cp1252",
    )
    assert decode_html("€ œ".encode("iso-8859-15"), "text/html; charset=iso-8859-15") == (
        "€ œ",
        "iso8859-15",
    )


def test_byte_order_mark_wins_over_every_declaration():
    text, encoding = decode_html(codecs.BOM_UTF8 + UNICODE_PAGE.encode("utf-8"), "charset=cp1252")
    assert encoding == "utf-8" and text == UNICODE_PAGE
    text, encoding = decode_html(codecs.BOM_UTF16_LE + UNICODE_PAGE.encode("utf-16-le"))
    assert encoding == "utf-16-le" and text == UNICODE_PAGE


def test_undeclared_pages_are_detected():
    text, encoding = decode_html(UNDECLARED_CP1252)
    assert encoding == "cp1252" and _has_french_typography(text)
    assert decode_html("<p>Liévin</p>".encode()) == ("<p>Liévin</p>", "utf-8")


def test_stray_legacy_bytes_in_a_utf8_page_keep_its_accents():
    body = "<p>Un élève de Liévin</p>".encode() + "<p>l’œuvre</p>".encode("cp1252")
    assert decode_html(body, "text/html; charset=utf-8") == (
        "<p>Un élève de Liévin</p><p>l’œuvre</p>",
        "utf-8",
    )


def test_garbage_bytes_do_not_raise():
    garbage = random.Random(7).randbytes(20_000)
    for content_type in (None, "text/html; charset=utf-8", "charset=iso-8859-1", "charset=x-no"):
        text, encoding = decode_html(garbage, content_type)
        assert text and codecs.lookup(encoding)
    try:
        extract_page(garbage, content_type="text/html; charset=utf-16")
    except ExtractionError:
        pass


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=2000),
    st.sampled_from([None, "text/html", "charset=utf-8", "charset=latin-1", "charset=utf-16"]),
)
def test_decoding_never_raises(body, content_type):
    text, encoding = decode_html(body, content_type)
    assert isinstance(text, str) and codecs.lookup(encoding)


# -- metadata ---------------------------------------------------------------------------------

ARTICLE = "".join(
    f"<p>{sentence}</p>"
    for sentence in (
        "Gratuite et testée pendant six mois, la navette électrique desservira le musée, la gare "
        "de Lens et le pied des terrils jumeaux de Loos-en-Gohelle, classés au patrimoine mondial.",
        "Les élus de la communauté d'agglomération espèrent ainsi attirer les visiteurs du musée "
        "vers les sentiers de randonnée qui gravissent les anciens terrils du bassin minier.",
        "La publicité pour la ligne sera affichée dans les gares de la région dès la semaine "
        "prochaine, précise le président de l'agglomération, qui promet un bilan au printemps.",
    )
)
SITE = "La Gazette de l'Artois"


def _page(head: str = "", lang: str = ' lang="fr"', body: str = ARTICLE) -> bytes:
    html = (
        f"<!DOCTYPE html><html{lang}><head><meta charset='utf-8'><title>Navette</title>{head}"
        f"</head><body><article><h1>Lens : la navette</h1>{body}</article></body></html>"
    )
    return html.encode("utf-8")


def _og(**properties: str) -> str:
    return "".join(
        f'<meta property="{key.replace("__", ":")}" content="{value}">'
        for key, value in properties.items()
    )


def _jsonld(data: dict | str) -> str:
    text = data if isinstance(data, str) else json.dumps(data)
    return f'<script type="application/ld+json">{text}</script>'


NEWS = {
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    "headline": "Lens : la navette",
    "datePublished": "2026-11-01T08:30:00+01:00",
    "author": [{"@type": "Person", "name": "Par Jean Dupont"}, {"name": "Marie Durand"}],
    "articleSection": ["Lens", "Société"],
    "image": {"@type": "ImageObject", "url": "/img/navette.jpg"},
}
OPENGRAPH = _og(
    og__title=f"Lens : la navette - {SITE}",
    og__site_name=SITE,
    article__published_time="2026-11-02T10:00:00+01:00",
)
URL = "https://gazette.example.fr/lens/navette.html"


def test_json_ld_comes_first_even_after_a_malformed_block():
    head = OPENGRAPH + _jsonld('{"@type": "NewsArticle", "headline": "cut') + _jsonld(NEWS)
    page = extract_page(_page(head), URL)
    assert page.published == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
    assert page.title == "Lens : la navette"
    assert page.author == "Jean Dupont, Marie Durand"
    assert page.medium_hints["section"] == "Lens"
    assert page.medium_hints["image"] == "https://gazette.example.fr/img/navette.jpg"
    assert page.encoding == "utf-8" and page.as_json()["encoding"] == "utf-8"


def test_opengraph_then_htmldate_give_the_date():
    page = extract_page(_page(OPENGRAPH), URL)
    assert page.published == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    # A day without time is midnight in Paris.
    page = extract_page(_page('<meta name="date" content="2026-07-03">'), URL)
    assert page.published == datetime(2026, 7, 2, 22, 0, tzinfo=UTC)


def test_only_the_site_name_is_cut_from_titles():
    head = _og(og__title=f"Guerre : la Russie avance | {SITE}", og__site_name=SITE)
    assert extract_page(_page(head), URL).title == "Guerre : la Russie avance"
    # Not said to be the site's name: kept.
    page = extract_page(_page(_og(og__title=f"Guerre : la Russie avance | {SITE}")), URL)
    assert page.title == f"Guerre : la Russie avance | {SITE}"
    page = extract_page(_page(_og(og__title="Lens : la navette - Société", og__site_name=SITE)))
    assert page.title == "Lens : la navette - Société"
    assert clean_title("Titre | Gala", ["Gala.fr"]) == "Titre"
    assert clean_title("Affaire KPMG | Radio-Canada.ca", ["radio-canada.ca"]) == "Affaire KPMG"


def test_language_falls_back_on_the_text():
    assert extract_page(_page(lang=' lang="fr-FR"')).language == "fr"
    assert extract_page(_page(lang="")).language == "fr"


def test_advertising_lines_go_and_article_sentences_stay():
    body = ARTICLE + "<p>Publicité</p><p>Il vous reste 57.09% de cet article à lire.</p>"
    page = extract_page(_page(body=body))
    assert "La publicité pour la ligne" in page.text
    assert "Publicité" not in page.text.splitlines() and "Il vous reste" not in page.text


def test_page_dates_are_utc_and_days_midnight_in_paris():
    assert page_date("2024-04-30 16:00:34 +02:00") == datetime(2024, 4, 30, 14, 0, 34, tzinfo=UTC)
    assert page_date("2024-01-15") == datetime(2024, 1, 14, 23, 0, tzinfo=UTC)
    assert page_date("2019-12-09 20:00:49") == datetime(2019, 12, 9, 19, 0, 49, tzinfo=UTC)
    assert page_date("mardi") is None and page_date(None) is None


def test_french_bylines_are_cleaned():
    assert clean_author("Par Jean Dupont") == "Jean Dupont"
    assert clean_author("  par Marie Lefebvre, ") == "Marie Lefebvre"
    assert clean_author("") is None
    assert clean_author("Jean Dupont, correspondant") == "Jean Dupont"
    assert clean_author("Jean Dupont, correspondant à Lille") == "Jean Dupont"
    assert clean_author("Propos recueillis par Marie Durand") == "Marie Durand"
    assert clean_author("Par la rédaction") is None
    assert clean_author("La Rédaction de France 3") is None
    assert clean_author("Jean Dupont et Marie Durand") == "Jean Dupont, Marie Durand"
    assert clean_author("Le Monde; Bertrand Bissuel") == "Le Monde, Bertrand Bissuel"
    assert clean_author("Sciences et Avenir") == "Sciences et Avenir"
    assert clean_author("De notre correspondant à Bruxelles, Jean Dupont") == "Jean Dupont"
    assert clean_author("Auteur Anna Kubišta") == "Anna Kubišta"
    assert clean_author("Par AFP publié le; Mis À Jour À") == "AFP"
    assert clean_author("Par Jean Dupont le 12/03/2024 à 10h") == "Jean Dupont"
    assert (
        clean_author("Martin Untersinger (avec Damien Leloup et Morgane Tual)")
        == "Martin Untersinger, Damien Leloup, Morgane Tual"
    )


def test_an_author_is_never_an_email_address():
    assert clean_author("jean.dupont@gazette.fr") is None
    assert clean_author("Par Jean Dupont (jean.dupont@gazette.fr)") == "Jean Dupont"
    assert clean_author("https://www.facebook.com/gazette.artois/") is None


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
