"""Ranking shelters for one request, with the opportunity cost of their places.

The opportunity cost of a place is the dual price of its shelter's capacity row in the LP
relaxation of all pending requests (Annie dynamic's "potentials"): how much the rest of the
queue would lose if one place there were spent now. A scarce place (the only accessible
shelter in the south) has a high price, so the ranking does not spend it greedily.

Scaling. The plan is lexicographic, which has no finite exchange rate between priority and
cost; an LP dual needs one. The relaxation therefore values a placed unit at
``priority_point * priority - cost`` (``Weights.priority_point`` cost units per priority
point), so its capacity duals come out directly in cost units per person-place, and a
request's opportunity cost at a shelter is that price times its household size, rounded to
an integer to sit next to the integer cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from . import highs
from .model import Instance

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RankContext:
    """What the ranking of any request needs once per queue: prices and sole-option counts."""

    instance: Instance
    price: FloatArray  # (m,) cost units per free place
    only_here: IntArray  # (m,) requests whose single eligible shelter this is


@dataclass(frozen=True)
class Ranked:
    """One eligible shelter for a request, with its ranking score."""

    shelter: int
    cost: int
    opportunity_cost: int

    @property
    def score(self) -> int:
        return self.cost + self.opportunity_cost


def shelter_prices(inst: Instance) -> FloatArray:
    """Capacity dual prices (cost units per place) from the LP relaxation of all units."""
    m = len(inst.places)
    value = inst.weights.priority_point * inst.unit_priority[:, None] - inst.unit_cost
    # A pair worth nothing is never used by the relaxation; dropping it keeps the LP small.
    usable = inst.unit_eligible & (value > 0)
    pairs = highs.Pairs.from_mask(usable)
    if len(pairs) == 0:
        return np.zeros(m)
    out = highs.run(
        pairs,
        inst.unit_size,
        inst.places,
        -value[pairs.unit, pairs.shelter].astype(np.float64),
        integer=False,
    )
    if out.row_duals is None:
        return np.zeros(m)
    # Minimisation with "<=" rows: HiGHS reports non-positive duals; the price is their
    # opposite. Values within solver tolerance of zero are zero.
    price = -out.row_duals[pairs.n_units :]
    price[price < 1e-7] = 0.0
    return price


def rank_context(inst: Instance) -> RankContext:
    """Prices and sole-option counts for ranking any request of ``inst``."""
    eligible = inst.eligible
    sole = eligible.sum(axis=1) == 1
    only_here = eligible[sole].sum(axis=0).astype(np.int64)
    return RankContext(instance=inst, price=shelter_prices(inst), only_here=only_here)


def rank_request(ctx: RankContext, i: int) -> list[Ranked]:
    """Eligible shelters of request ``i``, best first: by cost + opportunity cost, then cost,
    then shelter id (the canonical order), so ties are broken the same way every time."""
    inst = ctx.instance
    js = np.flatnonzero(inst.fail[i] == 0)
    opp = np.floor(ctx.price[js] * inst.size[i] + 0.5).astype(np.int64)
    cost = inst.cost[i, js]
    order = np.lexsort((js, cost, cost + opp))
    return [Ranked(shelter=int(js[k]), cost=int(cost[k]), opportunity_cost=int(opp[k])) for k in order]


def others_only_here(ctx: RankContext, i: int, j: int) -> int:
    """How many other pending requests can go nowhere but shelter ``j``."""
    inst = ctx.instance
    # The request itself and the requests linked to it are not "others".
    mine = inst.units[int(inst.unit_of[i])]
    sole = (inst.fail[mine] == 0).sum(axis=1) == 1
    own = int((sole & (inst.fail[mine, j] == 0)).sum())
    return int(ctx.only_here[j]) - own
