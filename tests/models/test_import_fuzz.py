"""Fuzzing the coverage import (``models.importer``) and the contact import
(``models.contact_io``) with hypothesis.

Whatever the file (random cells, ``,`` ``;`` or tab, a byte-order mark, UTF-8, Windows-1252 or
UTF-16, missing and extra columns, formulas, huge cells, an empty or a binary file, a
workbook with cells of every type), an import either refuses the whole file with one clear
sentence (``ImportFileError``, ``ContactFileError``) or accounts for every row: imported (or
already there), or refused with its reasons. Good rows are never lost among bad ones, and no
other exception escapes. Each example runs in a transaction that is rolled back.
"""

from __future__ import annotations

import codecs
import csv
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from models import Contact, Coverage, CoverageOrigin
from models.contact_io import RowStatus as ContactStatus
from models.contact_io import import_contacts
from models.contact_rows import ContactFileError, read_contact_file
from models.importer import (
    COLUMNS,
    ImportFileError,
    RowStatus,
    import_table,
    read_table,
    validate_row,
)

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HEADER = [column.name for column in COLUMNS]
CONTACT_HEADER = ["first_name", "last_name", "email", "outlet", "legal_basis", "notes"]

# -- Files as people make them ----------------------------------------------------------------

# Cells: anything, some of it familiar to spreadsheets (formulas, separators, quotes, BOMs).
CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            '=HYPERLINK("http://x";"x")',
            "=1/0",
            "+33 3 21 00 00 00",
            "@SUM(A1)",
            '"',
            ";",
            ",",
            "\t",
            "\r\n",
            "\ufeff",
            "x" * 5000,
            "2022-02-30",
            "31/12/1899",
            "presse",
            "web",
            "nan",
            "-0",
            "1e400",
            "3:99",
        ]
    ),
)
DIALECTS = st.sampled_from([",", ";", "\t"])
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])


def encode_csv(rows: list[list[str]], delimiter: str, encoding: str, newline: str) -> bytes:
    """The rows as a spreadsheet saves them; characters the encoding lacks become "?".

    The writer quotes a cell holding a line break only if the break is in ``newline``: with
    "\\n", a cell ending in "\\r" is cut in two, as in a damaged file (good rows use "\\r\\n").
    """
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buffer.getvalue().encode(encoding, "replace")


@st.composite
def tables(draw, header: list[str]) -> list[list[str]]:
    """A header with columns dropped (not often), shuffled or added; rows of any width."""
    columns = list(header)
    if draw(st.integers(0, 3)) == 0:
        columns = draw(st.lists(st.sampled_from(header), unique=True, max_size=len(header)))
    columns += draw(st.lists(st.sampled_from(["", "extra", "Titre", "date"]), max_size=2))
    columns = draw(st.permutations(columns)) if columns else columns
    width = st.integers(0, len(columns) + 2)
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=draw(width)), max_size=6))
    return [list(columns), *rows]


@st.composite
def csv_files(draw, header: list[str]) -> bytes:
    """A CSV file: a table written in some dialect, or bytes that are not one."""
    kind = draw(st.sampled_from(["table", "table", "table", "bytes", "empty", "workbook"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "empty":
        return draw(st.sampled_from([b"", b"\n\n", b"\xef\xbb\xbf", b" ;; \r\n"]))
    if kind == "workbook":
        return b"PK\x03\x04" + draw(st.binary(max_size=50))
    rows = draw(tables(header))
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    return encode_csv(rows, draw(DIALECTS), draw(ENCODINGS), newline)


# -- Coverage: every row accounted for --------------------------------------------------------


def clips(session) -> int:
    return session.scalar(select(func.count()).select_from(Coverage))


def check_coverage_report(session, table, report, before: int) -> None:
    """Every row has one outcome, the refused ones their reasons, the imported ones a clip."""
    assert [line.row for line in report.rows] == [row.number for row in table.rows]
    counts = {status: report.count(status) for status in RowStatus}
    assert sum(counts.values()) == len(table.rows)
    for line, raw in zip(report.rows, table.rows, strict=True):
        assert isinstance(line.message, str) and line.message
        invalid = validate_row(raw).row is None
        assert (line.status == RowStatus.INVALID) == invalid
        if line.status == RowStatus.IMPORTED:
            clip = session.get(Coverage, line.coverage_id)
            assert clip is not None and clip.origin == CoverageOrigin.IMPORT
    assert clips(session) == before + counts[RowStatus.IMPORTED]


def import_file(session, path, data: bytes, *, skip_invalid: bool = True):
    """Read and import ``data``; None when the whole file is refused, which must say why."""
    path.write_bytes(data)
    try:
        table = read_table(path)
    except ImportFileError as error:
        message = str(error)
        assert message and "\n" not in message and path.name in message
        return None, None
    return table, import_table(session, table, skip_invalid=skip_invalid)


@FUZZ
@given(csv_files(HEADER))
@example(codecs.BOM_UTF16_LE + b"d\x00a")  # cut UTF-16: UnicodeDecodeError escaped
# NUL in a cell: refused the whole file (UTF-8) or reached PostgreSQL, which refused it (UTF-16)
@example(b"date,outlet,title,medium,url,campaign\n1/1/2022,O,T,press,,C\n1/1/2022,O,\x00,tv,,C\n")
@example("date,outlet,title,medium,url,campaign\n1/1/2022,O,T\x00,press,,C\n".encode("utf-16"))
@example(b"date,outlet,title,medium,url,campaign,duration_s\n1/1/2022,O,T,tv,,C,1e30\n")
def test_any_csv_is_refused_clearly_or_every_row_is_accounted_for(sessions, tmp_path, data):
    with sessions() as session:
        before = clips(session)
        table, report = import_file(session, tmp_path / "retombees.csv", data)
        event("refused" if report is None else f"read, {len(table.rows)} rows")
        if report is not None:
            check_coverage_report(session, table, report, before)
        session.rollback()


# Rows built valid: a day, an outlet, a title (formulas and huge titles too), a medium.
GOOD_TITLE = st.one_of(
    # NUL is dropped from cells: a title of NULs alone would be empty.
    st.text(st.characters(exclude_characters="\x00"), min_size=1, max_size=40).filter(
        lambda t: t.split()
    ),
    st.sampled_from(["=SUM(A1:A9)", "Les terrils " * 500, "« Cités minières » ; l'été"]),
)
DAYS = st.dates(date(1900, 1, 1), date(2100, 12, 31))


@st.composite
def good_rows(draw, n: int) -> list[str]:
    day = draw(DAYS)
    written = draw(st.sampled_from([day.isoformat(), day.strftime("%d/%m/%Y")]))
    medium = draw(st.sampled_from(["press", "Presse", "tv", "radio", "web", "partenaire"]))
    url = f"https://www.example.fr/clip-{n}"  # every row a clip of its own
    outlet = draw(st.sampled_from(["La Voix du Nord", "France 3", "Nord Éclair"]))
    campaign = draw(st.sampled_from(["J'ai 10 ans", "Voyage de presse"]))
    return [written, outlet, draw(GOOD_TITLE), medium, url, campaign]


@settings(FUZZ, max_examples=30)
@given(st.data(), DIALECTS, ENCODINGS)
def test_good_rows_among_bad_ones_are_all_imported(any_sessions, tmp_path, data, sep, encoding):
    count = data.draw(st.integers(1, 4), label="good rows")
    good = [data.draw(good_rows(n), label=f"good row {n}") for n in range(count)]
    bad = data.draw(st.lists(st.lists(CELL, min_size=6, max_size=6), max_size=4), label="bad")
    rows = data.draw(st.permutations(good + bad), label="order")
    if encoding == "cp1252":  # what Windows-1252 cannot write would be a "?" in the file
        good = [row for row in good if _encodes(row, encoding)]
    content = encode_csv([HEADER[:6], *rows], sep, encoding, "\r\n")
    with any_sessions() as session:
        table, report = import_file(session, tmp_path / "retombees.csv", content)
        assert report is not None  # a file with a proper header and good rows is read
        check_coverage_report(session, table, report, 0)
        imported = {
            session.get(Coverage, line.coverage_id).url
            for line in report.rows
            if line.status == RowStatus.IMPORTED
        }
        assert {row[4] for row in good} <= imported
        session.rollback()


def _encodes(cells: list[str], encoding: str) -> bool:
    try:
        "".join(cells).encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


@settings(FUZZ, max_examples=30)
@given(st.data())
def test_one_bad_row_blocks_the_import_and_writes_nothing(sessions, tmp_path, data):
    good = [data.draw(good_rows(n)) for n in range(data.draw(st.integers(1, 3)))]
    bad = ["2022-13-45", "", "", "papyrus", "", ""]  # wrong date, no outlet or title, medium
    rows = data.draw(st.permutations([*good, bad]))
    content = encode_csv([HEADER[:6], *rows], ";", "utf-8", "\r\n")
    with sessions() as session:
        table, report = import_file(
            session, tmp_path / "retombees.csv", content, skip_invalid=False
        )
        assert report.blocked and not report.written
        assert report.count(RowStatus.INVALID) == 1 and report.count(RowStatus.IMPORTED) == 0
        assert report.count(RowStatus.WOULD_IMPORT) == len(good)
        session.flush()
        assert clips(session) == 0
        session.rollback()


# -- Coverage: workbooks with cells of every type ---------------------------------------------

XLSX_CELL = st.one_of(
    CELL.map(lambda text: "".join(c for c in text if c.isprintable() or c in "\t\n")),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(date(1900, 3, 1), date(9999, 12, 31)),
    st.datetimes(datetime(1900, 3, 1), datetime(9999, 12, 31)),
    st.times(),
    st.timedeltas(timedelta(0), timedelta(days=3000)),
    st.sampled_from(["=1/0", "=NOW()", "=A1", None]),
)


@settings(FUZZ, max_examples=40)
@given(st.lists(st.lists(XLSX_CELL, max_size=8), max_size=5), st.permutations(HEADER))
def test_any_workbook_is_refused_clearly_or_every_row_is_accounted_for(
    sessions, tmp_path, rows, header
):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [list(header), *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    with sessions() as session:
        table, report = import_file(session, tmp_path / "retombees.xlsx", buffer.getvalue())
        event("refused" if report is None else f"read, {len(table.rows)} rows")
        if report is not None:
            check_coverage_report(session, table, report, 0)
        session.rollback()


# -- Contacts: every row accounted for ------------------------------------------------------


def contacts(session) -> int:
    return session.scalar(select(func.count()).select_from(Contact))


def check_contact_report(session, table, report) -> None:
    assert [line.number for line in report.rows] == [number for number, _ in table.rows]
    assert sum(report.counts.values()) == len(table.rows)
    for line in report.rows:
        assert (line.status == ContactStatus.ERROR) == bool(line.errors)
        assert all(isinstance(error, str) and error for error in line.errors)
        if line.status in (ContactStatus.CREATED, ContactStatus.MERGED):
            assert session.get(Contact, line.contact_id) is not None
    assert contacts(session) == report.count(ContactStatus.CREATED)


def import_contact_bytes(session, data: bytes):
    try:
        table = read_contact_file("presse.csv", data)
    except ContactFileError as error:
        assert str(error) and "\n" not in str(error)
        return None, None
    report = import_contacts(session, table, today=date(2026, 11, 14))
    session.flush()
    return table, report


@FUZZ
@given(csv_files(CONTACT_HEADER))
@example(codecs.BOM_UTF16_BE + b"\xd8\x00")  # a lone surrogate: UnicodeDecodeError escaped
@example("first_name;last_name;legal_basis\nA\x00;B;consent\n".encode("utf-16"))
def test_any_contact_file_is_refused_clearly_or_every_row_is_accounted_for(sessions, data):
    with sessions() as session:
        table, report = import_contact_bytes(session, data)
        event("refused" if report is None else f"read, {len(table.rows)} rows")
        if report is not None:
            check_contact_report(session, table, report)
        session.rollback()


NAMES = st.text(st.characters(categories=["L", "Zs", "Pd"]), min_size=1, max_size=30).filter(
    lambda t: t.strip()
)


@st.composite
def good_contacts(draw, n: int) -> list[str]:
    first, last = draw(NAMES), draw(NAMES)
    basis = draw(st.sampled_from(["legitimate", "consentement", "Intérêt légitime", "contract"]))
    notes = draw(st.sampled_from(["", "=1+1", "ligne 1\nligne 2", "x" * 3000]))
    return [first, last, f"personne{n}@example.fr", "", basis, notes]


@settings(FUZZ, max_examples=30)
@given(st.data(), DIALECTS, st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_good_contacts_among_bad_rows_are_all_created(any_sessions, data, sep, encoding):
    good = [data.draw(good_contacts(n)) for n in range(data.draw(st.integers(1, 4)))]
    bad = data.draw(st.lists(st.lists(CELL, min_size=6, max_size=6), max_size=4), label="bad")
    bad = [row for row in bad if "@example.fr" not in "".join(row)]  # not namesakes of good
    rows = data.draw(st.permutations(good + bad), label="order")
    content = encode_csv([CONTACT_HEADER, *rows], sep, encoding, "\r\n")
    with any_sessions() as session:
        table, report = import_contact_bytes(session, content)
        assert report is not None
        check_contact_report(session, table, report)
        emails = set(session.scalars(select(Contact.email)))
        assert {row[2] for row in good} <= emails
        session.rollback()


@pytest.mark.parametrize(
    "data",
    [codecs.BOM_UTF16_LE + b"d\x00a", codecs.BOM_UTF16_LE + b"\x00\xd8a\x00"],
    ids=["cut", "lone-surrogate"],
)
def test_damaged_utf16_files_are_refused_with_a_sentence(tmp_path, data):
    """Found by fuzzing: a cut "Unicode text" export raised UnicodeDecodeError (a 500)."""
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    with pytest.raises(ImportFileError, match="export.csv is damaged UTF-16 text"):
        read_table(path)
    with pytest.raises(ContactFileError, match="damaged UTF-16 text"):
        read_contact_file("export.csv", data)


def test_a_duration_beyond_the_database_is_refused_not_a_crash(sessions, tmp_path):
    """Found by fuzzing: "1e30" seconds passed the checks, then overflowed the integer column."""
    content = b"date,outlet,title,medium,url,campaign,duration_s\n1/1/2022,O,T,tv,,C,1e30\n"
    with sessions() as session:
        _table, report = import_file(session, tmp_path / "f.csv", content)
        (line,) = report.rows
        assert line.status == RowStatus.INVALID and line.message == "duration_s is too large"
