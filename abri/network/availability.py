"""The one answer to "how many places are free at this shelter at this time?".

Every page, export and the placement engine's adapter ask here, never count for themselves.
Free places = places dedicated to the network − places declared unavailable on that day −
places taken by placements (held by proposals, occupied by stays; the counter that
``abri.placements.capacity`` keeps under a row lock).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils import timezone

from abri.network.models import Shelter, Unavailability


@dataclass(frozen=True)
class Availability:
    dedicated: int
    unavailable: int
    taken: int = 0  # held by pending proposals and occupied by stays (abri.placements)

    @property
    def free(self) -> int:
        # The dedicated count may drop after places were taken: never show a negative number.
        return max(0, self.dedicated - self.unavailable - self.taken)


def _day(at: datetime.datetime | datetime.date | None) -> datetime.date:
    if at is None:
        return timezone.localdate()
    if isinstance(at, datetime.datetime):
        return timezone.localtime(at).date()
    return at


def _active_unavailability(day: datetime.date) -> Q:
    return Q(starts_on__lte=day, ends_on__gte=day, ended_at__isnull=True)


def availability_by_shelter(
    shelters: Iterable[Shelter], at: datetime.datetime | datetime.date | None = None
) -> dict[uuid.UUID, Availability]:
    """Availability of many shelters in one query, whatever their number."""
    shelters = list(shelters)
    day = _day(at)
    unavailable = dict(
        Unavailability.objects.filter(_active_unavailability(day), shelter__in=[s.pk for s in shelters])
        .values("shelter")
        .annotate(total=Sum("places"))
        .values_list("shelter", "total")
    )
    return {
        s.pk: Availability(
            taken=s.places_taken,
            dedicated=s.dedicated_places if s.is_active else 0,
            unavailable=unavailable.get(s.pk, 0) or 0,
        )
        for s in shelters
    }


def availability(shelter: Shelter, at: datetime.datetime | datetime.date | None = None) -> Availability:
    return availability_by_shelter([shelter], at)[shelter.pk]


def free_places(shelter: Shelter, at: datetime.datetime | datetime.date | None = None) -> int:
    """Free places of one shelter at a time (now by default)."""
    return availability(shelter, at).free
