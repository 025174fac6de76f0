"""A map of metropolitan France as an inline SVG string, for the network board.

The map is drawn on the server from the town coordinates shipped in
:mod:`abri.core.geography`: no tile server, no CDN and no JavaScript, so it works
offline, leaks no shelter location to a third party and fits the site's strict
Content-Security-Policy. For the same reason it uses presentation attributes only
(``fill``, ``stroke``…): an inline ``<style>`` element or ``style=`` attribute would
be blocked by ``style-src 'self'``.

France's shape is suggested by one light-grey dot per shipped town; each shelter is
a circle whose *area* is proportional to its free places, so that a shelter with 4
places looks twice as wide as one with 1, not four times. A shelter with no free
place is a hollow ring: it stays visible, and differs from the others by shape, not
by colour alone (WCAG 1.4.1).

This module is pure Python (plus numpy through geography): it imports nothing from
Django, so it can be tested without settings or a database.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from abri.core import geography

__all__ = ["MapPoint", "france_map_svg", "project"]

# Metropolitan France, Corsica included, with a little slack around the extreme
# towns (Ouessant to Corsica, the Pyrenees to Dunkirk). Points outside are the
# overseas départements (or bad coordinates) and are counted instead of drawn.
LAT_MIN, LAT_MAX = 41.0, 51.5
LON_MIN, LON_MAX = -5.5, 10.0

# The frame actually drawn: the extreme shipped towns plus a hair, so that France
# fills the picture rather than the slack above.
_VIEW_LAT_MIN, _VIEW_LAT_MAX = 41.30, 51.15
_VIEW_LON_MIN, _VIEW_LON_MAX = -5.20, 9.62

# Equirectangular projection at France's mid latitude: a degree of longitude is
# cos(46.5°) times shorter than a degree of latitude there, so this keeps the shape
# right to within a few percent from Dunkirk to Perpignan, with no GIS library.
_LON_FACTOR = math.cos(math.radians(46.5))

_MARGIN_RATIO = 0.02  # of the width, on each side

# Colours: a strong blue that keeps a contrast above 3:1 against both the grey dots
# and the white page (WCAG 1.4.11 for graphical objects), a dark ring for "none
# free", and dots light enough to stay in the background.
_FILL = "#0b4f8a"
_RING = "#1f2933"
_DOTS = "#b8c0ca"
_TEXT = "#1f2933"
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

_OVERSEAS = frozenset({"971", "972", "973", "974", "975", "976"})

# Characters that XML 1.0 forbids even when escaped: a label pasted from elsewhere
# could carry one, and a single one would make the whole page's SVG invalid.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# An SVG <a> with a javascript: URL runs script on click; the hrefs come from the
# caller's reverse(), but a map is no place to accept anything but web links.
_SAFE_SCHEMES = frozenset({"", "http", "https"})


@dataclass(frozen=True)
class MapPoint:
    """A shelter on the map.

    ``value`` is the number of free places now (0 is drawn as a hollow ring);
    ``label`` is the accessible name and tooltip, e.g. "CHRS L'Escale, Annonay: 2
    places libres"; ``href`` links the circle to the shelter's page.
    """

    lat: float
    lon: float
    value: int
    label: str
    href: str | None = None

    def __post_init__(self) -> None:
        # Fail loudly on data that cannot be drawn honestly rather than guess.
        if self.value < 0:
            raise ValueError(f"free places cannot be negative: {self.value}")
        if not (math.isfinite(self.lat) and math.isfinite(self.lon)):
            raise ValueError(f"coordinates must be finite: {self.lat}, {self.lon}")
        if self.href is not None and urlsplit(self.href).scheme.lower() not in _SAFE_SCHEMES:
            raise ValueError(f"only relative or http(s) links are allowed: {self.href!r}")


@dataclass(frozen=True, slots=True)
class _Frame:
    """Size of the drawing and the affine map from (lon, lat) to pixels."""

    width: int
    height: int
    scale: float  # pixels per degree of latitude
    margin: float


@lru_cache(maxsize=16)
def _frame(width: int) -> _Frame:
    margin = width * _MARGIN_RATIO
    span_x = (_VIEW_LON_MAX - _VIEW_LON_MIN) * _LON_FACTOR
    span_y = _VIEW_LAT_MAX - _VIEW_LAT_MIN
    scale = (width - 2 * margin) / span_x
    height = math.ceil(span_y * scale + 2 * margin)
    return _Frame(width=width, height=height, scale=scale, margin=margin)


def project(lat: float, lon: float, width: int = 640) -> tuple[float, float]:
    """Pixel position (x, y) of a point on a map ``width`` pixels wide.

    y grows downwards, as in SVG: north is up, east is right.
    """
    f = _frame(width)
    x = f.margin + (lon - _VIEW_LON_MIN) * _LON_FACTOR * f.scale
    y = f.margin + (_VIEW_LAT_MAX - lat) * f.scale
    return x, y


def _num(value: float) -> str:
    # One decimal is a tenth of a pixel: invisible, and it keeps the SVG small and
    # the output identical from run to run.
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _text(value: str) -> str:
    return escape(_XML_ILLEGAL.sub("", value))


def _attr(value: str) -> str:
    # quoteattr adds the quotes and escapes &, <, > and the quote character.
    return quoteattr(_XML_ILLEGAL.sub("", value))


def _is_metropolitan(lat: float, lon: float) -> bool:
    return LAT_MIN <= lat <= LAT_MAX and LON_MIN <= lon <= LON_MAX


def _tenths(value: int) -> str:
    # A coordinate held in integer tenths of a pixel, written as the shortest
    # decimal ("12.5", "-.5", "3"): the background path is 8,600 of them.
    sign = "-" if value < 0 else ""
    whole, tenth = divmod(abs(value), 10)
    if tenth == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole or ''}.{tenth}"


@lru_cache(maxsize=8)
def _background(width: int) -> str:
    """The ``<path>`` drawing one dot per metropolitan town; cached, towns never change."""
    data = geography._data()
    codes = data.codes
    keep = ~np.isin(codes, list(_OVERSEAS))
    keep &= (data.lats >= LAT_MIN) & (data.lats <= LAT_MAX)
    keep &= (data.lons >= LON_MIN) & (data.lons <= LON_MAX)
    f = _frame(width)
    xs = f.margin + (data.lons[keep] - _VIEW_LON_MIN) * _LON_FACTOR * f.scale
    ys = f.margin + (_VIEW_LAT_MAX - data.lats[keep]) * f.scale
    # Integer tenths of a pixel: the deltas below are then exact, so relative moves
    # never drift however many dots are chained.
    points = sorted({(round(float(x) * 10), round(float(y) * 10)) for x, y in zip(xs, ys, strict=True)})
    # Visit the dots in horizontal bands, alternating direction, so that each move
    # is a short hop: relative moves of a few pixels take about 10 characters, where
    # absolute ones take 14. That keeps the whole map well under 150 KB.
    band_height = max(10, round(f.scale * 10 * 0.12))  # about 0.12° of latitude
    bands: dict[int, list[tuple[int, int]]] = {}
    for x, y in points:
        bands.setdefault(y // band_height, []).append((x, y))
    parts: list[str] = []
    previous: tuple[int, int] | None = None
    for index, band_no in enumerate(sorted(bands)):
        band = sorted(bands[band_no], reverse=index % 2 == 1)
        for x, y in band:
            if previous is None:
                parts.append(f"M{_tenths(x)} {_tenths(y)}h0")
            else:
                dy = y - previous[1]
                dy_text = _tenths(dy)
                # A minus sign already separates two numbers in path data.
                sep = "" if dy_text.startswith("-") else " "
                parts.append(f"m{_tenths(x - previous[0])}{sep}{dy_text}h0")
            previous = (x, y)
    dot = _num(max(1.6, width / 215))
    # A zero-length subpath ("h0") with round caps is drawn as a dot of the stroke's
    # width: one element for 8,600 towns instead of 8,600 <circle> elements.
    return (
        f'<path d="{"".join(parts)}" fill="none" stroke="{_DOTS}" stroke-width="{dot}" '
        'stroke-linecap="round" aria-hidden="true"/>'
    )


# Large cities named on the map so that a coordinator finds their way at a glance. Their
# coordinates are the cities' centres (public knowledge); the names are proper nouns, the same
# in every language. Labels are drawn over the shelters but never catch the pointer (a click on a
# name reaches the shelter under it), and are hidden from assistive technologies: the shelters
# carry their town in their own accessible names.
_LANDMARKS: tuple[tuple[str, float, float, str], ...] = (
    # name, latitude, longitude, side of the name ("w": to the west, near the eastern edge or
    # where the eastern side would cover a neighbour's name)
    ("Paris", 48.86, 2.35, "e"),
    ("Lille", 50.63, 3.06, "e"),
    ("Strasbourg", 48.57, 7.75, "w"),
    ("Rennes", 48.11, -1.68, "e"),
    ("Nantes", 47.22, -1.55, "e"),
    ("Dijon", 47.32, 5.04, "e"),
    ("Lyon", 45.76, 4.84, "e"),
    ("Clermont-Ferrand", 45.78, 3.08, "w"),
    ("Bordeaux", 44.84, -0.58, "e"),
    ("Toulouse", 43.60, 1.44, "e"),
    ("Montpellier", 43.61, 3.88, "e"),
    ("Marseille", 43.30, 5.37, "e"),
    ("Nice", 43.70, 7.27, "w"),
)


@lru_cache(maxsize=8)
def _landmarks(width: int) -> str:
    """The names of the large cities, with a small square at each (not a circle: not a shelter)."""
    font = max(10.0, width / 62)
    square = max(3.0, width / 210)
    parts = [
        '<g class="landmarks" aria-hidden="true" pointer-events="none" '
        f'font-family={_attr(_FONT)} font-size="{_num(font)}" fill="{_TEXT}" '
        # A white halo under each letter keeps the name legible over the dots and circles.
        'stroke="#ffffff" stroke-width="2.5" paint-order="stroke" stroke-linejoin="round">'
    ]
    for name, lat, lon, toward in _LANDMARKS:
        x, y = project(lat, lon, width)
        parts.append(
            f'<rect x="{_num(x - square / 2)}" y="{_num(y - square / 2)}" width="{_num(square)}" '
            f'height="{_num(square)}" stroke-width="1"/>'
        )
        east = toward == "e"
        text_x = x + square if east else x - square
        anchor = "start" if east else "end"
        parts.append(
            f'<text x="{_num(text_x)}" y="{_num(y + font * 0.35)}" text-anchor="{anchor}">'
            f"{_text(name)}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _base_radius(width: int) -> float:
    # About 5 px for one place on a 640 px map: big enough to see and hover on a
    # laptop, small enough that the shelters around Paris or Lyon do not merge.
    # Rounded to the tenth written in the SVG, so that r(4) is exactly 2 * r(1) in
    # the output too, not off by a rounding.
    return round(width / 125, 1)


def _radius(value: int, width: int) -> float:
    # Area proportional to the value: the eye compares areas, not radii. A shelter
    # with no free place keeps the radius of one place, drawn as a ring.
    return _base_radius(width) * math.sqrt(max(value, 1))


def _marker(x: float, y: float, value: int, width: int) -> str:
    r = _num(_radius(value, width))
    if value == 0:
        # pointer-events="visible" makes the inside of the ring hoverable and
        # clickable too, not only its 2 px stroke.
        return (
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{r}" fill="none" stroke="{_RING}" '
            'stroke-width="2" pointer-events="visible"/>'
        )
    # Semi-transparent fill so that overlapping shelters show through each other; the
    # white stroke separates neighbours.
    return (
        f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{r}" fill="{_FILL}" fill-opacity="0.78" '
        'stroke="#ffffff" stroke-width="1.2"/>'
    )


def _legend(
    frame: _Frame, legend_title: str, legend_values: Sequence[int], zero_label: str, font: float
) -> str:
    """The key, bottom-left (the Bay of Biscay and Spain: no town is hidden there)."""
    width = frame.width
    values = [v for v in legend_values if v > 0]
    r_max = max([_radius(v, width) for v in values] + [_radius(0, width)])
    pad = font * 0.6
    column = pad + r_max  # centre of the legend circles
    text_x = column + r_max + font * 0.5
    rows: list[tuple[int, str]] = [(v, str(v)) for v in values] + [(0, zero_label)]
    # Rows as tall as their circle (at least a line of text), stacked under the title.
    heights = [max(2 * _radius(v, width) + 4, font * 1.4) for v, _ in rows]
    title_h = font * 1.5
    box_h = pad + title_h + sum(heights) + pad * 0.5
    # No font metrics on the server: 0.6 em per character is a safe upper estimate
    # for a sans-serif, so the white box always covers the text.
    longest_row = max(len(t) for _, t in rows) * font * 0.6
    box_w = max(len(legend_title) * font * 0.62 + 2 * pad, text_x + longest_row + pad)
    left = frame.margin
    top = frame.height - frame.margin - box_h
    parts = [
        f'<g class="legend" aria-hidden="true" transform="translate({_num(left)} {_num(top)})" '
        f'font-family={_attr(_FONT)} font-size="{_num(font)}" fill="{_TEXT}">',
        # Slightly translucent white so that the key stays legible over stray dots.
        f'<rect width="{_num(box_w)}" height="{_num(box_h)}" rx="4" fill="#ffffff" '
        'fill-opacity="0.9" stroke="#d5dae0"/>',
        f'<text x="{_num(pad)}" y="{_num(pad + font)}" font-weight="600">{_text(legend_title)}</text>',
    ]
    y = pad + title_h
    for (value, text), h in zip(rows, heights, strict=True):
        cy = y + h / 2
        parts.append(_marker(column, cy, value, width).replace(' pointer-events="visible"', ""))
        # dominant-baseline is unevenly supported; a third of an em below the
        # centre puts the text's middle on the circle's centre in practice.
        parts.append(f'<text x="{_num(text_x)}" y="{_num(cy + font * 0.35)}">{_text(text)}</text>')
        y += h
    parts.append("</g>")
    return "".join(parts)


def france_map_svg(
    points: Sequence[MapPoint],
    *,
    title: str,
    description: str,
    width: int = 640,
    legend_title: str = "Free places",
    legend_values: Sequence[int] = (1, 2, 3),
    zero_label: str = "none free",
    overseas_note: str = "+{count} overseas",
    id_prefix: str = "france-map",
) -> str:
    """Draw metropolitan France with ``points`` as circles sized by their value.

    Returns an ``<svg>`` element to insert in a page as is (mark it safe in the
    template: every text in it is escaped here). ``title`` and ``description`` are
    its accessible name and description; ``legend_*`` and ``zero_label`` are the
    key's texts, and ``overseas_note`` (with ``{count}``) the note telling how many
    points lay outside metropolitan France and were left out: the caller lists them
    in its table. All texts are parameters so that the caller can translate them.

    ``id_prefix`` names the ``<title>`` and ``<desc>`` ids; give each map on a page
    its own. The output depends only on the arguments, so it can be cached or
    compared in tests. Points are drawn largest first so that small circles stay on
    top, hoverable and clickable; ties keep the caller's order.
    """
    if width < 160:
        raise ValueError(f"width too small for a readable map: {width}")
    frame = _frame(width)
    font = max(11.0, width / 50)
    title_id = f"{id_prefix}-title"
    desc_id = f"{id_prefix}-desc"
    inside = [p for p in points if _is_metropolitan(p.lat, p.lon)]
    skipped = len(points) - len(inside)
    has_links = any(p.href for p in inside)
    # role="img" makes assistive technologies treat the SVG as one picture and hide
    # its children, which would hide the links; with links it is a group whose
    # children (the shelters) can be reached one by one.
    role = "group" if has_links else "img"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{frame.height}" '
        f'viewBox="0 0 {width} {frame.height}" role="{role}" '
        f'aria-labelledby="{_text(title_id)} {_text(desc_id)}">',
        f"<title id={_attr(title_id)}>{_text(title)}</title>",
        f"<desc id={_attr(desc_id)}>{_text(description)}</desc>",
        _background(width),
    ]
    # sorted() is stable: equal values keep the caller's order, so the output is
    # deterministic for a given input.
    for p in sorted(inside, key=lambda p: -p.value):
        x, y = project(p.lat, p.lon, width)
        marker = _marker(x, y, p.value, width)
        label = _attr(p.label)
        tooltip = f"<title>{_text(p.label)}</title>"
        if p.href:
            # SVG <a> elements are focusable with the keyboard; the site's CSS gives
            # "svg a:focus circle" a visible outline.
            parts.append(f"<a href={_attr(p.href)} aria-label={label}>{tooltip}{marker}</a>")
        else:
            parts.append(f'<g role="img" aria-label={label}>{tooltip}{marker}</g>')
    parts.append(_landmarks(width))  # above the shelters so that names stay legible
    parts.append(_legend(frame, legend_title, legend_values, zero_label, font))
    if skipped:
        note = overseas_note.format(count=skipped)
        # Top-left is the Channel off Brittany: empty, and read first.
        parts.append(
            f'<text x="{_num(frame.margin)}" y="{_num(frame.margin + font)}" '
            f'font-family={_attr(_FONT)} font-size="{_num(font)}" fill="{_TEXT}">{_text(note)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
