"""Statistics pages: the coordinators' dashboard and exports, observers' tables, own activity."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from abri.accounts.stepup import require_step_up
from abri.core.types import AuthedRequest
from abri.reports import activity, exports, observers, pdf, selectors, services
from abri.reports.charts import render_svg
from abri.reports.forms import FilterForm, ObserverForm, YearForm


def _figures(sections: list[tuple[Any, list[Any]]]) -> list[tuple[Any, list[tuple[Any, Any]]]]:
    return [(title, [(f, render_svg(f)) for f in figures]) for title, figures in sections]


def _filter_form(request: AuthedRequest, **kwargs: Any) -> tuple[FilterForm, selectors.Filters]:
    default = selectors.default_filters()
    initial = {"start": default.start.strftime("%Y-%m"), "end": default.last_month.strftime("%Y-%m")}
    form = FilterForm(request.GET or None, initial=initial, **kwargs)
    return form, form.filters()


def dashboard_view(request: AuthedRequest) -> HttpResponse:
    form, filters = _filter_form(request)
    board = selectors.dashboard(filters)
    last_year = timezone.localdate().year - 1
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "filters": filters,
            "board": board,
            "sections": _figures(board.sections),
            "years": list(range(timezone.localdate().year, last_year - 9, -1)),
            "last_year": last_year,
        },
    )


def _year(request: AuthedRequest) -> int | HttpResponse:
    form = YearForm(request.GET or {"year": timezone.localdate().year - 1})
    if not form.is_valid():
        return render(request, "reports/bad_year.html", {"form": form}, status=400)
    return int(form.cleaned_data["year"])


@require_step_up
def survey_csv_view(request: AuthedRequest) -> Any:
    year = _year(request)
    if isinstance(year, HttpResponse):
        return year
    services.export_record(actor=request.user, year=year, fmt="csv", http_request=request)
    response = StreamingHttpResponse(exports.csv_stream(year), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="abri-survey-{year}.csv"'
    return response


@require_step_up
def survey_xlsx_view(request: AuthedRequest) -> Any:
    year = _year(request)
    if isinstance(year, HttpResponse):
        return year
    services.export_record(actor=request.user, year=year, fmt="xlsx", http_request=request)
    return FileResponse(
        exports.xlsx_file(year),
        as_attachment=True,
        filename=f"abri-survey-{year}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_step_up
def annual_pdf_view(request: AuthedRequest) -> HttpResponse:
    """The annual report: its small counts are not suppressed, so a fresh second factor first."""
    year = _year(request)
    if isinstance(year, HttpResponse):
        return year
    services.export_record(actor=request.user, year=year, fmt="pdf", http_request=request)
    response = HttpResponse(pdf.annual_report(year), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="abri-activity-{year}.pdf"'
    return response


def observer_view(request: AuthedRequest) -> HttpResponse:
    years = observers.available_years()
    form = ObserverForm(request.GET or {"year": years[0]}, years=years)
    if not form.is_valid():
        return render(request, "reports/observer.html", {"form": form, "tables": []}, status=400)
    year, region = form.cleaned_data["year"], form.cleaned_data.get("region") or ""
    tables = [t.published() for t in observers.published_tables(year)]
    if region:
        # The same cells as the national table, one row: a filter never reveals anything new.
        for table in tables:
            table["rows"] = [row for row in table["rows"] if row[0] == region]
    return render(
        request,
        "reports/observer.html",
        {"form": form, "tables": tables, "year": year, "region": region, "threshold": 10},
    )


def mine_view(request: AuthedRequest) -> HttpResponse:
    form, filters = _filter_form(request, with_region=False)
    sections = activity.own_activity(request.user, filters)
    return render(
        request,
        "reports/mine.html",
        {
            "form": form,
            "filters": filters,
            "sections": _figures(sections),
            "organisation": request.user.organisation,
        },
    )
