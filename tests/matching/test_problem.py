"""Problem format v1: the example parses, every error names its field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from abri.matching import ProblemError, parse_problem

from .helpers import problem, request, shelter

EXAMPLE = Path(__file__).resolve().parents[2] / "abri" / "matching" / "examples" / "example.json"


def test_example_parses_sorted_by_id() -> None:
    p = parse_problem(json.loads(EXAMPLE.read_text()))
    assert [s.id for s in p.shelters] == sorted(s.id for s in p.shelters)
    r01 = p.requests[p.request_index("R01")]
    assert r01.household.size == 3
    assert r01.min_distance_km == 200
    assert r01.danger_zones[0].departement == "13"
    assert r01.danger_zones[1].radius_km == 30


def _expect(data: Any, path: str, words: str = "") -> None:
    with pytest.raises(ProblemError) as err:
        parse_problem(data)
    assert err.value.path == path
    assert str(err.value).startswith(f"{path}: ") or not path
    assert words in str(err.value)


@pytest.mark.parametrize(
    ("mutate", "path", "words"),
    [
        (lambda d: d.pop("version"), "version", "missing field"),
        (lambda d: d.update(version=2), "version", "must be 1"),
        (lambda d: d.update(extra=1), "extra", "unknown field"),
        (lambda d: d.update(min_distance_km=-1), "min_distance_km", "between"),
        (lambda d: d["shelters"][0].update(lat=91), "shelters[0].lat", "between -90 and 90"),
        (lambda d: d["shelters"][0].update(lon=-180.5), "shelters[0].lon", "between -180 and 180"),
        (lambda d: d["shelters"][0].update(lat="48"), "shelters[0].lat", "number"),
        (lambda d: d["shelters"][0].update(places_free=-1), "shelters[0].places_free", ">= 0"),
        (lambda d: d["shelters"][0].update(places_free=True), "shelters[0].places_free", "integer"),
        (lambda d: d["shelters"][0].update(places_free=2.5), "shelters[0].places_free", "integer"),
        (lambda d: d["shelters"][0].update(departement="100"), "shelters[0].departement", "code"),
        (lambda d: d["shelters"][0].pop("trained_staff"), "shelters[0].trained_staff", "missing"),
        (lambda d: d["shelters"][0].update(colour="red"), "shelters[0].colour", "unknown field"),
        (
            lambda d: d["shelters"][0]["accepts"].update(genders=["W"]),
            "shelters[0].accepts.genders[0]",
            "one of F, M, X",
        ),
        (
            lambda d: d["shelters"][0]["accepts"].update(couples="no"),
            "shelters[0].accepts.couples",
            "true or false",
        ),
        (lambda d: d["shelters"][0].update(languages="fr"), "shelters[0].languages", "a list"),
        (lambda d: d["shelters"].append(dict(d["shelters"][0])), "shelters[1].id", "duplicate"),
        (lambda d: d["requests"][0].update(priority=0), "requests[0].priority", ">= 1"),
        (
            lambda d: d["requests"][0]["household"].update(children=-2),
            "requests[0].household.children",
            "must be an integer >= 0",
        ),
        (
            lambda d: d["requests"][0]["household"].update(adults=[]),
            "requests[0].household.adults",
            "at least one adult",
        ),
        (
            lambda d: d["requests"][0]["household"].update(pets=1),
            "requests[0].household.pets",
            "unknown field",
        ),
        (
            lambda d: d["requests"][0]["danger_zones"].append({"lat": 95, "lon": 0, "radius_km": 1}),
            "requests[0].danger_zones[2].lat",
            "between",
        ),
        (
            lambda d: d["requests"][0]["danger_zones"].append({"lat": 45, "lon": 0}),
            "requests[0].danger_zones[2].radius_km",
            "missing",
        ),
        (
            lambda d: d["requests"][0]["danger_zones"].append({"departement": "13", "radius_km": 3}),
            "requests[0].danger_zones[2].radius_km",
            "unknown field",
        ),
        (lambda d: d["requests"][0].update(court="Paris"), "requests[0].court", "unknown field"),
        (lambda d: d["requests"][0].update(linked_with=["R99"]), "requests[0].linked_with[0]", "unknown"),
        (lambda d: d["requests"][0].update(linked_with=["R01"]), "requests[0].linked_with[0]", "itself"),
        (
            lambda d: d["requests"][0].update(min_distance_km="far"),
            "requests[0].min_distance_km",
            "number",
        ),
        (
            lambda d: d["requests"][0].update(exploitation_form=3),
            "requests[0].exploitation_form",
            "code",
        ),
    ],
)
def test_errors_name_the_field(mutate: Any, path: str, words: str) -> None:
    data = problem([shelter()], [request()])
    mutate(data)
    _expect(data, path, words)


def test_not_an_object() -> None:
    _expect([], "", "must be an object")


def test_optional_request_fields() -> None:
    r = request()
    for key in ("min_distance_km", "avoid_shelters"):
        r.pop(key)
    p = parse_problem(problem([shelter()], [r]))
    assert p.requests[0].min_distance_km is None
    assert p.requests[0].avoid_shelters == ()
    assert p.requests[0].linked_with == ()


def test_huge_integers_are_refused_naming_the_field():
    import json
    from pathlib import Path

    from abri.matching import ProblemError, parse_problem

    example = json.loads(
        (Path(__file__).resolve().parents[2] / "abri/matching/examples/example.json").read_text()
    )
    example["requests"][0]["priority"] = 10**30
    try:
        parse_problem(example)
    except ProblemError as exc:
        assert "requests[0].priority" in str(exc) and "at most" in str(exc)
    else:
        raise AssertionError("a priority of 10**30 was accepted")
