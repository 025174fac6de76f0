"""What a figure is: categories, one or more series of counts, the table behind it.

Selectors build figures from database aggregates; ``abri.reports.charts`` draws them as SVG for the
pages and ``abri.reports.pdf`` as reportlab drawings for the annual report. A value ``None`` is a
hidden cell (observers' small counts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

# A category that is a period: a year or a month ("2025", "2025-03").
PERIOD = re.compile(r"^\d{4}(-\d{2})?$")


@dataclass
class Series:
    label: Any
    values: list[float | None]


@dataclass
class Figure:
    key: str
    title: Any
    # "bars" (grouped vertical), "stacked" (stacked vertical), "hbars" (one series, horizontal), "line".
    kind: str
    categories: list[Any]
    series: list[Series]
    unit: Any = ""
    note: Any = ""
    # Shown after the chart when the figure has extra columns (a rate, a total).
    extra_columns: list[tuple[Any, list[Any]]] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(v or 0 for s in self.series for v in s.values)

    @property
    def is_empty(self) -> bool:
        return not any(v for s in self.series for v in s.values)

    def value(self, category: Any, series: int = 0) -> float | None:
        return self.series[series].values[self.categories.index(category)]

    def as_dict(self, series: int = 0) -> dict[str, float | None]:
        return {str(c): v for c, v in zip(self.categories, self.series[series].values, strict=True)}

    def table(self) -> dict[str, Any]:
        """Header and rows of the table behind the chart: one row per category, values as text."""
        header = [*(s.label for s in self.series)]
        if len(self.series) > 1 and self.kind == "stacked":
            header.append("total")
        header += [label for label, _values in self.extra_columns]
        rows = []
        for i, category in enumerate(self.categories):
            cells: list[Any] = [s.values[i] for s in self.series]
            if len(self.series) > 1 and self.kind == "stacked":
                cells.append(sum(v or 0 for v in cells))
            cells += [values[i] for _label, values in self.extra_columns]
            rows.append((category, [v if isinstance(v, str) else _fmt(v) for v in cells]))
        return {"header": header, "rows": rows}

    @property
    def over_time(self) -> bool:
        """Lines, and bars whose categories are months or years: values must not be added up."""
        return self.kind == "line" or (
            bool(self.categories) and all(PERIOD.match(str(c)) for c in self.categories)
        )

    def summary(self) -> str:
        """A sentence for screen readers. Over time: per series, the last value and the range
        (a sum across months of places or of medians means nothing). By category: the largest
        values of a single series, or each series' total."""
        if self.is_empty:
            return f"{self.title}: 0"
        if self.over_time:
            parts = []
            for s in self.series:
                known = [(c, v) for c, v in zip(self.categories, s.values, strict=True) if v is not None]
                if not known:
                    continue
                values = [v for _c, v in known]
                parts.append(
                    _("%(series)s: %(value)s in %(period)s (last), from %(low)s to %(high)s")
                    % {
                        "series": s.label,
                        "value": _fmt(known[-1][1]),
                        "period": known[-1][0],
                        "low": _fmt(min(values)),
                        "high": _fmt(max(values)),
                    }
                )
            return f"{self.title}: " + "; ".join(parts)
        if len(self.series) == 1:
            pairs = [
                (c, v) for c, v in zip(self.categories, self.series[0].values, strict=True) if v is not None
            ]
            top = sorted(pairs, key=lambda p: -(p[1] or 0))[:4]
            return f"{self.title}: " + "; ".join(f"{c} {_fmt(v)}" for c, v in top)
        totals = [f"{s.label} {_fmt(sum(v or 0 for v in s.values))}" for s in self.series if any(s.values)]
        return f"{self.title}: " + "; ".join(totals)


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"
