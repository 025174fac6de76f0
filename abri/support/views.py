"""The support pages: the people followed, a person's record and its forms, the hearings calendar."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from abri.access.policy import get_for_user, identity_for, refuse, support_persons_for_user
from abri.access.roles import COORDINATION, PARTNER, role_of
from abri.audit.services import audit_read
from abri.core.errors import DomainError
from abri.core.forms import add_domain_error
from abri.core.types import AuthedRequest
from abri.support import forms, selectors, services
from abri.support.models import (
    CompensationClaim,
    Hearing,
    LegalCase,
    ResidencePermit,
    SupportFollow,
    SupportIncident,
    SupportStep,
)

# kind in the URL -> (form, title, service, model of an existing entry)
ENTRY_KINDS: dict[str, dict[str, Any]] = {
    "step": {"form": forms.StepForm, "title": gettext_lazy("Social step"), "model": SupportStep},
    "permit": {"form": forms.PermitForm, "title": gettext_lazy("Residence rights"), "model": ResidencePermit},
    "case": {"form": forms.CaseForm, "title": gettext_lazy("Legal proceeding"), "model": LegalCase},
    "hearing": {"form": forms.HearingForm, "title": gettext_lazy("Hearing or trial"), "model": Hearing},
    "claim": {
        "form": forms.ClaimForm,
        "title": gettext_lazy("Compensation claim"),
        "model": CompensationClaim,
    },
    "incident": {"form": forms.IncidentForm, "title": gettext_lazy("Danger during support"), "model": None},
    "follow": {"form": forms.FollowForm, "title": gettext_lazy("Add a support partner"), "model": None},
}
PERSON_KINDS = ("step", "permit", "case", "incident", "follow")
CASE_KINDS = ("hearing", "claim")
EDIT_KINDS = ("step", "permit", "case", "hearing", "claim")


def _person(request: AuthedRequest, pk: Any) -> Any:
    return get_for_user(support_persons_for_user(request.user), pk, user=request.user, request=request)


def people_view(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:40]
    people = list(selectors.people_for_user(request.user, query=query)[:500])
    return render(
        request,
        "support/people.html",
        {
            "people": people,
            "query": query,
            "today": timezone.localdate(),
            "can_create": role_of(request.user) in COORDINATION | {PARTNER},
        },
    )


def person_new_view(request: AuthedRequest) -> HttpResponse:
    coordinator = role_of(request.user) in COORDINATION
    form = forms.FollowedPersonForm(
        request.POST or None, coordinator=coordinator, initial={"started_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create_followed(
                actor=request.user, data=form.cleaned_data, http_request=request
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The person is recorded. You can now add their support."))
            return redirect("support:record", pk=person.pk)
    return render(request, "support/person_new.html", {"form": form})


def record_view(request: AuthedRequest, pk: str) -> HttpResponse:
    person = _person(request, pk)
    record = selectors.support_record(request.user, person)
    also = ("support", *(("location",) if record.show_shelter and record.stay else ()))
    identity = identity_for(request.user, person, request=request, also=also)
    if identity is None:
        audit_read(actor=request.user, target=person, fields=list(also), request=request)
    return render(
        request,
        "support/record.html",
        {
            "record": record,
            "person": person,
            "identity": identity,
            "end_form": forms.EndFollowForm(initial={"ended_on": timezone.localdate()}),
            "now": timezone.now(),
        },
    )


def _save(kind: str, request: AuthedRequest, data: dict[str, Any], **target: Any) -> Any:
    """Call the service that writes this kind of entry."""
    actor, http = request.user, request
    if kind == "step":
        return services.step_save(actor=actor, data=data, http_request=http, **target)
    if kind == "permit":
        return services.permit_save(actor=actor, data=data, http_request=http, **target)
    if kind == "case":
        return services.case_save(actor=actor, data=data, http_request=http, **target)
    if kind == "hearing":
        return services.hearing_save(actor=actor, data=data, http_request=http, **target)
    if kind == "claim":
        return services.claim_save(actor=actor, data=data, http_request=http, **target)
    if kind == "incident":
        return services.support_incident_report(actor=actor, data=data, http_request=http, **target)
    if kind == "follow":
        return services.follow_start(actor=actor, http_request=http, **target, **data)
    raise Http404


def _entry_form_page(
    request: AuthedRequest, kind: str, person: Any, target: dict[str, Any], initial: dict[str, Any]
) -> HttpResponse:
    spec = ENTRY_KINDS[kind]
    form_kwargs = {"role": role_of(request.user)} if kind == "incident" else {}
    form = spec["form"](request.POST or None, initial=initial, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save(kind, request, form.cleaned_data, **target)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if (
                kind == "incident"
                and saved.placement_incident_id
                and role_of(request.user) not in COORDINATION
            ):
                # The stay has ended: the shelter no longer follows the person, so its record
                # would answer "not found". Say what happened instead.
                messages.success(
                    request,
                    _("The person's stay has ended; the coordinators are searching for another shelter now."),
                )
                return redirect("home")
            messages.success(request, _("Recorded."))
            return redirect("support:record", pk=person.pk)
    return render(
        request,
        "support/entry_form.html",
        {"form": form, "title": spec["title"], "person": person, "kind": kind},
    )


def add_view(request: AuthedRequest, pk: str, kind: str) -> HttpResponse:
    """A new step, permit, proceeding, incident or partner on the person's record."""
    if kind not in PERSON_KINDS:
        raise refuse(user=request.user, request=request, what=f"support.{kind[:20]}")
    if kind == "follow" and role_of(request.user) not in COORDINATION:
        raise refuse(user=request.user, request=request, what="support.follow")
    person = _person(request, pk)
    today = timezone.localdate()
    initial = {"started_on": today, "occurred_on": today}
    return _entry_form_page(request, kind, person, {"person": person}, initial)


def case_add_view(request: AuthedRequest, pk: str, kind: str) -> HttpResponse:
    """A hearing or a compensation claim of a proceeding."""
    if kind not in CASE_KINDS:
        raise refuse(user=request.user, request=request, what=f"support.{kind[:20]}")
    case = get_for_user(
        LegalCase.objects.filter(person__in=support_persons_for_user(request.user)).select_related("person"),
        pk,
        user=request.user,
        request=request,
    )
    return _entry_form_page(request, kind, case.person, {"case": case}, {})


def _editable(request: AuthedRequest, kind: str) -> Any:
    """The entries of this kind the user may change: of people it follows, recorded by its organisation."""
    model = ENTRY_KINDS[kind]["model"]
    people = support_persons_for_user(request.user)
    if kind == "hearing":
        hearings = model.objects.filter(case__person__in=people).select_related("case__person")
        if role_of(request.user) in COORDINATION:
            return hearings
        own = request.user.organisation_id
        return hearings.filter(
            Q(organisation_id=own) | Q(organisation__isnull=True, case__organisation_id=own)
        )
    if kind in CASE_KINDS:  # compensation claims: completed by anyone following the person
        return model.objects.filter(case__person__in=people).select_related("case__person")
    entries = model.objects.filter(person__in=people).select_related("person")
    if role_of(request.user) not in COORDINATION:
        entries = entries.filter(organisation_id=request.user.organisation_id)
    return entries


def edit_view(request: AuthedRequest, kind: str, pk: str) -> HttpResponse:
    if kind not in EDIT_KINDS:
        raise refuse(user=request.user, request=request, what=f"support.{kind[:20]}")
    entry = get_for_user(_editable(request, kind), pk, user=request.user, request=request)
    # The form shows the entry's encrypted fields (notes, numbers, places, the lawyer).
    audit_read(actor=request.user, target=entry, fields=["support"], request=request)
    form_class = ENTRY_KINDS[kind]["form"]
    initial = {name: getattr(entry, name, None) for name in form_class.base_fields}
    if kind in CASE_KINDS:
        person, target = entry.case.person, {"case": entry.case, kind: entry}
    else:
        person, target = entry.person, {"person": entry.person, kind: entry}
    if initial.get("at"):
        initial["at"] = timezone.localtime(initial["at"])
    return _entry_form_page(request, kind, person, target, initial)


@require_POST
def follow_end_view(request: AuthedRequest, pk: str) -> HttpResponse:
    follows = SupportFollow.objects.filter(person__in=support_persons_for_user(request.user))
    if role_of(request.user) not in COORDINATION:
        follows = follows.filter(organisation=request.user.organisation)
    follow = get_for_user(follows, pk, user=request.user, request=request)
    form = forms.EndFollowForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("Give the date the follow-up ended."), field="ended_on")
        services.follow_end(
            actor=request.user, follow=follow, ended_on=form.cleaned_data["ended_on"], http_request=request
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("support:record", pk=follow.person_id)
    messages.success(request, _("The follow-up has ended."))
    if role_of(request.user) == PARTNER:
        return redirect("support:people")  # the record is no longer the partner's to read
    return redirect("support:record", pk=follow.person_id)


@require_POST
def emergency_move_view(request: AuthedRequest, pk: str) -> HttpResponse:
    incident = get_for_user(
        SupportIncident.objects.filter(person__in=support_persons_for_user(request.user)),
        pk,
        user=request.user,
        request=request,
    )
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that the stay ends today."))
        return redirect("support:record", pk=incident.person_id)
    try:
        moved = services.emergency_move(actor=request.user, incident=incident, http_request=request)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("support:record", pk=incident.person_id)
    messages.success(request, _("The stay has ended and the request is being searched again, urgently."))
    return redirect("referrals:detail", pk=moved.stay.request_id)


def calendar_view(request: AuthedRequest) -> HttpResponse:
    hearings = selectors.coming_hearings(request.user)
    months: dict[Any, list[selectors.HearingView]] = {}
    for view in hearings:
        local = timezone.localtime(view.hearing.at)
        months.setdefault(local.date().replace(day=1), []).append(view)
    return render(request, "support/calendar.html", {"months": sorted(months.items())})
