"""The general path: households of several people and linked requests, as an integer program.

Units (a request, or a group of linked requests that must share a shelter) are placed at most
once, and the people a plan sends to a shelter fit in its free places: a multiple-knapsack /
generalised assignment problem. Links need no extra constraint: a linked group is one unit
whose columns exist only where the whole group fits, so "the same shelter or neither placed"
holds by construction.

Two lexicographic stages, each an integer program with an integer objective:
1. maximise the placed priority;
2. keep that priority (one extra row) and minimise the total cost.
Each stage stops only with an absolute gap below 1, which on integers proves optimality. The
two stages keep both objectives in their own small units: a single big-M objective would mix
magnitudes of 10^9 and 1 and rely on tolerances to keep priority ahead.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from . import highs

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class MipPlan:
    """Shelter per unit (-1 unplaced), whether proven optimal, and the relative gaps left."""

    shelter: IntArray
    optimal: bool
    priority_gap: float
    cost_gap: float
    priority_bound: int


def greedy(
    eligible: BoolArray, cost: IntArray, priority: IntArray, size: IntArray, places: IntArray
) -> IntArray:
    """A quick feasible plan (highest priority first, cheapest fitting shelter), as a start."""
    left = places.copy()
    out = np.full(eligible.shape[0], -1, dtype=np.int64)
    for u in np.lexsort((size, -priority)):
        fits = eligible[u] & (left >= size[u])
        if fits.any():
            j = int(np.flatnonzero(fits)[np.argmin(cost[u][fits])])
            out[u] = j
            left[j] -= size[u]
    return out


def solve_mip(
    eligible: BoolArray,
    cost: IntArray,
    priority: IntArray,
    size: IntArray,
    places: IntArray,
    time_limit: float = 60.0,
) -> MipPlan:
    """The lexicographically optimal plan of units, or the best found within ``time_limit``."""
    began = time.perf_counter()
    pairs = highs.Pairs.from_mask(eligible)
    n = eligible.shape[0]
    if len(pairs) == 0:
        return MipPlan(np.full(n, -1, dtype=np.int64), True, 0.0, 0.0, 0)
    start = greedy(eligible, cost, priority, size, places)
    x0 = _columns(pairs, start)
    col_priority = priority[pairs.unit].astype(np.float64)
    col_cost = cost[pairs.unit, pairs.shelter].astype(np.float64)

    first = highs.run(pairs, size, places, -col_priority, integer=True, time_limit=time_limit, start=x0)
    x1 = _binary(first.values, x0)
    placed_priority = round(float(col_priority @ x1))
    # On a time limit, the dual bound of stage 1 caps the priority any plan could place.
    bound = placed_priority if first.optimal else max(placed_priority, math.floor(-first.bound + 1e-6))
    left = time_limit - (time.perf_counter() - began)
    # The second stage always gets a little time: even after a time-limited first stage, it
    # lowers the cost of the plan without giving up any placed priority.
    second = highs.run(
        pairs,
        size,
        places,
        col_cost,
        integer=True,
        time_limit=max(left, 0.1 * time_limit),
        extra_row=(col_priority, float(placed_priority)),
        start=x1,
    )
    x2 = _binary(second.values, x1)
    if float(col_priority @ x2) < placed_priority - 0.5:
        x2 = x1  # never trade placed priority for cost
    total = float(col_cost @ x2)
    cost_bound = total if second.optimal else max(0.0, math.ceil(second.bound - 1e-6))
    shelter = np.full(n, -1, dtype=np.int64)
    chosen = x2 > 0.5
    shelter[pairs.unit[chosen]] = pairs.shelter[chosen]
    return MipPlan(
        shelter=shelter,
        optimal=first.optimal and second.optimal,
        priority_gap=0.0 if bound == 0 else (bound - placed_priority) / bound,
        cost_gap=0.0 if total == 0 else max(0.0, (total - cost_bound) / total),
        priority_bound=bound,
    )


def _columns(pairs: highs.Pairs, shelter: IntArray) -> npt.NDArray[np.float64]:
    x: npt.NDArray[np.float64] = (shelter[pairs.unit] == pairs.shelter).astype(np.float64)
    return x


def _binary(
    values: npt.NDArray[np.float64] | None, fallback: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    if values is None:
        return fallback
    return (values > 0.5).astype(np.float64)
