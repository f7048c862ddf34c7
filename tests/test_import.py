"""`retombees import`: coverage lists from a person or a clipping service, as a user meets them."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from cli.imports import import_command
from models import (
    Campaign,
    Coverage,
    CoverageOrigin,
    CoverageStatus,
    Medium,
    Outlet,
)
from models.bootstrap import bootstrap
from models.db import open_database
from models.importer import COLUMNS, RawRow, read_table, validate, validate_row
from models.manual import HandEntry, add_clip_by_hand
from models.registry import seed_outlets
from tests.conftest import FIXTURES, make_settings

IMPORTS = FIXTURES / "imports"
PRESS_TRIP = IMPORTS / "voyage-presse-2022.csv"
WITH_ERRORS = IMPORTS / "voyage-presse-2022-erreurs.csv"
PARIS = ZoneInfo("Europe/Paris")
HEADER = "date,outlet,title,medium,url,campaign\n"


@pytest.fixture
def database(any_settings):
    """The registry, the press-trip campaign and one partner, as an officer would have them."""
    engine, sessions = open_database(any_settings)
    with sessions.begin() as session:
        bootstrap(session, any_settings)
        seed_outlets(session)
        session.add(Campaign(slug="j-ai-10-ans", name="J'ai 10 ans", query="bassin minier"))
        session.add(
            Outlet(
                name="Pas-de-Calais Tourisme",
                medium=Medium.WEB,
                is_partner=True,
                domains=["pas-de-calais-tourisme.com"],
            )
        )
    yield any_settings, sessions
    engine.dispose()


@pytest.fixture
def sqlite_database(settings):
    """The same, on SQLite only, for the tests that do not depend on the database."""
    engine, sessions = open_database(settings)
    with sessions.begin() as session:
        bootstrap(session, settings)
        seed_outlets(session)
        session.add(Campaign(slug="j-ai-10-ans", name="J'ai 10 ans", query="bassin minier"))
    yield settings, sessions
    engine.dispose()


def run(settings, *args: str):
    return CliRunner().invoke(import_command, [str(a) for a in args], env=settings.to_env())


def clips(sessions) -> dict[str, Coverage]:
    """The stored clips by title, with their outlet and campaigns loaded."""
    with sessions() as session:
        found = session.scalars(select(Coverage)).all()
        for clip in found:
            _ = clip.outlet, clip.campaigns
        return {clip.title: clip for clip in found}


def count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def paris_day(clip: Coverage) -> tuple[date, time]:
    local = clip.published_at.astimezone(PARIS)
    return local.date(), local.time()


# -- The press trip, on SQLite and PostgreSQL ----------------------------------------------


def test_press_trip_clips_are_imported_confirmed_with_media_sizes_and_outlets(database):
    settings, sessions = database
    result = run(settings, PRESS_TRIP)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:6]] == [f"row {n}" for n in range(2, 8)]
    assert all(": imported: " in line for line in lines[:6])
    assert "imported 6, already there 0, invalid 0" in lines
    assert not any("new outlets" in line or "new campaigns" in line for line in lines)

    stored = clips(sessions)
    assert len(stored) == 6
    paper = stored["Bassin minier : dix ans après l'Unesco, le territoire a changé de regard"]
    assert paper.outlet.name == "La Voix du Nord" and paper.medium == Medium.PRESS
    assert (paper.page_fraction, paper.surface_cm2) == (0.5, 620)
    assert (paper.author, paper.programme) == ("Claire Dufour", "Région, p. 4")
    assert paper.url is None and len(paper.manual_key) == 64
    assert paris_day(paper) == (date(2022, 3, 16), time(0, 0))

    tv = stored["Dix ans de patrimoine mondial pour le Bassin minier"]
    # Named loosely in the file, found by the address of its replay.
    assert tv.outlet.name == "France 3 Hauts-de-France (ICI) – 19/20 regional edition"
    assert (tv.medium, tv.duration_s) == (Medium.TV, 95)
    later_tv = stored["Oignies, le 9-9bis raconté par les anciens mineurs"]
    assert later_tv.outlet.id == tv.outlet.id and later_tv.url is None

    radio = stored["Les terrils, nouveaux sommets du tourisme"]
    assert radio.outlet.name == "ICI Nord (ex-France Bleu Nord)"
    assert (radio.medium, radio.duration_s) == (Medium.RADIO, 200)  # written 3:20

    web = stored["Loos-en-Gohelle : les terrils jumeaux vus d'en haut"]
    assert web.medium == Medium.WEB and web.outlet.name == "La Voix du Nord"
    assert web.url == (
        "https://www.lavoixdunord.fr/1150001/article/2022-03-21/"
        "loos-en-gohelle-les-terrils-jumeaux-vus-d-en-haut"
    )

    partner = stored["Le Bassin minier fête ses dix ans au patrimoine mondial"]
    assert partner.medium == Medium.PARTNER and partner.outlet.is_partner

    for clip in stored.values():
        assert clip.status == CoverageStatus.CONFIRMED
        assert clip.origin == CoverageOrigin.IMPORT
        assert [c.slug for c in clip.campaigns] == ["j-ai-10-ans"]
    with sessions() as session:
        assert not session.scalar(
            select(func.count()).select_from(Outlet).where(Outlet.needs_review)
        )


def test_importing_the_same_file_again_adds_nothing(database):
    settings, sessions = database
    assert run(settings, PRESS_TRIP).exit_code == 0
    before = count(sessions, Coverage), count(sessions, Outlet), count(sessions, Campaign)
    again = run(settings, PRESS_TRIP)
    assert again.exit_code == 0, again.output
    assert again.stdout.count("already imported") == 6
    assert "imported 0, already there 6, invalid 0" in again.stdout
    assert (count(sessions, Coverage), count(sessions, Outlet), count(sessions, Campaign)) == before


def test_one_invalid_row_imports_nothing_and_says_which_and_why(database):
    settings, sessions = database
    result = run(settings, WITH_ERRORS)
    assert result.exit_code == 1
    assert 'row 3: date "31/02/2022" is not a date' in result.stdout
    assert 'row 4: medium "journal" is not one of press, tv, radio, web, partner' in result.stdout
    assert "row 5: page_fraction must be between 0 and 1" in result.stdout
    assert 'row 6: url "htp:/x" is not a web address' in result.stdout
    assert "row 7: title is empty" in result.stdout
    assert "imported 0, already there 0, invalid 5" in result.stdout
    assert "--skip-invalid" in result.stdout
    assert count(sessions, Coverage) == 0


# -- Options --------------------------------------------------------------------------------


def test_skip_invalid_imports_the_valid_rows_and_reports_the_others(sqlite_database):
    settings, sessions = sqlite_database
    result = run(settings, WITH_ERRORS, "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "imported 2, already there 0, invalid 5" in result.stdout
    assert 'row 3: date "31/02/2022" is not a date' in result.stdout
    assert set(clips(sessions)) == {
        "Bassin minier : dix ans après l'Unesco, le territoire a changé de regard",
        "Oignies, le 9-9bis raconté par les anciens mineurs",
    }


def test_dry_run_reports_what_would_happen_and_writes_nothing(sqlite_database, tmp_path):
    settings, sessions = sqlite_database
    path = tmp_path / "nouveaux.csv"
    path.write_text(HEADER + "2022-04-02,Radio Terril FM,Le 11/19 en direct,radio,,Rallye 2022\n")
    before = count(sessions, Outlet), count(sessions, Campaign)
    result = run(settings, PRESS_TRIP, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("would be imported") == 6
    assert "dry run, nothing written: would import 6" in result.stdout
    unknown = run(settings, path, "--dry-run")
    assert "new outlets (to review, not created yet): Radio Terril FM" in unknown.stdout
    assert count(sessions, Coverage) == 0
    assert (count(sessions, Outlet), count(sessions, Campaign)) == before


def test_json_report_is_one_object_even_on_a_new_database(tmp_path):
    # A new database prints its administrator password: not into the JSON.
    settings = make_settings(tmp_path, seed_example=True)
    result = run(settings, WITH_ERRORS, "--skip-invalid", "--json")
    assert result.exit_code == 0, result.output
    assert "Administrator created" in result.stderr
    report = json.loads(result.stdout)
    assert (report["imported"], report["already"], report["invalid"]) == (2, 0, 5)
    # The example brought the outlet registry, not the press-trip campaign.
    assert report["new_outlets"] == [] and report["new_campaigns"] == ["J'ai 10 ans"]
    first, second = report["rows"][:2]
    assert first["status"] == "imported" and first["row"] == 2
    engine, sessions = open_database(settings)
    with sessions() as session:
        assert session.get(Coverage, first["coverage_id"]).outlet.name == "La Voix du Nord"
    engine.dispose()
    assert second == {
        "row": 3,
        "status": "invalid",
        "message": 'date "31/02/2022" is not a date',
        "coverage_id": None,
    }


# -- Matching -------------------------------------------------------------------------------


def test_unknown_outlet_and_campaign_are_created_flagged_and_listed(sqlite_database, tmp_path):
    settings, sessions = sqlite_database
    path = tmp_path / "nouveaux.csv"
    path.write_text(
        HEADER
        + "2022-04-02,Radio Terril FM,Le 11/19 en direct du 9-9bis,radio,,Rallye des terrils 2022\n"
        + "2022-04-03,Radio Terril FM,Le 11/19 au Louvre-Lens,radio,,Rallye des terrils 2022\n"
        + "2022-04-04,Les Amis du 9-9bis,Rallye : les photos,partner,https://amis-99bis.fr/rallye,"
        + "Rallye des terrils 2022\n"
    )
    result = run(settings, path)
    assert result.exit_code == 0, result.output
    assert "new outlets (to review): Radio Terril FM, Les Amis du 9-9bis" in result.stdout
    assert "new campaigns (to review): Rallye des terrils 2022" in result.stdout
    with sessions() as session:
        radio = session.scalar(select(Outlet).where(Outlet.name == "Radio Terril FM"))
        assert (radio.medium, radio.is_partner, radio.needs_review) == (Medium.RADIO, False, True)
        friends = session.scalar(select(Outlet).where(Outlet.name == "Les Amis du 9-9bis"))
        assert (friends.medium, friends.is_partner, friends.needs_review) == (
            Medium.WEB,
            True,
            True,
        )
        rally = session.scalar(select(Campaign).where(Campaign.name == "Rallye des terrils 2022"))
        assert (rally.slug, rally.query, rally.needs_review) == (
            "rallye-des-terrils-2022",
            "",
            True,
        )
        assert len(rally.coverage_links) == 3
    # Known by now: a second file naming them creates nothing more.
    outlets = count(sessions, Outlet)
    path.write_text(
        HEADER + "2022-04-05,radio terril fm,Bilan du rallye,radio,,rallye-des-terrils-2022\n"
    )
    again = run(settings, path)
    assert "new outlets" not in again.stdout and "new campaigns" not in again.stdout
    assert again.exit_code == 0 and count(sessions, Outlet) == outlets


def test_a_clip_already_collected_by_the_crawler_is_already_stored(sqlite_database, tmp_path):
    settings, sessions = sqlite_database
    url = "https://www.lavoixdunord.fr/1150002/article/2022-03-25/lens-la-cite-9"
    with sessions.begin() as session:
        session.add(Coverage(url=url, title="Lens : la cité 9", status=CoverageStatus.NEW))
    path = tmp_path / "veille.csv"
    path.write_text(
        HEADER + f"25/03/2022,La Voix du Nord,Lens : la cité 9,web,{url}#top,J'ai 10 ans\n"
    )
    result = run(settings, path)
    assert result.exit_code == 0, result.output
    assert "row 2: already stored (crawl): coverage 1" in result.stdout
    assert count(sessions, Coverage) == 1


def test_the_same_clip_twice_in_a_file_is_imported_once(sqlite_database, tmp_path):
    settings, sessions = sqlite_database
    row = "2022-03-16,LA VOIX DU NORD,Les cités minières rénovées,press,,J'ai 10 ans\n"
    path = tmp_path / "doublon.csv"
    path.write_text(HEADER + row + row.replace("LA VOIX DU NORD", "La Voix du Nord"))
    result = run(settings, path)
    assert "row 3: same clip as row 2" in result.stdout
    assert count(sessions, Coverage) == 1


def test_a_clip_entered_by_hand_is_not_imported_again(sqlite_database, tmp_path):
    settings, sessions = sqlite_database
    with sessions.begin() as session:
        ici_nord = session.scalar(select(Outlet).where(Outlet.name.startswith("ICI Nord")))
        entry = HandEntry(outlet=ici_nord, day=date(2022, 3, 18), title="Les terrils du Nord")
        add_clip_by_hand(session, entry)
    path = tmp_path / "radio.csv"
    path.write_text(HEADER + "18/03/2022,ICI Nord,Les Terrils du Nord,radio,,J'ai 10 ans\n")
    result = run(settings, path)
    assert "row 2: already stored (manual): coverage 1" in result.stdout
    assert count(sessions, Coverage) == 1


def test_renaming_a_new_outlet_in_review_keeps_the_import_idempotent(sqlite_database, tmp_path):
    settings, sessions = sqlite_database
    path = tmp_path / "radio.csv"
    path.write_text(HEADER + "2022-04-02,Radio Terril FM,Le 11/19 au 9-9bis,radio,,J'ai 10 ans\n")
    assert run(settings, path).exit_code == 0
    with sessions.begin() as session:
        radio = session.scalar(select(Outlet).where(Outlet.name == "Radio Terril FM"))
        radio.name = "Radio Terril FM (Lens)"  # still matched by its name without the note
    again = run(settings, path)
    assert "row 2: already imported: coverage 1" in again.stdout
    assert "new outlets" not in again.stdout and count(sessions, Coverage) == 1


# -- Files as they come ---------------------------------------------------------------------


def test_french_excel_export_in_windows_1252_with_semicolons(sqlite_database):
    settings, sessions = sqlite_database
    result = run(settings, IMPORTS / "export-excel-cp1252.csv", "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "imported 4, already there 0, invalid 0" in result.stdout
    stored = clips(sessions)
    cite = stored["Liévin : la cité du 9 renaît après dix ans de travaux"]
    assert (cite.medium, cite.page_fraction, cite.surface_cm2) == (Medium.PRESS, 0.25, 310.5)
    assert cite.author == "Élodie Gaël" and cite.programme == "Lens, p. 12"
    assert paris_day(cite) == (date(2022, 3, 16), time(0, 0))
    weo = stored["Le Bassin minier, dix ans à l'Unesco"]
    assert (weo.outlet.name, weo.medium, weo.duration_s) == ("Wéo", Medium.TV, 120)
    assert weo.status == CoverageStatus.NEW  # "à valider": waits in the review inbox
    assert stored["Béthune : les terrils, « nouveaux sommets » du Nord"].page_fraction == 0.5
    partner = stored["Dix ans de patrimoine mondial : le programme"]
    assert partner.medium == Medium.PARTNER and partner.outlet.needs_review


def test_xlsx_with_real_date_cells(sqlite_database, tmp_path):
    settings, sessions = sqlite_database
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        ["Date", "Média", "Titre", "Média type", "URL", "Campagne", "Durée", "Commentaire"]
    )
    sheet.append(
        [
            datetime(2022, 3, 17),
            "Wéo",
            "Le Bassin minier à l'Unesco",
            "télé",
            None,
            "J'ai 10 ans",
            95,
        ]
    )
    sheet.append(
        [date(2022, 3, 30), "Nord Éclair", "Les terrils jumeaux", "presse", "", "J'ai 10 ans"]
    )
    sheet["A2"].number_format = sheet["A3"].number_format = "DD/MM/YYYY"
    path = tmp_path / "revue.xlsx"
    workbook.save(path)
    result = run(settings, path)
    assert result.exit_code == 0, result.output
    assert "ignored columns: Commentaire" in result.stdout
    stored = clips(sessions)
    weo = stored["Le Bassin minier à l'Unesco"]
    assert paris_day(weo) == (date(2022, 3, 17), time(0, 0)) and weo.duration_s == 95
    # Summer time: Paris midnight is 22:00 UTC the day before.
    terrils = stored["Les terrils jumeaux"]
    assert terrils.published_at.isoformat() == "2022-03-29T22:00:00+00:00"
    assert terrils.outlet.name == "Nord Éclair" and terrils.medium == Medium.PRESS


def test_missing_columns_are_named(sqlite_database):
    settings, sessions = sqlite_database
    result = run(settings, IMPORTS / "colonnes-manquantes.csv")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: colonnes-manquantes.csv: missing required columns: date, campaign"
    )


def _workbook_without_sheet(path):
    openpyxl.Workbook().save(path.with_suffix(".tmp"))
    with zipfile.ZipFile(path.with_suffix(".tmp")) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data)
            dst.writestr(item, data)


@pytest.mark.parametrize(
    ("name", "write", "message"),
    [
        ("vide.csv", lambda p: p.write_text(""), "vide.csv is empty"),
        ("blanc.csv", lambda p: p.write_text("\n;;\n"), "blanc.csv is empty"),
        ("entete.csv", lambda p: p.write_text(HEADER), "entete.csv has a header but no rows"),
        ("revue.xls", lambda p: p.write_bytes(b"\xd0\xcf"), "only .csv and .xlsx files"),
        ("absent.csv", lambda p: None, "cannot read"),
        ("faux.xlsx", lambda p: p.write_text(HEADER), "faux.xlsx is not a readable XLSX workbook"),
        ("sans-feuille.xlsx", _workbook_without_sheet, "sans-feuille.xlsx has no sheet"),
        ("classeur.csv", lambda p: openpyxl.Workbook().save(p), "name it .xlsx"),
    ],
)
def test_a_file_that_cannot_be_imported_gives_one_clear_line(
    sqlite_database, tmp_path, name, write, message
):
    settings, sessions = sqlite_database
    path = tmp_path / name
    write(path)
    result = run(settings, path)
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: ") and message in line
    assert count(sessions, Coverage) == 0


# -- Row checks -----------------------------------------------------------------------------

GOOD = {
    "date": "2022-03-16",
    "outlet": "La Voix du Nord",
    "title": "Les cités minières",
    "medium": "press",
    "url": None,
    "campaign": "J'ai 10 ans",
}


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"date": "2022-13-01"}, 'date "2022-13-01" is not a date'),
        ({"date": None}, "date is empty"),
        ({"outlet": None}, "outlet is empty"),
        ({"campaign": None}, "campaign is empty"),
        ({"medium": "web"}, "url is empty (required for web clips)"),
        ({"status": "publiée"}, 'status "publiée" is not one of confirmed, new, rejected'),
        ({"duration_s": "-5"}, "duration_s must be a positive number of seconds"),
        ({"duration_s": "1 min"}, 'duration_s "1 min" is not a number'),
        ({"page_fraction": "0"}, "page_fraction must be between 0 and 1"),
        ({"surface_cm2": "beaucoup"}, 'surface_cm2 "beaucoup" is not a number'),
        ({"url": "https://lavoixdunord"}, 'url "https://lavoixdunord" is not a web address'),
        ({"author": "x" * 301}, "author is longer than 300 characters"),
    ],
)
def test_each_problem_of_a_row_is_named(changes, error):
    result = validate_row(RawRow(9, {**GOOD, **changes}))
    assert result.row is None and result.errors == (error,)


@pytest.mark.parametrize(
    ("changes", "field", "value"),
    [
        ({"date": "1/3/2022"}, "published_on", date(2022, 3, 1)),
        ({"medium": "Télévision"}, "medium", Medium.TV),
        ({"medium": "PARTENAIRE", "url": "www.x.fr/a"}, "url", "https://www.x.fr/a"),
        ({"status": "Écartée"}, "status", CoverageStatus.REJECTED),
        ({"duration_s": "0:01:35"}, "duration_s", 95),
        ({"page_fraction": "25 %"}, "page_fraction", 0.25),
        ({"surface_cm2": "1 250,5"}, "surface_cm2", 1250.5),
    ],
)
def test_values_are_read_as_people_write_them(changes, field, value):
    result = validate_row(RawRow(2, {**GOOD, **changes}))
    assert result.errors == () and getattr(result.row, field) == value


def test_the_documented_columns_and_example_are_the_real_ones(tmp_path):
    doc = (FIXTURES.parent.parent / "docs" / "import.md").read_text(encoding="utf-8")
    for column in COLUMNS:
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{column.name}` |"))
        assert ("| yes" in row) == column.required, column.name
        assert all(f"`{alias}`" in row for alias in column.aliases), column.name
    example = tmp_path / "exemple.csv"
    example.write_text(re.search(r"```csv\n(.*?)```", doc, re.DOTALL).group(1))
    results = validate(read_table(example).rows)
    assert len(results) == 3 and all(result.row for result in results)
