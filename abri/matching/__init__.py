"""The placement engine: pure Python with numpy, scipy and HiGHS, no Django import.

Typical use::

    problem = parse_problem(json.load(fh))         # ProblemError names the faulty field
    plan = solve(problem, weights, departement_points)
    print(plan_json(plan))                         # the ``solve`` JSON, with explanations
    ctx = rank_context(plan.instance)              # prices of the places, once per queue
    Explainer(ctx).rank(problem.request_index("R01"))

See docs/matching.md.
"""

from .explain import Explainer, plan_json, rank_json
from .model import Instance, prepare
from .problem import DangerZone, Problem, ProblemError, Request, Shelter, parse_problem
from .ranking import RankContext, rank_context, rank_request
from .render import render
from .solver import Plan, solve
from .weights import Weights

__all__ = [
    "DangerZone",
    "Explainer",
    "Instance",
    "Plan",
    "Problem",
    "ProblemError",
    "RankContext",
    "Request",
    "Shelter",
    "Weights",
    "parse_problem",
    "plan_json",
    "prepare",
    "rank_context",
    "rank_json",
    "rank_request",
    "render",
    "solve",
]
