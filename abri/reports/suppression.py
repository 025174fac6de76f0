"""Small-count suppression for observers' tables, checked by linear algebra (SECURITY.md bar 15).

A published table has rows (régions), columns (categories), row totals, column totals and a grand
total. Tables about the same population (people followed in a year by gender, by age, by country…)
share their row totals and grand total: they are the same unknowns for an attacker, so they are
the same *variables* here, hidden or shown together.

1. Primary suppression: every count from 1 to 9 is hidden.
2. Secondary suppression: while some hidden value can be computed exactly from what is shown (a
   line with a single hidden cell, or any combination of lines: checked on the null space of the
   system of every published equation), hide the smallest shown count in one of that value's lines.
3. Protection intervals: an attacker also knows that counts are whole and that a hidden count is
   at least 1 (zeros are shown). Two hidden cells of a row that sum to 2 are then both 1, although
   neither is a linear function of the published figures. So, for every small count, the smallest
   and largest values consistent with everything published are computed by linear programming
   (each hidden value at least 1, or 0 where it is 0), and while that interval is narrower than
   ``PROTECTION``, another cell of its lines is hidden.

The result: no hidden value is a linear function of the published ones, and no small count can be
narrowed to fewer than ``PROTECTION`` + 1 possible values, across every table of the year. Periods
are disjoint calendar years and a région filter shows the same cells, so two views can never be
subtracted (tests/reports/test_suppression.py attacks it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

THRESHOLD = 10
# The narrowest interval an attacker may be left with for a small count (width, in persons).
PROTECTION = 5

Var = Any


@dataclass
class Table:
    key: str
    title: Any
    rows: list[tuple[str, Any]]
    columns: list[tuple[str, Any]]
    cells: dict[tuple[str, str], int]
    # Tables with the same population share row totals and the grand total.
    population: str = ""
    # Filled by suppress(): the variables hidden.
    hidden: set[Var] = field(default_factory=set)
    # Set by freeze(): the numbers first published for this table, which are shown instead of
    # today's (None where hidden; a variable missing from them is hidden).
    frozen: dict[str, int | None] | None = None

    # -- the variables of the table
    def cell_var(self, row: str, col: str) -> Var:
        return ("cell", self.key, row, col)

    def row_var(self, row: str) -> Var:
        return ("row", self.population or self.key, row)

    def col_var(self, col: str) -> Var:
        return ("col", self.key, col)

    def grand_var(self) -> Var:
        return ("grand", self.population or self.key)

    def row_total(self, row: str) -> int:
        return sum(self.cells.get((row, c), 0) for c, _l in self.columns)

    def col_total(self, col: str) -> int:
        return sum(self.cells.get((r, col), 0) for r, _l in self.rows)

    def grand_total(self) -> int:
        return sum(self.cells.values())

    def values(self) -> dict[Var, int]:
        out: dict[Var, int] = {}
        for r, _l in self.rows:
            for c, _m in self.columns:
                out[self.cell_var(r, c)] = self.cells.get((r, c), 0)
            out[self.row_var(r)] = self.row_total(r)
        for c, _m in self.columns:
            out[self.col_var(c)] = self.col_total(c)
        out[self.grand_var()] = self.grand_total()
        return out

    def equations(self) -> list[tuple[list[Var], Var]]:
        """Each line: its cells sum to its total."""
        eqs: list[tuple[list[Var], Var]] = []
        for r, _l in self.rows:
            eqs.append(([self.cell_var(r, c) for c, _m in self.columns], self.row_var(r)))
        for c, _m in self.columns:
            eqs.append(([self.cell_var(r, c) for r, _l in self.rows], self.col_var(c)))
        eqs.append(([self.row_var(r) for r, _l in self.rows], self.grand_var()))
        eqs.append(([self.col_var(c) for c, _m in self.columns], self.grand_var()))
        return eqs

    # -- what is published
    def shown(self, var: Var, value: int) -> int | None:
        if self.frozen is not None:
            return self.frozen.get(repr(var))
        return None if var in self.hidden else value

    def snapshot(self) -> dict[str, int | None]:
        """What this table publishes, by variable: to be frozen."""
        return {repr(var): (None if var in self.hidden else value) for var, value in self.values().items()}

    def published(self) -> dict[str, Any]:
        """Rows with their cells and total (None where hidden), the totals row."""
        rows = []
        for r, label in self.rows:
            cells = [self.shown(self.cell_var(r, c), self.cells.get((r, c), 0)) for c, _m in self.columns]
            rows.append((r, label, cells, self.shown(self.row_var(r), self.row_total(r))))
        totals = [self.shown(self.col_var(c), self.col_total(c)) for c, _m in self.columns]
        return {
            "key": self.key,
            "title": self.title,
            "columns": [label for _c, label in self.columns],
            "rows": rows,
            "totals": totals,
            "grand": self.shown(self.grand_var(), self.grand_total()),
        }


def published_equations(tables: Iterable[Table]) -> list[tuple[list[Var], Var]]:
    seen: set[tuple[tuple[Var, ...], Var]] = set()
    eqs = []
    for table in tables:
        for cells, total in table.equations():
            key = (tuple(cells), total)
            if key not in seen:
                seen.add(key)
                eqs.append((cells, total))
    return eqs


def determined(equations: list[tuple[list[Var], Var]], values: dict[Var, int], hidden: set[Var]) -> list[Var]:
    """Hidden variables an attacker can compute exactly from the published equations.

    Each equation ``sum(cells) - total = 0`` restricted to the hidden variables is a row of A; a
    hidden variable is determined iff its unit vector lies in A's row space, i.e. iff its row of
    a basis of A's null space is zero.
    """
    unknowns = sorted(hidden, key=repr)
    index = {v: i for i, v in enumerate(unknowns)}
    rows = []
    for cells, total in equations:
        row = np.zeros(len(unknowns))
        touched = False
        for var, coef in [*((c, 1.0) for c in cells), (total, -1.0)]:
            if var in index:
                row[index[var]] += coef
                touched = True
        if touched:
            rows.append(row)
    if not unknowns:
        return []
    if not rows:
        return []
    matrix = np.array(rows)
    _u, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null = vt[rank:].T  # columns span the null space
    if null.shape[1] == 0:
        return unknowns
    norms = np.linalg.norm(null, axis=1)
    return [v for v, n in zip(unknowns, norms, strict=True) if n < 1e-9]


def _components(equations: list[tuple[list[Var], Var]], hidden: set[Var]) -> list[list[int]]:
    """The equations grouped by the hidden values they link: each group is solved on its own."""
    parent: dict[Var, Var] = {v: v for v in hidden}

    def find(v: Var) -> Var:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    touching: list[tuple[int, list[Var]]] = []
    for i, (cells, total) in enumerate(equations):
        unknown = [v for v in [*cells, total] if v in hidden]
        if unknown:
            touching.append((i, unknown))
            for other in unknown[1:]:
                parent[find(other)] = find(unknown[0])
    groups: dict[Var, list[int]] = defaultdict(list)
    for i, unknown in touching:
        groups[find(unknown[0])].append(i)
    return list(groups.values())


def narrow(
    equations: list[tuple[list[Var], Var]],
    values: dict[Var, int],
    hidden: set[Var],
    small: set[Var],
    protection: int = PROTECTION,
) -> list[Var]:
    """Small hidden counts an attacker can narrow to an interval thinner than ``protection``."""
    from scipy.optimize import linprog

    exposed = []
    for group in _components(equations, hidden):
        unknowns = sorted(
            {v for i in group for v in [*equations[i][0], equations[i][1]] if v in hidden}, key=repr
        )
        targets = [v for v in unknowns if v in small]
        if not targets:
            continue
        index = {v: k for k, v in enumerate(unknowns)}
        a_eq = np.zeros((len(group), len(unknowns)))
        b_eq = np.zeros(len(group))
        for row, i in enumerate(group):
            cells, total = equations[i]
            for var, coef in [*((c, 1.0) for c in cells), (total, -1.0)]:
                if var in index:
                    a_eq[row, index[var]] += coef
                else:
                    b_eq[row] -= coef * values[var]
        # What an attacker knows of each hidden value: at least 1, since zeros are shown.
        bounds = [(1 if values[v] > 0 else 0, None) for v in unknowns]
        for var in targets:
            c = np.zeros(len(unknowns))
            c[index[var]] = 1
            low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if high.status == 3:  # unbounded above: as wide as can be
                continue
            if low.status != 0 or high.status != 0 or (-high.fun) - low.fun < protection:
                exposed.append(var)
    return exposed


def suppress(
    tables: list[Table], *, threshold: int = THRESHOLD, secondary: bool = True, protection: int = PROTECTION
) -> set[Var]:
    """Hide small counts in every table, then hide more until no hidden count can be computed
    exactly nor narrowed below the protection interval."""
    values: dict[Var, int] = {}
    for table in tables:
        values.update(table.values())
    hidden = {var for var, value in values.items() if 0 < value < threshold}
    small = set(hidden)
    equations = published_equations(tables)
    lines_of: dict[Var, list[int]] = defaultdict(list)
    for i, (cells, total) in enumerate(equations):
        for var in [*cells, total]:
            lines_of[var].append(i)
    if secondary:
        while True:
            # A line with exactly one hidden value gives it away: the cheap rule first.
            exposed = [
                var
                for cells, total in equations
                for var in [*cells, total]
                if var in hidden and sum(1 for v in [*cells, total] if v in hidden) == 1
            ]
            if not exposed:
                exposed = determined(equations, values, hidden)
            if exposed:
                _hide_partner(exposed[0], equations, lines_of, values, hidden)
                continue
            narrowed = narrow(equations, values, hidden, small, protection) if protection else []
            if not narrowed:
                break
            for var in narrowed:  # one more cell on a line of each, then check everything again
                _hide_partner(var, equations, lines_of, values, hidden)
    for table in tables:
        table.hidden = {v for v in table.values() if v in hidden}
    return hidden


def _hide_partner(
    var: Var,
    equations: list[tuple[list[Var], Var]],
    lines_of: dict[Var, list[int]],
    values: dict[Var, int],
    hidden: set[Var],
) -> None:
    """Hide the smallest shown count on one of var's lines (cells before totals, non-zero first)."""
    candidates = []
    for i in lines_of[var]:
        cells, total = equations[i]
        for other in [*cells, total]:
            if other not in hidden and other != var:
                candidates.append(other)
    if not candidates:  # every value on its lines is hidden already but it is still determined
        candidates = [v for v in values if v not in hidden]
    candidates.sort(key=lambda v: (values[v] == 0, v[0] != "cell", values[v], repr(v)))
    hidden.add(candidates[0])
