"""Property tests: on small random problems, every path gives a feasible, optimal plan.

Optimal means the lexicographic objective (placed priority, then total cost) of a brute-force
enumeration of every plan.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abri.matching import parse_problem, solve

from .helpers import brute_force, check_plan

TOWNS = [(48.86, 2.35, "75"), (43.30, 5.37, "13"), (45.76, 4.84, "69"), (48.11, -1.68, "35")]
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@st.composite
def problems(draw: st.DrawFn, one_person: bool) -> dict[str, Any]:
    n_shelters = draw(st.integers(1, 3))
    n_requests = draw(st.integers(1, 4 if not one_person else 5))
    shelters = []
    for j in range(n_shelters):
        lat, lon, dep = draw(st.sampled_from(TOWNS))
        shelters.append(
            {
                "id": f"S{j}",
                "lat": lat,
                "lon": lon,
                "departement": dep,
                "places_free": draw(st.integers(0, 3)),
                "accepts": {
                    "genders": draw(st.sampled_from([["F"], ["M"], ["F", "M", "X"]])),
                    "couples": draw(st.booleans()),
                    "max_children": draw(st.integers(0, 2)),
                },
                "wheelchair_access": draw(st.booleans()),
                "languages": draw(st.sampled_from([["fr"], ["fr", "en"], ["ro"]])),
                "exploitation_forms": draw(st.sampled_from([["sexual"], ["labour"], []])),
                "trained_staff": draw(st.integers(0, 2)),
            }
        )
    requests = []
    for i in range(n_requests):
        if one_person:
            adults, children = [draw(st.sampled_from(["F", "M"]))], 0
        else:
            adults = draw(st.sampled_from([["F"], ["M"], ["F", "M"]]))
            children = draw(st.integers(0, 2))
        lat, lon, dep = draw(st.sampled_from(TOWNS))
        zones = draw(
            st.sampled_from([[], [{"departement": dep}], [{"lat": lat, "lon": lon, "radius_km": 20}]])
        )
        req: dict[str, Any] = {
            "id": f"R{i}",
            "priority": draw(st.integers(1, 4)),
            "household": {"adults": adults, "children": children},
            "needs_wheelchair_access": draw(st.booleans()),
            "languages": draw(st.sampled_from([["en"], ["ro", "fr"], []])),
            "exploitation_form": draw(st.sampled_from(["sexual", "labour", None])),
            "danger_zones": zones,
        }
        if draw(st.booleans()):
            req["avoid_shelters"] = ["S0"]
        requests.append(req)
    if not one_person and n_requests >= 2 and draw(st.booleans()):
        requests[0]["linked_with"] = ["R1"]
    return {"version": 1, "min_distance_km": 150, "shelters": shelters, "requests": requests}


@SETTINGS
@given(problems(one_person=True))
def test_one_person_paths_are_feasible_and_optimal(data: dict[str, Any]) -> None:
    p = parse_problem(data)
    best = None
    for kwargs in ({}, {"dense_limit": 0}):
        plan = solve(p, **kwargs)  # type: ignore[arg-type]
        assert plan.method in ("assignment", "min_cost_flow")
        check_plan(p, plan)
        best = best or brute_force(p, plan.instance.cost)
        assert (plan.placed_priority, -plan.total_cost) == best


@SETTINGS
@given(problems(one_person=False))
def test_mip_path_is_feasible_and_optimal(data: dict[str, Any]) -> None:
    p = parse_problem(data)
    plan = solve(p, method="mip")
    assert plan.method == "mip" and plan.status == "optimal"
    check_plan(p, plan)
    assert (plan.placed_priority, -plan.total_cost) == brute_force(p, plan.instance.cost)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(problems(one_person=False))
def test_same_input_same_plan(data: dict[str, Any]) -> None:
    p = parse_problem(data)
    assert solve(p).shelter.tolist() == solve(p).shelter.tolist()
