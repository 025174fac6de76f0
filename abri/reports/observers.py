"""What observers may see: for one calendar year, one table per dimension, régions × categories,
suppressed jointly (abri.reports.suppression). Nothing below the région, no other period."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from abri.accounts.models import Sector
from abri.core import geography
from abri.core.vocabulary import ExploitationForm, Gender
from abri.placements.models import ExitOutcome, Stay
from abri.referrals.models import CountryOfOrigin, Request
from abri.reports import selectors
from abri.reports.suppression import THRESHOLD, Table, suppress

NOT_GIVEN = ""


def region_rows() -> list[tuple[str, Any]]:
    return [(r.code, r.name) for r in geography.regions()] + [(NOT_GIVEN, _("Région not given"))]


def year_tables(year: int, *, secondary: bool = True, threshold: int = THRESHOLD) -> list[Table]:
    """Every table an observer can get for a year, suppressed together (three queries)."""
    selectors.without_jit()
    filters = selectors.year_filters(year)
    rows = region_rows()

    # Requests submitted in the year, by the referrer's région and kind. Observers' tables use only
    # what is fixed when the event happens (not today's outcome), so a year's table never changes
    # afterwards and two readings of it cannot be subtracted.
    requests: Counter[tuple[str, str]] = Counter()
    row: Any
    for row in (
        selectors.requests_in(filters)
        .annotate(region=selectors.region_case("referrer__departement"))
        .values("region", "referrer__sector")
        .annotate(n=Count("id"))
        .order_by()
    ):
        requests[(row["region"], row["referrer__sector"])] += row["n"]

    # People with a request in the year, in the région of their first request of the year.
    first_dep = Subquery(
        selectors.requests_in(filters)
        .filter(person=OuterRef("pk"))
        .order_by("submitted_at")
        .values("referrer__departement")[:1]
    )
    gender: Counter[tuple[str, str]] = Counter()
    band: Counter[tuple[str, str]] = Counter()
    country: Counter[tuple[str, str]] = Counter()
    children: Counter[tuple[str, str]] = Counter()
    forms: Counter[tuple[str, str]] = Counter()
    # Grouped by département, mapped to the région here: a CASE over the subquery would make
    # PostgreSQL run the subquery once per branch (measured: 6 s instead of 0.3 s at 100,000).
    region_of = {d.code: d.region for d in geography.departements()}
    for row in (
        selectors.persons_in(filters)
        .annotate(dep=first_dep, band=selectors.age_band_case(), children=selectors._with_children())
        .values("dep", "gender", "band", "country_of_origin", "children")
        .annotate(
            n=Count("id"),
            **{
                f"form_{f.value}": Count("id", filter=Q(exploitation_forms__icontains=f'"{f.value}"'))
                for f in ExploitationForm
            },
        )
        .order_by()
    ):
        region, n = region_of.get(row["dep"] or "", NOT_GIVEN), row["n"]
        gender[(region, row["gender"])] += n
        band[(region, row["band"])] += n
        country[(region, row["country_of_origin"])] += n
        children[(region, "yes" if row["children"] else "no")] += n
        for f in ExploitationForm:
            forms[(region, f.value)] += row[f"form_{f.value}"]

    # Stays ended in the year, by the shelter's région and the exit's outcome.
    exits: Counter[tuple[str, str]] = Counter()
    for row in (
        Stay.objects.filter(ended_on__gte=filters.start, ended_on__lt=filters.end)
        .values("shelter__region", "exit_outcome")
        .annotate(n=Count("id"))
        .order_by()
    ):
        exits[(row["shelter__region"], row["exit_outcome"] or ExitOutcome.OTHER)] += row["n"]

    tables = [
        Table("requests", _("Requests by kind of referrer"), rows, list(Sector.choices), dict(requests)),
        Table(
            "gender", _("People by gender"), rows, list(Gender.choices), dict(gender), population="persons"
        ),
        Table(
            "age",
            _("People by age when referred"),
            rows,
            [(c, selectors.age_band_label(c)) for c in selectors.AGE_BAND_CODES],
            dict(band),
            population="persons",
        ),
        Table(
            "country",
            _("People by country of origin"),
            rows,
            list(CountryOfOrigin.choices),
            dict(country),
            population="persons",
        ),
        Table(
            "children",
            _("People with or without children"),
            rows,
            [("yes", _("With children")), ("no", _("Without children"))],
            dict(children),
            population="persons",
        ),
        Table(
            "forms",
            _("Forms of exploitation (mentions: a person may have several)"),
            rows,
            list(ExploitationForm.choices),
            dict(forms),
        ),
        Table(
            "exits",
            _("Exits from shelters by outcome (région of the shelter)"),
            rows,
            list(ExitOutcome.choices),
            dict(exits),
        ),
    ]
    suppress(tables, threshold=threshold, secondary=secondary)
    return tables


def available_years() -> list[int]:
    """Whole calendar years with data, the current one excluded until it is over."""
    from django.utils import timezone

    first = Request.objects.filter(submitted_at__isnull=False).order_by("submitted_at").first()
    this_year = timezone.localdate().year
    if first is None or first.submitted_at is None:
        return [this_year - 1]
    start = timezone.localtime(first.submitted_at).year
    return list(range(this_year - 1, start - 1, -1)) or [this_year - 1]


def published_tables(year: int) -> list[Table]:
    """The observers' tables of a year: computed and frozen the first time, the frozen numbers after.

    Freezing makes a past year's table final, so no later entry can change it and no two readings
    can be subtracted (docs/reports.md).
    """
    from django.db import IntegrityError, transaction

    from abri.reports.models import PublishedYear

    snapshot = PublishedYear.objects.filter(year=year).first()
    tables = year_tables(year, secondary=snapshot is None)
    if snapshot is None:
        values: dict[str, int | None] = {}
        for table in tables:
            values.update(table.snapshot())
        try:
            with transaction.atomic():
                snapshot = PublishedYear.objects.create(year=year, values=values)
        except IntegrityError:  # published by another request meanwhile: show that one
            snapshot = PublishedYear.objects.get(year=year)
    for table in tables:
        table.frozen = snapshot.values
    return tables
