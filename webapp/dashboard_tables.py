"""The dashboard's tables, shown on the page and exported as CSV and XLSX from the same rows.

Rows hold raw values (counts, euros, shares); :func:`format_figure` and the ``|number`` and
``|euros`` filters format them on the page, the exports keep them as numbers.
"""

from __future__ import annotations

from datetime import date

from flask_babel import format_date, format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models.base import Medium, Scope

from .exports import Cell, Kind, Table
from .formatting import MEDIUM_LABELS
from .formatting import SCOPE_LABELS as BASE_SCOPE_LABELS

TABLES = ("tally", "months", "scopes", "outlets", "messages", "comparison")
# The reference user's annual report counts "articles de presse, reportages TV, reportages
# radio, retombées web, relais partenaires".
TALLY_LABELS = {
    "press": _l("Press articles"),
    "tv": _l("TV reports"),
    "radio": _l("Radio reports"),
    "web": _l("Web coverage"),
    "partner": _l("Partner relays"),
}
SCOPE_LABELS = {**BASE_SCOPE_LABELS, "unknown": _l("Scope unknown")}
FIGURE_LABELS = {
    "total": _l("Clips"),
    **TALLY_LABELS,
    "reach": _l("Reach (potential contacts)"),
    "ave_eur": _l("Advertising value equivalence"),
    "message_penetration": _l("Message penetration"),
    "tone_index": _l("Tone index"),
}
FIGURE_KINDS = {"reach": Kind.INTEGER, "ave_eur": Kind.EUROS}
RATIO_KINDS = {
    "message_penetration": (Kind.SHARE, Kind.POINTS),
    "tone_index": (Kind.SIGNED, Kind.SIGNED),
}


def _percent_pattern() -> str:
    return get_locale().percent_formats[None].pattern


def format_figure(value, kind: str) -> str:
    """Format a ratio, a change, an index or a month for reading (counts and euros use the
    ``|number`` and ``|euros`` filters)."""
    if value is None:
        return "—"
    if kind == Kind.MONTH:
        if value == "undated":
            return _("Undated")
        year, month = value.split("-")
        return format_date(date(int(year), int(month), 1), "MMMM yyyy")
    if kind == Kind.SHARE:
        return format_percent(value)
    if kind == Kind.CHANGE:
        pattern = _percent_pattern()
        return format_percent(value, f"+{pattern};-{pattern}")
    if kind == Kind.POINTS:
        return _("%(points)s pts", points=format_decimal(value, "+#,##0.#;-#,##0.#"))
    if kind == Kind.SIGNED:
        return format_decimal(value, "+0.00;-0.00")
    if kind in (Kind.INTEGER, Kind.DECIMAL):
        return format_decimal(value)
    return str(value)


def tally_table(report: dict) -> Table:
    media = report["value_by_medium"]
    return Table(
        "tally",
        _("Coverage by medium"),
        [_("Medium"), _("Clips"), _("Reach"), _("AVE (EUR)")],
        [Kind.TEXT, Kind.INTEGER, Kind.INTEGER, Kind.EUROS],
        [[str(TALLY_LABELS[m]), v["total"], v["reach"], v["ave_eur"]] for m, v in media.items()],
        [_("Total"), report["total"], report["reach"], report["ave_eur"]],
    )


def months_table(data: dict) -> Table:
    report, months = data["report"], data["months"]
    empty = {"total": 0, "reach": 0, "ave_eur": 0.0}
    rows = []
    for key in data["month_keys"]:
        counts = months.get(key, {m.value: 0 for m in Medium})
        values = report["by_month"].get(key, empty)
        rows.append(
            [key, *counts.values(), sum(counts.values()), values["reach"], values["ave_eur"]]
        )
    return Table(
        "months",
        _("Coverage by month"),
        [_("Month"), *(str(TALLY_LABELS[m.value]) for m in Medium)]
        + [_("Total"), _("Reach"), _("AVE (EUR)")],
        [Kind.MONTH] + [Kind.INTEGER] * (len(Medium) + 2) + [Kind.EUROS],
        rows,
        [
            Cell(_("Total"), Kind.TEXT),
            *report["by_medium"].values(),
            report["total"],
            report["reach"],
            report["ave_eur"],
        ],
    )


def scopes_table(report: dict) -> Table:
    by_scope = report["by_scope"]
    keys = [s.value for s in Scope] + (["unknown"] if "unknown" in by_scope else [])
    empty = {"total": 0, "reach": 0, "ave_eur": 0.0}
    rows = []
    for key in keys:
        values = by_scope.get(key, empty)
        rows.append([str(SCOPE_LABELS[key]), values["total"], values["reach"], values["ave_eur"]])
    return Table(
        "scopes",
        _("Coverage by scope"),
        [_("Scope"), _("Clips"), _("Reach"), _("AVE (EUR)")],
        [Kind.TEXT, Kind.INTEGER, Kind.INTEGER, Kind.EUROS],
        rows,
        [_("Total"), report["total"], report["reach"], report["ave_eur"]],
    )


def outlets_table(outlets: list[dict]) -> Table:
    return Table(
        "outlets",
        _("Top outlets"),
        [_("Outlet"), _("Medium"), _("Clips"), _("Reach"), _("AVE (EUR)")],
        [Kind.TEXT, Kind.TEXT, Kind.INTEGER, Kind.INTEGER, Kind.EUROS],
        [
            [
                o["name"] or _("No outlet"),
                str(MEDIUM_LABELS[o["medium"]]) if o["medium"] else "",
                o["clips"],
                o["reach"],
                o["ave_eur"],
            ]
            for o in outlets
        ],
    )


def messages_table(report: dict, messages: list[dict]) -> Table:
    penetration = report["message_penetration"]
    return Table(
        "messages",
        _("Key messages"),
        [_("Key message"), _("Clips"), _("Share of clips")],
        [Kind.TEXT, Kind.INTEGER, Kind.SHARE],
        [[m["label"], m["clips"], m["share"]] for m in messages],
        [_("Any key message"), penetration["clips_with_message"], penetration["any"]],
    )


def comparison_table(comparison: list[dict], periods: tuple[str, str]) -> Table:
    rows = []
    for row in comparison:
        key = row["figure"]
        if key in RATIO_KINDS:
            kind, change_kind = RATIO_KINDS[key]
            change = row["difference"]
            if change is not None and change_kind == Kind.POINTS:
                change = round(change * 100, 2)
        else:
            kind, change_kind = FIGURE_KINDS.get(key, Kind.INTEGER), Kind.CHANGE
            change = row["change"]
        rows.append(
            [
                str(FIGURE_LABELS[key]),
                Cell(row["current"], kind),
                Cell(row["previous"], kind),
                Cell(change, change_kind),
            ]
        )
    return Table(
        "comparison",
        _("Comparison with the previous period"),
        [_("Figure"), periods[0], periods[1], _("Change")],
        [Kind.TEXT, Kind.INTEGER, Kind.INTEGER, Kind.CHANGE],
        rows,
    )


def build_tables(data: dict) -> dict[str, Table]:
    """Every table of the dashboard, by name (see :data:`TABLES`)."""
    report = data["report"]
    start, end = data["previous_period"]
    periods = (
        _("This period"),
        _("Previous period (%(start)s to %(end)s)", start=start.isoformat(), end=end.isoformat()),
    )
    return {
        "tally": tally_table(report),
        "months": months_table(data),
        "scopes": scopes_table(report),
        "outlets": outlets_table(data["outlets"]),
        "messages": messages_table(report, data["messages"]),
        "comparison": comparison_table(data["comparison"], periods),
    }
