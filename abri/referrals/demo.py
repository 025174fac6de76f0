"""~300 synthetic requests over three years, in every state, with realistic proportions.

Proportions follow DOMAIN.md (Miprof's 2024 survey): 89% women; sexual exploitation 86%, labour
and domestic 11%, forced criminality 2%, forced begging 1%. Names are invented.
"""

from __future__ import annotations

import contextlib
import datetime
import random
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from abri.accounts.models import OrganisationKind, User
from abri.placements.models import Notification
from abri.referrals import services
from abri.referrals.models import Request, RequestEvent, Status

FIRST_F = [
    "Blessing",
    "Joy",
    "Precious",
    "Esther",
    "Mihaela",
    "Ioana",
    "Li",
    "Mei",
    "Aminata",
    "Fatou",
    "Grace",
    "Ana",
    "Elena",
    "Daria",
    "Mariam",
    "Awa",
    "Favour",
    "Lin",
    "Adaeze",
    "Roxana",
]
FIRST_M = ["Ionut", "Daniel", "Moussa", "Chen", "Samuel", "Florin", "Ibrahim", "Mihai"]
LAST = [
    "Osas",
    "Eze",
    "Popescu",
    "Ionescu",
    "Wang",
    "Zhang",
    "Diallo",
    "Traoré",
    "Okafor",
    "Dumitru",
    "Kone",
    "Nwosu",
    "Lungu",
    "Liu",
    "Camara",
    "Stan",
    "Obi",
    "Sow",
    "Petrov",
    "Moreira",
]
NATIONALITIES = [
    ("nigériane", ["en", "bin", "pcm"], 40),
    ("roumaine", ["ro"], 12),
    ("chinoise", ["zh"], 8),
    ("ivoirienne", ["fr"], 8),
    ("camerounaise", ["fr", "en"], 6),
    ("bulgare", ["bg"], 5),
    ("brésilienne", ["pt"], 5),
    ("albanaise", ["sq"], 4),
    ("française", ["fr"], 6),
    ("marocaine", ["ar", "fr"], 4),
    ("vietnamienne", ["vi"], 2),
]
# The clear, coarse country of origin the statistics count (the nationality itself is encrypted).
COUNTRY_OF = {
    "nigériane": "NG",
    "roumaine": "RO",
    "chinoise": "CN",
    "ivoirienne": "CI",
    "camerounaise": "CM",
    "bulgare": "BG",
    "brésilienne": "BR",
    "albanaise": "AL",
    "française": "FR",
    "marocaine": "MA",
    "vietnamienne": "VN",
}
FORMS = [("sexual", 86), ("labour", 7), ("domestic", 4), ("forced_crime", 2), ("begging", 1)]
DANGER_DEPS = ["13", "75", "93", "69", "06", "31", "33", "59", "67", "34", "44", "94", "92", "95", "83"]
# Final states of the past requests (placements come with the next issue).
PAST_OUTCOMES = [(Status.CLOSED, 55), (Status.DECLINED, 12), (Status.REDIRECTED, 18), (Status.SEARCHING, 15)]
OPEN_STATES = [
    Status.SUBMITTED,
    Status.IN_ASSESSMENT,
    Status.INFO_REQUESTED,
    Status.ACCEPTED,
    Status.SEARCHING,
]
PATHS = {
    Status.SUBMITTED: [],
    Status.IN_ASSESSMENT: ["start_assessment"],
    Status.INFO_REQUESTED: ["start_assessment", "request_information"],
    Status.ACCEPTED: ["start_assessment", "accept"],
    Status.SEARCHING: ["start_assessment", "accept", "start_search"],
    Status.DECLINED: ["start_assessment", "decline"],
    Status.REDIRECTED: ["start_assessment", "redirect"],
    Status.CLOSED: ["start_assessment", "accept", "start_search", "close"],
    Status.IN_STAY: ["start_assessment", "accept", "start_search"],
}
REASONS = {
    "request_information": "Pouvez-vous préciser les zones où le réseau est présent ?",
    "decline": "Pas d'éléments de traite ni de danger local identifiés.",
    "redirect": "Personne mineure : orientée vers l'aide sociale à l'enfance.",
    "close": "Orientation réalisée.",
    "close_elsewhere": "Solution trouvée hors du réseau.",
}


def _weighted(rng: random.Random, items: list[tuple[Any, int]]) -> Any:
    return rng.choices([i[0] for i in items], weights=[i[1] for i in items])[0]


def build_demo_requests(*, rng: random.Random, count: int = 300) -> int:
    coordinator = User.objects.get(username="coordination")
    referrers = list(User.objects.filter(organisation__kind=OrganisationKind.REFERRER).order_by("username"))
    now = timezone.now()
    created = 0
    for index in range(count):
        # Spread over three years, denser recently; the last ~25 are open.
        days_ago = int(1095 * (1 - (index / count)) ** 1.3)
        submitted_at = now - datetime.timedelta(days=days_ago, hours=rng.randint(0, 10))
        actor = referrers[rng.randrange(len(referrers))]
        is_open = index >= count - 25
        target = OPEN_STATES[index % len(OPEN_STATES)] if is_open else _weighted(rng, PAST_OUTCOMES)
        if target == Status.CLOSED and days_ago < 150:
            target = Status.IN_STAY  # recent placements are still living at their shelter
        if target == Status.SEARCHING and days_ago > 120:
            # Nobody waits years for a place: a request still searched for was sent in the last
            # four months (the date comes from the index, so the random sequence is unchanged).
            submitted_at = now - datetime.timedelta(days=6 + index % 115, hours=index % 10)
        if now - submitted_at > datetime.timedelta(days=14):
            # The notices of a journey long past would all read as written today and unread:
            # date them to the journey, already read.
            with _notices_dated(min(submitted_at + datetime.timedelta(days=3), now)):
                _file(rng, actor, coordinator, target, submitted_at, draft=(index % 60 == 59))
        else:
            _file(rng, actor, coordinator, target, submitted_at, draft=(index % 60 == 59))
        created += 1
    return created


@contextlib.contextmanager
def _notices_dated(at: datetime.datetime) -> Iterator[None]:
    """Date the notifications written by what runs inside to ``at``, and mark them read.

    Notifications are written once the transaction commits (the demo runs in one), in the order
    their callbacks were registered: a callback registered before marks the last notice, one
    registered after updates what came since. Outside a transaction both run at once, in order.
    """
    mark: dict[str, int] = {}

    def remember() -> None:
        mark["last"] = Notification.objects.aggregate(last=Max("id"))["last"] or 0

    transaction.on_commit(remember)
    yield
    transaction.on_commit(
        lambda: Notification.objects.filter(id__gt=mark["last"]).update(created_at=at, read_at=at)
    )


def _file(
    rng: random.Random,
    actor: User,
    coordinator: User,
    target: str,
    submitted_at: datetime.datetime,
    *,
    draft: bool,
) -> Request:
    woman = rng.random() < 0.89
    nationality, languages, _weight = rng.choices(NATIONALITIES, weights=[n[2] for n in NATIONALITIES])[0]
    age = max(18, min(60, int(rng.gauss(27, 7))))
    birth = (submitted_at - datetime.timedelta(days=age * 365 + rng.randint(0, 364))).date()
    req = services.request_create_draft(actor=actor)
    services.request_save_person(
        actor=actor,
        request=req,
        data={
            "first_name": rng.choice(FIRST_F if woman else FIRST_M),
            "last_name": rng.choice(LAST),
            "aliases": rng.choice(["", "", "Baby", "Sunny", "Mimi"]),
            "birth_date": birth,
            "age": None,
            "nationality": nationality,
            "phone": f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} "
            f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
            "gender": "F" if woman else "M",
            "languages": languages,
            "interpreter_needed": "fr" not in languages,
            "country_of_origin": COUNTRY_OF.get(nationality, "unknown"),
        },
    )
    members = []
    if woman and rng.random() < 0.25:
        members = [
            {"relation": "child", "gender": rng.choice("FM"), "age": rng.randint(0, 12)}
            for _ in range(rng.choice([1, 1, 2, 3]))
        ]
    services.request_save_household(actor=actor, request=req, members=members)
    form = _weighted(rng, FORMS)
    home = actor.organisation.departement if actor.organisation else "13"
    departements = sorted({home, *rng.sample(DANGER_DEPS, k=rng.randint(0, 2))} - {""})
    services.request_save_situation(
        actor=actor,
        request=req,
        data={
            "urgency": rng.choices(["normal", "urgent", "immediate"], weights=[55, 35, 10])[0],
            "situation": "Situation synthétique de démonstration.",
            "exploitation_forms": [form],
            "danger_departements": departements,
            "danger_towns": "",
            "min_distance_km": rng.choice([150, 150, 200, 300]),
            "exploiters": rng.choice(["Réseau", "Famille", "Conjoint", "Réseau transnational"]),
            # The national survey's coarse variables (a few left unknown, as in the field).
            "exploiter_relation": _weighted(
                rng, [("network", 60), ("family", 10), ("spouse", 8), ("employer", 10), ("unknown", 12)]
            ),
            "exploitation_place": _weighted(
                rng, [("france", 45), ("abroad", 10), ("both", 35), ("unknown", 10)]
            ),
            "exploitation_start_age": _weighted(
                rng, [("15_17", 18), ("18_24", 45), ("25_34", 20), ("35_plus", 5), ("unknown", 12)]
            ),
            "housed_by_exploiter": _weighted(rng, [("yes", 40), ("no", 35), ("unknown", 25)]),
        },
    )
    services.request_save_needs(
        actor=actor,
        request=req,
        data={
            "needs_wheelchair": rng.random() < 0.03,
            "health": rng.random() < 0.3,
            "addiction": rng.random() < 0.08,
            "pregnancy": woman and rng.random() < 0.1,
            "psychological": rng.random() < 0.4,
            "complaint_filed": rng.random() < 0.45,
            "permit_status": rng.choice(["none", "reflection", "receipt", "permit", "unknown"]),
        },
    )
    if draft:
        return req
    services.request_save_consent(
        actor=actor,
        request=req,
        data={
            "confirmed": True,
            "obtained_by": actor.get_full_name(),
            "obtained_at": timezone.now(),
            "language": languages[0],
            "interpreter_used": "fr" not in languages,
        },
    )
    req = services.request_submit(actor=actor, request=req)
    placed = target in (Status.CLOSED, Status.IN_STAY)
    for step in PATHS[Status(target)]:
        if placed and step == "close":
            continue  # closed by the stay's exit below
        req = services.request_transition(
            actor=coordinator, request=req, name=step, reason=REASONS.get(step, "")
        )
    if placed:
        from abri.placements.demo import backdate_placement, place

        finish = "in_stay" if target == Status.IN_STAY else ("incident" if rng.random() < 0.05 else "exit")
        place(rng=rng, request=req, coordinator=coordinator, finish=finish)
        backdate_placement(req, submitted_at, stay_days=rng.randint(30, 300))
        req = Request.objects.get(pk=req.pk)
        if req.status == Status.SEARCHING and timezone.now() - submitted_at > datetime.timedelta(days=120):
            # Searched for again after an incident, or never placed: long since settled.
            req = services.request_transition(
                actor=coordinator, request=req, name="close", reason=REASONS["close_elsewhere"]
            )
    # Demo history only: move the timeline back to when it happened.
    offset = timezone.now() - submitted_at
    Request.objects.filter(pk=req.pk).update(
        submitted_at=submitted_at,
        created_at=submitted_at,
        status_changed_at=submitted_at + datetime.timedelta(days=2),
    )
    for event in RequestEvent.objects.filter(request=req):
        RequestEvent.objects.filter(pk=event.pk).update(at=event.at - offset)
    if req.status == Status.CLOSED and placed:
        from abri.placements.models import Stay

        # Closed after the stay or the incident it follows, not on the day the request came.
        last_stay = Stay.objects.filter(request=req).order_by("-started_on").first()
        closed_on = last_stay and (last_stay.ended_on or last_stay.started_on)
        if closed_on:
            closed_at = timezone.make_aware(datetime.datetime.combine(closed_on, datetime.time(17)))
            RequestEvent.objects.filter(request=req, kind="close").update(at=closed_at)
    return req
