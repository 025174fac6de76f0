"""The fast exact path: one person per request and no links (a transportation problem).

Objective. Each request i placed at shelter j weighs ``w_ij = c_ij - M * p_i`` with
``M = sum_i max_j c_ij + 1`` (max over i's eligible shelters); an unplaced request weighs 0. For
two plans A and B with placed priorities P_A > P_B (integers, so P_A >= P_B + 1) and costs
0 <= C_A, C_B < M: ``W_A = C_A - M P_A <= C_A - M - M P_B < -M P_B <= W_B``. So minimising the
total weight maximises the placed priority first, and among plans of equal priority it
minimises the cost: exactly the lexicographic objective. Every eligible weight is negative
(c_ij < M), so a request is never left out when a place is free for it.

Small instances: ``linear_sum_assignment`` on the dense matrix of requests × slots (shelter j
expanded into min(places_j, requests eligible at j) identical columns), ineligible pairs
weighing 0. A full matching of the smaller side exists in this dense matrix, and its weight
is the weight of the plan made of its eligible pairs; any plan extends to a full matching of
the same weight by pairing the remaining rows and columns through zero entries. So the
minimum over full matchings is the minimum over plans.

Large instances (a dense matrix would not fit in memory or time): the same assignment is first
solved by scipy's sparse LAPJVsp on a restricted graph (each request's cheapest shelters), then
proven optimal, or improved until it is, on the full eligibility: a flow is a minimum-cost
flow if and only if its residual graph has no negative cycle. The residual graph is contracted
onto the m shelters plus one node T (the unplaced side and the sink): the arc x -> y costs the
cheapest move of a request from x to y (w_ry - w_rx, with w_rT = 0), shelter -> T is free when
the shelter has a free place, T -> shelter is free when it holds someone. Bellman-Ford on this
dense (m+1)-node graph either converges (optimal, and its labels are the dual prices) or
exposes a negative cycle, which is cancelled by moving one request along each arc.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_INF = np.int64(1) << np.int64(60)  # an absent arc: far above any real path length
#: Largest dense request × slot matrix handed to linear_sum_assignment.
DENSE_LIMIT = 4_000_000
#: Shelters per request in the restricted graph of the large path.
CANDIDATES = 8


class ScaleError(ValueError):
    """The combined weights would not be exact in float64; use the two-stage integer program."""


def big_m(eligible: BoolArray, cost: IntArray) -> int:
    """M = (largest possible total cost) + 1, the factor that makes priority dominate cost."""
    per_request = np.where(eligible, cost, 0).max(axis=1, initial=0)
    return int(per_request.sum()) + 1


def solve_assignment(
    eligible: BoolArray,
    cost: IntArray,
    priority: IntArray,
    places: IntArray,
    dense_limit: int = DENSE_LIMIT,
    candidates: int = CANDIDATES,
) -> tuple[IntArray, str]:
    """Lexicographically optimal plan for one-person requests: shelter per request, -1 unplaced.

    Returns the plan and the method used ("assignment" or "assignment+certificate").
    """
    n, m = eligible.shape
    assign = np.full(n, -1, dtype=np.int64)
    if n == 0 or m == 0 or not eligible.any():
        return assign, "assignment"
    mult = big_m(eligible, cost)
    # Sums of weights must stay exact integers in float64 (53-bit mantissa).
    if mult * (int(priority.sum()) + 1) >= 2**52:
        raise ScaleError("priorities and costs too large for an exact float64 assignment")
    weight = np.where(eligible, cost - mult * priority[:, None], _INF)
    slots = np.minimum(places, eligible.sum(axis=0))
    if n * int(slots.sum()) <= dense_limit:
        return _dense(weight, eligible, slots), "assignment"
    assign = _restricted(weight, eligible, cost, slots, candidates)
    _cancel_negative_cycles(weight, places, assign)
    return assign, "assignment+certificate"


def _dense(weight: IntArray, eligible: BoolArray, slots: IntArray) -> IntArray:
    slot_shelter = np.repeat(np.arange(len(slots)), slots)
    matrix = np.where(eligible[:, slot_shelter], weight[:, slot_shelter], 0).astype(np.float64)
    rows, cols = linear_sum_assignment(matrix)
    assign = np.full(weight.shape[0], -1, dtype=np.int64)
    used = matrix[rows, cols] < 0  # an ineligible (zero) pair means "unplaced"
    assign[rows[used]] = slot_shelter[cols[used]]
    return assign


def _restricted(
    weight: IntArray, eligible: BoolArray, cost: IntArray, slots: IntArray, candidates: int
) -> IntArray:
    """Optimal plan when each request may only use its ``candidates`` cheapest shelters."""
    n, m = weight.shape
    k = min(candidates, m)
    # A unique key per pair (cost, then shelter index) makes the candidate set deterministic.
    key = np.where(eligible, cost * m + np.arange(m)[None, :], np.iinfo(np.int64).max)
    top = np.argpartition(key, k - 1, axis=1)[:, :k] if k < m else np.tile(np.arange(m), (n, 1))
    ii = np.repeat(np.arange(n), top.shape[1])
    jj = top.ravel()
    keep = eligible[ii, jj] & (slots[jj] > 0)
    ii, jj = ii[keep], jj[keep]
    first_slot = np.concatenate([[0], np.cumsum(slots)])
    reps = slots[jj]
    ri, rj = np.repeat(ii, reps), np.repeat(jj, reps)
    offset = np.arange(len(ri)) - np.repeat(np.cumsum(reps) - reps, reps)
    n_slots = int(first_slot[-1])
    # Every row must be matched, so each request gets its own "unplaced" column; a constant
    # shift makes every weight positive (a sparse matrix drops explicit zeros) and adds the
    # same amount n * shift to every full matching.
    shift = float(-weight[eligible].min()) + 1.0
    rows = np.concatenate([ri, np.arange(n)])
    cols = np.concatenate([first_slot[rj] + offset, n_slots + np.arange(n)])
    vals = np.concatenate([weight[ri, rj] + shift, np.full(n, shift)])
    graph = sp.csr_matrix((vals, (rows, cols)), shape=(n, n_slots + n))
    row_ind, col_ind = min_weight_full_bipartite_matching(graph)
    slot_shelter = np.repeat(np.arange(m), slots)
    assign = np.full(n, -1, dtype=np.int64)
    placed = col_ind < n_slots
    assign[row_ind[placed]] = slot_shelter[col_ind[placed]]
    return assign


def _cancel_negative_cycles(weight: IntArray, places: IntArray, assign: IntArray) -> IntArray:
    """Improve ``assign`` in place until its residual graph has no negative cycle.

    Returns the Bellman-Ford labels of the final, optimal plan.
    """
    n, m = weight.shape
    ext = np.hstack([weight, np.zeros((n, 1), dtype=np.int64)])  # column m: unplaced, weight 0
    node = np.where(assign >= 0, assign, m)
    load = np.bincount(assign[assign >= 0], minlength=m)
    arcs = np.full((m + 1, m + 1), _INF, dtype=np.int64)
    via = np.full((m + 1, m + 1), -1, dtype=np.int64)
    members = _members(node, m + 1)
    for x in range(m + 1):
        _fill_row(arcs, via, ext, members[x], x, load, places)
    while True:
        labels, cycle = _bellman_ford(arcs)
        if cycle is None:
            assert labels is not None
            return labels
        for x, y in cycle:
            r = int(via[x, y])
            if r >= 0:  # a request moves from x to y; capacity arcs move nobody
                node[r] = y
        assign[:] = np.where(node < m, node, -1)
        load = np.bincount(assign[assign >= 0], minlength=m)
        members = _members(node, m + 1)
        touched = {x for arc in cycle for x in arc}
        for x in sorted(touched):
            _fill_row(arcs, via, ext, members[x], x, load, places)


def _members(node: IntArray, count: int) -> list[IntArray]:
    order = np.argsort(node, kind="stable")
    bounds = np.searchsorted(node[order], np.arange(count + 1))
    return [order[bounds[x] : bounds[x + 1]] for x in range(count)]


def _fill_row(
    arcs: IntArray,
    via: IntArray,
    ext: IntArray,
    requests: IntArray,
    x: int,
    load: IntArray,
    places: IntArray,
) -> None:
    """Arcs leaving node x: the cheapest move of one of its requests, or a capacity arc."""
    m = len(places)
    row = np.full(m + 1, _INF, dtype=np.int64)
    arg = np.full(m + 1, -1, dtype=np.int64)
    if len(requests):
        delta = ext[requests] - ext[requests, x][:, None]
        best = delta.argmin(axis=0)
        row = np.minimum(delta[best, np.arange(m + 1)], _INF)
        arg = requests[best]
    if x < m:
        if load[x] < places[x] and row[m] > 0:
            row[m], arg[m] = 0, -1  # a free place: the flow may stop here at no cost
    else:
        full = (load > 0) & (row[:m] > 0)
        row[:m][full], arg[:m][full] = 0, -1  # take back a unit that a shelter sends to T
    row[x], arg[x] = _INF, -1
    arcs[x], via[x] = row, arg


def _bellman_ford(arcs: IntArray) -> tuple[IntArray | None, list[tuple[int, int]] | None]:
    """Labels from a virtual source joined to every node, or a negative cycle as (x, y) arcs."""
    size = arcs.shape[0]
    label = np.zeros(size, dtype=np.int64)
    pred = np.full(size, -1, dtype=np.int64)
    cols = np.arange(size)
    for _ in range(size + 1):
        cand = label[:, None] + arcs
        arg = cand.argmin(axis=0)
        best = cand[arg, cols]
        better = best < label
        if not better.any():
            return label, None
        label[better] = best[better]
        pred[better] = arg[better]
        cycle = _pred_cycle(pred)
        if cycle is not None:
            return None, cycle
    raise RuntimeError("Bellman-Ford did not settle: inconsistent arc weights")


def _pred_cycle(pred: IntArray) -> list[tuple[int, int]] | None:
    """A cycle of the predecessor graph, if any (such a cycle is always negative)."""
    size = len(pred)
    up = np.append(np.where(pred >= 0, pred, size), size)
    for _ in range(math.ceil(math.log2(size + 1)) + 1):
        up = up[up]  # jump 2^k steps: any node leading to a cycle lands on it
    on_cycle = np.flatnonzero(up[:size] != size)
    if not len(on_cycle):
        return None
    start = int(up[on_cycle[0]])
    cycle = []
    y = start
    while True:
        x = int(pred[y])
        cycle.append((x, y))
        y = x
        if y == start:
            return cycle[::-1]
