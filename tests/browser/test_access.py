"""Logging in, and what each role sees, in a real browser."""

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD


def test_login_lands_on_the_review_in_french(page):
    page.goto("/review/")
    assert "/login" in page.url  # every page needs a login
    page.get_by_label("Nom d'utilisateur").fill("claire")
    page.get_by_label("Mot de passe").fill("not the password")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_text("Nom d'utilisateur inconnu ou mot de passe erroné").is_visible()
    log_in(page, "claire", PASSWORD)
    assert page.locator("h1").inner_text().startswith("Retombées à valider")
