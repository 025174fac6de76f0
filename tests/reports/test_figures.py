"""Every figure of the dashboard against a count made by hand on a small known network."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from abri.reports import selectors
from abri.reports.selectors import Filters, add_months
from tests.conftest import sign_in
from tests.reports.factories import file_request, known_network


@pytest.fixture
def known(network):
    return known_network(network)


def period(known, **kwargs):
    first = known.today.replace(day=1)
    return Filters(start=add_months(first, -3), end=add_months(first, 1), **kwargs)


def by_outcome(figure):
    return {str(s.label): int(sum(v or 0 for v in s.values)) for s in figure.series}


def test_requests_and_outcomes(known):
    figure = selectors.requests_by_month(period(known))
    # r1 (stay, exited) and r6 (in stay) sheltered; r2 searching and r5 submitted in progress.
    assert by_outcome(figure) == {
        "Sheltered": 2,
        "In progress": 2,
        "Redirected": 1,
        "Declined": 1,
        "Closed without a placement": 0,
    }
    # r6 was filed 30 days before the first day of last month: its month holds one request.
    r6_month = selectors._aware(known.last_month).date()
    month_of_r6 = add_months(known.last_month, -1) if (known.last_month.day == 1) else known.last_month
    totals = dict(
        zip(
            figure.categories,
            [sum(s.values[i] or 0 for s in figure.series) for i in range(len(figure.categories))],
            strict=True,
        )
    )
    assert sum(totals.values()) == 6
    assert totals[month_of_r6.strftime("%Y-%m")] >= 1 and r6_month == known.last_month


def test_time_to_arrival_median_and_p90(known):
    figure = selectors.arrival_figure(period(known))
    expected: dict[str, list[int]] = {}
    expected.setdefault(str(known.today.year), []).append(10)
    expected.setdefault(str(known.last_month.year), []).append(30)
    for year, delays in expected.items():
        delays.sort()
        median = (delays[0] + delays[-1]) / 2 if len(delays) == 2 else delays[0]
        assert figure.value(year, 0) == median
        assert figure.value(year, 1) == delays[-1]  # nearest rank: ceil(0.9 × n)-th value
    arrivals = dict(zip(figure.categories, figure.extra_columns[0][1], strict=True))
    assert sum(arrivals.values()) == 2


def test_percentile_by_nearest_rank():
    values = list(range(1, 11))
    assert selectors.percentile(values, 0.9) == 9
    assert selectors.percentile([5], 0.9) == 5
    assert selectors.percentile(list(range(1, 101)), 0.9) == 90


def test_proposals_and_refusals(known):
    proposals, refusals = selectors.proposals_figures(period(known))
    assert proposals.as_dict()["Arrived"] == 2
    assert proposals.as_dict()["Refused"] == 2
    assert proposals.total == 4
    assert refusals.as_dict() == {
        "No place free after all": 1,
        "The profile does not fit our project": 0,
        "We cannot meet the needs (health, language...)": 0,
        "Security concern": 1,
        "The household does not fit the place": 0,
        "Other reason": 0,
    }


def test_occupancy_on_the_first_day_of_each_month(known):
    figure = selectors.occupancy_figure(period(known))
    dedicated, occupied = figure.as_dict(0), figure.as_dict(1)
    # Shelters A (3 places) and B (3) exist all along; r6 and her child occupy 2 places at B from
    # the first day of last month; r1 arrived and left today, so she is never there on a 1st
    # (unless today is the 1st: she left the same day, and a stay ending on a day no longer counts).
    last, this = known.last_month.strftime("%Y-%m"), known.today.replace(day=1).strftime("%Y-%m")
    before = add_months(known.last_month, -1).strftime("%Y-%m")
    assert dedicated[last] == dedicated[this] == 6
    assert occupied[before] == 0 and occupied[last] == 2 and occupied[this] == 2
    assert dict(zip(figure.categories, figure.extra_columns[0][1], strict=True))[this] == "33 %"


def test_stays_and_exits(known):
    exits, counts = selectors.stays_figures(period(known))
    assert counts == {"started": 2, "ended": 1, "ongoing": 1}
    assert exits.as_dict()["Mainstream housing"] == 1 and exits.total == 1


def test_profiles(known):
    p = selectors.profiles(period(known))
    assert p.persons == 6
    assert p.gender.as_dict() == {"Woman": 4, "Man": 1, "Other gender": 1}
    # Ages: 28 (born 1998), 40, 17, 50, 22, 28 or 29 (born January 1998).
    ages = p.age.as_dict()
    assert ages["Under 18"] == 1 and ages["18 to 24"] == 1 and ages["25 to 34"] == 2
    assert ages["35 to 44"] == 1 and ages["45 or older"] == 1 and ages["Unknown"] == 0
    countries = p.country.as_dict()
    assert countries["Nigeria"] == 3 and countries["Romania"] == 1 and countries["China"] == 1
    assert countries["Unknown"] == 1 and p.country.total == 6
    assert p.forms.as_dict() == {
        "Sexual exploitation": 3,
        "Labour exploitation": 2,
        "Domestic servitude": 1,
        "Forced criminality": 0,
        "Forced begging": 1,
        "Other form": 0,
    }
    assert p.children.as_dict() == {"With children": 3, "Without children": 3}
    assert p.complaints == 1


def test_filters_by_region_and_kind_of_referrer(known):
    paca = period(known, region="93")  # the own referrer: r1, r2, r5
    assert selectors.requests_by_month(paca).total == 3
    assert selectors.profiles(paca).persons == 3
    association = period(known, sector="association")  # the other referrer: r3, r4, r6
    assert selectors.requests_by_month(association).total == 3
    assert selectors.requests_by_month(period(known, sector="health")).total == 0
    # Shelter-side figures follow the shelter's région: Bretagne holds shelter A only.
    bretagne = period(known, region="53")
    proposals, _refusals = selectors.proposals_figures(bretagne)
    assert proposals.as_dict()["Arrived"] == 1 and proposals.as_dict()["Refused"] == 1
    assert selectors.occupancy_figure(bretagne).as_dict(0)[known.today.replace(day=1).strftime("%Y-%m")] == 3
    # A period before everything: nothing.
    empty = Filters(
        start=add_months(known.today.replace(day=1), -30), end=add_months(known.today.replace(day=1), -24)
    )
    assert selectors.requests_by_month(empty).total == 0 and selectors.profiles(empty).persons == 0


def test_dashboard_page_shows_the_figures_with_their_tables(known, network):
    client = sign_in(Client(), network.user("coordinator"))
    first = known.today.replace(day=1)
    response = client.get(
        "/statistics/", {"start": add_months(first, -3).strftime("%Y-%m"), "end": first.strftime("%Y-%m")}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<figure") == html.count("<figcaption") >= 10
    assert html.count('role="img"') >= 9 and "aria-label=" in html
    assert "style=" not in html.split("<main", 1)[1]  # strict CSP: no inline style
    assert '<td class="num">33 %</td>' in html  # the occupancy rate in the table behind the chart
    assert "Zélie" not in html and known.requests["r1"].person.reference not in html


def test_bad_filters_name_the_field(known, network):
    client = sign_in(Client(), network.user("coordinator"))
    response = client.get("/statistics/", {"start": "2025-13", "end": "nope"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Saisissez un mois sous la forme AAAA-MM" in html  # the interface speaks French
    response = client.get("/statistics/", {"start": "2025-06", "end": "2025-01"})
    assert "Le mois de fin précède le mois de début." in response.content.decode()


def _count_queries(filters):
    with CaptureQueriesContext(connection) as ctx:
        selectors.dashboard(filters)
    return len(ctx.captured_queries)


def test_dashboard_query_count_does_not_grow_with_data(known, network):
    filters = period(known)
    before = _count_queries(filters)
    for i in range(4):
        file_request(network, age=30 + i, children=i % 2, country="RO")
    assert _count_queries(filters) == before
    assert before <= 20


def test_the_ten_year_limit_and_the_current_month_hold_when_one_month_is_given(known, network):
    client = sign_in(Client(), network.user("coordinator"))
    current = known.today.replace(day=1)
    far = client.get("/statistics/", {"end": "2100-12"})
    assert far.status_code == 200 and far.context["form"].errors == {
        "end": ["Le mois de fin ne peut pas être postérieur au mois en cours."]
    }
    assert len(far.context["filters"].months()) == 13  # the default period, not 902 months
    long_ago = client.get("/statistics/", {"start": "2000-01"})
    assert long_ago.context["form"].errors == {"start": ["Choisissez au plus dix ans."]}
    assert len(long_ago.context["filters"].months()) == 13
    future_start = client.get("/statistics/", {"start": add_months(current, 1).strftime("%Y-%m")})
    assert list(future_start.context["form"].errors) == ["start"]
    # Before the default start: the range is checked once the start is filled in.
    early_end = client.get("/statistics/", {"end": add_months(current, -20).strftime("%Y-%m")})
    assert early_end.context["form"].errors == {"end": ["Le mois de fin précède le mois de début."]}
    # Ten years up to the current month, given by its start only, is accepted.
    ten = client.get("/statistics/", {"start": add_months(current, -120).strftime("%Y-%m")})
    assert not ten.context["form"].errors and len(ten.context["filters"].months()) == 121


def test_dedicated_places_follow_the_availability_history_by_hand(known, network):
    """A (3 places) and B (3 places) as in the known network, then A's history made known:
    registered four months ago with 3 places, raised to 5 on the 15th of the month before last.
    B was registered today: before that, its current number (3) counts."""
    from abri.network import services as network_services
    from abri.network.models import AvailabilityChange

    first = known.today.replace(day=1)
    months = [add_months(first, -i) for i in (3, 2, 1, 0)]
    AvailabilityChange.objects.filter(shelter=known.shelter_a).update(
        at=selectors._aware(add_months(first, -4))
    )
    network_services.shelter_update(
        actor=network.user("coordinator"), shelter=known.shelter_a, dedicated_places=5
    )
    AvailabilityChange.objects.filter(shelter=known.shelter_a, note="3 → 5").update(
        at=selectors._aware(add_months(first, -2).replace(day=15))
    )
    figure = selectors.occupancy_figure(period(known))
    assert figure.categories == [m.strftime("%Y-%m") for m in months]
    # A: 3, 3, 5, 5; B: 3 all along.
    assert figure.series[0].values == [6.0, 6.0, 8.0, 8.0]
    # r6 and her child at B from the first day of last month (r1 left the day she came).
    assert figure.series[1].values == [0.0, 0.0, 2.0, 2.0]
    assert figure.extra_columns[0][1] == ["0 %", "0 %", "25 %", "25 %"]
