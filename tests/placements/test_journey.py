"""The whole journey through the services, with places held, taken and given back."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from abri.core.errors import DomainError, TransitionError
from abri.network.availability import availability
from abri.network.models import Shelter
from abri.placements import services
from abri.placements.models import Notification, ProposalStatus, Stay
from abri.referrals.models import Request, Status
from tests.conftest import sign_in
from tests.network.factories import make_shelter
from tests.placements.factories import searching_request

P = ProposalStatus


@pytest.fixture
def shelters(network):
    own = make_shelter(network, network.org("shelter_operator"), 0, dedicated_places=3, max_children=2)
    other = make_shelter(
        network, network.org("shelter_operator", "other"), 3, dedicated_places=2, max_children=2
    )
    return own, other


def free(shelter):
    return availability(Shelter.objects.get(pk=shelter.pk)).free


def test_full_journey_and_capacity(network, shelters, django_capture_on_commit_callbacks):
    own, other = shelters
    coordinator, staff = network.user("coordinator"), network.user("shelter_staff")
    req = searching_request(network)  # a woman and her child: 2 places
    with django_capture_on_commit_callbacks(execute=True):
        proposals = services.proposals_create(actor=coordinator, request=req, shelters=[own, other])
    assert {p.places for p in proposals} == {2} and free(own) == 1 and free(other) == 0
    # E-mails and notices say that something awaits, nothing more.
    for message in mail.outbox:
        assert (
            "Aïcha" not in message.body and own.name not in message.body and own.commune not in message.body
        )
    assert Notification.objects.filter(user=staff).exists()
    mine = next(p for p in proposals if p.shelter_id == own.pk)
    theirs = next(p for p in proposals if p.shelter_id == other.pk)
    services.proposal_agree(actor=staff, proposal=mine)
    theirs.refresh_from_db()
    assert theirs.status == P.WITHDRAWN and free(other) == 2  # the other hold is released
    assert Request.objects.get(pk=req.pk).status == Status.PLACE_FOUND
    services.interview_schedule(
        actor=coordinator,
        proposal=mine,
        at=timezone.now() + datetime.timedelta(days=1),
        link="https://visio.example.invalid/abc",
    )
    services.interview_confirm(actor=staff, proposal=mine)
    services.transfer_plan(
        actor=coordinator,
        proposal=mine,
        data={
            "travel_date": timezone.localdate() + datetime.timedelta(days=2),
            "travel_mode": "train",
            "departure_place": "Gare Saint-Charles",
            "departure_time": datetime.time(8, 12),
            "arrival_place": "Gare de Rennes",
            "arrival_time": datetime.time(15, 40),
            "meeting_point": "Accueil de la gare, hall 2",
            "escort": "Éducatrice",
            "grant_amount": 50,
        },
    )
    assert Request.objects.get(pk=req.pk).status == Status.TRAVELLING
    stay = services.arrival_confirm(actor=staff, proposal=mine)
    assert free(own) == 1 and Request.objects.get(pk=req.pk).status == Status.IN_STAY
    services.stay_exit(actor=staff, stay=stay, day=timezone.localdate(), outcome="housing")
    assert free(own) == 3 and Request.objects.get(pk=req.pk).status == Status.CLOSED
    kinds = list(Request.objects.get(pk=req.pk).events.values_list("kind", flat=True))
    for kind in (
        "proposed",
        "shelter_agreed",
        "interview_scheduled",
        "admission_confirmed",
        "transfer_planned",
        "arrived",
        "exit",
    ):
        assert kind in kinds


def test_no_overbooking_through_the_services(network, shelters):
    own, _other = shelters
    coordinator = network.user("coordinator")
    services.proposals_create(actor=coordinator, request=searching_request(network), shelters=[own])
    with pytest.raises(DomainError) as info:
        services.proposals_create(actor=coordinator, request=searching_request(network), shelters=[own])
    assert info.value.code == "no_place" and free(own) == 1


def test_the_database_refuses_an_overbooked_counter(network, shelters):
    from django.db import IntegrityError, transaction

    own, _other = shelters
    with pytest.raises(IntegrityError), transaction.atomic():
        Shelter.objects.filter(pk=own.pk).update(places_taken=own.dedicated_places + 1)


def test_refusal_needs_a_reason_and_frees_the_places(network, shelters):
    own, _other = shelters
    (proposal,) = services.proposals_create(
        actor=network.user("coordinator"), request=searching_request(network), shelters=[own]
    )
    staff = network.user("shelter_staff")
    with pytest.raises(DomainError):
        services.proposal_refuse(actor=staff, proposal=proposal, reason="other", text="")
    services.proposal_refuse(actor=staff, proposal=proposal, reason="no_place")
    assert free(own) == 3
    with pytest.raises(TransitionError):
        services.proposal_agree(actor=staff, proposal=proposal)


def test_expiry_frees_the_places(network, shelters):
    own, _other = shelters
    (proposal,) = services.proposals_create(
        actor=network.user("coordinator"), request=searching_request(network), shelters=[own]
    )
    assert services.proposals_expire(now=timezone.now()) == 0
    assert services.proposals_expire(now=timezone.now() + datetime.timedelta(days=4)) == 1
    proposal.refresh_from_db()
    assert proposal.status == P.EXPIRED and free(own) == 3


def test_urgent_requests_get_a_shorter_deadline(network, shelters):
    own, other = shelters
    normal = searching_request(network)
    Request.objects.filter(pk=normal.pk).update(urgency="normal")
    urgent = searching_request(network)
    Request.objects.filter(pk=urgent.pk).update(urgency="immediate")
    (a,) = services.proposals_create(
        actor=network.user("coordinator"), request=Request.objects.get(pk=normal.pk), shelters=[own]
    )
    (b,) = services.proposals_create(
        actor=network.user("coordinator"), request=Request.objects.get(pk=urgent.pk), shelters=[other]
    )
    assert b.expires_at - b.created_at < a.expires_at - a.created_at


def test_incident_starts_an_emergency_search_away_from_the_shelter(network, shelters):
    own, _other = shelters
    coordinator, staff = network.user("coordinator"), network.user("shelter_staff")
    req = searching_request(network)
    (proposal,) = services.proposals_create(actor=coordinator, request=req, shelters=[own])
    services.proposal_agree(actor=staff, proposal=proposal)
    services.interview_confirm(actor=staff, proposal=proposal)
    stay = services.arrival_confirm(actor=staff, proposal=proposal)
    services.incident_report(actor=staff, stay=stay, kind="found", description="Vu devant le centre.")
    req = Request.objects.get(pk=req.pk)
    assert req.status == Status.SEARCHING and req.urgency == "immediate"
    assert str(own.pk) in req.avoid_shelters
    assert req.danger_zones.filter(commune=own.commune).exists()
    assert free(own) == 3 and Stay.objects.get(pk=stay.pk).ended_on is not None


def test_person_did_not_arrive(network, shelters):
    own, _other = shelters
    coordinator, staff = network.user("coordinator"), network.user("shelter_staff")
    (proposal,) = services.proposals_create(
        actor=coordinator, request=searching_request(network), shelters=[own]
    )
    services.proposal_agree(actor=staff, proposal=proposal)
    services.interview_confirm(actor=staff, proposal=proposal)
    services.arrival_missed(
        actor=coordinator, proposal=proposal, search_again=True, reason="Pas venue au train"
    )
    assert free(own) == 3 and Request.objects.get(pk=proposal.request_id).status == Status.SEARCHING


def test_shelter_sees_anonymised_profile_until_it_agrees(network, shelters):
    own, _other = shelters
    (proposal,) = services.proposals_create(
        actor=network.user("coordinator"), request=searching_request(network), shelters=[own]
    )
    staff = sign_in(Client(), network.user("shelter_staff"))
    page = staff.get(reverse("placements:proposal", args=[proposal.pk])).content.decode()
    for secret in (
        "Aïcha",
        "Exemple",
        "1998",
        "nigériane",
        "Marseille",
        "Lyon",
        "Réseau nigérian",
        "Menacée",
    ):
        assert secret not in page
    assert "25–34" in page
    staff.post(reverse("placements:proposal_action", args=[proposal.pk]), {"action": "agree"})
    page = staff.get(reverse("placements:proposal", args=[proposal.pk])).content.decode()
    assert "Aïcha" in page
    other_staff = sign_in(Client(), network.user("shelter_staff", "other"))
    assert other_staff.get(reverse("placements:proposal", args=[proposal.pk])).status_code == 404


def test_referrer_never_learns_the_shelter_unless_disclosed(network, shelters):
    own, _other = shelters
    coordinator = network.user("coordinator")
    req = searching_request(network)
    (proposal,) = services.proposals_create(actor=coordinator, request=req, shelters=[own])
    services.proposal_agree(actor=network.user("shelter_staff"), proposal=proposal)
    services.interview_confirm(actor=network.user("shelter_staff"), proposal=proposal)
    services.transfer_plan(
        actor=coordinator,
        proposal=proposal,
        data={
            "travel_date": timezone.localdate(),
            "travel_mode": "train",
            "departure_place": "Gare Saint-Charles",
            "departure_time": datetime.time(8, 12),
            "arrival_place": "Gare de Rennes",
            "arrival_time": datetime.time(15),
            "meeting_point": "Hall 2",
            "escort": "",
            "grant_amount": 50,
        },
    )
    referrer = sign_in(Client(), network.user("referrer"))
    page = referrer.get(reverse("referrals:detail", args=[req.pk])).content.decode()
    assert "Gare Saint-Charles" in page  # the departure side
    for secret in (own.name, "Rennes", "Hall 2"):
        assert secret not in page
    client = sign_in(Client(), coordinator)
    client.post(reverse("placements:disclose", args=[req.pk]), {"reason": "Audience au tribunal de Rennes"})
    page = referrer.get(reverse("referrals:detail", args=[req.pk])).content.decode()
    assert own.name in page


def test_near_deadlines_are_reminded_once(network, shelters, django_capture_on_commit_callbacks):
    own, _other = shelters
    (proposal,) = services.proposals_create(
        actor=network.user("coordinator"), request=searching_request(network), shelters=[own]
    )
    staff = network.user("shelter_staff")
    before = Notification.objects.filter(user=staff).count()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.proposals_remind(now=timezone.now()) == 0  # 24 hours left: not yet
        soon = proposal.expires_at - datetime.timedelta(hours=2)
        assert services.proposals_remind(now=soon) == 1
        assert services.proposals_remind(now=soon) == 0  # once
    assert Notification.objects.filter(user=staff).count() == before + 1


def test_scheduler_runs_every_job_once(network, capsys):
    from django.core.management import call_command

    call_command("run_scheduler", "--once")
    out = capsys.readouterr().out
    assert "proposals expired" in out and "person files anonymised" in out


def test_coordinator_home_shows_what_needs_them(network, shelters):
    own, _other = shelters
    coordinator = network.user("coordinator")
    req = searching_request(network)
    (proposal,) = services.proposals_create(actor=coordinator, request=req, shelters=[own])
    services.proposal_refuse(actor=network.user("shelter_staff"), proposal=proposal, reason="no_place")
    page = sign_in(Client(), coordinator).get(reverse("home"))
    assert proposal in page.context["answers"]
