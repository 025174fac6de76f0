"""The coordinators' figures, computed by the database (GROUP BY, conditional counts).

Every function runs a fixed number of queries whatever the number of rows (tests count them), and
none ever reads an encrypted column. Definitions are in docs/reports.md; keep both in step.
"""

from __future__ import annotations

import datetime
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Case, CharField, Count, Exists, Min, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abri.accounts.models import Organisation, Sector
from abri.core import geography
from abri.core.vocabulary import ExploitationForm, Gender
from abri.network.models import AvailabilityChange, Shelter
from abri.placements.models import ExitOutcome, Proposal, ProposalStatus, RefusalReason, Stay
from abri.referrals.models import CountryOfOrigin, HouseholdMember, Person, Request, Status
from abri.reports.figures import Figure, Series


def without_jit() -> None:
    """Settings of this connection for reading whole tables (measured by bench/reports.py).

    PostgreSQL's JIT compiled these wide aggregate queries for ~2 s before running them for
    milliseconds: off. A server-side cursor (the exports') is planned for its first rows by
    default, which walked 100,000 people in primary-key order through the index (0.9 s) instead
    of scanning and sorting the ones in the file: plan for all the rows.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
            cursor.execute("SET cursor_tuple_fraction = 1.0")


# -- filters ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """A period of whole months [start, end), a région (INSEE code) and a kind of referrer."""

    start: datetime.date
    end: datetime.date
    region: str = ""
    sector: str = ""

    @property
    def start_at(self) -> datetime.datetime:
        return _aware(self.start)

    @property
    def end_at(self) -> datetime.datetime:
        return _aware(self.end)

    @property
    def last_month(self) -> datetime.date:
        return add_months(self.end, -1)

    def months(self) -> list[datetime.date]:
        months, current = [], self.start
        while current < self.end:
            months.append(current)
            current = add_months(current, 1)
        return months

    def years(self) -> list[int]:
        return list(range(self.start.year, (self.end - datetime.timedelta(days=1)).year + 1))


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def add_months(day: datetime.date, count: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def default_filters(today: datetime.date | None = None) -> Filters:
    """The last twelve whole months and the current one."""
    today = today or timezone.localdate()
    end = add_months(today.replace(day=1), 1)
    return Filters(start=add_months(end, -13), end=end)


def year_filters(year: int, **kwargs: Any) -> Filters:
    return Filters(start=datetime.date(year, 1, 1), end=datetime.date(year + 1, 1, 1), **kwargs)


def departements_of(region: str) -> list[str]:
    return [d.code for d in geography.departements() if d.region == region]


def region_case(path: str) -> Case:
    """SQL expression: the région code of a département column (for GROUP BY région)."""
    by_region: dict[str, list[str]] = defaultdict(list)
    for dep in geography.departements():
        by_region[dep.region].append(dep.code)
    return Case(
        *[When(**{f"{path}__in": codes}, then=Value(code)) for code, codes in sorted(by_region.items())],
        default=Value(""),
        output_field=CharField(),
    )


def region_label(code: str) -> str:
    names = {r.code: r.name for r in geography.regions()}
    return names.get(code, str(_("Région not given")))


def _referrer_q(filters: Filters, prefix: str = "referrer") -> Q:
    q = Q()
    if filters.region:
        q &= Q(**{f"{prefix}__departement__in": departements_of(filters.region)})
    if filters.sector:
        q &= Q(**{f"{prefix}__sector": filters.sector})
    return q


def requests_in(filters: Filters, base: QuerySet[Request] | None = None) -> QuerySet[Request]:
    """Requests submitted in the period by referrers of the région and kind chosen."""
    qs = Request.objects.all() if base is None else base
    return qs.filter(
        _referrer_q(filters), submitted_at__gte=filters.start_at, submitted_at__lt=filters.end_at
    )


# -- outcomes -----------------------------------------------------------------------------------

OUTCOMES: list[tuple[str, Any]] = [
    ("sheltered", _("Sheltered")),
    ("in_progress", _("In progress")),
    ("redirected", _("Redirected")),
    ("declined", _("Declined")),
    ("closed", _("Closed without a placement")),
]
IN_PROGRESS = {
    Status.SUBMITTED,
    Status.IN_ASSESSMENT,
    Status.INFO_REQUESTED,
    Status.ACCEPTED,
    Status.SEARCHING,
    Status.PLACE_FOUND,
    Status.TRAVELLING,
}


def outcome_of(status: str, has_stay: bool) -> str:
    """A request's outcome today: sheltered if it ever led to a stay, else by its status."""
    if has_stay or status == Status.IN_STAY:
        return "sheltered"
    if status in IN_PROGRESS:
        return "in_progress"
    if status in (Status.REDIRECTED, Status.DECLINED):
        return str(status)
    return "closed"


def _has_stay() -> Exists:
    return Exists(Stay.objects.filter(request=OuterRef("pk")))


def requests_by_month(filters: Filters, base: QuerySet[Request] | None = None) -> Figure:
    """Requests submitted per month, by outcome today (one query)."""
    rows = (
        requests_in(filters, base)
        .annotate(month=TruncMonth("submitted_at"), has_stay=_has_stay())
        .values("month", "status", "has_stay")
        .annotate(n=Count("id"))
        .order_by()
    )
    months = filters.months()
    counts: dict[tuple[datetime.date, str], int] = Counter()
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime.datetime) else month
        counts[(month, outcome_of(row["status"], row["has_stay"]))] += row["n"]
    return Figure(
        key="requests",
        title=_("Requests per month, by outcome"),
        kind="stacked",
        categories=[m.strftime("%Y-%m") for m in months],
        series=[Series(label, [counts[(m, code)] for m in months]) for code, label in OUTCOMES],
        unit=_("requests"),
    )


# -- time from request to arrival ---------------------------------------------------------------


def percentile(values: list[int], share: float) -> int:
    """Nearest-rank percentile of sorted values (the median for share 0.5 is statistics.median)."""
    rank = max(1, math.ceil(share * len(values)))
    return values[rank - 1]


def arrival_delays(filters: Filters, base: QuerySet[Request] | None = None) -> dict[int, list[int]]:
    """Days from submission to the first arrival, by year of arrival (one query)."""
    rows = (
        (Request.objects.all() if base is None else base)
        .filter(_referrer_q(filters), submitted_at__isnull=False)
        .annotate(first=Min("stays__started_on"), submitted_on=TruncDate("submitted_at"))
        .filter(first__gte=filters.start, first__lt=filters.end)
        .values_list("submitted_on", "first")
    )
    by_year: dict[int, list[int]] = defaultdict(list)
    for submitted_on, first in rows:
        by_year[first.year].append(max(0, (first - submitted_on).days))
    for values in by_year.values():
        values.sort()
    return by_year


def arrival_figure(filters: Filters, base: QuerySet[Request] | None = None) -> Figure:
    delays = arrival_delays(filters, base)
    years = filters.years()
    medians = [float(statistics.median(delays[y])) if delays.get(y) else None for y in years]
    p90 = [float(percentile(delays[y], 0.9)) if delays.get(y) else None for y in years]
    return Figure(
        key="arrival",
        title=_("Days from request to arrival, by year of arrival"),
        kind="bars",
        categories=[str(y) for y in years],
        series=[Series(_("Median"), medians), Series(_("90th percentile"), p90)],
        unit=_("days"),
        extra_columns=[(_("Arrivals"), [len(delays.get(y, [])) for y in years])],
    )


# -- proposals ----------------------------------------------------------------------------------


def _shelter_q(filters: Filters, prefix: str = "shelter") -> Q:
    return Q(**{f"{prefix}__region": filters.region}) if filters.region else Q()


def proposals_figures(filters: Filters, base: QuerySet[Proposal] | None = None) -> tuple[Figure, Figure]:
    """Proposals made in the period by their status, and refusals by reason (one query)."""
    qs = (Proposal.objects.all() if base is None else base).filter(
        _shelter_q(filters),
        created_at__gte=filters.start_at,
        created_at__lt=filters.end_at,
    )
    if filters.sector:
        qs = qs.filter(request__referrer__sector=filters.sector)
    rows = qs.values("status", "refusal_reason").annotate(n=Count("id")).order_by()
    by_status: Counter[str] = Counter()
    by_reason: Counter[str] = Counter()
    for row in rows:
        by_status[row["status"]] += row["n"]
        if row["status"] == ProposalStatus.REFUSED:
            by_reason[row["refusal_reason"] or RefusalReason.OTHER] += row["n"]
    statuses = list(ProposalStatus)
    proposals = Figure(
        key="proposals",
        title=_("Proposals to shelters, by answer"),
        kind="hbars",
        categories=[s.label for s in statuses],
        series=[Series(_("Proposals"), [by_status[s.value] for s in statuses])],
        unit=_("proposals"),
    )
    refusals = Figure(
        key="refusals",
        title=_("Refusals by reason"),
        kind="hbars",
        categories=[r.label for r in RefusalReason],
        series=[Series(_("Refusals"), [by_reason[r.value] for r in RefusalReason])],
        unit=_("refusals"),
    )
    return proposals, refusals


# -- occupancy ----------------------------------------------------------------------------------


def occupancy_figure(filters: Filters, shelters: QuerySet[Shelter] | None = None) -> Figure:
    """Places occupied by stays and places dedicated, on the first day of each month (3 queries).

    The shelters are those active **today** (of the région chosen), whenever they were created.
    Dedicated places of a shelter on a day: the number of its last "dedicated places changed"
    entry of the availability history at or before midnight that day, else (no entry by then)
    its current number. Creating a shelter writes such an entry, but a shelter created after the
    day still counts with its current number: the creation date is not used, since shelters
    registered on the platform existed before it (the demo creates them all today).
    """
    today = timezone.localdate()
    days = [m for m in filters.months() if m <= today]
    shelter_qs = (Shelter.objects.all() if shelters is None else shelters).filter(is_active=True)
    if filters.region:
        shelter_qs = shelter_qs.filter(region=filters.region)
    sheltered = list(shelter_qs.values_list("pk", "dedicated_places"))
    ids = [pk for pk, _d in sheltered]
    occupied: dict[str, int | None] = {}
    if days:
        occupied = Stay.objects.filter(shelter__in=shelter_qs).aggregate(
            **{
                f"d{i}": Sum(
                    "places",
                    filter=Q(started_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day)),
                )
                for i, day in enumerate(days)
            }
        )
    history: dict[Any, list[tuple[datetime.datetime, int]]] = defaultdict(list)
    if ids:
        for shelter_id, at, dedicated in (
            AvailabilityChange.objects.filter(shelter__in=ids, kind=AvailabilityChange.Kind.DEDICATED)
            .order_by("at")
            .values_list("shelter", "at", "dedicated_places")
        ):
            history[shelter_id].append((at, dedicated))
    dedicated_series: list[float | None] = []
    for day in days:
        moment = _aware(day)
        total = 0
        for pk, current in sheltered:
            changes = [d for at, d in history.get(pk, []) if at <= moment]
            total += changes[-1] if changes else current
        dedicated_series.append(float(total))
    occupied_series: list[float | None] = [float(occupied.get(f"d{i}") or 0) for i in range(len(days))]
    rates = [
        f"{100 * (o or 0) / d:.0f} %" if d else "–"
        for o, d in zip(occupied_series, dedicated_series, strict=True)
    ]
    return Figure(
        key="occupancy",
        title=_("Dedicated places and places occupied, on the first day of each month"),
        kind="line",
        categories=[d.strftime("%Y-%m") for d in days],
        series=[Series(_("Dedicated places"), dedicated_series), Series(_("Occupied"), occupied_series)],
        unit=_("places"),
        extra_columns=[(_("Occupancy"), rates)],
    )


# -- stays and exits ----------------------------------------------------------------------------


def stays_figures(filters: Filters, base: QuerySet[Stay] | None = None) -> tuple[Figure, dict[str, Any]]:
    """Exits in the period by outcome, and counts of stays started, ended and going on (one query)."""
    qs = (Stay.objects.all() if base is None else base).filter(_shelter_q(filters))
    if filters.sector:
        qs = qs.filter(request__referrer__sector=filters.sector)
    in_period = Q(ended_on__gte=filters.start, ended_on__lt=filters.end)
    counts = qs.aggregate(
        started=Count("id", filter=Q(started_on__gte=filters.start, started_on__lt=filters.end)),
        ended=Count("id", filter=in_period),
        ongoing=Count(
            "id",
            filter=Q(started_on__lt=filters.end) & (Q(ended_on__isnull=True) | Q(ended_on__gte=filters.end)),
        ),
        **{f"exit_{o.value}": Count("id", filter=in_period & Q(exit_outcome=o.value)) for o in ExitOutcome},
        # A stay ended without an outcome counts as "other", as in the observers' table.
        exit_unknown=Count("id", filter=in_period & (Q(exit_outcome="") | Q(exit_outcome__isnull=True))),
    )
    counts[f"exit_{ExitOutcome.OTHER.value}"] += counts["exit_unknown"]
    figure = Figure(
        key="exits",
        title=_("Exits by outcome"),
        kind="hbars",
        categories=[o.label for o in ExitOutcome],
        series=[Series(_("Exits"), [counts[f"exit_{o.value}"] for o in ExitOutcome])],
        unit=_("exits"),
    )
    return figure, {k: counts[k] for k in ("started", "ended", "ongoing")}


# -- profiles -----------------------------------------------------------------------------------

AGE_BANDS: list[tuple[str, Any, int, int]] = [
    ("minor", _("Under 18"), 0, 17),
    ("18_24", _("18 to 24"), 18, 24),
    ("25_34", _("25 to 34"), 25, 34),
    ("35_44", _("35 to 44"), 35, 44),
    ("45_plus", _("45 or older"), 45, 200),
]
AGE_BAND_CODES = [*(code for code, *_rest in AGE_BANDS), "unknown"]


def age_band_case() -> Case:
    return Case(
        *[When(age__gte=low, age__lte=high, then=Value(code)) for code, _l, low, high in AGE_BANDS],
        default=Value("unknown"),
        output_field=CharField(),
    )


def age_band_label(code: str) -> Any:
    return next((label for c, label, *_r in AGE_BANDS if c == code), _("Unknown"))


def _with_children() -> Exists:
    return Exists(
        HouseholdMember.objects.filter(person=OuterRef("pk"), relation=HouseholdMember.Relation.CHILD)
    )


def persons_in(filters: Filters, base: QuerySet[Request] | None = None) -> QuerySet[Person]:
    """People with a request submitted in the period (each counted once)."""
    return Person.objects.filter(Exists(requests_in(filters, base).filter(person=OuterRef("pk"))))


@dataclass
class Profiles:
    gender: Figure
    age: Figure
    country: Figure
    forms: Figure
    children: Figure
    persons: int = 0
    complaints: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def profiles(filters: Filters, base: QuerySet[Request] | None = None) -> Profiles:
    """Gender, age band, country of origin, forms of exploitation, with children: one query."""
    rows = (
        persons_in(filters, base)
        .annotate(band=age_band_case(), children=_with_children())
        .values("gender", "band", "country_of_origin", "children", "complaint_filed")
        .annotate(
            n=Count("id"),
            **{
                f"form_{f.value}": Count("id", filter=Q(exploitation_forms__icontains=f'"{f.value}"'))
                for f in ExploitationForm
            },
        )
        .order_by()
    )
    gender: Counter[str] = Counter()
    band: Counter[str] = Counter()
    country: Counter[str] = Counter()
    forms: Counter[str] = Counter()
    children: Counter[bool] = Counter()
    persons = complaints = 0
    row: Any
    for row in rows:
        n = row["n"]
        persons += n
        gender[row["gender"]] += n
        band[row["band"]] += n
        country[row["country_of_origin"]] += n
        children[bool(row["children"])] += n
        complaints += n if row["complaint_filed"] else 0
        for f in ExploitationForm:
            forms[f.value] += row[f"form_{f.value}"]
    countries = sorted(CountryOfOrigin, key=lambda c: (c.value in ("other", "unknown"), -country[c.value]))
    return Profiles(
        gender=Figure(
            "gender",
            _("People by gender"),
            "hbars",
            [g.label for g in Gender],
            [Series(_("People"), [gender[g.value] for g in Gender])],
            unit=_("people"),
        ),
        age=Figure(
            "age",
            _("People by age when referred"),
            "hbars",
            [age_band_label(c) for c in AGE_BAND_CODES],
            [Series(_("People"), [band[c] for c in AGE_BAND_CODES])],
            unit=_("people"),
        ),
        country=Figure(
            "country",
            _("People by country of origin"),
            "hbars",
            [c.label for c in countries],
            [Series(_("People"), [country[c.value] for c in countries])],
            unit=_("people"),
        ),
        forms=Figure(
            "forms",
            _("Forms of exploitation (a person may have several)"),
            "hbars",
            [f.label for f in ExploitationForm],
            [Series(_("People"), [forms[f.value] for f in ExploitationForm])],
            unit=_("people"),
        ),
        children=Figure(
            "children",
            _("People who came with children"),
            "hbars",
            [_("With children"), _("Without children")],
            [Series(_("People"), [children[True], children[False]])],
            unit=_("people"),
        ),
        persons=persons,
        complaints=complaints,
    )


# -- legal proceedings and permits (abri.support) ------------------------------------------------


def _installed(label: str, model: str) -> Any:
    try:
        return apps.get_model(label, model)
    except LookupError:
        return None


def legal_figure(filters: Filters, organisation: Any = None) -> Figure | None:
    """Complaints, trials, convictions and permits granted in the period (four queries)."""
    legal_case = _installed("support", "LegalCase")
    hearing = _installed("support", "Hearing")
    permit = _installed("support", "ResidencePermit")
    if legal_case is None or hearing is None or permit is None:
        return None
    scope = Q()
    if filters.region or filters.sector:
        scope = Q(
            Exists(
                Request.objects.filter(
                    _referrer_q(filters), person=OuterRef("person"), submitted_at__isnull=False
                )
            )
        )
    if organisation is not None:
        scope &= Q(organisation=organisation)
    cases = legal_case.objects.filter(scope).aggregate(
        complaints=Count("id", filter=Q(complaint_on__gte=filters.start, complaint_on__lt=filters.end)),
        convictions=Count(
            "id", filter=Q(outcome="conviction", decided_on__gte=filters.start, decided_on__lt=filters.end)
        ),
        civil_parties=Count(
            "id",
            filter=Q(civil_party=True, civil_party_on__gte=filters.start, civil_party_on__lt=filters.end),
        ),
    )
    hearing_scope = Q()
    if filters.region or filters.sector:
        hearing_scope = Q(
            Exists(
                Request.objects.filter(
                    _referrer_q(filters), person=OuterRef("case__person"), submitted_at__isnull=False
                )
            )
        )
    if organisation is not None:
        hearing_scope &= Q(case__organisation=organisation)
    trials = hearing.objects.filter(
        hearing_scope, kind__in=["trial", "appeal"], at__gte=filters.start_at, at__lt=filters.end_at
    ).count()
    granted = dict(
        permit.objects.filter(
            scope, status="granted", starts_on__gte=filters.start, starts_on__lt=filters.end
        )
        .values("kind")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("kind", "n")
    )
    kinds = permit._meta.get_field("kind").choices
    categories: list[Any] = [
        _("Complaints filed"),
        _("Civil parties"),
        _("Trials and appeals"),
        _("Convictions"),
    ]
    values: list[float | None] = [cases["complaints"], cases["civil_parties"], trials, cases["convictions"]]
    for code, label in kinds:
        categories.append(_("Granted: %(kind)s") % {"kind": label})
        values.append(granted.get(code, 0))
    return Figure(
        key="legal",
        title=_("Legal proceedings and residence permits"),
        kind="hbars",
        categories=categories,
        series=[Series(_("Count"), values)],
    )


# -- training (abri.training) --------------------------------------------------------------------


def shelters_without_trained_staff(today: datetime.date | None = None) -> QuerySet[Shelter] | None:
    """Active shelters where nobody attended a training in the last 24 months (training's window)."""
    attendance = _installed("training", "Attendance")
    if attendance is None:
        return None
    from abri.training.selectors import window_start

    today = today or timezone.localdate()
    trained = attendance.objects.filter(
        shelter=OuterRef("pk"),
        attended=True,
        session__starts_on__gte=window_start(today),
        session__starts_on__lte=today,
    )
    return Shelter.objects.filter(is_active=True).exclude(Exists(trained))


def training_figure(filters: Filters) -> Figure | None:
    """Sessions and people trained: the whole network (a session has no région and trains people
    of every kind of organisation). The shelter figures follow the région of the shelter. The
    kind of referrer applies to none of them."""
    session = _installed("training", "TrainingSession")
    attendance = _installed("training", "Attendance")
    if session is None or attendance is None:
        return None
    in_period = Q(starts_on__gte=filters.start, starts_on__lt=filters.end)
    sessions = session.objects.filter(in_period).count()
    in_region = Q(shelter__region=filters.region) if filters.region else Q()
    attended = attendance.objects.filter(
        attended=True, session__starts_on__gte=filters.start, session__starts_on__lt=filters.end
    ).aggregate(
        users=Count("user", distinct=True),
        external=Count("full_name", filter=Q(user__isnull=True), distinct=True),
        shelters=Count("shelter", filter=in_region, distinct=True),
    )
    without = shelters_without_trained_staff()
    if without is not None and filters.region:
        without = without.filter(region=filters.region)
    return Figure(
        key="training",
        title=_("Training"),
        kind="hbars",
        categories=[
            _("Sessions"),
            _("People trained"),
            _("Shelters whose staff attended"),
            _("Shelters without trained staff (24 months)"),
        ],
        note=_(
            "Sessions and people trained: the whole network, whatever the filters. Shelters: of the "
            "région chosen. The kind of referrer does not apply."
        ),
        series=[
            Series(
                _("Count"),
                [
                    sessions,
                    attended["users"] + attended["external"],
                    attended["shelters"],
                    without.count() if without is not None else None,
                ],
            )
        ],
    )


# -- the dashboard -------------------------------------------------------------------------------


@dataclass
class Dashboard:
    filters: Filters
    sections: list[tuple[Any, list[Figure]]]
    counts: dict[str, Any]


def dashboard(filters: Filters) -> Dashboard:
    """Every figure of the coordinators' page: a constant number of queries."""
    without_jit()
    requests = requests_by_month(filters)
    proposals, refusals = proposals_figures(filters)
    exits, stay_counts = stays_figures(filters)
    prof = profiles(filters)
    sections: list[tuple[Any, list[Figure]]] = [
        (_("Requests"), [requests, arrival_figure(filters)]),
        (_("Proposals and refusals"), [proposals, refusals]),
        (_("Places and stays"), [occupancy_figure(filters), exits]),
        (_("Profiles"), [prof.gender, prof.age, prof.country, prof.forms, prof.children]),
    ]
    legal = legal_figure(filters)
    if legal is not None:
        sections.append((_("Legal"), [legal]))
    training = training_figure(filters)
    if training is not None:
        sections.append((_("Training"), [training]))
    counts = {
        "requests": int(requests.total),
        "persons": prof.persons,
        "complaints": prof.complaints,
        **stay_counts,
    }
    return Dashboard(filters=filters, sections=sections, counts=counts)


def sector_choices() -> list[tuple[str, Any]]:
    return list(Sector.choices)


def referrer_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind="referrer")


def flatten(figures: Iterable[Figure]) -> dict[str, Figure]:
    return {f.key: f for f in figures}
