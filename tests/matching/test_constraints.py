"""Every reason code, with the numbers the coordinator needs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from abri.matching import Explainer, parse_problem, prepare, rank_context
from abri.matching.model import Instance

from .helpers import problem, request, shelter

MARSEILLE = {"lat": 43.30, "lon": 5.37, "radius_km": 30}


def _reason(shelters: list[dict[str, Any]], requests: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    inst = prepare(parse_problem(problem(shelters, requests)), **kw)
    return Explainer(rank_context(inst)).reason(0, 0)


def _one(s: dict[str, Any], r: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return _reason([s], [r], **kw)


def test_eligible_pair() -> None:
    assert _one(shelter(), request())["code"] == "eligible"


def test_insufficient_places() -> None:
    assert _one(shelter(places_free=2), request()) == {
        "code": "insufficient_places",
        "places_free": 2,
        "household_size": 3,
    }


def test_inside_danger_departement_even_without_points() -> None:
    out = _one(shelter(lat=43.3, lon=5.4, departement="13"), request(danger_zones=[{"departement": "13"}]))
    assert out == {"code": "inside_danger_departement", "departement": "13"}


def test_too_close_to_a_point_zone_counts_from_its_edge() -> None:
    # Avignon is about 86 km from Marseille's centre: 56 km from a 30 km zone's edge.
    out = _one(shelter(lat=43.95, lon=4.81, departement="84"), request(danger_zones=[MARSEILLE]))
    assert out["code"] == "too_close_to_danger"
    assert out["min_distance_km"] == 200
    assert out["zone"] == {"lat": 43.3, "lon": 5.37, "radius_km": 30.0}
    assert 50 < out["distance_km"] < 60


def test_request_min_distance_overrides_the_default() -> None:
    # Montpellier is ~125 km from Marseille: 95 km from the zone's edge.
    s = shelter(lat=43.61, lon=3.88, departement="34")
    r = request(danger_zones=[MARSEILLE])
    r.pop("min_distance_km")
    assert _one(s, r)["code"] == "too_close_to_danger"  # default 150
    assert _one(s, request(danger_zones=[MARSEILLE], min_distance_km=90))["code"] == "eligible"


def test_departement_zone_measured_to_its_nearest_commune() -> None:
    # Arles (13) is a commune of the Bouches-du-Rhône: Nîmes is ~27 km from it, although it is
    # ~100 km from Marseille. With no points, the distance test for "13" is skipped.
    s = shelter(lat=43.84, lon=4.36, departement="30")
    r = request(danger_zones=[{"departement": "13"}])
    assert _one(s, r)["code"] == "eligible"
    points = {"13": np.array([[43.30, 5.37], [43.68, 4.63]])}
    out = _one(s, r, departement_points=points)
    assert out["code"] == "too_close_to_danger"
    assert out["zone"] == {"departement": "13"}
    assert 20 < out["distance_km"] < 35


def test_gender_not_accepted() -> None:
    r = request(household={"adults": ["M"], "children": 0})
    assert _one(shelter(), r) == {"code": "gender_not_accepted", "gender": "M", "accepted": ["F"]}


def test_couples_not_accepted() -> None:
    s = shelter(accepts={"genders": ["F", "M"], "couples": False, "max_children": 2}, places_free=4)
    r = request(household={"adults": ["F", "M"], "children": 0})
    assert _one(s, r) == {"code": "couples_not_accepted", "adults": 2}


def test_too_many_children() -> None:
    s = shelter(places_free=5)
    r = request(household={"adults": ["F"], "children": 3})
    assert _one(s, r) == {"code": "too_many_children", "children": 3, "max_children": 2}


def test_no_wheelchair_access() -> None:
    assert _one(shelter(), request(needs_wheelchair_access=True)) == {"code": "no_wheelchair_access"}


def test_avoided() -> None:
    assert _one(shelter(), request(avoid_shelters=["S01"])) == {"code": "avoided"}


def test_linked_request_excluded_names_the_other_request() -> None:
    r1 = request(id="R01", household={"adults": ["F"], "children": 0}, linked_with=["R02"])
    r2 = request(id="R02", household={"adults": ["M"], "children": 0})
    out = _reason([shelter()], [r1, r2])
    assert out["code"] == "linked_request_excluded"
    assert out["linked_request"] == "R02"
    assert out["linked_reason"]["code"] == "gender_not_accepted"


def test_linked_group_too_large() -> None:
    r1 = request(id="R01", linked_with=["R02"])
    r2 = request(id="R02", household={"adults": ["F"], "children": 0})
    out = _reason([shelter()], [r1, r2])
    assert out == {
        "code": "linked_group_too_large",
        "places_free": 3,
        "group_size": 4,
        "linked_requests": ["R02"],
    }


def test_first_failed_constraint_is_reported() -> None:
    s = shelter(places_free=0, departement="13")
    out = _one(s, request(danger_zones=[{"departement": "13"}], avoid_shelters=["S01"]))
    assert out["code"] == "insufficient_places"


@pytest.mark.parametrize("bad", [{"13": np.zeros((0, 2))}, {"13": np.array([[100.0, 0.0]])}])
def test_departement_points_are_checked(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="departement_points"):
        prepare(parse_problem(problem([shelter()], [request()])), departement_points=bad)


def _terms(inst: Instance) -> dict[str, int]:
    return Explainer(rank_context(inst)).terms(0, 0)


def test_cost_terms_sum_to_the_cost() -> None:
    s = shelter(languages=["fr"], exploitation_forms=["labour"], trained_staff=0, places_free=3)
    r = request(danger_zones=[MARSEILLE], min_distance_km=150)
    # Rennes is ~850 km from Marseille: no safety-margin charge.
    inst = prepare(parse_problem(problem([s], [r])))
    terms = _terms(inst)
    assert terms == {
        "no_common_language": 40,
        "not_specialised": 30,
        "no_trained_staff": 20,
        "safety_margin": 0,
        "load": 10,
    }
    assert sum(terms.values()) == int(inst.cost[0, 0])


def test_safety_margin_charged_on_a_narrow_margin() -> None:
    # Avignon: ~56 km from the zone's edge, minimum 20: a 36 km margin out of a 100 km band.
    s = shelter(lat=43.95, lon=4.81, departement="84")
    inst = prepare(parse_problem(problem([s], [request(danger_zones=[MARSEILLE], min_distance_km=20)])))
    assert 14 <= _terms(inst)["safety_margin"] <= 17
