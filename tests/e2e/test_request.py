"""The whole journey in the browser, for the four roles: a field worker files a request; the
coordinator accepts it and proposes from the engine's ranking; the shelter agrees; interview,
journey (each side sees its half), arrival, exit."""

import datetime

import pytest
from django.utils import timezone

from tests.e2e.conftest import click_and_load, manage_shell, screenshot
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
    click_and_load(page.get_by_role("button", name="Enregistrer et continuer"))
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
    click_and_load(row.get_by_role("link").first)
    assert coordinator.get_by_role("heading", level=1).inner_text().startswith(reference)
    screenshot(coordinator, "26-request-coordinator")

    # The coordinator accepts and asks the engine.
    click_and_load(coordinator.get_by_role("button", name="Accepter pour une recherche"))
    coordinator.get_by_role("link", name="Trouver un CHRS").click()
    coordinator.wait_for_url("**/find-a-shelter/")
    screenshot(coordinator, "27-find-a-shelter")
    first = coordinator.locator("ol.ranked li").first
    shelter_name = first.locator("h3 a").inner_text()
    first.locator("input[type=checkbox]").check()
    click_and_load(coordinator.get_by_role("button", name="Proposer aux CHRS cochés (un à trois)"))
    screenshot(coordinator, "28-proposed")
    request_url = coordinator.url

    # The shelter's staff answers from its inbox, seeing the anonymised profile only.
    staff_username = manage_shell(
        demo_env,
        (
            "from abri.accounts.models import User; from abri.network.models import Shelter; "
            f"s = Shelter.objects.get(name={shelter_name!r}); "
            "print(User.objects.filter(organisation_id=s.operator_id).order_by('username')[0].username)"
        ),
    )
    staff_context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    staff = staff_context.new_page()
    sign_in(staff, live_server_url, demo_env, staff_username)
    staff.goto(f"{live_server_url}/placements/")
    card = staff.locator("article.panel").filter(has_text=reference)
    assert "Grace" not in card.inner_text()
    screenshot(staff, "29-shelter-inbox")
    card.get_by_role("link", name="Répondre").click()
    click_and_load(staff.get_by_role("button", name="Donner un accord de principe"))
    assert "Grace" in staff.locator("main").inner_text()  # identity released once agreed
    proposal_url = staff.url

    # Interview, confirmation, journey.
    coordinator.goto(proposal_url)
    coordinator.get_by_label("Date et heure de l'entretien").fill(
        (datetime.datetime.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    )
    coordinator.get_by_label("Comment rejoindre (lien visio ou numéro de téléphone)").fill(
        "https://visio.example.invalid/x"
    )
    click_and_load(coordinator.get_by_role("button", name="Planifier"))
    staff.goto(proposal_url)
    click_and_load(staff.get_by_role("button", name="Confirmer l'admission"))
    coordinator.goto(proposal_url)
    coordinator.get_by_label("Date du voyage").fill(timezone.localdate().isoformat())
    coordinator.get_by_label("Gare ou lieu de départ").fill("Gare Saint-Laud (départ)")
    coordinator.get_by_label("Heure de départ").fill("09:12")
    coordinator.get_by_label("Gare ou lieu d'arrivée").fill("Gare d'arrivée (quai 3)")
    coordinator.get_by_label("Heure d'arrivée").fill("14:40")
    coordinator.get_by_label("Point de rendez-vous à l'arrivée").fill("Café de la gare, côté taxis")
    click_and_load(coordinator.get_by_role("button", name="Enregistrer le voyage"))
    screenshot(coordinator, "30-journey-planned")

    # The field worker sees the departure side, never the shelter or the arrival side.
    referrer_context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    referrer = referrer_context.new_page()
    sign_in(referrer, live_server_url, demo_env, "orienteur2")
    referrer.goto(request_url)
    page_text = referrer.locator("main").inner_text()
    assert "Gare Saint-Laud (départ)" in page_text
    assert shelter_name not in page_text and "Café de la gare" not in page_text and "quai 3" not in page_text
    screenshot(referrer, "31-referrer-departure")

    # Arrival, then exit.
    staff.goto(proposal_url)
    assert (
        "Café de la gare" in staff.locator("main").inner_text()
        and "Saint-Laud" not in staff.locator("main").inner_text()
    )
    click_and_load(staff.get_by_role("button", name="La personne est arrivée"))
    click_and_load(staff.get_by_role("link", name="Le séjour"))
    screenshot(staff, "32-stay")
    staff.get_by_label("Issue").select_option("housing")
    click_and_load(staff.get_by_role("button", name="Enregistrer la sortie"))
    coordinator.goto(request_url)
    assert "Clôturée" in coordinator.locator("main").inner_text()
    screenshot(coordinator, "33-closed-timeline")
    for ctx in (staff_context, referrer_context, coordinator_context):
        ctx.close()
