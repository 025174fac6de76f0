"""Small-count suppression for observers' tables, checked by linear algebra (SECURITY.md bar 15).

A published table has rows (régions), columns (categories), row totals, column totals and a grand
total. Tables about the same population (people followed in a year by gender, by age, by country…)
share their row totals and grand total: they are the same unknowns for an attacker, so they are
the same *variables* here, hidden or shown together.

1. Primary suppression: every count from 1 to 9 is hidden.
2. Secondary suppression: while some hidden value can be computed exactly from what is shown (a
   line with a single hidden cell, or any combination of lines: checked on the null space of the
   system of every published equation), hide the smallest shown count in one of that value's lines.

The result: no hidden value is a linear function of the published ones, across every table of the
year. Periods are disjoint calendar years and a région filter shows the same cells, so two views
can never be subtracted (tests/reports/test_suppression.py attacks it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

THRESHOLD = 10

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
        return None if var in self.hidden else value

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


def suppress(tables: list[Table], *, threshold: int = THRESHOLD, secondary: bool = True) -> set[Var]:
    """Hide small counts in every table, then hide more until nothing hidden can be computed."""
    values: dict[Var, int] = {}
    for table in tables:
        values.update(table.values())
    hidden = {var for var, value in values.items() if 0 < value < threshold}
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
            if not exposed:
                break
            _hide_partner(exposed[0], equations, lines_of, values, hidden)
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
