"""A shelter worker updates availability; the coordinator's board shows it at once."""

import datetime

import pytest
from django.utils import timezone

from abri.accounts.demo import DEMO_PASSWORD
from tests.e2e.conftest import click_and_load, demo_code, screenshot

pytestmark = pytest.mark.e2e


def sign_in(page, base_url, env, username):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/login/verify/**")
    page.get_by_label("Code").fill(demo_code(env, username))
    with page.expect_navigation():
        page.get_by_role("button", name="Vérifier").click()
    if "/login/verify/" in page.url:
        # The code was refused (its window closed on a loaded machine): a person types the next one.
        page.get_by_label("Code").fill(demo_code(env, username))
        page.get_by_role("button", name="Vérifier").click()
    page.wait_for_url(f"{base_url}/")


def free_on_board(page, base_url, shelter_path):
    page.goto(f"{base_url}/network/")
    row = page.locator("table tbody tr").filter(has=page.locator(f'a[href="{shelter_path}"]'))
    return row.locator("strong.free").inner_text()


def test_shelter_availability_reaches_the_coordinators_board(browser, live_server_url, demo_env):
    staff_context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    staff = staff_context.new_page()
    sign_in(staff, live_server_url, demo_env, "chrs")
    staff.get_by_role("main").get_by_role("link").first.click()
    staff.wait_for_url("**/network/shelters/**")
    shelter_path = staff.url.removeprefix(live_server_url)
    before = int(staff.locator("#free-places").inner_text())
    dedicated_text = staff.locator(".big-figure").inner_text()
    assert before >= 1, dedicated_text

    coordinator_context = browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 900})
    coordinator = coordinator_context.new_page()
    sign_in(coordinator, live_server_url, demo_env, "admin")
    assert int(free_on_board(coordinator, live_server_url, shelter_path)) == before
    screenshot(coordinator, "10-network-board-before")

    staff.get_by_label("Nombre de places").fill("1")
    staff.get_by_label("Motif").fill("Travaux dans la chambre")
    staff.get_by_label("Indisponible jusqu'au").fill(
        (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    )
    click_and_load(staff.get_by_role("button", name="Marquer indisponible"))
    assert int(staff.locator("#free-places").inner_text()) == before - 1
    screenshot(staff, "11-shelter-availability")

    assert int(free_on_board(coordinator, live_server_url, shelter_path)) == before - 1
    screenshot(coordinator, "12-network-board-after")
    staff_context.close()
    coordinator_context.close()
