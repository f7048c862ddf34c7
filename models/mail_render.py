"""Mail bodies from templates, in the recipient's language, without a web request.

The templates are in ``webapp/templates/mail`` (``.txt`` for the text part and the subject,
``.html`` for the HTML part) and their texts are in the interface's message catalogue
(``webapp/translations``), loaded with Babel directly: the scheduler that sends mail runs
outside the web application. Numbers, amounts and dates are written for the language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .catalogue import translations
from .metrics import PARIS

WEBAPP = Path(__file__).resolve().parent.parent / "webapp"
TEMPLATES = WEBAPP / "templates" / "mail"
LANGUAGES = ("fr", "en")
# The same texts as the interface's labels (webapp/formatting.py), so the same translations.
MEDIUM_LABELS = {
    "press": "Press",
    "tv": "TV",
    "radio": "Radio",
    "web": "Web",
    "partner": "Partner relays",
}


@dataclass(frozen=True)
class RenderedMail:
    """A message ready for the outbox: subject, text part and HTML part."""

    kind: str
    locale: str
    subject: str
    text: str
    html: str
    data: dict = field(default_factory=dict, compare=False)  # what the message says, as data


def mail_locale(user, settings) -> str:
    """The language of mail to ``user``: their own when they have chosen one, else the
    deployment's default language."""
    chosen = getattr(user, "language", None) if user is not None else None
    if chosen in LANGUAGES:
        return chosen
    default = getattr(settings, "language", None) if settings is not None else None
    return default if default in LANGUAGES else LANGUAGES[0]


def _paris(moment: datetime) -> datetime:
    return moment.astimezone(PARIS) if moment.tzinfo else moment


@lru_cache(maxsize=8)
def environment(locale: str) -> Environment:
    """The template environment of one language (one each: installing translations changes an
    environment, and mail is rendered from several threads)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    catalogue = translations(locale)
    env.install_gettext_translations(catalogue, newstyle=True)
    env.filters.update(
        number=lambda n: format_decimal(n, locale=locale) if n is not None else "—",
        euros=lambda n: (
            format_currency(n, "EUR", format="#,##0 ¤", currency_digits=False, locale=locale)
            if n is not None
            else "—"
        ),
        day=lambda d: format_date(d, "EEEE d MMMM yyyy", locale=locale) if d else "—",
        short_day=lambda d: format_date(_day(d), "d MMM", locale=locale) if d else "—",
        datetime=lambda d: (
            format_datetime(_paris(d), "d MMM yyyy HH:mm", locale=locale) if d else "—"
        ),
        medium_label=lambda m: (
            catalogue.gettext(MEDIUM_LABELS[m]) if m in MEDIUM_LABELS else (m or "")
        ),
    )
    return env


def _day(value: date | datetime) -> date:
    return _paris(value).date() if isinstance(value, datetime) else value


def render_mail(name: str, kind: str, locale: str, data: dict) -> RenderedMail:
    """Render the templates ``name.txt`` (with its ``subject`` macro) and ``name.html``."""
    env = environment(locale)
    data = {"locale": locale, **data}
    text_template = env.get_template(f"{name}.txt")
    module = text_template.make_module(data)
    subject = " ".join(str(module.subject()).split())
    text = str(module).strip() + "\n"
    html = env.get_template(f"{name}.html").render(data)
    return RenderedMail(kind=kind, locale=locale, subject=subject, text=text, html=html, data=data)
