"""The day's work in a real browser: keyboard triage, the dashboard against the report, an
export, and what management may not do. Screenshots of the main pages land in
docs/screenshots/."""

from __future__ import annotations

import csv
import io
import json
import re

from click.testing import CliRunner
from playwright.sync_api import expect
from sqlalchemy import select

from cli.report import report_command
from models import Coverage, CoverageStatus
from tests.browser.conftest import INBOX_TITLES, UMBRELLA, log_in, screenshot

YEAR = "from=2022-01-01&to=2022-12-31"


def digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def statuses(live) -> dict[str, CoverageStatus]:
    with live.app.extensions["retombees_sessions"]() as session:
        rows = session.execute(
            select(Coverage.title, Coverage.status).where(Coverage.title.in_(INBOX_TITLES))
        )
        return dict(rows.all())


def test_keyboard_triage_of_the_morning_inbox(page, live):
    log_in(page, "claire")
    remaining = page.locator("#remaining")
    expect(remaining).to_have_text("6")
    screenshot(page, "review")
    cards = page.locator("li.card")
    first, second = (cards.nth(i).locator("h2").inner_text() for i in range(2))

    page.keyboard.press("j")  # the first card
    expect(cards.first).to_be_focused()
    page.keyboard.press("c")  # confirm it
    expect(remaining).to_have_text("5")
    page.keyboard.press("r")  # focus went to the next one: reject it
    expect(remaining).to_have_text("4")
    assert statuses(live)[first] == CoverageStatus.CONFIRMED
    assert statuses(live)[second] == CoverageStatus.REJECTED

    page.keyboard.press("u")  # undo the rejection
    expect(remaining).to_have_text("5")
    assert statuses(live)[second] == CoverageStatus.NEW

    page.keyboard.press("?")  # the list of shortcuts
    expect(page.locator("dialog#shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("dialog#shortcuts")).to_be_hidden()

    page.reload()  # the decisions were saved, not only shown
    expect(remaining).to_have_text("5")
    assert first not in page.locator("#cards").inner_text()


def cli_report(live) -> dict:
    settings = live.app.extensions["retombees_settings"]
    result = CliRunner().invoke(
        report_command,
        ["--campaign", UMBRELLA, "--from", "2022-01-01", "--to", "2022-12-31", "--json"],
        env=settings.to_env(),
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.index("{") :])


def test_dashboard_shows_the_report_figures_and_exports_them(page, live):
    report = cli_report(live)
    assert report["total"] == 34
    log_in(page, "direction")
    page.goto(f"/dashboard/?campaign={UMBRELLA}&{YEAR}")
    assert digits(page.locator("#figure-total .value").inner_text()) == report["total"]
    assert digits(page.locator("#figure-reach .value").inner_text()) == report["reach"]
    assert digits(page.locator("#figure-ave_eur .value").inner_text()) == round(report["ave_eur"])
    tally = page.locator("#table-tally tbody tr")
    shown = [digits(tally.nth(i).locator("td").first.inner_text()) for i in range(5)]
    assert shown == list(report["by_medium"].values())
    assert page.locator("svg rect").count() > 0  # the month-by-medium chart, drawn on the server
    screenshot(page, "dashboard")

    with page.expect_download() as download:
        page.locator("#tally ~ .downloads a", has_text="CSV").first.click()
    path = download.value.path()
    rows = list(csv.reader(io.StringIO(open(path, encoding="utf-8-sig").read()), delimiter=";"))
    counts = [int(row[1]) for row in rows[1:6]]
    assert counts == list(report["by_medium"].values())


def test_management_reads_but_cannot_act(page, live):
    log_in(page, "direction")
    expect(page.locator("li.card").first).to_be_visible()
    assert page.locator("[data-action=confirm]").count() == 0
    clip_id = page.locator("li.card").first.get_attribute("data-clip-id")
    status = page.evaluate(
        """async (id) => {
            const token = document.querySelector('input[name=csrf_token]').value;
            const response = await fetch(`/review/${id}/confirm`, {method: 'POST',
                headers: {'X-CSRFToken': token, 'Accept': 'application/json'}});
            return response.status;
        }""",
        clip_id,
    )
    assert status == 403
    page.goto(f"/coverage/{clip_id}")
    expect(page.locator("h1")).to_be_visible()
    assert page.locator("a[href$='/edit']").count() == 0
    response = page.goto("/campaigns/new")
    assert response.status == 403


def test_screenshots_of_the_other_main_pages(page, live):
    log_in(page, "claire")
    clip_id = page.locator("li.card").first.get_attribute("data-clip-id")
    page.goto(f"/coverage/{clip_id}")
    screenshot(page, "clip")
    page.goto("/coverage/?q=terrils")
    expect(page.locator("table")).to_be_visible()
    screenshot(page, "search")
    page.goto(f"/campaigns/{UMBRELLA}/edit")
    page.locator("textarea[name=query]").fill('"bassin minier" AND (terrils OR Unesco)')
    expect(page.locator("#query-preview")).to_contain_text("terrils", timeout=5000)
    screenshot(page, "campaign-edit")
    page.goto("/sources/")
    screenshot(page, "sources")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto("/review/")
    screenshot(page, "review-phone")
