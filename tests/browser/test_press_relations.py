"""The agency's press relations in a real browser: a journalist into the press file, a press
trip with that journalist present, and what management may not open."""

from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot


def test_the_agency_logs_a_press_trip_with_a_journalist_present(page):
    log_in(page, "agence")
    page.get_by_role("link", name="Fichier presse").click()
    page.goto("/contacts/new")
    page.locator("#first_name").fill("Hélène")
    page.locator("#last_name").fill("Dupré")
    page.locator("#email").fill("helene.dupre@example.org")
    page.locator("#legal_basis").select_option("legitimate")
    page.locator("#data_source").fill("Carte de visite, voyage de presse 2022")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("h1")).to_contain_text("Hélène Dupré")

    page.goto("/actions/new")
    page.locator("#kind").select_option("press_trip")
    page.locator("#title").fill("Voyage de presse : dix ans au patrimoine mondial")
    page.locator("#day").fill("2022-03-15")
    page.locator("input[name=attended]").first.check()
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("h1")).to_contain_text("Voyage de presse : dix ans")
    expect(page.locator("main")).to_contain_text("Hélène Dupré")
    screenshot(page, "press-action")


def test_management_has_no_press_file(page):
    log_in(page, "direction")
    assert page.get_by_role("link", name="Fichier presse").count() == 0
    assert page.goto("/contacts/").status == 403
    assert page.goto("/actions/").status == 403
