"""A thin typed wrapper over highspy for the assignment models the engine builds.

Every model here has the same shape: one column per eligible (unit, shelter) pair, one row per
unit (placed at most once) and one row per shelter (its free places, counted in people).
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_INF = highspy.kHighsInf
_banner_lock = threading.Lock()
_banner_done = False


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance.

    HiGHS prints its banner on standard output when the first instance of the process is
    created, before any option can be set; the command prints its JSON there, so that single
    construction runs with file descriptor 1 pointed at /dev/null.
    """
    global _banner_done
    with _banner_lock:
        if not _banner_done:
            sys.stdout.flush()
            saved = os.dup(1)
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, 1)
                h = highspy.Highs()  # type: ignore[no-untyped-call]
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(null)
            _banner_done = True
        else:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    return h


@dataclass(frozen=True)
class Pairs:
    """The columns of an assignment model: eligible (unit, shelter) pairs, unit-major."""

    unit: IntArray
    shelter: IntArray
    n_units: int
    n_shelters: int

    @classmethod
    def from_mask(cls, eligible: npt.NDArray[np.bool_]) -> Pairs:
        u, j = np.nonzero(eligible)
        return cls(u.astype(np.int64), j.astype(np.int64), eligible.shape[0], eligible.shape[1])

    def __len__(self) -> int:
        return len(self.unit)


@dataclass(frozen=True)
class Outcome:
    """What a HiGHS run left: status, values, objective, dual bound and row duals."""

    optimal: bool
    time_limit: bool
    values: FloatArray | None
    objective: float
    bound: float
    row_duals: FloatArray | None


def run(
    pairs: Pairs,
    sizes: IntArray,
    places: IntArray,
    cost: FloatArray,
    *,
    integer: bool,
    time_limit: float | None = None,
    extra_row: tuple[FloatArray, float] | None = None,
    start: FloatArray | None = None,
) -> Outcome:
    """Minimise ``cost @ x`` over the assignment polytope (integer or relaxed).

    ``extra_row`` = (coefficients, lower bound) adds one constraint ``coef @ x >= lower`` (the
    second lexicographic stage). ``start`` is a feasible 0/1 point given to the MIP as its
    first incumbent.
    """
    k, nu, ns = len(pairs), pairs.n_units, pairs.n_shelters
    rows = np.empty(2 * k, dtype=np.int32)
    rows[0::2] = pairs.unit
    rows[1::2] = nu + pairs.shelter
    vals = np.empty(2 * k, dtype=np.float64)
    vals[0::2] = 1.0
    vals[1::2] = sizes[pairs.unit]
    lower = np.full(nu + ns, -_INF)
    upper = np.concatenate([np.ones(nu), places.astype(np.float64)])
    lp = highspy.HighsLp()
    lp.num_col_ = k
    lp.num_row_ = nu + ns
    lp.col_cost_ = cost.astype(np.float64)
    lp.col_lower_ = np.zeros(k)
    lp.col_upper_ = np.ones(k)
    lp.row_lower_ = lower
    lp.row_upper_ = upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 2 * k + 1, 2, dtype=np.int32)
    lp.a_matrix_.index_ = rows
    lp.a_matrix_.value_ = vals
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * k
    h = new_highs()
    h.setOptionValue("random_seed", 0)
    if integer:
        # Objectives are integers: a gap below 1 proves optimality, and a zero relative gap
        # stops HiGHS from settling for "close enough".
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.5)
    if time_limit is not None:
        h.setOptionValue("time_limit", max(float(time_limit), 0.01))
    h.passModel(lp)
    if extra_row is not None:
        coef, low = extra_row
        nz = np.flatnonzero(coef)
        h.addRow(float(low), _INF, len(nz), nz.astype(np.int32), coef[nz].astype(np.float64))
    if start is not None and integer:
        sol = highspy.HighsSolution()
        sol.col_value = list(start.astype(np.float64))
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    solution = h.getSolution()
    has_values = bool(solution.value_valid)
    values = np.array(solution.col_value, dtype=np.float64) if has_values else None
    duals = (
        np.array(solution.row_dual, dtype=np.float64) if (not integer and bool(solution.dual_valid)) else None
    )
    optimal = status == highspy.HighsModelStatus.kOptimal
    objective = float(info.objective_function_value) if has_values else float("inf")
    bound = float(info.mip_dual_bound) if integer else objective
    return Outcome(
        optimal=optimal,
        time_limit=status == highspy.HighsModelStatus.kTimeLimit,
        values=values,
        objective=objective,
        bound=bound,
        row_duals=duals,
    )
