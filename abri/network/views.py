"""The network board, shelter pages, availability, the partner directory, import and export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from abri.access.policy import (
    directory_for_user,
    get_for_user,
    organisations_for_user,
    shelters_for_user,
    unavailabilities_for_user,
)
from abri.access.roles import COORDINATION, role_of
from abri.accounts.models import OrganisationKind
from abri.accounts.stepup import require_step_up
from abri.audit.services import audit_read, audit_record
from abri.core.errors import DomainError
from abri.core.forms import add_domain_error
from abri.core.ids import is_uuid
from abri.core.types import AuthedRequest
from abri.core.vocabulary import ExploitationForm, language_label
from abri.network import io, services
from abri.network.availability import availability
from abri.network.forms import (
    BoardFilterForm,
    DirectoryFilterForm,
    ImportForm,
    ShelterForm,
    UnavailabilityForm,
)
from abri.network.map import MapPoint, france_map_svg
from abri.network.selectors import (
    SMALL_COUNT,
    BoardFilters,
    capacity_by_region,
    network_board,
    suppress_small_counts,
)


def board_view(request: AuthedRequest) -> HttpResponse:
    """Where the network's places are free now, without a phone call."""
    form = BoardFilterForm(request.GET or None)
    filters = BoardFilters()
    if form.is_valid():
        filters = BoardFilters(**form.cleaned_data)
    board = network_board(shelters_for_user(request.user), filters)
    points = [
        MapPoint(
            lat=s.latitude,
            lon=s.longitude,
            value=a.free,
            label=_("%(name)s, %(town)s: %(free)s free of %(dedicated)s")
            % {"name": s.name, "town": s.commune, "free": a.free, "dedicated": a.dedicated},
            href=reverse("network:shelter_detail", args=[s.pk]),
        )
        for s, a, _last in board.rows
    ]
    map_svg = france_map_svg(
        points,
        title=_("Map of the shelters"),
        description=_("Each circle is a shelter; its size follows its free places."),
        legend_title=_("Free places"),
        zero_label=_("none free"),
        overseas_note=_("+{count} overseas"),
    )
    return render(request, "network/board.html", {"form": form, "board": board, "map_svg": map_svg})


def capacity_view(request: AuthedRequest) -> HttpResponse:
    """Counts per région only: what observers see of the network."""
    regions: Any = capacity_by_region()
    totals = {
        "shelters": sum(r.shelters for r in regions),
        "dedicated": sum(r.dedicated for r in regions),
        "free": sum(r.free for r in regions),
    }
    show_free = role_of(request.user) in COORDINATION
    if not show_free:
        # Observers: small counts hidden, with secondary suppression (SECURITY.md bar 15). Free
        # places are left out: watched from day to day, a région's count going down dates an
        # arrival there.
        regions = suppress_small_counts(regions, columns=("shelters", "dedicated"))
        totals = {k: (v if v >= SMALL_COUNT else None) for k, v in totals.items() if k != "free"}
    return render(
        request, "network/capacity.html", {"regions": regions, "totals": totals, "show_free": show_free}
    )


def my_shelters_view(request: AuthedRequest) -> HttpResponse:
    shelters = list(shelters_for_user(request.user).filter(is_active=True))
    if len(shelters) == 1:
        return redirect("network:shelter_detail", pk=shelters[0].pk)
    rows = [(s, availability(s)) for s in shelters]
    return render(request, "network/my_shelters.html", {"rows": rows})


def _detail_context(
    request: AuthedRequest, shelter: Any, form: UnavailabilityForm | None = None
) -> dict[str, Any]:
    return {
        "shelter": shelter,
        "availability": availability(shelter),
        "unavailabilities": unavailabilities_for_user(request.user).filter(
            shelter=shelter, ended_at__isnull=True
        ),
        "history": shelter.availability_changes.select_related("by")[:20],
        "unavailability_form": form or UnavailabilityForm(),
        "languages": [language_label(c) for c in shelter.languages],
        "forms": [
            ExploitationForm(c).label for c in shelter.exploitation_forms if c in ExploitationForm.values
        ],
    }


def shelter_detail_view(request: AuthedRequest, pk: str) -> HttpResponse:
    shelter = get_for_user(shelters_for_user(request.user), pk, user=request.user, request=request)
    audit_read(actor=request.user, target=shelter, fields=["address"], request=request)
    return render(request, "network/shelter_detail.html", _detail_context(request, shelter))


def _shelter_form_initial(shelter: Any) -> dict[str, Any]:
    return {f: getattr(shelter, f) for f in services.SHELTER_FIELDS if f not in {"latitude", "longitude"}}


def shelter_edit_view(request: AuthedRequest, pk: str) -> HttpResponse:
    shelter = get_for_user(shelters_for_user(request.user), pk, user=request.user, request=request)
    form = ShelterForm(request.POST or None, initial=_shelter_form_initial(shelter))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if data["commune"] != shelter.commune or data["departement"] != shelter.departement:
            data.update(latitude=None, longitude=None)  # find the new town's coordinates
        try:
            services.shelter_update(actor=request.user, shelter=shelter, request=request, **data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The shelter is updated."))
            return redirect("network:shelter_detail", pk=shelter.pk)
    return render(request, "network/shelter_form.html", {"form": form, "shelter": shelter})


def shelter_create_view(request: AuthedRequest) -> HttpResponse:
    operators = organisations_for_user(request.user).filter(
        kind=OrganisationKind.SHELTER_OPERATOR, is_active=True
    )
    form = ShelterForm(request.POST or None)
    operator_id = request.POST.get("operator", "")
    if request.method == "POST" and form.is_valid():
        operator = operators.filter(pk=operator_id).first() if is_uuid(operator_id) else None
        if operator is None:
            form.add_error(None, _("Choose the operator organisation."))
        else:
            try:
                shelter = services.shelter_create(
                    actor=request.user, operator=operator, request=request, **form.cleaned_data
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("The shelter is registered."))
                return redirect("network:shelter_detail", pk=shelter.pk)
    return render(
        request,
        "network/shelter_form.html",
        {"form": form, "operators": operators, "operator_id": operator_id},
    )


@require_POST
def availability_update_view(request: AuthedRequest, pk: str) -> HttpResponse:
    """The shelter's one-minute update: confirm, declare unavailable places, or end an unavailability."""
    shelter = get_for_user(shelters_for_user(request.user), pk, user=request.user, request=request)
    action = request.POST.get("action")
    try:
        if action == "confirm":
            services.availability_confirm(actor=request.user, shelter=shelter, request=request)
            messages.success(request, _("Thank you: the availability is confirmed."))
        elif action == "unavailable":
            form = UnavailabilityForm(request.POST)
            if not form.is_valid():
                return _detail_with_form(request, shelter, form)
            services.unavailability_declare(
                actor=request.user, shelter=shelter, request=request, **form.cleaned_data
            )
            messages.success(request, _("The places are marked unavailable."))
        elif action == "end":
            item = get_for_user(
                unavailabilities_for_user(request.user).filter(shelter=shelter),
                request.POST.get("unavailability"),
                user=request.user,
                request=request,
            )
            services.unavailability_end(actor=request.user, unavailability=item, request=request)
            messages.success(request, _("The places are available again."))
        else:
            messages.error(request, _("Unknown action."))
    except DomainError as exc:
        form = UnavailabilityForm(request.POST)
        form.is_valid()
        add_domain_error(form, exc)
        return _detail_with_form(request, shelter, form)
    return redirect("network:shelter_detail", pk=shelter.pk)


def _detail_with_form(request: AuthedRequest, shelter: Any, form: UnavailabilityForm) -> HttpResponse:
    """The shelter page again, with the invalid form and its errors next to the fields."""
    return render(request, "network/shelter_detail.html", _detail_context(request, shelter, form), status=400)


def directory_view(request: AuthedRequest) -> HttpResponse:
    """The partner directory, as the user's role may see it."""
    visible = directory_for_user(request.user)
    kinds = [c for c in OrganisationKind.choices if visible.filter(kind=c[0]).exists()]
    form = DirectoryFilterForm(request.GET or None, kinds=kinds)
    organisations = visible.prefetch_related("collectives").order_by("name")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            organisations = organisations.filter(
                Q(name__icontains=data["q"]) | Q(description__icontains=data["q"])
            )
        if data["kind"]:
            organisations = organisations.filter(kind=data["kind"])
    rows = list(organisations.distinct())
    if form.is_valid():
        # JSON lists are filtered in Python: `__contains` on JSON is not portable to SQLite.
        if form.cleaned_data["departement"]:
            rows = [
                o
                for o in rows
                if form.cleaned_data["departement"] in o.areas
                or o.departement == form.cleaned_data["departement"]
            ]
        if form.cleaned_data["exploitation_form"]:
            rows = [o for o in rows if form.cleaned_data["exploitation_form"] in o.exploitation_forms]
    return render(request, "network/directory.html", {"form": form, "organisations": rows})


def directory_detail_view(request: AuthedRequest, pk: str) -> HttpResponse:
    organisation = get_for_user(
        directory_for_user(request.user).distinct(), pk, user=request.user, request=request
    )
    return render(
        request,
        "network/directory_detail.html",
        {
            "organisation": organisation,
            "forms": [
                ExploitationForm(c).label
                for c in organisation.exploitation_forms
                if c in ExploitationForm.values
            ],
        },
    )


@require_step_up
def export_view(request: AuthedRequest) -> Any:  # a streamed CSV is no HttpResponse
    """Organisations or shelters as CSV (streamed) or XLSX.

    The shelters' file holds every decrypted street address: a fresh second factor first
    (abri/access/downloads.py), and an audit event for every file served.
    """
    what = request.GET.get("what", "shelters")
    fmt = request.GET.get("format", "csv")
    if what not in {"shelters", "organisations"} or fmt not in {"csv", "xlsx"}:
        return render(request, "network/export.html", status=400)
    source = shelters_for_user(request.user) if what == "shelters" else organisations_for_user(request.user)
    rows = io.export_rows("shelters" if what == "shelters" else "organisations", source)
    filename = f"abri-{what}.{fmt}"
    if fmt == "csv":
        response: HttpResponseBase = StreamingHttpResponse(
            io.write_csv(rows), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            io.write_xlsx(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    audit_record(
        action="network.export", actor=request.user, data={"what": what, "format": fmt}, request=request
    )
    return response


def import_view(request: AuthedRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(io.MAX_BYTES + 1)
        importer = io.import_shelters if form.cleaned_data["what"] == "shelters" else io.import_organisations
        try:
            report = importer(actor=request.user, data=data, filename=upload.name, request=request)
        except DomainError as exc:
            add_domain_error(form, exc)
            return render(request, "network/import.html", {"form": form, "report": None}, status=400)
        if report.ok:
            messages.success(request, _("%(count)s lines imported.") % {"count": report.created})
            return redirect(
                "network:board" if form.cleaned_data["what"] == "shelters" else "network:directory"
            )
    return render(
        request,
        "network/import.html",
        {"form": form, "report": report, "is_coordinator": role_of(request.user) in COORDINATION},
    )
