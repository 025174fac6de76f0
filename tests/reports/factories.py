"""A small network whose every figure is known by hand (tests/reports/test_figures.py).

Built through the services, then a few dates moved back (as the placements demo does) so that
delays are known. Régions: the own referrer is in Bouches-du-Rhône (PACA, 93, police), the other
in Rhône (Auvergne-Rhône-Alpes, 84, association); shelter A is in Rennes (Bretagne, 53), shelter B
in Bordeaux (Nouvelle-Aquitaine, 75).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from abri.accounts.models import Organisation
from abri.network.models import Shelter
from abri.placements import services as placements
from abri.placements.models import Proposal, Stay
from abri.referrals import services
from abri.referrals.models import Request
from abri.reports.selectors import add_months
from tests.network.factories import make_shelter

CONSENT = {
    "confirmed": True,
    "obtained_by": "Travailleuse sociale",
    "language": "en",
    "interpreter_used": False,
}


def file_request(
    network: Any,
    *,
    side: str = "own",
    gender: str = "F",
    age: int | None = None,
    birth_date: datetime.date | None = None,
    children: int = 0,
    forms: tuple[str, ...] = ("sexual",),
    country: str = "unknown",
    first_name: str = "Aïcha",
    complaint: bool = False,
) -> Request:
    referrer = network.user("referrer", side)
    req = services.request_create_draft(actor=referrer)
    services.request_save_person(
        actor=referrer,
        request=req,
        data={
            "first_name": first_name,
            "last_name": "Exemple",
            "birth_date": birth_date,
            "age": age,
            "nationality": "nigériane",
            "phone": "+33 6 00 00 00 09",
            "gender": gender,
            "languages": ["en"],
            "country_of_origin": country,
        },
    )
    services.request_save_household(
        actor=referrer,
        request=req,
        members=[{"relation": "child", "gender": "F", "age": 3 + i} for i in range(children)],
    )
    services.request_save_situation(
        actor=referrer,
        request=req,
        data={
            "urgency": "urgent",
            "situation": "Récit confidentiel du réseau.",
            "exploitation_forms": list(forms),
            "danger_departements": ["13"],
            "exploiters": "Réseau",
            "exploiter_relation": "network",
            "exploitation_place": "both",
            "exploitation_start_age": "18_24",
            "housed_by_exploiter": "yes",
        },
    )
    services.request_save_needs(
        actor=referrer,
        request=req,
        data={"addiction": True, "complaint_filed": complaint, "permit_status": "reflection"},
    )
    services.request_save_consent(
        actor=referrer, request=req, data={**CONSENT, "obtained_at": timezone.now()}
    )
    req = services.request_submit(actor=referrer, request=req)
    return Request.objects.get(pk=req.pk)


def place(network: Any, req: Request, shelter: Shelter, staff: Any, day: datetime.date) -> Stay:
    coordinator = network.user("coordinator")
    (proposal,) = placements.proposals_create(actor=coordinator, request=req, shelters=[shelter])
    placements.proposal_agree(actor=staff, proposal=proposal)
    placements.interview_confirm(actor=staff, proposal=Proposal.objects.get(pk=proposal.pk))
    placements.transfer_plan(
        actor=coordinator,
        proposal=Proposal.objects.get(pk=proposal.pk),
        data={
            "travel_date": timezone.localdate(),
            "travel_mode": "train",
            "departure_place": "Gare",
            "departure_time": datetime.time(8, 0),
            "arrival_place": "Gare",
            "arrival_time": datetime.time(12, 0),
            "meeting_point": "Hall",
            "escort": "",
            "grant_amount": 0,
        },
    )
    return placements.arrival_confirm(actor=staff, proposal=Proposal.objects.get(pk=proposal.pk), day=day)


def backdate(req: Request, when: datetime.datetime) -> None:
    Request.objects.filter(pk=req.pk).update(submitted_at=when)


def accept(network: Any, req: Request) -> Request:
    coordinator = network.user("coordinator")
    for name in ("accept", "start_search"):
        req = services.request_transition(actor=coordinator, request=req, name=name)
    return req


@dataclass
class Known:
    today: datetime.date
    last_month: datetime.date
    shelter_a: Shelter
    shelter_b: Shelter
    requests: dict[str, Request]


def known_network(network: Any) -> Known:
    """Six requests, two placements, two refusals, one exit (the figures in test_figures.py)."""
    Organisation.objects.filter(pk=network.org("referrer").pk).update(departement="13", sector="police")
    Organisation.objects.filter(pk=network.org("referrer", "other").pk).update(
        departement="69", sector="association"
    )
    # Both take men too: r2 (a man) is proposed to both, and the proposal service holds the
    # engine's hard constraints.
    both = ["F", "M"]
    shelter_a = make_shelter(
        network, network.org("shelter_operator"), 0, dedicated_places=3, max_children=2, accepts_genders=both
    )
    shelter_b = make_shelter(
        network,
        network.org("shelter_operator", "other"),
        3,
        dedicated_places=3,
        max_children=2,
        accepts_genders=both,
    )
    long_ago = timezone.now() - datetime.timedelta(days=800)
    Shelter.objects.update(created_at=long_ago)
    today = timezone.localdate()
    last_month = add_months(today.replace(day=1), -1)
    coordinator = network.user("coordinator")
    staff_a, staff_b = network.user("shelter_staff"), network.user("shelter_staff", "other")

    r1 = file_request(
        network, birth_date=datetime.date(1998, 5, 4), children=1, country="NG", first_name="Zélie"
    )
    r2 = file_request(network, gender="M", age=40, country="RO", forms=("labour",), first_name="Octave")
    r3 = file_request(
        network, side="other", age=17, country="CN", forms=("labour", "domestic"), first_name="Mei"
    )
    r4 = file_request(network, side="other", age=50, children=1, first_name="Rose", complaint=True)
    r5 = file_request(network, gender="X", age=22, country="NG", forms=("begging",), first_name="Sunny")
    r6 = file_request(
        network,
        side="other",
        birth_date=datetime.date(1998, 1, 2),
        children=1,
        country="NG",
        first_name="Joy",
    )
    # r1: placed at A, arrives today after 10 days, leaves today for housing.
    stay1 = place(network, accept(network, r1), shelter_a, staff_a, today)
    placements.stay_exit(actor=staff_a, stay=stay1, day=today, outcome="housing")
    backdate(r1, timezone.now() - datetime.timedelta(days=10))
    # r6: placed at B, arrived on the first day of last month, 30 days after the request.
    place(network, accept(network, r6), shelter_b, staff_b, last_month)
    backdate(
        r6,
        timezone.make_aware(datetime.datetime.combine(last_month, datetime.time(12)))
        - datetime.timedelta(days=30),
    )
    # r2: refused by both shelters, still searching.
    r2 = accept(network, r2)
    for proposal in placements.proposals_create(
        actor=coordinator, request=r2, shelters=[shelter_a, shelter_b]
    ):
        staff = staff_a if proposal.shelter_id == shelter_a.pk else staff_b
        reason = "no_place" if staff is staff_a else "security"
        placements.proposal_refuse(actor=staff, proposal=proposal, reason=reason)
    services.request_transition(actor=coordinator, request=r3, name="decline", reason="Hors champ")
    services.request_transition(actor=coordinator, request=r4, name="redirect", reason="Vers le 115")
    return Known(
        today=today,
        last_month=last_month,
        shelter_a=shelter_a,
        shelter_b=shelter_b,
        requests={"r1": r1, "r2": r2, "r3": r3, "r4": r4, "r5": r5, "r6": r6},
    )
