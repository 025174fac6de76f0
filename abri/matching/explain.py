"""Explanations as JSON: why a shelter is recommended, why another is excluded.

Everything here is derived from the prepared instance, so an explanation always states the
numbers the solver used. Distances are rounded to 0.1 km for display only; the constraints
are checked on the unrounded values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from . import reasons as rc
from .model import iter_terms, zone_distances
from .problem import GENDERS
from .ranking import RankContext, Ranked, others_only_here, rank_context, rank_request
from .solver import Plan

Json = dict[str, Any]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def _km(x: float) -> float:
    return round(float(x), 1)


class Explainer:
    """Builds explanations for one instance.

    Holds the per-request rows (cost terms, zone distances) of the request being explained,
    so that explaining a request against a thousand shelters computes them once. One explainer
    serves one caller: it is not shared between threads.
    """

    def __init__(self, ctx: RankContext, plan: Plan | None = None) -> None:
        self.ctx = ctx
        self.inst = ctx.instance
        self.plan = plan
        self._request = -1
        self._terms: dict[str, IntArray] = {}
        self._zones: list[FloatArray | None] = []
        self._dep: dict[str, FloatArray] = {}

    def _load(self, i: int) -> None:
        if i == self._request:
            return
        inst, rows = self.inst, np.array([i], dtype=np.int64)
        self._terms = {
            name: t[0]
            for name, t in iter_terms(
                inst.problem,
                inst.weights,
                rows,
                inst.places,
                inst.size,
                inst.min_km,
                inst.nearest_km[rows],
            )
        }
        self._zones = zone_distances(inst.problem, i, inst.departement_points, self._dep)
        self._request = i

    def terms(self, i: int, j: int) -> dict[str, int]:
        """The weighted cost terms of the pair (i, j); they sum to the pair's cost."""
        self._load(i)
        return {name: int(t[j]) for name, t in self._terms.items()}

    def nearest_zone(self, i: int, j: int) -> tuple[float | None, Json | None]:
        """Distance from shelter j to request i's nearest measurable danger zone, and which."""
        self._load(i)
        best: tuple[float | None, Json | None] = (None, None)
        zones = self.inst.problem.requests[i].danger_zones
        for z, d in zip(zones, self._zones, strict=True):
            if d is not None and (best[0] is None or d[j] < best[0]):
                best = (float(d[j]), z.as_json())
        return best

    def reason(self, i: int, j: int) -> Json:
        """The first hard constraint that shelter j fails for request i, with its numbers."""
        inst = self.inst
        code = int(inst.fail[i, j])
        r, s = inst.problem.requests[i], inst.problem.shelters[j]
        out: Json = {"code": rc.CODES[code]}
        if code == rc.INSUFFICIENT_PLACES:
            out |= {"places_free": s.places_free, "household_size": r.household.size}
        elif code == rc.INSIDE_DANGER_DEPARTEMENT:
            out |= {"departement": s.departement}
        elif code == rc.TOO_CLOSE_TO_DANGER:
            dist, zone = self.nearest_zone(i, j)
            out |= {
                "distance_km": None if dist is None else _km(dist),
                "min_distance_km": _km(inst.min_km[i]),
                "zone": zone,
            }
        elif code == rc.GENDER_NOT_ACCEPTED:
            refused = [g for g in GENDERS if g in r.household.adults and g not in s.accepts.genders]
            out |= {"gender": refused[0], "accepted": list(s.accepts.genders)}
        elif code == rc.COUPLES_NOT_ACCEPTED:
            out |= {"adults": len(r.household.adults)}
        elif code == rc.TOO_MANY_CHILDREN:
            out |= {"children": r.household.children, "max_children": s.accepts.max_children}
        elif code == rc.LINKED_REQUEST_EXCLUDED:
            members = inst.units[int(inst.unit_of[i])]
            other = next(int(k) for k in members if k != i and inst.fail[k, j] != rc.ELIGIBLE)
            out["linked_request"] = inst.problem.requests[other].id
            out["linked_reason"] = Explainer(self.ctx).reason(other, j)
        elif code == rc.LINKED_GROUP_TOO_LARGE:
            members = inst.units[int(inst.unit_of[i])]
            out |= {
                "places_free": s.places_free,
                "group_size": int(inst.size[members].sum()),
                "linked_requests": [inst.problem.requests[int(k)].id for k in members if k != i],
            }
        return out

    def recommendation(self, i: int, j: int, ranking: list[Ranked] | None = None) -> Json:
        """Why shelter j suits request i: checks passed, cost terms, opportunity cost, and the
        runner-up with why it lost."""
        inst = self.inst
        r, s = inst.problem.requests[i], inst.problem.shelters[j]
        dist, zone = self.nearest_zone(i, j)
        members = inst.units[int(inst.unit_of[i])]
        ranking = rank_request(self.ctx, i) if ranking is None else ranking
        mine = next(x for x in ranking if x.shelter == j)
        return {
            "request": r.id,
            "shelter": s.id,
            "checks": {
                "places_free": s.places_free,
                "household_size": r.household.size,
                "group_size": int(inst.size[members].sum()),
                "nearest_danger_km": None if dist is None else _km(dist),
                "nearest_danger_zone": zone,
                "min_distance_km": _km(inst.min_km[i]),
                "adults": list(r.household.adults),
                "genders_accepted": list(s.accepts.genders),
                "couples_accepted": s.accepts.couples,
                "children": r.household.children,
                "max_children": s.accepts.max_children,
                "needs_wheelchair_access": r.needs_wheelchair_access,
                "wheelchair_access": s.wheelchair_access,
            },
            "linked_requests": [inst.problem.requests[int(k)].id for k in members if k != i],
            "common_languages": sorted(set(r.languages) & set(s.languages)),
            "exploitation_form": r.exploitation_form,
            "specialised": r.exploitation_form is None or r.exploitation_form in s.exploitation_forms,
            "trained_staff": s.trained_staff,
            "cost": mine.cost,
            "terms": self.terms(i, j),
            "weights_version": inst.weights.version,
            "opportunity_cost": mine.opportunity_cost,
            "only_here": others_only_here(self.ctx, i, j),
            "runner_up": self._runner_up(i, j, ranking),
        }

    def _runner_up(self, i: int, j: int, ranking: list[Ranked]) -> Json | None:
        """The best other eligible shelter and why it was not chosen."""
        inst, plan = self.inst, self.plan
        mine = next(x for x in ranking if x.shelter == j)
        other = next((x for x in ranking if x.shelter != j), None)
        if other is None:
            return None
        mine_terms, other_terms = self.terms(i, j), self.terms(i, other.shelter)
        out: Json = {
            "shelter": inst.problem.shelters[other.shelter].id,
            "cost": other.cost,
            "opportunity_cost": other.opportunity_cost,
            "why": "",
            "worse_terms": [t for t in mine_terms if other_terms[t] > mine_terms[t]],
        }
        if plan is not None and other.cost <= mine.cost:
            # In a plan, a cheaper shelter is not taken only when the plan needs its places
            # for other requests (more priority placed, or a lower total cost).
            held = np.flatnonzero(plan.shelter == other.shelter)
            need = int(inst.size[inst.units[int(inst.unit_of[i])]].sum())
            if int(inst.size[held].sum()) + need > int(inst.places[other.shelter]):
                out["why"] = "places_used_by_plan"
                out["placed_there"] = [inst.problem.requests[int(k)].id for k in held]
            else:
                out["why"] = "equal_cost"
        elif other.cost > mine.cost:
            out["why"] = "higher_cost"
        elif other.score > mine.score:
            out["why"] = "higher_opportunity_cost"
        else:
            out["why"] = "equal_score"
        return out

    def unplaced_reasons(self, i: int) -> list[Json]:
        """Why request i is left out: no eligible shelter (counted by reason), or the places
        went to requests the lexicographic objective put first."""
        ok = self.inst.fail[i] == rc.ELIGIBLE
        if not ok.any():
            codes, counts = np.unique(self.inst.fail[i], return_counts=True)
            by_code = {rc.CODES[int(c)]: int(n) for c, n in zip(codes, counts, strict=True)}
            return [{"code": "no_eligible_shelter", "excluded": by_code}]
        return [{"code": "places_taken_by_plan", "eligible_shelters": int(ok.sum())}]

    def rank(self, i: int, explain: bool = False) -> Json:
        """The ``rank`` output of MATCHING.md for request i; with ``explain``, the top choice's
        explanation is added under "explanation"."""
        inst = self.inst
        ranking = rank_request(self.ctx, i)
        out: Json = {
            "request": inst.problem.requests[i].id,
            "eligible": [
                {
                    "shelter": inst.problem.shelters[x.shelter].id,
                    "cost": x.cost,
                    "terms": self.terms(i, x.shelter),
                    "opportunity_cost": x.opportunity_cost,
                }
                for x in ranking
            ],
            "excluded": [
                {"shelter": s.id, "reason": self.reason(i, j)}
                for j, s in enumerate(inst.problem.shelters)
                if inst.fail[i, j] != rc.ELIGIBLE
            ],
        }
        if explain and ranking:
            out["explanation"] = self.recommendation(i, ranking[0].shelter, ranking)
        return out


def plan_json(plan: Plan, ctx: RankContext | None = None) -> Json:
    """The ``solve`` output of MATCHING.md, plus ``method`` and ``gap``."""
    inst = plan.instance
    ex = Explainer(ctx if ctx is not None else rank_context(inst), plan)
    assignments, unplaced = [], []
    for i, r in enumerate(inst.problem.requests):
        j = int(plan.shelter[i])
        if j >= 0:
            assignments.append(
                {
                    "request": r.id,
                    "shelter": inst.problem.shelters[j].id,
                    "cost": int(inst.cost[i, j]),
                    "explanation": ex.recommendation(i, j),
                }
            )
        else:
            unplaced.append({"request": r.id, "reasons": ex.unplaced_reasons(i)})
    return {
        "status": plan.status,
        "method": plan.method,
        "placed_priority": plan.placed_priority,
        "total_cost": plan.total_cost,
        "gap": plan.gap,
        "assignments": assignments,
        "unplaced": unplaced,
        "seconds": round(plan.seconds, 3),
    }


def rank_json(ctx: RankContext, i: int) -> Json:
    """The ``rank`` output for request i."""
    return Explainer(ctx).rank(i)
