"""The outlet registry: rate cards read from the shipped CSV, and the CSV round trip."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from cli.registry import registry_command
from models import Coverage, Medium, Outlet, RateCard
from models.base import RateKind, Scope
from models.bootstrap import bootstrap
from models.db import open_database
from models.registry import (
    REGISTRY_CSV,
    confidence_flags,
    medium_of_type,
    rate_kind_of_unit,
    read_registry,
    seed_outlets,
)
from models.registry_io import export_registry, import_registry

OUTLETS = {outlet.name: outlet for outlet in read_registry()}


def only_card(name: str) -> RateCard:
    (card,) = OUTLETS[name].rate_cards
    return card


def test_every_outlet_of_the_shipped_registry_has_its_rate_card():
    with REGISTRY_CSV.open(encoding="utf-8") as fh:
        names = [row["name"] for row in csv.DictReader(fh)]
    assert list(OUTLETS) == names
    assert all(len(outlet.rate_cards) == 1 for outlet in OUTLETS.values())


def test_rate_cards_are_dated_sourced_and_flagged():
    page = only_card("La Voix du Nord")
    assert (page.kind, page.price_eur, page.year) == (RateKind.PAGE, 18_000, 2024)
    assert (page.valid_from, page.valid_to) == (date(2024, 1, 1), None)
    assert page.estimated and page.source.startswith("ESTIMATED: scaled from Ouest-France")
    assert page.unit_note == "full page colour, all editions, gross EUR excl. VAT"
    monde = only_card("Le Monde")  # rate=FOUND(2012)
    assert (monde.price_eur, monde.valid_from, monde.estimated) == (
        115_000,
        date(2012, 1, 1),
        False,
    )
    spot = only_card("TF1 – JT 13H")
    assert (spot.kind, spot.price_eur) == (RateKind.SPOT_30S, 40_000)
    cpm = only_card("20 Minutes Lille")
    assert (cpm.kind, cpm.price_eur) == (RateKind.CPM, 10)
    assert only_card("Wéo").valid_from == date(2025, 1, 1)


def test_a_half_page_price_becomes_a_page_price_and_says_so():
    card = only_card("Ouest-France (benchmark)")
    # 7 500 € quoted for a half page (Rennes edition, about 2008): 7 500 ÷ 0.5 = 15 000 € a page.
    assert (card.kind, card.price_eur) == (RateKind.PAGE, 15_000)
    assert card.unit_note.startswith("half page, one departmental edition (Rennes)")
    assert "page price = 7500 EUR quoted ÷ 0.5 = 15000 EUR" in card.unit_note
    assert card.estimated is False


def test_audience_flags_and_readers_per_copy_follow_the_sources():
    assert OUTLETS["La Voix du Nord"].audience_estimated is False  # FOUND(2020)
    assert OUTLETS["Courrier picard"].audience_estimated is True
    # "audience=ESTIMATED(national FOUND)": the regional share is an estimate.
    assert OUTLETS["France 3 Hauts-de-France (ICI) – 19/20 regional edition"].audience_estimated
    # Only the research notes' per-title ratios; Libération's is a range (11-15), left out.
    ratios = {name: o.readers_per_copy for name, o in OUTLETS.items() if o.readers_per_copy}
    assert ratios == {"La Voix du Nord": 5.3, "Le Monde": 9.0, "Le Figaro": 6.0}


def test_a_percentage_audience_is_not_taken_for_a_head_count():
    delta = OUTLETS["Delta FM"]
    assert delta.audience is None
    assert delta.audience_unit == "30.3 % daily reach in the Dunkerque area (Médialocales)"


def test_units_and_types_are_read():
    assert rate_kind_of_unit("CPM gross EUR on routard.com") == (RateKind.CPM, 1.0)
    assert rate_kind_of_unit("30-second spot, gross EUR") == (RateKind.SPOT_30S, 1.0)
    assert rate_kind_of_unit("quarter page, gross") == (RateKind.PAGE, 0.25)
    assert rate_kind_of_unit("per cm², gross") == (RateKind.CM2, 1.0)
    assert rate_kind_of_unit("per column") is None
    assert confidence_flags("audience=FOUND(2019);rate=ESTIMATED") == (False, True)
    assert confidence_flags(None) == (False, False)
    assert medium_of_type("guidebook+web") == Medium.WEB
    assert medium_of_type("tv") == Medium.TV and medium_of_type("print_weekly") == Medium.PRESS


@pytest.fixture
def database(any_settings):
    engine, sessions = open_database(any_settings)
    with sessions.begin() as session:
        bootstrap(session, any_settings)
        seed_outlets(session)
    yield any_settings, sessions
    engine.dispose()


def stored(sessions) -> dict[str, Outlet]:
    with sessions() as session:
        query = select(Outlet).options(selectinload(Outlet.rate_cards))
        return {o.name: o for o in session.scalars(query)}


def test_seeded_outlets_have_their_rate_cards(database):
    _settings, sessions = database
    outlets = stored(sessions)
    assert len(outlets) == len(OUTLETS)
    card = outlets["France Inter"].rate_cards[0]
    assert (card.kind, card.price_eur, card.valid_from) == (
        RateKind.SPOT_30S,
        5000,
        date(2024, 1, 1),
    )
    assert outlets["Le Figaro"].readers_per_copy == 6.0


def test_the_shipped_file_and_an_export_import_again_without_change(database, tmp_path):
    _settings, sessions = database
    with sessions.begin() as session:
        again = import_registry(session, REGISTRY_CSV)
    assert not again.changed and again.unchanged == len(OUTLETS) and not again.errors
    exported = tmp_path / "registry.csv"
    with sessions() as session:
        assert export_registry(session, exported) == len(OUTLETS)
    with sessions.begin() as session:
        round_trip = import_registry(session, exported)
    assert not round_trip.changed, round_trip.as_json()
    assert round_trip.unchanged == len(OUTLETS)


def edit(path, change) -> None:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        fieldnames, rows = reader.fieldnames, list(reader)
    rows = change(rows)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)


def test_an_edited_export_changes_what_was_edited_and_reports_it(database, tmp_path):
    _settings, sessions = database
    path = tmp_path / "registry.csv"
    with sessions() as session:
        export_registry(session, path)

    def change(rows):
        by_name = {row["name"]: row for row in rows}
        by_name["La Voix du Nord"]["ad_rate_eur"] = "17500"
        by_name["Nord Éclair"]["audience"] = "12000"
        by_name["Nord Éclair"]["audience_year"] = "2023"
        rate_2025 = dict(
            by_name["La Voix du Nord"],
            ad_rate_eur="19000",
            ad_rate_year="2025",
            rate_valid_from="2025-01-01",
            rate_estimated="false",
        )
        newcomer = dict(
            by_name["Va-infos"],
            name="Lens Infos",
            domain="lens-infos.fr",
            audience="20000",
            scope="local",
        )
        return [r for r in rows if r["name"] != "Croix du Nord"] + [rate_2025, newcomer]

    edit(path, change)
    with sessions.begin() as session:
        changes = import_registry(session, path)
    assert changes.added == ["Lens Infos"]
    assert changes.updated == {"Nord Éclair": ["audience", "audience_year"]}
    assert changes.rates_updated == ["La Voix du Nord: page 17500 EUR from 2024-01-01 (price_eur)"]
    assert changes.rates_added == [
        "La Voix du Nord: page 19000 EUR from 2025-01-01",
        "Lens Infos: cpm 5 EUR from 2024-01-01",
    ]
    assert "updated outlet: Nord Éclair (audience, audience_year)" in changes.lines()
    outlets = stored(sessions)
    prices = sorted(
        (c.valid_from, c.price_eur, c.estimated) for c in outlets["La Voix du Nord"].rate_cards
    )
    assert prices == [(date(2024, 1, 1), 17_500, True), (date(2025, 1, 1), 19_000, False)]
    assert outlets["Lens Infos"].scope == Scope.LOCAL
    assert "Croix du Nord" in outlets  # absent from the file: kept

    with sessions.begin() as session:
        assert not import_registry(session, path).changed  # the same file again: nothing

    edit(path, lambda rows: [r for r in rows if r["ad_rate_year"] != "2025"])
    with sessions.begin() as session:
        kept = import_registry(session, path)
        assert not kept.changed  # a rate the file no longer lists stays, unless pruned
        pruned = import_registry(session, path, prune=True)
    assert pruned.rates_removed == ["La Voix du Nord: page 19000 EUR from 2025-01-01"]
    assert len(stored(sessions)["La Voix du Nord"].rate_cards) == 1


def test_unreadable_rows_are_skipped_and_reported(database, tmp_path):
    _settings, sessions = database
    path = tmp_path / "bad.csv"
    path.write_text(
        "name,medium,scope,audience,audience_unit,ad_rate_eur,ad_rate_unit,ad_rate_year\n"
        "Radio Lens,radio_local,local,1000,daily listeners,50,per column,2024\n"
        "Télé Béthune,tv_local_channel,planetary,5000,viewers/week,90,30-second spot,2024\n"
        "Le Lensois,print_weekly,local,4000,copies/week,700,full page,2024\n",
        encoding="utf-8",
    )
    with sessions.begin() as session:
        changes = import_registry(session, path)
    assert changes.added == ["Le Lensois"]
    assert changes.errors == [
        "row 2 (Radio Lens): ad_rate_unit 'per column' names no page, cm², 30-second spot or CPM",
        "row 3 (Télé Béthune): scope 'planetary' is not one of local, regional, national, "
        "specialised, international",
    ]


def test_registry_commands_export_import_and_revalue(database, tmp_path):
    settings, sessions = database
    with sessions.begin() as session:
        outlet = session.scalar(select(Outlet).where(Outlet.name == "RTL"))
        session.add(
            Coverage(title="Dix ans d'Unesco", outlet=outlet, medium=Medium.RADIO, duration_s=60)
        )
    runner = CliRunner()
    path = tmp_path / "out.csv"
    result = runner.invoke(registry_command, ["export", str(path)], env=settings.to_env())
    assert result.exit_code == 0, result.output
    assert f"{len(OUTLETS)} rows written" in result.output
    edit(
        path, lambda rows: [dict(r, ad_rate_eur="4500") if r["name"] == "RTL" else r for r in rows]
    )
    dry = runner.invoke(registry_command, ["import", "--dry-run", str(path)], env=settings.to_env())
    assert "updated rate: RTL: spot_30s 4500 EUR from 2024-01-01 (price_eur)" in dry.output
    assert "dry run: nothing written" in dry.output
    result = runner.invoke(registry_command, ["import", str(path)], env=settings.to_env())
    assert result.exit_code == 0, result.output
    assert "1 clip valued again" in result.output
    with sessions() as session:
        clip = session.scalar(select(Coverage))
        assert clip.ave_eur == 9000.0  # 60 s ÷ 30 × 4 500 €
    result = runner.invoke(registry_command, ["revalue"], env=settings.to_env())
    assert result.exit_code == 0 and "1 clip valued again" in result.output
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(RateCard)) == len(OUTLETS)
