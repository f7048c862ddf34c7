"""``retombees pressbook``: the press book written to a file from the command line."""

from __future__ import annotations

import io
import json

from click.testing import CliRunner
from docx import Document
from pypdf import PdfReader

from cli.main import main
from models.db import open_database
from tests.models.test_pressbook import PRESS_TEXT, SLUG, docx_text, flat, pdf_text, seed_press_book


def run(settings, *args):
    return CliRunner().invoke(main, ["pressbook", *args], env=settings.to_env())


def seeded(settings):
    engine, sessions = open_database(settings)
    seed_press_book(sessions)
    engine.dispose()


def test_the_command_writes_the_pdf(settings, tmp_path):
    seeded(settings)
    output = tmp_path / "revue.pdf"
    result = run(
        settings, "--campaign", SLUG, "--from", "2025-03-01", "--to", "2025-04-30",
        "--format", "pdf", "--output", str(output), "--lang", "en",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Press book written to" in result.output and "5 entries for 7 clips" in result.output
    reader = PdfReader(output)
    assert len(reader.pages) >= 4
    text = pdf_text(output.read_bytes())
    assert flat("1 March 2025 to 30 April 2025") in text
    assert flat(PRESS_TEXT) not in text


def test_the_command_writes_the_docx_with_the_full_text(settings, tmp_path):
    seeded(settings)
    output = tmp_path / "revue.docx"
    result = run(settings, "--campaign", SLUG, "--output", str(output), "--full-text", "--json")
    assert result.exit_code == 0, result.output
    written = json.loads(result.output.strip().splitlines()[-1])
    assert written["format"] == "docx" and written["file"] == str(output)  # from the extension
    assert written["clips"] == 8  # no period: the June clip too
    Document(io.BytesIO(output.read_bytes()))
    assert flat(PRESS_TEXT) in docx_text(output.read_bytes())


def test_an_unknown_campaign_is_a_clear_error(settings, tmp_path):
    seeded(settings)
    output = tmp_path / "revue.pdf"
    result = run(settings, "--campaign", "nope", "--output", str(output))
    assert result.exit_code != 0
    assert "No campaign has the slug 'nope'." in result.output
    assert not output.exists()


def test_a_period_ending_before_it_starts_is_refused(settings, tmp_path):
    result = run(settings, "--from", "2025-04-01", "--to", "2025-03-01", "-o", str(tmp_path / "x"))
    assert result.exit_code == 2 and "--to is before --from" in result.output
