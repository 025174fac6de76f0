"""Figures as inline SVG: no script, no style attribute (strict CSP), colours from CSS classes.

Every chart reads without colour: each series has its own pattern (plain, stripes, dots, cross-
hatch…) or marker and dash, values are written next to the bars, and the table behind the chart
follows it in the page. ``role="img"`` with an ``aria-label`` gives the summary to screen readers.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from abri.reports.figures import Figure, _fmt

PATTERNS = 5
WIDTH = 720


def _defs(prefix: str) -> str:
    """One texture per series, drawn over the series colour."""
    return (
        "<defs>"
        f'<pattern id="{prefix}-p1" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" class="texture"/></pattern>'
        f'<pattern id="{prefix}-p2" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<circle cx="3" cy="3" r="1.4" class="texture-dot"/></pattern>'
        f'<pattern id="{prefix}-p3" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<path d="M0,4 h8" class="texture"/></pattern>'
        f'<pattern id="{prefix}-p4" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<path d="M0,0 l8,8 M8,0 l-8,8" class="texture"/></pattern>'
        "</defs>"
    )


def _rect(prefix: str, series: int, x: float, y: float, w: float, h: float) -> str:
    pattern = series % PATTERNS
    box = f'x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}"'
    out = f'<rect class="bar s{series % PATTERNS}" {box}/>'
    if pattern:
        out += f'<rect fill="url(#{prefix}-p{pattern})" {box}/>'
    return out


def _text(x: float, y: float, text: object, cls: str = "label", anchor: str = "start") -> str:
    return f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(str(text))}</text>'


def _legend(figure: Figure, prefix: str, y: float) -> str:
    out, x = "", 10.0
    for i, series in enumerate(figure.series):
        if figure.kind == "line":
            out += _marker(i, x + 8, y - 4) + f'<path class="line l{i % PATTERNS}" d="M{x},{y - 4} h16"/>'
        else:
            out += _rect(prefix, i, x, y - 11, 14, 14)
        label = str(series.label)
        out += _text(x + 20, y, label)
        x += 34 + 7.2 * len(label)
    return out


def _marker(series: int, x: float, y: float) -> str:
    if series % 2 == 0:
        return f'<circle class="marker m{series % PATTERNS}" cx="{x:.1f}" cy="{y:.1f}" r="4"/>'
    return f'<rect class="marker m{series % PATTERNS}" x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8"/>'


def _hbars(figure: Figure, prefix: str) -> tuple[str, int]:
    values = figure.series[0].values
    top = max([v or 0 for v in values] + [1])
    label_w = min(300, max(120, 7 * max((len(str(c)) for c in figure.categories), default=10)))
    bar_w = WIDTH - label_w - 70
    row_h = 26
    out = []
    fits = int(label_w / 6.8)
    for i, (category, value) in enumerate(zip(figure.categories, values, strict=True)):
        y = 10 + i * row_h
        label = str(category)
        if len(label) > fits:  # the whole label is in the table below and in the tooltip
            out.append(
                f'<text class="label" x="{label_w - 8:.1f}" y="{y + 15:.1f}" text-anchor="end">'
                f"<title>{escape(label)}</title>{escape(label[: fits - 1])}…</text>"
            )
        else:
            out.append(_text(label_w - 8, y + 15, label, anchor="end"))
        if value is None:
            out.append(_text(label_w + 4, y + 15, "< 10", cls="value hidden-value"))
            continue
        w = bar_w * (value / top)
        out.append(_rect(prefix, 0, label_w, y + 2, max(w, 1 if value else 0), row_h - 8))
        out.append(_text(label_w + w + 6, y + 15, _fmt(value), cls="value"))
    height = 20 + len(values) * row_h
    out.append(f'<path class="axis" d="M{label_w},6 V{height - 8}"/>')
    return "".join(out), height


def _vertical(figure: Figure, prefix: str, stacked: bool) -> tuple[str, int]:
    n = max(1, len(figure.categories))
    k = len(figure.series)
    height, top_pad, bottom = 300, 24, 40
    plot_h = height - top_pad - bottom
    left, right = 44, 10
    slot = (WIDTH - left - right) / n
    if stacked:
        sums = [sum(s.values[i] or 0 for s in figure.series) for i in range(n)]
        peak = max([*sums, 1])
    else:
        peak = max([v or 0 for s in figure.series for v in s.values] + [1])
    scale = plot_h / peak
    base = top_pad + plot_h
    out = [f'<path class="axis" d="M{left},{top_pad - 6} V{base} H{WIDTH - right}"/>']
    out.append(_text(left - 6, base + 4, "0", cls="tick", anchor="end"))
    out.append(_text(left - 6, top_pad + 4, _fmt(peak), cls="tick", anchor="end"))
    out.append(f'<path class="grid" d="M{left},{top_pad} H{WIDTH - right}"/>')
    every = max(1, round(n / 13))
    for i, category in enumerate(figure.categories):
        x0 = left + i * slot
        if i % every == 0:
            out.append(_text(x0 + slot / 2, base + 16, category, cls="tick", anchor="middle"))
        if stacked:
            y: float = base
            bw = slot * 0.7
            for j, series in enumerate(figure.series):
                value = series.values[i] or 0
                h = value * scale
                if h <= 0:
                    continue
                y -= h
                out.append(_rect(prefix, j, x0 + slot * 0.15, y, bw, h))
                if h >= 15 and bw >= 22:
                    out.append(
                        _text(x0 + slot / 2, y + h / 2 + 4, _fmt(value), cls="value inside", anchor="middle")
                    )
            total = sum(s.values[i] or 0 for s in figure.series)
            out.append(_text(x0 + slot / 2, y - 4, _fmt(total), cls="value", anchor="middle"))
        else:
            bw = min(slot * 0.8 / k, 60)
            for j, series in enumerate(figure.series):
                cell = series.values[i]
                x = x0 + slot / 2 - k * bw / 2 + j * bw
                if cell is None:
                    out.append(_text(x + bw / 2, base - 4, "–", cls="value", anchor="middle"))
                    continue
                h = cell * scale
                out.append(_rect(prefix, j, x, base - h, bw - 2, h))
                out.append(_text(x + bw / 2, base - h - 4, _fmt(cell), cls="value", anchor="middle"))
    return "".join(out), height


def _line(figure: Figure, prefix: str) -> tuple[str, int]:
    n = max(1, len(figure.categories))
    height, top_pad, bottom = 300, 24, 40
    plot_h = height - top_pad - bottom
    left, right = 44, 20
    step = (WIDTH - left - right) / max(1, n - 1) if n > 1 else 0
    peak = max([v or 0 for s in figure.series for v in s.values] + [1])
    scale = plot_h / peak
    base = top_pad + plot_h
    out = [f'<path class="axis" d="M{left},{top_pad - 6} V{base} H{WIDTH - right}"/>']
    out.append(_text(left - 6, base + 4, "0", cls="tick", anchor="end"))
    out.append(_text(left - 6, top_pad + 4, _fmt(peak), cls="tick", anchor="end"))
    every = max(1, round(n / 13))
    for i, category in enumerate(figure.categories):
        if i % every == 0:
            out.append(_text(left + i * step, base + 16, category, cls="tick", anchor="middle"))
    for j, series in enumerate(figure.series):
        points = [
            (left + i * step, base - (v or 0) * scale) for i, v in enumerate(series.values) if v is not None
        ]
        if not points:
            continue
        d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points)
        out.append(f'<path class="line l{j % PATTERNS}" d="{d}"/>')
        for (x, y), value in zip(points, [v for v in series.values if v is not None], strict=True):
            out.append(_marker(j, x, y))
            if n <= 13 and value:
                dy = -8 if j % 2 == 0 or y + 16 > base - 4 else 16
                out.append(_text(x, y + dy, _fmt(value), cls="value", anchor="middle"))
    return "".join(out), height


def render_svg(figure: Figure) -> SafeString:
    prefix = f"fig-{escape(figure.key)}"
    if figure.kind == "hbars":
        body, height = _hbars(figure, prefix)
        legend = ""
    else:
        body, height = (
            _line(figure, prefix)
            if figure.kind == "line"
            else _vertical(figure, prefix, stacked=figure.kind == "stacked")
        )
        legend = _legend(figure, prefix, height + 14)
        height += 24
    return mark_safe(  # noqa: S308  every text is escaped above
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(figure.summary())}" xmlns="http://www.w3.org/2000/svg">'
        f"{_defs(prefix)}{body}{legend}</svg>"
    )
