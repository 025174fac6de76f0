"""Observers' tables: small counts hidden, and an attacker holding every table an observer can
get (every year, every dimension, with and without a région filter) cannot compute a hidden one.

The attacker knows that tables about the same people (by gender, age, country, children) share
their row totals and grand total, that a hidden count is at least 1 (zeros are shown), and solves
by linear programming: for each hidden cell, the smallest and largest value consistent with
everything published. A hidden cell is recovered when both are equal, and a small count is
exposed when the interval is narrower than the protection (PROTECTION). Periods are disjoint calendar years,
so year-against-year subtraction is part of the same system (no equation spans two years).
"""

from __future__ import annotations

import datetime
import random
import re

import numpy as np
import pytest
from django.test import Client
from django.utils import timezone
from scipy.optimize import linprog

from abri.accounts.models import Organisation
from abri.referrals.models import Request
from abri.reports import observers
from abri.reports.suppression import PROTECTION, Table, suppress
from tests.conftest import sign_in
from tests.reports.factories import file_request


def recovered(tables: list[Table], protection: int = PROTECTION) -> dict:
    """Hidden variables the published tables pin down exactly, and small counts they narrow to an
    interval thinner than ``protection`` (LP bounds, each hidden value at least 1 unless it is 0)."""
    published, truth = {}, {}
    for table in tables:
        for var, value in table.values().items():
            published[var] = None if var in table.hidden else value
            truth[var] = value
    hidden = sorted({v for v, value in published.items() if value is None}, key=repr)
    if not hidden:
        return {}
    index = {v: i for i, v in enumerate(hidden)}
    rows, rhs = [], []
    seen = set()
    for table in tables:
        for cells, total in table.equations():
            key = (tuple(cells), total)
            if key in seen:
                continue
            seen.add(key)
            row, b = np.zeros(len(hidden)), 0.0
            for var, coef in [*((c, 1.0) for c in cells), (total, -1.0)]:
                if var in index:
                    row[index[var]] += coef
                else:
                    b -= coef * published[var]
            if row.any():
                rows.append(row)
                rhs.append(b)
            else:
                assert abs(b) < 1e-9  # the published figures are consistent
    a_eq, b_eq = np.array(rows), np.array(rhs)
    bounds = [(1 if truth[v] > 0 else 0, None) for v in hidden]
    found = {}
    for var, i in index.items():
        c = np.zeros(len(hidden))
        c[i] = 1
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert low.status == 0 and high.status in (0, 3)  # 3: unbounded above, so not pinned
        if high.status != 0:
            continue
        width = -high.fun - low.fun
        if width < 1e-6 or (0 < truth[var] < 10 and width < protection):
            found[var] = (low.fun, -high.fun)
    return found


ROWS = [("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")]
COLS = [("x", "X"), ("y", "Y"), ("z", "Z")]


def random_tables(seed: int) -> list[Table]:
    rng = random.Random(seed)
    pops = []
    for key in ("t1", "t2"):
        cells = {(r, c): rng.choice([0, 0, 1, 3, 7, 12, 25, 40]) for r, _l in ROWS for c, _m in COLS}
        pops.append(Table(key, key, ROWS, COLS, cells))
    return pops


@pytest.mark.parametrize("seed", range(25))
def test_random_tables_hide_small_counts_and_resist_the_attacker(seed):
    tables = random_tables(seed)
    suppress(tables)
    for table in tables:
        for var, value in table.values().items():
            if 0 < value < 10:
                assert var in table.hidden
        # No line (totals included) with exactly one hidden cell.
        for cells, total in table.equations():
            assert sum(1 for v in [*cells, total] if v in table.hidden) != 1
    assert recovered(tables) == {}


def test_without_secondary_suppression_the_attacker_wins():
    tables = [Table("t", "t", ROWS, COLS, {("a", "x"): 3, ("a", "y"): 40, ("b", "x"): 25, ("b", "y"): 12})]
    suppress(tables, secondary=False)
    found = recovered(tables)
    assert found and all(v is not None for v in found.values())
    assert ("cell", "t", "a", "x") in found and found[("cell", "t", "a", "x")] == pytest.approx((3, 3))
    suppress(tables)
    assert recovered(tables) == {}


def test_two_small_cells_of_a_line_cannot_be_narrowed():
    """Two hidden cells of a row that sum to 2 are both 1, though neither is computable exactly:
    the protection interval hides more until the attacker is left with a wide range."""
    cells = {("a", "x"): 1, ("a", "y"): 1, ("a", "z"): 30, ("b", "x"): 15, ("b", "y"): 15, ("b", "z"): 15}
    tables = [Table("t", "t", ROWS[:2], COLS, dict(cells))]
    suppress(tables, protection=0)  # exact-computation check only, as before
    found = recovered(tables)
    assert found[("cell", "t", "a", "x")] == pytest.approx((1, 1))
    tables = [Table("t", "t", ROWS[:2], COLS, dict(cells))]
    suppress(tables)
    assert recovered(tables) == {}


def test_shared_totals_cannot_be_read_from_another_table():
    """Same people by gender and by age: a row total hidden in one is hidden in the other."""
    gender = Table("g", "g", ROWS, COLS, {("a", "x"): 4, ("a", "y"): 30, ("b", "x"): 20, ("b", "y"): 20}, "p")
    age = Table("h", "h", ROWS, COLS, {("a", "x"): 17, ("a", "y"): 17, ("b", "x"): 25, ("b", "y"): 15}, "p")
    suppress([gender, age], secondary=False)
    assert recovered([gender, age])  # one small cell in one table gives itself away
    suppress([gender, age])
    assert recovered([gender, age]) == {}
    assert (gender.row_var("a") in gender.hidden) == (age.row_var("a") in age.hidden)


# -- on the database, through the observers' page -----------------------------------------------


@pytest.fixture
def two_years(network):
    """~40 requests in each of the last two years, from referrers of three régions."""
    rng = random.Random(7)
    referrers = [network.org("referrer"), network.org("referrer", "other")]
    Organisation.objects.filter(pk=referrers[0].pk).update(departement="13", sector="police")
    Organisation.objects.filter(pk=referrers[1].pk).update(departement="69", sector="association")
    this_year = timezone.localdate().year
    for year in (this_year - 2, this_year - 1):
        for i in range(40):
            side = "own" if rng.random() < 0.7 else "other"
            req = file_request(
                network,
                side=side,
                gender=rng.choice("FFFFFMX"),
                age=rng.choice([16, 19, 23, 27, 31, 38, 52]),
                children=rng.choice([0, 0, 1]),
                country=rng.choice(["NG", "NG", "NG", "RO", "CN", "BR", "unknown"]),
                forms=tuple(
                    rng.sample(["sexual", "sexual", "labour", "domestic", "begging"], k=rng.choice([1, 1, 2]))
                ),
            )
            when = timezone.make_aware(datetime.datetime(year, 1 + i % 12, 1 + i % 27, 12))
            Request.objects.filter(pk=req.pk).update(submitted_at=when)
    return [this_year - 2, this_year - 1]


def _cells(html: str) -> list[str]:
    found = re.findall(r"<td class=\"num\">(.*?)</td>", html)
    return [re.sub(r"<[^>]+>", "", c).replace("&lt;", "<").strip() for c in found]


def test_observer_tables_resist_differencing_across_years_dimensions_and_filters(network, two_years):
    client = sign_in(Client(), network.user("observer"))
    everything = []
    for year in two_years:
        tables = observers.year_tables(year)
        everything += tables
        # What the page shows is exactly what the tables publish, nationally and per région.
        html = client.get("/statistics/observatory/", {"year": year}).content.decode()
        expected = []
        for t in (t.published() for t in tables):
            for _code, _label, cells, total in t["rows"]:
                expected += [*cells, total]
            expected += [*t["totals"], t["grand"]]
        assert _cells(html) == ["< 10" if v is None else str(v) for v in expected]
        for region in ("93", "84"):
            html = client.get("/statistics/observatory/", {"year": year, "region": region}).content.decode()
            shown = []
            for t in (t.published() for t in tables):
                for code, _label, cells, total in t["rows"]:
                    if code == region:
                        shown += [*cells, total]
            assert _cells(html) == ["< 10" if v is None else str(v) for v in shown]
        # Small counts exist and are hidden; nothing hidden can be computed.
        assert any(t.hidden for t in tables)
        for t in tables:
            for var, value in t.values().items():
                assert not (0 < value < 10) or var in t.hidden
    assert recovered(everything) == {}  # all years and dimensions at once


def test_the_attacker_wins_when_secondary_suppression_is_off(network, two_years):
    tables = observers.year_tables(two_years[-1], secondary=False)
    assert recovered(tables), "without secondary suppression some hidden cell must be recoverable"


def test_observers_never_reach_the_coordinators_figures(network, two_years):
    client = sign_in(Client(), network.user("observer"))
    assert client.get("/statistics/").status_code == 404
    assert client.get("/statistics/survey.csv").status_code == 404
    assert client.get("/activity/").status_code == 404
    # Only whole past years: the current one would change from day to day.
    response = client.get("/statistics/observatory/", {"year": timezone.localdate().year})
    assert response.status_code == 400


def test_a_published_year_never_changes_so_two_readings_cannot_be_subtracted(network, two_years):
    client = sign_in(Client(), network.user("observer"))
    year = two_years[-1]
    first = _cells(client.get("/statistics/observatory/", {"year": year}).content.decode())
    # Late entries for that year: requests recorded now, dated in the published year.
    for _ in range(12):
        late = file_request(network, gender="M", age=52, country="BR", forms=("begging",))
        Request.objects.filter(pk=late.pk).update(
            submitted_at=timezone.make_aware(datetime.datetime(year, 12, 28, 12))
        )
    recomputed = []
    for t in (t.published() for t in observers.year_tables(year)):
        for _code, _label, cells, total in t["rows"]:
            recomputed += [*cells, total]
        recomputed += [*t["totals"], t["grand"]]
    assert ["< 10" if v is None else str(v) for v in recomputed] != first  # the data did change
    second = _cells(client.get("/statistics/observatory/", {"year": year}).content.decode())
    assert second == first
    from django.core.management import call_command

    call_command("publish_statistics")  # publishing again leaves a published year alone
    assert _cells(client.get("/statistics/observatory/", {"year": year}).content.decode()) == first
