"""Issue 12, item 5: the proposal service holds every hard constraint of the engine, not only the
search page. A coordinator who knows better changes the danger zones (reason, audited); nobody
bypasses them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from abri.audit.models import AuditEvent
from abri.core.errors import DomainError
from abri.network.availability import availability
from abri.network.models import Shelter
from abri.placements import services
from abri.placements.models import Proposal
from abri.referrals import services as referrals
from abri.referrals.models import DangerZone, Request
from tests.conftest import sign_in
from tests.network.factories import make_shelter
from tests.placements.factories import searching_request


def free(shelter):
    return availability(Shelter.objects.get(pk=shelter.pk)).free


def _refused(network, req, shelter, code):
    before = free(shelter)
    with pytest.raises(DomainError) as info:
        services.proposals_create(actor=network.user("coordinator"), request=req, shelters=[shelter])
    assert info.value.field == "shelters" and info.value.code == code
    assert str(info.value.message).strip()
    # Nothing is held: no proposal, the same free places.
    assert not Proposal.objects.filter(request=req).exists() and free(shelter) == before
    return str(info.value.message)


def _shelter(network, index, **kw):
    fields = {"dedicated_places": 3, "max_children": 2, **kw}
    return make_shelter(network, network.org("shelter_operator"), index, **fields)


def test_a_shelter_inside_a_danger_departement_is_refused(network):
    req = searching_request(network)  # danger: département 13 and Lyon (69) with 30 km
    shelter = _shelter(network, 0, commune="Marseille", departement="13")
    message = _refused(network, req, shelter, "inside_danger_departement")
    assert "13" in message


def test_a_shelter_too_close_to_a_danger_town_is_refused(network):
    req = searching_request(network)
    shelter = _shelter(network, 1)  # in Lyon
    _refused(network, req, shelter, "too_close_to_danger")


def test_a_shelter_on_the_avoid_list_is_refused(network):
    req = searching_request(network)
    shelter = _shelter(network, 0)  # Rennes: far from every zone
    Request.objects.filter(pk=req.pk).update(avoid_shelters=[str(shelter.pk)])
    _refused(network, Request.objects.get(pk=req.pk), shelter, "avoided")


def test_a_shelter_that_does_not_fit_the_household_is_refused(network):
    req = searching_request(network)  # a woman and her child
    _refused(network, req, _shelter(network, 0, max_children=0), "too_many_children")
    _refused(network, req, _shelter(network, 3, accepts_genders=["M"]), "gender_not_accepted")


def test_a_shelter_too_small_is_refused(network):
    req = searching_request(network)  # two places needed
    _refused(network, req, _shelter(network, 0, dedicated_places=1), "no_place")


def test_one_excluded_shelter_refuses_the_whole_batch(network):
    req = searching_request(network)
    good, bad = _shelter(network, 0), _shelter(network, 1)
    with pytest.raises(DomainError):
        services.proposals_create(actor=network.user("coordinator"), request=req, shelters=[good, bad])
    assert not Proposal.objects.filter(request=req).exists() and free(good) == 3


def test_the_coordinator_changes_the_zones_with_a_reason_then_proposes(network):
    req = searching_request(network)
    shelter = _shelter(network, 1)  # in Lyon, a danger town of the request
    lyon = req.danger_zones.get(commune="Lyon")
    coordinator = network.user("coordinator")
    with pytest.raises(DomainError) as info:
        referrals.request_zones_change(actor=coordinator, request=req, remove=[str(lyon.pk)], reason=" ")
    assert info.value.field == "reason"
    with pytest.raises(DomainError):
        referrals.request_zones_change(
            actor=network.user("referrer"), request=req, remove=[str(lyon.pk)], reason="Réseau parti."
        )
    referrals.request_zones_change(
        actor=coordinator,
        request=req,
        remove=[str(lyon.pk)],
        departements=["84"],
        reason="Le réseau a quitté Lyon.",
    )
    assert set(req.danger_zones.values_list("departement", "source")) == {
        ("13", "referrer"),
        ("84", "coordination"),
    }
    assert AuditEvent.objects.filter(action="request.zones_change", object_id=str(req.pk)).exists()
    event = req.events.get(kind="zones_changed")
    assert event.actor == coordinator and event.reason == "Le réseau a quitté Lyon."
    (proposal,) = services.proposals_create(actor=coordinator, request=req, shelters=[shelter])
    assert proposal.shelter_id == shelter.pk


def test_the_last_zone_cannot_be_removed(network):
    req = searching_request(network)
    with pytest.raises(DomainError) as info:
        referrals.request_zones_change(
            actor=network.user("coordinator"),
            request=req,
            remove=[str(z.pk) for z in req.danger_zones.all()],
            reason="Plus de danger.",
        )
    assert info.value.field == "remove" and req.danger_zones.count() == 2


def test_the_zones_form_on_the_coordinators_request_page(network):
    req = searching_request(network)
    coordinator = sign_in(Client(), network.user("coordinator"))
    url = reverse("referrals:zones", args=[req.pk])
    assert f'action="{url}"' in coordinator.get(reverse("referrals:detail", args=[req.pk])).content.decode()
    lyon = req.danger_zones.get(commune="Lyon")
    response = coordinator.post(
        url,
        {
            "remove": [str(lyon.pk)],
            "towns": "Nantes (44)",
            "radius_km": "20",
            "reason": "Vu avec l'orienteuse.",
        },
    )
    assert response.status_code == 302
    zone = req.danger_zones.get(commune="Nantes")
    assert zone.source == DangerZone.Source.COORDINATION and zone.radius_km == 20
    assert not req.danger_zones.filter(commune="Lyon").exists()
    # A bad town is answered next to its field, nothing changes.
    response = coordinator.post(url, {"towns": "Nullepart (99)", "radius_km": "20", "reason": "x"})
    assert response.status_code == 302 and not req.danger_zones.filter(commune__startswith="Nulle").exists()
    # The referrer has no such form and cannot post it.
    referrer = sign_in(Client(), network.user("referrer"))
    assert url not in referrer.get(reverse("referrals:detail", args=[req.pk])).content.decode()
    assert referrer.post(url, {"remove": [str(zone.pk)], "reason": "x"}).status_code == 404
    assert req.danger_zones.filter(pk=zone.pk).exists()


def test_a_new_zone_withdraws_the_pending_proposal_it_covers(network):
    """Review of issue 12: a zone added after a proposal left it pending, its places held, and
    the shelter (now inside the danger zone) could still agree and read the identity."""
    req = searching_request(network)
    inside, outside = _shelter(network, 0), _shelter(network, 3)  # Rennes, and a town far from it
    coordinator = network.user("coordinator")
    services.proposals_create(actor=coordinator, request=req, shelters=[inside, outside])
    assert free(inside) == 1
    referrals.request_zones_change(
        actor=coordinator, request=req, departements=["35"], reason="Vue à Rennes."
    )
    by_shelter = {p.shelter_id: p for p in Proposal.objects.filter(request=req)}
    assert by_shelter[inside.pk].status == "withdrawn" and free(inside) == 3
    assert by_shelter[outside.pk].status == "pending"
    assert AuditEvent.objects.filter(
        action="proposal.withdraw", object_id=str(by_shelter[inside.pk].pk)
    ).exists()
    with pytest.raises(DomainError):
        services.proposal_agree(actor=network.user("shelter_staff"), proposal=by_shelter[inside.pk])


def test_a_new_zone_over_the_shelter_that_agreed_is_refused_until_it_is_withdrawn(network):
    req = searching_request(network)
    shelter = _shelter(network, 0)  # Rennes
    coordinator = network.user("coordinator")
    (proposal,) = services.proposals_create(actor=coordinator, request=req, shelters=[shelter])
    services.proposal_agree(actor=network.user("shelter_staff"), proposal=proposal)
    with pytest.raises(DomainError) as info:
        referrals.request_zones_change(
            actor=coordinator, request=req, departements=["35"], reason="Vue à Rennes."
        )
    assert info.value.code == "agreed_shelter_excluded"
    # Nothing half-saved: no new zone, the placement stands.
    assert not req.danger_zones.filter(departement="35").exists()
    assert Proposal.objects.get(pk=proposal.pk).status == "agreed"
