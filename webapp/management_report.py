"""The management report workbook: the annual tables of a press office, as XLSX or CSV files.

Four sheets, in the shape of the reference user's annual report ("articles de presse,
reportages TV, reportages radio, retombées web, relais partenaires", "contacts potentiels",
"équivalence publicitaire"):

- **Summary**: the tally by medium with reach and AVE and their total, the key figures (message
  penetration, tone index) with the notes that say what reach and AVE are, the key messages and
  the coverage by outlet scope;
- **By month**: months as rows, the media as columns, then the clips, reach and AVE of each
  month, and a totals row;
- **By campaign**: each campaign of the period, its sub-campaigns under it, with its own tally,
  reach, AVE, message penetration and tone index;
- **Rules and warnings**: what was counted, the valuation rules, how much rests on estimates
  and the report's warnings.

Every figure is one that :func:`models.reports.campaign_report` returns (``retombees report
--json``) for the same campaign, period and status; each campaign's row comes from its own call.
The clips of a month by medium come from :func:`models.dashboard.month_by_medium`, the query of
the dashboard, which adds up to the report's months and tally. Nothing here recomputes a figure:
it only lays the reports out.

The module needs no web request: the command line writes the same files. Texts are translated
with the catalogues in ``webapp/translations`` (French by default, English available); numbers
stay numbers, with the formats of :mod:`webapp.exports` (Excel shows them with the reader's own
separators: ``1 234,50 €`` in French). CSV files follow :func:`webapp.exports.to_csv`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal
from babel.support import NullTranslations
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from models import catalogue
from models.base import CoverageStatus, Medium, Scope
from models.campaign import Campaign, campaign_tree
from models.dashboard import month_by_medium, month_keys, selection
from models.reports import campaign_report
from models.settings import PREFIX
from models.valuation import SETTING_NAMES, ValuationRules

from .exports import MAX_COLUMN_WIDTH, Cell, Kind, sheet_title_for, to_csv, write_cell

LOCALES = ("fr", "en")
UNDATED = "undated"
SHEETS = ("summary", "months", "campaigns", "rules")
TONES = ("positive", "neutral", "negative", "unknown")


def N_(text: str) -> str:
    """Mark a text for the catalogues (``make translations``); it is translated when used."""
    return text


# The reference user's annual report counts "articles de presse, reportages TV, reportages
# radio, retombées web, relais partenaires".
TALLY_LABELS = {
    "press": N_("Press articles"),
    "tv": N_("TV reports"),
    "radio": N_("Radio reports"),
    "web": N_("Web coverage"),
    "partner": N_("Partner relays"),
}
SCOPE_LABELS = {
    "local": N_("Local"),
    "regional": N_("Regional"),
    "national": N_("National"),
    "specialised": N_("Specialised"),
    "international": N_("International"),
    "unknown": N_("Scope unknown"),
}
RULE_LABELS = {
    "web_article_share": N_("Share of a website's monthly visits that view one article"),
    "web_impressions_per_view": N_("Advertising impressions per article view"),
    "weeks_per_month": N_("Weeks per month (weekly audience to monthly)"),
    "broadcast_reach_share": N_(
        "Audience of one TV or radio passage, as a share of the daily reach"
    ),
    "print_page_area_cm2": N_("Printable area of a press page (cm²)"),
    "multiplier": N_("AVE multiplier"),
    "rate_age_warning_years": N_("Warning when a rate is this many years older than the clip"),
}
# The notes printed beside reach and AVE (the dashboard's wording of the report's notes).
REACH_NOTE = N_(
    "Potential contacts, not deduplicated: the sum of each clip's audience, so a person reached "
    "by several clips is counted each time."
)
AVE_NOTE = N_(
    "Advertising value equivalence at gross rate-card prices: it is not the value of "
    "communication (AMEC Barcelona Principles); read it beside reach, message penetration, tone "
    "and share of voice."
)


def translations(locale: str) -> NullTranslations:
    """The catalogue of ``locale`` (English, the source language, has none)."""
    if locale not in LOCALES:
        raise ValueError(f"Unknown language {locale!r}: choose {' or '.join(LOCALES)}.")
    return catalogue.translations(locale)


# -- Sheets as lines of cells ---------------------------------------------------------------


@dataclass
class Line:
    """One row of a sheet: its cells (values, or :class:`~webapp.exports.Cell` for numbers
    with a format) and how it looks."""

    cells: list = field(default_factory=list)
    style: str = ""  # title, subtitle, heading, header, total, note or "" (a body row)
    indent: int = 0  # of the first cell: a sub-campaign under its umbrella


@dataclass
class Sheet:
    """A sheet of the workbook and its CSV file."""

    name: str  # one of SHEETS: the CSV file's name
    title: str  # the tab's name, translated
    lines: list[Line]
    frozen_rows: int  # rows kept in view when scrolling
    frozen_columns: int = 0

    def csv(self) -> bytes:
        first, *rest = [line.cells for line in self.lines]
        return to_csv(first, rest)


def _count(value: int | None) -> Cell:
    return Cell(value, Kind.INTEGER)


def _euros(value: float | None) -> Cell:
    return Cell(value, Kind.EUROS)


def _share(value: float | None) -> Cell:
    return Cell(value, Kind.SHARE)


def _index(value: float | None) -> Cell:
    return Cell(value, Kind.SIGNED)


def _table(
    lines: list[Line], heading: str, headers: list[str], rows: list[list], footer=None
) -> None:
    lines.append(Line([heading], "heading"))
    lines.append(Line(headers, "header"))
    lines.extend(Line(row) for row in rows)
    if footer is not None:
        lines.append(Line(footer, "total"))
    lines.append(Line())


@dataclass
class Texts:
    """The language of the workbook and what every sheet's title lines say."""

    locale: str
    organisation: str
    scope: str = ""  # the campaign's name, or all campaigns
    period: str = ""
    status: str = ""

    @property
    def gettext(self):
        return translations(self.locale).gettext

    @property
    def pgettext(self):
        return translations(self.locale).pgettext

    def number(self, value: int | float) -> str:
        return format_decimal(value, locale=self.locale)

    def day(self, value: date | None) -> str:
        return format_date(value, "d MMMM yyyy", locale=self.locale) if value else "…"

    def month(self, key: str) -> str:
        _ = self.gettext
        if key == UNDATED:
            return _("Undated")
        name = format_date(date(int(key[:4]), int(key[5:]), 1), "LLLL yyyy", locale=self.locale)
        return name[:1].upper() + name[1:]

    def top(self, title: str) -> list[Line]:
        """The title lines of a sheet: the organisation, then what the sheet counts."""
        return [
            Line([self.organisation or title], "title"),
            Line([f"{title} — {self.scope} · {self.period} · {self.status}"], "subtitle"),
            Line(),
        ]


def _status_text(texts: Texts, status: CoverageStatus | None) -> str:
    _ = texts.gettext
    if status is None:
        return _("all reviewed coverage")
    return {
        CoverageStatus.CONFIRMED: _("confirmed coverage"),
        CoverageStatus.NEW: _("coverage to review"),
        CoverageStatus.REJECTED: _("rejected coverage"),
    }.get(CoverageStatus(status), CoverageStatus(status).value)


# -- The sheets -----------------------------------------------------------------------------


def summary_sheet(texts: Texts, report: dict) -> Sheet:
    _, pgettext = texts.gettext, texts.pgettext
    title = pgettext("management report", "Summary")
    lines = texts.top(title)
    media = report["value_by_medium"]
    _table(
        lines,
        _("Coverage by medium"),
        [_("Medium"), _("Clips"), _("Reach"), _("AVE (EUR)")],
        [
            [
                _(TALLY_LABELS[m]),
                _count(v["total"]),
                _count(v["reach"]),
                _euros(v["ave_eur"]),
            ]
            for m, v in media.items()
        ],
        [_("Total"), _count(report["total"]), _count(report["reach"]), _euros(report["ave_eur"])],
    )
    penetration, tone = report["message_penetration"], report["tone"]
    number = texts.number
    _table(
        lines,
        _("Key figures"),
        [_("Figure"), _("Value"), _("Note")],
        [
            [_("Clips"), _count(report["total"]), ""],
            [_("Reach (potential contacts)"), _count(report["reach"]), _(REACH_NOTE)],
            [_("Advertising value equivalence"), _euros(report["ave_eur"]), _(AVE_NOTE)],
            [
                _("Message penetration"),
                _share(penetration["any"]),
                _("%(clips)s of %(total)s clips carry at least one key message.")
                % {
                    "clips": number(penetration["clips_with_message"]),
                    "total": number(penetration["total"]),
                },
            ],
            [
                _("Tone index"),
                _index(report["tone_index"]),
                _(
                    "(positive − negative) ÷ clips of known tone: %(positive)s positive, "
                    "%(neutral)s neutral, %(negative)s negative, %(unknown)s unknown."
                )
                % {name: number(tone[name]) for name in TONES},
            ],
        ],
    )
    _table(
        lines,
        _("Key messages"),
        [_("Key message"), _("Clips"), _("Share of clips")],
        [
            [label, _count(values["clips"]), _share(values["share"])]
            for label, values in penetration["by_message"].items()
        ],
        [
            _("Any key message"),
            _count(penetration["clips_with_message"]),
            _share(penetration["any"]),
        ],
    )
    by_scope = report["by_scope"]
    keys = [s.value for s in Scope] + (["unknown"] if "unknown" in by_scope else [])
    empty = {"total": 0, "reach": 0, "ave_eur": 0.0}
    _table(
        lines,
        _("Coverage by scope"),
        [_("Scope"), _("Clips"), _("Reach"), _("AVE (EUR)")],
        [
            [
                _(SCOPE_LABELS[key]),
                _count(by_scope.get(key, empty)["total"]),
                _count(by_scope.get(key, empty)["reach"]),
                _euros(by_scope.get(key, empty)["ave_eur"]),
            ]
            for key in keys
        ],
        [_("Total"), _count(report["total"]), _count(report["reach"]), _euros(report["ave_eur"])],
    )
    return Sheet("summary", title, lines[:-1], frozen_rows=2)


def _month_keys(report: dict, date_from: date | None, date_to: date | None) -> list[str]:
    """Every month of the period (of the dated clips without a period), then "undated"."""
    found = [key for key in report["by_month"] if key != UNDATED]
    start = date_from or (date.fromisoformat(f"{min(found)}-01") if found else None)
    end = date_to or (date.fromisoformat(f"{max(found)}-01") if found else None)
    keys = month_keys(start, end) if start and end else []
    keys += [key for key in found if key not in keys]
    return keys + ([UNDATED] if UNDATED in report["by_month"] else [])


def months_sheet(texts: Texts, report: dict, months: dict, keys: list[str]) -> Sheet:
    _ = texts.gettext
    title = _("By month")
    lines = texts.top(title)
    empty = {"total": 0, "reach": 0, "ave_eur": 0.0}
    rows = []
    for key in keys:
        counts = months.get(key, {m.value: 0 for m in Medium})
        values = report["by_month"].get(key, empty)
        rows.append(
            [
                texts.month(key),
                *(_count(counts[m.value]) for m in Medium),
                _count(values["total"]),
                _count(values["reach"]),
                _euros(values["ave_eur"]),
            ]
        )
    _table(
        lines,
        _("Coverage by month"),
        [_("Month"), *(_(TALLY_LABELS[m.value]) for m in Medium)]
        + [_("Total"), _("Reach"), _("AVE (EUR)")],
        rows,
        [
            _("Total"),
            *(_count(report["by_medium"][m.value]) for m in Medium),
            _count(report["total"]),
            _count(report["reach"]),
            _euros(report["ave_eur"]),
        ],
    )
    return Sheet("months", title, lines[:-1], frozen_rows=5, frozen_columns=1)


def campaigns_sheet(
    texts: Texts, rows: list[tuple[Campaign, int, dict]], everything: dict | None
) -> Sheet:
    """``rows``: each campaign, its depth under the first and its own report; ``everything``:
    the report of all campaigns, when the workbook is not about one campaign."""
    _ = texts.gettext
    title = _("By campaign")
    lines = texts.top(title)
    lines.append(Line([_("Coverage by campaign")], "heading"))
    headers = [
        _("Campaign"),
        _("Umbrella campaign"),
        *(_(TALLY_LABELS[m.value]) for m in Medium),
        _("Total"),
        _("Reach"),
        _("AVE (EUR)"),
        _("Message penetration"),
        _("Tone index"),
    ]
    lines.append(Line(headers, "header"))

    def figures(report: dict) -> list:
        return [
            *(_count(report["value_by_medium"][m.value]["total"]) for m in Medium),
            _count(report["total"]),
            _count(report["reach"]),
            _euros(report["ave_eur"]),
            _share(report["message_penetration"]["any"]),
            _index(report["tone_index"]),
        ]

    for campaign, depth, report in rows:
        parent = campaign.parent.name if depth and campaign.parent else ""
        lines.append(Line([campaign.name, parent, *figures(report)], indent=depth))
    if everything is not None:
        lines.append(Line([_("All campaigns"), "", *figures(everything)], "total"))
    lines.append(Line())
    lines.append(
        Line(
            [
                _(
                    "Each campaign counts its sub-campaigns' clips; a clip in several campaigns "
                    "counts in each of them, and once in their umbrella campaign."
                )
            ],
            "note",
        )
    )
    if not rows:
        lines.append(Line([_("No campaign in this period.")], "note"))
    return Sheet("campaigns", title, lines, frozen_rows=5, frozen_columns=1)


def rules_sheet(texts: Texts, report: dict, campaign: Campaign | None) -> Sheet:
    _ = texts.gettext
    title = _("Rules and warnings")
    lines = texts.top(title)
    scope = f"{campaign.name} ({campaign.slug})" if campaign else _("All campaigns")
    _table(
        lines,
        _("Coverage counted"),
        [_("Figure"), _("Value")],
        [
            [_("Campaign"), scope],
            [_("Period"), texts.period],
            [_("Status"), texts.status],
        ],
    )
    rules = report["rules"]
    _table(
        lines,
        _("Valuation rules"),
        [_("Rule"), _("Value"), _("Setting")],
        [
            [
                _(RULE_LABELS[name]) if name in RULE_LABELS else name,
                value,
                PREFIX + SETTING_NAMES.get(name, name).upper(),
            ]
            for name, value in rules.items()
        ],
    )
    valued, estimated = report["valued"], report["estimated_share"]
    _table(
        lines,
        _("What the figures rest on"),
        [_("Figure"), _("Value")],
        [
            [_("Clips"), _count(report["total"])],
            [_("Clips with a reach"), _count(valued["reach"])],
            [_("Clips with an AVE"), _count(valued["ave"])],
            [_("AVE set by hand"), _count(valued["overridden"])],
            [_("Share of the reach resting on estimated figures"), _share(estimated["reach"])],
            [_("Share of the AVE resting on estimated figures"), _share(estimated["ave"])],
        ],
    )
    lines.append(Line([_("Definitions")], "heading"))
    lines.append(Line([_("Reach"), _(REACH_NOTE)]))
    lines.append(Line([_("AVE (EUR)"), _(AVE_NOTE)]))
    lines.append(Line())
    lines.append(Line([_("Warnings")], "heading"))
    warnings = report["warnings"] or [_("No warnings.")]
    lines.extend(Line([warning]) for warning in warnings)
    return Sheet("rules", title, lines, frozen_rows=2)


# -- The workbook ---------------------------------------------------------------------------


TITLE_FONT = Font(bold=True, size=14)
HEADING_FONT = Font(bold=True, size=12)
BOLD = Font(bold=True)
ITALIC = Font(italic=True)
RULED = Border(bottom=Side(style="thin"))
TOPPED = Border(top=Side(style="thin"))
# Lines whose text may run over the next, empty cells: not counted in the column widths.
OVERFLOWING = ("title", "subtitle", "heading", "note")


@dataclass
class ManagementReport:
    """The report of the period and the sheets laid out from it (and from the campaigns')."""

    report: dict
    sheets: list[Sheet]
    title: str = ""
    organisation: str = ""

    def csv_files(self) -> dict[str, bytes]:
        """One CSV file per sheet, by file name."""
        return {f"{sheet.name}.csv": sheet.csv() for sheet in self.sheets}

    def xlsx(self) -> bytes:
        workbook = Workbook()
        workbook.remove(workbook.active)
        workbook.properties.title = self.title
        workbook.properties.creator = self.organisation or None
        for sheet in self.sheets:
            _write_sheet(workbook.create_sheet(sheet_title_for(sheet.title)), sheet)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()


def _write_sheet(worksheet, sheet: Sheet) -> None:
    widths: dict[int, int] = {}
    for r, line in enumerate(sheet.lines, start=1):
        for c, value in enumerate(line.cells, start=1):
            cell, plain = write_cell(worksheet, r, c, value, None)
            if line.style == "title":
                cell.font = TITLE_FONT
            elif line.style == "heading":
                cell.font = HEADING_FONT
            elif line.style == "header":
                cell.font, cell.border = BOLD, RULED
                cell.alignment = Alignment(wrap_text=True, vertical="bottom")
            elif line.style == "total":
                cell.font, cell.border = BOLD, TOPPED
            elif line.style in ("subtitle", "note"):
                cell.font = ITALIC
            if c == 1 and line.indent:
                cell.alignment = Alignment(indent=2 * line.indent)
            if line.style in OVERFLOWING or (line.style == "header" and c > 1):
                continue  # long headers wrap over their numbers
            if isinstance(plain, str) and len(plain) > MAX_COLUMN_WIDTH:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(plain, float):
                shown = f"{plain:,.2f} €"
            elif isinstance(plain, int):
                shown = f"{plain:,}"
            else:
                shown = str(plain or "")
            width = len(shown) + (2 * line.indent if c == 1 else 0)
            widths[c] = max(widths.get(c, 0), width)
    for column, width in widths.items():
        letter = get_column_letter(column)
        worksheet.column_dimensions[letter].width = min(max(width, 10) + 2, MAX_COLUMN_WIDTH)
    letter = get_column_letter(sheet.frozen_columns + 1)
    worksheet.freeze_panes = f"{letter}{sheet.frozen_rows + 1}"
    worksheet.page_setup.orientation = "landscape"
    worksheet.page_setup.fitToWidth, worksheet.page_setup.fitToHeight = 1, 0
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True


def _in_period(campaign: Campaign, date_from: date | None, date_to: date | None) -> bool:
    """An active campaign whose dates meet the period."""
    starts_in = campaign.start_date is None or date_to is None or campaign.start_date <= date_to
    ends_in = campaign.end_date is None or date_from is None or campaign.end_date >= date_from
    return campaign.active and starts_in and ends_in


def _campaign_rows(
    session: Session,
    campaign_id: int | None,
    date_from: date | None,
    date_to: date | None,
    status: CoverageStatus | None,
    rules: ValuationRules,
    report: dict,
) -> list[tuple[Campaign, int, dict]]:
    """The campaigns of the period, each umbrella followed by its sub-campaigns, with their
    depth and their own report: those with clips counted in the period, and the active ones
    whose dates meet it (with none), under their umbrellas."""
    tree = campaign_tree(session)
    if campaign_id is not None:
        start = next(i for i, (c, _depth) in enumerate(tree) if c.id == campaign_id)
        top = tree[start][1]
        end = next((i for i in range(start + 1, len(tree)) if tree[i][1] <= top), len(tree))
        tree = [(c, depth - top) for c, depth in tree[start:end]]
    rows = []
    for campaign, depth in tree:
        own = (
            report
            if campaign.id == campaign_id
            else campaign_report(session, campaign.id, date_from, date_to, status, rules)
        )
        rows.append((campaign, depth, own))
    shown = [
        own["total"] > 0 or _in_period(c, date_from, date_to) or c.id == campaign_id
        for c, _depth, own in rows
    ]
    # An umbrella stays above a sub-campaign shown.
    for i in reversed(range(len(rows))):
        if shown[i]:
            depth = rows[i][1]
            for j in reversed(range(i)):
                if rows[j][1] < depth:
                    shown[j], depth = True, rows[j][1]
    return [row for row, keep in zip(rows, shown, strict=True) if keep]


def management_report(
    session: Session,
    campaign_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    status: CoverageStatus | None = CoverageStatus.CONFIRMED,
    rules: ValuationRules | None = None,
    *,
    locale: str = "fr",
    organisation: str = "",
) -> ManagementReport:
    """Lay out the report of a campaign (with its sub-campaigns) or of all coverage.

    The arguments are those of :func:`models.reports.campaign_report`; ``locale`` is the
    language of the texts (fr or en), ``organisation`` the name on each sheet's first line.
    """
    texts = Texts(locale, organisation)
    _ = texts.gettext
    rules = rules or ValuationRules()
    report = campaign_report(session, campaign_id, date_from, date_to, status, rules)
    campaign = session.get(Campaign, campaign_id) if campaign_id is not None else None
    texts.scope = campaign.name if campaign else _("All campaigns")
    texts.period = _("%(start)s to %(end)s") % {
        "start": texts.day(date_from),
        "end": texts.day(date_to),
    }
    texts.status = _status_text(texts, status)
    months = month_by_medium(session, selection(campaign_id, date_from, date_to, status))
    campaigns = _campaign_rows(session, campaign_id, date_from, date_to, status, rules, report)
    sheets = [
        summary_sheet(texts, report),
        months_sheet(texts, report, months, _month_keys(report, date_from, date_to)),
        campaigns_sheet(texts, campaigns, report if campaign is None else None),
        rules_sheet(texts, report, campaign),
    ]
    title = _("Press coverage report") + f" — {texts.scope} · {texts.period}"
    return ManagementReport(report, sheets, title, organisation)
