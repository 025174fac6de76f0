"""Training sessions, attendance, certificates, and which shelters need training."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from abri.access.policy import (
    attendances_for_user,
    certificates_for_user,
    get_for_user,
    organisations_for_user,
    shelters_for_user,
    training_sessions_for_user,
)
from abri.access.roles import COORDINATION, PARTNER, SHELTER_STAFF, role_of
from abri.accounts.models import Organisation, User
from abri.audit.services import audit_record
from abri.core.errors import DomainError
from abri.core.forms import add_domain_error
from abri.core.ids import is_uuid
from abri.core.types import AuthedRequest
from abri.network.models import Shelter
from abri.training import services
from abri.training.certificate import certificate_pdf
from abri.training.forms import AttendanceForm, SessionFilterForm, SessionForm, ShelterStatusFilterForm
from abri.training.models import Attendance, TrainingSession
from abri.training.selectors import WINDOW_MONTHS, attendee_organisation_label, shelter_training_status


def _may_record(user: Any) -> bool:
    return role_of(user) in COORDINATION | {PARTNER}


def session_list_view(request: AuthedRequest) -> HttpResponse:
    visible = training_sessions_for_user(request.user)
    years = sorted({d.year for d in visible.dates("starts_on", "year")}, reverse=True)
    form = SessionFilterForm(request.GET or None, years=years)
    sessions = visible.annotate(
        present=Count("attendances", filter=Q(attendances__attended=True), distinct=True)
    ).order_by("-starts_on", "title")
    if form.is_valid():
        data = form.cleaned_data
        if data["year"]:
            sessions = sessions.filter(starts_on__year=int(data["year"]))
        if data["topic"]:
            sessions = sessions.filter(topic=data["topic"])
        if data["audience"]:
            sessions = sessions.filter(audience=data["audience"])
    today = timezone.localdate()
    rows = list(sessions)
    upcoming = sorted((s for s in rows if s.starts_on > today), key=lambda s: s.starts_on)
    past = [s for s in rows if s.starts_on <= today]
    return render(
        request,
        "training/session_list.html",
        {
            "form": form,
            "upcoming": upcoming,
            "past": past,
            "may_record": _may_record(request.user),
            "see_shelters": role_of(request.user) in COORDINATION | {SHELTER_STAFF},
        },
    )


def _attendance_form(request: AuthedRequest, session: TrainingSession, data: Any = None) -> AttendanceForm:
    coordinator = role_of(request.user) in COORDINATION
    return AttendanceForm(
        data,
        users=services.attendee_choices(request.user),
        organisations=organisations_for_user(request.user).filter(is_active=True) if coordinator else None,
        shelters=shelters_for_user(request.user).filter(is_active=True) if coordinator else None,
    )


def _shelter_choices(attendance: Attendance, shelters: list[Shelter]) -> list[Shelter]:
    """The shelters a coordinator may say this attendee works at: those of their organisation,
    or every shelter for an external person not linked to an organisation yet."""
    if attendance.organisation_id is None and attendance.user_id is None:
        choices = list(shelters)
    else:
        choices = [s for s in shelters if s.operator_id == attendance.organisation_id]
    if attendance.shelter is not None and attendance.shelter not in choices:
        choices.insert(0, attendance.shelter)
    return choices


def _detail(
    request: AuthedRequest, session: TrainingSession, form: AttendanceForm | None = None, status: int = 200
) -> HttpResponse:
    manage = services.may_manage(request.user, session)
    attendances = list(
        attendances_for_user(request.user).filter(session=session).select_related("organisation", "shelter")
    )
    total = session.attendances.count()
    visible_shelters = set(shelters_for_user(request.user).values_list("pk", flat=True))
    certificates = set(
        certificates_for_user(request.user).filter(session=session).values_list("pk", flat=True)
    )
    set_shelter = role_of(request.user) in COORDINATION
    shelters = (
        list(shelters_for_user(request.user).filter(is_active=True).order_by("name")) if set_shelter else []
    )
    rows = [
        {
            "attendance": a,
            "organisation": attendee_organisation_label(a, request.user),
            "shelter": a.shelter if a.shelter_id in visible_shelters else None,
            "certificate": a.pk in certificates,
            "shelter_choices": _shelter_choices(a, shelters) if set_shelter else [],
        }
        for a in attendances
    ]
    return render(
        request,
        "training/session_detail.html",
        {
            "session": session,
            "rows": rows,
            "show_shelter": set_shelter or any(row["shelter"] for row in rows),
            "set_shelter": set_shelter,
            "hidden_count": total - len(attendances),
            "manage": manage,
            "form": form if form is not None else (_attendance_form(request, session) if manage else None),
            "past": session.starts_on <= timezone.localdate(),
        },
        status=status,
    )


def session_detail_view(request: AuthedRequest, pk: str) -> HttpResponse:
    session = get_for_user(training_sessions_for_user(request.user), pk, user=request.user, request=request)
    return _detail(request, session)


def _session_form_view(request: AuthedRequest, session: TrainingSession | None) -> HttpResponse:
    trainers = services.trainer_choices(request.user)
    initial: dict[str, Any] = {}
    if session is not None:
        initial = {f: getattr(session, f) for f in services.SESSION_FIELDS}
        initial["trainer"] = str(session.trainer_id)
    elif role_of(request.user) in COORDINATION:
        initial["trainer"] = str(request.user.organisation_id)
    form = SessionForm(request.POST or None, initial=initial, trainers=trainers)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        trainer_id = data.pop("trainer")
        trainer = trainers.filter(pk=trainer_id).first() if is_uuid(trainer_id) else None
        try:
            if session is None:
                session = services.session_create(
                    actor=request.user, trainer=trainer, request=request, **data
                )
                messages.success(request, _("The session is recorded. Now add who attended."))
            else:
                services.session_update(
                    actor=request.user, session=session, trainer=trainer, request=request, **data
                )
                messages.success(request, _("The session is updated."))
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("training:session_detail", pk=session.pk)
    return render(
        request,
        "training/session_form.html",
        {"form": form, "session": session},
        status=400 if request.method == "POST" else 200,
    )


def session_create_view(request: AuthedRequest) -> HttpResponse:
    return _session_form_view(request, None)


def _manageable(request: AuthedRequest, pk: str) -> TrainingSession:
    """A session the user may change; any other answers 404 like a missing one."""
    session = get_for_user(training_sessions_for_user(request.user), pk, user=request.user, request=request)
    if not services.may_manage(request.user, session):
        from abri.access.policy import refuse

        raise refuse(user=request.user, request=request, what="training.trainingsession", object_id=str(pk))
    return session


def session_edit_view(request: AuthedRequest, pk: str) -> HttpResponse:
    return _session_form_view(request, _manageable(request, pk))


def _pick(queryset: Any, value: str) -> Any:
    return queryset.filter(pk=value).first() if value and is_uuid(value) else None


@require_POST
def attendance_add_view(request: AuthedRequest, pk: str) -> HttpResponse:
    session = _manageable(request, pk)
    form = _attendance_form(request, session, request.POST)
    if not form.is_valid():
        return _detail(request, session, form, status=400)
    data = form.cleaned_data
    user: User | None = _pick(services.attendee_choices(request.user), data["user"])
    organisation: Organisation | None = _pick(
        organisations_for_user(request.user), data.get("organisation", "")
    )
    shelter: Shelter | None = _pick(shelters_for_user(request.user), data.get("shelter", ""))
    if data["user"] and user is None:
        form.add_error("user", _("Choose a person among the list."))
        return _detail(request, session, form, status=400)
    try:
        attendance = services.attendance_add(
            actor=request.user,
            session=session,
            user=user,
            full_name=data["full_name"],
            organisation_name=data["organisation_name"],
            organisation=organisation,
            shelter=shelter,
            request=request,
        )
    except DomainError as exc:
        add_domain_error(form, exc)
        return _detail(request, session, form, status=400)
    messages.success(request, _("%(name)s is registered.") % {"name": attendance.full_name})
    return redirect("training:session_detail", pk=session.pk)


@require_POST
def attendance_update_view(request: AuthedRequest, pk: str) -> HttpResponse:
    """Mark someone present or absent, or remove them from the session."""
    session = _manageable(request, pk)
    if not request.POST.get("attendance"):
        messages.error(request, _("Choose whose attendance to change."))
        return redirect("training:session_detail", pk=session.pk)
    attendance = get_for_user(
        Attendance.objects.filter(session=session),
        request.POST.get("attendance", ""),
        user=request.user,
        request=request,
    )
    attendance.session = session
    action = request.POST.get("action")
    try:
        if action == "shelter":
            value = request.POST.get("shelter", "")
            shelter: Shelter | None = _pick(shelters_for_user(request.user), value)
            if value and shelter is None:
                raise DomainError(_("Choose a shelter among the list."), field="shelter")
            services.attendance_set_shelter(
                actor=request.user, attendance=attendance, shelter=shelter, request=request
            )
            messages.success(request, _("The shelter of %(name)s is saved.") % {"name": attendance.full_name})
        elif action == "remove":
            services.attendance_remove(actor=request.user, attendance=attendance, request=request)
            messages.success(
                request, _("%(name)s is removed from the session.") % {"name": attendance.full_name}
            )
        elif action in {"present", "absent"}:
            services.attendance_set_attended(
                actor=request.user, attendance=attendance, attended=action == "present", request=request
            )
            messages.success(request, _("The attendance is updated."))
        else:
            messages.error(request, _("Unknown action."))
    except DomainError as exc:
        # Shown on the page itself, with the status of a refused request.
        messages.error(request, str(exc.message))
        return _detail(request, session, status=400)
    return redirect("training:session_detail", pk=session.pk)


def certificate_view(request: AuthedRequest, pk: str) -> HttpResponse:
    """The attendance certificate as a PDF download, in the user's language."""
    attendance = get_for_user(certificates_for_user(request.user), pk, user=request.user, request=request)
    pdf = certificate_pdf(attendance, viewer=request.user)
    audit_record(
        action="training.certificate",
        actor=request.user,
        target=attendance,
        data={"session": str(attendance.session_id), "number": attendance.certificate_number},
        request=request,
    )
    name = slugify(attendance.full_name)[:40] or "attestation"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="abri-certificate-{attendance.certificate_number}-{name}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


def my_trainings_view(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    attendances = list(
        Attendance.objects.filter(user=request.user)
        .select_related("session__trainer")
        .order_by("-session__starts_on")
    )
    rows = [
        {
            "attendance": a,
            "certificate": a.attended and a.session.starts_on <= today,
            "upcoming": a.session.starts_on > today,
        }
        for a in attendances
    ]
    return render(request, "training/my_trainings.html", {"rows": rows})


def shelter_status_view(request: AuthedRequest) -> HttpResponse:
    """Each shelter's trained staff and last training; shelters nobody trained in 24 months first."""
    form = ShelterStatusFilterForm(request.GET or None)
    rows = shelter_training_status(shelters_for_user(request.user).filter(is_active=True))
    needing = sum(1 for r in rows if r.needs_training)
    if form.is_valid() and form.cleaned_data["needs_training"]:
        rows = [r for r in rows if r.needs_training]
    return render(
        request,
        "training/shelter_status.html",
        {"form": form, "rows": rows, "needing": needing, "months": WINDOW_MONTHS},
    )
