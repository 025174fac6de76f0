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
    cost_gap: float | None  # None: no lower bound on the cost is known
    priority_bound: int


def greedy(
    eligible: BoolArray, cost: IntArray, priority: IntArray, size: IntArray, places: IntArray
) -> IntArray:
    """A quick feasible plan, the integer program's first incumbent.

    Highest priority first, each unit into the fitting shelter it fills best (the least room
    left over, then the cheapest), which keeps large free blocks for families; then a repair
    pass (``_insert``) that makes room by moving one placed unit elsewhere.
    """
    left = places.copy()
    out = np.full(eligible.shape[0], -1, dtype=np.int64)
    order = np.lexsort((np.arange(len(size)), size, -priority))
    for u in order:
        fits = np.flatnonzero(eligible[u] & (left >= size[u]))
        if len(fits):
            j = int(fits[np.lexsort((cost[u, fits], left[fits] - size[u]))[0]])
            out[u] = j
            left[j] -= size[u]
    for u in order:
        if out[u] < 0:
            _insert(int(u), eligible, size, left, out)
    return out


def _insert(u: int, eligible: BoolArray, size: IntArray, left: IntArray, out: IntArray) -> None:
    """Place unit u by moving one unit v out of a shelter j into some other shelter k."""
    for j in np.flatnonzero(eligible[u]):
        missing = size[u] - left[j]
        for v in np.flatnonzero(out == j):
            if size[v] < missing:
                continue
            room = np.flatnonzero(eligible[v] & (left >= size[v]))
            room = room[room != j]
            if len(room):
                k = int(room[np.argmin(left[room])])
                out[v], left[k], left[j] = k, left[k] - size[v], left[j] + size[v]
                out[u], left[j] = j, left[j] - size[u]
                return


#: Above this many eligible pairs, the integer program runs on each unit's cheapest shelters
#: and the full LP relaxation only supplies the bound (see solve_mip).
PRUNE_ABOVE = 40_000
#: Shelters kept per unit in the pruned program.
KEEP_PER_UNIT = 12


def solve_mip(
    eligible: BoolArray,
    cost: IntArray,
    priority: IntArray,
    size: IntArray,
    places: IntArray,
    time_limit: float = 60.0,
    prune_above: int = PRUNE_ABOVE,
) -> MipPlan:
    """The lexicographically optimal plan of units, or the best found within ``time_limit``.

    Large instances (more than ``prune_above`` eligible pairs) are solved on a restricted
    program: each unit keeps its ``KEEP_PER_UNIT`` cheapest shelters plus the greedy plan's
    choice. Its plan is feasible for the full problem; the LP relaxation of the full stage 1
    bounds the priority any plan could place, which gives the proven gap reported. When the
    plan reaches that bound, its priority is proven optimal.
    """
    began = time.perf_counter()
    n = eligible.shape[0]
    if not eligible.any():
        return MipPlan(np.full(n, -1, dtype=np.int64), True, 0.0, 0.0, 0)
    start = greedy(eligible, cost, priority, size, places)
    full = highs.Pairs.from_mask(eligible)
    pruned = len(full) > prune_above
    mask = _restricted(eligible, cost, start) if pruned else eligible
    pairs = highs.Pairs.from_mask(mask) if pruned else full
    x0 = _columns(pairs, start)
    col_priority = priority[pairs.unit].astype(np.float64)
    col_cost = cost[pairs.unit, pairs.shelter].astype(np.float64)
    share = 0.45 if pruned else 1.0  # the pruned mode keeps time for the LP bound
    first = highs.run(
        pairs, size, places, -col_priority, integer=True, time_limit=share * time_limit, start=x0
    )
    x1 = _binary(first.values, x0)
    placed_priority = round(float(col_priority @ x1))
    if pruned:
        lp = highs.run(full, size, places, -priority[full.unit].astype(np.float64), integer=False)
        bound = max(placed_priority, math.floor(-lp.objective + 1e-6))
        proven = bound == placed_priority
    elif first.optimal:
        bound, proven = placed_priority, True
    elif math.isfinite(first.bound):
        bound = max(placed_priority, math.floor(-first.bound + 1e-6))
        proven = bound == placed_priority
    else:  # stopped before its first relaxation: only the trivial bound is known
        bound = int(priority[eligible.any(axis=1)].sum())
        proven = False
    left = time_limit - (time.perf_counter() - began)
    # The second stage always gets a little time: even after a time-limited first stage, it
    # lowers the cost of the plan without giving up any placed priority.
    second = highs.run(
        pairs,
        size,
        places,
        col_cost,
        integer=True,
        time_limit=max(left, 0.05 * time_limit),
        extra_row=(col_priority, float(placed_priority)),
        start=x1,
    )
    x2 = _binary(second.values, x1)
    if float(col_priority @ x2) < placed_priority - 0.5:
        x2 = x1  # never trade placed priority for cost
    total = float(col_cost @ x2)
    cost_bound: float | None
    if second.optimal and not pruned:
        cost_bound = total
    elif math.isfinite(second.bound) and not pruned:
        cost_bound = max(0.0, math.ceil(second.bound - 1e-6))
    else:
        cost_bound = None  # the restricted program's bound says nothing of the full one
    shelter = np.full(n, -1, dtype=np.int64)
    chosen = x2 > 0.5
    shelter[pairs.unit[chosen]] = pairs.shelter[chosen]
    return MipPlan(
        shelter=shelter,
        optimal=proven and cost_bound is not None and cost_bound >= total,
        priority_gap=0.0 if bound == 0 else (bound - placed_priority) / bound,
        cost_gap=None
        if cost_bound is None
        else (0.0 if total == 0 else max(0.0, (total - cost_bound) / total)),
        priority_bound=bound,
    )


def _restricted(eligible: BoolArray, cost: IntArray, start: IntArray) -> BoolArray:
    """Each unit's cheapest eligible shelters (ties by index), plus its place in ``start``."""
    m = eligible.shape[1]
    k = min(KEEP_PER_UNIT, m)
    key = np.where(eligible, cost * m + np.arange(m)[None, :], np.iinfo(np.int64).max)
    top = np.argpartition(key, k - 1, axis=1)[:, :k]
    mask = np.zeros_like(eligible)
    np.put_along_axis(mask, top, True, axis=1)
    mask &= eligible
    placed = np.flatnonzero(start >= 0)
    mask[placed, start[placed]] = True
    return mask


def _columns(pairs: highs.Pairs, shelter: IntArray) -> npt.NDArray[np.float64]:
    x: npt.NDArray[np.float64] = (shelter[pairs.unit] == pairs.shelter).astype(np.float64)
    return x


def _binary(
    values: npt.NDArray[np.float64] | None, fallback: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    if values is None:
        return fallback
    return (values > 0.5).astype(np.float64)
