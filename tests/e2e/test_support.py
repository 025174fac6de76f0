"""In the browser: a shelter worker records a proceeding and its hearing; a support partner sees
its own people only, and never the shelter of a placed person it follows."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from tests.e2e.conftest import click_and_load, manage_shell, screenshot
from tests.e2e.test_network import sign_in

pytestmark = pytest.mark.e2e


def test_shelter_records_a_hearing_and_partner_sees_its_own_people(browser, live_server_url, demo_env):
    base = live_server_url
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, demo_env, "chrs")
    page.get_by_role("link", name="Accompagnement").click()
    page.wait_for_url(f"{base}/support/")
    rows = page.locator("table tbody tr a")
    assert rows.count() == 1  # the shelter's one current resident, nobody else
    reference = rows.first.inner_text()
    rows.first.click()
    page.wait_for_url(re.compile(r".*/support/people/[0-9a-f-]+/$"))
    record_url = page.url

    # A new proceeding: the complaint filed last month.
    page.get_by_role("link", name="Ajouter une procédure").click()
    page.get_by_label("Infraction").select_option("forced_labour")
    page.get_by_label("Plainte déposée le").fill(
        (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    )
    page.get_by_label("Où la plainte a été déposée").fill("Commissariat (fictif)")
    page.get_by_label("Stade").select_option("trial")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(record_url)

    # Its trial, in three weeks: a wrong court first (empty), then right.
    new_case = page.locator("article.case").filter(has_text="Commissariat (fictif)")
    new_case.get_by_role("link", name="Ajouter une audience").click()
    page.get_by_label("Type d'audience").select_option("trial")
    when = datetime.datetime.now().replace(second=0, microsecond=0) + datetime.timedelta(days=21)
    page.get_by_label("Date et heure").fill(when.strftime("%Y-%m-%dT09:30"))
    click_and_load(page.get_by_role("button", name="Enregistrer"))
    assert page.locator(".errors").first.is_visible()  # the court is required, named next to its field
    screenshot(page, "support-hearing-error")
    page.get_by_label("Tribunal").fill("Tribunal correctionnel de Lyon")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(record_url)
    new_case = page.locator("article.case").filter(has_text="Commissariat (fictif)")
    assert new_case.get_by_text("Tribunal correctionnel de Lyon").is_visible()
    screenshot(page, "support-record-shelter")

    page.goto(f"{base}/support/calendar/")
    assert page.get_by_text("Tribunal correctionnel de Lyon").first.is_visible()
    assert reference in page.content()
    screenshot(page, "support-calendar")
    context.close()

    # The partner: exactly the people its organisation follows.
    partner = (
        "from abri.support.models import SupportFollow as F; from abri.placements.models import Stay; "
        "from abri.accounts.models import User; org = User.objects.get(username='partenaire').organisation; "
    )
    expected = manage_shell(
        demo_env,
        partner + "print(F.objects.filter(organisation=org, ended_on__isnull=True)"
        ".values('person').distinct().count())",
    )
    foreign = manage_shell(
        demo_env,
        partner
        + "print(F.objects.exclude(organisation=org).exclude(person__support_follows__organisation=org)"
        ".select_related('person').first().person.reference)",
    )
    placed = manage_shell(
        demo_env,
        partner
        + "s = Stay.objects.filter(ended_on__isnull=True, request__person__support_follows__organisation=org)"
        ".select_related('shelter').first(); "
        "print(f'{s.request.person_id}|{s.shelter.name}|{s.shelter.commune}')",
    )
    person_id, shelter_name, town = placed.split("|")
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, demo_env, "partenaire")
    page.goto(f"{base}/support/")
    assert page.locator("table tbody tr").count() == int(expected)
    assert foreign not in page.content()
    screenshot(page, "support-partner-people")
    page.goto(f"{base}/support/people/{person_id}/")
    content = page.content()
    assert "Hébergé·e dans le réseau" in content
    assert shelter_name not in content and town not in content
    screenshot(page, "support-record-partner")
    # Another partner's person answers "not found", as if it did not exist.
    other = manage_shell(
        demo_env,
        partner
        + "print(F.objects.exclude(organisation=org).exclude(person__support_follows__organisation=org)"
        ".first().person_id)",
    )
    response = page.goto(f"{base}/support/people/{other}/")
    assert response is not None and response.status == 404
    context.close()
