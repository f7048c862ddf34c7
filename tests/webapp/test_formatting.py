"""The number, amount and date filters write the common cases themselves (an inbox page formats
some 150 values): they must give exactly what Babel gives, in French and in English."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal
from flask import render_template_string

PARIS = ZoneInfo("Europe/Paris")


def _values():
    rng = random.Random(7)
    whole = [0, 1, 999, 1000, 41_224_169, 10**12] + [rng.randrange(10**9) for _ in range(300)]
    amounts = [0.0, 0.5, 1.5, 2.5, 92_075.49, 92_075.5, 1234567.5] + [
        rng.uniform(0, 10**7) for _ in range(300)
    ]
    return whole, amounts


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_numbers_and_amounts_are_written_as_babel_writes_them(app, lang):
    whole, amounts = _values()
    with app.test_request_context(f"/?lang={lang}"):
        number, euros = app.jinja_env.filters["number"], app.jinja_env.filters["euros"]
        for n in whole:
            assert number(n) == format_decimal(n, locale=lang)
        for n in whole + amounts:
            expected = format_currency(
                n, "EUR", format="#,##0 ¤", currency_digits=False, locale=lang
            )
            assert euros(n) == expected, n
        # Babel's own cases: fractions, negative values, nothing.
        assert number(1234.5678) == format_decimal(1234.5678, locale=lang)
        assert number(-1234) == format_decimal(-1234, locale=lang)
        assert euros(-1234.4) == format_currency(
            -1234.4, "EUR", format="#,##0 ¤", currency_digits=False, locale=lang
        )
        assert number(None) == euros(None) == "—"
    with app.test_request_context("/?lang=fr"):
        assert app.jinja_env.filters["number"](41_224_169) == "41\u202f224\u202f169"
        assert app.jinja_env.filters["euros"](92_075) == "92\u202f075 €"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_moments_are_written_in_paris_time_as_babel_writes_them(app, lang):
    rng = random.Random(3)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(minutes=rng.randrange(3 * 366 * 24 * 60)) for _ in range(400)]
    moments += [datetime(2025, 3, 30, 0, 59, tzinfo=UTC), datetime(2025, 3, 30, 1, 0, tzinfo=UTC)]
    with app.test_request_context(f"/?lang={lang}"):
        moment = app.jinja_env.filters["datetime"]
        for value in moments:
            expected = format_datetime(value.astimezone(PARIS), "d MMM yyyy HH:mm", locale=lang)
            assert moment(value) == expected
        # A naive value is UTC, as everywhere in the application.
        assert moment(datetime(2025, 7, 14, 10, 0)) == moment(
            datetime(2025, 7, 14, 10, 0, tzinfo=UTC)
        )
        assert moment(None) == "—"
    with app.test_request_context("/?lang=fr"):
        assert app.jinja_env.filters["datetime"](datetime(2025, 3, 4, 12, 30, tzinfo=UTC)) == (
            "4 mars 2025 13:30"
        )


def test_a_page_translates_each_text_once_and_formats_its_variables_each_time(app):
    source = (
        "{{ _('Confirm') }}|{{ _('Confirm') }}|{{ _('clip %(number)s', number=n) }}"
        "|{{ _('clip %(number)s', number='<b>') }}|{{ _('Confirm') }}"
    )
    with app.test_request_context("/?lang=fr"):
        assert (
            render_template_string(source, n=4)
            == "Valider|Valider|la retombée n° 4|la retombée n° &lt;b&gt;|Valider"
        )
    with app.test_request_context("/?lang=en"):
        assert (
            render_template_string(source, n=4) == "Confirm|Confirm|clip 4|clip &lt;b&gt;|Confirm"
        )
