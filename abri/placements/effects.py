"""What a request's transition does to its proposals: registered into the workflow's table.

Each request status allows some live proposals (those that hold places): several pending ones
while searching, the one agreed or confirmed once a place is found, the confirmed one while the
person travels, none otherwise. After every step of the workflow, the proposals the new status
does not allow are withdrawn and their places given back, in the step's own transaction. So a
request that is withdrawn, closed, declined or redirected leaves no proposal a shelter could still
agree to (agreeing releases the person's identity), and no place held for nobody.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from abri.audit.services import audit_record
from abri.core.errors import DomainError
from abri.placements.models import HOLDING, Proposal, ProposalStatus
from abri.referrals.models import Request, Status

if TYPE_CHECKING:
    from abri.accounts.models import User
    from abri.referrals.workflow import Transition

P = ProposalStatus

LIVE_ALLOWED: dict[str, frozenset[str]] = {
    Status.SEARCHING: frozenset({P.PENDING}),
    Status.PLACE_FOUND: frozenset({P.AGREED, P.CONFIRMED}),
    Status.TRAVELLING: frozenset({P.CONFIRMED}),
}


def end_holds(request: Request, transition: Transition, actor: User | None) -> None:
    """Withdraw the live proposals the request's new status does not allow; free their places."""
    allowed = LIVE_ALLOWED.get(request.status, frozenset())
    # Locked in a fixed order, after the request (the caller holds its row lock): the order
    # every writer takes, so a withdrawal and a shelter's answer never deadlock.
    stale = list(
        Proposal.objects.select_for_update()
        .filter(request=request, status__in=HOLDING)
        .exclude(status__in=allowed)
        .select_related("shelter")
        .order_by("pk")
    )
    _withdraw(stale, transition, actor)


def end_excluded_holds(request: Request, transition: Transition, actor: User | None) -> None:
    """After a change of the danger zones, end the live proposals the engine now excludes.

    The same engine check as a new proposal (``search.adapter.exclusions``), with the places the
    request already holds counted as its own. A pending proposal is withdrawn; a shelter that has
    agreed is not withdrawn behind the coordinator's back: the change is refused, so the
    coordinator first withdraws that placement (the person is told, a new search starts).
    """
    if transition.name != "zones_changed":
        return
    # search builds on placements' data; imported here, as the one step that asks the engine.
    from abri.search.adapter import exclusions

    live = list(
        Proposal.objects.select_for_update()
        .filter(request=request, status__in=HOLDING)
        .select_related("shelter")
        .order_by("pk")
    )
    if not live:
        return
    held = {p.shelter_id: p.places for p in live}
    excluded = {e.shelter.pk for e in exclusions(request, [p.shelter for p in live], held=held)}
    stale = [p for p in live if p.shelter_id in excluded]
    if any(p.status != P.PENDING for p in stale):
        raise DomainError(
            _("The new zones cover the shelter that agreed: withdraw that placement first."),
            field="towns",
            code="agreed_shelter_excluded",
        )
    _withdraw(stale, transition, actor)


def _withdraw(proposals: list[Proposal], transition: Transition, actor: User | None) -> None:
    """Withdraw these proposals (places given back, audited) and tell their shelters."""
    from abri.placements import services

    for proposal in proposals:
        # No closing text: it is the shelter's or coordinator's own words; the step is audited.
        services._release(proposal, P.WITHDRAWN)
        audit_record(
            action="proposal.withdraw",
            actor=actor,
            target=proposal,
            data={"request_transition": transition.name},
        )
    for shelter in {p.shelter_id: p.shelter for p in proposals}.values():
        services._notify_shelter(shelter, _("A proposal sent to your shelter was withdrawn in Abri."))
