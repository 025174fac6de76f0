"""Review fixes of the statistics: the observers' home, screen-reader summaries, filters."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django.utils import translation

from abri.reports.figures import Figure, Series
from tests.conftest import sign_in


def test_observer_home_links_to_the_yearly_tables_and_the_capacity(network):
    response = sign_in(Client(), network.user("observer")).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{reverse("reports:observer")}"' in html
    assert f'href="{reverse("network:capacity")}"' in html
    assert "appear here" not in html and "apparaissent ici" not in html
    assert "nationalit" not in html.lower()
    client = sign_in(Client(), network.user("observer"))
    for url in (reverse("reports:observer"), reverse("network:capacity")):
        assert client.get(url).status_code == 200


def test_summaries_over_time_give_the_last_value_and_the_range_not_a_sum():
    occupancy = Figure(
        "occupancy",
        "Places",
        "line",
        ["2026-08", "2026-09", "2026-10", "2026-11"],
        [Series("Dedicated places", [6, 6, 8, 8]), Series("Occupied", [0, 0, 2, 2])],
    )
    assert occupancy.summary() == (
        "Places: Dedicated places: 8 in 2026-11 (last), from 6 to 8; "
        "Occupied: 2 in 2026-11 (last), from 0 to 2"
    )
    assert "28" not in occupancy.summary()  # no longer the sum of the months' places
    # Bars per year (medians): the last known year, a hidden or missing value skipped.
    delays = Figure("arrival", "Days", "bars", ["2024", "2025", "2026"], [Series("Median", [12, 30, None])])
    assert delays.summary() == "Days: Median: 30 in 2025 (last), from 12 to 30"
    # Stacked requests per month: per series too.
    requests = Figure(
        "requests",
        "Requests",
        "stacked",
        ["2026-10", "2026-11"],
        [Series("Sheltered", [3, 1]), Series("Declined", [0, 0])],
    )
    assert (
        requests.summary()
        == "Requests: Sheltered: 1 in 2026-11 (last), from 1 to 3; Declined: 0 in 2026-11 (last), from 0 to 0"
    )
    # Categories: sums where they mean something, the largest values of one series.
    by_kind = Figure("k", "Exits", "bars", ["Housing", "Return"], [Series("A", [2, 1]), Series("B", [1, 0])])
    assert by_kind.summary() == "Exits: A 3; B 1"
    single = Figure("g", "People", "hbars", ["Woman", "Man"], [Series("People", [1, 4])])
    assert single.summary() == "People: Man 4; Woman 1"


def test_summaries_over_time_are_translated():
    with translation.override("fr"):
        figure = Figure("o", "Places", "line", ["2026-10", "2026-11"], [Series("Occupées", [1, 3])])
        assert figure.summary() == "Places: Occupées : 3 en 2026-11 (dernier), de 1 à 3"


def test_observer_home_describes_the_capacity_page_as_observers_see_it(network):
    html = sign_in(Client(), network.user("observer")).get("/").content.decode()
    # Observers get no free places on the capacity page: the home does not promise them.
    assert "places libres" not in html and "free places" not in html
    assert "CHRS et places dédiées par région" in html
