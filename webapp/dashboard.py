"""Management's dashboard: a campaign's figures over a period, charts and exports.

The figures are those of ``retombees report --json`` (:func:`models.reports.campaign_report`)
for the same campaign, period and status, beside the period before; every table of the page
downloads as CSV or XLSX (the tables are built in :mod:`webapp.dashboard_tables`).
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import Future
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import force_locale, format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup

from models import CoverageStatus
from models.campaign import Campaign, campaign_by_slug, campaigns_by_name
from models.dashboard import (
    compare,
    default_campaign,
    month_by_medium,
    month_keys,
    previous_period,
    selection,
    top_messages,
    top_outlets,
)
from models.metrics import PARIS
from models.reports import campaign_report, headline_figures

from .auth import permission_required
from .background import run_in_background
from .charts import MEDIUM_COLOURS, Category, Series, horizontal_bars, stacked_bars
from .dashboard_tables import TABLES, TALLY_LABELS, build_tables, format_figure
from .management_report import management_report
from .session import cached_figures, db, valuation_rules

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
log = logging.getLogger(__name__)

STATUSES = {"confirmed": CoverageStatus.CONFIRMED, "all": None}
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)
MAX_YEARS = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Filters:
    """What the dashboard shows: a campaign (None: all), a period and a review status."""

    campaign: Campaign | None
    date_from: date
    date_to: date
    status: str = "confirmed"
    errors: list[str] = field(default_factory=list)

    def args(self) -> dict:
        """The query string that shows the same figures."""
        return {
            "campaign": self.campaign.slug if self.campaign else "",
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "status": self.status,
        }


def _day(name: str, default: date, errors: list[str]) -> date:
    value = request.args.get(name, "").strip()
    if not value:
        return default
    try:
        if not DAY.fullmatch(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        errors.append(_("“%(value)s” is not a date: write it as YYYY-MM-DD.", value=value))
        return default
    if not FIRST_DAY <= day <= LAST_DAY:
        errors.append(_("%(value)s is out of range.", value=value))
        return default
    return day


def read_filters() -> Filters:
    """Read the campaign, period and status of the request; unknown campaign: 404.

    Without a campaign parameter, the first active umbrella campaign (else all campaigns); an
    empty one means all campaigns. The period defaults to the current calendar year.
    """
    slug = request.args.get("campaign")
    if slug is None:
        campaign = default_campaign(db())
    elif not slug:
        campaign = None
    else:
        campaign = campaign_by_slug(db(), slug)
        if campaign is None:
            abort(404, description=_("No campaign has the slug “%(slug)s”.", slug=slug))
    year = datetime.now(PARIS).year
    errors: list[str] = []
    date_from = _day("from", date(year, 1, 1), errors)
    date_to = _day("to", date(year, 12, 31), errors)
    status = request.args.get("status") or "confirmed"
    if status not in STATUSES:
        errors.append(_("Unknown status “%(value)s”: choose confirmed or all.", value=status))
        status = "confirmed"
    if date_to < date_from:
        errors.append(_("The end of the period is before its start."))
    elif (date_to - date_from).days > MAX_YEARS * 366:
        errors.append(_("Choose a period of %(years)d years at most.", years=MAX_YEARS))
    return Filters(campaign, date_from, date_to, status, errors)


def figures(filters: Filters) -> dict:
    """The report of the period and of the period before, and the dashboard queries; cached
    until the next write to clips, campaigns or outlets."""
    rules = valuation_rules()
    campaign_id = filters.campaign.id if filters.campaign else None
    arguments = [campaign_id, filters.date_from, filters.date_to, filters.status, rules.as_json()]
    return cached_figures("dashboard", arguments, lambda: _compute(filters, rules))


def _compute(filters: Filters, rules) -> dict:
    session = db()
    campaign_id = filters.campaign.id if filters.campaign else None
    status = STATUSES[filters.status]
    report = campaign_report(
        session, campaign_id, filters.date_from, filters.date_to, status, rules
    )
    before = previous_period(filters.date_from, filters.date_to)
    previous = headline_figures(session, campaign_id, *before, status)
    chosen = selection(campaign_id, filters.date_from, filters.date_to, status)
    months = month_by_medium(session, chosen)
    keys = month_keys(filters.date_from, filters.date_to)
    return {
        "report": report,
        "previous": previous,
        "previous_period": before,
        "month_keys": keys + [key for key in months if key not in keys],  # and "undated"
        "months": months,
        "outlets": top_outlets(session, chosen, 10),
        "messages": top_messages(report["message_penetration"]),
        "comparison": compare(report, previous),
    }


def _charts(data: dict, tables: dict) -> dict:
    number = format_decimal
    media = [Series(m, str(TALLY_LABELS[m]), colour) for m, colour in MEDIUM_COLOURS.items()]
    years = {key[:4] for key in data["month_keys"]}
    months = [
        Category(key, format_figure(key, "month"), _month_label(key, len(years) > 1))
        for key in data["month_keys"]
    ]
    scopes = [(row[0], row[2]) for row in tables["scopes"].rows]
    outlets = [(row[0], row[2]) for row in tables["outlets"].rows]
    return {
        "months": stacked_bars(
            "chart-months",
            _("Coverage by month and medium"),
            months,
            media,
            data["months"],
            number,
            _("Clips per month, stacked by medium; the table below gives the figures."),
        ),
        "scopes": horizontal_bars(
            "chart-scopes",
            _("Reach by scope"),
            scopes,
            number,
            _("Potential contacts per outlet scope; the table below gives the figures."),
        ),
        "outlets": horizontal_bars(
            "chart-outlets",
            _("Clips by outlet"),
            outlets,
            number,
            _("Clips of the outlets with the most coverage; the table below gives the figures."),
        ),
    }


def _month_label(key: str, with_year: bool) -> str:
    """A short month name under the chart's axis (the bars' titles give month and year)."""
    if not re.fullmatch(r"\d{4}-\d{2}", key):
        return format_figure(key, "month")
    day = date(int(key[:4]), int(key[5:]), 1)
    return format_date(day, "MMM yy" if with_year else "MMM")


def _campaign_choices() -> list[tuple[str, str]]:
    choices = []
    for campaign in campaigns_by_name(db()):
        label = campaign.name
        if campaign.parent is not None:
            label = f"{campaign.name} ({campaign.parent.name})"
        choices.append((campaign.slug, label))
    return choices


@bp.get("/")
@login_required
def index():
    filters = read_filters()
    context = {
        "filters": filters,
        "args": filters.args(),
        "campaigns": _campaign_choices(),
        "period": _period(filters.date_from, filters.date_to),
    }
    if filters.errors:
        return render_template("dashboard/index.html", **context), 400
    html, as_of = figures_html(filters)
    return render_template(
        "dashboard/index.html", **context, figures_html=html, as_of=as_of, computing=html is None
    )


def _html_arguments(filters: Filters) -> list:
    """Everything the figures' HTML depends on."""
    return [
        filters.campaign.id if filters.campaign else None,
        filters.date_from,
        filters.date_to,
        filters.status,
        valuation_rules().as_json(),
        str(get_locale()),
        request.script_root,
    ]


def figures_html(filters: Filters) -> tuple[Markup | None, datetime | None]:
    """The page's figures (key figures, tables, charts, download links) as HTML, and the time
    they were computed when they are not current (None when they are). (None, None): they are
    being computed and there is nothing older to show.

    Rendered once per data version, filters, valuation rules and language: a view of the
    dashboard that someone has seen since the last write costs a cache read, not a render.
    Otherwise they are computed in the web process's background threads (one computation per
    dashboard at a time), and the page waits at most ``RETOMBEES_DASHBOARD_WAIT`` seconds for
    them; not at all when older figures took longer than that to compute (an umbrella campaign
    over a year): those are shown, dated, until the current ones are ready.
    """
    arguments = _html_arguments(filters)
    cache = current_app.extensions["retombees_figures_cache"]
    found = cache.current_or_stale(db(), "dashboard-html", arguments)
    if found is not None and found.current:
        return Markup(found.value), None
    claim = cache.claim("dashboard-html", arguments)
    if claim is not None:  # nobody computes them yet
        wait = current_app.config["RETOMBEES_DASHBOARD_WAIT"]
        computing = _compute_in_background(claim)
        done, _ = futures_wait([computing], timeout=0 if found and found.seconds > wait else wait)
        if done:
            try:
                return Markup(computing.result()), None
            except Exception:
                if found is None:
                    raise
    if found is None:
        return None, None
    return Markup(found.value), found.computed_at


def _compute_in_background(claim: str) -> Future:
    """Compute this request's figures in the web process's background threads."""
    where = (request.full_path, request.host_url.rstrip("/") + request.script_root)
    app = current_app._get_current_object()
    return run_in_background(app, _compute_html, app, where, str(get_locale()), claim)


def _compute_html(app, where: tuple[str, str], locale: str, claim: str) -> str:
    """Compute and cache the figures of the dashboard at ``where`` (path, base address), as
    its request would; then give the claim back (after a failure too: a later view tries
    again)."""
    path, base_url = where
    try:
        with app.test_request_context(path, base_url=base_url), force_locale(locale):
            filters = read_filters()
            return cached_figures(
                "dashboard-html",
                _html_arguments(filters),
                lambda: _render_figures(filters),
                keep_latest=True,
            )
    except Exception:
        log.exception("The dashboard's figures could not be computed (%s)", path)
        raise
    finally:
        app.extensions["retombees_figures_cache"].release(claim)


def _render_figures(filters: Filters) -> str:
    data = figures(filters)
    tables = build_tables(data)
    return render_template(
        "dashboard/_figures.html",
        args=filters.args(),
        report=data["report"],
        previous_period=_period(*data["previous_period"]),
        tables=tables,
        compared={
            row["figure"]: typed
            for row, typed in zip(data["comparison"], tables["comparison"].rows, strict=True)
        },
        charts=_charts(data, tables),
        exports={
            name: {
                fmt: url_for(".export", name=name, fmt=fmt, **filters.args())
                for fmt in ("csv", "xlsx")
            }
            for name in TABLES
        },
        format_figure=format_figure,
    )


def _period(start: date, end: date) -> str:
    return _(
        "%(start)s to %(end)s",
        start=format_date(start, "d MMM yyyy"),
        end=format_date(end, "d MMM yyyy"),
    )


def _filename(filters: Filters, name: str, fmt: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]", "-", filters.campaign.slug) if filters.campaign else "all"
    return f"retombees-{slug}-{filters.date_from}-{filters.date_to}-{name}.{fmt}"


@bp.get(f"/export/<any({', '.join(TABLES)}):name>.<any(csv, xlsx):fmt>")
@permission_required("export")
def export(name: str, fmt: str):
    filters = read_filters()
    if filters.errors:
        abort(400, description=" ".join(filters.errors))
    table = build_tables(figures(filters))[name]
    body, mimetype = (table.csv(), "text/csv") if fmt == "csv" else (table.xlsx(), XLSX)
    response = Response(body, mimetype=mimetype)  # text/csv gets "; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_filename(filters, name, fmt)}"'
    )
    return response


@bp.get("/report.xlsx")
@permission_required("export")
def management_workbook():
    """The management report workbook of the page's campaign, period and status."""
    filters = read_filters()
    if filters.errors:
        abort(400, description=" ".join(filters.errors))
    workbook = management_report(
        db(),
        filters.campaign.id if filters.campaign else None,
        filters.date_from,
        filters.date_to,
        STATUSES[filters.status],
        valuation_rules(),
        locale=get_locale().language,
        organisation=current_app.extensions["retombees_settings"].organisation_name,
    )
    response = Response(workbook.xlsx(), mimetype=XLSX)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_filename(filters, "report", "xlsx")}"'
    )
    return response
