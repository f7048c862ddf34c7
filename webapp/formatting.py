"""Template filters: dates and numbers in the user's language, labels for enumerations."""

from datetime import datetime

from babel.numbers import get_currency_symbol
from flask import Flask, g
from flask_babel import (
    format_currency,
    format_datetime,
    format_decimal,
    get_locale,
    get_translations,
    to_user_timezone,
)
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from markupsafe import Markup

from models.urls import web_link

MEDIUM_LABELS = {
    "press": _l("Press"),
    "tv": _l("TV"),
    "radio": _l("Radio"),
    "web": _l("Web"),
    "partner": _l("Partner relays"),
}
SCOPE_LABELS = {
    "local": _l("Local"),
    "regional": _l("Regional"),
    "national": _l("National"),
    "specialised": _l("Specialised"),
    "international": _l("International"),
}
HEALTH_LABELS = {
    "ok": _l("OK"),
    "failing": _l("Failing"),
    "blocked": _l("Blocked"),
    "unknown": _l("Not fetched yet"),
}
STATUS_LABELS = {
    "fetch": _l("Awaiting its page"),
    "pending": _l("Awaiting analysis"),
    "processing": _l("Being analysed"),
    "new": _l("To review"),
    "confirmed": _l("Confirmed"),
    "rejected": _l("Rejected"),
}
TONE_LABELS = {
    "positive": _l("Positive"),
    "neutral": _l("Neutral"),
    "negative": _l("Negative"),
}
TASK_STATUS_LABELS = {
    "queued": _l("Waiting"),
    "running": _l("Running"),
    "done": _l("Finished"),
    "failed": _l("Failed"),
    "interrupted": _l("Interrupted"),
}
KIND_LABELS = {
    "feed": _l("RSS/Atom feed"),
    "podcast": _l("Podcast"),
    "video": _l("Video feed"),
    "search": _l("News search"),
    "sitemap": _l("News sitemap"),
    "section": _l("Site section"),
}


def _translations():
    """This request's catalogue, looked up once: a card of the review inbox translates some
    twenty labels, and Flask-Babel finds the locale and catalogue again for each one."""
    translations = g.get("_retombees_translations")
    if translations is None:
        translations = g._retombees_translations = get_translations()
    return translations


def install_gettext(app: Flask) -> None:
    """Have templates translate through :func:`_translations` (after ``babel.init_app``)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.context_processor(_page_gettext)


def _page_gettext() -> dict:
    """``_()`` for one page: Jinja's newstyle ``gettext`` (Markup when the template escapes,
    then ``%`` with the variables), each string translated once. An inbox page translates
    about a thousand labels, mostly the same twenty; Jinja's own calls the catalogue, through
    the request's globals, for each."""
    translations = _translations()
    memo: dict = {}

    @pass_context
    def gettext(context, string, **variables):
        key = (string, context.eval_ctx.autoescape, bool(variables))
        text = memo.get(key)
        if text is None:
            text = translations.ugettext(string)
            if key[1]:
                text = Markup(text)
            text = memo[key] = text if variables else text % {}
        return text % variables if variables else text

    return {"_": gettext, "gettext": gettext}


def _label(text):
    """A label of the tables above in this request's language, translated once per request
    (an inbox page shows some 450 of them)."""
    labels = g.get("_retombees_labels")
    if labels is None:
        labels = g._retombees_labels = {}
    key = id(text)
    if key not in labels:
        labels[key] = str(text)
    return labels[key]


# -- Numbers and dates -----------------------------------------------------------------------
# Babel formats each value by interpreting its pattern (some 25 to 65 µs a value); an inbox page
# formats 150 of them. The common cases (a positive whole number, an amount in euros, a moment)
# are written here from the locale's symbols and month names, read once per locale; anything
# else goes to Babel. Tests compare the two.


class _LocaleFormats:
    def __init__(self, locale):
        pattern = locale.decimal_formats.get(None)
        symbols = locale.number_symbols.get(locale.default_numbering_system, {})
        group = symbols.get("group")
        self.group = group if pattern is not None and pattern.grouping == (3, 3) else None
        self.euro = get_currency_symbol("EUR", locale)
        self.months = locale.months["format"]["abbreviated"]


_LOCALE_FORMATS: dict[str, _LocaleFormats] = {}


def _formats() -> _LocaleFormats:
    locale = get_locale()
    key = str(locale)
    formats = _LOCALE_FORMATS.get(key)
    if formats is None:
        formats = _LOCALE_FORMATS[key] = _LocaleFormats(locale)
    return formats


def _grouped(value: int, formats: _LocaleFormats) -> str:
    return f"{value:,}".replace(",", formats.group)


def number(value) -> str:
    """``41 224 169`` (French), ``41,224,169`` (English); ``—`` for nothing."""
    if value is None:
        return "—"
    formats = _formats()
    if type(value) is int and value >= 0 and formats.group is not None:
        return _grouped(value, formats)
    return format_decimal(value)


def euros(value) -> str:
    """A whole amount in euros: ``92 075 €``; ``—`` for nothing."""
    if value is None:
        return "—"
    formats = _formats()
    if type(value) in (int, float) and 0 <= value < 2**52 and formats.group is not None:
        return f"{_grouped(round(value), formats)} {formats.euro}"  # halves to even, as Babel
    return format_currency(value, "EUR", format="#,##0 ¤", currency_digits=False)


def moment(value) -> str:
    """A date and time in the user's time zone: ``4 mars 2025 13:30``; ``—`` for nothing."""
    if not value:
        return "—"
    if not isinstance(value, datetime):
        return format_datetime(value, DATETIME_FORMAT)
    local = to_user_timezone(value)
    month = _formats().months[local.month]
    return f"{local.day} {month} {local.year:04d} {local.hour:02d}:{local.minute:02d}"


DATETIME_FORMAT = "d MMM yyyy HH:mm"


def register_filters(app: Flask) -> None:
    def label(table):
        def translated(value):
            if not value:
                return ""
            text = table.get(getattr(value, "value", value))
            return _label(text) if text is not None else value

        return translated

    app.add_template_filter(label(MEDIUM_LABELS), "medium_label")
    app.add_template_filter(label(HEALTH_LABELS), "health_label")
    app.add_template_filter(label(STATUS_LABELS), "status_label")
    app.add_template_filter(label(KIND_LABELS), "kind_label")
    app.add_template_filter(label(TONE_LABELS), "tone_label")
    app.add_template_filter(label(SCOPE_LABELS), "scope_label")
    app.add_template_filter(label(TASK_STATUS_LABELS), "task_status_label")
    app.add_template_filter(euros, "euros")
    app.add_template_filter(moment, "datetime")
    app.add_template_filter(number, "number")
    app.add_template_filter(web_link, "web_link")
    app.add_template_global(MEDIUM_LABELS, "MEDIUM_LABELS")
    app.add_template_global(get_locale, "get_locale")
