"""The plan for all pending requests: choose the exact method, run it, report the outcome."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .assignment import DENSE_LIMIT, ScaleError, solve_assignment
from .mip import solve_mip
from .model import Instance, prepare
from .problem import Problem
from .weights import Weights

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Plan:
    """A plan: the shelter of each request (index, -1 when unplaced) and how it was found.

    ``method`` is "assignment" (linear_sum_assignment, exact), "min_cost_flow" (successive
    shortest paths, exact, for instances too large for a dense matrix) or "mip" (HiGHS, two
    lexicographic stages).
    ``gap`` holds the relative gaps left when a time limit stopped the integer program.
    """

    instance: Instance
    shelter: IntArray
    status: str
    method: str
    placed_priority: int
    total_cost: int
    seconds: float
    gap: dict[str, float | None] = field(default_factory=dict)

    def shelter_id(self, i: int) -> str | None:
        j = int(self.shelter[i])
        return None if j < 0 else self.instance.problem.shelters[j].id


def solve(
    problem: Problem,
    weights: Weights | None = None,
    departement_points: Mapping[str, npt.ArrayLike] | None = None,
    *,
    time_limit: float = 60.0,
    instance: Instance | None = None,
    method: str = "auto",
    dense_limit: int = DENSE_LIMIT,
) -> Plan:
    """Lexicographically optimal plan: most placed priority, then least total cost.

    ``method`` "auto" uses the assignment path whenever it is exact (one person per request,
    no links) and the integer program otherwise; "mip" forces the integer program (used to
    cross-check the paths). The same input always gives the same plan: the problem is sorted
    by id and both solvers are deterministic.
    """
    began = time.perf_counter()
    inst = instance if instance is not None else prepare(problem, weights, departement_points)
    n = len(inst.size)
    status = "optimal"
    gap: dict[str, float | None] = {"priority": 0.0, "cost": 0.0}
    used = "assignment"
    unit_shelter: IntArray | None = None
    if method not in ("auto", "mip"):
        raise ValueError("method must be 'auto' or 'mip'")
    if method == "auto" and inst.unit_case:
        try:
            unit_shelter, used = solve_assignment(
                inst.unit_eligible,
                inst.unit_cost,
                inst.unit_priority,
                inst.places,
                dense_limit=dense_limit,
            )
        except ScaleError:
            unit_shelter = None
    if unit_shelter is None:
        used = "mip"
        left = time_limit - (time.perf_counter() - began)
        mp = solve_mip(
            inst.unit_eligible,
            inst.unit_cost,
            inst.unit_priority,
            inst.unit_size,
            inst.places,
            time_limit=max(left, 0.05),
        )
        unit_shelter = mp.shelter
        if not mp.optimal:
            status = "time_limit"
            gap = {"priority": mp.priority_gap, "cost": mp.cost_gap}
    shelter = np.full(n, -1, dtype=np.int64)
    for u, members in enumerate(inst.units):
        shelter[members] = unit_shelter[u]
    placed = shelter >= 0
    return Plan(
        instance=inst,
        shelter=shelter,
        status=status,
        method=used,
        placed_priority=int(inst.priority[placed].sum()),
        total_cost=int(inst.cost[np.flatnonzero(placed), shelter[placed]].sum()),
        seconds=time.perf_counter() - began,
        gap=gap,
    )
