"""The press book laid out: PDF (WeasyPrint) and DOCX (python-docx) from a
:class:`models.pressbook.PressBook`.

Nothing here needs a Flask request or application: the command line, the background process
and the tests call :func:`render` directly. The HTML of the PDF comes from a plain Jinja
environment with autoescape on (a clip's title, summary and text are always escaped, never
read as HTML), translated with the interface's catalogues; numbers and dates are written the
way of the book's language. WeasyPrint fetches nothing from the network: the only resource it
may read is the organisation's logo, passed inline.
"""

from __future__ import annotations

import base64
import io
import logging
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from models.base import Medium
from models.catalogue import translations
from models.pressbook import UNDATED, Entry, PressBook, Section, clip_day
from models.urls import web_link

from .charts import MEDIUM_COLOURS, Category, Series, stacked_bars

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates" / "pressbook"
STYLESHEET = TEMPLATES / "book.css"
LANGUAGES = ("fr", "en")

PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIME_TYPES = {"pdf": PDF_TYPE, "docx": DOCX_TYPE}
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
LOGO_TYPES_PDF = {**LOGO_TYPES, ".svg": "image/svg+xml"}
MAX_LOGO_BYTES = 5_000_000
# What an "also in" line says of a copy.
COPY_MENTIONS = ("outlet", "medium", "date", "place")


@dataclass(frozen=True)
class Look:
    """What the deployment's settings say about the book: whose it is and its colours."""

    organisation_name: str = ""
    organisation_logo: str = ""  # path of a PNG, JPEG or SVG file; empty: none
    brand_colour: str = "#1f4e79"
    accent_colour: str = "#c55a11"
    base_url: str = ""  # of the interface, for the links to each clip's archived copy

    @classmethod
    def from_settings(cls, settings) -> Look:
        return cls(
            organisation_name=settings.organisation_name,
            organisation_logo=settings.organisation_logo,
            brand_colour=settings.brand_colour,
            accent_colour=settings.accent_colour,
            base_url=settings.base_url.rstrip("/"),
        )

    def logo(self, types: dict[str, str]) -> tuple[str, bytes] | None:
        """The logo's type and bytes, or None when unset, unreadable or of another type."""
        if not self.organisation_logo:
            return None
        path = Path(self.organisation_logo).expanduser()
        kind = types.get(path.suffix.lower())
        if kind is None:
            log.warning("Logo %s: not a PNG, JPEG or SVG file; left out.", path)
            return None
        try:
            if path.stat().st_size > MAX_LOGO_BYTES:
                log.warning("Logo %s: larger than %s bytes; left out.", path, MAX_LOGO_BYTES)
                return None
            return kind, path.read_bytes()
        except OSError as exc:
            log.warning("Logo %s cannot be read (%s); left out.", path, exc)
            return None


# Characters XML 1.0 refuses (and Word with it), which a page's text may still carry.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """``value`` without the control characters a document cannot hold."""
    return _NOT_XML.sub(" ", value)


def _finalize(value):
    """Every value a template writes, made fit for the document (markup is ours: kept)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return xml_text(value)
    return value


class Texts:
    """The book's words, numbers and dates in one language (``fr`` or ``en``)."""

    def __init__(self, lang: str = "fr"):
        if lang not in LANGUAGES:
            raise ValueError(f"Unknown language {lang!r}: choose {', '.join(LANGUAGES)}.")
        self.lang = lang
        self._catalogue = translations(lang)

    def gettext(self, message: str, **values) -> str:
        text = self._catalogue.gettext(message)
        return text % values if values else text

    # Figures, written as the dashboard writes them.
    def number(self, value) -> str:
        return "—" if value is None else format_decimal(value, locale=self.lang)

    def euros(self, value) -> str:
        if value is None:
            return "—"
        return format_currency(
            value, "EUR", format="#,##0 ¤", currency_digits=False, locale=self.lang
        )

    def percent(self, share) -> str:
        return "—" if share is None else format_percent(share, locale=self.lang)

    def signed(self, value) -> str:
        return "—" if value is None else format_decimal(value, "+0.00;-0.00", locale=self.lang)

    def day(self, value: date | None) -> str:
        return format_date(value, "d MMMM yyyy", locale=self.lang) if value else "—"

    def month(self, key: str) -> str:
        if key == UNDATED:
            return self.gettext("Undated")
        return format_date(date(int(key[:4]), int(key[5:7]), 1), "MMMM yyyy", locale=self.lang)

    def short_month(self, key: str, with_year: bool) -> str:
        if key == UNDATED:
            return self.gettext("Undated")
        day = date(int(key[:4]), int(key[5:7]), 1)
        return format_date(day, "MMM yy" if with_year else "MMM", locale=self.lang)

    def period(self, start: date | None, end: date | None) -> str:
        _ = self.gettext
        if start and end:
            return _("%(start)s to %(end)s", start=self.day(start), end=self.day(end))
        if start:
            return _("since %(start)s", start=self.day(start))
        if end:
            return _("until %(end)s", end=self.day(end))
        return ""

    def duration(self, seconds: int | None) -> str:
        if not seconds:
            return ""
        minutes, rest = divmod(int(seconds), 60)
        return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"

    # Labels of the enumerations (the interface's own words).
    def medium(self, value) -> str:
        _ = self.gettext
        labels = {
            "press": _("Press"),
            "tv": _("TV"),
            "radio": _("Radio"),
            "web": _("Web"),
            "partner": _("Partner relays"),
        }
        return labels.get(getattr(value, "value", value) or "web", str(value))

    def tally_label(self, value: str) -> str:
        _ = self.gettext
        labels = {
            "press": _("Press articles"),
            "tv": _("TV reports"),
            "radio": _("Radio reports"),
            "web": _("Web coverage"),
            "partner": _("Partner relays"),
        }
        return labels.get(value, value)

    def scope(self, value: str) -> str:
        _ = self.gettext
        labels = {
            "local": _("Local"),
            "regional": _("Regional"),
            "national": _("National"),
            "specialised": _("Specialised"),
            "international": _("International"),
            "unknown": _("Scope unknown"),
        }
        return labels.get(value, value)

    def tone(self, value: str) -> str:
        _ = self.gettext
        labels = {
            "positive": _("Positive"),
            "neutral": _("Neutral"),
            "negative": _("Negative"),
            "unknown": _("Tone unknown"),
        }
        return labels.get(value, value)

    def status(self, value: str) -> str:
        _ = self.gettext
        labels = {
            "confirmed": _("confirmed coverage"),
            "new": _("coverage to review"),
            "rejected": _("rejected coverage"),
            "all": _("all reviewed coverage"),
        }
        return labels.get(value, value)

    def section_title(self, section: Section) -> str:
        if section.kind == "month":
            return self.month(section.key)
        if section.kind == "medium":
            return self.tally_label(section.key)
        return section.key or self.gettext("Outlet unknown")

    def place(self, clip) -> tuple[str, str] | None:
        """The page of a print clip, the programme of a broadcast one: label and value."""
        if not clip.programme:
            return None
        _ = self.gettext
        medium = clip.medium or Medium.WEB
        if medium == Medium.PRESS:
            return _("Page"), clip.programme
        if medium in (Medium.TV, Medium.RADIO):
            return _("Programme"), clip.programme
        return _("Page or programme"), clip.programme


def clips_phrase(texts: Texts, count: int) -> str:
    _ = texts.gettext
    if count == 1:
        return _("1 clip")
    return _("%(num)s clips", num=texts.number(count))


# -- What both formats show -----------------------------------------------------------------


def book_title(book: PressBook, texts: Texts) -> str:
    return book.options.title.strip() or texts.gettext("Press review")


def subject(book: PressBook, texts: Texts) -> str:
    return book.campaign.name if book.campaign else texts.gettext("All campaigns")


def mentions(clip, texts: Texts) -> list[tuple[str, str]]:
    """The mentions of a clip a press review carries, as (kind, text): outlet, medium, date,
    page or programme, duration, author."""
    outlet = clip.outlet.name if clip.outlet else texts.gettext("Outlet unknown")
    parts = [("outlet", outlet), ("medium", texts.medium(clip.medium))]
    parts.append(("date", texts.day(clip_day(clip))))
    place = texts.place(clip)
    if place:
        parts.append(("place", f"{place[0]} {place[1]}"))
    if clip.duration_s and clip.medium in (Medium.TV, Medium.RADIO):
        parts.append(("duration", texts.duration(clip.duration_s)))
    if clip.author:
        parts.append(("author", texts.gettext("By %(author)s", author=clip.author)))
    return parts


def quote_text(quote: dict, texts: Texts) -> tuple[str, str]:
    """A verbatim in French quotation marks (English ones in English) and who said it."""
    text = " ".join(str(quote.get("text", "")).split())
    said = ", ".join(str(quote[k]) for k in ("speaker", "role") if quote.get(k))
    marks = ("«\u00a0", "\u00a0»") if texts.lang == "fr" else ("“", "”")
    return f"{marks[0]}{text}{marks[1]}", said


def full_text(entry: Entry, book: PressBook) -> list[str]:
    """The paragraphs of the clip's text when the book reproduces it: asked for, and the clip
    is not given by its link only."""
    if not book.options.full_text or entry.link_only or not entry.clip.text:
        return []
    paragraphs = [" ".join(p.split()) for p in entry.clip.text.replace("\r", "").split("\n")]
    return [p for p in paragraphs if p]


def snapshot_url(entry_clip, look: Look) -> str:
    return f"{look.base_url}/coverage/{entry_clip.id}/snapshot"


def summary_rows(book: PressBook, texts: Texts) -> dict:
    """The report's figures as the summary shows them: formatted, never computed again."""
    report = book.report
    media = [
        (
            texts.tally_label(m),
            texts.number(v["total"]),
            texts.number(v["reach"]),
            texts.euros(v["ave_eur"]),
        )
        for m, v in report["value_by_medium"].items()
    ]
    total = (
        texts.gettext("Total"),
        texts.number(report["total"]),
        texts.number(report["reach"]),
        texts.euros(report["ave_eur"]),
    )
    scopes = [
        (
            texts.scope(s),
            texts.number(v["total"]),
            texts.number(v["reach"]),
            texts.euros(v["ave_eur"]),
        )
        for s, v in report["by_scope"].items()
    ]
    penetration = report["message_penetration"]
    messages = [
        (label, texts.number(v["clips"]), texts.percent(v["share"]))
        for label, v in penetration["by_message"].items()
    ]
    tone = report["tone"]
    tones = [
        (texts.tone(t), texts.number(tone[t]))
        for t in ("positive", "neutral", "negative", "unknown")
    ]
    return {
        "key_figures": [
            (texts.gettext("Clips"), texts.number(report["total"])),
            (texts.gettext("Reach (potential contacts)"), texts.number(report["reach"])),
            (texts.gettext("Advertising value equivalence"), texts.euros(report["ave_eur"])),
            (texts.gettext("Message penetration"), texts.percent(penetration["any"])),
            (texts.gettext("Tone index"), texts.signed(report["tone_index"])),
        ],
        "media": media,
        "total": total,
        "scopes": scopes,
        "messages": messages,
        "tones": tones,
    }


def month_rows(book: PressBook, texts: Texts) -> list[list[str]]:
    """Clips by month and medium, as a table (the chart's figures)."""
    rows = []
    for key in book.month_keys:
        counts = book.months.get(key, {})
        values = [counts.get(m.value, 0) for m in Medium]
        rows.append(
            [texts.month(key), *(texts.number(v) for v in values), texts.number(sum(values))]
        )
    return rows


def month_chart(book: PressBook, texts: Texts) -> Markup:
    """Clips by month, stacked by medium: the dashboard's chart, drawn for the page."""
    series = [Series(m, texts.medium(m), colour) for m, colour in MEDIUM_COLOURS.items()]
    years = {key[:4] for key in book.month_keys if key != UNDATED}
    categories = [
        Category(key, texts.month(key), texts.short_month(key, len(years) > 1))
        for key in book.month_keys
    ]
    svg = stacked_bars(
        "chart-months",
        texts.gettext("Coverage by month and medium"),
        categories,
        series,
        book.months,
        texts.number,
        texts.gettext("Clips per month, stacked by medium; the table below gives the figures."),
    )
    # WeasyPrint draws the chart with the styles it carries: the dashboard's come from its CSS.
    style = (
        "<style>text{font-family:'Liberation Sans','DejaVu Sans',sans-serif;font-size:12px;"
        "fill:#222}.tick,.category{fill:#666}.grid{stroke:#ddd;stroke-width:1}</style>"
    )
    head, _sep, rest = str(svg).partition("</desc>")
    return Markup(head + "</desc>" + style + rest)


# -- PDF ------------------------------------------------------------------------------------


@lru_cache
def _environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters["web_link"] = web_link
    env.install_gettext_translations(translations(lang), newstyle=True)
    return env


def book_html(book: PressBook, look: Look, texts: Texts) -> str:
    """The HTML WeasyPrint lays out."""
    logo = look.logo(LOGO_TYPES_PDF)
    logo_uri = None
    if logo:
        logo_uri = f"data:{logo[0]};base64,{base64.b64encode(logo[1]).decode('ascii')}"
    return (
        _environment(texts.lang)
        .get_template("book.html")
        .render(
            book=book,
            look=look,
            t=texts,
            title=book_title(book, texts),
            subject=subject(book, texts),
            period=texts.period(*book.period),
            clips=clips_phrase(texts, book.report["total"]),
            summary=summary_rows(book, texts),
            months=month_rows(book, texts),
            chart=month_chart(book, texts) if book.month_keys else None,
            media=[m.value for m in Medium],
            mentions=mentions,
            copy_mentions=COPY_MENTIONS,
            quote_text=quote_text,
            full_text=full_text,
            snapshot_url=snapshot_url,
            logo_uri=logo_uri,
        )
    )


def _data_only_fetcher():
    """WeasyPrint's resources: inline data only, never a file or the network."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint before URLFetcher: a function
        from weasyprint import default_url_fetcher

        def fetch(url: str, *args, **kwargs):
            if not url.startswith("data:"):
                raise ValueError(f"the press book loads no external resource ({url[:80]})")
            return default_url_fetcher(url, *args, **kwargs)

        return fetch
    return URLFetcher(allowed_protocols=["data"])


def colour_css(look: Look) -> str:
    """The organisation's colours on the book (settings checked them as #rrggbb)."""
    brand, accent = look.brand_colour, look.accent_colour
    return (
        f".cover-band {{ background: {brand}; border-bottom-color: {accent}; }}\n"
        f"h2 {{ color: {brand}; border-bottom-color: {accent}; }}\n"
        f".summary h3, .clip-title, .toc a {{ color: {brand}; }}\n"
        f".key-figures td {{ background: {brand}; }}\n"
        f".mentions .number {{ color: {brand}; }}\n"
        f".quotes {{ border-left-color: {accent}; }}\n"
        f".mentions .outlet {{ color: {accent}; }}\n"
    )


@dataclass
class Rendered:
    """A rendered book: its bytes, type and, for a PDF, its page count."""

    data: bytes
    mimetype: str
    pages: int | None = None


def render_pdf(book: PressBook, look: Look, texts: Texts, progress: Callable = None) -> Rendered:
    from weasyprint import CSS, HTML

    progress = progress or (lambda _stage: None)
    html = book_html(book, look, texts)
    progress("layout")
    fetcher = _data_only_fetcher()
    document = HTML(string=html, url_fetcher=fetcher).render(
        stylesheets=[CSS(filename=str(STYLESHEET)), CSS(string=colour_css(look))]
    )
    progress("write")
    data = document.write_pdf()
    return Rendered(data, PDF_TYPE, len(document.pages))


# -- DOCX -----------------------------------------------------------------------------------


def render_docx(book: PressBook, look: Look, texts: Texts, progress: Callable = None) -> Rendered:
    from .pressbook_docx import write_docx

    progress = progress or (lambda _stage: None)
    progress("layout")
    buffer = io.BytesIO()
    write_docx(book, look, texts, buffer)
    return Rendered(buffer.getvalue(), DOCX_TYPE)


def render(
    book: PressBook, fmt: str, look: Look, lang: str = "fr", progress: Callable = None
) -> Rendered:
    """Lay out ``book`` as ``pdf`` or ``docx`` in ``lang``.

    :raises ValueError: for an unknown format or language.
    """
    texts = Texts(lang)
    if fmt == "pdf":
        return render_pdf(book, look, texts, progress)
    if fmt == "docx":
        return render_docx(book, look, texts, progress)
    raise ValueError(f"Unknown format {fmt!r}: choose pdf or docx.")


def file_name(book: PressBook, fmt: str) -> str:
    """A file name for the book: its campaign and period."""
    slug = re.sub(r"[^A-Za-z0-9_-]", "-", book.campaign.slug) if book.campaign else "all"
    start, end = book.period
    dates = "-".join(d.isoformat() for d in (start, end) if d)
    return f"pressbook-{slug}{'-' + dates if dates else ''}.{fmt}"


def guess_format(path: str) -> str | None:
    kind = mimetypes.guess_type(path)[0]
    return {PDF_TYPE: "pdf", DOCX_TYPE: "docx"}.get(kind or "")
