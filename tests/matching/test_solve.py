"""Plans: the example, the methods, determinism, links, time limits."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from abri.matching import Weights, parse_problem, plan_json, solve
from abri.matching.problem import ProblemError

from .helpers import brute_force, check_plan, problem, request, shelter

EXAMPLE = Path(__file__).resolve().parents[2] / "abri" / "matching" / "examples" / "example.json"


def _example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return data


def _strip(out: dict[str, Any]) -> dict[str, Any]:
    out = dict(out)
    out.pop("seconds")
    return out


def test_example_plan() -> None:
    p = parse_problem(_example())
    plan = solve(p)
    check_plan(p, plan)
    out = plan_json(plan)
    assert out["status"] == "optimal"
    assert out["method"] == "mip"  # households and links
    placed = {a["request"]: a["shelter"] for a in out["assignments"]}
    assert placed == {"R01": "S02", "R02": "S02", "R03": "S03"}
    assert out["placed_priority"] == 95
    assert out["total_cost"] == sum(a["cost"] for a in out["assignments"])
    assert (out["placed_priority"], -out["total_cost"]) == brute_force(p, plan.instance.cost)


def test_same_input_same_output_and_input_order_does_not_matter() -> None:
    data = _example()
    first = _strip(plan_json(solve(parse_problem(data))))
    assert _strip(plan_json(solve(parse_problem(copy.deepcopy(data))))) == first
    shuffled = copy.deepcopy(data)
    random.Random(3).shuffle(shuffled["shelters"])
    shuffled["requests"].reverse()
    assert _strip(plan_json(solve(parse_problem(shuffled)))) == first


def _singles(n: int, m: int) -> dict[str, Any]:
    shelters = [shelter(id=f"S{j}", places_free=1 + j % 2) for j in range(m)]
    requests = [
        request(
            id=f"R{i}",
            priority=1 + i % 3,
            household={"adults": ["F"], "children": 0},
            danger_zones=[],
            languages=["en"] if i % 2 else ["ro"],
        )
        for i in range(n)
    ]
    return problem(shelters, requests)


def test_one_person_requests_use_the_assignment_not_the_mip(monkeypatch: pytest.MonkeyPatch) -> None:
    import abri.matching.solver as solver

    def no_mip(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the MIP must not run on the one-person case")

    monkeypatch.setattr(solver, "solve_mip", no_mip)
    p = parse_problem(_singles(6, 3))
    plan = solve(p)
    assert plan.method == "assignment"
    check_plan(p, plan)


def test_large_one_person_path_is_exact() -> None:
    p = parse_problem(_singles(7, 3))
    flow = solve(p, dense_limit=0)
    assert flow.method == "min_cost_flow"
    dense = solve(p)
    mip = solve(p, method="mip")
    assert (flow.placed_priority, flow.total_cost) == (dense.placed_priority, dense.total_cost)
    assert (mip.placed_priority, mip.total_cost) == (dense.placed_priority, dense.total_cost)


def test_linked_requests_share_a_shelter_or_stay_unplaced() -> None:
    r1 = request(id="R01", household={"adults": ["F"], "children": 0}, linked_with=["R02"])
    r2 = request(id="R02", household={"adults": ["F"], "children": 0}, priority=1)
    r3 = request(id="R03", household={"adults": ["F"], "children": 0}, priority=100)
    s1, s2 = shelter(id="S01", places_free=1), shelter(id="S02", places_free=2)
    p = parse_problem(problem([s1, s2], [r1, r2, r3]))
    plan = solve(p)
    check_plan(p, plan)
    # 41 for the pair beats 40, but R03 (100) comes first: it takes one place, and the pair
    # can only go where two places are left.
    assert plan.placed_priority == 100 + 40 + 1
    assert plan.shelter_id(0) == plan.shelter_id(1) == "S02"


def test_time_limit_reports_a_gap() -> None:
    plan = solve(parse_problem(_example()), time_limit=0.0)
    assert plan.status in ("optimal", "time_limit")
    assert set(plan.gap) == {"priority", "cost"}


def test_weights_are_the_callers() -> None:
    p = parse_problem(_example())
    heavy = solve(p, Weights(version="test", no_common_language=400))
    assert heavy.total_cost > solve(p).total_cost
    with pytest.raises(ValueError, match="no_trained_staff"):
        Weights(no_trained_staff=-1)


def test_unplaced_reasons() -> None:
    r = request(household={"adults": ["M"], "children": 0})
    out = plan_json(solve(parse_problem(problem([shelter()], [r]))))
    assert out["unplaced"] == [
        {
            "request": "R01",
            "reasons": [{"code": "no_eligible_shelter", "excluded": {"gender_not_accepted": 1}}],
        }
    ]


def test_unknown_request_in_index() -> None:
    with pytest.raises(KeyError):
        parse_problem(_example()).request_index("R99")
    assert issubclass(ProblemError, ValueError)


def test_pruned_program_is_feasible_and_bounded() -> None:
    from abri.matching.mip import solve_mip

    p = parse_problem(_example())
    plan = solve(p)
    inst = plan.instance
    mp = solve_mip(
        inst.unit_eligible,
        inst.unit_cost,
        inst.unit_priority,
        inst.unit_size,
        inst.places,
        prune_above=0,
    )
    placed = int(inst.unit_priority[mp.shelter >= 0].sum())
    assert placed <= mp.priority_bound
    assert mp.priority_gap == (mp.priority_bound - placed) / mp.priority_bound
    assert placed == plan.placed_priority  # the example is small: the bound is reached
    assert mp.cost_gap is None
