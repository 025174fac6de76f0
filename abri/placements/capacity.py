"""Taking and giving back a shelter's places: the only code that changes ``Shelter.places_taken``.

Taking places locks the shelter's row (``select_for_update``), re-counts what the holds and stays
really take, checks against the dedicated places minus those declared unavailable, then writes,
all in the caller's transaction. A CheckConstraint (places_taken <= dedicated_places) backs it in
the database, so even a bug here cannot overbook. Giving places back needs no lock: it is one
atomic decrement. No I/O happens while the lock is held (e-mails go after commit).
"""

from __future__ import annotations

import datetime
import uuid

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abri.core.errors import DomainError
from abri.network.models import Shelter, Unavailability
from abri.placements.models import HOLDING, Proposal, Stay


def counted_taken(shelter_id: uuid.UUID) -> int:
    """What holds and stays really take now, counted from the rows (not the counter)."""
    held = (
        Proposal.objects.filter(shelter_id=shelter_id, status__in=HOLDING, stay__isnull=True).aggregate(
            n=Sum("places")
        )["n"]
        or 0
    )
    occupied = (
        Stay.objects.filter(shelter_id=shelter_id, ended_on__isnull=True).aggregate(n=Sum("places"))["n"] or 0
    )
    return int(held) + int(occupied)


def take_places(*, shelter: Shelter, places: int, day: datetime.date | None = None) -> Shelter:
    """Reserve ``places`` at ``shelter`` or raise; must run inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_places must run inside transaction.atomic()")
    locked = Shelter.objects.select_for_update().get(pk=shelter.pk)
    day = day or timezone.localdate()
    unavailable = (
        Unavailability.objects.filter(
            shelter=locked, starts_on__lte=day, ends_on__gte=day, ended_at__isnull=True
        ).aggregate(n=Sum("places"))["n"]
        or 0
    )
    taken = counted_taken(locked.pk)
    free = locked.dedicated_places - int(unavailable) - taken if locked.is_active else 0
    if places > free:
        raise DomainError(
            _("This shelter has %(free)s free places now, %(places)s are needed.")
            % {"free": max(free, 0), "places": places},
            code="no_place",
        )
    locked.places_taken = taken + places
    locked.save(update_fields=["places_taken"])
    return locked


def give_back_places(*, shelter_id: uuid.UUID, places: int) -> None:
    """Release places: one atomic decrement, no lock needed."""
    Shelter.objects.filter(pk=shelter_id).update(places_taken=F("places_taken") - places)
