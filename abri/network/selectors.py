"""Reads for the network pages: the board rows, counts per région, the observers' figures."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from abri.core import geography
from abri.network.availability import Availability, availability_by_shelter
from abri.network.models import AvailabilityChange, Shelter


@dataclass(frozen=True)
class BoardFilters:
    region: str = ""
    household: str = ""  # "woman", "man", "couple", "with_children"
    wheelchair: bool = False
    language: str = ""
    exploitation_form: str = ""
    only_free: bool = False


@dataclass
class RegionCount:
    code: str
    name: str
    shelters: int = 0
    dedicated: int = 0
    free: int = 0


@dataclass
class Board:
    rows: list[tuple[Shelter, Availability, Any]]
    regions: list[RegionCount]
    totals: RegionCount = field(default_factory=lambda: RegionCount("", ""))


def filter_shelters(shelters: models.QuerySet[Shelter], filters: BoardFilters) -> models.QuerySet[Shelter]:
    shelters = shelters.filter(is_active=True)
    if filters.region:
        shelters = shelters.filter(region=filters.region)
    if filters.wheelchair:
        shelters = shelters.filter(wheelchair_access=True)
    if filters.household == "couple":
        shelters = shelters.filter(accepts_couples=True)
    elif filters.household == "with_children":
        shelters = shelters.filter(max_children__gte=1)
    # JSON lists are filtered in Python below: `__contains` on JSON is not portable to SQLite.
    return shelters


def _matches_lists(shelter: Shelter, filters: BoardFilters) -> bool:
    if filters.household == "woman" and "F" not in shelter.accepts_genders:
        return False
    if filters.household == "man" and "M" not in shelter.accepts_genders:
        return False
    if filters.language and filters.language not in shelter.languages:
        return False
    return not (filters.exploitation_form and filters.exploitation_form not in shelter.exploitation_forms)


def network_board(shelters: models.QuerySet[Shelter], filters: BoardFilters) -> Board:
    """Every visible shelter with its free places now, and counts per région: three queries."""
    selected = [s for s in filter_shelters(shelters, filters) if _matches_lists(s, filters)]
    availabilities = availability_by_shelter(selected)
    last_change = dict(
        AvailabilityChange.objects.filter(shelter__in=[s.pk for s in selected])
        .values("shelter")
        .annotate(last=models.Max("at"))
        .values_list("shelter", "last")
    )
    rows = [(s, availabilities[s.pk], last_change.get(s.pk)) for s in selected]
    if filters.only_free:
        rows = [r for r in rows if r[1].free > 0]
    counts: dict[str, RegionCount] = {}
    totals = RegionCount("", "")
    for shelter, avail, _last in rows:
        entry = counts.setdefault(
            shelter.region, RegionCount(shelter.region, geography.region_of(shelter.departement).name)
        )
        for target in (entry, totals):
            target.shelters += 1
            target.dedicated += avail.dedicated
            target.free += avail.free
    rows.sort(key=lambda r: (-r[1].free, r[0].region, r[0].name))
    return Board(rows=rows, regions=sorted(counts.values(), key=lambda c: c.name), totals=totals)


def capacity_by_region() -> list[RegionCount]:
    """Counts only, per région: what observers may see of the network (no shelter, no town)."""
    shelters = list(Shelter.objects.filter(is_active=True))
    availabilities = availability_by_shelter(shelters)
    counts: dict[str, RegionCount] = defaultdict(lambda: RegionCount("", ""))
    for shelter in shelters:
        entry = counts[shelter.region]
        entry.code = shelter.region
        entry.name = geography.region_of(shelter.departement).name
        entry.shelters += 1
        entry.dedicated += availabilities[shelter.pk].dedicated
        entry.free += availabilities[shelter.pk].free
    return sorted(counts.values(), key=lambda c: c.name)


def kind_counts(organisations: models.QuerySet[Any]) -> Counter[str]:
    return Counter(organisations.values_list("kind", flat=True))


SMALL_COUNT = 10


def suppress_small_counts(
    regions: list[RegionCount],
    columns: tuple[str, ...] = ("shelters", "dedicated", "free"),
    threshold: int = SMALL_COUNT,
) -> list[dict[str, Any]]:
    """Observers' figures: counts from 1 to threshold-1 hidden (None), with secondary suppression.

    When a column has exactly one hidden cell, the next smallest cell is hidden too, so that the
    published total cannot give the hidden one back by subtraction.
    """
    rows: list[dict[str, Any]] = [
        {"code": r.code, "name": r.name, **{c: getattr(r, c) for c in columns}} for r in regions
    ]
    for column in columns:
        hidden = [row for row in rows if 0 < row[column] < threshold]
        for row in hidden:
            row[column] = None
        if len(hidden) == 1:
            visible = sorted(
                (row for row in rows if row[column] is not None and row[column] > 0),
                key=lambda row: row[column],
            )
            if visible:
                visible[0][column] = None
    return rows
