"""The prepared instance: every hard constraint and every cost, as numpy matrices.

Rows are requests, columns shelters, both in the problem's canonical (id) order. Building the
instance is the only place where the problem's Python objects are turned into arrays; the
solvers, the ranking and the explanations all read these arrays, so they agree by construction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from . import reasons as rc
from .geo import haversine_km, nearest_km
from .problem import GENDERS, Problem
from .weights import Weights

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Requests per block when filling the request × shelter matrices: bounds the temporary
#: memory of the zone distances (block × zones × shelters) at realistic sizes.
_BLOCK = 512


@dataclass(frozen=True)
class Instance:
    """A problem turned into matrices (n requests × m shelters) and units (link groups).

    A *unit* is a set of requests linked together (a singleton when not linked): it goes to one
    shelter as a whole or stays unplaced, so the solvers work on units.
    """

    problem: Problem
    weights: Weights
    places: IntArray  # (m,)
    size: IntArray  # (n,) household sizes
    priority: IntArray  # (n,)
    min_km: FloatArray  # (n,) the minimum distance that applies to each request
    fail: npt.NDArray[np.uint8]  # (n, m) first failed constraint, 0 when eligible
    nearest_km: FloatArray  # (n, m) distance to the nearest danger zone's edge (inf: none)
    cost: IntArray  # (n, m) integer cost of the pair (meaningful where eligible)
    units: tuple[IntArray, ...]  # request indices of each unit, sorted
    unit_of: IntArray  # (n,) the unit of each request
    unit_size: IntArray
    unit_priority: IntArray
    unit_eligible: BoolArray  # (u, m)
    unit_cost: IntArray  # (u, m)
    departement_points: Mapping[str, FloatArray]

    @property
    def eligible(self) -> BoolArray:
        out: BoolArray = self.fail == rc.ELIGIBLE
        return out

    @property
    def unit_case(self) -> bool:
        """True when every unit is one request of one person: the transportation case."""
        return bool(len(self.units) == len(self.size) and np.all(self.unit_size == 1))


def prepare(
    problem: Problem,
    weights: Weights | None = None,
    departement_points: Mapping[str, npt.ArrayLike] | None = None,
) -> Instance:
    """Evaluate every hard constraint and cost of ``problem``.

    ``departement_points`` maps a département code to the (lat, lon) of its communes, shape
    (k, 2) in degrees. The problem file only names départements, so the caller who knows the
    geography (the Django adapter, with the real communes) supplies it. For a département zone
    without points, the engine still excludes the shelters located in it, but cannot measure a
    distance to it, so no minimum distance is enforced from that département.
    """
    weights = weights or Weights()
    points = _check_points(departement_points or {})
    sh, rq = problem.shelters, problem.requests
    n, m = len(rq), len(sh)
    places = np.array([s.places_free for s in sh], dtype=np.int64)
    size = np.array([r.household.size for r in rq], dtype=np.int64)
    priority = np.array([r.priority for r in rq], dtype=np.int64)
    min_km = np.array(
        [problem.min_distance_km if r.min_distance_km is None else r.min_distance_km for r in rq],
        dtype=np.float64,
    )
    fail = np.zeros((n, m), dtype=np.uint8)
    nearest = np.full((n, m), np.inf)
    cost = np.zeros((n, m), dtype=np.int64)
    dep_cache: dict[str, FloatArray] = {}
    for start in range(0, n, _BLOCK):
        rows = np.arange(start, min(n, start + _BLOCK))
        f, d = _hard_constraints(problem, rows, places, size, min_km, points, dep_cache)
        fail[rows], nearest[rows] = f, d
        total = np.zeros((len(rows), m), dtype=np.int64)
        for _, term in iter_terms(problem, weights, rows, places, size, min_km, d):
            total += term
        cost[rows] = total
    units, unit_of = _link_groups(problem)
    _apply_links(fail, units, places, size)
    if len(units) == n:
        unit_size, unit_priority = size, priority
        unit_eligible: BoolArray = fail == rc.ELIGIBLE
        unit_cost = cost
    else:
        unit_size = np.array([size[u].sum() for u in units], dtype=np.int64)
        unit_priority = np.array([priority[u].sum() for u in units], dtype=np.int64)
        unit_eligible = np.array([fail[u[0]] == rc.ELIGIBLE for u in units]).reshape(-1, m)
        unit_cost = np.array([cost[u].sum(axis=0) for u in units], dtype=np.int64).reshape(-1, m)
    return Instance(
        problem=problem,
        weights=weights,
        places=places,
        size=size,
        priority=priority,
        min_km=min_km,
        fail=fail,
        nearest_km=nearest,
        cost=cost,
        units=units,
        unit_of=unit_of,
        unit_size=unit_size,
        unit_priority=unit_priority,
        unit_eligible=unit_eligible,
        unit_cost=unit_cost,
        departement_points=points,
    )


def _check_points(raw: Mapping[str, npt.ArrayLike]) -> dict[str, FloatArray]:
    out: dict[str, FloatArray] = {}
    for code, value in raw.items():
        arr = np.asarray(value, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] == 0:
            raise ValueError(f"departement_points[{code!r}] must have shape (k, 2), k >= 1")
        if np.any(np.abs(arr[:, 0]) > 90) or np.any(np.abs(arr[:, 1]) > 180):
            raise ValueError(f"departement_points[{code!r}] has coordinates out of range")
        out[code] = arr
    return out


def zone_distances(
    problem: Problem,
    i: int,
    points: Mapping[str, FloatArray],
    cache: dict[str, FloatArray] | None = None,
) -> list[FloatArray | None]:
    """Per danger zone of request ``i``: distance from each shelter to the zone's edge.

    None for a département zone whose communes were not supplied (no distance to measure).
    Used by the explanations; the matrices are built by the batched code below.
    """
    lat, lon = _shelter_coords(problem)
    cache = {} if cache is None else cache
    out: list[FloatArray | None] = []
    for z in problem.requests[i].danger_zones:
        if z.departement is not None:
            out.append(_departement_distance(z.departement, lat, lon, points, cache))
        else:
            assert z.lat is not None and z.lon is not None and z.radius_km is not None
            out.append(haversine_km(lat, lon, z.lat, z.lon) - z.radius_km)
    return out


def _shelter_coords(problem: Problem) -> tuple[FloatArray, FloatArray]:
    lat = np.array([s.lat for s in problem.shelters], dtype=np.float64)
    lon = np.array([s.lon for s in problem.shelters], dtype=np.float64)
    return lat, lon


def _departement_distance(
    code: str,
    lat: FloatArray,
    lon: FloatArray,
    points: Mapping[str, FloatArray],
    cache: dict[str, FloatArray],
) -> FloatArray | None:
    """Distance from each shelter to the nearest commune of ``code``, cached per code."""
    pts = points.get(code)
    if pts is None:
        return None
    if code not in cache:
        cache[code] = nearest_km(lat, lon, pts)
    return cache[code]


def _zone_matrices(
    problem: Problem,
    rows: IntArray,
    points: Mapping[str, FloatArray],
    dep_cache: dict[str, FloatArray],
) -> tuple[FloatArray, BoolArray]:
    """Nearest danger distance and "inside a danger département" for the requests ``rows``.

    All the zones of the block are evaluated in one batch, then reduced per request with
    ``reduceat`` (zones are listed request after request), instead of a Python loop per zone.
    """
    lat, lon = _shelter_coords(problem)
    m = len(lat)
    dep_codes = sorted({s.departement for s in problem.shelters})
    dep_id = {c: k for k, c in enumerate(dep_codes)}
    shelter_dep = np.array([dep_id[s.departement] for s in problem.shelters], dtype=np.int64)
    d_owner: list[int] = []  # request (within the block) of each measurable zone
    d_rows: list[FloatArray] = []
    p_owner: list[int] = []
    p_zone: list[tuple[float, float, float]] = []
    in_owner: list[int] = []  # request of each département zone
    in_code: list[int] = []
    for k, i in enumerate(rows):
        for z in problem.requests[int(i)].danger_zones:
            if z.departement is not None:
                in_owner.append(k)
                in_code.append(dep_id.get(z.departement, -1))
                d = _departement_distance(z.departement, lat, lon, points, dep_cache)
                if d is not None:
                    d_owner.append(k)
                    d_rows.append(d)
            else:
                assert z.lat is not None and z.lon is not None and z.radius_km is not None
                p_owner.append(k)
                p_zone.append((z.lat, z.lon, z.radius_km))
    nearest = np.full((len(rows), m), np.inf)
    if p_zone:
        pz = np.array(p_zone, dtype=np.float64)
        dist = haversine_km(pz[:, :1], pz[:, 1:2], lat[None, :], lon[None, :]) - pz[:, 2:3]
        _min_into(nearest, np.array(p_owner, dtype=np.int64), dist)
    if d_rows:
        _min_into(nearest, np.array(d_owner, dtype=np.int64), np.vstack(d_rows))
    inside = np.zeros((len(rows), m), dtype=np.bool_)
    if in_owner:
        hit = np.array(in_code, dtype=np.int64)[:, None] == shelter_dep[None, :]
        owner = np.array(in_owner, dtype=np.int64)
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        inside[owner[starts]] = np.logical_or.reduceat(hit, starts, axis=0)
    return nearest, inside


def _min_into(target: FloatArray, owner: IntArray, values: FloatArray) -> None:
    """target[owner[z]] = min(target[owner[z]], values[z]) for owner sorted ascending."""
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    target[owner[starts]] = np.minimum(target[owner[starts]], np.minimum.reduceat(values, starts, axis=0))


def _hard_constraints(
    problem: Problem,
    rows: IntArray,
    places: IntArray,
    size: IntArray,
    min_km: FloatArray,
    points: Mapping[str, FloatArray],
    dep_cache: dict[str, FloatArray],
) -> tuple[npt.NDArray[np.uint8], FloatArray]:
    """First failed constraint and nearest danger distance for the requests ``rows``."""
    sh = problem.shelters
    m = len(sh)
    reqs = [problem.requests[i] for i in rows]
    nearest, inside = _zone_matrices(problem, rows, points, dep_cache)
    acc = np.array([[g in s.accepts.genders for g in GENDERS] for s in sh], dtype=np.bool_).reshape(m, -1)
    has = np.array([[g in r.household.adults for g in GENDERS] for r in reqs], dtype=np.bool_).reshape(
        len(rows), -1
    )
    gender_bad = (has.astype(np.float32) @ (~acc).astype(np.float32).T) > 0
    couples = np.array([s.accepts.couples for s in sh], dtype=np.bool_)
    max_children = np.array([s.accepts.max_children for s in sh], dtype=np.int64)
    wheel = np.array([s.wheelchair_access for s in sh], dtype=np.bool_)
    adults = np.array([len(r.household.adults) for r in reqs], dtype=np.int64)
    children = np.array([r.household.children for r in reqs], dtype=np.int64)
    needs_wheel = np.array([r.needs_wheelchair_access for r in reqs], dtype=np.bool_)
    index = {s.id: j for j, s in enumerate(sh)}
    avoided = np.zeros((len(rows), m), dtype=np.bool_)
    for k, r in enumerate(reqs):
        for sid in r.avoid_shelters:
            if sid in index:
                avoided[k, index[sid]] = True
    checks: list[tuple[int, BoolArray]] = [
        (rc.INSUFFICIENT_PLACES, places[None, :] < size[rows][:, None]),
        (rc.INSIDE_DANGER_DEPARTEMENT, inside),
        (rc.TOO_CLOSE_TO_DANGER, nearest < min_km[rows][:, None]),
        (rc.GENDER_NOT_ACCEPTED, gender_bad),
        (rc.COUPLES_NOT_ACCEPTED, (adults[:, None] >= 2) & ~couples[None, :]),
        (rc.TOO_MANY_CHILDREN, children[:, None] > max_children[None, :]),
        (rc.NO_WHEELCHAIR_ACCESS, needs_wheel[:, None] & ~wheel[None, :]),
        (rc.AVOIDED, avoided),
    ]
    fail = np.zeros((len(rows), m), dtype=np.uint8)
    # Walk the checks backwards so that the first failed check is the one left in place.
    for code, bad in reversed(checks):
        fail[bad] = code
    return fail, nearest


def iter_terms(
    problem: Problem,
    weights: Weights,
    rows: IntArray,
    places: IntArray,
    size: IntArray,
    min_km: FloatArray,
    nearest: FloatArray,
) -> Iterator[tuple[str, IntArray]]:
    """Yield each weighted cost term (len(rows) × m integers) for the requests ``rows``.

    A generator so that the full cost matrix can be summed without holding every term at once.
    """
    sh = problem.shelters
    m = len(sh)
    reqs = [problem.requests[i] for i in rows]
    langs = sorted({x for s in sh for x in s.languages} | {x for r in reqs for x in r.languages})
    lpos = {x: k for k, x in enumerate(langs)}
    sl = np.zeros((m, len(langs)), dtype=np.float32)
    for j, s in enumerate(sh):
        sl[j, [lpos[x] for x in s.languages]] = 1
    rl = np.zeros((len(reqs), len(langs)), dtype=np.float32)
    for k, r in enumerate(reqs):
        rl[k, [lpos[x] for x in r.languages]] = 1
    # A request that lists no language cannot lack a common one.
    no_language = ((rl @ sl.T) == 0) & (rl.sum(axis=1) > 0)[:, None]
    yield "no_common_language", no_language.astype(np.int64) * weights.no_common_language

    forms = sorted({x for s in sh for x in s.exploitation_forms})
    fpos = {x: k for k, x in enumerate(forms)}
    # One row per known form, then a row of True for requests whose form is not given (nothing
    # to miss), then a row of False for a form that no shelter lists.
    sf = np.zeros((len(forms) + 2, m), dtype=np.bool_)
    for j, s in enumerate(sh):
        sf[[fpos[x] for x in s.exploitation_forms], j] = True
    sf[len(forms)] = True
    unknown = len(forms) + 1
    fidx = [
        len(forms) if r.exploitation_form is None else fpos.get(r.exploitation_form, unknown) for r in reqs
    ]
    yield "not_specialised", (~sf[fidx]).astype(np.int64) * weights.not_specialised

    trained = np.array([s.trained_staff for s in sh], dtype=np.int64)
    yield (
        "no_trained_staff",
        np.broadcast_to((trained == 0).astype(np.int64) * weights.no_trained_staff, (len(reqs), m)).copy(),
    )

    band = weights.safety_margin_band_km
    with np.errstate(invalid="ignore"):
        margin = nearest - min_km[rows][:, None]
        missing = np.where(np.isfinite(margin), np.clip(band - margin, 0.0, band) / band, 0.0)
    yield "safety_margin", _round(weights.safety_margin * missing)

    share = np.divide(
        size[rows][:, None].astype(np.float64),
        places[None, :].astype(np.float64),
        out=np.ones((len(reqs), m)),
        where=places[None, :] > 0,
    )
    yield "load", _round(weights.load * np.minimum(share, 1.0))


def _round(x: FloatArray) -> IntArray:
    """Round half up: np.rint rounds half to even, which would surprise a reader of the terms."""
    out: IntArray = np.floor(x + 0.5).astype(np.int64)
    return out


def _link_groups(problem: Problem) -> tuple[tuple[IntArray, ...], IntArray]:
    """Connected components of the links (a link is symmetric even if listed once)."""
    n = len(problem.requests)
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    index = {r.id: i for i, r in enumerate(problem.requests)}
    for i, r in enumerate(problem.requests):
        for other in r.linked_with:
            a, b = find(i), find(index[other])
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    units = tuple(np.array(g, dtype=np.int64) for _, g in sorted(groups.items()))
    unit_of = np.zeros(n, dtype=np.int64)
    for u, members in enumerate(units):
        unit_of[members] = u
    return units, unit_of


def _apply_links(
    fail: npt.NDArray[np.uint8], units: tuple[IntArray, ...], places: IntArray, size: IntArray
) -> None:
    """Exclude, for every member of a group, the shelters that cannot take the whole group."""
    for members in units:
        if len(members) == 1:
            continue
        own_ok = fail[members] == rc.ELIGIBLE
        all_ok = own_ok.all(axis=0)
        block = fail[members]
        block[own_ok & ~all_ok[None, :]] = rc.LINKED_REQUEST_EXCLUDED
        too_small = all_ok & (places < size[members].sum())
        block[:, too_small] = rc.LINKED_GROUP_TOO_LARGE
        fail[members] = block
