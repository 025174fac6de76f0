"""Builds the placement engine's problem (format v1, MATCHING.md) from the database.

The engine in ``abri.matching`` knows nothing of Django; this module is the only bridge:
free places come from the one availability function, danger zones from the requests (départements
measured to their nearest commune, from the shipped geography), weights from the network's
current version, priorities from urgency and waiting time, trained staff from the training records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language

from abri.core import geography
from abri.matching import Explainer, Weights, parse_problem, prepare, rank_context
from abri.matching import render as render_sentence
from abri.matching.model import Instance
from abri.matching.reasons import CODES
from abri.network.availability import availability_by_shelter
from abri.network.models import Shelter
from abri.referrals.models import HouseholdMember, Request, Status, Urgency
from abri.search.models import WEIGHT_FIELDS, WeightSet
from abri.training.selectors import trained_staff_by_shelter

# The priority formula, shown in the interface: urgency first, then one point per day waited.
URGENCY_POINTS = {Urgency.IMMEDIATE: 100, Urgency.URGENT: 60, Urgency.NORMAL: 30}
MAX_WAITING_POINTS = 60


def priority(request: Request, now: Any = None) -> int:
    """Urgency points + one point per day since submission (at most 60)."""
    now = now or timezone.now()
    waited = (now - (request.submitted_at or request.created_at)).days
    return URGENCY_POINTS[Urgency(request.urgency)] + max(0, min(waited, MAX_WAITING_POINTS))


def current_weights() -> WeightSet:
    latest = WeightSet.objects.order_by("-version").first()
    return latest if latest is not None else WeightSet(version=1)


def engine_weights(weight_set: WeightSet) -> Weights:
    values = {f: getattr(weight_set, f) for f in WEIGHT_FIELDS if f != "min_distance_km"}
    values["safety_margin_band_km"] = float(values["safety_margin_band_km"])
    return Weights(version=str(weight_set.version), **values)


def _household(request: Request) -> dict[str, Any]:
    members = list(request.person.household.all())
    adults = [request.person.gender] + [
        m.gender for m in members if m.relation != HouseholdMember.Relation.CHILD
    ]
    children = sum(1 for m in members if m.relation == HouseholdMember.Relation.CHILD)
    return {"adults": adults, "children": children}


def _zones(request: Request) -> list[dict[str, Any]]:
    zones: list[dict[str, Any]] = []
    for zone in request.danger_zones.all():
        if zone.commune and zone.latitude is not None and zone.longitude is not None:
            zones.append({"lat": zone.latitude, "lon": zone.longitude, "radius_km": zone.radius_km})
        elif zone.departement:
            zones.append({"departement": zone.departement})
    return zones


def pending_requests(extra: Request | None = None) -> list[Request]:
    """Every request being searched (the queue whose places compete), plus one being looked at."""
    qs = (
        Request.objects.filter(status=Status.SEARCHING)
        .select_related("person")
        .prefetch_related("person__household", "danger_zones")
    )
    requests = list(qs)
    if extra is not None and all(r.pk != extra.pk for r in requests):
        requests.append(extra)
    return requests


@dataclass
class Built:
    problem_json: dict[str, Any]
    instance: Instance
    shelters: dict[str, Shelter]
    requests: dict[str, Request]
    weights: WeightSet


def build(
    requests: list[Request],
    shelters: models.QuerySet[Shelter] | None = None,
    held: dict[Any, int] | None = None,
) -> Built:
    """The problem for these requests against every active shelter, prepared for the engine.

    ``held``: places that the (single) request judged already holds at some shelters, by shelter
    key. They count as free for it: its own proposal must not make its shelter look full.
    """
    held = held or {}
    weight_set = current_weights()
    shelter_list = list((shelters if shelters is not None else Shelter.objects.all()).filter(is_active=True))
    free = availability_by_shelter(shelter_list)
    trained = trained_staff_by_shelter(shelter_list)
    now = timezone.now()
    shelter_ids = {str(s.pk) for s in shelter_list}
    problem: dict[str, Any] = {
        "version": 1,
        "min_distance_km": weight_set.min_distance_km,
        "shelters": [
            {
                "id": str(s.pk),
                "lat": s.latitude,
                "lon": s.longitude,
                "departement": s.departement,
                "places_free": free[s.pk].free + held.get(s.pk, 0),
                "accepts": {
                    "genders": list(s.accepts_genders),
                    "couples": s.accepts_couples,
                    "max_children": s.max_children,
                },
                "wheelchair_access": s.wheelchair_access,
                "languages": list(s.languages),
                "exploitation_forms": list(s.exploitation_forms),
                # Staff who attended a training session in the last 24 months (abri.training).
                "trained_staff": trained[s.pk],
            }
            for s in shelter_list
        ],
        "requests": [
            {
                "id": str(r.pk),
                "priority": priority(r, now),
                "household": _household(r),
                "needs_wheelchair_access": r.person.needs_wheelchair,
                "languages": list(r.person.languages),
                "exploitation_form": (r.person.exploitation_forms or [None])[0],
                "danger_zones": _zones(r),
                "min_distance_km": r.min_distance_km,
                "avoid_shelters": [x for x in r.avoid_shelters if x in shelter_ids],
                "linked_with": [],
            }
            for r in requests
        ],
    }
    parsed = parse_problem(problem)
    codes = {z["departement"] for r in problem["requests"] for z in r["danger_zones"] if "departement" in z}
    points = {code: np.column_stack(geography.departement_points(code)) for code in codes}
    instance = prepare(parsed, engine_weights(weight_set), points)
    return Built(
        problem_json=problem,
        instance=instance,
        shelters={str(s.pk): s for s in shelter_list},
        requests={str(r.pk): r for r in requests},
        weights=weight_set,
    )


def ranking_context(built: Built) -> Any:
    return rank_context(built.instance)


@dataclass(frozen=True)
class Exclusion:
    """A shelter the engine excludes for a request: the first hard constraint it fails."""

    shelter: Shelter
    code: str  # abri.matching.reasons.CODES
    sentence: str  # the engine's reason, in the active language


def engine_language() -> str:
    """The engine writes French and English; anything else reads French (the default)."""
    return "en" if (get_language() or "fr").startswith("en") else "fr"


def exclusions(
    request: Request, shelters: list[Shelter], held: dict[Any, int] | None = None
) -> list[Exclusion]:
    """The engine's verdict on these shelters for this request: those it excludes, and why.

    The same problem, matrices and reasons as the search page (``build``, ``Instance.fail``,
    ``Explainer.reason``), so that a proposal holds exactly the constraints the search shows.
    A shelter that is not active is not in the problem: the capacity check refuses it.
    """
    if not shelters:
        return []
    built = build([request], Shelter.objects.filter(pk__in=[s.pk for s in shelters]), held=held)
    return excluded_in(built, built.instance.problem.request_index(str(request.pk)))


def excluded_in(built: Built, i: int, explainer: Explainer | None = None) -> list[Exclusion]:
    """The shelters of a built problem that the engine excludes for request ``i``, each with the
    engine's reason in the active language: what the search page lists and a proposal refuses."""
    instance = built.instance
    lang = engine_language()
    out = []
    for j, shelter in enumerate(instance.problem.shelters):
        code = int(instance.fail[i, j])
        if code:
            # The explainer solves a small LP for its context: only when there is a reason to give.
            explainer = explainer or Explainer(rank_context(instance))
            out.append(
                Exclusion(
                    shelter=built.shelters[shelter.id],
                    code=CODES[code],
                    sentence=render_sentence(explainer.reason(i, j), lang),
                )
            )
    return out
