"""The access policy: which objects and fields each user may see. The only place that says so.

Every view reads sensitive objects through these functions. An object outside a user's reach
answers 404, never 403: a 403 would confirm that the object exists.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from abri.access.roles import (
    ADMINISTRATION,
    COORDINATION,
    OBSERVER,
    PARTNER,
    REFERRER,
    SHELTER_STAFF,
    role_of,
)
from abri.accounts.models import Organisation, OrganisationKind, User
from abri.audit.services import audit_record
from abri.network.models import Shelter, Unavailability

M = TypeVar("M", bound=models.Model)


def organisations_for_user(user: Any) -> models.QuerySet[Organisation]:
    """Administrators and coordinators see every organisation; others their own only."""
    role = role_of(user)
    if role in COORDINATION:
        return Organisation.objects.all()
    if role is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk=user.organisation_id)


def users_for_user(user: Any) -> models.QuerySet[User]:
    """Administrators manage every account; anyone else sees only their own."""
    role = role_of(user)
    if role in ADMINISTRATION:
        return User.objects.select_related("organisation")
    if role is None:
        return User.objects.none()
    return User.objects.filter(pk=user.pk)


def shelters_for_user(user: Any) -> models.QuerySet[Shelter]:
    """Coordinators see every shelter; shelter staff their own operator's; nobody else any.

    A shelter's name, town and coordinates are location data: referrers, support partners and
    observers never receive a Shelter object (observers get counts from ``network.selectors``).
    """
    role = role_of(user)
    if role in COORDINATION:
        return Shelter.objects.select_related("operator")
    if role == SHELTER_STAFF:
        return Shelter.objects.select_related("operator").filter(operator_id=user.organisation_id)
    return Shelter.objects.none()


def unavailabilities_for_user(user: Any) -> models.QuerySet[Unavailability]:
    return Unavailability.objects.select_related("shelter").filter(shelter__in=shelters_for_user(user))


# Which kinds of organisation each role finds in the partner directory. Referrers and support
# partners never see shelter operators: the list of CHRS of the network is itself sensitive.
DIRECTORY_KINDS: dict[str, tuple[str, ...]] = {
    REFERRER: (OrganisationKind.COORDINATOR, OrganisationKind.REFERRER, OrganisationKind.SUPPORT_PARTNER),
    PARTNER: (OrganisationKind.COORDINATOR, OrganisationKind.REFERRER, OrganisationKind.SUPPORT_PARTNER),
    SHELTER_STAFF: (
        OrganisationKind.COORDINATOR,
        OrganisationKind.REFERRER,
        OrganisationKind.SUPPORT_PARTNER,
    ),
    OBSERVER: (),
}


def directory_for_user(user: Any) -> models.QuerySet[Organisation]:
    """The partner directory as this user may see it (active organisations only, but for coordinators)."""
    role = role_of(user)
    if role in COORDINATION:
        return Organisation.objects.all()
    if role is None:
        return Organisation.objects.none()
    kinds = DIRECTORY_KINDS.get(role, ())
    return Organisation.objects.filter(is_active=True, kind__in=kinds) | Organisation.objects.filter(
        pk=user.organisation_id
    )


def refuse(*, user: Any, request: HttpRequest | None, what: str, object_id: str = "") -> Http404:
    """Record a refused access and return the 404 to raise."""
    audit_record(
        action="access.refused",
        actor=user,
        object_type=what,
        object_id=object_id[:64],
        data={"path": request.path[:200] if request else ""},
        request=request,
    )
    return Http404()


def get_for_user(queryset: models.QuerySet[M], pk: Any, *, user: Any, request: HttpRequest | None) -> M:
    """The object with this key among those the user may see, or a recorded refusal (404)."""
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, ValidationError) as exc:
        # A malformed key is answered exactly like a missing object.
        raise refuse(
            user=user, request=request, what=queryset.model._meta.label_lower, object_id=str(pk)
        ) from exc


def requests_for_user(user: Any) -> models.QuerySet[Any]:
    """Coordinators see every submitted request; a referrer its organisation's, drafts included.

    Nobody finds a person across organisations: there is no other way to reach a request.
    """
    from abri.referrals.models import Request, Status

    role = role_of(user)
    base = Request.objects.select_related("person", "referrer")
    if role in COORDINATION:
        return base.exclude(status=Status.DRAFT)
    if role == REFERRER:
        return base.filter(referrer_id=user.organisation_id)
    return base.none()


def persons_for_user(user: Any) -> models.QuerySet[Any]:
    """Persons reachable through the requests the user may see."""
    from abri.referrals.models import Person

    return Person.objects.filter(requests__in=requests_for_user(user)).distinct()


# --- A person's identity ----------------------------------------------------------------------
#
# Names, other names, birth date, nationality and phone reach a page only through
# ``identity_for``/``identities_for``: they check ``identity_persons_for_user`` (the one rule) and
# record the read. Templates never read these attributes on a Person (a test scans them).

IDENTITY_FIELDS = ("first_name", "last_name", "aliases", "birth_date", "nationality", "phone")


@dataclass(frozen=True)
class Identity:
    """What identifies a person, as a page shows it. Made only by ``identities_for``, which
    checked that the reader may see it and recorded the read."""

    person_id: Any
    first_name: str
    last_name: str
    aliases: str
    birth_date: datetime.date | None
    nationality: str
    phone: str

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


def identity_persons_for_user(user: Any) -> models.QuerySet[Any]:
    """The persons whose identity the user may read now (SECURITY.md, "person's identity").

    Coordinators: everyone not erased. Referrers: the persons of their organisation's requests.
    Support partners: the people they follow now. Shelter staff: only while the placement is
    current at one of their shelters: a proposal agreed or confirmed, or a stay not ended, on a
    request still open. After a refusal, an expiry, a withdrawal, a missed arrival, an exit or an
    emergency move, the shelter sees the anonymised profile only. Observers: nobody.
    """
    from abri.placements.models import ProposalStatus
    from abri.referrals.models import Person, Status
    from abri.referrals.workflow import OPEN_STATUSES

    role = role_of(user)
    base = Person.objects.filter(erased_at__isnull=True)
    if role in COORDINATION:
        return base
    if role == REFERRER:
        return base.filter(pk__in=requests_for_user(user).values("person_id"))
    if role == PARTNER:
        return support_persons_for_user(user)
    if role == SHELTER_STAFF:
        # A request closed, declined or redirected has no current placement, whatever proposal or
        # stay was left on it: its shelter no longer reads the identity.
        live = models.Q(request__status__in=OPEN_STATUSES | {Status.IN_STAY})
        agreed = proposals_for_user(user).filter(
            live, status__in=[ProposalStatus.AGREED, ProposalStatus.CONFIRMED]
        )
        staying = stays_for_user(user).filter(live, ended_on__isnull=True)
        return base.filter(
            models.Q(pk__in=agreed.values("request__person_id"))
            | models.Q(pk__in=staying.values("request__person_id"))
        )
    return base.none()


def _identity_keys(user: Any, persons: list[Any]) -> set[Any]:
    """The keys of those persons whose identity the user may read now (no query for coordinators)."""
    if role_of(user) in COORDINATION:
        return {p.pk for p in persons if p.erased_at is None}
    keys = [p.pk for p in persons]
    return set(identity_persons_for_user(user).filter(pk__in=keys).values_list("pk", flat=True))


def identity_visible(user: Any, person: Any) -> bool:
    """May the user read this person's identity now? (No read is recorded: see ``identity_for``.)"""
    return person.pk in _identity_keys(user, [person])


# The persons whose identity was already recorded as read during this response.
_READS_ATTRIBUTE = "_abri_identity_reads"


def identities_for(
    user: Any, persons: Any, *, request: HttpRequest | None, also: tuple[str, ...] = ()
) -> dict[Any, Identity]:
    """The identities of those persons the user may read, by person key; one ``read.sensitive``
    event per person shown, once per response, whatever the number of persons (two queries for
    the rule and three for the events). ``also`` names other sensitive fields the page shows with
    the identity, recorded in the same event."""
    from abri.audit.services import audit_read_many

    unique = list({p.pk: p for p in persons}.values())
    if not unique:
        return {}
    visible = _identity_keys(user, unique)
    shown = [p for p in unique if p.pk in visible]
    already: set[Any] = getattr(request, _READS_ATTRIBUTE, set()) if request is not None else set()
    audit_read_many(
        actor=user,
        targets=[p for p in shown if p.pk not in already],
        fields=["identity", *also],
        request=request,
    )
    if request is not None:
        setattr(request, _READS_ATTRIBUTE, already | {p.pk for p in shown})
    return {
        p.pk: Identity(
            person_id=p.pk,
            first_name=p.first_name or "",
            last_name=p.last_name or "",
            aliases=p.aliases or "",
            birth_date=p.birth_date,
            nationality=p.nationality or "",
            phone=p.phone or "",
        )
        for p in shown
    }


def identity_for(
    user: Any, person: Any, *, request: HttpRequest | None, also: tuple[str, ...] = ()
) -> Identity | None:
    """The person's identity if the user may read it now (the read is recorded), else None."""
    return identities_for(user, [person], request=request, also=also).get(person.pk)


def attachments_for_user(user: Any) -> models.QuerySet[Any]:
    """Documents of the requests the user may see."""
    from abri.referrals.models import Attachment

    visible = Attachment.objects.select_related("request__person").filter(request__in=requests_for_user(user))
    if role_of(user) not in COORDINATION:
        # A travel ticket names the arrival station: the referrer sees the departure side only.
        visible = visible.exclude(kind=Attachment.Kind.TICKET)
    return visible


def proposals_for_user(user: Any) -> models.QuerySet[Any]:
    """Coordinators see every proposal; shelter staff those addressed to their shelters."""
    from abri.placements.models import Proposal

    role = role_of(user)
    if role in COORDINATION:
        return Proposal.objects.all()
    if role == SHELTER_STAFF:
        return Proposal.objects.filter(shelter__operator_id=user.organisation_id)
    return Proposal.objects.none()


def stays_for_user(user: Any) -> models.QuerySet[Any]:
    """Coordinators see every stay; shelter staff their residents."""
    from abri.placements.models import Stay

    role = role_of(user)
    if role in COORDINATION:
        return Stay.objects.all()
    if role == SHELTER_STAFF:
        return Stay.objects.filter(shelter__operator_id=user.organisation_id)
    return Stay.objects.none()


def disclosed_shelter(request: Any) -> Any:
    """The shelter a coordinator disclosed to the referrer for this request, if any."""
    from abri.placements.models import Disclosure

    disclosure = (
        Disclosure.objects.filter(request=request).select_related("shelter").order_by("-created_at").first()
    )
    return disclosure.shelter if disclosure else None


def danger_zone_label(user: Any, zone: Any) -> str:
    """How one danger zone reads for this user: the one function every page and form uses.

    A zone drawn around a former shelter (after an incident) is location data (SECURITY.md):
    coordinators read its town, everyone else "the area of a former placement", never its town,
    département or radius. A zone the coordinators set is theirs to explain: others read that
    it exists, not where (it may well be drawn from what a shelter told them).
    """
    from abri.referrals.models import DangerZone

    if role_of(user) not in COORDINATION:
        if zone.source == DangerZone.Source.PLACEMENT:
            return str(_("the area of a former placement"))
        if zone.source != DangerZone.Source.REFERRER:
            return str(_("an area set by the coordinators"))
    if zone.commune:
        label = _("%(town)s (%(departement)s, %(radius)s km)") % {
            "town": zone.commune,
            "departement": zone.departement,
            "radius": zone.radius_km,
        }
    else:
        label = _("département %(code)s") % {"code": zone.departement}
    if zone.source != DangerZone.Source.REFERRER:
        origin = str(DangerZone.Source(zone.source).label).lower()
        label = _("%(zone)s: %(source)s") % {"zone": label, "source": origin}
    return str(label)


def danger_zones_for_user(user: Any, request: Any) -> list[str]:
    """The request's danger zones as this user may read them (``danger_zone_label``)."""
    return [danger_zone_label(user, zone) for zone in request.danger_zones.all()]


def support_persons_for_user(user: Any) -> models.QuerySet[Any]:
    """Whose support record the user may open (SECURITY.md: "stay, support, legal proceedings").

    Coordinators: every person with a submitted request or a support follow-up. Shelter staff:
    their current residents only; once a person has left, the old shelter no longer reads what
    the next organisations record (it could tell where the person went). Support partners: the
    people they follow. Referrers get a status summary on their request's page, never the record.
    """
    from abri.placements.models import Stay
    from abri.referrals.models import Person, Request, Status
    from abri.support.models import SupportFollow

    role = role_of(user)
    base = Person.objects.filter(erased_at__isnull=True)
    if role in COORDINATION:
        submitted = Request.objects.exclude(status=Status.DRAFT).values("person_id")
        followed = SupportFollow.objects.values("person_id")
        return base.filter(models.Q(pk__in=submitted) | models.Q(pk__in=followed))
    if role == SHELTER_STAFF:
        residents = Stay.objects.filter(
            ended_on__isnull=True, shelter__operator_id=user.organisation_id
        ).values("request__person_id")
        return base.filter(pk__in=residents)
    if role == PARTNER:
        followed = SupportFollow.objects.filter(
            organisation_id=user.organisation_id, ended_on__isnull=True
        ).values("person_id")
        return base.filter(pk__in=followed)
    return base.none()


def support_details_visible(user: Any, recorded_by_organisation_id: Any) -> bool:
    """May the user read the free text and places of an entry another organisation recorded?

    A support partner never learns where a placed person lives, and a shelter's notes, the
    police station of a complaint or the préfecture of a permit can tell it: a partner reads
    those details only in its own entries. Coordinators and the shelter read everything.
    """
    role = role_of(user)
    if role == PARTNER:
        return bool(recorded_by_organisation_id == user.organisation_id)
    return role in COORDINATION or role == SHELTER_STAFF


def hearings_for_user(user: Any) -> models.QuerySet[Any]:
    """Hearings of the people whose record the user may open (the calendar)."""
    from abri.support.models import Hearing

    return Hearing.objects.filter(case__person__in=support_persons_for_user(user))


def training_sessions_for_user(user: Any) -> models.QuerySet[Any]:
    """Coordinators see every session; a support partner the sessions its organisation gives and
    those its staff attended; shelter staff the sessions their organisation's staff attended
    (read only); referrers and observers none (their own trainings: ``my_attendances``)."""
    from abri.training.models import TrainingSession

    role = role_of(user)
    base = TrainingSession.objects.select_related("trainer")
    if role in COORDINATION:
        return base
    attended = TrainingSession.objects.filter(attendances__organisation_id=user.organisation_id).values("pk")
    if role == PARTNER:
        return base.filter(models.Q(trainer_id=user.organisation_id) | models.Q(pk__in=attended))
    if role == SHELTER_STAFF:
        return base.filter(pk__in=attended)
    return base.none()


def attendances_for_user(user: Any) -> models.QuerySet[Any]:
    """Whose names a user may read: coordinators everyone's; the trainer organisation its
    sessions' attendees; anyone else their own organisation's staff and themselves. Nobody else
    learns another organisation's attendees' names."""
    from abri.training.models import Attendance

    role = role_of(user)
    base = Attendance.objects.select_related("session__trainer", "user", "shelter")
    if role in COORDINATION:
        return base
    if role is None:
        return base.none()
    mine = models.Q(user_id=user.pk)
    if role in (PARTNER, SHELTER_STAFF):
        mine |= models.Q(organisation_id=user.organisation_id)
    if role == PARTNER:
        mine |= models.Q(session__trainer_id=user.organisation_id)
    return base.filter(mine)


def certificates_for_user(user: Any) -> models.QuerySet[Any]:
    """Attendance certificates a user may download: their own, every one for coordinators, and
    the trainer organisation's. Only people present at a session that took place have one."""
    from abri.training.models import Attendance

    role = role_of(user)
    from django.utils import timezone

    base = Attendance.objects.select_related("session__trainer", "user", "organisation").filter(
        attended=True, session__starts_on__lte=timezone.localdate()
    )
    if role in COORDINATION:
        return base
    if role is None:
        return base.none()
    mine = models.Q(user_id=user.pk)
    if role == PARTNER:
        mine |= models.Q(session__trainer_id=user.organisation_id)
    return base.filter(mine)
