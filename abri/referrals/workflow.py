"""The request's workflow as one table: from which status, by whom, to which status.

Drawn in docs/requests.md. Each transition is one service in ``services.py`` that calls
``check_transition`` first; the placement issue extends the table from ``searching`` on.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from abri.access.roles import COORDINATION, REFERRER
from abri.core.errors import TransitionError
from abri.referrals.models import Status

S = Status


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    reason_required: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("submit", frozenset({S.DRAFT}), S.SUBMITTED, frozenset({REFERRER})),
        Transition("start_assessment", frozenset({S.SUBMITTED}), S.IN_ASSESSMENT, COORDINATION),
        Transition(
            "request_information",
            frozenset({S.SUBMITTED, S.IN_ASSESSMENT}),
            S.INFO_REQUESTED,
            COORDINATION,
            reason_required=True,
        ),
        Transition(
            "provide_information", frozenset({S.INFO_REQUESTED}), S.IN_ASSESSMENT, frozenset({REFERRER})
        ),
        Transition("accept", frozenset({S.SUBMITTED, S.IN_ASSESSMENT}), S.ACCEPTED, COORDINATION),
        Transition(
            "redirect",
            frozenset({S.SUBMITTED, S.IN_ASSESSMENT, S.INFO_REQUESTED}),
            S.REDIRECTED,
            COORDINATION,
            reason_required=True,
        ),
        Transition(
            "decline",
            frozenset({S.SUBMITTED, S.IN_ASSESSMENT, S.INFO_REQUESTED}),
            S.DECLINED,
            COORDINATION,
            reason_required=True,
        ),
        Transition("start_search", frozenset({S.ACCEPTED}), S.SEARCHING, COORDINATION),
        Transition(
            "close",
            frozenset({S.REDIRECTED, S.DECLINED, S.ACCEPTED, S.SEARCHING, S.INFO_REQUESTED}),
            S.CLOSED,
            COORDINATION,
            reason_required=True,
        ),
        Transition(
            "withdraw",
            frozenset({S.SUBMITTED, S.IN_ASSESSMENT, S.INFO_REQUESTED, S.ACCEPTED, S.SEARCHING}),
            S.CLOSED,
            frozenset({REFERRER}),
            reason_required=True,
        ),
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
    return [t for t in TRANSITIONS.values() if status in t.sources and role in t.roles]
