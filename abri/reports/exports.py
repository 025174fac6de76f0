"""The national survey file: one row per person followed in a year, no identity, streamed.

"Followed in a year" = identified (a request submitted that year) or supported (a stay or a
support follow-up overlapping the year). One query with subqueries, read in chunks: no query per
row. Only two encrypted values are opened per row (the health flags, docs/decisions/0006).
"""

from __future__ import annotations

import csv
import datetime
import json
import tempfile
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from abri.core import crypto, geography
from abri.placements.models import Stay
from abri.referrals.models import HouseholdMember, Person, Request
from abri.reports import selectors

CHUNK = 2000

# The file's columns: stable codes (docs/reports.md gives their meaning and values).
COLUMNS = [
    "row",
    "year",
    "identified",
    "supported",
    "sheltered",
    "gender",
    "age_band",
    "country_of_origin",
    "exploitation_forms",
    "exploitation_start_age",
    "exploitation_place",
    "exploiter_relation",
    "housed_by_exploiter",
    "addiction",
    "health_care",
    "with_children",
    "complaint_filed",
    "conviction",
    "residence_situation",
    "permit_granted",
    "referrer_kind",
    "referrer_region",
    "support_days",
    "exit_outcome",
]


def _model(label: str, name: str) -> Any:
    try:
        return apps.get_model(label, name)
    except LookupError:
        return None


def followed_in(year: int, *, everyone: bool = False) -> QuerySet[Person]:
    """People followed in the year, with everything the file needs annotated (one query).

    ``everyone`` drops the "followed in the year" condition (the benchmark's memory check only).
    """
    start, end = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    start_at, end_at = selectors._aware(start), selectors._aware(end)
    requests = Request.objects.filter(person=OuterRef("pk"), submitted_at__isnull=False)
    identified = Exists(requests.filter(submitted_at__gte=start_at, submitted_at__lt=end_at))
    stays = Stay.objects.filter(request__person=OuterRef("pk"))
    overlapping = Q(started_on__lt=end) & (Q(ended_on__isnull=True) | Q(ended_on__gte=start))
    sheltered = Exists(stays.filter(overlapping))
    supported: Any = sheltered
    annotations: dict[str, Any] = {
        "is_identified": identified,
        "is_sheltered": sheltered,
        "stay_start": Subquery(stays.filter(overlapping).order_by("started_on").values("started_on")[:1]),
        "stay_open": Exists(stays.filter(overlapping, ended_on__isnull=True)),
        "stay_end": Subquery(stays.filter(overlapping).order_by("-ended_on").values("ended_on")[:1]),
        "exit": Subquery(
            stays.filter(ended_on__gte=start, ended_on__lt=end)
            .order_by("-ended_on")
            .values("exit_outcome")[:1]
        ),
        "children": Exists(
            HouseholdMember.objects.filter(person=OuterRef("pk"), relation=HouseholdMember.Relation.CHILD)
        ),
        "sector": Subquery(requests.order_by("submitted_at").values("referrer__sector")[:1]),
        "dep": Subquery(requests.order_by("submitted_at").values("referrer__departement")[:1]),
    }
    follow = _model("support", "SupportFollow")
    if follow is not None:
        follows = follow.objects.filter(person=OuterRef("pk")).filter(overlapping)
        annotations["is_followed"] = Exists(follows)
        annotations["follow_start"] = Subquery(follows.order_by("started_on").values("started_on")[:1])
        annotations["follow_open"] = Exists(follows.filter(ended_on__isnull=True))
        annotations["follow_end"] = Subquery(follows.order_by("-ended_on").values("ended_on")[:1])
        supported = sheltered | Exists(follows)
    legal = _model("support", "LegalCase")
    if legal is not None:
        cases = legal.objects.filter(person=OuterRef("pk"))
        annotations["case_complaint"] = Exists(cases.filter(complaint_on__lt=end))
        annotations["case_conviction"] = Exists(cases.filter(outcome="conviction", decided_on__lt=end))
    permit = _model("support", "ResidencePermit")
    if permit is not None:
        annotations["permit"] = Subquery(
            permit.objects.filter(
                person=OuterRef("pk"), status="granted", starts_on__gte=start, starts_on__lt=end
            )
            .order_by("-starts_on")
            .values("kind")[:1]
        )
    people = Person.objects.all() if everyone else Person.objects.filter(identified | supported)
    return people.annotate(**annotations).order_by("created_at", "id")


# What each row reads: clear columns and annotations only, plus the encrypted health needs.
FIELDS = [
    "id",
    "gender",
    "age",
    "country_of_origin",
    "exploitation_forms",
    "exploitation_start_age",
    "exploitation_place",
    "exploiter_relation",
    "housed_by_exploiter",
    "complaint_filed",
    "permit_status",
    "health_needs",
    "is_identified",
    "is_sheltered",
    "stay_start",
    "stay_open",
    "stay_end",
    "exit",
    "children",
    "sector",
    "dep",
]
OPTIONAL = [
    "is_followed",
    "follow_start",
    "follow_open",
    "follow_end",
    "case_complaint",
    "case_conviction",
    "permit",
]


def _yes(value: Any) -> str:
    return "yes" if value else "no"


def _support_days(row: dict[str, Any], year: int) -> int:
    """Days of support within the year: from the first stay or follow-up start to the last end."""
    start, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    today = timezone.localdate()
    starts = [d for d in (row["stay_start"], row.get("follow_start")) if d]
    if not starts:
        return 0
    is_open = row["stay_open"] or row.get("follow_open")
    ends = [d for d in (row["stay_end"], row.get("follow_end")) if d]
    end = min(last, today) if is_open or not ends else min(max(ends), last)
    begin = max(min(starts), start)
    return max(0, (end - begin).days + 1)


def _health(person_id: Any, token: str | None) -> dict[str, Any]:
    """Open the encrypted health needs (the only encrypted value the file reads)."""
    if not token:
        return {}
    aad = crypto.associated_data(Person._meta.db_table, "health_needs", person_id)
    return dict(json.loads(crypto.decrypt(token, aad)))


def survey_rows(year: int, people: QuerySet[Person] | None = None) -> Iterator[list[Any]]:
    """The header, then one row per person, read in chunks of CHUNK (no model instances)."""
    yield COLUMNS
    selectors.without_jit()
    people = followed_in(year) if people is None else people
    names = FIELDS + [f for f in OPTIONAL if f in people.query.annotations]
    region_of = {d.code: d.region for d in geography.departements()}
    band_of = [(code, low, high) for code, _l, low, high in selectors.AGE_BANDS]
    for number, values in enumerate(people.values_list(*names).iterator(chunk_size=CHUNK), start=1):
        row = dict(zip(names, values, strict=True))
        health = _health(row["id"], row["health_needs"])
        age = row["age"]
        band = next((c for c, lo, hi in band_of if age is not None and lo <= age <= hi), "unknown")
        yield [
            number,
            year,
            _yes(row["is_identified"]),
            _yes(row["is_sheltered"] or row.get("is_followed")),
            _yes(row["is_sheltered"]),
            row["gender"],
            band,
            row["country_of_origin"],
            ";".join(sorted(row["exploitation_forms"] or [])),
            row["exploitation_start_age"],
            row["exploitation_place"],
            row["exploiter_relation"],
            row["housed_by_exploiter"],
            _yes(health.get("addiction")),
            _yes(health.get("health") or health.get("psychological")),
            _yes(row["children"]),
            _yes(row["complaint_filed"] or row.get("case_complaint")),
            _yes(row.get("case_conviction")),
            row["permit_status"],
            row.get("permit") or "",
            row["sector"] or "",
            region_of.get(row["dep"] or "", ""),
            _support_days(row, year),
            row["exit"] or "",
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(year: int) -> Iterator[str]:
    return csv_stream_of(None, year)


def csv_stream_of(people: QuerySet[Person] | None, year: int) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in survey_rows(year, people):
        yield writer.writerow(row)


def xlsx_file(year: int) -> Any:
    """A write-only workbook in a spooled temporary file (memory up to 8 MB, then disk)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(f"survey {year}")
    for row in survey_rows(year):
        sheet.append(row)
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115  closed by the response
    workbook.save(spooled)
    spooled.seek(0)
    return spooled
