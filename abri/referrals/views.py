"""Request pages: the field worker's steps and list, the coordinator's worklist and request page."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from abri.access.policy import (
    IDENTITY_FIELDS,
    Identity,
    attachments_for_user,
    danger_zone_label,
    danger_zones_for_user,
    get_for_user,
    identity_for,
    persons_for_user,
    refuse,
    requests_for_user,
)
from abri.access.roles import COORDINATION, role_of
from abri.accounts.stepup import require_step_up
from abri.audit.services import audit_read
from abri.core.errors import DomainError
from abri.core.forms import add_domain_error, form_errors_text
from abri.core.types import AuthedRequest
from abri.core.uploads import MAX_UPLOAD_BYTES
from abri.core.vocabulary import ExploitationForm, language_label
from abri.referrals import services
from abri.referrals.forms import (
    AttachmentForm,
    ConsentForm,
    HouseholdFormSet,
    MessageForm,
    NeedsForm,
    PersonForm,
    ReasonForm,
    SituationForm,
    WorklistFilterForm,
    ZonesForm,
)
from abri.referrals.models import DangerZone, DuplicateCandidate, Request, Status
from abri.referrals.selectors import decision_reason, timeline, worklist
from abri.referrals.workflow import OPEN_STATUSES, REFERRER_WORD, allowed_transitions
from abri.support.selectors import support_summary

STEP_TITLES = {
    1: gettext_lazy("The person"),
    2: gettext_lazy("Who comes with them"),
    3: gettext_lazy("Situation and danger zones"),
    4: gettext_lazy("Needs and legal situation"),
    5: gettext_lazy("Consent"),
    6: gettext_lazy("Check and send"),
}


def _get_request(request: AuthedRequest, pk: str) -> Request:
    return get_for_user(requests_for_user(request.user), pk, user=request.user, request=request)


# --- Field worker ---------------------------------------------------------------------------


def my_requests_view(request: AuthedRequest) -> HttpResponse:
    rows = [
        (r, REFERRER_WORD[Status(r.status)]) for r in requests_for_user(request.user).order_by("-created_at")
    ]
    return render(request, "referrals/my_requests.html", {"rows": rows})


def new_request_view(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        created = services.request_create_draft(actor=request.user, http_request=request)
        return redirect("referrals:step", pk=created.pk, step=1)
    return render(request, "referrals/new.html")


def _initial(req: Request, step: int, identity: Identity | None = None) -> Any:
    person = req.person
    if step == 1:
        # The identity fields come from the accessor, which recorded the read.
        return {
            **{f: getattr(identity, f) for f in IDENTITY_FIELDS if identity is not None},
            **{
                f: getattr(person, f)
                for f in ("age", "country_of_origin", "gender", "languages", "interpreter_needed")
            },
        }
    if step == 2:
        return [{"relation": m.relation, "gender": m.gender, "age": m.age} for m in person.household.all()]
    if step == 3:
        # The form edits only what the field worker gave; other zones are listed, not editable.
        zones = list(req.danger_zones.filter(source=DangerZone.Source.REFERRER))
        return {
            "urgency": req.urgency,
            "situation": req.situation,
            "exploitation_forms": person.exploitation_forms,
            "danger_departements": [z.departement for z in zones if not z.commune],
            "danger_towns": "\n".join(f"{z.commune} ({z.departement})" for z in zones if z.commune),
            "town_radius_km": next((z.radius_km for z in zones if z.commune), 30),
            "min_distance_km": req.min_distance_km,
            "exploiters": person.exploiters,
            "exploiter_relation": person.exploiter_relation,
            "exploitation_place": person.exploitation_place,
            "exploitation_start_age": person.exploitation_start_age,
            "housed_by_exploiter": person.housed_by_exploiter,
        }
    if step == 4:
        health = person.health_needs or {}
        return {
            "needs_wheelchair": person.needs_wheelchair,
            **{k: health.get(k) for k in ("health", "addiction", "pregnancy", "psychological")},
            "health_notes": health.get("notes", ""),
            "complaint_filed": person.complaint_filed,
            "permit_status": person.permit_status,
        }
    if step == 5:
        consent = getattr(req, "consent", None)
        if consent is None:
            return {
                "obtained_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "obtained_by": request_user_name(req),
            }
        return {
            "confirmed": True,
            "obtained_by": consent.obtained_by,
            "obtained_at": timezone.localtime(consent.obtained_at).strftime("%Y-%m-%dT%H:%M"),
            "language": consent.language,
            "interpreter_used": consent.interpreter_used,
        }
    return None


def request_user_name(req: Request) -> str:
    return req.created_by.get_full_name()


FORMS = {1: PersonForm, 3: SituationForm, 4: NeedsForm, 5: ConsentForm}


def step_view(request: AuthedRequest, pk: str, step: int) -> HttpResponse:
    """One step of the request form; each step saves the draft."""
    req = _get_request(request, pk)
    if req.status not in (Status.DRAFT, Status.INFO_REQUESTED):
        return redirect("referrals:detail", pk=req.pk)
    if not 1 <= step <= 6:
        step = 1
    if step == 6:
        return _review(request, req)
    if step == 2:
        form: Any = HouseholdFormSet(request.POST or None, initial=_initial(req, 2), prefix="members")
    elif step == 1:
        # A form sent back shows what was typed: only a blank form reads the stored identity.
        identity = (
            identity_for(request.user, req.person, request=request) if request.method != "POST" else None
        )
        form = FORMS[step](request.POST or None, initial=_initial(req, step, identity))
    else:
        form = FORMS[step](request.POST or None, initial=_initial(req, step))
    if request.method == "POST" and form.is_valid():
        try:
            if step == 1:
                services.request_save_person(actor=request.user, request=req, data=form.cleaned_data)
            elif step == 2:
                members = [f for f in form.cleaned_data if f and f.get("relation")]
                services.request_save_household(actor=request.user, request=req, members=members)
            elif step == 3:
                services.request_save_situation(actor=request.user, request=req, data=form.cleaned_data)
            elif step == 4:
                services.request_save_needs(actor=request.user, request=req, data=form.cleaned_data)
            else:
                services.request_save_consent(actor=request.user, request=req, data=form.cleaned_data)
        except DomainError as exc:
            if step == 2:
                form._non_form_errors = form.error_class([str(exc.message)])
            else:
                add_domain_error(form, exc)
        else:
            if request.POST.get("save") == "draft":
                messages.success(request, _("Draft saved. You can come back to it from “My requests”."))
                return redirect("referrals:mine")
            return redirect("referrals:step", pk=req.pk, step=step + 1)
    return render(
        request,
        "referrals/step.html",
        {
            "req": req,
            "step": step,
            "form": form,
            "title": STEP_TITLES[step],
            "steps": STEP_TITLES,
            "is_formset": step == 2,
            "kept_zones": [
                danger_zone_label(request.user, z)
                for z in req.danger_zones.exclude(source=DangerZone.Source.REFERRER)
            ]
            if step == 3
            else [],
        },
        status=400 if request.method == "POST" else 200,
    )


def _review(request: AuthedRequest, req: Request) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            if req.status == Status.INFO_REQUESTED:
                services.request_transition(
                    actor=request.user, request=req, name="provide_information", http_request=request
                )
            else:
                services.request_submit(actor=request.user, request=req, http_request=request)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("The request is sent. The coordinators will answer you here."))
            return redirect("referrals:detail", pk=req.pk)
    return render(
        request,
        "referrals/review.html",
        {
            "req": req,
            "step": 6,
            "steps": STEP_TITLES,
            "title": STEP_TITLES[6],
            "error": error,
            "identity": identity_for(request.user, req.person, request=request),
            **_profile_context(req, request.user),
        },
        status=400 if error else 200,
    )


# --- Both sides -----------------------------------------------------------------------------


def _profile_context(req: Request, user: Any) -> dict[str, Any]:
    person = req.person
    return {
        "person": person,
        "household": list(person.household.all()),
        # Labels, not zones: a zone from a former shelter reads as such outside coordination.
        "zones": danger_zones_for_user(user, req),
        "languages": [language_label(c) for c in person.languages],
        "forms": [
            ExploitationForm(c).label for c in person.exploitation_forms if c in ExploitationForm.values
        ],
        "consent": getattr(req, "consent", None) if hasattr(req, "consent") else None,
    }


def _placement_context(req: Request, role: str | None) -> dict[str, Any]:
    """What each side may see of the placement: coordinators everything; the referrer the
    departure side of the journey and, only if a coordinator disclosed it, the shelter."""
    from abri.access.policy import disclosed_shelter
    from abri.placements.models import HOLDING, Proposal, Transfer

    if role in COORDINATION:
        proposals = list(
            Proposal.objects.filter(request=req).select_related("shelter").order_by("-created_at")
        )
        return {"proposals": proposals, "stays": list(req.stays.select_related("shelter"))}
    transfer = Transfer.objects.filter(proposal__request=req, proposal__status__in=HOLDING).first()
    # The departure side only, and no free text but the place written for them: the escort's
    # name is the coordinators' and the shelter's (it can tell where the person goes).
    departure = (
        {
            "travel_date": transfer.travel_date,
            "departure_time": transfer.departure_time,
            "departure_place": transfer.departure_place,
            "travel_mode": transfer.get_travel_mode_display(),
            "escorted": bool(transfer.escort),
        }
        if transfer
        else None
    )
    return {"departure": departure, "disclosed": disclosed_shelter(req)}


def detail_view(request: AuthedRequest, pk: str) -> HttpResponse:
    """The whole request on one page: profile, danger zones, consent, messages, timeline, actions."""
    req = _get_request(request, pk)
    role = role_of(request.user)
    if role not in COORDINATION and req.status == Status.DRAFT:
        return redirect("referrals:step", pk=req.pk, step=req.draft_step if req.draft_step <= 6 else 6)
    context = _profile_context(req, request.user)
    context["identity"] = identity_for(
        request.user, req.person, request=request, also=("situation", "exploiters")
    )
    context.update(
        {
            "req": req,
            "is_coordinator": role in COORDINATION,
            "word": REFERRER_WORD[Status(req.status)],
            "transitions": allowed_transitions(status=req.status, role=role),
            # Reasons through the selector: free text reaches the referrer only if written for them.
            "events": timeline(request.user, req),
            "decision_reason": decision_reason(request.user, req),
            "thread": req.messages.select_related("author"),
            "message_form": MessageForm(),
            "reason_form": ReasonForm(),
            "zones_form": _zones_form(request, req) if role in COORDINATION else None,
            "attachment_form": AttachmentForm(referrer=role not in COORDINATION),
            "attachments": attachments_for_user(request.user).filter(request=req),
            "duplicates": DuplicateCandidate.objects.filter(
                request=req, decision=DuplicateCandidate.Decision.OPEN
            ).select_related("other__person", "other__referrer")
            if role in COORDINATION
            else [],
            **_placement_context(req, role),
            # Referrers read where the support stands, never its details (SECURITY.md).
            "support": support_summary(req.person) if req.status != Status.DRAFT else None,
        }
    )
    return render(request, "referrals/detail.html", context)


@require_POST
def transition_view(request: AuthedRequest, pk: str) -> HttpResponse:
    req = _get_request(request, pk)
    name = request.POST.get("transition", "")
    try:
        services.request_transition(
            actor=request.user,
            request=req,
            name=name,
            reason=request.POST.get("reason", ""),
            http_request=request,
        )
    except KeyError:
        messages.error(request, _("Unknown action."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Done."))
    return redirect("referrals:detail", pk=req.pk)


def _zones_form(request: AuthedRequest, req: Request, data: Any = None) -> ZonesForm:
    zones = [(str(z.pk), danger_zone_label(request.user, z)) for z in req.danger_zones.all()]
    return ZonesForm(data, zones=zones, initial={"radius_km": 30})


@require_POST
def zones_view(request: AuthedRequest, pk: str) -> HttpResponse:
    """A coordinator changes the danger zones (the engine and the proposals hold them)."""
    req = _get_request(request, pk)
    form = _zones_form(request, req, request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("referrals:detail", pk=req.pk)
    data = form.cleaned_data
    try:
        services.request_zones_change(
            actor=request.user,
            request=req,
            reason=data["reason"],
            remove=data["remove"],
            departements=data["departements"],
            towns=data["towns"],
            radius_km=data["radius_km"],
            http_request=request,
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The danger zones are changed."))
    return redirect("referrals:detail", pk=req.pk)


@require_POST
def message_view(request: AuthedRequest, pk: str) -> HttpResponse:
    req = _get_request(request, pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.message_post(
                actor=request.user, request=req, body=form.cleaned_data["body"], http_request=request
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("The message is empty or too long."))
    return redirect("referrals:detail", pk=req.pk)


@require_POST
def attachment_upload_view(request: AuthedRequest, pk: str) -> HttpResponse:
    req = _get_request(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.attachment_add(
                actor=request.user,
                request=req,
                kind=form.cleaned_data["kind"],
                data=upload.read(MAX_UPLOAD_BYTES + 1),
                filename=upload.name,
                http_request=request,
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The document is attached."))
    else:
        messages.error(request, form_errors_text(form))
    return redirect("referrals:detail", pk=req.pk)


@require_step_up
def attachment_download_view(request: AuthedRequest, pk: str) -> HttpResponse:
    """Served only here, only to who may see the request, always as a download, after a fresh
    second factor: identity papers and medical letters are person data (abri/access/downloads.py)."""
    attachment = get_for_user(attachments_for_user(request.user), pk, user=request.user, request=request)
    # Identity papers, a photo, a ticket in the person's name: a document identifies the person,
    # so it is served only to who may read the identity now, and recorded as a read of it too.
    if identity_for(request.user, attachment.request.person, request=request) is None:
        raise refuse(user=request.user, request=request, what="referrals.attachment", object_id=str(pk))
    audit_read(actor=request.user, target=attachment, fields=["content"], request=request)
    response = HttpResponse(attachment.content, content_type=attachment.content_type)
    response["Content-Disposition"] = f'attachment; filename="{attachment.download_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Coordinators ---------------------------------------------------------------------------


def worklist_view(request: AuthedRequest) -> HttpResponse:
    statuses = [(s.value, s.label) for s in Status if s.value in OPEN_STATUSES]
    form = WorklistFilterForm(request.GET or None, statuses=statuses)
    options = form.cleaned_data if form.is_valid() else {}
    rows = worklist(
        requests_for_user(request.user),
        status=options.get("status", ""),
        urgency=options.get("urgency", ""),
        sort=options.get("sort") or "oldest",
    )
    return render(request, "referrals/worklist.html", {"form": form, "rows": rows})


@require_POST
def duplicate_view(request: AuthedRequest, pk: str) -> HttpResponse:
    req = _get_request(request, pk)
    if not request.POST.get("candidate"):
        messages.error(request, _("Choose which possible duplicate you decide on."))
        return redirect("referrals:detail", pk=req.pk)
    candidate = get_for_user(
        DuplicateCandidate.objects.filter(request=req),
        request.POST.get("candidate"),
        user=request.user,
        request=request,
    )
    services.duplicate_decide(
        actor=request.user,
        candidate=candidate,
        same_person=request.POST.get("decision") == "same",
        http_request=request,
    )
    return redirect("referrals:detail", pk=req.pk)


@require_step_up
def person_export_view(request: AuthedRequest, pk: str) -> HttpResponse:
    person = get_for_user(persons_for_user(request.user), pk, user=request.user, request=request)
    data = services.person_export(actor=request.user, person=person, http_request=request)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="abri-{person.reference}.json"'
    return response


@require_step_up
def person_erase_view(request: AuthedRequest, pk: str) -> HttpResponse:
    person = get_for_user(persons_for_user(request.user), pk, user=request.user, request=request)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_erase(
                actor=request.user, person=person, reason=form.cleaned_data["reason"], http_request=request
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The person's identity is erased."))
            return redirect("referrals:worklist")
    return render(request, "referrals/erase.html", {"form": form, "person": person})
