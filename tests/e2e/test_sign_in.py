"""A demo coordinator signs in with password and TOTP in a real browser; a wrong code is refused."""

import pytest

from abri.accounts.demo import DEMO_PASSWORD
from tests.e2e.conftest import click_and_load, demo_code, screenshot

pytestmark = pytest.mark.e2e


def password_step(page, base_url, username):
    page.goto(f"{base_url}/")
    assert "/login/" in page.url  # anonymous visitors land on the sign-in page
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    screenshot(page, "01-login")
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/login/verify/**")


def test_coordinator_signs_in_with_totp(page, live_server_url, demo_env):
    password_step(page, live_server_url, "coordination")
    screenshot(page, "02-second-factor")
    page.get_by_label("Code").fill(demo_code(demo_env, "coordination"))
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_url(f"{live_server_url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "À traiter maintenant"
    assert page.get_by_role("navigation", name="Navigation principale").is_visible()
    screenshot(page, "03-coordinator-home")
    # The skip link is the first thing the keyboard reaches.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    # English on a click.
    click_and_load(page.get_by_role("button", name="English"))
    assert page.get_by_role("heading", level=1).inner_text() == "What needs me now"
    screenshot(page, "04-coordinator-home-en")


def test_wrong_code_is_refused(page, live_server_url):
    password_step(page, live_server_url, "orienteur")
    page.get_by_label("Code").fill("000000")
    click_and_load(page.get_by_role("button", name="Vérifier"))
    assert "/login/verify/" in page.url
    assert page.get_by_text("Ce code n'est pas valable.").is_visible()
    screenshot(page, "05-wrong-code")
    page.goto(f"{live_server_url}/")
    assert "/login/verify/" in page.url  # still not signed in
