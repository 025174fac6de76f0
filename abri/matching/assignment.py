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

Large instances (the dense matrix would not fit in memory or time): the same objective as an
exact minimum-cost flow (source -> request -> shelter -> T, and request -> T for "unplaced"),
solved by successive shortest paths. The residual graph is contracted onto the m shelters plus
T: the arc x -> y costs the cheapest move of a request from x to y (w_ry - w_rx, w_rT = 0; the
priority term cancels on a move), and shelter -> T is free while the shelter has a free place.
Dijkstra runs on this dense (m+1)-node graph with potentials, one request at a time.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_INF = np.int64(1) << np.int64(60)  # an absent arc: far above any real path length
#: Largest dense request × slot matrix handed to linear_sum_assignment (128 MB of float64);
#: beyond it the successive-shortest-path solver needs far less memory.
DENSE_LIMIT = 16_000_000


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
) -> tuple[IntArray, str]:
    """Lexicographically optimal plan for one-person requests: shelter per request, -1 unplaced.

    Returns the plan and the method used ("assignment" or "min_cost_flow").
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
    return _min_cost_flow(weight, eligible, places, priority), "min_cost_flow"


def _dense(weight: IntArray, eligible: BoolArray, slots: IntArray) -> IntArray:
    slot_shelter = np.repeat(np.arange(len(slots)), slots)
    matrix = np.where(eligible[:, slot_shelter], weight[:, slot_shelter], 0).astype(np.float64)
    rows, cols = linear_sum_assignment(matrix)
    assign = np.full(weight.shape[0], -1, dtype=np.int64)
    used = matrix[rows, cols] < 0  # an ineligible (zero) pair means "unplaced"
    assign[rows[used]] = slot_shelter[cols[used]]
    return assign


def _min_cost_flow(weight: IntArray, eligible: BoolArray, places: IntArray, priority: IntArray) -> IntArray:
    """Successive shortest paths on the residual graph contracted onto the shelters.

    Requests enter one at a time (highest priority first, then index: the order only affects
    speed, not the optimum). Each entry routes one unit of flow along a shortest path from the
    new request to T, found by Dijkstra on reduced costs ``arc + pi[x] - pi[y] >= 0``; the
    potentials are then raised by the capped labels, which keeps every residual arc
    non-negative (the classical invariant), so after the last request the flow is a
    minimum-cost flow: the lexicographic optimum.
    """
    n, m = weight.shape
    t_node = m
    ext = np.hstack([np.where(eligible, weight, _INF), np.zeros((n, 1), dtype=np.int64)])
    # arcs[x, y]: cheapest move of a request now at shelter x to y (y = T: unplace it).
    # Arcs leaving T are never needed: every path ends at T.
    arcs = np.full((m, m + 1), _INF, dtype=np.int64)
    via = np.full((m, m + 1), -1, dtype=np.int64)
    members: list[list[int]] = [[] for _ in range(m)]
    load = np.zeros(m, dtype=np.int64)
    pi = np.zeros(m + 1, dtype=np.int64)
    node = np.full(n, t_node, dtype=np.int64)
    for i in np.lexsort((np.arange(n), -priority)):
        label = np.full(m + 1, _INF, dtype=np.int64)
        label[:m] = np.where(eligible[i], weight[i] - pi[:m], _INF)
        label[t_node] = -pi[t_node]  # the request may also stay unplaced, at no cost
        pred = np.full(m + 1, -1, dtype=np.int64)  # -1: straight from the new request
        mover = np.full(m + 1, -1, dtype=np.int64)  # request moved along the arc, -2: a free place
        frontier = label.copy()
        done = np.zeros(m + 1, dtype=np.bool_)
        while True:
            v = int(frontier.argmin())
            if v == t_node:
                break
            lv = int(frontier[v])
            frontier[v] = _INF << 1
            done[v] = True
            # Absent arcs stay near _INF: they never beat T, whose label is finite.
            cand = (lv + pi[v]) + arcs[v] - pi
            if load[v] < places[v]:
                free = lv + pi[v] - pi[t_node]
                if free < cand[t_node]:
                    cand[t_node] = free
                    via_t = -2
                else:
                    via_t = int(via[v, t_node])
            else:
                via_t = int(via[v, t_node])
            better = np.flatnonzero((cand < label) & ~done)
            if len(better):
                label[better] = cand[better]
                frontier[better] = cand[better]
                pred[better] = v
                mover[better] = via[v, better]
                if better[-1] == t_node:
                    mover[t_node] = via_t
        settled = done
        pi += np.where(settled, np.minimum(label, label[t_node]), label[t_node])
        _augment(int(i), pred, mover, node, members, load, arcs, via, ext, t_node)
    return np.where(node < m, node, -1)


def _augment(
    i: int,
    pred: IntArray,
    mover: IntArray,
    node: IntArray,
    members: list[list[int]],
    load: IntArray,
    arcs: IntArray,
    via: IntArray,
    ext: IntArray,
    t_node: int,
) -> None:
    """Apply the path ending at T: move each request one arc on, fill a free place if used."""
    y = t_node
    changed: set[int] = set()
    gained: list[tuple[int, int]] = []
    while True:
        x = int(pred[y])
        r = i if x < 0 else int(mover[y])
        if r == -2:
            load[x] += 1  # the path ends in a free place of x
        else:
            if x >= 0:
                members[x].remove(r)
                changed.add(x)
            node[r] = y
            if y < t_node:
                members[y].append(r)
                gained.append((y, r))
        if x < 0:
            break
        y = x
    for y, r in gained:
        if y not in changed:  # a request joined: the row only gets cheaper
            delta = ext[r] - ext[r, y]
            better = delta < arcs[y]
            arcs[y, better], via[y, better] = delta[better], r
            arcs[y, y], via[y, y] = _INF, -1
    for x in changed:  # a request left: rebuild the row from who is there now
        _rebuild(x, members[x], arcs, via, ext)


def _rebuild(x: int, here: list[int], arcs: IntArray, via: IntArray, ext: IntArray) -> None:
    arcs[x], via[x] = _INF, -1
    if here:
        rs = np.array(here, dtype=np.int64)
        delta = ext[rs] - ext[rs, x][:, None]
        best = delta.argmin(axis=0)
        arcs[x] = np.minimum(delta[best, np.arange(delta.shape[1])], _INF)
        via[x] = rs[best]
    arcs[x, x], via[x, x] = _INF, -1
