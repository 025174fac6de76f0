"""The annual activity report as a PDF: key numbers, each chart and the table behind it.

Drawn with reportlab: bars carry their value and each series its own hatching, so that a grey
print reads as well as the screen.
"""

from __future__ import annotations

import io
import itertools
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from abri.reports import selectors
from abri.reports.figures import Figure, _fmt

FILLS = [colors.HexColor("#0b4f8a"), colors.HexColor("#8a5300"), colors.HexColor("#1e6b34"),
         colors.HexColor("#6b2a8a"), colors.HexColor("#a1232b")]  # fmt: skip
WIDTH = 16.5 * cm


def _hatch(drawing: Drawing, series: int, x: float, y: float, w: float, h: float) -> None:
    """Texture per series (none, diagonals, horizontals, verticals, cross) in white over the fill."""
    kind = series % 5
    if kind == 0 or w < 3 or h < 3:
        return
    step = 4.0
    if kind in (1, 4):
        k = -h
        while k < w:
            x1, y1 = max(x, x + k), y + max(0, -k)
            x2, y2 = min(x + w, x + k + h), y + min(h, w - k)
            drawing.add(Line(x1, y1, x2, y2, strokeColor=colors.white, strokeWidth=0.8))
            k += step
    if kind == 2:
        yy = y + step / 2
        while yy < y + h:
            drawing.add(Line(x, yy, x + w, yy, strokeColor=colors.white, strokeWidth=0.8))
            yy += step
    if kind in (3, 4):
        xx = x + step / 2
        while xx < x + w:
            drawing.add(Line(xx, y, xx, y + h, strokeColor=colors.white, strokeWidth=0.8))
            xx += step


def _legend(drawing: Drawing, figure: Figure, y: float) -> None:
    x = 0.0
    for i, series in enumerate(figure.series):
        if figure.kind == "line":
            drawing.add(
                Line(
                    x - 2,
                    y + 4.5,
                    x + 11,
                    y + 4.5,
                    strokeColor=FILLS[i % 5],
                    strokeWidth=1.4,
                    strokeDashArray=None if i == 0 else [3, 2],
                )
            )
            _point(drawing, i, x + 4.5, y + 4.5)
        else:
            drawing.add(Rect(x, y, 9, 9, fillColor=FILLS[i % 5], strokeColor=colors.black, strokeWidth=0.3))
            _hatch(drawing, i, x, y, 9, 9)
        label = str(series.label)
        drawing.add(String(x + 12, y + 1, label, fontSize=7.5))
        x += 22 + 4.2 * len(label)


def _point(drawing: Drawing, series: int, x: float, y: float) -> None:
    """Filled squares for the first series, hollow ones for the second: told apart without colour."""
    fill = FILLS[0] if series == 0 else colors.white
    colour = FILLS[series % 5]
    drawing.add(Rect(x - 2.2, y - 2.2, 4.4, 4.4, fillColor=fill, strokeColor=colour, strokeWidth=1))


def chart(figure: Figure) -> Drawing:
    if figure.kind == "hbars":
        return _hbars(figure)
    return _vertical(figure)


def _hbars(figure: Figure) -> Drawing:
    values = figure.series[0].values
    row = 14.0
    height = row * len(values) + 6
    drawing = Drawing(WIDTH, height)
    label_w = 6.2 * cm
    bar_w = WIDTH - label_w - 40
    peak = max([v or 0 for v in values] + [1])
    for i, (category, value) in enumerate(zip(figure.categories, values, strict=True)):
        y = height - (i + 1) * row
        label = str(category)
        label = label if len(label) <= 46 else label[:45] + "…"  # the whole label is in the table
        drawing.add(String(label_w - 4, y + 3, label, fontSize=7.5, textAnchor="end"))
        w = bar_w * (value or 0) / peak
        if value:
            drawing.add(Rect(label_w, y + 1, w, row - 4, fillColor=FILLS[0], strokeColor=None))
        drawing.add(String(label_w + w + 4, y + 3, _fmt(value), fontSize=7.5))
    drawing.add(Line(label_w, 0, label_w, height, strokeColor=colors.black, strokeWidth=0.5))
    return drawing


def _vertical(figure: Figure) -> Drawing:
    stacked = figure.kind == "stacked"
    line = figure.kind == "line"
    n = max(1, len(figure.categories))
    height = 6.5 * cm
    drawing = Drawing(WIDTH, height)
    left, bottom, top = 28.0, 34.0, 14.0
    plot_h = height - bottom - top
    slot = (WIDTH - left) / n
    if stacked:
        peak = max([sum(s.values[i] or 0 for s in figure.series) for i in range(n)] + [1])
    else:
        peak = max([v or 0 for s in figure.series for v in s.values] + [1])
    scale = plot_h / peak
    drawing.add(Line(left, bottom, WIDTH, bottom, strokeColor=colors.black, strokeWidth=0.5))
    drawing.add(Line(left, bottom, left, height - top + 4, strokeColor=colors.black, strokeWidth=0.5))
    drawing.add(String(left - 3, bottom - 3, "0", fontSize=7, textAnchor="end"))
    drawing.add(String(left - 3, bottom + plot_h - 3, _fmt(peak), fontSize=7, textAnchor="end"))
    every = max(1, round(n / 13))
    for i, category in enumerate(figure.categories):
        x0 = left + i * slot
        if i % every == 0:
            drawing.add(String(x0 + slot / 2, bottom - 10, str(category), fontSize=6.5, textAnchor="middle"))
        if line:
            continue
        if stacked:
            y = bottom
            for j, series in enumerate(figure.series):
                h = (series.values[i] or 0) * scale
                if h <= 0:
                    continue
                drawing.add(
                    Rect(x0 + slot * 0.15, y, slot * 0.7, h, fillColor=FILLS[j % 5], strokeColor=None)
                )
                _hatch(drawing, j, x0 + slot * 0.15, y, slot * 0.7, h)
                y += h
            total = sum(s.values[i] or 0 for s in figure.series)
            drawing.add(String(x0 + slot / 2, y + 2, _fmt(total), fontSize=6.5, textAnchor="middle"))
        else:
            k = len(figure.series)
            bw = min(slot * 0.8 / k, 1.6 * cm)
            for j, series in enumerate(figure.series):
                value = series.values[i]
                x = x0 + slot / 2 - k * bw / 2 + j * bw
                h = (value or 0) * scale
                if value:
                    drawing.add(Rect(x, bottom, bw - 1, h, fillColor=FILLS[j % 5], strokeColor=None))
                    _hatch(drawing, j, x, bottom, bw - 1, h)
                drawing.add(
                    String(x + bw / 2, bottom + h + 2, _fmt(value), fontSize=6.5, textAnchor="middle")
                )
    if line:
        for j, series in enumerate(figure.series):
            points = [
                (left + i * slot + slot / 2, bottom + (v or 0) * scale)
                for i, v in enumerate(series.values)
                if v is not None
            ]
            for (x1, y1), (x2, y2) in itertools.pairwise(points):
                drawing.add(
                    Line(
                        x1,
                        y1,
                        x2,
                        y2,
                        strokeColor=FILLS[j % 5],
                        strokeWidth=1.4,
                        strokeDashArray=None if j == 0 else [3, 2],
                    )
                )
            values = [v for v in series.values if v is not None]
            for (x, y), value in zip(points, values, strict=True):
                _point(drawing, j, x, y)
                if n <= 13 and value:
                    dy = 4 if j == 0 or y - 9 < bottom + 2 else -9
                    drawing.add(String(x, y + dy, _fmt(value), fontSize=6.5, textAnchor="middle"))
    _legend(drawing, figure, 2)
    return drawing


def _table(figure: Figure, styles: Any) -> Table:
    data = figure.table()
    header = ["", *(str(h) if h != "total" else _("Total") for h in data["header"])]
    rows = [[str(c), *(_fmt(v) if not isinstance(v, str) else v for v in cells)] for c, cells in data["rows"]]
    table = Table([header, *rows], repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 7),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f5f8")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9d0d9")),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def annual_report(year: int) -> bytes:
    """The report for a calendar year: counts, then every section of the dashboard."""
    filters = selectors.year_filters(year)
    board = selectors.dashboard(filters)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=1.8 * cm,
        bottomMargin=1.8 * cm,
        title=_("Annual activity report %(year)s") % {"year": year},
        author="Abri",
    )
    styles = getSampleStyleSheet()
    story: list[Any] = [
        Paragraph(_("Annual activity report %(year)s") % {"year": year}, styles["Title"]),
        Paragraph(
            _("The network's activity from 1 January to 31 December %(year)s. Generated on %(date)s.")
            % {"year": year, "date": timezone.localdate().isoformat()},
            styles["Normal"],
        ),
        Spacer(1, 0.4 * cm),
    ]
    counts = board.counts
    key_rows = [
        [_("Requests received"), str(counts["requests"])],
        [_("People referred"), str(counts["persons"])],
        [_("Stays started"), str(counts["started"])],
        [_("Exits"), str(counts["ended"])],
        [_("Still sheltered on 31 December"), str(counts["ongoing"])],
    ]
    key = Table(key_rows, hAlign="LEFT", colWidths=[7 * cm, 3 * cm])
    key.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9d0d9")),
            ]
        )
    )
    story += [key, Spacer(1, 0.5 * cm)]
    for section, figures in board.sections:
        heading: list[Any] = [Paragraph(str(section), styles["Heading1"])]
        for figure in figures:
            block = [
                *heading,  # a section's title stays on the page of its first chart
                Paragraph(str(figure.title), styles["Heading3"]),
                *([Paragraph(str(figure.note), styles["Italic"])] if figure.note else []),
                chart(figure),
                Spacer(1, 0.2 * cm),
                _table(figure, styles),
                Spacer(1, 0.4 * cm),
            ]
            heading = []
            if len(figure.categories) <= 20:
                story.append(KeepTogether(block))
            else:
                story += block
    doc.build(story, onLaterPages=_footer, onFirstPage=_footer)
    return buffer.getvalue()


def _footer(canvas: Any, doc: Any) -> None:
    """On every page: the page number, and that the figures are not fit for publication (the
    dashboard's counts, small ones included: unlike the observers' tables, nothing is hidden)."""
    canvas.saveState()
    canvas.setFont("Helvetica", 7)
    canvas.drawString(
        2 * cm, 1 * cm, _("Internal document: small counts are not hidden — do not publish as is")
    )
    canvas.drawRightString(A4[0] - 2 * cm, 1 * cm, f"Abri · {doc.page}")
    canvas.restoreState()
