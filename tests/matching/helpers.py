"""Builders and an independent reference for the matching tests."""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any

from abri.matching.problem import Problem
from abri.matching.solver import Plan

EXAMPLE_SHELTER: dict[str, Any] = {
    "id": "S01",
    "lat": 48.117,
    "lon": -1.678,
    "departement": "35",
    "places_free": 3,
    "accepts": {"genders": ["F"], "couples": False, "max_children": 2},
    "wheelchair_access": False,
    "languages": ["fr", "en"],
    "exploitation_forms": ["sexual", "labour"],
    "trained_staff": 2,
}
EXAMPLE_REQUEST: dict[str, Any] = {
    "id": "R01",
    "priority": 40,
    "household": {"adults": ["F"], "children": 2},
    "needs_wheelchair_access": False,
    "languages": ["en", "bin"],
    "exploitation_form": "sexual",
    "danger_zones": [{"departement": "13"}, {"lat": 43.30, "lon": 5.37, "radius_km": 30}],
    "min_distance_km": 200,
    "avoid_shelters": ["S07"],
}


def shelter(**over: Any) -> dict[str, Any]:
    s = copy.deepcopy(EXAMPLE_SHELTER)
    s.update(over)
    return s


def request(**over: Any) -> dict[str, Any]:
    r = copy.deepcopy(EXAMPLE_REQUEST)
    r.update(over)
    return r


def problem(shelters: list[dict[str, Any]], requests: list[dict[str, Any]]) -> dict[str, Any]:
    return {"version": 1, "min_distance_km": 150, "shelters": shelters, "requests": requests}


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def eligible(p: Problem, i: int, j: int) -> bool:
    """Hard constraints of one request alone, written plainly (no numpy) as a reference."""
    r, s = p.requests[i], p.shelters[j]
    h = r.household
    min_km = p.min_distance_km if r.min_distance_km is None else r.min_distance_km
    for z in r.danger_zones:
        if z.departement is not None:
            if s.departement == z.departement:
                return False
        else:
            assert z.lat is not None and z.lon is not None and z.radius_km is not None
            if _km(s.lat, s.lon, z.lat, z.lon) - z.radius_km < min_km:
                return False
    return (
        s.places_free >= h.size
        and all(g in s.accepts.genders for g in h.adults)
        and (len(h.adults) < 2 or s.accepts.couples)
        and h.children <= s.accepts.max_children
        and (s.wheelchair_access or not r.needs_wheelchair_access)
        and s.id not in r.avoid_shelters
    )


def check_plan(p: Problem, plan: Plan) -> None:
    """Assert that a plan breaks no hard constraint."""
    used = [0] * len(p.shelters)
    index = {r.id: i for i, r in enumerate(p.requests)}
    for i, r in enumerate(p.requests):
        j = int(plan.shelter[i])
        for other in r.linked_with:
            assert int(plan.shelter[index[other]]) == j, "linked requests split"
        if j < 0:
            continue
        assert eligible(p, i, j), f"{r.id} at {p.shelters[j].id} breaks a constraint"
        used[j] += r.household.size
    for j, s in enumerate(p.shelters):
        assert used[j] <= s.places_free, f"{s.id} over capacity"


def brute_force(p: Problem, cost: Any) -> tuple[int, int]:
    """Best (placed priority, -total cost) over every plan of a tiny problem."""
    index = {r.id: i for i, r in enumerate(p.requests)}
    # Units: connected groups of linked requests.
    parent = list(range(len(p.requests)))

    def find(a: int) -> int:
        while parent[a] != a:
            a = parent[a]
        return a

    for i, r in enumerate(p.requests):
        for other in r.linked_with:
            parent[find(i)] = find(index[other])
    groups: dict[int, list[int]] = {}
    for i in range(len(p.requests)):
        groups.setdefault(find(i), []).append(i)
    units = list(groups.values())
    best = (0, 0)
    m = len(p.shelters)
    for choice in itertools.product(range(-1, m), repeat=len(units)):
        used = [0] * m
        pri = tot = 0
        ok = True
        for members, j in zip(units, choice, strict=True):
            if j < 0:
                continue
            for i in members:
                if not eligible(p, i, j):
                    ok = False
                used[j] += p.requests[i].household.size
                pri += p.requests[i].priority
                tot += int(cost[i, j])
        if ok and all(used[j] <= p.shelters[j].places_free for j in range(m)):
            best = max(best, (pri, -tot))
    return best
