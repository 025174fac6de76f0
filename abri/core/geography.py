"""French geography, offline: régions, départements, towns and distances.

The data ships in ``geodata/`` beside this module (see ``docs/geography.md`` for its
source and licence). It is loaded once, on first use, into numpy arrays so that the
placement engine can compute distances for many shelters and places at a time.

This module is pure Python and numpy: it imports nothing from Django, so it can be
used and tested without settings or a database.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

DATA_DIR = Path(__file__).parent / "geodata"

#: Mean Earth radius (IUGG), the usual choice for great-circle distances.
EARTH_RADIUS_KM = 6371.0088

FloatArray = npt.NDArray[np.float64]

# Bounds the (points x towns) matrix built by distances_to_departement_km, so that a
# large batch of points cannot allocate gigabytes at once.
_CHUNK = 4096


@dataclass(frozen=True, slots=True)
class Region:
    """A région: INSEE code ("11") and name."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Departement:
    """A département: INSEE code ("13", "2A", "974"), name and région code."""

    code: str
    name: str
    region: str


@dataclass(frozen=True, slots=True)
class Commune:
    """A town: name, département code, WGS84 coordinates, population if known."""

    name: str
    departement: str
    lat: float
    lon: float
    population: int | None


@dataclass(frozen=True, slots=True)
class _Data:
    """Everything loaded from geodata/, built once by :func:`_data`."""

    regions: dict[str, Region]
    departements: dict[str, Departement]
    names: list[str]
    keys: list[str]  # normalised names, aligned with the arrays below
    codes: npt.NDArray[np.str_]
    lats: FloatArray
    lons: FloatArray
    populations: npt.NDArray[np.int64]  # -1 where GeoNames gives none
    by_departement: dict[str, npt.NDArray[np.intp]]


def _read(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@cache
def _data() -> _Data:
    # Loaded lazily so that importing the module (e.g. from Django's app registry)
    # costs nothing until geography is actually needed.
    regions = {r["code"]: Region(r["code"], r["name"]) for r in _read("regions.csv")}
    departements = {
        d["code"]: Departement(d["code"], d["name"], d["region"]) for d in _read("departements.csv")
    }
    rows = _read("communes.csv")
    codes = np.array([r["departement"] for r in rows], dtype=np.str_)
    return _Data(
        regions=regions,
        departements=departements,
        names=[r["name"] for r in rows],
        keys=[normalise(r["name"]) for r in rows],
        codes=codes,
        lats=np.array([float(r["lat"]) for r in rows], dtype=np.float64),
        lons=np.array([float(r["lon"]) for r in rows], dtype=np.float64),
        populations=np.array([int(r["population"] or -1) for r in rows], dtype=np.int64),
        by_departement={code: np.flatnonzero(codes == code) for code in departements},
    )


# "St", "Ste" and "Sts" are the usual abbreviations in addresses and forms.
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def normalise(text: str) -> str:
    """Reduce a place name to a comparison key.

    Accents, case, hyphens and apostrophes are dropped and "St"/"Ste" are expanded,
    so that "ST ETIENNE", "saint-etienne" and "Saint-Étienne" share one key.
    """
    # NFKD splits "é" into "e" + a combining accent, which is then dropped; the
    # ligatures are not decomposed by Unicode, so they are spelled out first.
    text = text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def _code(code: str) -> str:
    # Accept "1" or " 2a " as typed in a form; INSEE codes are zero-padded.
    code = code.strip().upper()
    return code.zfill(2) if code.isdigit() else code


def regions() -> list[Region]:
    """All 18 régions, sorted by INSEE code."""
    return sorted(_data().regions.values(), key=lambda r: r.code)


def departements() -> list[Departement]:
    """All 101 départements, in INSEE order ("01" … "19", "2A", "2B", "21" … "976")."""
    return list(_data().departements.values())


def departement(code: str) -> Departement:
    """The département with this INSEE code; raises KeyError if there is none."""
    try:
        return _data().departements[_code(code)]
    except KeyError:
        raise KeyError(f"unknown département code: {code!r}") from None


def region_of(departement_code: str) -> Region:
    """The région a département belongs to."""
    return _data().regions[departement(departement_code).region]


def _commune(data: _Data, i: int) -> Commune:
    population = int(data.populations[i])
    return Commune(
        name=data.names[i],
        departement=str(data.codes[i]),
        lat=float(data.lats[i]),
        lon=float(data.lons[i]),
        population=population if population >= 0 else None,
    )


def communes_in(code: str) -> list[Commune]:
    """Every shipped town of a département, most populous first."""
    data = _data()
    indices = data.by_departement[departement_code(code)]
    towns = [_commune(data, int(i)) for i in indices]
    return sorted(towns, key=lambda c: (-(c.population or 0), c.name))


def find_communes(name: str, departement: str | None = None, limit: int = 20) -> list[Commune]:
    """Towns whose name matches ``name``, best matches first.

    Matching ignores accents, case, hyphens, apostrophes and "St"/"Saint". Exact
    matches come first, then names that start with the query; within each group the
    most populous town comes first. Several towns share a name ("Saint-Denis" is in
    93 and 974, among others): pass ``departement`` to pick one.
    """
    data = _data()
    key = normalise(name)
    if not key:
        return []
    allowed = data.by_departement[departement_code(departement)] if departement else None
    indices = range(len(data.keys)) if allowed is None else allowed.tolist()
    exact: list[int] = []
    prefix: list[int] = []
    for i in indices:
        candidate = data.keys[i]
        if candidate == key:
            exact.append(i)
        elif candidate.startswith(key):
            prefix.append(i)

    def rank(i: int) -> tuple[int, str]:
        return (-int(data.populations[i]), data.keys[i])

    ordered = sorted(exact, key=rank) + sorted(prefix, key=rank)
    return [_commune(data, i) for i in ordered[:limit]]


def departement_code(code: str) -> str:
    """Validate and canonicalise a département code ("1" -> "01", "2a" -> "2A")."""
    return departement(code).code


def haversine_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Great-circle distance in km between points given in degrees.

    The arguments broadcast like any numpy operation: one point against an array of
    points, or a column against a row for a full distance matrix. Scalars give a 0-d
    array; wrap it in ``float()``.
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    # Rounding can push a a hair above 1 for antipodal points; arcsin would give NaN.
    distances: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return distances


def departement_points(code: str) -> tuple[FloatArray, FloatArray]:
    """Latitudes and longitudes of the towns of a département (read-only copies)."""
    data = _data()
    indices = data.by_departement[departement_code(code)]
    lats, lons = data.lats[indices], data.lons[indices]
    # Fancy indexing already copies; freezing them keeps callers from believing that
    # writing into them would change the shared data.
    lats.flags.writeable = False
    lons.flags.writeable = False
    return lats, lons


def distance_to_departement_km(lat: float, lon: float, code: str) -> float:
    """Distance from a point to a département, taken as its nearest town.

    A point inside the département is therefore at a few km at most, not 0: the
    towns are points, the département's outline is not shipped.
    """
    lats, lons = departement_points(code)
    return float(haversine_km(lat, lon, lats, lons).min())


def distances_to_departement_km(lats: npt.ArrayLike, lons: npt.ArrayLike, code: str) -> FloatArray:
    """:func:`distance_to_departement_km` for many points at once (same shape out)."""
    points_lat = np.asarray(lats, dtype=np.float64)
    points_lon = np.asarray(lons, dtype=np.float64)
    shape = np.broadcast_shapes(points_lat.shape, points_lon.shape)
    flat_lat = np.broadcast_to(points_lat, shape).ravel()
    flat_lon = np.broadcast_to(points_lon, shape).ravel()
    town_lat, town_lon = departement_points(code)
    result = np.empty(flat_lat.size, dtype=np.float64)
    for start in range(0, flat_lat.size, _CHUNK):
        stop = start + _CHUNK
        matrix = haversine_km(flat_lat[start:stop, None], flat_lon[start:stop, None], town_lat, town_lon)
        result[start:stop] = matrix.min(axis=1)
    return result.reshape(shape)


def departement_of_point(lat: float, lon: float) -> str:
    """Code of the département of the town nearest to a point.

    Good inland; near a border it may name the neighbour, and a point at sea or
    abroad still gets the nearest French département.
    """
    data = _data()
    nearest = int(np.argmin(haversine_km(lat, lon, data.lats, data.lons)))
    return str(data.codes[nearest])
