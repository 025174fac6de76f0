"""Reads about training: which shelters have trained staff, the session list's filters.

A shelter's staff count as trained when they attended a session in the last 24 months. The
engine's ``trained_staff`` comes from ``trained_staff_by_shelter`` (one query for all shelters).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from abri.access.roles import COORDINATION, role_of
from abri.accounts.models import OrganisationKind
from abri.core.dates import shift_years
from abri.network.models import Shelter
from abri.training.models import Attendance

WINDOW_MONTHS = 24


def hides_shelter_operator(attendance: Attendance, viewer: Any) -> bool:
    """Whether this viewer must not learn which shelter operator the attendee works for.

    The list of shelters of the network is itself sensitive (docs/security.md): a support
    partner never learns a shelter, not even from the attendees of the sessions it gives.
    Coordinators, the attendee themselves and the attendee's own organisation read the real
    name; anyone else reads "a shelter of the network" for staff of a shelter operator. Expects
    ``attendance.organisation`` loaded (``select_related("organisation")``).
    """
    if role_of(viewer) in COORDINATION:
        return False
    if viewer is not None and attendance.user_id is not None and attendance.user_id == viewer.pk:
        return False
    own = getattr(viewer, "organisation_id", None)
    if own is not None and attendance.organisation_id == own:
        return False
    organisation = attendance.organisation if attendance.organisation_id else None
    return attendance.shelter_id is not None or (
        organisation is not None and organisation.kind == OrganisationKind.SHELTER_OPERATOR
    )


def attendee_organisation_label(attendance: Attendance, viewer: Any) -> str:
    """The attendee's organisation as ``viewer`` may read it: on the session page, in lists, on
    the certificate and in any export. The one place that applies ``hides_shelter_operator``."""
    if hides_shelter_operator(attendance, viewer):
        return gettext("a shelter of the network")
    return attendance.organisation_name


def window_start(today: datetime.date) -> datetime.date:
    """The first day that still counts: the same day 24 months ago."""
    return shift_years(today, -(WINDOW_MONTHS // 12))


def _ids(shelters: Iterable[Any]) -> list[Any]:
    return [s.pk if isinstance(s, Shelter) else s for s in shelters]


def trained_staff_by_shelter(
    shelters: Iterable[Any], *, today: datetime.date | None = None
) -> dict[Any, int]:
    """Distinct people who attended a session in the last 24 months, per shelter (one query).

    A platform user counts once however many sessions they attended; an external person is
    told apart by their name.
    """
    today = today or timezone.localdate()
    ids = _ids(shelters)
    rows = (
        Attendance.objects.filter(
            shelter_id__in=ids,
            attended=True,
            session__starts_on__gte=window_start(today),
            session__starts_on__lte=today,
        )
        .values_list("shelter_id", "user_id", "full_name")
        .distinct()
    )
    people: dict[Any, set[str]] = defaultdict(set)
    for shelter_id, user_id, full_name in rows:
        people[shelter_id].add(f"u:{user_id}" if user_id else f"x:{full_name.casefold()}")
    return {pk: len(people.get(pk, ())) for pk in ids}


@dataclass(frozen=True)
class ShelterTraining:
    shelter: Shelter
    trained_staff: int
    last_training: datetime.date | None

    @property
    def needs_training(self) -> bool:
        """Nobody trained in the last 24 months."""
        return self.trained_staff == 0


def shelter_training_status(
    shelters: Iterable[Shelter], *, today: datetime.date | None = None
) -> list[ShelterTraining]:
    """Per shelter: trained staff (last 24 months), the last training's date, the alert.

    Two queries whatever the number of shelters. Shelters needing training come first.
    """
    today = today or timezone.localdate()
    shelters = list(shelters)
    counts = trained_staff_by_shelter(shelters, today=today)
    last = dict(
        Attendance.objects.filter(
            shelter_id__in=[s.pk for s in shelters], attended=True, session__starts_on__lte=today
        )
        .values("shelter_id")
        .annotate(last=Max("session__starts_on"))
        .values_list("shelter_id", "last")
    )
    rows = [ShelterTraining(s, counts.get(s.pk, 0), last.get(s.pk)) for s in shelters]
    rows.sort(key=lambda r: (not r.needs_training, r.last_training or datetime.date.min, r.shelter.name))
    return rows
