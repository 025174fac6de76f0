"""The national survey file: one row per person followed in a year, no identity, streamed.

"Followed in a year" = identified (a request submitted that year) or supported (a stay or a
support follow-up overlapping the year). The people come from one query read with a server-side
cursor; for each chunk of CHUNK people, one query per related table (stays, follow-ups, legal
cases, permits, first request, children) fetches what the rows need: a constant number of queries
per chunk, none per row, and memory bounded by the chunk. Only the health needs are decrypted
(docs/decisions/0006-survey-variables.md).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any
from xml.sax.saxutils import escape

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, UUIDField

from abri.accounts.models import Organisation
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
    "support_duration",
    "exit_outcome",
]

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
    "first_referrer",
    "children",
]


def _model(label: str, name: str) -> Any:
    try:
        return apps.get_model(label, name)
    except LookupError:
        return None


def _bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)


def _overlapping(year: int) -> Q:
    start, end = _bounds(year)
    return Q(started_on__lt=end) & (Q(ended_on__isnull=True) | Q(ended_on__gte=start))


def followed_in(year: int, *, everyone: bool = False) -> QuerySet[Person]:
    """People followed in the year (one query). ``everyone``: the benchmark's memory check only."""
    start, end = _bounds(year)
    identified = Exists(
        Request.objects.filter(
            person=OuterRef("pk"),
            submitted_at__gte=selectors._aware(start),
            submitted_at__lt=selectors._aware(end),
        )
    )
    supported: Any = Exists(Stay.objects.filter(_overlapping(year), request__person=OuterRef("pk")))

    follow = _model("support", "SupportFollow")
    if follow is not None:
        supported = supported | Exists(follow.objects.filter(_overlapping(year), person=OuterRef("pk")))
    return (
        Person.objects.filter(Q() if everyone else identified | supported)
        .annotate(
            is_identified=identified,
            first_referrer=Subquery(
                Request.objects.filter(person=OuterRef("pk"), submitted_at__isnull=False)
                .order_by("submitted_at")
                .values("referrer_id")[:1],
                output_field=UUIDField(),
            ),
            children=Exists(
                HouseholdMember.objects.filter(person=OuterRef("pk"), relation=HouseholdMember.Relation.CHILD)
            ),
        )
        .order_by("id")
    )


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _related(first: Any, last: Any, year: int) -> dict[str, Any]:
    """Everything the rows of one chunk need beyond the person: one query per table.

    People come in id order, so a chunk is an id range: each table is read for that range (rows
    of people outside the file come along and are ignored). Measured: cheaper than a list of
    2,000 ids as parameters, or than a subquery naming the chunk's people.
    """
    ids = {"person__gte": first, "person__lte": last}
    via_request = {"request__person__gte": first, "request__person__lte": last}
    start, end = _bounds(year)
    related: dict[str, Any] = {
        "stays": defaultdict(list),
        "follows": defaultdict(list),
        "complaint": set(),
        "conviction": set(),
        "permit": {},
    }
    for row in Stay.objects.filter(_overlapping(year), **via_request).values_list(
        "request__person_id", "started_on", "ended_on", "exit_outcome"
    ):
        related["stays"][row[0]].append(row[1:])
    follow = _model("support", "SupportFollow")
    if follow is not None:
        for row in follow.objects.filter(_overlapping(year), **ids).values_list(
            "person_id", "started_on", "ended_on"
        ):
            related["follows"][row[0]].append((*row[1:], ""))
    legal = _model("support", "LegalCase")
    if legal is not None:
        for person_id, complaint_on, outcome, decided_on in legal.objects.filter(**ids).values_list(
            "person_id", "complaint_on", "outcome", "decided_on"
        ):
            if complaint_on and complaint_on < end:
                related["complaint"].add(person_id)
            if outcome == "conviction" and decided_on and decided_on < end:
                related["conviction"].add(person_id)
    permit = _model("support", "ResidencePermit")
    if permit is not None:
        for person_id, kind in (
            permit.objects.filter(**ids, status="granted", starts_on__gte=start, starts_on__lt=end)
            .order_by("starts_on")
            .values_list("person_id", "kind")
        ):
            related["permit"][person_id] = kind  # the last granted in the year
    return related


# The support duration as a band, never a number of days: a count of days up to 31 December
# would give away the exact day a stay or a follow-up began.
DURATION_BANDS: list[tuple[str, int]] = [
    ("under_1_month", 1),
    ("1_3_months", 3),
    ("3_6_months", 6),
    ("6_12_months", 12),
]
DURATION_LONG = "12_months_or_more"


def _months_between(begin: datetime.date, end: datetime.date) -> int:
    """Whole months from ``begin`` to ``end`` (15 March to 14 April: 0; to 15 April: 1)."""
    months = (end.year - begin.year) * 12 + end.month - begin.month
    return months - 1 if end.day < begin.day else months


def support_duration(periods: list[tuple[Any, ...]], year_end: datetime.date) -> str:
    """The band of the support's duration: from the first stay or follow-up start (any year) to
    the last end, or to the end of the year when one is still going (``year_end``: the day after
    31 December, ends being exclusive like a stay's). "" without support."""
    if not periods:
        return ""
    begin = min(p[0] for p in periods)
    ends = [p[1] for p in periods]
    end = year_end if None in ends else min(max(ends), year_end)
    months = _months_between(begin, end)
    for code, limit in DURATION_BANDS:
        if months < limit:
            return code
    return DURATION_LONG


def _health(person_id: Any, token: str | None) -> dict[str, Any]:
    """Open the encrypted health needs (the only encrypted value the file reads)."""
    if not token:
        return {}
    aad = crypto.associated_data(Person._meta.db_table, "health_needs", person_id)
    return dict(json.loads(crypto.decrypt(token, aad)))


YES = {True: "yes", False: "no"}


def survey_rows(year: int, people: QuerySet[Person] | None = None) -> Iterator[list[Any]]:
    """The header, then one row per person, chunk by chunk."""
    yield COLUMNS
    selectors.without_jit()
    people = followed_in(year) if people is None else people
    region_of = {d.code: d.region for d in geography.departements()}
    organisations = {
        pk: (sector, region_of.get(dep, ""))
        for pk, sector, dep in Organisation.objects.values_list("pk", "sector", "departement")
    }
    band_of = {
        age: code for code, _l, low, high in selectors.AGE_BANDS for age in range(low, min(high, 130) + 1)
    }
    start, end = _bounds(year)
    year_end = end  # 1 January of the next year: a support still going lasts to the year's end
    number = 0
    for chunk in _chunks(people.values_list(*FIELDS).iterator(chunk_size=CHUNK), CHUNK):
        related = _related(chunk[0][0], chunk[-1][0], year)
        stays_of, follows_of = related["stays"], related["follows"]
        complaint, conviction, permits = related["complaint"], related["conviction"], related["permit"]
        for (
            pk,
            gender,
            age,
            country,
            forms,
            start_age,
            place,
            relation,
            housed,
            complaint_filed,
            permit_status,
            health_token,
            identified,
            first_referrer,
            children,
        ) in chunk:
            number += 1
            health = _health(pk, health_token)
            stays = stays_of.get(pk, [])
            follows = follows_of.get(pk, [])
            exits = sorted((s[1], s[2]) for s in stays if s[1] and start <= s[1] < end)
            sector, region = organisations.get(first_referrer, ("", ""))
            yield [
                number,
                year,
                YES[bool(identified)],
                YES[bool(stays or follows)],
                YES[bool(stays)],
                gender,
                band_of.get(age, "unknown"),
                country,
                ";".join(sorted(forms or [])),
                start_age,
                place,
                relation,
                housed,
                YES[bool(health.get("addiction"))],
                YES[bool(health.get("health") or health.get("psychological"))],
                YES[bool(children)],
                YES[bool(complaint_filed or pk in complaint)],
                YES[pk in conviction],
                permit_status,
                permits.get(pk, ""),
                sector,
                region,
                support_duration(stays + follows, year_end),
                exits[-1][1] if exits else "",
            ]


def csv_stream(year: int) -> Iterator[str]:
    return csv_stream_of(None, year)


def csv_stream_of(people: QuerySet[Person] | None, year: int) -> Iterator[str]:
    """CSV text in pieces of 500 rows (one write per row to the socket cost more than the rows)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for number, row in enumerate(survey_rows(year, people)):
        writer.writerow(row)
        if number % 500 == 499:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# -- XLSX: a minimal SpreadsheetML package written row by row --------------------------------------
# openpyxl's write-only mode took ~0.3 ms a row here (no lxml); the sheet is plain XML written
# straight into the zip stream, its texts in a shared strings table (the codes repeat: a few
# hundred distinct values whatever the number of rows, so memory stays flat).

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)


def _workbook(name: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{escape(name)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


class _Strings:
    """The shared strings table: the file's values are a few hundred codes repeated."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        # The XML of each distinct value, made once: the same few hundred values fill every row.
        self.made: dict[tuple[type, Any], str] = {}

    def cell(self, value: Any) -> str:
        key = (value.__class__, value)
        try:
            made = self.made.get(key)
        except TypeError:  # an unhashable value: made each time
            return self._make(value)
        if made is None:
            made = self._make(value)
            if len(self.made) < 50_000:  # bounded, whatever the rows hold
                self.made[key] = made
        return made

    def _make(self, value: Any) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"<c><v>{value}</v></c>"
        text = str(value)
        number = self.index.get(text)
        if number is None:
            number = self.index[text] = len(self.index)
        return f'<c t="s"><v>{number}</v></c>'

    def xml(self) -> str:
        items = "".join(f"<si><t>{escape(text)}</t></si>" for text in self.index)
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{len(self.index)}" uniqueCount="{len(self.index)}">{items}</sst>'
        )


def xlsx_file(year: int, people: QuerySet[Person] | None = None) -> Any:
    """The survey as an .xlsx in a spooled temporary file (memory up to 8 MB, then disk)."""
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115  closed by the response
    with zipfile.ZipFile(spooled, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("xl/workbook.xml", _workbook(f"survey {year}"))
        package.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with package.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            strings = _Strings()
            cell = strings.cell
            buffer: list[str] = []
            for row in survey_rows(year, people):
                buffer.append("<row>" + "".join([cell(v) for v in row]) + "</row>")
                if len(buffer) >= 500:
                    sheet.write("".join(buffer).encode())
                    buffer = []
            sheet.write(("".join(buffer) + "</sheetData></worksheet>").encode())
        package.writestr("xl/sharedStrings.xml", strings.xml())
    spooled.seek(0)
    return spooled
