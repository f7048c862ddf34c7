"""Management's dashboard: the figures of `retombees report --json` on the page and in its
CSV and XLSX exports, the charts, the comparison with the period before, bad parameters."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import openpyxl
import pytest
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from click.testing import CliRunner
from flask_babel import gettext
from markupsafe import escape
from sqlalchemy import select

from cli.report import report_command
from models import Campaign, Coverage, CoverageCampaign, CoverageStatus, Medium, Outlet, Role
from models.db import open_database
from tests.conftest import add_user, login
from tests.models.test_dashboard_queries import DT, PM, seed_world
from webapp.charts import MEDIUM_COLOURS, Category, Series, horizontal_bars, stacked_bars
from webapp.exports import Cell, Kind, to_csv, to_xlsx

YEAR = {"campaign": "j-ai-10-ans", "from": "2022-01-01", "to": "2022-12-31"}
TALLY = ("Press articles", "TV reports", "Radio reports", "Web coverage", "Partner relays")
MEDIA = ("press", "tv", "radio", "web", "partner")
SCOPE_KEYS = ("local", "regional", "national", "specialised", "international", "unknown")
SCOPES = ("Local", "Regional", "National", "Specialised", "International", "Scope unknown")
REACH_NOTE = (
    "Potential contacts, not deduplicated: the sum of each clip's audience, so a person reached "
    "by several clips is counted each time."
)
AVE_NOTE = (
    "Advertising value equivalence at gross rate-card prices: it is not the value of "
    "communication (AMEC Barcelona Principles); read it beside reach, message penetration, tone "
    "and share of voice."
)


class Tables(HTMLParser):
    """The text of every cell of the page's tables (by id), and of elements with an id."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.ids: dict[str, str] = {}
        self._table = self._cell = None
        self._open: list[tuple[str, str | None, list[str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        if attrs.get("id") and tag not in ("table", "svg", "title", "desc"):
            self._open.append((tag, attrs["id"], []))

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        if self._open and self._open[-1][0] == tag:
            _, name, parts = self._open.pop()
            self.ids[name] = " ".join("".join(parts).split())

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        for _, _, parts in self._open:
            parts.append(data)

    def rows(self, name: str) -> dict[str, list[str]]:
        """The body and footer rows of a table, by their first cell."""
        return {row[0]: row[1:] for row in self.tables[f"table-{name}"][1:]}


def tr(app, text: str, **values) -> str:
    """The interface text as the page shows it (French, once the catalogue has it)."""
    with app.test_request_context("/"):
        return gettext(text, **values)


def shown(app, name: str, value) -> str:
    """A value through the page's own filter (``number`` or ``euros``), spaces made plain."""
    with app.test_request_context("/"):
        return " ".join(app.jinja_env.filters[name](value).split())


def number(app, n) -> str:
    return shown(app, "number", n)


def euros(app, n) -> str:
    return shown(app, "euros", n)


def percent(share: float) -> str:
    return " ".join(format_percent(share, locale="fr").split())


def spaced(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def world(app):
    with app.extensions["retombees_sessions"].begin() as session:
        return seed_world(session)


def cli_report(settings, *args: str) -> dict:
    result = CliRunner().invoke(report_command, [*args, "--json"], env=settings.to_env())
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def csv_rows(body: bytes) -> list[list]:
    """The rows of a CSV export, numbers read back as numbers ("1234,5" is 1234.5)."""
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for Excel
    rows = csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";")
    return [[csv_value(cell) for cell in row] for row in rows]


def csv_value(text: str):
    if text == "":
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+,\d+", text):
        return float(text.replace(",", "."))
    return text


def xlsx_rows(body: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def export(client, table: str, fmt: str, params: dict):
    response = client.get(f"/dashboard/export/{table}.{fmt}", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def exported(client, table: str, fmt: str, params: dict) -> list[list]:
    body = export(client, table, fmt, params).data
    return csv_rows(body) if fmt == "csv" else xlsx_rows(body)


def report_2022(settings, status: str = "confirmed") -> dict:
    args = ("--campaign", "j-ai-10-ans", "--from", "2022-01-01", "--to", "2022-12-31")
    return cli_report(settings, *args, "--status", status)


def figures(app, values: dict) -> list[str]:
    """Clips, reach and AVE as the page writes them."""
    return [
        number(app, values["total"]),
        number(app, values["reach"]),
        euros(app, values["ave_eur"]),
    ]


@pytest.mark.parametrize("status", ["confirmed", "all"])
def test_page_gives_the_figures_of_report_json(app, settings, world, management_client, status):
    report = report_2022(settings, status)
    assert report["total"] == (12 if status == "confirmed" else 14)  # + 1 new, 1 rejected
    response = management_client.get("/dashboard/", query_string={**YEAR, "status": status})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = Tables(html)

    # The tally as the annual report counts it, with reach and AVE per medium.
    tally = page.rows("tally")
    for label, medium in zip(TALLY, MEDIA, strict=True):
        assert report["value_by_medium"][medium]["total"] == report["by_medium"][medium]
        assert tally[tr(app, label)] == figures(app, report["value_by_medium"][medium])
    assert tally[tr(app, "Total")] == figures(app, report)

    # Key figures, with the report's notes and warnings.
    clips = page.ids["figure-total"]
    assert clips.startswith(f"{tr(app, 'Clips')} {number(app, report['total'])}")
    reach = page.ids["figure-reach"]
    assert reach.startswith(
        f"{tr(app, 'Reach (potential contacts)')} {number(app, report['reach'])}"
    )
    assert tr(app, REACH_NOTE) in reach
    assert euros(app, report["ave_eur"]) in page.ids["figure-ave_eur"]
    assert tr(app, AVE_NOTE) in page.ids["figure-ave_eur"]
    tone = format_decimal(report["tone_index"], "+0.00;-0.00", locale="fr")
    assert page.ids["figure-tone_index"].startswith(f"{tr(app, 'Tone index')} {tone}")
    assert report["warnings"]
    for warning in report["warnings"]:
        assert str(escape(warning)) in html

    # Every month of the year; the months of the report with its figures.
    months = page.tables["table-months"][1:-1]
    assert [row[0] for row in months] == [
        format_date(date(2022, month, 1), "MMMM yyyy", locale="fr") for month in range(1, 13)
    ]
    for key, values in report["by_month"].items():
        assert months[int(key[5:]) - 1][6:] == figures(app, values)
    assert page.tables["table-months"][-1][6:] == figures(app, report)

    scopes = page.rows("scopes")
    assert list(scopes) == [tr(app, label) for label in SCOPES] + [tr(app, "Total")]
    for key, label in zip(SCOPE_KEYS, SCOPES, strict=True):
        values = report["by_scope"].get(key, {"total": 0, "reach": 0, "ave_eur": 0})
        assert scopes[tr(app, label)] == figures(app, values)

    messages = page.rows("messages")
    penetration = report["message_penetration"]
    for label in (PM, DT):
        values = penetration["by_message"][label]
        assert messages[label] == [number(app, values["clips"]), percent(values["share"])]
    assert messages[tr(app, "Any key message")] == [
        number(app, penetration["clips_with_message"]),
        percent(penetration["any"]),
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_give_the_figures_of_report_json(app, settings, world, management_client, fmt):
    report = report_2022(settings)
    media = report["value_by_medium"]
    total = tr(app, "Total")

    tally = exported(management_client, "tally", fmt, YEAR)
    assert tally == [
        [tr(app, h) for h in ("Medium", "Clips", "Reach", "AVE (EUR)")],
        *(
            [tr(app, label), media[m]["total"], media[m]["reach"], media[m]["ave_eur"]]
            for label, m in zip(TALLY, MEDIA, strict=True)
        ),
        [total, report["total"], report["reach"], report["ave_eur"]],
    ]

    months = {row[0]: row[1:] for row in exported(management_client, "months", fmt, YEAR)[1:]}
    assert list(months) == [f"2022-{m:02d}" for m in range(1, 13)] + [total]
    for key, values in report["by_month"].items():
        assert months[key][5:] == [values["total"], values["reach"], values["ave_eur"]]
    assert sum(row[5] for key, row in months.items() if key != total) == report["total"]
    assert months[total] == [
        *(report["by_medium"][m] for m in MEDIA),
        report["total"],
        report["reach"],
        report["ave_eur"],
    ]

    scopes = {row[0]: row[1:] for row in exported(management_client, "scopes", fmt, YEAR)[1:]}
    for key, label in zip(SCOPE_KEYS, SCOPES, strict=True):
        values = report["by_scope"].get(key, {"total": 0, "reach": 0, "ave_eur": 0})
        assert scopes[tr(app, label)] == [values["total"], values["reach"], values["ave_eur"]]

    messages = exported(management_client, "messages", fmt, YEAR)[1:]
    penetration = report["message_penetration"]
    assert messages == [
        [PM, 6, penetration["by_message"][PM]["share"]],
        [DT, 3, penetration["by_message"][DT]["share"]],
        [tr(app, "Any key message"), 8, penetration["any"]],
    ]

    # Every outlet of the campaign is in the top 10 here: they add up to the report.
    outlets = exported(management_client, "outlets", fmt, YEAR)[1:]
    assert outlets[0] == ["La Voix du Nord", tr(app, "Press"), 3, 3 * 1_057_901, 31_500]
    assert sum(row[2] for row in outlets) == report["total"]
    assert sum(row[3] for row in outlets) == report["reach"]
    assert round(sum(row[4] for row in outlets), 2) == report["ave_eur"]

    comparison = exported(management_client, "comparison", fmt, YEAR)
    assert comparison[1] == [tr(app, "Clips"), report["total"], 4, 2.0]
    if fmt == "xlsx":  # amounts carry their unit and shares their percent sign
        body = export(management_client, "tally", "xlsx", YEAR).data
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        assert "€" in sheet["D2"].number_format and sheet["B2"].number_format == "#,##0"
        body = export(management_client, "messages", "xlsx", YEAR).data
        assert openpyxl.load_workbook(io.BytesIO(body)).active["C2"].number_format == "0.0%"


def test_month_chart_has_one_bar_per_month_and_medium_with_titles(app, world, management_client):
    html = management_client.get("/dashboard/", query_string=YEAR).get_data(as_text=True)
    chart = re.search(r'<svg[^>]*id="chart-months".*?</svg>', html, re.S).group(0)
    bars = re.findall(r'<rect class="bar"[^>]*fill="([^"]+)"><title>([^<]+)</title>', chart)
    # Non-zero (month, medium) pairs: Jan press; Mar press, TV, radio, web; Apr press;
    # Jun press, TV, partner; Sep web; Dec web.
    assert len(bars) == 11
    assert len(re.findall(r"<rect", chart)) == 11 + 5  # and a legend swatch per medium
    titles = [title for _, title in bars]
    assert f"mars 2022 · {tr(app, 'TV reports')}: 1" in titles
    assert f"avril 2022 · {tr(app, 'Press articles')}: 2" in titles
    assert {fill for fill, _ in bars} == set(MEDIUM_COLOURS.values())
    assert 'role="img"' in chart and '<title id="chart-months-title">' in chart
    for label in TALLY:
        assert f">{escape(tr(app, label))}</text>" in chart  # the legend
    assert "style=" not in html  # the Content Security Policy forbids inline styles
    # The other charts: reach by scope and clips by outlet.
    assert f"<title>{escape(tr(app, 'Regional'))}: " in html
    assert "<title>La Voix du Nord: 3</title>" in html


def test_charts_are_deterministic_and_escape_labels():
    media = [Series(m, m.upper(), c) for m, c in MEDIUM_COLOURS.items()]
    values = {"2022-01": {"press": 3, "tv": 0}, "2022-02": {"web": 7}}
    months = [Category("2022-01", "Jan <b>", "J"), Category("2022-02", "Feb")]
    first = stacked_bars("c", "Title & co", months, media, values)
    assert first == stacked_bars("c", "Title & co", months, media, values)
    assert first.count('<rect class="bar"') == 2
    assert "Jan &lt;b&gt;" in first and "Title &amp; co" in first and "<b>" not in first
    bars = horizontal_bars("h", "Outlets", [('"quoted" <outlet>', 5), ("empty", 0)])
    assert bars.count('<rect class="bar"') == 1  # nothing drawn for zero
    assert "&#34;quoted&#34; &lt;outlet&gt;: 5" in bars
    assert "style=" not in first + bars


def test_comparison_with_the_previous_period(app, settings, world, management_client):
    html = management_client.get("/dashboard/", query_string=YEAR).get_data(as_text=True)
    page = Tables(html)
    comparison = page.rows("comparison")
    header = page.tables["table-comparison"][0]
    assert header[2] == tr(
        app, "Previous period (%(start)s to %(end)s)", start="2021-01-01", end="2021-12-31"
    )
    assert comparison[tr(app, "Clips")] == ["12", "4", "+200 %"]
    assert comparison[tr(app, "Press articles")] == ["5", "2", "+150 %"]
    assert comparison[tr(app, "Radio reports")] == ["1", "1", "+0 %"]
    assert comparison[tr(app, "Web coverage")] == ["3", "0", "—"]
    previous = cli_report(
        settings, "--campaign", "j-ai-10-ans", "--from", "2021-01-01", "--to", "2021-12-31"
    )
    assert comparison[tr(app, "Reach (potential contacts)")][1] == number(app, previous["reach"])
    ave = comparison[tr(app, "Advertising value equivalence")]
    assert ave[1] == euros(app, previous["ave_eur"]) == euros(app, 18_250)
    # 8 of 12 clips carry a key message (67 %), 2 of 4 the year before: +16.7 points.
    points = tr(app, "%(points)s pts", points="+16,7")
    assert comparison[tr(app, "Message penetration")] == ["67 %", "50 %", points]
    assert comparison[tr(app, "Tone index")] == ["+0,56", "+0,25", "+0,31"]
    assert "+200 %" in page.ids["figure-total"]
    rows = xlsx_rows(export(management_client, "comparison", "xlsx", YEAR).data)
    assert rows[1] == [tr(app, "Clips"), 12, 4, 2.0]
    assert rows[-2] == [tr(app, "Message penetration"), 0.6667, 0.5, 16.67]
    assert rows[-1] == [tr(app, "Tone index"), 0.5556, 0.25, 0.3056]


def _confirm_a_clip_elsewhere(settings) -> None:
    """A review made by another process (the figures' version moves)."""
    engine, sessions = open_database(settings)
    with sessions.begin() as session:
        clip = session.scalars(
            select(Coverage).where(Coverage.status == CoverageStatus.NEW, Coverage.title != "")
        ).first()
        clip.status = CoverageStatus.CONFIRMED
    engine.dispose()


def _total(client) -> tuple[str, str]:
    html = client.get("/dashboard/", query_string=YEAR).get_data(as_text=True)
    return Tables(html).ids.get("figure-total", ""), html


def test_figures_follow_a_review_made_in_another_process(app, settings, world, management_client):
    """The page's figures are cached, until any process writes to the clips."""

    def clips() -> str:
        html = management_client.get("/dashboard/", query_string=YEAR).get_data(as_text=True)
        return Tables(html).ids["figure-total"]

    assert clips().startswith(f"{tr(app, 'Clips')} 12")
    cache = app.extensions["retombees_figures_cache"]
    assert clips().startswith(f"{tr(app, 'Clips')} 12")
    assert cache.hits == 1  # the second view read nothing from the clips
    _confirm_a_clip_elsewhere(settings)  # as the scheduler or the CLI would
    assert clips().startswith(f"{tr(app, 'Clips')} 13")
    assert report_2022(settings)["total"] == 13


def _until(client, condition, seconds: float = 30) -> tuple[str, str]:
    """The dashboard's total and page once ``condition(html)`` holds (background work)."""
    deadline = time.monotonic() + seconds
    while True:
        total, html = _total(client)
        if condition(html) or time.monotonic() > deadline:
            return total, html
        time.sleep(0.1)


@pytest.fixture
def held(monkeypatch):
    """The figures' computing held until the test lets it go (``held.set()``)."""
    from webapp import dashboard

    release, render, started = threading.Event(), dashboard._render_figures, []

    def slow(filters):
        started.append(1)
        release.wait(30)
        return render(filters)

    monkeypatch.setattr(dashboard, "_render_figures", slow)
    release.started = started
    yield release
    release.set()


def test_figures_being_computed_are_shown_as_they_were_dated(
    app, settings, world, management_client, held
):
    """After a write, the page waits a moment for the current figures; when they take longer,
    it shows the figures as they were, dated, while one background thread computes them."""
    held.set()
    assert _total(management_client)[0].startswith(f"{tr(app, 'Clips')} 12")
    held.clear()
    held.started.clear()
    app.config["RETOMBEES_DASHBOARD_WAIT"] = 0.2
    _confirm_a_clip_elsewhere(settings)
    total, html = _total(management_client)
    assert total.startswith(f"{tr(app, 'Clips')} 12")  # as they were
    assert 'id="stale-figures"' in html
    assert "/dashboard/?campaign=j-ai-10-ans" in html.split('id="stale-figures"')[1]
    assert 'id="stale-figures"' in _total(management_client)[1]
    assert len(held.started) == 1  # the second view did not start another computation
    held.set()
    total, html = _until(management_client, lambda page: 'id="stale-figures"' not in page)
    assert total.startswith(f"{tr(app, 'Clips')} 13") and 'id="stale-figures"' not in html
    assert report_2022(settings)["total"] == 13


def test_a_failed_computation_is_tried_again_by_the_next_view(
    app, settings, world, management_client, monkeypatch
):
    assert _total(management_client)[0].startswith(f"{tr(app, 'Clips')} 12")
    _confirm_a_clip_elsewhere(settings)
    failures = []

    def broken(_filters):
        failures.append(1)
        raise RuntimeError("database gone")

    monkeypatch.setattr("webapp.dashboard._render_figures", broken)
    total, html = _total(management_client)  # the figures as they were, dated
    assert total.startswith(f"{tr(app, 'Clips')} 12") and 'id="stale-figures"' in html
    assert failures == [1]
    assert 'id="stale-figures"' in _total(management_client)[1]
    assert failures == [1, 1]  # tried again, not given up
    monkeypatch.undo()
    total, html = _total(management_client)
    assert total.startswith(f"{tr(app, 'Clips')} 13") and 'id="stale-figures"' not in html


def test_figures_never_computed_are_waited_for_a_moment_then_announced(
    app, world, management_client, held
):
    """With nothing older to show, the page says the figures are being computed and reloads
    itself; they appear once computed."""
    app.config["RETOMBEES_DASHBOARD_WAIT"] = 0.2
    html = management_client.get("/dashboard/", query_string=YEAR).get_data(as_text=True)
    assert 'id="figures-computing"' in html and 'id="figure-total"' not in html
    assert "js/dashboard.js" in html  # which reloads the page
    assert "/dashboard/?campaign=j-ai-10-ans" in html.split('id="figures-computing"')[1]
    held.set()
    total, html = _until(management_client, lambda page: 'id="figure-total"' in page)
    assert total.startswith(f"{tr(app, 'Clips')} 12") and 'id="figures-computing"' not in html


def test_cached_figures_are_kept_per_language_and_filters(app, world, management_client):
    """The rendered figures are reused, but never in another language or for other filters."""

    def page(**params) -> str:
        response = management_client.get("/dashboard/", query_string={**YEAR, **params})
        assert response.status_code == 200
        return response.get_data(as_text=True)

    french = page(lang="fr")
    cache = app.extensions["retombees_figures_cache"]
    hits = cache.hits
    assert page() == french  # same filters, same language: the cached figures
    assert cache.hits == hits + 1
    english = page(lang="en")
    assert "Key figures" in english and "Chiffres clés" in french
    assert "Chiffres clés" not in english
    assert 'id="figure-total"' in english
    confirmed_only = Tables(french).ids["figure-total"]
    all_reviewed = Tables(page(lang="fr", status="all")).ids["figure-total"]
    assert confirmed_only != all_reviewed
    assert "status=all" in page(lang="fr", status="all").split('id="management-report"')[1]


def test_default_is_the_first_active_umbrella_over_the_current_year(app, world, management_client):
    today = datetime.now(UTC)
    with app.extensions["retombees_sessions"].begin() as session:
        umbrella = session.get(Campaign, world["umbrella"])
        session.add(
            Coverage(
                url="https://example.org/today",
                title="Today",
                published_at=datetime(today.year, today.month, today.day, 12, tzinfo=UTC),
                medium=Medium.RADIO,
                status=CoverageStatus.CONFIRMED,
                campaign_links=[CoverageCampaign(campaign=umbrella)],
            )
        )
    html = management_client.get("/dashboard/").get_data(as_text=True)
    page = Tables(html)
    assert '<option value="j-ai-10-ans" selected>' in html  # not "autre", created first
    assert f'name="from" value="{today.year}-01-01"' in html
    assert f'name="to" value="{today.year}-12-31"' in html
    assert page.rows("tally")[tr(app, "Radio reports")][0] == "1"
    assert page.rows("tally")[tr(app, "Total")][0] == "1"  # the 2022 clips: not this year's
    assert f"campaign=j-ai-10-ans&amp;from={today.year}-01-01" in html  # export links too

    # Without any umbrella campaign: every campaign's coverage.
    with app.extensions["retombees_sessions"].begin() as session:
        session.get(Campaign, world["umbrella"]).active = False
    period = {"from": "2022-01-01", "to": "2022-12-31"}
    html = management_client.get("/dashboard/", query_string=period).get_data(as_text=True)
    assert '<option value="" selected>' in html
    assert Tables(html).rows("tally")[tr(app, "Total")][0] == "13"  # and the other campaign's
    assert f"{tr(app, 'All campaigns')} ·" in spaced(html)


def test_unknown_campaign_is_not_found(app, world, management_client):
    assert management_client.get("/dashboard/?campaign=nope").status_code == 404
    assert management_client.get("/dashboard/export/tally.csv?campaign=nope").status_code == 404
    assert management_client.get("/dashboard/export/nope.csv").status_code == 404
    assert management_client.get("/dashboard/export/tally.pdf").status_code == 404


NOT_A_DATE = "“%(value)s” is not a date: write it as YYYY-MM-DD."


@pytest.mark.parametrize(
    ("params", "message", "values"),
    [
        ({"from": "2022-13-01"}, NOT_A_DATE, {"value": "2022-13-01"}),
        ({"from": "2022-02-30"}, NOT_A_DATE, {"value": "2022-02-30"}),
        ({"from": "01/02/2022"}, NOT_A_DATE, {"value": "01/02/2022"}),
        ({"to": "20221231"}, NOT_A_DATE, {"value": "20221231"}),
        ({"from": "0001-01-01"}, "%(value)s is out of range.", {"value": "0001-01-01"}),
        (
            {"from": "2022-06-01", "to": "2022-01-31"},
            "The end of the period is before its start.",
            {},
        ),
        (
            {"from": "1990-01-01", "to": "2022-01-31"},
            "Choose a period of %(years)d years at most.",
            {"years": 10},
        ),
        (
            {"status": "everything"},
            "Unknown status “%(value)s”: choose confirmed or all.",
            {"value": "everything"},
        ),
    ],
)
def test_invalid_parameters_give_a_message(app, world, management_client, params, message, values):
    message = str(escape(tr(app, message, **values)))
    response = management_client.get("/dashboard/", query_string={"campaign": "", **params})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'role="alert"' in html
    assert 'id="table-tally"' not in html
    assert '<form method="get"' in html  # to correct it
    exported = management_client.get("/dashboard/export/tally.csv", query_string=params)
    assert exported.status_code == 400 and message in exported.get_data(as_text=True)


def test_management_can_view_and_export_and_anonymous_cannot(app, client, world):
    assert client.get("/dashboard/").status_code == 302  # to the login page
    assert client.get("/dashboard/export/tally.csv").status_code == 302
    add_user(app, "direction", Role.MANAGEMENT)
    login(client, "direction")
    assert client.get("/dashboard/", query_string=YEAR).status_code == 200
    for table in ("tally", "months", "scopes", "outlets", "messages", "comparison"):
        response = export(client, table, "csv", YEAR)
        assert response.content_type == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="retombees-j-ai-10-ans-2022-01-01-2022-12-31-{table}.csv"'
        )
        response = export(client, table, "xlsx", YEAR)
        assert response.mimetype.endswith("spreadsheetml.sheet")
        assert xlsx_rows(response.data)[0][0]  # a header row


def test_every_role_can_read_and_export(app, world):
    for role in Role:
        client = app.test_client()
        add_user(app, f"user-{role.value}", role)
        login(client, f"user-{role.value}")
        assert client.get("/dashboard/", query_string=YEAR).status_code == 200, role
        assert export(client, "tally", "xlsx", YEAR).data.startswith(b"PK"), role


def test_exports_are_excel_friendly_and_neutralise_formulas():
    headers = ["Outlet", "Clips", "AVE (EUR)", "Share"]
    rows = [
        ['=HYPERLINK("http://evil.example","x")', 3, 1234.5, Cell(0.25, Kind.SHARE)],
        ["+33 1 23", -2, -0.5, None],
        ["@SUM(A1)", 0, 1e-7, 0.1],
        ["\tTab", 1, 2.0, 0.0],
        ["Le Monde ; « édition »", 1, 1.0, 1.0],
    ]
    body = to_csv(headers, rows)
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0] == "Outlet;Clips;AVE (EUR);Share"
    parsed = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [r[0] for r in parsed[1:]] == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'+33 1 23",
        "'@SUM(A1)",
        "'\tTab",
        "Le Monde ; « édition »",
    ]
    assert parsed[1][1:] == ["3", "1234,5", "0,25"]
    assert parsed[2][1:] == ["-2", "-0,5", ""]  # negative numbers stay numbers
    assert parsed[3][2] == "0,0000001"

    kinds = [Kind.TEXT, Kind.INTEGER, Kind.EUROS, Kind.DECIMAL]
    sheet = openpyxl.load_workbook(
        io.BytesIO(to_xlsx("Top: outlets/2022", headers, rows, kinds))
    ).active
    assert sheet.title == "Top  outlets 2022"
    assert sheet["A2"].value == '=HYPERLINK("http://evil.example","x")'
    assert sheet["A2"].data_type == "s"  # a text, not a formula
    assert sheet["A1"].font.bold
    assert sheet["B2"].value == 3 and sheet["B2"].number_format == "#,##0"
    assert sheet["C2"].value == 1234.5 and "€" in sheet["C2"].number_format
    assert sheet["D2"].value == 0.25 and sheet["D2"].number_format == "0.0%"
    assert sheet.column_dimensions["A"].width > len("Outlet") + 2


def test_outlet_names_are_escaped_and_neutralised_in_exports(app, management_client):
    with app.extensions["retombees_sessions"].begin() as session:
        campaign = Campaign(slug="c", name="C")
        outlet = Outlet(name='=cmd|"/c calc"!A0 <script>x</script>', medium=Medium.WEB)
        session.add(
            Coverage(
                url="https://example.org/x",
                title="x",
                published_at=datetime(2022, 5, 1, 12, tzinfo=UTC),
                medium=Medium.WEB,
                outlet=outlet,
                status=CoverageStatus.CONFIRMED,
                campaign_links=[CoverageCampaign(campaign=campaign)],
            )
        )
    params = {"campaign": "c", "from": "2022-01-01", "to": "2022-12-31"}
    html = management_client.get("/dashboard/", query_string=params).get_data(as_text=True)
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    body = export(management_client, "outlets", "csv", params).data.decode("utf-8-sig")
    medium = tr(app, "Web")
    # Quoted by the CSV writer (it holds quotes), the apostrophe first inside the quotes.
    assert body.splitlines()[1] == f'"\'=cmd|""/c calc""!A0 <script>x</script>";{medium};1;0;0,0'
    sheet = xlsx_rows(export(management_client, "outlets", "xlsx", params).data)
    assert sheet[1][0] == '=cmd|"/c calc"!A0 <script>x</script>'  # a text cell: see exports


def test_messages_in_the_page_are_ranked(app, world, management_client):
    page = Tables(management_client.get("/dashboard/", query_string=YEAR).get_data(as_text=True))
    rows = page.tables["table-messages"]
    assert [row[0] for row in rows[1:]] == [PM, DT, tr(app, "Any key message")]
    assert rows[1][1:] == ["6", "50 %"] and rows[-1][1:] == ["8", "67 %"]


def test_a_period_without_coverage_shows_zeros_and_dashes(app, world, management_client):
    params = {"campaign": "j-ai-10-ans", "from": "2030-03-01", "to": "2030-05-31"}
    response = management_client.get("/dashboard/", query_string=params)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = Tables(html)
    assert page.rows("tally")[tr(app, "Total")] == ["0", "0", euros(app, 0)]
    assert [row[0] for row in page.tables["table-months"][1:-1]] == [
        "mars 2030",
        "avril 2030",
        "mai 2030",
    ]
    assert page.rows("comparison")[tr(app, "Clips")] == ["0", "0", "—"]
    assert page.ids["figure-tone_index"].startswith(f"{tr(app, 'Tone index')} —")
    assert '<rect class="bar"' not in html
    assert tr(app, "No coverage in this period.") in page.tables["table-outlets"][1][0]
    assert exported(management_client, "outlets", "csv", params)[1:] == []


def test_management_report_download_gives_the_figures_of_report_json(app, settings, world, client):
    """The dashboard's workbook: login and the export permission, the page's filters, the
    figures of `retombees report --json`."""
    path = "/dashboard/report.xlsx"
    response = client.get(path, query_string=YEAR)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    add_user(app, "direction", Role.MANAGEMENT)
    login(client, "direction")
    html = client.get("/dashboard/", query_string=YEAR).get_data(as_text=True)
    link = str(escape(f"{path}?campaign=j-ai-10-ans&from=2022-01-01&to=2022-12-31"))
    assert f'href="{link}&amp;status=confirmed"' in html
    assert tr(app, "Management report (XLSX)") in html

    for status in ("confirmed", "all"):
        report = report_2022(settings, status)
        response = client.get(path, query_string={**YEAR, "status": status})
        assert response.status_code == 200
        assert response.mimetype.endswith("spreadsheetml.sheet")
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="retombees-j-ai-10-ans-2022-01-01-2022-12-31-report.xlsx"'
        )
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        summary = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        assert summary[0][0] == settings.organisation_name
        tally = {row[0]: row[1:4] for row in summary[5:11]}
        media = report["value_by_medium"]
        for label, medium in zip(TALLY, MEDIA, strict=True):
            values = media[medium]
            assert tally[tr(app, label)] == [values["total"], values["reach"], values["ave_eur"]]
        assert tally[tr(app, "Total")] == [report["total"], report["reach"], report["ave_eur"]]
        months = [list(row) for row in book.worksheets[1].iter_rows(values_only=True)]
        assert months[-1][1:] == [
            *(report["by_medium"][m] for m in MEDIA),
            report["total"],
            report["reach"],
            report["ave_eur"],
        ]
        for key, values in report["by_month"].items():
            row = months[5 + int(key[5:]) - 1]
            assert row[6:] == [values["total"], values["reach"], values["ave_eur"]]

    # In the interface's language; bad filters are refused as on the page.
    client.get("/login?lang=en")
    book = openpyxl.load_workbook(io.BytesIO(client.get(path, query_string=YEAR).data))
    assert book.sheetnames[:2] == ["Summary", "By month"]
    response = client.get(path, query_string={**YEAR, "to": "2021-01-01"})
    assert response.status_code == 400
    assert client.get(path, query_string={"campaign": "nope"}).status_code == 404
