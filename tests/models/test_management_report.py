"""The management report workbook (and its CSV files): every figure equals the campaign
report's (`retombees report --json`) for the same arguments, on SQLite and PostgreSQL; French
by default, English on request; written by `retombees report --xlsx/--csv`."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime

import openpyxl
import pytest
from click.testing import CliRunner

from cli.report import report_command
from models import Campaign, Coverage, CoverageCampaign, CoverageStatus, Medium
from models.dashboard import month_by_medium, selection
from models.db import open_database
from models.reports import campaign_report
from models.valuation import ValuationRules
from tests.models.test_dashboard_queries import DT, PM, YEAR_2022, seed_world
from webapp.management_report import management_report, translations

MEDIA = ("press", "tv", "radio", "web", "partner")
SCOPES = ("local", "regional", "national", "specialised", "international", "unknown")
FR_MONTHS = (
    "Janvier",
    "Février",
    "Mars",
    "Avril",
    "Mai",
    "Juin",
    "Juillet",
    "Août",
    "Septembre",
    "Octobre",
    "Novembre",
    "Décembre",
)
ORGANISATION = "Mission Bassin Minier"


@pytest.fixture
def world(any_settings):
    engine, sessions = open_database(any_settings)
    with sessions.begin() as session:
        ids = seed_world(session)
    with sessions() as session:
        yield session, ids
    engine.dispose()


def workbook(body: bytes) -> openpyxl.Workbook:
    assert body.startswith(b"PK")
    return openpyxl.load_workbook(io.BytesIO(body))


def rows_of(sheet) -> list[list]:
    """The sheet's rows, trailing empty cells dropped."""
    rows = []
    for row in sheet.iter_rows(values_only=True):
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        rows.append(row)
    return rows


def section(rows: list[list], heading: str) -> tuple[list, list[list]]:
    """The header and the rows of the table under ``heading`` (down to the next empty row)."""
    start = next(i for i, row in enumerate(rows) if row == [heading])
    end = next((i for i in range(start + 2, len(rows)) if not rows[i]), len(rows))
    return rows[start + 1], rows[start + 2 : end]


def by_label(rows: list[list]) -> dict:
    return {row[0]: row[1:] for row in rows}


def fr(text: str) -> str:
    """A text as the French workbook writes it (in French once the catalogue has it)."""
    return translations("fr").gettext(text)


def build(session, campaign_id, *period, status=CoverageStatus.CONFIRMED, locale="fr"):
    return management_report(
        session,
        campaign_id,
        *period,
        status,
        ValuationRules(),
        locale=locale,
        organisation=ORGANISATION,
    )


def figures(report: dict) -> list:
    """A tally row's figures: clips by medium, total, reach, AVE."""
    media = report["value_by_medium"]
    return [
        *(media[m]["total"] for m in MEDIA),
        report["total"],
        report["reach"],
        report["ave_eur"],
    ]


@pytest.mark.parametrize("status", [CoverageStatus.CONFIRMED, None])
def test_every_figure_of_the_workbook_is_the_report_s(world, status):
    session, ids = world
    report = campaign_report(session, ids["umbrella"], *YEAR_2022, status)
    assert report["total"] == (12 if status else 14)
    made = build(session, ids["umbrella"], *YEAR_2022, status=status)
    book = workbook(made.xlsx())
    summary, months, campaigns, rules = (rows_of(sheet) for sheet in book.worksheets)

    # Summary: the tally by medium with reach and AVE, and the total.
    media = report["value_by_medium"]
    header, tally = section(summary, fr("Coverage by medium"))
    assert header == [fr("Medium"), fr("Clips"), fr("Reach"), fr("AVE (EUR)")]
    assert tally == [
        *(
            [fr(label), media[m]["total"], media[m]["reach"], media[m]["ave_eur"]]
            for label, m in zip(
                ("Press articles", "TV reports", "Radio reports", "Web coverage", "Partner relays"),
                MEDIA,
                strict=True,
            )
        ),
        [fr("Total"), report["total"], report["reach"], report["ave_eur"]],
    ]
    assert [row[1] for row in tally[:-1]] == [report["by_medium"][m] for m in MEDIA]

    # Key figures (AMEC): message penetration and tone index, with their notes.
    _, key = section(summary, fr("Key figures"))
    key = by_label(key)
    assert key[fr("Clips")] == [report["total"]]
    assert key[fr("Reach (potential contacts)")][0] == report["reach"]
    assert key[fr("Advertising value equivalence")][0] == report["ave_eur"]
    penetration = report["message_penetration"]
    assert key[fr("Message penetration")][0] == penetration["any"]
    assert key[fr("Tone index")][0] == report["tone_index"]
    assert str(penetration["clips_with_message"]) in key[fr("Message penetration")][1]
    reach_note = key[fr("Reach (potential contacts)")][1]
    assert reach_note.startswith(("Potential contacts, not deduplicated", "Contacts potentiels"))

    _, messages = section(summary, fr("Key messages"))
    assert messages == [
        [PM, penetration["by_message"][PM]["clips"], penetration["by_message"][PM]["share"]],
        [DT, penetration["by_message"][DT]["clips"], penetration["by_message"][DT]["share"]],
        [fr("Any key message"), penetration["clips_with_message"], penetration["any"]],
    ]
    _, scopes = section(summary, fr("Coverage by scope"))
    empty = {"total": 0, "reach": 0, "ave_eur": 0}
    assert [row[1:] for row in scopes] == [
        *(
            [v["total"], v["reach"], v["ave_eur"]]
            for v in (report["by_scope"].get(s, empty) for s in SCOPES)
        ),
        [report["total"], report["reach"], report["ave_eur"]],
    ]

    # By month: months as rows, media as columns, then clips, reach and AVE, a totals row.
    chosen = month_by_medium(session, selection(ids["umbrella"], *YEAR_2022, status))
    header, table = section(months, fr("Coverage by month"))
    assert header[0] == fr("Month") and header[-3:] == [fr("Total"), fr("Reach"), fr("AVE (EUR)")]
    assert [row[0] for row in table] == [f"{m} 2022" for m in FR_MONTHS] + [fr("Total")]
    for number, row in enumerate(table[:-1], start=1):
        key = f"2022-{number:02d}"
        counts = chosen.get(key, dict.fromkeys(MEDIA, 0))
        values = report["by_month"].get(key, empty)
        assert row[1:] == [
            *(counts[m] for m in MEDIA),
            values["total"],
            values["reach"],
            values["ave_eur"],
        ]
        assert sum(row[1:6]) == row[6]  # the media add up to the month
    assert table[-1][1:] == figures(report)
    assert sum(row[6] for row in table[:-1]) == report["total"]

    # By campaign: the umbrella first, its sub-campaign under it, each with its own report.
    child = campaign_report(session, ids["voyage"], *YEAR_2022, status)
    header, table = section(campaigns, fr("Coverage by campaign"))
    assert header[:2] == [fr("Campaign"), fr("Umbrella campaign")]
    assert header[-2:] == [fr("Message penetration"), fr("Tone index")]
    assert table == [
        [
            "J'ai 10 ans",
            None,
            *figures(report),
            penetration["any"],
            report["tone_index"],
        ],
        [
            "Voyage de presse 2022",
            "J'ai 10 ans",
            *figures(child),
            child["message_penetration"]["any"],
            child["tone_index"],
        ],
    ]
    sheet = book.worksheets[2]
    assert sheet["A7"].value == "Voyage de presse 2022" and sheet["A7"].alignment.indent > 0
    assert not sheet["A6"].alignment.indent

    # Rules and warnings: the inputs the reader must know.
    _, counted = section(rules, fr("Coverage counted"))
    assert by_label(counted)[fr("Campaign")] == ["J'ai 10 ans (j-ai-10-ans)"]
    _, valuation = section(rules, fr("Valuation rules"))
    assert {row[2]: row[1] for row in valuation} == {
        f"RETOMBEES_{'AVE_MULTIPLIER' if k == 'multiplier' else k.upper()}": v
        for k, v in report["rules"].items()
    }
    _, rest = section(rules, fr("What the figures rest on"))
    assert [row[1] for row in rest] == [
        report["total"],
        report["valued"]["reach"],
        report["valued"]["ave"],
        report["valued"]["overridden"],
        report["estimated_share"]["reach"],
        report["estimated_share"]["ave"],
    ]
    assert report["warnings"]
    warnings = rules[rules.index([fr("Warnings")]) + 1 :]
    assert warnings == [[w] for w in report["warnings"]]


def test_numbers_stay_numbers_with_formats_and_headers_stay_in_view(world):
    session, ids = world
    book = workbook(build(session, ids["umbrella"], *YEAR_2022).xlsx())
    summary, months = book.worksheets[0], book.worksheets[1]
    assert summary["A1"].value == ORGANISATION and summary["A1"].font.bold
    assert "du 1 janvier 2022 au 31 décembre 2022" in summary["A2"].value
    assert summary["A5"].value == fr("Medium") and summary["A5"].font.bold
    press = summary["A6"].value == fr("Press articles")
    assert press and summary["B6"].number_format == "#,##0"
    assert summary["C6"].number_format == "#,##0" and isinstance(summary["C6"].value, int)
    assert "€" in summary["D6"].number_format and isinstance(summary["D6"].value, int | float)
    assert summary.freeze_panes == "A3"
    assert months.freeze_panes == "B6"  # the headers and the month column stay in view
    assert months["A6"].value == "Janvier 2022"
    assert months["I6"].value == 18_000 and "€" in months["I6"].number_format
    assert months["A18"].font.bold  # the totals row
    assert months.column_dimensions["A"].width >= len("Septembre 2022")
    rows = rows_of(summary)
    share = next(i for i, row in enumerate(rows, 1) if row[:1] == [fr("Message penetration")])
    assert summary[f"B{share}"].number_format == "0.0%"
    assert summary[f"B{share + 1}"].number_format == "+0.00;-0.00;0.00"  # the tone index


def test_french_by_default_and_english_on_request(world):
    session, ids = world
    french = workbook(
        management_report(session, ids["umbrella"], *YEAR_2022, organisation=ORGANISATION).xlsx()
    )
    catalogue = translations("fr")
    assert french.sheetnames == [
        catalogue.pgettext("management report", "Summary"),
        catalogue.gettext("By month"),
        catalogue.gettext("By campaign"),
        catalogue.gettext("Rules and warnings"),
    ]
    rows = rows_of(french.worksheets[0])
    assert ["Retombées par média"] in rows
    assert ["Média", "Retombées", "Contacts potentiels", "EP (EUR)"] in rows
    assert rows[5][0] == "Articles de presse"
    assert rows[1][0].endswith(
        "J'ai 10 ans · du 1 janvier 2022 au 31 décembre 2022 · retombées validées"
    )

    english = workbook(build(session, ids["umbrella"], *YEAR_2022, locale="en").xlsx())
    assert english.sheetnames == ["Summary", "By month", "By campaign", "Rules and warnings"]
    rows = rows_of(english.worksheets[0])
    assert ["Medium", "Clips", "Reach", "AVE (EUR)"] in rows
    assert [row[0] for row in rows[5:11]] == [
        "Press articles",
        "TV reports",
        "Radio reports",
        "Web coverage",
        "Partner relays",
        "Total",
    ]
    assert rows[1][0] == (
        "Summary — J'ai 10 ans · 1 January 2022 to 31 December 2022 · confirmed coverage"
    )
    assert rows_of(english.worksheets[1])[5][0] == "January 2022"
    with pytest.raises(ValueError, match="Unknown language"):
        build(session, ids["umbrella"], *YEAR_2022, locale="de")


def test_campaigns_of_the_period_umbrellas_first(world):
    session, ids = world
    # An active campaign planned in the period, without clips yet: listed, with zeros; an
    # old one without clips in the period: not listed; a sub-campaign with clips of an
    # archived umbrella: listed under it.
    session.add(Campaign(slug="prevue", name="Prévue", start_date=date(2022, 10, 1)))
    session.add(Campaign(slug="ancienne", name="Ancienne", end_date=date(2019, 12, 31)))
    archived = Campaign(slug="archive", name="Archive", active=False)
    session.add(
        Coverage(
            url="https://example.org/archive",
            title="Archived",
            published_at=datetime(2022, 5, 2, 9, tzinfo=UTC),
            medium=Medium.RADIO,
            reach=1_000,
            ave_eur=100.0,
            status=CoverageStatus.CONFIRMED,
            campaign_links=[
                CoverageCampaign(
                    campaign=Campaign(slug="projet", name="Projet", parent=archived, active=False)
                )
            ],
        )
    )
    session.flush()
    report = campaign_report(session, None, *YEAR_2022)
    book = workbook(build(session, None, *YEAR_2022).xlsx())
    _, table = section(rows_of(book.worksheets[2]), fr("Coverage by campaign"))
    names = [row[0] for row in table]
    assert names == [
        "Archive",
        "Projet",
        "Autre campagne",
        "J'ai 10 ans",
        "Voyage de presse 2022",
        "Prévue",
        fr("All campaigns"),
    ]
    table = by_label(table)
    for slug, name in (("archive", "Archive"), ("projet", "Projet"), ("autre", "Autre campagne")):
        campaign_id = session.query(Campaign).filter_by(slug=slug).one().id
        own = campaign_report(session, campaign_id, *YEAR_2022)
        assert table[name][1:9] == figures(own)
    assert table["Projet"][0] == "Archive"
    assert table["Prévue"][1:9] == [0] * 8
    assert table[fr("All campaigns")][1:9] == figures(report)


def test_months_without_a_period_run_from_the_first_clip_to_the_last(world):
    session, ids = world
    session.add(
        Coverage(
            url="https://example.org/undated",
            title="Undated",
            medium=Medium.WEB,
            status=CoverageStatus.CONFIRMED,
            campaign_links=[CoverageCampaign(campaign=session.get(Campaign, ids["umbrella"]))],
        )
    )
    session.flush()
    report = campaign_report(session, ids["umbrella"])
    assert "undated" in report["by_month"]
    book = workbook(build(session, ids["umbrella"], None, None, locale="en").xlsx())
    _, table = section(rows_of(book.worksheets[1]), "Coverage by month")
    labels = [row[0] for row in table]
    # March 2021 to January 2023, every month, then the clips without a date.
    assert labels[0] == "March 2021" and labels[-3:] == ["January 2023", "Undated", "Total"]
    assert len(labels) == 23 + 2
    assert table[-2][6:] == [1, 0, 0]
    assert table[-1][1:] == figures(report)
    assert sum(row[6] for row in table[:-1]) == report["total"]
    assert "… to …" in rows_of(book.worksheets[0])[1][0]


def csv_rows(body: bytes) -> list[list]:
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


def same_rows(csv_table: list[list], xlsx_table: list[list]) -> bool:
    trimmed = []
    for row in csv_table:
        while row and row[-1] is None:
            row = row[:-1]
        trimmed.append(row)
    return trimmed == xlsx_table


def test_csv_files_hold_the_sheets(world):
    session, ids = world
    made = build(session, ids["umbrella"], *YEAR_2022)
    files = made.csv_files()
    assert list(files) == ["summary.csv", "months.csv", "campaigns.csv", "rules.csv"]
    book = workbook(made.xlsx())
    for body, sheet in zip(files.values(), book.worksheets, strict=True):
        assert same_rows(csv_rows(body), rows_of(sheet))
    text = files["months.csv"].decode("utf-8-sig")
    assert "Janvier 2022;1;0;0;0;0;1;1057901;18000,0" in text.splitlines()
    assert "Mars 2022;1;1;1;1;0;4;1309631;18787,82" in text.splitlines()


# -- The command line -----------------------------------------------------------------------


def run(settings, *args: str):
    result = CliRunner().invoke(report_command, list(args), env=settings.to_env())
    assert result.exit_code == 0, result.output
    return result


YEAR_ARGS = ("--campaign", "j-ai-10-ans", "--from", "2022-01-01", "--to", "2022-12-31")


def test_cli_writes_the_workbook_and_keeps_its_json(any_settings, world, tmp_path):
    target = tmp_path / "bilan-2022.xlsx"
    alone = json.loads(run(any_settings, *YEAR_ARGS, "--json").stdout)
    result = run(any_settings, *YEAR_ARGS, "--json", "--xlsx", str(target))
    assert json.loads(result.stdout) == alone  # the same JSON object, and nothing else
    book = workbook(target.read_bytes())
    summary = rows_of(book.worksheets[0])
    _, tally = section(summary, fr("Coverage by medium"))
    assert tally[-1] == [fr("Total"), alone["total"], alone["reach"], alone["ave_eur"]]
    _, months = section(rows_of(book.worksheets[1]), fr("Coverage by month"))
    assert months[-1][1:] == figures(alone)
    _, key = section(summary, fr("Key figures"))
    key = by_label(key)
    assert key[fr("Message penetration")][0] == alone["message_penetration"]["any"]
    assert key[fr("Tone index")][0] == alone["tone_index"]

    # Without --json: a line per file written; --lang en for an English workbook.
    result = run(any_settings, *YEAR_ARGS, "--xlsx", str(target), "--lang", "en")
    assert result.stdout.strip().endswith(f"Workbook written: {target}")
    assert workbook(target.read_bytes()).sheetnames[0] == "Summary"


def test_cli_writes_one_csv_per_sheet(any_settings, world, tmp_path):
    folder = tmp_path / "bilan"
    report = json.loads(run(any_settings, *YEAR_ARGS, "--json").stdout)
    result = run(any_settings, *YEAR_ARGS, "--csv", str(folder), "--status", "confirmed")
    names = ["summary.csv", "months.csv", "campaigns.csv", "rules.csv"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)
    for name in names:
        assert f"CSV written: {folder / name}" in result.stdout
    months = csv_rows((folder / "months.csv").read_bytes())
    assert months[0] == [ORGANISATION]
    total = months[-1]
    assert total[0] == fr("Total") and total[1:] == figures(report)
    campaigns = csv_rows((folder / "campaigns.csv").read_bytes())
    assert campaigns[5][:2] == ["J'ai 10 ans", None]
    assert campaigns[5][2:10] == figures(report)


def test_cli_refuses_an_unknown_language(any_settings, world, tmp_path):
    result = CliRunner().invoke(
        report_command,
        [*YEAR_ARGS, "--xlsx", str(tmp_path / "x.xlsx"), "--lang", "de"],
        env=any_settings.to_env(),
    )
    assert result.exit_code == 2 and not (tmp_path / "x.xlsx").exists()
