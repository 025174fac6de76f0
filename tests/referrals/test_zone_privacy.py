"""Issue 12, item 1: a danger zone that comes from a shelter (after an incident) is location data.

The engine still avoids the area; coordinators read the town; everyone else reads "the area of a
former placement", never its town or département, and the referrer cannot edit or delete it.
"""

from __future__ import annotations

import importlib
import re

from django.apps import apps
from django.test import Client
from django.urls import reverse

from abri.placements import services as placements
from abri.referrals import services as referrals
from abri.referrals.models import DangerZone, Request, Status
from abri.support import services as support
from tests.conftest import sign_in
from tests.network.factories import make_shelter
from tests.placements.factories import searching_request
from tests.referrals.factories import SITUATION

TOWN = "Quimper"  # the shelter's town: must never reach anyone but coordinators


def _resident(network):
    shelter = make_shelter(
        network,
        network.org("shelter_operator"),
        0,
        commune=TOWN,
        departement="29",
        dedicated_places=3,
        max_children=2,
        name="CHRS Finistère",
    )
    staff = network.user("shelter_staff")
    (proposal,) = placements.proposals_create(
        actor=network.user("coordinator"), request=searching_request(network), shelters=[shelter]
    )
    placements.proposal_agree(actor=staff, proposal=proposal)
    placements.interview_confirm(actor=staff, proposal=proposal)
    return placements.arrival_confirm(actor=staff, proposal=proposal)


def _after_incident(network):
    stay = _resident(network)
    placements.incident_report(
        actor=network.user("shelter_staff"), stay=stay, kind="found", description="Vu devant le centre."
    )
    return Request.objects.get(pk=stay.request_id)


def _zones_text(html: str) -> str:
    match = re.search(r"<dt>[^<]*(?:Danger zones|Zones de danger)[^<]*</dt><dd>(.*?)</dd>", html, re.S)
    assert match, "the profile lists the danger zones"
    return match.group(1)


def test_an_incident_zone_is_recorded_as_coming_from_a_placement(network):
    req = _after_incident(network)
    zone = req.danger_zones.get(commune=TOWN)
    assert zone.source == DangerZone.Source.PLACEMENT
    # The referrer's own zones keep their source.
    assert set(req.danger_zones.exclude(commune=TOWN).values_list("source", flat=True)) == {"referrer"}


def test_the_support_emergency_move_records_its_zone_as_from_a_placement(network):
    stay = _resident(network)
    support.support_incident_report(
        actor=network.user("shelter_staff"),
        person=stay.request.person,
        data={"kind": "contact", "occurred_on": stay.started_on, "description": "x", "emergency_move": True},
    )
    zone = DangerZone.objects.get(request_id=stay.request_id, commune=TOWN)
    assert zone.source == DangerZone.Source.PLACEMENT


def test_the_referrer_reads_the_area_of_a_former_placement_never_its_town(network):
    req = _after_incident(network)
    page = sign_in(Client(), network.user("referrer")).get(
        reverse("referrals:detail", args=[req.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    html = page.content.decode()
    assert TOWN not in html and "Finistère" not in html
    zones = _zones_text(html)
    assert "the area of a former placement" in zones
    assert "29" not in zones
    assert "Lyon" in zones  # what the field worker typed stays readable


def test_coordinators_still_read_the_town(network):
    req = _after_incident(network)
    page = sign_in(Client(), network.user("coordinator")).get(reverse("referrals:detail", args=[req.pk]))
    assert TOWN in _zones_text(page.content.decode())


def _info_requested_with_a_former_placement(network):
    """A request back with the field worker that holds a zone from an earlier placement.

    The workflow has no path from an incident back to the form today: the zone is written here as
    the incident would have written it, to prove the form cannot read, change or drop it.
    """
    req = _after_incident(network)
    Request.objects.filter(pk=req.pk).update(status=Status.INFO_REQUESTED)
    return Request.objects.get(pk=req.pk)


def test_the_request_form_neither_shows_nor_drops_a_former_placement(network):
    req = _info_requested_with_a_former_placement(network)
    client = sign_in(Client(), network.user("referrer"))
    url = reverse("referrals:step", args=[req.pk, 3])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert TOWN not in page and "(29)" not in page
    assert "the area of a former placement" in page
    data = {
        **SITUATION,
        "danger_departements": ["13"],
        "danger_towns": "Marseille (13)",
        "exploitation_forms": ["sexual"],
    }
    response = client.post(url, data)
    assert response.status_code == 302
    zone = req.danger_zones.get(commune=TOWN)
    assert zone.source == DangerZone.Source.PLACEMENT
    assert set(req.danger_zones.values_list("commune", flat=True)) == {"", "Marseille", TOWN}


def test_the_service_never_deletes_a_zone_it_did_not_receive_from_the_referrer(network):
    req = _info_requested_with_a_former_placement(network)
    referrals.request_save_situation(
        actor=network.user("referrer"),
        request=req,
        data={**SITUATION, "danger_departements": ["13"], "danger_towns": ""},
    )
    assert req.danger_zones.filter(source=DangerZone.Source.PLACEMENT, commune=TOWN).count() == 1


def test_the_migration_marks_the_zones_incidents_created(network):
    req = _after_incident(network)
    DangerZone.objects.filter(request=req).update(source=DangerZone.Source.REFERRER)  # as before the field
    migration = importlib.import_module("abri.referrals.migrations.0007_dangerzone_source")
    migration.mark_former_placements(apps, None)
    assert req.danger_zones.get(commune=TOWN).source == DangerZone.Source.PLACEMENT
    assert req.danger_zones.get(commune="Lyon").source == DangerZone.Source.REFERRER


def test_the_engine_still_avoids_the_area(network):
    from abri.search import adapter

    req = _after_incident(network)
    zones = adapter.build([req]).problem_json["requests"][0]["danger_zones"]
    assert len(zones) == req.danger_zones.count() == 3
