import pytest

from models.query import QueryError, parse_query
from models.text import fold


def test_fold_ignores_case_accents_hyphens_and_elision():
    assert fold("L'UNESCO a classé le Bassin-Minier") == "unesco a classe le bassin minier"


def test_phrases_match_across_case_accents_and_hyphens():
    query = parse_query('"bassin minier" OR Louvre-Lens OR "patrimoine mondial"')
    text = "Le BASSIN-MINIER et le louvre lens, au Patrimoine Mondial de l'Unesco."
    assert query.hits(text) == ["bassin minier", "Louvre-Lens", "patrimoine mondial"]


def test_terms_respect_word_boundaries():
    query = parse_query("terril, Lens")
    assert query.hits("Des terrils à Valenciennes") == []
    assert query.hits("Le terril de Lens") == ["terril", "Lens"]


def test_french_separator_and_new_lines():
    assert parse_query("mine OU charbon\nterril").terms == ("mine", "charbon", "terril")


def test_empty_query_is_an_error():
    with pytest.raises(QueryError, match="no term"):
        parse_query(' , "" OR ')
