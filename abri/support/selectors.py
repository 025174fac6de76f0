"""Reading support records as the access policy allows: the list, the record, the calendar.

What an organisation may read of another's entries is ``policy.support_details_visible``; the
names of other organisations are replaced by their kind for support partners, because a
shelter operator's name can tell where the person lives.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from abri.access.policy import hearings_for_user, support_details_visible, support_persons_for_user
from abri.access.roles import COORDINATION, PARTNER, SHELTER_STAFF, role_of
from abri.accounts.models import Organisation, OrganisationKind
from abri.placements.models import Stay
from abri.referrals.models import Person
from abri.support.journal import describe
from abri.support.models import (
    CaseOutcome,
    Hearing,
    HearingKind,
    LegalCase,
    PermitStatus,
    ResidencePermit,
    StepStatus,
    SupportEvent,
    SupportFollow,
    SupportIncident,
    SupportStep,
)
from abri.support.services import current_permits

PERMIT_WARNING_DAYS = 60


def people_for_user(user: Any, *, query: str = "") -> QuerySet[Person]:
    """The people whose record the user may open, with what needs attention; a constant number of queries."""
    today = timezone.localdate()
    now = timezone.now()
    people = support_persons_for_user(user)
    if query:
        # No global search: the reference or pseudonym, among the people already followed.
        people = people.filter(Q(reference__icontains=query) | Q(pseudonym__icontains=query))
    next_hearing = (
        Hearing.objects.filter(case__person=OuterRef("pk"), at__gte=now).order_by("at").values("at")[:1]
    )
    return people.annotate(
        next_hearing=Subquery(next_hearing),
        # The current document's expiry: a document already renewed is not "expiring".
        next_expiry=Subquery(
            current_permits()
            .filter(person=OuterRef("pk"), status=PermitStatus.GRANTED, expires_on__gte=today)
            .order_by("expires_on")
            .values("expires_on")[:1]
        ),
        open_steps=Count(
            "support_steps",
            filter=Q(support_steps__status__in=[StepStatus.PLANNED, StepStatus.IN_PROGRESS]),
            distinct=True,
        ),
    ).order_by("reference")


@dataclass
class Entry:
    """One entry of the record, with whether the reader may see its details and who recorded it."""

    obj: Any
    details: bool
    recorded_by: str
    hearings: list[HearingView] = field(default_factory=list)


@dataclass
class HearingView:
    """A hearing as this reader may see it."""

    hearing: Hearing
    court: str
    outcome: str
    editable: bool = False


@dataclass
class SupportRecord:
    person: Person
    stay: Stay | None
    show_shelter: bool
    follows: list[Any]
    steps: list[Entry] = field(default_factory=list)
    permits: list[Entry] = field(default_factory=list)
    cases: list[Entry] = field(default_factory=list)
    incidents: list[Entry] = field(default_factory=list)
    journal: list[dict[str, Any]] = field(default_factory=list)
    can_write: bool = False
    is_coordinator: bool = False


def organisation_label(user: Any, organisation: Organisation | None) -> str:
    """Who recorded an entry, as this reader may know it."""
    if organisation is None:
        return ""
    if role_of(user) != PARTNER or organisation.pk == user.organisation_id:
        return organisation.name
    if organisation.kind == OrganisationKind.SHELTER_OPERATOR:
        return _("The shelter")
    if organisation.kind == OrganisationKind.COORDINATOR:
        return _("The coordination")
    return organisation.name


def hearing_view(user: Any, hearing: Hearing) -> HearingView:
    """A partner reads the outcome of a hearing another organisation recorded as "recorded", and
    the place of its auditions not at all: an audition may be held near the shelter. Trials are
    held where the offence was, and a partner accompanies the person there: their court shows."""
    details = hearing.organisation_id is None or support_details_visible(user, hearing.organisation_id)
    court = hearing.court or ""
    if not details and hearing.kind == HearingKind.HEARING:
        court = _("place kept by the organisation that recorded it")
    outcome = (hearing.outcome or "") if details else (_("recorded") if hearing.outcome else "")
    editable = role_of(user) in COORDINATION or hearing.recorded_by_id == user.organisation_id
    return HearingView(hearing, court, outcome, editable)


def _entries(user: Any, objects: Any) -> list[Entry]:
    return [
        Entry(
            obj,
            support_details_visible(user, obj.organisation_id),
            organisation_label(user, obj.organisation),
        )
        for obj in objects
    ]


def support_record(user: Any, person: Person) -> SupportRecord:
    """Everything on the person's record the user may read (the caller checked the person is reachable)."""
    role = role_of(user)
    stay = (
        Stay.objects.filter(request__person=person, ended_on__isnull=True).select_related("shelter").first()
    )
    cases = list(
        LegalCase.objects.filter(person=person)
        .select_related("organisation")
        .prefetch_related("hearings", "claims")
    )
    journal = [
        {
            "at": event.at,
            "summary": describe(event.kind, event.data),
            "by": organisation_label(user, event.organisation),
            # A partner does not learn the names of a shelter's staff.
            "actor": (
                event.actor.get_full_name()
                if event.actor and (role != PARTNER or event.organisation_id == user.organisation_id)
                else ""
            ),
        }
        for event in SupportEvent.objects.filter(person=person).select_related("organisation", "actor")[:100]
    ]
    return SupportRecord(
        person=person,
        stay=stay,
        # Partners never learn the shelter (SECURITY.md); the shelter knows itself.
        show_shelter=role in COORDINATION or role == SHELTER_STAFF,
        follows=list(
            SupportFollow.objects.filter(person=person, ended_on__isnull=True).select_related("organisation")
        ),
        steps=_entries(user, SupportStep.objects.filter(person=person).select_related("organisation")),
        permits=_entries(user, ResidencePermit.objects.filter(person=person).select_related("organisation")),
        cases=[
            Entry(
                entry.obj,
                entry.details,
                entry.recorded_by,
                [hearing_view(user, h) for h in entry.obj.hearings.all()],
            )
            for entry in _entries(user, cases)
        ],
        incidents=_entries(
            user, SupportIncident.objects.filter(person=person).select_related("organisation")
        ),
        journal=journal,
        can_write=role in COORDINATION or role in (SHELTER_STAFF, PARTNER),
        is_coordinator=role in COORDINATION,
    )


def can_edit(user: Any, entry: Any) -> bool:
    return role_of(user) in COORDINATION or entry.organisation_id == user.organisation_id


def coming_hearings(user: Any, *, days: int = 183) -> list[HearingView]:
    """The calendar: hearings of the people the user follows, from today on."""
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
    hearings = (
        hearings_for_user(user)
        .filter(at__gte=start, at__lt=start + datetime.timedelta(days=days))
        .select_related("case__person")
        .order_by("at")
    )
    return [hearing_view(user, h) for h in hearings]


def support_summary(person: Person) -> dict[str, Any]:
    """What a referrer may know of the support: a status summary; no detail, place or hearing date."""
    steps = SupportStep.objects.filter(person=person).values("status").annotate(n=Count("pk"))
    by_status = {row["status"]: row["n"] for row in steps}
    permit = (
        ResidencePermit.objects.filter(person=person, status=PermitStatus.GRANTED)
        .order_by("-starts_on")
        .first()
    )
    cases = list(LegalCase.objects.filter(person=person).values_list("stage", "outcome"))
    return {
        "steps_open": by_status.get(StepStatus.PLANNED, 0) + by_status.get(StepStatus.IN_PROGRESS, 0),
        "steps_done": by_status.get(StepStatus.DONE, 0),
        "permit": permit.get_kind_display() if permit else "",
        "permit_valid": bool(permit and permit.expires_on and permit.expires_on >= timezone.localdate()),
        "cases": len(cases),
        "convictions": sum(1 for _stage, outcome in cases if outcome == CaseOutcome.CONVICTION),
        "followed": SupportFollow.objects.filter(person=person, ended_on__isnull=True).exists(),
    }


@dataclass
class AgendaItem:
    day: datetime.date
    what: str
    person: Person
    overdue: bool = False


def support_agenda(user: Any, *, days: int = 60, limit: int = 20) -> list[AgendaItem]:
    """What is coming for the people the user follows, in date order: hearings, residence
    documents expiring, steps due (and overdue). Three queries, whatever the number of people."""
    today = timezone.localdate()
    horizon = today + datetime.timedelta(days=days)
    people = support_persons_for_user(user)
    items: list[AgendaItem] = []
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    for hearing in (
        Hearing.objects.filter(
            case__person__in=people, at__gte=start, at__lt=start + datetime.timedelta(days=days)
        )
        .select_related("case__person")
        .order_by("at")[:limit]
    ):
        items.append(
            AgendaItem(timezone.localtime(hearing.at).date(), hearing.get_kind_display(), hearing.case.person)
        )
    for permit in (
        current_permits()
        .filter(
            person__in=people, status=PermitStatus.GRANTED, expires_on__gte=today, expires_on__lte=horizon
        )
        .select_related("person")
        .order_by("expires_on")[:limit]
    ):
        label = _("%(document)s expires") % {"document": permit.get_kind_display()}
        items.append(AgendaItem(permit.expires_on or today, label, permit.person))
    for step in (
        SupportStep.objects.filter(
            person__in=people, status__in=[StepStatus.PLANNED, StepStatus.IN_PROGRESS], due_on__lte=horizon
        )
        .select_related("person")
        .order_by("due_on")[:limit]
    ):
        due = step.due_on or today  # filtered on: never None here
        items.append(AgendaItem(due, step.get_category_display(), step.person, overdue=due < today))
    return sorted(items, key=lambda item: item.day)[:limit]
