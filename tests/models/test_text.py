"""Numbers as people type them in forms and spreadsheets."""

import pytest

from models.text import parse_number


def test_numbers_typed_the_french_or_the_english_way():
    assert parse_number("1 200,50") == 1200.5
    assert parse_number("92\u202f075 €") == 92075
    assert parse_number("1200.5") == 1200.5
    assert parse_number("  ") is None and parse_number(None) is None
    with pytest.raises(ValueError):
        parse_number("douze")
