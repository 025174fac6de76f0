"""Three years of support in the demo: social steps, residence rights, proceedings (some trials,
some convictions, some compensation), partners following people with and without a placement.

Synthetic only. Written straight to the models, because history cannot go through services that
refuse dates in the past of a stay long ended; the rules those services enforce (dates in order,
a decision date for a decided case, paid ≤ awarded) hold in what is generated here.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from abri.accounts.models import Organisation, OrganisationKind, User
from abri.placements.models import Stay
from abri.referrals.models import Person
from abri.support.models import (
    CaseOutcome,
    CaseStage,
    CompensationBody,
    CompensationClaim,
    Hearing,
    HearingKind,
    LegalCase,
    Offence,
    PermitKind,
    PermitStatus,
    ResidencePermit,
    StepCategory,
    StepStatus,
    SupportEvent,
    SupportFollow,
    SupportIncident,
    SupportIncidentKind,
    SupportStep,
)

COURTS = [
    "Tribunal correctionnel de Paris",
    "Tribunal correctionnel de Marseille",
    "Tribunal correctionnel de Lyon",
    "Tribunal correctionnel de Bobigny",
    "Cour d'assises de Paris",
    "Tribunal correctionnel de Lille",
    "Tribunal correctionnel de Bordeaux",
    "Cour d'appel de Paris",
]
STEP_CATEGORIES = [c for c, _label in StepCategory.choices if c != StepCategory.OTHER]


def _org(user: User) -> Any:
    """Every demo account belongs to an organisation."""
    return user.organisation_id


def _day(start: datetime.date, rng: random.Random, up_to: int) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(up_to, 0)))


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


class _Writer:
    """Collects rows and journal lines, then writes each table in one bulk insert."""

    def __init__(self) -> None:
        self.steps: list[SupportStep] = []
        self.permits: list[ResidencePermit] = []
        self.cases: list[LegalCase] = []
        self.hearings: list[Hearing] = []
        self.claims: list[CompensationClaim] = []
        self.events: list[SupportEvent] = []

    def journal(self, person: Person, user: User, when: datetime.date, event: str, **data: Any) -> None:
        self.events.append(
            SupportEvent(
                person=person,
                organisation_id=_org(user),
                actor=user,
                at=_at(when, 9 + len(self.events) % 8),
                kind=event,
                data=data,
            )
        )

    def save(self) -> None:
        SupportStep.objects.bulk_create(self.steps)
        ResidencePermit.objects.bulk_create(self.permits)
        LegalCase.objects.bulk_create(self.cases)
        Hearing.objects.bulk_create(self.hearings)
        CompensationClaim.objects.bulk_create(self.claims)
        SupportEvent.objects.bulk_create(self.events)


def _support(
    w: _Writer, rng: random.Random, person: Person, user: User, start: datetime.date, end: datetime.date
) -> None:
    """Steps, residence rights and maybe a proceeding between start and end (end may be today)."""
    today = timezone.localdate()
    span = (end - start).days
    for category in rng.sample(STEP_CATEGORIES, rng.randint(2, 5)):
        started = _day(start, rng, min(span, 60))
        if (end - started).days > 90 and rng.random() < 0.75:
            status, done = StepStatus.DONE, _day(started, rng, min((end - started).days, 240))
        else:
            status, done = (
                rng.choice([StepStatus.IN_PROGRESS, StepStatus.PLANNED, StepStatus.ABANDONED]),
                None,
            )
        due = started + datetime.timedelta(days=rng.choice([30, 60, 90, 180]))
        if status in (StepStatus.IN_PROGRESS, StepStatus.PLANNED) and due < today - datetime.timedelta(
            days=60
        ):
            status = StepStatus.ABANDONED  # left open at an exit long ago: closed since
        step = SupportStep(
            person=person,
            organisation_id=_org(user),
            category=category,
            status=status,
            started_on=started,
            due_on=due,
            done_on=done,
            note=rng.choice(["", "Rendez-vous pris.", "Dossier complet déposé.", "Relance nécessaire."]),
            created_by=user,
            updated_by=user,
        )
        w.steps.append(step)
        w.journal(
            person,
            user,
            started,
            "step.create",
            category=category,
            status=status,
        )
    if rng.random() < 0.7:
        # The reflection period, then the récépissé and the permit for victims who file a complaint.
        reflection = _day(start, rng, 10)
        w.permits.append(
            ResidencePermit(
                person=person,
                organisation_id=_org(user),
                kind=PermitKind.REFLECTION,
                status=PermitStatus.GRANTED,
                applied_on=reflection,
                starts_on=reflection,
                expires_on=reflection + datetime.timedelta(days=30),
                prefecture=rng.choice(["75", "69", "13", "33", "59"]),
                reminders_sent=[60, 30, 7],
                created_by=user,
            )
        )
        granted = reflection + datetime.timedelta(days=rng.randint(60, 150))
        if granted < today:
            expires = granted + datetime.timedelta(days=365)
            w.permits.append(
                ResidencePermit(
                    person=person,
                    organisation_id=_org(user),
                    kind=PermitKind.TEMPORARY,
                    status=PermitStatus.GRANTED if rng.random() < 0.85 else PermitStatus.REFUSED,
                    applied_on=reflection + datetime.timedelta(days=20),
                    starts_on=granted,
                    expires_on=expires,
                    prefecture=rng.choice(["75", "69", "13", "33", "59"]),
                    reminders_sent=[60, 30, 7] if expires < today else [],
                    created_by=user,
                )
            )
            w.journal(
                person, user, granted, "permit.create", kind=PermitKind.TEMPORARY, status=PermitStatus.GRANTED
            )
            if expires < today and w.permits[-1].status == PermitStatus.GRANTED:
                # The permit was renewed for two years while the proceedings went on.
                w.permits.append(_permit(person, user, PermitKind.RENEWAL, expires, 730))
                w.journal(
                    person,
                    user,
                    expires,
                    "permit.create",
                    kind=PermitKind.RENEWAL,
                    status=PermitStatus.GRANTED,
                )
    if rng.random() < 0.55:
        _proceeding(w, rng, person, user, start)


def _permit(person: Person, user: User, kind: str, starts_on: datetime.date, days: int) -> ResidencePermit:
    """A granted document, applied for a month before it starts."""
    expires_on = starts_on + datetime.timedelta(days=days)
    return ResidencePermit(
        person=person,
        organisation_id=_org(user),
        kind=kind,
        status=PermitStatus.GRANTED,
        applied_on=starts_on - datetime.timedelta(days=30),
        starts_on=starts_on,
        expires_on=expires_on,
        reminders_sent=[60, 30, 7] if expires_on < timezone.localdate() else [],
        created_by=user,
    )


def _proceeding(w: _Writer, rng: random.Random, person: Person, user: User, start: datetime.date) -> None:
    today = timezone.localdate()
    complaint = _day(start, rng, 90)
    if complaint > today:
        complaint = today
    age = (today - complaint).days
    if age > 600 and rng.random() < 0.6:
        stage = CaseStage.CLOSED
        outcome = rng.choices(
            [CaseOutcome.CONVICTION, CaseOutcome.ACQUITTAL, CaseOutcome.DISMISSED], weights=[6, 1, 2]
        )[0]
    else:
        stage = rng.choice([CaseStage.COMPLAINT, CaseStage.INVESTIGATION, CaseStage.TRIAL, CaseStage.APPEAL])
        outcome = CaseOutcome.PENDING
    decided = (
        complaint + datetime.timedelta(days=rng.randint(400, max(age, 401)))
        if outcome != CaseOutcome.PENDING
        else None
    )
    if decided and decided > today:
        decided = today
    case = LegalCase(
        person=person,
        organisation_id=_org(user),
        offence=rng.choice(
            [Offence.TRAFFICKING, Offence.PIMPING, Offence.FORCED_LABOUR, Offence.UNDIGNIFIED]
        ),
        complaint_on=complaint,
        complaint_place=rng.choice(["Commissariat central", "Brigade de gendarmerie", "Parquet"]),
        stage=stage,
        outcome=outcome,
        decided_on=decided,
        lawyer=rng.choice(["", "Me Exemple", "Me Démo", "Me Fictif"]),
        civil_party=rng.random() < 0.7,
        civil_party_on=complaint + datetime.timedelta(days=30),
        created_by=user,
    )
    w.cases.append(case)
    w.journal(person, user, complaint, "case.create", offence=case.offence, stage=stage, outcome=outcome)
    hearing_day = complaint + datetime.timedelta(days=rng.randint(20, 60))
    past = hearing_day < today
    w.hearings.append(
        Hearing(
            case=case,
            organisation_id=_org(user),
            kind=HearingKind.HEARING,
            at=_at(hearing_day, 14),
            court="Brigade de protection des mineurs" if rng.random() < 0.1 else "Office central (OCRTEH)",
            outcome="Audition réalisée" if past else "",  # a hearing to come has no outcome yet
            reminded=past,
            created_by=user,
        )
    )
    if decided:
        w.hearings.append(
            Hearing(
                case=case,
                organisation_id=_org(user),
                kind=HearingKind.TRIAL,
                at=_at(decided, 9),
                court=rng.choice(COURTS),
                outcome=str(case.get_outcome_display()),
                reminded=True,
                created_by=user,
            )
        )
    elif stage in (CaseStage.TRIAL, CaseStage.APPEAL):
        # A trial to come: the calendar shows it, a reminder will go out the week before.
        w.hearings.append(
            Hearing(
                case=case,
                organisation_id=_org(user),
                kind=HearingKind.TRIAL if stage == CaseStage.TRIAL else HearingKind.APPEAL,
                at=_at(today + datetime.timedelta(days=rng.randint(3, 170)), 9),
                court=rng.choice(COURTS),
                created_by=user,
            )
        )
    if outcome == CaseOutcome.CONVICTION and decided and decided + datetime.timedelta(days=90) < today:
        # After a conviction, the resident card (CESEDA L.425-3), for ten years.
        card_from = decided + datetime.timedelta(days=90)
        w.permits.append(_permit(person, user, PermitKind.RESIDENT_CARD, card_from, 3650))
        w.journal(
            person,
            user,
            card_from,
            "permit.create",
            kind=PermitKind.RESIDENT_CARD,
            status=PermitStatus.GRANTED,
        )
    if outcome == CaseOutcome.CONVICTION and case.civil_party and decided:
        claimed = Decimal(rng.choice([5000, 8000, 15000, 30000]))
        awarded = (claimed * Decimal(rng.choice(["0.5", "0.75", "1"]))).quantize(Decimal("0.01"))
        awarded_on = min(decided + datetime.timedelta(days=rng.randint(60, 300)), today)
        paid = rng.random() < 0.6
        w.claims.append(
            CompensationClaim(
                case=case,
                body=rng.choice([CompensationBody.CIVI, CompensationBody.COURT]),
                filed_on=decided,
                claimed_amount=claimed,
                awarded_amount=awarded,
                awarded_on=awarded_on,
                paid_amount=awarded if paid else None,
                paid_on=min(awarded_on + datetime.timedelta(days=90), today) if paid else None,
                created_by=user,
            )
        )


def build_demo_support(*, rng: random.Random) -> None:
    """Support for every stay of the demo, and the partners' own people."""
    from abri.referrals.services import new_person

    today = timezone.localdate()
    w = _Writer()
    staff_of = {
        u.organisation_id: u
        for u in User.objects.filter(organisation__kind=OrganisationKind.SHELTER_OPERATOR)
    }
    stays = list(Stay.objects.select_related("request__person", "shelter").order_by("started_on"))
    for stay in stays:
        user = staff_of.get(stay.shelter.operator_id)
        if user is None:
            continue
        _support(w, rng, stay.request.person, user, stay.started_on, stay.ended_on or today)
    # A permit of a current resident expires soon, so the reminder shows in the demo.
    current = [s for s in stays if s.ended_on is None]
    for stay in current[:2]:
        user = staff_of[stay.shelter.operator_id]
        w.permits.append(
            ResidencePermit(
                person=stay.request.person,
                organisation_id=_org(user),
                kind=PermitKind.RECEIPT,
                status=PermitStatus.GRANTED,
                applied_on=today - datetime.timedelta(days=150),
                starts_on=today - datetime.timedelta(days=120),
                expires_on=today + datetime.timedelta(days=rng.randint(10, 50)),
                prefecture="",
                created_by=user,
            )
        )
    partner_user = User.objects.get(username="partenaire")
    follows = []
    # The demo partner follows some current residents (it never sees their shelter)…
    for stay in current[:5]:
        follows.append(
            SupportFollow(
                person=stay.request.person,
                organisation_id=_org(partner_user),
                started_on=stay.started_on,
                created_by=partner_user,
            )
        )
    # …some former residents through their trial…
    for stay in [s for s in stays if s.ended_on][:6]:
        follows.append(
            SupportFollow(
                person=stay.request.person,
                organisation_id=_org(partner_user),
                started_on=stay.ended_on or today,
                created_by=partner_user,
            )
        )
    # …and people who never asked for a shelter, followed only for their trial.
    for i in range(8):
        start = today - datetime.timedelta(days=rng.randint(30, 1000))
        person = new_person(
            first_name=f"Démo{i + 1}",
            last_name="Suivi",
            gender=rng.choice(["F", "F", "M"]),
            age=rng.randint(19, 55),
            languages=[rng.choice(["fr", "en", "ro", "zh", "es"])],
            exploitation_forms=[rng.choice(["labour", "domestic", "sexual"])],
            complaint_filed=True,
        )
        follows.append(
            SupportFollow(
                person=person,
                organisation_id=_org(partner_user),
                started_on=start,
                created_by=partner_user,
            )
        )
        _support(w, rng, person, partner_user, start, today)
        if i < 6:
            _proceeding(w, rng, person, partner_user, start)
    # Other partners follow a few people too (assigned by the coordination).
    coordinator = User.objects.get(username="coordination")
    others = Organisation.objects.filter(kind=OrganisationKind.SUPPORT_PARTNER).exclude(pk=_org(partner_user))
    for organisation, stay in zip(
        others.order_by("name"), [s for s in stays if s.ended_on][6:12], strict=False
    ):
        follows.append(
            SupportFollow(
                person=stay.request.person,
                organisation=organisation,
                started_on=stay.started_on,
                created_by=coordinator,
            )
        )
    SupportFollow.objects.bulk_create(follows)
    for follow in follows:
        w.journal(follow.person, follow.created_by, follow.started_on, "follow.start")
    w.save()
    for stay in current[5:7]:
        user = staff_of[stay.shelter.operator_id]
        SupportIncident.objects.create(
            person=stay.request.person,
            organisation_id=_org(user),
            kind=SupportIncidentKind.CONTACT,
            occurred_on=today - datetime.timedelta(days=rng.randint(1, 20)),
            description="Messages reçus d'un numéro inconnu (données fictives).",
            emergency_move=False,
            reported_by=user,
        )
