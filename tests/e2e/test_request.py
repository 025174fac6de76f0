"""A field worker files a request from start to submit; the coordinator sees it in the worklist."""

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_network import sign_in

pytestmark = pytest.mark.e2e


def test_referrer_files_and_coordinator_sees_it(browser, live_server_url, demo_env):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server_url, demo_env, "orienteur2")
    page.get_by_role("link", name="Nouvelle demande").first.click()
    page.get_by_role("button", name="Commencer la demande").click()
    page.wait_for_url("**/step/1/")
    reference = page.locator(".crumb").inner_text().split(" · ")[0]
    page.get_by_label("Prénom").fill("Grace")
    page.get_by_label("Nom", exact=True).fill("Démo")
    page.get_by_label("Âge approximatif").fill("23")
    page.get_by_label("Femme").check()
    page.get_by_label("anglais").check()
    screenshot(page, "20-request-step-person")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url("**/step/2/")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url("**/step/3/")
    page.get_by_label("Urgent : sous quelques jours").check()
    page.get_by_label("La situation en quelques mots").fill("Menacée par le réseau qui l'hébergeait.")
    page.get_by_label("Exploitation sexuelle").check()
    page.get_by_label("Zones de danger : départements").select_option(["13", "83"])
    screenshot(page, "21-request-step-situation")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url("**/step/4/")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url("**/step/5/")
    # Without the person's agreement, the step is refused with the reason next to the field.
    page.get_by_role("button", name="Enregistrer et continuer").click()
    assert page.locator(".field-invalid").count() >= 1
    screenshot(page, "22-request-consent-missing")
    page.get_by_label("La personne accepte d'être orientée vers le réseau et de partir loin").check()
    page.get_by_label("Langue de l'explication").select_option("en")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url("**/step/6/")
    screenshot(page, "23-request-review")
    page.get_by_role("button", name="Envoyer la demande aux coordinateur·rices").click()
    page.wait_for_url("**/requests/*/")
    screenshot(page, "24-request-sent-referrer")
    context.close()

    coordinator_context = browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 900})
    coordinator = coordinator_context.new_page()
    sign_in(coordinator, live_server_url, demo_env, "coordination")
    coordinator.goto(f"{live_server_url}/requests/?sort=newest")
    row = coordinator.locator("table tbody tr").filter(has_text=reference)
    assert row.count() == 1
    screenshot(coordinator, "25-worklist")
    row.get_by_role("link").first.click()
    coordinator.wait_for_load_state()
    assert coordinator.get_by_role("heading", level=1).inner_text().startswith(reference)
    screenshot(coordinator, "26-request-coordinator")
    coordinator_context.close()
