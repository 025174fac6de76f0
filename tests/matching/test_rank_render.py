"""Ranking with opportunity costs, explanations and their sentences."""

from __future__ import annotations

from typing import Any

import pytest

from abri.matching import Explainer, parse_problem, prepare, rank_context, render, solve
from abri.matching.explain import plan_json

from .helpers import problem, request, shelter


def _scarce() -> dict[str, Any]:
    """Two shelters; three requests can only go to S1, which is also the cheapest for R0."""
    s_cheap = shelter(id="S1", places_free=1)
    s_other = shelter(id="S2", places_free=3, languages=["de"], trained_staff=0)
    single = {"adults": ["F"], "children": 0}
    r0 = request(id="R0", household=single, danger_zones=[])
    blocked = [
        request(id=f"R{k}", household=single, danger_zones=[], avoid_shelters=["S2"], priority=30)
        for k in (1, 2, 3)
    ]
    return problem([s_cheap, s_other], [r0, *blocked])


def test_scarce_place_has_an_opportunity_cost_and_ranks_lower() -> None:
    ctx = rank_context(prepare(parse_problem(_scarce())))
    out = Explainer(ctx).rank(0, explain=True)
    by_id = {e["shelter"]: e for e in out["eligible"]}
    assert by_id["S1"]["cost"] < by_id["S2"]["cost"]
    assert by_id["S1"]["opportunity_cost"] > 0
    assert by_id["S2"]["opportunity_cost"] == 0
    assert [e["shelter"] for e in out["eligible"]] == ["S2", "S1"]
    assert out["explanation"]["runner_up"]["why"] == "higher_opportunity_cost"
    assert Explainer(ctx).recommendation(0, 0)["only_here"] == 3


def test_explanation_in_a_plan_says_why_the_runner_up_lost() -> None:
    p = parse_problem(_scarce())
    out = plan_json(solve(p))
    r0 = next(a for a in out["assignments"] if a["request"] == "R0")
    assert r0["shelter"] == "S2"
    ru = r0["explanation"]["runner_up"]
    assert ru["shelter"] == "S1" and ru["why"] == "places_used_by_plan"
    assert len(ru["placed_there"]) == 1


def test_render_recommendation_in_both_languages() -> None:
    s = shelter(places_free=3)
    r = request(danger_zones=[{"lat": 43.30, "lon": 5.37, "radius_km": 30}], min_distance_km=150)
    ctx = rank_context(prepare(parse_problem(problem([s], [r]))))
    e = Explainer(ctx).recommendation(0, 0)
    fr, en = render(e, "fr"), render(e, "en")
    assert fr.startswith("Centre S01 : 3 places libres, à ")
    assert "de la zone de danger la plus proche (minimum 150 km)" in fr
    assert "le personnel parle anglais" in fr
    assert "spécialisé en exploitation sexuelle" in fr
    assert en.startswith("Shelter S01: 3 free places, ")
    assert "the staff speak English" in en
    assert "specialised in sexual exploitation" in en
    with pytest.raises(ValueError, match="lang"):
        render(e, "de")


@pytest.mark.parametrize(
    ("reason", "fr", "en"),
    [
        (
            {
                "code": "too_close_to_danger",
                "distance_km": 87.4,
                "min_distance_km": 150.0,
                "zone": {"departement": "13"},
                "shelter": "S05",
            },
            "Centre S05 : à 87 km d'une zone de danger (département 13), minimum 150 km.",
            "Shelter S05: 87 km from a danger zone (département 13), minimum 150 km.",
        ),
        (
            {"code": "insufficient_places", "places_free": 1, "household_size": 3},
            "1 places libres pour un foyer de 3 personnes.",
            "1 free places for a household of 3.",
        ),
        (
            {
                "code": "linked_request_excluded",
                "linked_request": "R02",
                "linked_reason": {"code": "no_wheelchair_access"},
            },
            "ne convient pas à la demande liée R02 : pas d'accès en fauteuil roulant.",
            "does not suit the linked request R02: no wheelchair access.",
        ),
    ],
)
def test_render_reasons(reason: dict[str, Any], fr: str, en: str) -> None:
    assert render(reason, "fr") == fr
    assert render(reason, "en") == en


def test_every_code_has_sentences() -> None:
    from abri.matching import reasons
    from abri.matching.render import _REASONS

    assert set(reasons.CODES[1:]) <= set(_REASONS)


def test_one_free_place_is_singular():
    import json
    from pathlib import Path

    from abri.matching import Explainer, parse_problem, prepare, rank_context, render

    raw = json.loads(
        (Path(__file__).resolve().parents[2] / "abri/matching/examples/example.json").read_text()
    )
    for s in raw["shelters"]:
        s["places_free"] = 1
    for r in raw["requests"]:
        r["household"]["children"] = 0
        r["linked_with"] = []
    inst = prepare(parse_problem(raw))
    explainer = Explainer(rank_context(inst))
    ranked = explainer.rank(0, explain=True)
    assert ranked["eligible"], "the example must have an eligible shelter for this test"
    explanation = ranked["explanation"]
    assert ": 1 place libre" in render(explanation, "fr")
    assert ": 1 free place," in render(explanation, "en")
