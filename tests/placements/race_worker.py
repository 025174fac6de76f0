"""Run in separate processes by test_concurrency.py: each is its own database connection."""

from __future__ import annotations

import datetime
import os
import sys
import time


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abri.settings")
    import django

    django.setup()


def setup(attempts: int, places: int) -> None:
    """One shelter with ``places`` free places and ``attempts`` single-person requests being searched."""
    _django()
    from django.utils import timezone

    from abri.accounts.models import Organisation, User
    from abri.network.services import shelter_create
    from abri.referrals import services

    coordination = Organisation.objects.create(name="Coordination", kind="coordinator")
    referring = Organisation.objects.create(name="Orienteur", kind="referrer")
    operator = Organisation.objects.create(name="Gestionnaire", kind="shelter_operator")
    coordinator = User.objects.create(username="coord", organisation=coordination, role="coordinator")
    referrer = User.objects.create(username="ref", organisation=referring, role="referrer")
    shelter = shelter_create(
        actor=coordinator,
        operator=operator,
        name="CHRS Course",
        commune="Rennes",
        departement="35",
        latitude=48.11,
        longitude=-1.68,
        address="",
        accepts_genders=["F"],
        languages=["fr"],
        exploitation_forms=["sexual"],
        dedicated_places=places,
    )
    ids = []
    for _ in range(attempts):
        req = services.request_create_draft(actor=referrer)
        services.request_save_person(
            actor=referrer,
            request=req,
            data={"first_name": "A", "gender": "F", "age": 30, "languages": ["fr"]},
        )
        services.request_save_situation(
            actor=referrer,
            request=req,
            data={"urgency": "urgent", "exploitation_forms": ["sexual"], "danger_departements": ["13"]},
        )
        services.request_save_consent(
            actor=referrer,
            request=req,
            data={"confirmed": True, "obtained_by": "x", "obtained_at": timezone.now(), "language": "fr"},
        )
        req = services.request_submit(actor=referrer, request=req)
        for name in ("accept", "start_search"):
            req = services.request_transition(actor=coordinator, request=req, name=name)
        ids.append(str(req.pk))
    print(str(shelter.pk), " ".join(ids))


def attempt(request_id: str, shelter_id: str, start_at: float) -> None:
    """Wait for the common start time, then try to take places for one request."""
    _django()
    from abri.accounts.models import User
    from abri.core.errors import DomainError
    from abri.network.models import Shelter
    from abri.placements.services import proposals_create
    from abri.referrals.models import Request

    coordinator = User.objects.get(username="coord")
    request = Request.objects.get(pk=request_id)
    shelter = Shelter.objects.get(pk=shelter_id)
    time.sleep(max(0.0, start_at - time.time()))
    try:
        proposals_create(actor=coordinator, request=request, shelters=[shelter])
    except DomainError:
        print("REFUSED")
    else:
        print("TAKEN")


def report(shelter_id: str) -> None:
    _django()
    from abri.network.models import Shelter
    from abri.placements.capacity import counted_taken

    shelter = Shelter.objects.get(pk=shelter_id)
    print(shelter.places_taken, counted_taken(shelter.pk), datetime.date.today().isoformat())


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "setup":
        setup(int(args[0]), int(args[1]))
    elif command == "attempt":
        attempt(args[0], args[1], float(args[2]))
    else:
        report(args[0])
