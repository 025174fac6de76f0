"""Every write on a support record: follow-ups, steps, permits, proceedings, incidents, reminders.

Who may write: coordinators on every record; a shelter's staff on their current residents; a
support partner on the people it follows. An entry is changed only by the organisation that
recorded it (or a coordinator). Each write is one transaction, audited, and journaled on the
record with codes, never free text (abri.support.journal).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abri.access.policy import support_persons_for_user
from abri.access.roles import COORDINATION, PARTNER, SHELTER_STAFF, role_of
from abri.accounts.models import Organisation, OrganisationKind, User
from abri.audit.services import audit_record
from abri.core import geography
from abri.core.dates import shift_years
from abri.core.errors import DomainError
from abri.core.vocabulary import LANGUAGE_CODES, ExploitationForm, Gender
from abri.placements.models import Incident, Stay
from abri.referrals.models import Person
from abri.support.models import (
    CaseOutcome,
    CaseStage,
    CompensationClaim,
    Hearing,
    LegalCase,
    PermitKind,
    PermitStatus,
    ResidencePermit,
    StepStatus,
    SupportEvent,
    SupportFollow,
    SupportIncident,
    SupportStep,
)

# Days before a residence document expires when the people following the person are reminded,
# each with its words: a stage, not a count of days, so that a late run never reads "1 days".
PERMIT_REMINDERS = {
    60: _("A residence document expires within two months: see the support record in Abri."),
    30: _("A residence document expires within a month: see the support record in Abri."),
    7: _("A residence document expires within a week: see the support record in Abri."),
}
PERMIT_REMINDER_DAYS = tuple(PERMIT_REMINDERS)
# Days before a hearing when they are reminded.
HEARING_REMINDER_DAYS = 7
EARLIEST = datetime.date(1990, 1, 1)
EARLIEST_BIRTH = datetime.date(1900, 1, 1)


# -- guards ---------------------------------------------------------------------------------


def _require_record(actor: User, person: Person) -> None:
    """The actor may write on this person's record (the same rule as reading it)."""
    if role_of(actor) not in COORDINATION | {SHELTER_STAFF, PARTNER}:
        raise DomainError(_("You cannot change support records."), code="forbidden")
    if not support_persons_for_user(actor).filter(pk=person.pk).exists():
        raise DomainError(_("You do not follow this person."), code="forbidden")


def _require_author(actor: User, entry: Any) -> None:
    """Only the organisation that recorded an entry changes it, and coordinators."""
    _require_record(actor, _person_of(entry))
    recorded_by = entry.recorded_by_id if isinstance(entry, Hearing) else entry.organisation_id
    if role_of(actor) not in COORDINATION and recorded_by != actor.organisation_id:
        raise DomainError(
            _("Only the organisation that recorded this entry can change it."), code="forbidden"
        )


def _person_of(entry: Any) -> Person:
    return entry.case.person if hasattr(entry, "case") else entry.person


def _journal(person: Person, actor: User | None, organisation_id: Any, event: str, **data: Any) -> None:
    """A line of the record's journal: codes only, turned into a sentence when read (journal.py)."""
    SupportEvent.objects.create(
        person=person, actor=actor, organisation_id=organisation_id, kind=event, data=data
    )


def _date(
    value: Any,
    field: str,
    *,
    required: bool = False,
    future_years: int = 5,
    earliest: datetime.date = EARLIEST,
) -> datetime.date | None:
    if value in (None, ""):
        if required:
            raise DomainError(_("This date is required."), field=field)
        return None
    if not isinstance(value, datetime.date):
        raise DomainError(_("Enter a valid date."), field=field)
    latest = shift_years(timezone.localdate(), future_years)
    if not earliest <= value <= latest:
        raise DomainError(_("This date is out of range."), field=field)
    return value


def _required_date(value: Any, field: str, *, future_years: int = 5) -> datetime.date:
    checked = _date(value, field, required=True, future_years=future_years)
    if checked is None:  # unreachable: required=True raised already; keeps the type exact
        raise DomainError(_("This date is required."), field=field)
    return checked


def _org_id(actor: User) -> Any:
    """The organisation recording an entry: every member of a role belongs to one."""
    if actor.organisation_id is None:
        raise DomainError(_("Your account belongs to no organisation."), code="forbidden")
    return actor.organisation_id


def _not_in_future(value: datetime.date | None, field: str) -> None:
    if value and value > timezone.localdate():
        raise DomainError(_("This date is in the future."), field=field)


def _choice(value: Any, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise DomainError(_("Choose a value from the list."), field=field)
    return str(value)


def _amount(value: Any, field: str, *, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise DomainError(_("Enter an amount."), field=field)
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError as exc:
        raise DomainError(_("Enter an amount in euros."), field=field) from exc
    if not amount.is_finite() or amount < 0 or amount >= Decimal("100000000"):
        raise DomainError(_("Enter an amount in euros."), field=field)
    return amount.quantize(Decimal("0.01"))


# -- the people followed -------------------------------------------------------------------


def person_create_followed(
    *, actor: User, data: dict[str, Any], http_request: HttpRequest | None = None
) -> Person:
    """A support partner records someone it follows without a placement (e.g. for a trial)."""
    from abri.referrals.services import new_person

    role = role_of(actor)
    if role != PARTNER and role not in COORDINATION:
        raise DomainError(_("Only support partners and coordinators record people here."), code="forbidden")
    first_name = str(data.get("first_name") or "").strip()
    aliases = str(data.get("aliases") or "").strip()
    if not first_name and not aliases:
        raise DomainError(_("Give a first name, or the name the person uses."), field="first_name")
    gender = _choice(data.get("gender"), Gender, "gender")
    age = data.get("age")
    birth_date = data.get("birth_date")
    if birth_date:
        _not_in_future(_date(birth_date, "birth_date", earliest=EARLIEST_BIRTH), "birth_date")
        today = timezone.localdate()
        age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    if age is None or not 0 <= int(age) <= 110:
        raise DomainError(_("Give the birth date or an age between 0 and 110."), field="age")
    languages = sorted(set(data.get("languages") or []))
    if not set(languages) <= LANGUAGE_CODES:
        raise DomainError(_("Unknown value in the list."), field="languages")
    forms = sorted(set(data.get("exploitation_forms") or []))
    if not set(forms) <= set(ExploitationForm.values):
        raise DomainError(_("Unknown value in the list."), field="exploitation_forms")
    started_on = _required_date(data.get("started_on") or timezone.localdate(), "started_on")
    _not_in_future(started_on, "started_on")
    organisation: Any = actor.organisation
    if role in COORDINATION:
        organisation = data.get("organisation")
        if (
            not isinstance(organisation, Organisation)
            or organisation.kind != OrganisationKind.SUPPORT_PARTNER
        ):
            raise DomainError(_("Choose the support partner who follows the person."), field="organisation")
    with transaction.atomic():
        person = new_person(
            first_name=first_name,
            last_name=str(data.get("last_name") or "").strip(),
            aliases=aliases,
            birth_date=birth_date or None,
            nationality=str(data.get("nationality") or "").strip(),
            phone=str(data.get("phone") or "").strip(),
            gender=gender,
            age=int(age),
            languages=languages,
            exploitation_forms=forms,
            complaint_filed=bool(data.get("complaint_filed")),
        )
        SupportFollow.objects.create(
            person=person, organisation=organisation, started_on=started_on, created_by=actor
        )
        _journal(person, actor, organisation.pk, "follow.start")
        audit_record(action="support.person_create", actor=actor, target=person, request=http_request)
    return person


def follow_start(
    *,
    actor: User,
    person: Person,
    organisation: Organisation,
    started_on: datetime.date | None = None,
    http_request: HttpRequest | None = None,
) -> SupportFollow:
    """A coordinator asks a support partner to follow a person (placed or not)."""
    if role_of(actor) not in COORDINATION:
        raise DomainError(_("Only coordinators can do this."), code="forbidden")
    _require_record(actor, person)
    if organisation.kind != OrganisationKind.SUPPORT_PARTNER or not organisation.is_active:
        raise DomainError(_("Choose an active support partner."), field="organisation")
    started_on = _required_date(started_on or timezone.localdate(), "started_on")
    _not_in_future(started_on, "started_on")
    with transaction.atomic():
        if SupportFollow.objects.filter(
            person=person, organisation=organisation, ended_on__isnull=True
        ).exists():
            raise DomainError(_("This partner already follows the person."), field="organisation")
        follow = SupportFollow.objects.create(
            person=person, organisation=organisation, started_on=started_on, created_by=actor
        )
        _journal(person, actor, organisation.pk, "follow.start")
        audit_record(
            action="support.follow_start",
            actor=actor,
            target=follow,
            data={"organisation": str(organisation.pk)},
            request=http_request,
        )
    _notify_organisation(organisation.pk, _("A person to follow awaits you in Abri."), person)
    return follow


def follow_end(
    *,
    actor: User,
    follow: SupportFollow,
    ended_on: datetime.date | None = None,
    http_request: HttpRequest | None = None,
) -> SupportFollow:
    """The partner stops following the person (the record stays with the others)."""
    role = role_of(actor)
    if role not in COORDINATION and not (role == PARTNER and follow.organisation_id == actor.organisation_id):
        raise DomainError(_("Only the partner or a coordinator ends this follow-up."), code="forbidden")
    ended_on = _date(ended_on or timezone.localdate(), "ended_on")
    _not_in_future(ended_on, "ended_on")
    if ended_on and ended_on < follow.started_on:
        raise DomainError(_("The end comes before the start."), field="ended_on")
    with transaction.atomic():
        locked = SupportFollow.objects.select_for_update().get(pk=follow.pk)
        if locked.ended_on is not None:
            raise DomainError(_("This follow-up has already ended."), code="wrong_state")
        locked.ended_on = ended_on
        locked.save(update_fields=["ended_on", "updated_at"])
        _journal(locked.person, actor, locked.organisation_id, "follow.end")
        audit_record(action="support.follow_end", actor=actor, target=locked, request=http_request)
    return locked


# -- social steps ---------------------------------------------------------------------------


def step_save(
    *,
    actor: User,
    person: Person,
    data: dict[str, Any],
    step: SupportStep | None = None,
    http_request: HttpRequest | None = None,
) -> SupportStep:
    """Create or update a social step; a finished step has its completion date."""
    if step is None:
        _require_record(actor, person)
    else:
        _require_author(actor, step)
    from abri.support.models import StepCategory

    category = _choice(data.get("category"), StepCategory, "category")
    status = _choice(data.get("status"), StepStatus, "status")
    started_on = _required_date(data.get("started_on"), "started_on")
    _not_in_future(started_on, "started_on")
    due_on = _date(data.get("due_on"), "due_on")
    done_on = _date(data.get("done_on"), "done_on")
    _not_in_future(done_on, "done_on")
    if status == StepStatus.DONE and done_on is None:
        raise DomainError(_("Give the date the step was completed."), field="done_on")
    if status != StepStatus.DONE and done_on is not None:
        raise DomainError(_("Only a completed step has a completion date."), field="done_on")
    for field, value in (("due_on", due_on), ("done_on", done_on)):
        if value and started_on and value < started_on:
            raise DomainError(_("This date comes before the start."), field=field)
    with transaction.atomic():
        created = step is None
        if step is None:
            step = SupportStep(person=person, organisation_id=_org_id(actor), created_by=actor)
        before = step.status
        step.category, step.status = category, status
        step.started_on, step.due_on, step.done_on = started_on, due_on, done_on
        step.note = str(data.get("note") or "").strip()
        step.updated_by = actor
        step.save()
        event = "step.create" if created else ("step.status" if before != status else "step.update")
        _journal(person, actor, _org_id(actor), event, category=category, status=status)
        audit_record(
            action="support.step_save",
            actor=actor,
            target=step,
            data={"status": status},
            request=http_request,
        )
    return step


# -- residence rights -----------------------------------------------------------------------


def permit_save(
    *,
    actor: User,
    person: Person,
    data: dict[str, Any],
    permit: ResidencePermit | None = None,
    http_request: HttpRequest | None = None,
) -> ResidencePermit:
    """Record a step of the residence rights: reflection period, récépissé, permit, renewal, card."""
    if permit is None:
        _require_record(actor, person)
    else:
        _require_author(actor, permit)
    kind = _choice(data.get("kind"), PermitKind, "kind")
    status = _choice(data.get("status"), PermitStatus, "status")
    applied_on = _date(data.get("applied_on"), "applied_on")
    _not_in_future(applied_on, "applied_on")
    starts_on = _date(data.get("starts_on"), "starts_on")
    expires_on = _date(data.get("expires_on"), "expires_on", future_years=12)
    if status == PermitStatus.GRANTED and (starts_on is None or expires_on is None):
        field = "starts_on" if starts_on is None else "expires_on"
        raise DomainError(_("A granted document has its validity dates."), field=field)
    if starts_on and expires_on and expires_on <= starts_on:
        raise DomainError(_("The document expires before it starts."), field="expires_on")
    if applied_on and starts_on and starts_on < applied_on:
        raise DomainError(_("The validity starts before the application."), field="starts_on")
    prefecture = str(data.get("prefecture") or "").strip()
    if prefecture:
        try:
            prefecture = geography.departement_code(prefecture)
        except KeyError as exc:
            raise DomainError(_("Unknown département."), field="prefecture") from exc
    with transaction.atomic():
        created = permit is None
        if permit is None:
            permit = ResidencePermit(person=person, organisation_id=_org_id(actor), created_by=actor)
        if permit.expires_on != expires_on:
            permit.reminders_sent = []  # a new expiry date gets its own reminders
        permit.kind, permit.status = kind, status
        permit.applied_on, permit.starts_on, permit.expires_on = applied_on, starts_on, expires_on
        permit.prefecture = prefecture
        permit.number = str(data.get("number") or "").strip()
        permit.save()
        _journal(
            person,
            actor,
            actor.organisation_id,
            "permit.create" if created else "permit.update",
            kind=kind,
            status=status,
        )
        audit_record(
            action="support.permit_save",
            actor=actor,
            target=permit,
            data={"kind": kind, "status": status},
            request=http_request,
        )
    return permit


# -- legal proceedings ----------------------------------------------------------------------


def case_save(
    *,
    actor: User,
    person: Person,
    data: dict[str, Any],
    case: LegalCase | None = None,
    http_request: HttpRequest | None = None,
) -> LegalCase:
    """Open or update a proceeding: the complaint, its stage, the lawyer, the civil claim, the outcome."""
    from abri.support.models import Offence

    if case is None:
        _require_record(actor, person)
    else:
        _require_author(actor, case)
    offence = _choice(data.get("offence"), Offence, "offence")
    stage = _choice(data.get("stage"), CaseStage, "stage")
    outcome = _choice(data.get("outcome") or CaseOutcome.PENDING, CaseOutcome, "outcome")
    complaint_on = _date(data.get("complaint_on"), "complaint_on")
    _not_in_future(complaint_on, "complaint_on")
    decided_on = _date(data.get("decided_on"), "decided_on")
    _not_in_future(decided_on, "decided_on")
    civil_party = bool(data.get("civil_party"))
    civil_party_on = _date(data.get("civil_party_on"), "civil_party_on") if civil_party else None
    _not_in_future(civil_party_on, "civil_party_on")
    if outcome != CaseOutcome.PENDING and decided_on is None:
        raise DomainError(_("Give the date of the decision."), field="decided_on")
    if outcome in (CaseOutcome.CONVICTION, CaseOutcome.ACQUITTAL) and stage not in (
        CaseStage.TRIAL,
        CaseStage.APPEAL,
        CaseStage.CLOSED,
    ):
        raise DomainError(
            _("A judgment comes at a trial: choose the trial, appeal or closed stage."), field="stage"
        )
    if outcome == CaseOutcome.PENDING and decided_on is not None:
        raise DomainError(_("A pending case has no decision date."), field="decided_on")
    if complaint_on and decided_on and decided_on < complaint_on:
        raise DomainError(_("The decision comes before the complaint."), field="decided_on")
    with transaction.atomic():
        created = case is None
        if case is None:
            case = LegalCase(person=person, organisation_id=_org_id(actor), created_by=actor)
        case.offence, case.stage, case.outcome = offence, stage, outcome
        case.complaint_on, case.decided_on = complaint_on, decided_on
        case.complaint_place = str(data.get("complaint_place") or "").strip()
        case.lawyer = str(data.get("lawyer") or "").strip()
        case.civil_party, case.civil_party_on = civil_party, civil_party_on
        case.save()
        if complaint_on and not person.complaint_filed:
            # The request's coarse "complaint filed" answer follows the proceedings.
            Person.objects.filter(pk=person.pk).update(complaint_filed=True)
        _journal(
            person,
            actor,
            actor.organisation_id,
            "case.create" if created else "case.update",
            offence=offence,
            stage=stage,
            outcome=outcome,
        )
        audit_record(
            action="support.case_save",
            actor=actor,
            target=case,
            data={"stage": stage, "outcome": outcome},
            request=http_request,
        )
    return case


def hearing_save(
    *,
    actor: User,
    case: LegalCase,
    data: dict[str, Any],
    hearing: Hearing | None = None,
    http_request: HttpRequest | None = None,
) -> Hearing:
    """A hearing or trial of a proceeding: court, date, then its outcome."""
    from abri.support.models import HearingKind

    _require_record(actor, case.person)
    if hearing is not None:
        _require_author(actor, hearing)
    kind = _choice(data.get("kind"), HearingKind, "kind")
    at = data.get("at")
    if not isinstance(at, datetime.datetime):
        raise DomainError(_("Give the date and time of the hearing."), field="at")
    _date(at.date(), "at", future_years=5)
    court = str(data.get("court") or "").strip()
    if not court:
        raise DomainError(_("Name the court."), field="court")
    outcome = str(data.get("outcome") or "").strip()
    if outcome and at > timezone.now():
        raise DomainError(_("A hearing to come has no outcome yet."), field="outcome")
    if case.complaint_on and timezone.localtime(at).date() < case.complaint_on:
        raise DomainError(_("The hearing comes before the complaint."), field="at")
    with transaction.atomic():
        created = hearing is None
        if hearing is None:
            hearing = Hearing(case=case, organisation_id=_org_id(actor), created_by=actor)
        if hearing.at != at:
            hearing.reminded = False
        hearing.kind, hearing.at, hearing.court, hearing.outcome = kind, at, court[:150], outcome[:300]
        hearing.save()
        _journal(
            case.person,
            actor,
            actor.organisation_id,
            "hearing.create" if created else "hearing.update",
            kind=kind,
            on=f"{timezone.localtime(at):%Y-%m-%d}",
        )
        audit_record(action="support.hearing_save", actor=actor, target=hearing, request=http_request)
    return hearing


def claim_save(
    *,
    actor: User,
    case: LegalCase,
    data: dict[str, Any],
    claim: CompensationClaim | None = None,
    http_request: HttpRequest | None = None,
) -> CompensationClaim:
    """A compensation claim (CIVI, the court, SARVI): claimed, awarded, paid."""
    from abri.support.models import CompensationBody

    _require_record(actor, case.person)
    body = _choice(data.get("body"), CompensationBody, "body")
    filed_on = _required_date(data.get("filed_on"), "filed_on")
    _not_in_future(filed_on, "filed_on")
    claimed = _amount(data.get("claimed_amount"), "claimed_amount", required=True) or Decimal(0)
    awarded = _amount(data.get("awarded_amount"), "awarded_amount")
    awarded_on = _date(data.get("awarded_on"), "awarded_on")
    paid = _amount(data.get("paid_amount"), "paid_amount")
    paid_on = _date(data.get("paid_on"), "paid_on")
    for field, value in (("awarded_on", awarded_on), ("paid_on", paid_on)):
        _not_in_future(value, field)
        if value and filed_on and value < filed_on:
            raise DomainError(_("This date comes before the claim."), field=field)
    if (awarded is None) != (awarded_on is None):
        raise DomainError(_("Give both the amount awarded and its date."), field="awarded_on")
    if (paid is None) != (paid_on is None):
        raise DomainError(_("Give both the amount paid and its date."), field="paid_on")
    if paid is not None and awarded is None:
        raise DomainError(_("A payment follows an award."), field="paid_amount")
    if paid is not None and awarded is not None and paid > awarded:
        raise DomainError(_("More paid than awarded."), field="paid_amount")
    if paid_on and awarded_on and paid_on < awarded_on:
        raise DomainError(_("The payment comes before the award."), field="paid_on")
    with transaction.atomic():
        created = claim is None
        if claim is None:
            claim = CompensationClaim(case=case, created_by=actor)
        claim.body, claim.filed_on, claim.claimed_amount = body, filed_on, claimed
        claim.awarded_amount, claim.awarded_on = awarded, awarded_on
        claim.paid_amount, claim.paid_on = paid, paid_on
        claim.save()
        _journal(
            case.person,
            actor,
            actor.organisation_id,
            "claim.create" if created else "claim.update",
            body=body,
        )
        audit_record(action="support.claim_save", actor=actor, target=claim, request=http_request)
    return claim


# -- incidents during support ---------------------------------------------------------------


def current_stay(person: Person) -> Stay | None:
    return (
        Stay.objects.filter(request__person=person, ended_on__isnull=True)
        .select_related("proposal__shelter", "shelter", "request")
        .first()
    )


def support_incident_report(
    *, actor: User, person: Person, data: dict[str, Any], http_request: HttpRequest | None = None
) -> SupportIncident:
    """Threats or contact by the exploiters during support.

    When an emergency move is asked for and the person lives in a shelter, the shelter's staff
    or a coordinator move them at once (the placements incident: the stay ends, the town joins
    the danger zones, the request is searched again). A partner cannot see the shelter: its
    report alerts the coordinators, who carry out the move from the record.
    """
    from abri.placements import services as placements
    from abri.support.models import SupportIncidentKind

    _require_record(actor, person)
    kind = _choice(data.get("kind"), SupportIncidentKind, "kind")
    occurred_on = _required_date(data.get("occurred_on"), "occurred_on")
    _not_in_future(occurred_on, "occurred_on")
    description = str(data.get("description") or "").strip()
    if not description:
        raise DomainError(_("Say what happened."), field="description")
    emergency = bool(data.get("emergency_move"))
    with transaction.atomic():
        incident = SupportIncident.objects.create(
            person=person,
            organisation_id=_org_id(actor),
            kind=kind,
            occurred_on=occurred_on,
            description=description,
            emergency_move=emergency,
            reported_by=actor,
        )
        _journal(person, actor, actor.organisation_id, "incident", kind=kind)
        audit_record(
            action="support.incident",
            actor=actor,
            target=incident,
            data={"kind": kind, "move": emergency},
            request=http_request,
        )
        stay = current_stay(person) if emergency else None
        if stay is not None and role_of(actor) in COORDINATION | {SHELTER_STAFF}:
            incident.placement_incident = placements.incident_report(
                actor=actor,
                stay=stay,
                kind=Incident.Kind.THREAT,
                description=description,
                http_request=http_request,
            )
            incident.save(update_fields=["placement_incident", "updated_at"])
            _journal(person, actor, actor.organisation_id, "incident.move")
        elif emergency:
            # A partner cannot see the stay, and nobody can move a person who is not in a shelter:
            # the coordinators decide (a move from the record, or a new request).
            _notify_coordination(_("An emergency move is asked for in Abri: see the support record."), person)
    return incident


def emergency_move(
    *, actor: User, incident: SupportIncident, http_request: HttpRequest | None = None
) -> Incident:
    """A coordinator carries out the move a partner asked for."""
    from abri.placements import services as placements

    if role_of(actor) not in COORDINATION:
        raise DomainError(_("Only coordinators can do this."), code="forbidden")
    with transaction.atomic():
        # Locked and re-read: two coordinators clicking at once move the person once.
        locked = SupportIncident.objects.select_for_update().select_related("person").get(pk=incident.pk)
        if locked.placement_incident_id:
            raise DomainError(_("The emergency move has already started."), code="wrong_state")
        stay = current_stay(locked.person)
        if stay is None:
            raise DomainError(
                _("The person is not in a shelter: file a new request for an emergency placement."),
                code="wrong_state",
            )
        moved = placements.incident_report(
            actor=actor,
            stay=stay,
            kind=Incident.Kind.THREAT,
            description=locked.description or "",
            http_request=http_request,
        )
        locked.placement_incident, locked.emergency_move = moved, True
        locked.save(update_fields=["placement_incident", "emergency_move", "updated_at"])
        _journal(locked.person, actor, actor.organisation_id, "incident.move")
    return moved


# -- reminders ------------------------------------------------------------------------------


def current_permits() -> Any:
    """Residence documents not replaced by a later granted one (a renewal, a resident card):
    only the current document of a person is reminded and shown as expiring."""
    newer = ResidencePermit.objects.filter(
        person=OuterRef("person"), status=PermitStatus.GRANTED, starts_on__gt=OuterRef("starts_on")
    )
    return ResidencePermit.objects.exclude(Exists(newer))


def _followers(person: Person) -> list[User]:
    """Who is reminded: the current shelter's staff and the partners following the person."""
    organisation_ids = set(
        SupportFollow.objects.filter(person=person, ended_on__isnull=True).values_list(
            "organisation_id", flat=True
        )
    )
    organisation_ids |= set(
        Stay.objects.filter(request__person=person, ended_on__isnull=True).values_list(
            "shelter__operator_id", flat=True
        )
    )
    return list(User.objects.filter(is_active=True, organisation_id__in=organisation_ids))


def _send(users: list[User], subject: Any, person: Person) -> None:
    from abri.placements.notifications import notify_and_mail

    link = f"{settings.SITE_URL}{reverse('support:record', kwargs={'pk': person.pk})}"
    notify_and_mail(users, subject, link)


def _notify_organisation(organisation_id: Any, subject: Any, person: Person) -> None:
    _send(list(User.objects.filter(is_active=True, organisation_id=organisation_id)), subject, person)


def _notify_coordination(subject: Any, person: Person) -> None:
    from abri.placements.notifications import coordination_users

    _send(coordination_users(), subject, person)


def reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Remind those following a person before a residence document expires and before a hearing.

    Each stage (60, 30 and 7 days before an expiry; a week before a hearing) is sent once, even
    if the command runs late or twice: what was sent is recorded on the permit or hearing.
    """
    today = today or timezone.localdate()
    sent = {"permits": 0, "hearings": 0}
    horizon = today + datetime.timedelta(days=max(PERMIT_REMINDER_DAYS))
    permits = (
        current_permits()
        .filter(
            status=PermitStatus.GRANTED,
            expires_on__gte=today,
            expires_on__lte=horizon,
            person__erased_at__isnull=True,
        )
        .select_related("person")
    )
    for permit in permits:
        assert permit.expires_on is not None
        days_left = (permit.expires_on - today).days
        due = [d for d in PERMIT_REMINDER_DAYS if days_left <= d and d not in permit.reminders_sent]
        if not due:
            continue
        with transaction.atomic():
            permit.reminders_sent = sorted({*permit.reminders_sent, *due}, reverse=True)
            permit.save(update_fields=["reminders_sent", "updated_at"])
            subject = PERMIT_REMINDERS[min(due)]
            _send(_followers(permit.person), subject, permit.person)
            _notify_coordination(subject, permit.person)
        sent["permits"] += 1
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    end = start + datetime.timedelta(days=HEARING_REMINDER_DAYS + 1)
    hearings = Hearing.objects.filter(
        at__gte=start,
        at__lt=end,
        reminded=False,
        case__person__erased_at__isnull=True,
    ).select_related("case__person")
    for hearing in hearings:
        with transaction.atomic():
            hearing.reminded = True
            hearing.save(update_fields=["reminded", "updated_at"])
            subject = _("A hearing is coming within a week: see the calendar in Abri.")
            _send(_followers(hearing.case.person), subject, hearing.case.person)
        sent["hearings"] += 1
    return sent


# -- subject access and erasure -------------------------------------------------------------


def support_export(person: Person) -> dict[str, Any]:
    """The support part of a subject access export (called by referrals.person_export)."""

    def day(value: Any) -> str | None:
        return value.isoformat() if value else None

    cases = LegalCase.objects.filter(person=person).prefetch_related("hearings", "claims")
    return {
        "follows": [
            {"organisation": f.organisation.name, "since": day(f.started_on), "until": day(f.ended_on)}
            for f in SupportFollow.objects.filter(person=person).select_related("organisation")
        ],
        "steps": [
            {
                "category": s.category,
                "status": s.status,
                "started_on": day(s.started_on),
                "due_on": day(s.due_on),
                "done_on": day(s.done_on),
                "note": s.note,
            }
            for s in SupportStep.objects.filter(person=person)
        ],
        "residence": [
            {
                "kind": p.kind,
                "status": p.status,
                "applied_on": day(p.applied_on),
                "starts_on": day(p.starts_on),
                "expires_on": day(p.expires_on),
                "prefecture": p.prefecture,
                "number": p.number,
            }
            for p in ResidencePermit.objects.filter(person=person)
        ],
        "proceedings": [
            {
                "offence": c.offence,
                "complaint_on": day(c.complaint_on),
                "complaint_place": c.complaint_place,
                "stage": c.stage,
                "outcome": c.outcome,
                "decided_on": day(c.decided_on),
                "lawyer": c.lawyer,
                "civil_party": c.civil_party,
                "hearings": [
                    {"kind": h.kind, "at": h.at.isoformat(), "court": h.court, "outcome": h.outcome}
                    for h in c.hearings.all()
                ],
                "claims": [
                    {
                        "body": cl.body,
                        "filed_on": day(cl.filed_on),
                        "claimed": str(cl.claimed_amount),
                        "awarded": str(cl.awarded_amount) if cl.awarded_amount is not None else None,
                        "paid": str(cl.paid_amount) if cl.paid_amount is not None else None,
                    }
                    for cl in c.claims.all()
                ],
            }
            for c in cases
        ],
        "incidents": [
            {"kind": i.kind, "on": day(i.occurred_on), "description": i.description}
            for i in SupportIncident.objects.filter(person=person)
        ],
    }


def support_erase(person: Person) -> None:
    """Erasure: the free text and numbers go; categories, statuses and dates stay for the statistics."""
    for step in SupportStep.objects.filter(person=person):
        step.note = None
        step.save(update_fields=["note", "updated_at"])
    for permit in ResidencePermit.objects.filter(person=person):
        permit.number = None
        permit.save(update_fields=["number", "updated_at"])
    for case in LegalCase.objects.filter(person=person):
        case.complaint_place = case.lawyer = None
        case.save(update_fields=["complaint_place", "lawyer", "updated_at"])
    for hearing in Hearing.objects.filter(case__person=person):
        hearing.court = hearing.outcome = None
        hearing.save(update_fields=["court", "outcome", "updated_at"])
    for incident in SupportIncident.objects.filter(person=person):
        incident.description = None
        incident.save(update_fields=["description", "updated_at"])
    SupportFollow.objects.filter(person=person, ended_on__isnull=True).update(ended_on=timezone.localdate())
