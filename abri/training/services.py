"""Writes about training sessions and attendance. Each is one transaction with its audit event.

Who may write: coordinators any session; a support partner only the sessions its own
organisation gives; nobody else.
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abri.access.roles import COORDINATION, PARTNER, SHELTER_STAFF, role_of
from abri.accounts.models import Organisation, OrganisationKind, User
from abri.audit.services import audit_record
from abri.core.dates import shift_years
from abri.core.errors import DomainError
from abri.network.models import Shelter
from abri.training.models import Attendance, Audience, Topic, TrainingSession

SESSION_FIELDS = ("title", "topic", "starts_on", "duration_hours", "online", "place", "audience", "notes")
EARLIEST = datetime.date(2000, 1, 1)
MAX_YEARS_AHEAD = 2
MAX_HOURS = Decimal("200")
TRAINER_KINDS = (OrganisationKind.COORDINATOR, OrganisationKind.SUPPORT_PARTNER)


def may_manage(actor: Any, session: TrainingSession) -> bool:
    """Coordinators manage every session; a partner the sessions its organisation gives."""
    role = role_of(actor)
    if role in COORDINATION:
        return True
    return role == PARTNER and session.trainer_id == actor.organisation_id


def _require_manage(actor: User, session: TrainingSession) -> None:
    if not may_manage(actor, session):
        raise DomainError(
            _("Only the coordinators and the trainer can change this session."), code="forbidden"
        )


def trainer_choices(actor: Any) -> Any:
    """The organisations this actor may name as trainer."""
    role = role_of(actor)
    if role in COORDINATION:
        return Organisation.objects.filter(kind__in=TRAINER_KINDS, is_active=True)
    if role == PARTNER:
        return Organisation.objects.filter(pk=actor.organisation_id)
    return Organisation.objects.none()


def attendee_choices(actor: Any) -> Any:
    """The platform users this actor may register: coordinators any active member of an
    organisation; a partner its own organisation's members; nobody else any."""
    role = role_of(actor)
    base = User.objects.filter(is_active=True, organisation__isnull=False).exclude(role="")
    if role in COORDINATION:
        return base.select_related("organisation").order_by("organisation__name", "last_name", "first_name")
    if role == PARTNER:
        return base.filter(organisation_id=actor.organisation_id).select_related("organisation")
    return User.objects.none()


def validate_session_fields(data: dict[str, Any], *, today: datetime.date | None = None) -> dict[str, Any]:
    """Check and normalise a session's fields; every error names its field."""
    today = today or timezone.localdate()
    clean = {k: data.get(k) for k in SESSION_FIELDS}
    clean["title"] = str(clean["title"] or "").strip()
    if not clean["title"]:
        raise DomainError(_("The title is required."), field="title")
    if len(clean["title"]) > 200:
        raise DomainError(_("The title is too long (200 characters at most)."), field="title")
    if clean["topic"] not in Topic.values:
        raise DomainError(_("Choose a topic among the list."), field="topic")
    if clean["audience"] not in Audience.values:
        raise DomainError(_("Choose an audience among the list."), field="audience")
    day = clean["starts_on"]
    if not isinstance(day, datetime.date):
        raise DomainError(_("Enter the date of the session."), field="starts_on")
    if day < EARLIEST:
        raise DomainError(_("The date cannot be before 2000."), field="starts_on")
    if day > shift_years(today, MAX_YEARS_AHEAD):
        raise DomainError(_("The date cannot be more than two years ahead."), field="starts_on")
    try:
        hours = Decimal(str(clean["duration_hours"]))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(_("Enter a number of hours."), field="duration_hours") from exc
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        raise DomainError(_("Enter a duration between 0.5 and 200 hours."), field="duration_hours")
    clean["duration_hours"] = hours.quantize(Decimal("0.1"))
    clean["online"] = bool(clean["online"])
    clean["place"] = str(clean["place"] or "").strip()
    if clean["online"]:
        clean["place"] = ""
    elif not clean["place"]:
        raise DomainError(_("Say where the session takes place, or tick “online”."), field="place")
    if len(str(clean["place"])) > 200:
        raise DomainError(_("The place is too long (200 characters at most)."), field="place")
    # None when empty, as the encrypted field reads it back: an edit then sees no change.
    clean["notes"] = str(clean["notes"] or "").strip() or None
    return clean


def _check_trainer(actor: User, trainer: Organisation | None) -> Organisation:
    if trainer is None or not trainer_choices(actor).filter(pk=trainer.pk).exists():
        raise DomainError(_("Choose the trainer among the list."), field="trainer")
    return trainer


def session_create(
    *,
    actor: User,
    trainer: Organisation | None,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
    **fields: Any,
) -> TrainingSession:
    """Record a session (coordinators for any trainer; a partner for its own organisation)."""
    if role_of(actor) not in COORDINATION | {PARTNER}:
        raise DomainError(
            _("Only the coordinators and the support partners record sessions."), code="forbidden"
        )
    trainer = _check_trainer(actor, trainer)
    clean = validate_session_fields(fields, today=today)
    with transaction.atomic():
        session = TrainingSession.objects.create(trainer=trainer, created_by=actor, **clean)
        audit_record(
            action="training.session_create",
            actor=actor,
            target=session,
            data={
                "trainer": str(trainer.pk),
                "topic": session.topic,
                "starts_on": session.starts_on.isoformat(),
            },
            request=request,
        )
    return session


def session_update(
    *,
    actor: User,
    session: TrainingSession,
    trainer: Organisation | None = None,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
    **fields: Any,
) -> TrainingSession:
    _require_manage(actor, session)
    trainer = _check_trainer(actor, trainer or session.trainer)
    clean = validate_session_fields(
        {**{k: getattr(session, k) for k in SESSION_FIELDS}, **fields}, today=today
    )
    with transaction.atomic():
        session = TrainingSession.objects.select_for_update().get(pk=session.pk)
        _require_manage(actor, session)
        changed = sorted(k for k, v in clean.items() if getattr(session, k) != v)
        if trainer.pk != session.trainer_id:
            changed.append("trainer")
        for key, value in clean.items():
            setattr(session, key, value)
        session.trainer = trainer
        session.save()
        audit_record(
            action="training.session_update",
            actor=actor,
            target=session,
            data={"changed": changed},
            request=request,
        )
    return session


def _new_certificate_number(session: TrainingSession) -> str:
    return f"AB-{session.starts_on.year}-{secrets.token_hex(4).upper()}"


def _shelter_for(
    actor: User, attendee_org: Organisation | None, shelter: Shelter | None, user: User | None
) -> Shelter | None:
    """The shelter the attendee works at: named by a coordinator, or the staff member's only shelter."""
    if shelter is not None:
        if role_of(actor) not in COORDINATION:
            raise DomainError(
                _("Only the coordinators say which shelter an attendee works at."), field="shelter"
            )
        if attendee_org is None or shelter.operator_id != attendee_org.pk:
            raise DomainError(_("This shelter is not run by the attendee's organisation."), field="shelter")
        return shelter
    if user is not None and user.role == SHELTER_STAFF and attendee_org is not None:
        own = list(Shelter.objects.filter(operator_id=attendee_org.pk, is_active=True)[:2])
        if len(own) == 1:
            return own[0]
    return None


def attendance_add(
    *,
    actor: User,
    session: TrainingSession,
    user: User | None = None,
    full_name: str = "",
    organisation_name: str = "",
    organisation: Organisation | None = None,
    shelter: Shelter | None = None,
    request: HttpRequest | None = None,
) -> Attendance:
    """Register a platform user, or an external person with their organisation, at a session."""
    _require_manage(actor, session)
    if user is not None:
        if not attendee_choices(actor).filter(pk=user.pk).exists():
            raise DomainError(_("Choose a person among the list."), field="user")
        attendee_org = user.organisation
        name = user.get_full_name().strip() or user.get_username()
        org_name = attendee_org.name if attendee_org else ""
        if Attendance.objects.filter(session=session, user=user).exists():
            raise DomainError(_("This person is already registered at this session."), field="user")
    else:
        name = " ".join(str(full_name or "").split())
        if not name:
            raise DomainError(
                _("Enter the person's full name, or choose a platform user."), field="full_name"
            )
        if len(name) > 150:
            raise DomainError(_("The name is too long (150 characters at most)."), field="full_name")
        if organisation is not None and role_of(actor) not in COORDINATION:
            raise DomainError(
                _("Only the coordinators link a person to an organisation."), field="organisation"
            )
        attendee_org = organisation
        org_name = " ".join(str(organisation_name or "").split()) or (
            organisation.name if organisation else ""
        )
        if len(org_name) > 200:
            raise DomainError(_("The organisation's name is too long."), field="organisation_name")
        if not org_name and session.audience != Audience.PUBLIC:
            raise DomainError(_("Enter the person's organisation."), field="organisation_name")
        twins = Attendance.objects.filter(session=session, full_name__iexact=name)
        if any(t.organisation_name.casefold() == org_name.casefold() for t in twins):
            raise DomainError(_("This person is already registered at this session."), field="full_name")
    where = _shelter_for(actor, attendee_org, shelter, user)
    with transaction.atomic():
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    attendance = Attendance.objects.create(
                        session=session,
                        user=user,
                        full_name=name,
                        organisation_name=org_name,
                        organisation=attendee_org,
                        shelter=where,
                        certificate_number=_new_certificate_number(session),
                        added_by=actor,
                    )
                break
            except IntegrityError as exc:
                if user is not None and Attendance.objects.filter(session=session, user=user).exists():
                    raise DomainError(
                        _("This person is already registered at this session."), field="user"
                    ) from exc
        else:  # pragma: no cover (five random collisions in a row)
            raise DomainError(_("Please try again."))
        audit_record(
            action="training.attendance_add",
            actor=actor,
            target=attendance,
            data={
                "session": str(session.pk),
                "user": str(user.pk) if user else "",
                "external": user is None,
                "shelter": str(where.pk) if where else "",
            },
            request=request,
        )
    return attendance


def attendance_set_attended(
    *,
    actor: User,
    attendance: Attendance,
    attended: bool,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> Attendance:
    """Mark a registered person as present or absent (only those present get a certificate).

    Only once the session has taken place: before its date nobody is present or absent yet."""
    _require_manage(actor, attendance.session)
    today = today or timezone.localdate()
    with transaction.atomic():
        session = TrainingSession.objects.select_for_update().get(pk=attendance.session_id)
        if session.starts_on > today:
            raise DomainError(
                _("The session has not taken place yet: mark people present or absent from its date on."),
                field="attended",
            )
        attendance.attended = bool(attended)
        attendance.save(update_fields=["attended", "updated_at"])
        audit_record(
            action="training.attendance_attended",
            actor=actor,
            target=attendance,
            data={"attended": attendance.attended},
            request=request,
        )
    return attendance


def attendance_set_shelter(
    *,
    actor: User,
    attendance: Attendance,
    shelter: Shelter | None,
    request: HttpRequest | None = None,
) -> Attendance:
    """Say which shelter an attendee works at, or that it is none (coordinators only).

    What makes a partner's session count for a shelter's trained staff: a partner registers
    shelter workers as external people and cannot link them to a shelter. The shelter must be run
    by the attendee's organisation; an external person not yet linked to an organisation is
    linked to the shelter's operator.
    """
    if role_of(actor) not in COORDINATION:
        raise DomainError(_("Only the coordinators say which shelter an attendee works at."), field="shelter")
    with transaction.atomic():
        attendance = (
            Attendance.objects.select_for_update(of=("self",))
            .select_related("organisation", "shelter")
            .get(pk=attendance.pk)
        )
        previous = attendance.shelter_id
        linked = False
        if shelter is not None:
            if attendance.organisation_id is None and attendance.user_id is None:
                attendance.organisation = shelter.operator
                linked = True
            elif shelter.operator_id != attendance.organisation_id:
                raise DomainError(
                    _("This shelter is not run by the attendee's organisation."), field="shelter"
                )
        if (shelter.pk if shelter else None) == previous:
            return attendance
        attendance.shelter = shelter
        attendance.save(update_fields=["shelter", "organisation", "updated_at"])
        audit_record(
            action="training.attendance_shelter",
            actor=actor,
            target=attendance,
            data={
                "session": str(attendance.session_id),
                "shelter": str(shelter.pk) if shelter else "",
                "previous": str(previous or ""),
                "organisation_linked": linked,
            },
            request=request,
        )
    return attendance


def attendance_remove(*, actor: User, attendance: Attendance, request: HttpRequest | None = None) -> None:
    _require_manage(actor, attendance.session)
    with transaction.atomic():
        audit_record(
            action="training.attendance_remove",
            actor=actor,
            target=attendance,
            data={"session": str(attendance.session_id), "user": str(attendance.user_id or "")},
            request=request,
        )
        attendance.delete()
