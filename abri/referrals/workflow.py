"""The request's whole life as one table: from which status, by whom, to which status.

Drawn in docs/requests.md. The table holds the assessment (draft to accepted) and the placement
(searching, place found, travelling, in a stay, exit) alike, and ``apply`` is the only code that
writes ``Request.status`` (a test scans the sources for any other writer). Each step checks the
table under the request's row lock, writes the status and the timeline event, and runs the side
effects registered by other apps, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abri.access.roles import COORDINATION, REFERRER, SHELTER_STAFF, role_of
from abri.core.errors import TransitionError
from abri.referrals.models import Request, RequestEvent, Status

if TYPE_CHECKING:
    from abri.accounts.models import User

S = Status

# The role of a job that runs with no user (the scheduler expiring proposals). Only steps that
# list it may be taken without an actor; a user without a membership (role None) may take none.
SYSTEM = "system"

SHELTER_SIDE = frozenset({SHELTER_STAFF}) | COORDINATION


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    # None: a step inside the status (a proposal refused, an interview scheduled): the table still
    # says in which statuses and by whom it may happen; the status does not change.
    target: str | None
    roles: frozenset[str]
    reason_required: bool = False
    # Offered as a button on the request page (``request_transition``); the others are steps of
    # a placement service, which checks its own objects (the proposal, the stay) first.
    on_request_page: bool = False
    # The timeline's kind when it differs from the name (one kind, two targets).
    event: str = ""


def _page(
    name: str, sources: Iterable[str], target: str, roles: frozenset[str], reason: bool = False
) -> Transition:
    return Transition(name, frozenset(sources), target, roles, reason_required=reason, on_request_page=True)


# Consent can be withdrawn, and a request closed, until the person arrives: the places held for
# them are given back. In a stay the exit is the way out (``stay_exit``), with its outcome.
BEFORE_ARRIVAL: frozenset[str] = frozenset(
    {
        S.SUBMITTED,
        S.IN_ASSESSMENT,
        S.INFO_REQUESTED,
        S.ACCEPTED,
        S.SEARCHING,
        S.PLACE_FOUND,
        S.TRAVELLING,
    }
)

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        # --- The assessment: buttons of the request page.
        _page("submit", {S.DRAFT}, S.SUBMITTED, frozenset({REFERRER})),
        _page("start_assessment", {S.SUBMITTED}, S.IN_ASSESSMENT, COORDINATION),
        _page("request_information", {S.SUBMITTED, S.IN_ASSESSMENT}, S.INFO_REQUESTED, COORDINATION, True),
        _page("provide_information", {S.INFO_REQUESTED}, S.IN_ASSESSMENT, frozenset({REFERRER})),
        _page("accept", {S.SUBMITTED, S.IN_ASSESSMENT}, S.ACCEPTED, COORDINATION),
        _page("redirect", {S.SUBMITTED, S.IN_ASSESSMENT, S.INFO_REQUESTED}, S.REDIRECTED, COORDINATION, True),
        _page("decline", {S.SUBMITTED, S.IN_ASSESSMENT, S.INFO_REQUESTED}, S.DECLINED, COORDINATION, True),
        _page("start_search", {S.ACCEPTED}, S.SEARCHING, COORDINATION),
        _page(
            "close",
            {
                S.INFO_REQUESTED,
                S.ACCEPTED,
                S.SEARCHING,
                S.PLACE_FOUND,
                S.TRAVELLING,
                S.REDIRECTED,
                S.DECLINED,
            },
            S.CLOSED,
            COORDINATION,
            True,
        ),
        _page("withdraw", BEFORE_ARRIVAL, S.CLOSED, frozenset({REFERRER}), True),
        # A coordinator changes the danger zones (``request_zones_change``): the placement's
        # effect then ends the live proposals the engine now excludes.
        Transition(
            "zones_changed",
            frozenset(S.values) - {S.DRAFT, S.CLOSED},
            None,
            COORDINATION,
            reason_required=True,
        ),
        # --- The placement: steps of abri.placements.services.
        Transition("proposed", frozenset({S.SEARCHING}), None, COORDINATION),
        Transition("shelter_agreed", frozenset({S.SEARCHING}), S.PLACE_FOUND, SHELTER_SIDE),
        Transition("shelter_refused", frozenset({S.SEARCHING}), None, SHELTER_SIDE),
        Transition("proposal_expired", frozenset({S.SEARCHING}), None, frozenset({SYSTEM})),
        Transition("interview_scheduled", frozenset({S.PLACE_FOUND}), None, COORDINATION),
        Transition("admission_confirmed", frozenset({S.PLACE_FOUND}), None, SHELTER_SIDE),
        Transition(
            "withdrawn_by_person",
            frozenset({S.PLACE_FOUND, S.TRAVELLING}),
            S.SEARCHING,
            SHELTER_SIDE,
            reason_required=True,
        ),
        Transition(
            "withdrawn_by_shelter",
            frozenset({S.PLACE_FOUND, S.TRAVELLING}),
            S.SEARCHING,
            SHELTER_SIDE,
            reason_required=True,
        ),
        # Booked once the admission is confirmed; booked again (changed) while travelling.
        Transition("transfer_planned", frozenset({S.PLACE_FOUND, S.TRAVELLING}), S.TRAVELLING, COORDINATION),
        # A person may come by their own means: arrival without a booked journey.
        Transition("arrived", frozenset({S.PLACE_FOUND, S.TRAVELLING}), S.IN_STAY, SHELTER_SIDE),
        Transition(
            "not_arrived",
            frozenset({S.PLACE_FOUND, S.TRAVELLING}),
            S.SEARCHING,
            COORDINATION,
            reason_required=True,
        ),
        Transition(
            "not_arrived_close",
            frozenset({S.PLACE_FOUND, S.TRAVELLING}),
            S.CLOSED,
            COORDINATION,
            reason_required=True,
            event="not_arrived",
        ),
        Transition("exit", frozenset({S.IN_STAY}), S.CLOSED, SHELTER_SIDE),
        Transition("incident", frozenset({S.IN_STAY}), S.SEARCHING, SHELTER_SIDE),
    ]
}

OPEN_STATUSES = frozenset(
    {S.SUBMITTED, S.IN_ASSESSMENT, S.INFO_REQUESTED, S.ACCEPTED, S.SEARCHING, S.PLACE_FOUND, S.TRAVELLING}
)

# What is expected next, and of whom: the worklist's "next action" column.
NEXT_ACTION = {
    S.DRAFT: _("The field worker finishes the request"),
    S.SUBMITTED: _("Assess the request"),
    S.IN_ASSESSMENT: _("Decide: accept, ask for information, redirect or decline"),
    S.INFO_REQUESTED: _("Waiting for the field worker's answer"),
    S.ACCEPTED: _("Start the search for a shelter"),
    S.SEARCHING: _("Find a shelter and propose"),
    S.PLACE_FOUND: _("Interview, then book the journey"),
    S.TRAVELLING: _("Check the arrival"),
    S.IN_STAY: _("Follow the stay"),
    S.REDIRECTED: _("Close the request"),
    S.DECLINED: _("Close the request"),
    S.CLOSED: _("Nothing: closed"),
}

# The referrer's one word for where the request stands (JOURNEYS.md).
REFERRER_WORD = {
    S.DRAFT: _("draft"),
    S.SUBMITTED: _("sent"),
    S.IN_ASSESSMENT: _("being assessed"),
    S.INFO_REQUESTED: _("your answer is needed"),
    S.ACCEPTED: _("accepted"),
    S.SEARCHING: _("searching"),
    S.PLACE_FOUND: _("place found"),
    S.TRAVELLING: _("travelling"),
    S.IN_STAY: _("arrived"),
    S.REDIRECTED: _("redirected"),
    S.DECLINED: _("declined"),
    S.CLOSED: _("closed"),
}


def check_transition(name: str, *, status: str, role: str | None, reason: str = "") -> Transition:
    """The transition if allowed from this status for this role, else a clear TransitionError."""
    transition = TRANSITIONS[name]
    if role not in transition.roles:
        raise TransitionError(_("Your role cannot do this on a request."), code="forbidden")
    if status not in transition.sources:
        raise TransitionError(
            _("This cannot be done while the request is “%(status)s”.") % {"status": Status(status).label},
            code="wrong_state",
        )
    if transition.reason_required and not reason.strip():
        raise TransitionError(_("A reason is required."), field="reason", code="reason_required")
    return transition


def allowed_transitions(*, status: str, role: str | None) -> list[Transition]:
    """The request page's buttons for this status and role."""
    return [t for t in TRANSITIONS.values() if t.on_request_page and status in t.sources and role in t.roles]


# --- Side effects owned by other apps ---------------------------------------------------------
#
# A registry rather than an import: abri.placements depends on abri.referrals (a proposal belongs
# to a request), so importing placements here would turn the dependency around and make an
# import cycle at start-up. Placements registers its effect in its AppConfig.ready(), and ``apply``
# refuses to run without it (a transition that forgot the held places must not go unnoticed).

Effect = Callable[[Request, Transition, "User | None"], None]
EFFECTS: dict[str, Effect] = {}
REQUIRED_EFFECTS = frozenset({"placements.end_holds", "placements.end_excluded_holds"})


def register_effect(name: str, effect: Effect) -> None:
    EFFECTS[name] = effect


def apply(*, request: Request, name: str, actor: User | None, reason: str = "") -> Transition:
    """THE writer of ``Request.status``: one step of the table, in the caller's transaction.

    Re-reads the request under its row lock, checks the step against the table (status, role,
    reason; ``actor=None`` is the scheduler, role SYSTEM), writes the status, when it changes, and
    the timeline event, then runs the registered side effects. The caller's copy of the request is
    brought up to date. Any refusal raises TransitionError and the caller's transaction rolls back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("workflow.apply must run inside transaction.atomic()")
    missing = REQUIRED_EFFECTS - EFFECTS.keys()
    if missing:
        raise RuntimeError(f"workflow side effects not registered: {sorted(missing)}")
    locked = Request.objects.select_for_update().get(pk=request.pk)
    role = SYSTEM if actor is None else role_of(actor)
    transition = check_transition(name, status=locked.status, role=role, reason=reason)
    before = locked.status
    if transition.target is not None:
        locked.status = transition.target
        locked.status_changed_at = timezone.now()
        # The banner's reason is the decision that set the current status: the coordinator's,
        # written for the field worker, or none. Reasons typed on the placement pages (a
        # shelter's words) stay on the timeline; a stale one never outlives its status.
        written_for_referrer = transition.on_request_page and transition.reason_required
        locked.decision_reason = reason.strip() if written_for_referrer else ""
        locked.save(update_fields=["status", "status_changed_at", "decision_reason", "updated_at"])
    RequestEvent.objects.create(
        request=locked,
        actor=actor,
        kind=transition.event or transition.name,
        from_status=before,
        to_status=locked.status,
        reason=reason.strip(),
    )
    for effect in EFFECTS.values():
        effect(locked, transition, actor)
    request.status, request.status_changed_at = locked.status, locked.status_changed_at
    request.decision_reason, request.updated_at = locked.decision_reason, locked.updated_at
    return transition
