"""Every interface text has its French translation; stored reasons are shown in French."""

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from webapp.reasons import translate_reason

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "webapp/translations/fr/LC_MESSAGES/messages.po"


def test_every_interface_text_is_translated_to_french():
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    method_map = [
        ("webapp/**.py", "python"),
        ("webapp/templates/**.html", "jinja2"),
        ("webapp/templates/**.txt", "jinja2"),
    ]
    used = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=keywords
        )
    }
    with CATALOGUE.open("rb") as fh:
        catalogue = read_po(fh, locale="fr")
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue
        if m.id and m.string and "fuzzy" not in m.flags
    }
    assert used, "no interface text found"
    missing = sorted(used - translated)
    assert not missing, f"not translated (run `make translations`): {missing}"


def test_stored_reasons_are_shown_in_french(app):
    with app.test_request_context("/"):
        assert translate_reason("HTTP 404 (page not found)") == "HTTP 404 (page introuvable)"
        assert translate_reason("the host name does not resolve").startswith("le nom du site")
        assert (
            translate_reason("page not read: connection refused; text from the feed")
            == "page non lue : connexion refusée ; texte repris du flux"
        )
        assert (
            translate_reason("La Voix du Nord is registered as press")
            == "La Voix du Nord est enregistré comme média « Presse »"
        )
        assert translate_reason("an unforeseen message") == "an unforeseen message"
    with app.test_request_context("/?lang=en"):
        assert translate_reason("connection refused") == "connection refused"
