"""Three years of placements in the demo: proposals, refusals, interviews, journeys, stays, exits
and a few incidents, consistent with the requests' history and the shelters' capacity."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from abri.accounts.models import User
from abri.network.availability import availability_by_shelter
from abri.network.models import Shelter
from abri.placements import services
from abri.placements.models import ExitOutcome, Proposal, Stay
from abri.referrals.models import Request

# Outcomes of the stays (DOMAIN.md's list), in plausible proportions.
OUTCOMES = [
    (ExitOutcome.HOUSING, 35),
    (ExitOutcome.OTHER_CHRS, 25),
    (ExitOutcome.MEDICAL_SOCIAL, 8),
    (ExitOutcome.RETURN, 6),
    (ExitOutcome.LEFT, 14),
    (ExitOutcome.EXPLOITER, 4),
    (ExitOutcome.OTHER, 8),
]


def _staff(shelter: Shelter) -> User:
    return User.objects.filter(organisation_id=shelter.operator_id, is_active=True).order_by("username")[0]


def _candidates(request: Request, size: int) -> list[Shelter]:
    """The shelters the engine accepts for this request: the proposal service refuses the others."""
    from abri.search.adapter import exclusions

    shelters = list(Shelter.objects.filter(is_active=True).order_by("name"))
    free = availability_by_shelter(shelters)
    shelters = [s for s in shelters if free[s.pk].free >= size]
    excluded = {e.shelter.pk for e in exclusions(request, shelters)}
    return [s for s in shelters if s.pk not in excluded]


def place(*, rng: random.Random, request: Request, coordinator: User, finish: str) -> None:
    """Run one request through the journey; ``finish`` is "exit", "incident", "in_stay" or "travelling"."""
    size = services.household_size(request)
    options = _candidates(request, size)
    if len(options) < 2:
        return
    first, second = rng.sample(options, 2)
    proposals = services.proposals_create(actor=coordinator, request=request, shelters=[first, second])
    by_shelter = {p.shelter_id: p for p in proposals}
    if rng.random() < 0.3:
        services.proposal_refuse(
            actor=_staff(first),
            proposal=by_shelter[first.pk],
            reason=rng.choice(["no_place", "profile", "needs", "household"]),
        )
        chosen = second
    else:
        chosen = first
    proposal = Proposal.objects.get(pk=by_shelter[chosen.pk].pk)
    staff = _staff(chosen)
    services.proposal_agree(actor=staff, proposal=proposal)
    services.interview_schedule(
        actor=coordinator,
        proposal=proposal,
        at=timezone.now() + datetime.timedelta(days=1),
        link="https://visio.demo.invalid/entretien",
    )
    services.interview_confirm(actor=staff, proposal=proposal)
    services.transfer_plan(
        actor=coordinator,
        proposal=proposal,
        data={
            "travel_date": timezone.localdate(),
            "travel_mode": "train",
            "departure_place": "Gare (démo)",
            "departure_time": datetime.time(9, 5),
            "arrival_place": "Gare d'arrivée (démo)",
            "arrival_time": datetime.time(15, 30),
            "meeting_point": "Accueil de la gare (démo)",
            "escort": "Travailleuse sociale (démo)",
            "grant_amount": 50,
        },
    )
    if finish == "travelling":
        return
    stay = services.arrival_confirm(actor=staff, proposal=proposal)
    if finish == "in_stay":
        return
    if finish == "incident":
        services.incident_report(
            actor=staff,
            stay=stay,
            kind=rng.choice(["found", "threat", "breakdown"]),
            description="Incident de démonstration.",
        )
        return
    outcome = rng.choices([o for o, _w in OUTCOMES], weights=[w for _o, w in OUTCOMES])[0]
    services.stay_exit(actor=staff, stay=stay, day=timezone.localdate(), outcome=outcome)


# Days from the request to the arrival in the demo, by urgency (low, high).
ARRIVAL_DAYS = {"immediate": (1, 4), "urgent": (3, 12), "normal": (7, 45)}


def backdate_placement(request: Request, submitted_at: datetime.datetime, stay_days: int) -> None:
    """Demo history only: move proposals and stays back to when they happened.

    How long the search took depends on the urgency; it is drawn from a generator seeded by the
    case reference, so that the rest of the demo (drawn from the main one) stays as it was.
    """
    low, high = ARRIVAL_DAYS.get(request.urgency, ARRIVAL_DAYS["normal"])
    arrival_days = random.Random(f"arrival:{request.person.reference}").randint(low, high)  # noqa: S311
    proposed = submitted_at + datetime.timedelta(days=arrival_days * 0.4)
    Proposal.objects.filter(request=request).update(created_at=proposed)
    for stay in Stay.objects.filter(request=request):
        started = (submitted_at + datetime.timedelta(days=arrival_days)).date()
        ended = (
            None
            if stay.ended_on is None
            else min(started + datetime.timedelta(days=stay_days), timezone.localdate())
        )
        Stay.objects.filter(pk=stay.pk).update(started_on=started, ended_on=ended)
