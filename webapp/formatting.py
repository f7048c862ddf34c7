"""Template filters: dates and numbers in the user's language, labels for enumerations."""

from flask import Flask, g
from flask_babel import (
    format_currency,
    format_datetime,
    format_decimal,
    get_locale,
    get_translations,
)
from flask_babel import lazy_gettext as _l

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
    app.add_template_filter(
        lambda n: (
            format_currency(n, "EUR", format="#,##0 ¤", currency_digits=False)
            if n is not None
            else "—"
        ),
        "euros",
    )
    app.add_template_filter(
        lambda d: format_datetime(d, "d MMM yyyy HH:mm") if d else "—", "datetime"
    )
    app.add_template_filter(lambda n: format_decimal(n) if n is not None else "—", "number")
    app.add_template_global(MEDIUM_LABELS, "MEDIUM_LABELS")
    app.add_template_global(get_locale, "get_locale")
