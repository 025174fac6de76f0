"""The coordinator records who attended a session, downloads the certificate, and sees which
shelters need training."""

import pytest

from tests.e2e.conftest import click_and_load, screenshot
from tests.e2e.test_network import sign_in

pytestmark = pytest.mark.e2e


def test_coordinator_registers_an_attendee_and_sees_shelters_needing_training(
    browser, live_server_url, demo_env
):
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    sign_in(page, live_server_url, demo_env, "coordination")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Formations"
    ).click()
    page.wait_for_url("**/training/")
    screenshot(page, "60-training-sessions")
    page.locator("section[aria-labelledby=past-title] table tbody a").first.click()
    page.wait_for_url("**/training/sessions/**")
    page.get_by_label("Nom complet").fill("Jeanne Exemple")
    click_and_load(page.get_by_role("button", name="Inscrire"))
    assert page.locator("#id_organisation_name_errors").is_visible()
    page.get_by_label("Son organisation").fill("Mairie de Nice (démo)")
    click_and_load(page.get_by_role("button", name="Inscrire"))
    row = page.locator("table.attendance tbody tr").filter(has_text="Jeanne Exemple")
    assert row.count() == 1
    screenshot(page, "61-training-session")
    with page.expect_download() as download:
        row.get_by_role("link", name="PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")

    page.goto(f"{live_server_url}/training/shelters/")
    alert = page.locator(".alert-line").inner_text()
    assert "CHRS" in alert
    needing = page.locator("tr.row-late").count()
    assert 8 <= needing <= 12
    page.get_by_label("Seulement les CHRS à former").check()
    click_and_load(page.get_by_role("button", name="Filtrer"))
    assert page.locator("table.training-status tbody tr").count() == needing
    screenshot(page, "62-training-shelters")
    context.close()
