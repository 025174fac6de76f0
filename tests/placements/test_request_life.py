"""The request's life and its proposals: leaving the search ends every hold, in the same step.

Issue 12, item 2: withdrawing, closing, declining or redirecting a request left its proposals
pending with their places held, and a shelter could still agree, which released the person's
identity. Item 4: an incident posted on an ended stay re-opened a closed request.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from abri.audit.models import AuditEvent
from abri.core.errors import DomainError, TransitionError
from abri.network.models import Shelter
from abri.placements import capacity, services
from abri.placements.models import HOLDING, Incident, Proposal, ProposalStatus, Stay
from abri.referrals import services as referrals
from abri.referrals.models import DangerZone, Request, Status
from tests.conftest import sign_in
from tests.network.factories import make_shelter
from tests.placements.factories import searching_request
from tests.referrals.factories import make_request

P = ProposalStatus
IDENTITY = ("Aïcha", "Exemple", "+33 6 00 00 00 01")


@pytest.fixture
def shelters(network):
    own = make_shelter(network, network.org("shelter_operator"), 0, dedicated_places=3, max_children=2)
    other = make_shelter(
        network, network.org("shelter_operator", "other"), 3, dedicated_places=2, max_children=2
    )
    return own, other


def transfer_data():
    return {
        "travel_date": timezone.localdate() + datetime.timedelta(days=1),
        "travel_mode": "train",
        "departure_place": "Gare Saint-Charles",
        "departure_time": datetime.time(8, 12),
        "arrival_place": "Gare de Rennes",
        "arrival_time": datetime.time(15, 40),
        "meeting_point": "Hall 2",
        "escort": "",
        "grant_amount": 50,
    }


def at_stage(network, shelters, stage):
    """A request at ``stage`` with live proposals, through the services: (request, proposals)."""
    own, other = shelters
    coordinator, staff = network.user("coordinator"), network.user("shelter_staff")
    req = searching_request(network)
    proposals = services.proposals_create(actor=coordinator, request=req, shelters=[own, other])
    mine = next(p for p in proposals if p.shelter_id == own.pk)
    if stage in ("place_found", "confirmed", "travelling"):
        services.proposal_agree(actor=staff, proposal=mine)
    if stage in ("confirmed", "travelling"):
        services.interview_confirm(actor=staff, proposal=mine)
    if stage == "travelling":
        services.transfer_plan(actor=coordinator, proposal=mine, data=transfer_data())
    req = Request.objects.get(pk=req.pk)
    expected = {"searching": Status.SEARCHING, "travelling": Status.TRAVELLING}.get(stage, Status.PLACE_FOUND)
    assert req.status == expected
    return req, proposals


def plant_proposals(network, shelters, status):
    """A request at ``status`` holding places at both shelters, as data written before this fix
    could be: the services no longer let a proposal live there."""
    from django.db import transaction

    req = make_request(network)
    Request.objects.filter(pk=req.pk).update(status=status)
    proposals = []
    with transaction.atomic():
        for shelter in shelters:
            capacity.take_places(shelter=shelter, places=2)
            proposals.append(
                Proposal.objects.create(
                    request=req,
                    shelter=shelter,
                    places=2,
                    expires_at=timezone.now() + datetime.timedelta(days=1),
                    created_by=network.user("coordinator"),
                )
            )
    return Request.objects.get(pk=req.pk), proposals


def assert_counters_match_recount():
    for shelter in Shelter.objects.all():
        assert shelter.places_taken == capacity.counted_taken(shelter.pk), shelter.name


def assert_nothing_held_and_no_identity(network, shelters, req, proposals):
    """Every proposal withdrawn, every place back, and no shelter can agree or read the identity."""
    own, other = shelters
    for proposal in proposals:
        proposal.refresh_from_db()
        assert proposal.status not in HOLDING
    assert not Proposal.objects.filter(request=req, status__in=HOLDING).exists()
    assert_counters_match_recount()
    assert Shelter.objects.get(pk=own.pk).places_taken == 0
    assert Shelter.objects.get(pk=other.pk).places_taken == 0
    agreements = AuditEvent.objects.filter(action="proposal.agree").count()
    for side, shelter in (("own", own), ("other", other)):
        proposal = next(p for p in proposals if p.shelter_id == shelter.pk)
        staff = network.user("shelter_staff", side)
        with pytest.raises(TransitionError):
            services.proposal_agree(actor=staff, proposal=proposal)
        client = sign_in(Client(), staff)
        client.post(reverse("placements:proposal_action", args=[proposal.pk]), {"action": "agree"})
        page = client.get(reverse("placements:proposal", args=[proposal.pk]))
        assert page.status_code in (200, 404)
        for secret in IDENTITY:
            assert secret not in page.content.decode()
    assert AuditEvent.objects.filter(action="proposal.agree").count() == agreements
    assert not Proposal.objects.filter(request=req, status__in=HOLDING).exists()


# --- Leaving the search ends the holds --------------------------------------------------------

EXITS = [
    ("withdraw", "referrer", stage) for stage in ("searching", "place_found", "confirmed", "travelling")
] + [("close", "coordinator", stage) for stage in ("searching", "place_found", "confirmed", "travelling")]


@pytest.mark.parametrize(("name", "role", "stage"), EXITS, ids=[f"{n}-from-{s}" for n, _r, s in EXITS])
def test_leaving_the_search_withdraws_every_proposal(network, shelters, name, role, stage):
    req, proposals = at_stage(network, shelters, stage)
    agreed = Proposal.objects.filter(request=req, status__in=[P.AGREED, P.CONFIRMED]).first()
    referrals.request_transition(
        actor=network.user(role), request=req, name=name, reason="Consentement retiré"
    )
    req = Request.objects.get(pk=req.pk)
    assert req.status == Status.CLOSED
    assert_nothing_held_and_no_identity(network, shelters, req, proposals)
    # The shelter that had agreed loses its proposal too, and each withdrawal is on the record.
    if agreed is not None:
        agreed.refresh_from_db()
        assert agreed.status == P.WITHDRAWN
    withdrawals = AuditEvent.objects.filter(action="proposal.withdraw", data__request_transition=name)
    ended_by_it = {e.object_id for e in withdrawals}
    assert ended_by_it and ended_by_it <= {str(p.pk) for p in Proposal.objects.filter(request=req)}


DECISIONS = [
    (name, status)
    for name in ("decline", "redirect", "close", "withdraw")
    for status in (Status.SUBMITTED, Status.IN_ASSESSMENT, Status.INFO_REQUESTED, Status.ACCEPTED)
    if not (name in ("decline", "redirect") and status == Status.ACCEPTED)
    and not (name == "close" and status in (Status.SUBMITTED, Status.IN_ASSESSMENT))
]


@pytest.mark.parametrize(("name", "status"), DECISIONS, ids=[f"{n}-from-{s}" for n, s in DECISIONS])
def test_every_exit_ends_holds_left_from_before(network, shelters, name, status):
    """Whatever the way out, the step ends the holds: even ones planted by older code."""
    req, proposals = plant_proposals(network, shelters, status)
    role = "referrer" if name == "withdraw" else "coordinator"
    referrals.request_transition(actor=network.user(role), request=req, name=name, reason="Hors champ")
    req = Request.objects.get(pk=req.pk)
    assert req.status not in (Status.SEARCHING, Status.PLACE_FOUND, Status.TRAVELLING)
    assert_nothing_held_and_no_identity(network, shelters, req, proposals)


def test_shelter_is_told_its_proposal_was_withdrawn(network, shelters, django_capture_on_commit_callbacks):
    from abri.placements.models import Notification

    req, _proposals = at_stage(network, shelters, "searching")
    staff = network.user("shelter_staff")
    before = Notification.objects.filter(user=staff).count()
    with django_capture_on_commit_callbacks(execute=True):
        referrals.request_transition(actor=network.user("referrer"), request=req, name="withdraw", reason="x")
    assert Notification.objects.filter(user=staff).count() == before + 1


# --- Agreeing and the next steps only in the right state ---------------------------------------


@pytest.mark.parametrize("status", [Status.CLOSED, Status.DECLINED, Status.REDIRECTED, Status.IN_ASSESSMENT])
def test_agreement_refused_unless_the_request_is_searching(network, shelters, status):
    """Checked under the request's row lock: a pending proposal left on a request that is no
    longer searched cannot be agreed, and nothing is released."""
    req, proposals = plant_proposals(network, shelters, status)
    staff = network.user("shelter_staff")
    mine = next(p for p in proposals if p.shelter_id == shelters[0].pk)
    with pytest.raises(TransitionError) as info:
        services.proposal_agree(actor=staff, proposal=mine)
    assert info.value.code == "wrong_state"
    mine.refresh_from_db()
    assert mine.status == P.PENDING and Request.objects.get(pk=req.pk).status == status
    assert not AuditEvent.objects.filter(action="proposal.agree").exists()


def test_confirmation_transfer_and_arrival_need_a_place_found(network, shelters):
    coordinator, staff = network.user("coordinator"), network.user("shelter_staff")
    req, proposals = at_stage(network, shelters, "place_found")
    mine = next(p for p in proposals if p.shelter_id == shelters[0].pk)
    Request.objects.filter(pk=req.pk).update(status=Status.CLOSED)  # as older code could leave it
    with pytest.raises(TransitionError):
        services.interview_confirm(actor=staff, proposal=mine)
    Proposal.objects.filter(pk=mine.pk).update(status=P.CONFIRMED)
    with pytest.raises(TransitionError):
        services.transfer_plan(actor=coordinator, proposal=mine, data=transfer_data())
    with pytest.raises(TransitionError):
        services.arrival_confirm(actor=staff, proposal=mine)
    assert not Stay.objects.filter(request=req).exists()
    assert Request.objects.get(pk=req.pk).status == Status.CLOSED


def test_a_withdrawn_request_cannot_be_proposed_again(network, shelters):
    req, _proposals = at_stage(network, shelters, "searching")
    referrals.request_transition(actor=network.user("referrer"), request=req, name="withdraw", reason="x")
    with pytest.raises(TransitionError):
        services.proposals_create(actor=network.user("coordinator"), request=req, shelters=[shelters[0]])
    assert_counters_match_recount()


# --- Ended stays are history ------------------------------------------------------------------


def in_stay(network, shelters):
    _req, proposals = at_stage(network, shelters, "travelling")
    mine = next(p for p in proposals if p.shelter_id == shelters[0].pk)
    return services.arrival_confirm(actor=network.user("shelter_staff"), proposal=mine)


@pytest.mark.parametrize("ended_by", ["exit", "incident"])
def test_incident_on_an_ended_stay_is_refused_and_changes_nothing(network, shelters, ended_by):
    staff = network.user("shelter_staff")
    stay = in_stay(network, shelters)
    if ended_by == "exit":
        services.stay_exit(actor=staff, stay=stay, day=timezone.localdate(), outcome="housing")
    else:
        services.incident_report(actor=staff, stay=stay, kind="breakdown", description="Rupture.")
    req = Request.objects.get(pk=stay.request_id)
    zones, incidents = DangerZone.objects.filter(request=req).count(), Incident.objects.count()
    for actor in (staff, network.user("coordinator")):
        with pytest.raises(TransitionError) as info:
            services.incident_report(actor=actor, stay=stay, kind="found", description="Vu devant le centre.")
        assert info.value.code == "ended"
    after = Request.objects.get(pk=req.pk)
    assert (after.status, after.urgency, after.avoid_shelters) == (
        req.status,
        req.urgency,
        req.avoid_shelters,
    )
    assert DangerZone.objects.filter(request=req).count() == zones and Incident.objects.count() == incidents
    assert_counters_match_recount()
    with pytest.raises(DomainError):
        services.stay_exit(actor=staff, stay=stay, day=timezone.localdate(), outcome="housing")


def test_incident_on_an_ended_stay_over_http_leaves_the_request_closed(network, shelters):
    staff = network.user("shelter_staff")
    stay = in_stay(network, shelters)
    services.stay_exit(actor=staff, stay=stay, day=timezone.localdate(), outcome="housing")
    client = sign_in(Client(), staff)
    client.post(
        reverse("placements:stay_action", args=[stay.pk]),
        {"action": "incident", "kind": "found", "description": "Vu devant le centre."},
    )
    req = Request.objects.get(pk=stay.request_id)
    assert req.status == Status.CLOSED and not Incident.objects.filter(stay=stay).exists()
    assert not req.danger_zones.filter(commune=shelters[0].commune).exists()


def test_the_migration_ends_holds_left_by_older_code(network, shelters):
    """Rows written before this fix: stale holds withdrawn, live ones kept, counters recounted."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("abri.placements.migrations.0003_end_stale_holds")
    own, other = shelters
    (live,) = services.proposals_create(
        actor=network.user("coordinator"), request=searching_request(network), shelters=[own]
    )
    _closed, stale = plant_proposals(network, [other], Status.CLOSED)
    Shelter.objects.filter(pk=other.pk).update(places_taken=1)  # a drifted counter, too
    migration.end_stale_holds(apps, None)
    live.refresh_from_db()
    assert live.status == P.PENDING and Shelter.objects.get(pk=own.pk).places_taken == 2
    assert [Proposal.objects.get(pk=p.pk).status for p in stale] == [P.WITHDRAWN]
    assert Shelter.objects.get(pk=other.pk).places_taken == 0
    assert_counters_match_recount()


def assert_invariants(req):
    """What must hold after every step: the live proposals are those the status allows, the
    counters equal the recount."""
    from abri.placements.effects import LIVE_ALLOWED

    req = Request.objects.get(pk=req.pk)
    allowed = LIVE_ALLOWED.get(req.status, frozenset())
    live = set(Proposal.objects.filter(request=req, status__in=HOLDING).values_list("status", flat=True))
    assert live <= allowed, (req.status, live)
    if req.status in (Status.PLACE_FOUND, Status.TRAVELLING):
        assert Proposal.objects.filter(request=req, status__in=HOLDING).count() == 1
    assert_counters_match_recount()


def test_invariants_hold_after_every_step_of_a_long_journey(network, shelters):
    """Refusal, agreement, withdrawal by the person, a new search, a journey, an arrival, an
    incident, an emergency re-placement and the exit: checked after each step."""
    own, other = shelters
    coordinator = network.user("coordinator")
    staff = {own.pk: network.user("shelter_staff"), other.pk: network.user("shelter_staff", "other")}
    req = searching_request(network)
    assert_invariants(req)

    def propose(*chosen):
        made = services.proposals_create(actor=coordinator, request=req, shelters=list(chosen))
        assert_invariants(req)
        return {p.shelter_id: p for p in made}

    def step(call, **kwargs):
        result = call(**kwargs)
        assert_invariants(req)
        return result

    made = propose(own, other)
    step(services.proposal_refuse, actor=staff[other.pk], proposal=made[other.pk], reason="no_place")
    step(services.proposal_agree, actor=staff[own.pk], proposal=made[own.pk])
    step(
        services.interview_withdraw,
        actor=staff[own.pk],
        proposal=made[own.pk],
        by_person=True,
        reason="Ne souhaite plus partir",
    )
    made = propose(own, other)
    step(services.proposal_agree, actor=staff[own.pk], proposal=made[own.pk])
    step(services.interview_confirm, actor=staff[own.pk], proposal=made[own.pk])
    step(services.transfer_plan, actor=coordinator, proposal=made[own.pk], data=transfer_data())
    stay = step(services.arrival_confirm, actor=staff[own.pk], proposal=made[own.pk])
    step(services.incident_report, actor=staff[own.pk], stay=stay, kind="found", description="Vue.")
    assert Request.objects.get(pk=req.pk).status == Status.SEARCHING
    made = propose(other)
    step(services.proposal_agree, actor=staff[other.pk], proposal=made[other.pk])
    step(services.interview_confirm, actor=staff[other.pk], proposal=made[other.pk])
    stay = step(services.arrival_confirm, actor=staff[other.pk], proposal=made[other.pk])
    step(services.stay_exit, actor=staff[other.pk], stay=stay, day=timezone.localdate(), outcome="housing")
    assert Request.objects.get(pk=req.pk).status == Status.CLOSED
    assert Shelter.objects.get(pk=own.pk).places_taken == Shelter.objects.get(pk=other.pk).places_taken == 0
