"""The placement pages: propose, the shelter's inbox and answer, interview, transfer, arrival,
stays, exits and incidents, location disclosure, notifications."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from abri.access.policy import (
    get_for_user,
    identity_for,
    proposals_for_user,
    requests_for_user,
    shelters_for_user,
    stays_for_user,
    support_persons_for_user,
)
from abri.access.roles import COORDINATION, role_of
from abri.accounts.stepup import require_step_up
from abri.core.errors import DomainError
from abri.core.forms import add_domain_error, form_errors_text
from abri.core.ids import is_uuid
from abri.core.types import AuthedRequest
from abri.placements import services
from abri.placements.forms import (
    DisclosureForm,
    ExitForm,
    IncidentForm,
    InterviewForm,
    MissedArrivalForm,
    RefusalForm,
    TransferForm,
    WithdrawForm,
)
from abri.placements.models import Notification, ProposalStatus
from abri.placements.profile import anonymised_profile

P = ProposalStatus


@require_POST
def propose_view(request: AuthedRequest, pk: str) -> HttpResponse:
    """From 'Find a shelter': propose the person to the ticked shelters (one to three)."""
    req = get_for_user(requests_for_user(request.user), pk, user=request.user, request=request)
    ids = request.POST.getlist("shelter")[: services.MAX_PROPOSALS_AT_ONCE + 1]
    shelters = list(shelters_for_user(request.user).filter(pk__in=[i for i in ids if is_uuid(i)]))
    try:
        if len(shelters) != len(ids):
            raise DomainError(_("Choose one to three shelters."), field="shelters")
        services.proposals_create(actor=request.user, request=req, shelters=shelters, http_request=request)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("search:find", pk=req.pk)
    messages.success(request, _("The proposals are sent; the places are held until the shelters answer."))
    return redirect("referrals:detail", pk=req.pk)


def inbox_view(request: AuthedRequest) -> HttpResponse:
    """The shelter's work: proposals to answer (with their deadline), arrivals to prepare, residents."""
    proposals = proposals_for_user(request.user).select_related("request__person", "shelter")
    pending = [
        (p, anonymised_profile(p.request)) for p in proposals.filter(status=P.PENDING).order_by("expires_at")
    ]
    upcoming = list(proposals.filter(status__in=[P.AGREED, P.CONFIRMED]).order_by("created_at"))
    residents = list(
        stays_for_user(request.user)
        .filter(ended_on__isnull=True)
        .select_related("request__person", "shelter")
    )
    return render(
        request,
        "placements/inbox.html",
        {"pending": pending, "upcoming": upcoming, "residents": residents, "now": timezone.now()},
    )


def proposal_view(request: AuthedRequest, pk: str) -> HttpResponse:
    proposal = get_for_user(
        proposals_for_user(request.user).select_related("request__person", "shelter"),
        pk,
        user=request.user,
        request=request,
    )
    is_coordinator = role_of(request.user) in COORDINATION
    # The shelter reads the identity only while the placement is current (agreed, confirmed,
    # staying): before, and after it ended, the anonymised profile only.
    identity = identity_for(request.user, proposal.request.person, request=request)
    transfer = getattr(proposal, "transfer", None) if hasattr(proposal, "transfer") else None
    return render(
        request,
        "placements/proposal.html",
        {
            "proposal": proposal,
            "profile": anonymised_profile(proposal.request),
            "identity": identity,
            "is_coordinator": is_coordinator,
            "transfer": transfer,
            "refusal_form": RefusalForm(),
            "interview_form": InterviewForm(),
            "withdraw_form": WithdrawForm(),
            "transfer_form": TransferForm(),
            "missed_form": MissedArrivalForm(),
            "tickets": proposal.request.attachments.filter(kind="ticket") if is_coordinator else [],
        },
    )


@require_POST
def proposal_action_view(request: AuthedRequest, pk: str) -> HttpResponse:
    proposal = get_for_user(
        proposals_for_user(request.user).select_related("request", "shelter"),
        pk,
        user=request.user,
        request=request,
    )
    action = request.POST.get("action", "")
    forms_by_action: dict[str, Any] = {
        "refuse": RefusalForm,
        "interview": InterviewForm,
        "withdraw": WithdrawForm,
        "transfer": TransferForm,
        "not_arrived": MissedArrivalForm,
    }
    form = forms_by_action[action](request.POST) if action in forms_by_action else None
    try:
        if form is not None and not form.is_valid():
            raise DomainError(form_errors_text(form))
        data = form.cleaned_data if form is not None else {}
        actor = request.user
        if action == "agree":
            services.proposal_agree(actor=actor, proposal=proposal, http_request=request)
        elif action == "refuse":
            services.proposal_refuse(
                actor=actor, proposal=proposal, reason=data["reason"], text=data["text"], http_request=request
            )
        elif action == "interview":
            services.interview_schedule(
                actor=actor, proposal=proposal, at=data["at"], link=data["link"], http_request=request
            )
        elif action == "confirm":
            services.interview_confirm(actor=actor, proposal=proposal, http_request=request)
        elif action == "withdraw":
            services.interview_withdraw(
                actor=actor,
                proposal=proposal,
                by_person=data["by_person"] == "person",
                reason=data["reason"],
                http_request=request,
            )
        elif action == "transfer":
            services.transfer_plan(actor=actor, proposal=proposal, data=data, http_request=request)
        elif action == "arrived":
            services.arrival_confirm(actor=actor, proposal=proposal, http_request=request)
        elif action == "not_arrived":
            services.arrival_missed(
                actor=actor,
                proposal=proposal,
                search_again=data["next_step"] == "search",
                reason=data["reason"],
                http_request=request,
            )
        else:
            raise DomainError(_("Unknown action."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Done."))
    return redirect("placements:proposal", pk=proposal.pk)


def stay_view(request: AuthedRequest, pk: str) -> HttpResponse:
    stay = get_for_user(
        stays_for_user(request.user).select_related("request__person", "shelter", "proposal"),
        pk,
        user=request.user,
        request=request,
    )
    # A former shelter keeps the stay in its history, anonymised: no name, no support record.
    identity = identity_for(request.user, stay.request.person, request=request)
    return render(
        request,
        "placements/stay.html",
        {
            "stay": stay,
            "identity": identity,
            # The support record's link shows only where the record opens (the policy's rule).
            "record_open": support_persons_for_user(request.user).filter(pk=stay.request.person_id).exists(),
            "profile": anonymised_profile(stay.request),
            "exit_form": ExitForm(initial={"day": timezone.localdate()}),
            "incident_form": IncidentForm(),
            "incidents": stay.incidents.all(),
        },
    )


@require_POST
def stay_action_view(request: AuthedRequest, pk: str) -> HttpResponse:
    stay = get_for_user(
        stays_for_user(request.user).select_related("proposal__shelter", "request"),
        pk,
        user=request.user,
        request=request,
    )
    action = request.POST.get("action", "")
    try:
        if action == "exit":
            form: Any = ExitForm(request.POST)
            if not form.is_valid():
                raise DomainError(form_errors_text(form))
            services.stay_exit(actor=request.user, stay=stay, http_request=request, **form.cleaned_data)
        elif action == "incident":
            form = IncidentForm(request.POST)
            if not form.is_valid():
                raise DomainError(form_errors_text(form))
            services.incident_report(actor=request.user, stay=stay, http_request=request, **form.cleaned_data)
        else:
            raise DomainError(_("Unknown action."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("placements:stay", pk=stay.pk)
    messages.success(request, _("Recorded."))
    if role_of(request.user) in COORDINATION:
        return redirect("referrals:detail", pk=stay.request_id)
    return redirect("placements:inbox")


@require_step_up
def disclose_view(request: AuthedRequest, pk: str) -> HttpResponse:
    """A coordinator tells the field worker where the person is: reason, fresh second factor, audit."""
    req = get_for_user(requests_for_user(request.user), pk, user=request.user, request=request)
    form = DisclosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.location_disclose(
                actor=request.user, request=req, reason=form.cleaned_data["reason"], http_request=request
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The field worker can now see where the person is."))
            return redirect("referrals:detail", pk=req.pk)
    return render(request, "placements/disclose.html", {"form": form, "req": req})


def notifications_view(request: AuthedRequest) -> HttpResponse:
    items = list(Notification.objects.filter(user=request.user)[:50])
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "placements/notifications.html", {"items": items})


def residents_view(request: AuthedRequest) -> HttpResponse:
    """Everyone living at the user's shelters (coordinators: at every shelter)."""
    stays = (
        stays_for_user(request.user)
        .filter(ended_on__isnull=True)
        .select_related("request__person", "shelter")
    )
    return render(request, "placements/residents.html", {"stays": list(stays)})
