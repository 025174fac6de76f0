"""The problem file, version 1: parsing and validation.

The format is the one in MATCHING.md, kept strict: an unknown field is an error, not ignored, so
that a typo in an adapter or a hand-written file never silently drops a constraint. Every error
names the path of the offending field (``requests[2].household.children``) so that the person
who wrote the file can fix it without reading the engine.

The parsed problem is canonical: shelters and requests are sorted by id. The engine works on
that order only, so the plan does not depend on the order of the input lists.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

FORMAT_VERSION = 1
#: Adult genders the format knows: female, male, and X for anyone who is neither.
GENDERS = ("F", "M", "X")
_DEPARTEMENT = re.compile(r"^(0[1-9]|[1-8][0-9]|9[0-5]|2[AB]|97[1-8]|98[4-9])$")
_CODE = re.compile(r"^[a-z][a-z_]{0,39}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")

T = TypeVar("T")


class ProblemError(ValueError):
    """An invalid problem; the message starts with the path of the offending field."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


@dataclass(frozen=True, slots=True)
class Accepts:
    """Who a shelter can take in."""

    genders: tuple[str, ...]
    couples: bool
    max_children: int


@dataclass(frozen=True, slots=True)
class Shelter:
    """A shelter with its free dedicated places."""

    id: str
    lat: float
    lon: float
    departement: str
    places_free: int
    accepts: Accepts
    wheelchair_access: bool
    languages: tuple[str, ...]
    exploitation_forms: tuple[str, ...]
    trained_staff: int


@dataclass(frozen=True, slots=True)
class DangerZone:
    """Either a whole département (``departement`` set) or a disc (centre and radius)."""

    departement: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None

    @property
    def is_departement(self) -> bool:
        return self.departement is not None

    def as_json(self) -> dict[str, Any]:
        if self.departement is not None:
            return {"departement": self.departement}
        return {"lat": self.lat, "lon": self.lon, "radius_km": self.radius_km}


@dataclass(frozen=True, slots=True)
class Household:
    """The adults (one gender each) and the number of children who come with them."""

    adults: tuple[str, ...]
    children: int

    @property
    def size(self) -> int:
        return len(self.adults) + self.children


@dataclass(frozen=True, slots=True)
class Request:
    """A pending request for a place."""

    id: str
    priority: int
    household: Household
    needs_wheelchair_access: bool
    languages: tuple[str, ...]
    exploitation_form: str | None
    danger_zones: tuple[DangerZone, ...]
    min_distance_km: float | None
    avoid_shelters: tuple[str, ...]
    linked_with: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """A whole problem: shelters and requests sorted by id."""

    min_distance_km: float
    shelters: tuple[Shelter, ...]
    requests: tuple[Request, ...]

    def request_index(self, request_id: str) -> int:
        """The position of a request, or KeyError."""
        for i, r in enumerate(self.requests):
            if r.id == request_id:
                return i
        raise KeyError(request_id)


# --- small typed readers -------------------------------------------------------------------


def _fields(obj: Any, path: str, required: Sequence[str], optional: Sequence[str] = ()) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise ProblemError(path, "must be an object")
    for key in obj:
        if key not in required and key not in optional:
            where = f"{path}.{key}" if path else str(key)
            raise ProblemError(where, "unknown field")
    for key in required:
        if key not in obj:
            raise ProblemError(f"{path}.{key}" if path else key, "missing field")
    return obj


# Far above any real network, and small enough that sums stay exact in int64 and float64.
MAX_INT = 1_000_000


def _int(value: Any, path: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ProblemError(path, f"must be an integer >= {minimum}")
    if value > MAX_INT:
        raise ProblemError(path, f"must be at most {MAX_INT}")
    return value


def _number(value: Any, path: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProblemError(path, f"must be a number between {low:g} and {high:g}")
    if not low <= value <= high:
        raise ProblemError(path, f"must be a number between {low:g} and {high:g}")
    return float(value)


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise ProblemError(path, "must be true or false")
    return value


def _string(value: Any, path: str, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise ProblemError(path, f"must be {what}")
    return value


def _list(value: Any, path: str, item: Callable[[Any, str], T]) -> tuple[T, ...]:
    if not isinstance(value, list):
        raise ProblemError(path, "must be a list")
    return tuple(item(v, f"{path}[{k}]") for k, v in enumerate(value))


def _departement(value: Any, path: str) -> str:
    return _string(value, path, _DEPARTEMENT, "a French département code such as '13' or '2A'")


def _code(value: Any, path: str) -> str:
    return _string(value, path, _CODE, "a lowercase code such as 'en' or 'sexual'")


def _ident(value: Any, path: str) -> str:
    return _string(value, path, _ID, "an id of letters, digits and _.:- (at most 64)")


def _gender(value: Any, path: str) -> str:
    if value not in GENDERS:
        raise ProblemError(path, "must be one of " + ", ".join(GENDERS))
    return str(value)


def _unique(items: Sequence[str], path: str) -> None:
    if len(set(items)) != len(items):
        raise ProblemError(path, "must not repeat an item")


# --- the format ----------------------------------------------------------------------------

_MAX_KM = 20_100.0  # half the Earth's circumference: no greater great-circle distance exists


def _shelter(obj: Any, path: str) -> Shelter:
    f = _fields(
        obj,
        path,
        (
            "id",
            "lat",
            "lon",
            "departement",
            "places_free",
            "accepts",
            "wheelchair_access",
            "languages",
            "exploitation_forms",
            "trained_staff",
        ),
    )
    a = _fields(f["accepts"], f"{path}.accepts", ("genders", "couples", "max_children"))
    genders = _list(a["genders"], f"{path}.accepts.genders", _gender)
    _unique(genders, f"{path}.accepts.genders")
    languages = _list(f["languages"], f"{path}.languages", _code)
    forms = _list(f["exploitation_forms"], f"{path}.exploitation_forms", _code)
    return Shelter(
        id=_ident(f["id"], f"{path}.id"),
        lat=_number(f["lat"], f"{path}.lat", -90, 90),
        lon=_number(f["lon"], f"{path}.lon", -180, 180),
        departement=_departement(f["departement"], f"{path}.departement"),
        places_free=_int(f["places_free"], f"{path}.places_free"),
        accepts=Accepts(
            genders=genders,
            couples=_bool(a["couples"], f"{path}.accepts.couples"),
            max_children=_int(a["max_children"], f"{path}.accepts.max_children"),
        ),
        wheelchair_access=_bool(f["wheelchair_access"], f"{path}.wheelchair_access"),
        languages=tuple(sorted(set(languages))),
        exploitation_forms=tuple(sorted(set(forms))),
        trained_staff=_int(f["trained_staff"], f"{path}.trained_staff"),
    )


def _zone(obj: Any, path: str) -> DangerZone:
    if isinstance(obj, dict) and "departement" in obj:
        f = _fields(obj, path, ("departement",))
        return DangerZone(departement=_departement(f["departement"], f"{path}.departement"))
    f = _fields(obj, path, ("lat", "lon", "radius_km"))
    return DangerZone(
        lat=_number(f["lat"], f"{path}.lat", -90, 90),
        lon=_number(f["lon"], f"{path}.lon", -180, 180),
        radius_km=_number(f["radius_km"], f"{path}.radius_km", 0, _MAX_KM),
    )


def _request(obj: Any, path: str) -> Request:
    f = _fields(
        obj,
        path,
        (
            "id",
            "priority",
            "household",
            "needs_wheelchair_access",
            "languages",
            "exploitation_form",
            "danger_zones",
        ),
        ("min_distance_km", "avoid_shelters", "linked_with"),
    )
    h = _fields(f["household"], f"{path}.household", ("adults", "children"))
    adults = _list(h["adults"], f"{path}.household.adults", _gender)
    if not adults:
        raise ProblemError(f"{path}.household.adults", "must list at least one adult")
    form = f["exploitation_form"]
    min_km = f.get("min_distance_km")
    avoid = _list(f.get("avoid_shelters", []), f"{path}.avoid_shelters", _ident)
    linked = _list(f.get("linked_with", []), f"{path}.linked_with", _ident)
    _unique(linked, f"{path}.linked_with")
    return Request(
        id=_ident(f["id"], f"{path}.id"),
        # A priority of 0 would make placing the request worth nothing: the plan would never
        # spend a place on it, so the format asks for at least 1.
        priority=_int(f["priority"], f"{path}.priority", minimum=1),
        household=Household(adults=adults, children=_int(h["children"], f"{path}.household.children")),
        needs_wheelchair_access=_bool(f["needs_wheelchair_access"], f"{path}.needs_wheelchair_access"),
        languages=tuple(sorted(set(_list(f["languages"], f"{path}.languages", _code)))),
        exploitation_form=None if form is None else _code(form, f"{path}.exploitation_form"),
        danger_zones=_list(f["danger_zones"], f"{path}.danger_zones", _zone),
        min_distance_km=None if min_km is None else _number(min_km, f"{path}.min_distance_km", 0, _MAX_KM),
        avoid_shelters=tuple(sorted(set(avoid))),
        linked_with=linked,
    )


def parse_problem(data: Any) -> Problem:
    """Validate a decoded problem (version 1) and return it sorted by id.

    Raises ProblemError naming the field at fault.
    """
    f = _fields(data, "", ("version", "min_distance_km", "shelters", "requests"))
    if f["version"] != FORMAT_VERSION or isinstance(f["version"], bool):
        raise ProblemError("version", f"must be {FORMAT_VERSION}")
    min_km = _number(f["min_distance_km"], "min_distance_km", 0, _MAX_KM)
    shelters = _list(f["shelters"], "shelters", _shelter)
    requests = _list(f["requests"], "requests", _request)
    _check_ids([s.id for s in shelters], "shelters")
    _check_ids([r.id for r in requests], "requests")
    known = {r.id for r in requests}
    for k, r in enumerate(requests):
        for q, other in enumerate(r.linked_with):
            if other not in known:
                raise ProblemError(f"requests[{k}].linked_with[{q}]", f"unknown request {other!r}")
            if other == r.id:
                raise ProblemError(f"requests[{k}].linked_with[{q}]", "a request cannot be linked to itself")
    return Problem(
        min_distance_km=min_km,
        shelters=tuple(sorted(shelters, key=lambda s: s.id)),
        requests=tuple(sorted(requests, key=lambda r: r.id)),
    )


def _check_ids(ids: Sequence[str], path: str) -> None:
    seen: dict[str, int] = {}
    for k, ident in enumerate(ids):
        if ident in seen:
            raise ProblemError(f"{path}[{k}].id", f"duplicate id {ident!r} (also {path}[{seen[ident]}])")
        seen[ident] = k
