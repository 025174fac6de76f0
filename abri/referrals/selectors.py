"""Reads for the request pages: the coordinator's worklist with ages and deadlines."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone

from abri.access.roles import COORDINATION, role_of
from abri.referrals.models import Request, Status, Urgency
from abri.referrals.workflow import NEXT_ACTION, OPEN_STATUSES, TRANSITIONS

URGENCY_RANK = {Urgency.IMMEDIATE: 0, Urgency.URGENT: 1, Urgency.NORMAL: 2}
# Not assessed within 2 working days is late; within 1 it is due soon (immediate danger: hours).
ASSESSMENT_DEADLINE_WORKING_DAYS = {Urgency.NORMAL: 2, Urgency.URGENT: 1, Urgency.IMMEDIATE: 0}


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Monday-to-Friday days from start (excluded) to end (included): the coordinators' week."""
    if end <= start:
        return 0
    days = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            days += 1
    return days


@dataclass(frozen=True)
class WorklistRow:
    request: Request
    age_days: int
    deadline: str  # "late", "soon", "ok"
    next_action: Any


def deadline_state(request: Request, today: datetime.date) -> str:
    if request.status not in (Status.SUBMITTED, Status.IN_ASSESSMENT) or request.submitted_at is None:
        return "ok"
    allowed = ASSESSMENT_DEADLINE_WORKING_DAYS[Urgency(request.urgency)]
    elapsed = working_days_between(timezone.localtime(request.submitted_at).date(), today)
    if elapsed > allowed or (
        allowed == 0
        and elapsed >= 0
        and request.status == Status.SUBMITTED
        and timezone.now() - request.submitted_at > datetime.timedelta(hours=4)
    ):
        return "late"
    return "soon" if elapsed == allowed else "ok"


def worklist(
    requests: models.QuerySet[Request], *, status: str = "", urgency: str = "", sort: str = "oldest"
) -> list[WorklistRow]:
    """Every open request with its age, deadline colour and next action: one query."""
    qs = requests.filter(status__in=OPEN_STATUSES)
    if status:
        qs = qs.filter(status=status)
    if urgency:
        qs = qs.filter(urgency=urgency)
    today = timezone.localdate()
    now = timezone.now()
    rows = [
        WorklistRow(
            request=r,
            age_days=(now - (r.submitted_at or r.created_at)).days,
            deadline=deadline_state(r, today),
            next_action=NEXT_ACTION[Status(r.status)],
        )
        for r in qs.select_related("person", "referrer")
    ]
    if sort == "urgency":
        rows.sort(key=lambda row: (URGENCY_RANK[Urgency(row.request.urgency)], -row.age_days))
    elif sort == "newest":
        rows.sort(key=lambda row: row.age_days)
    else:
        rows.sort(key=lambda row: -row.age_days)
    return rows


# The timeline's kinds whose reason was written *for the field worker*: the request page's
# decisions that need a reason (the decision form says "the field worker reads it"; the same rule
# as ``workflow.apply`` for ``decision_reason``) and the field worker's own withdrawal. Every other
# reason (a shelter's withdrawal, a missed arrival, a disclosure, a change of the danger zones,
# any kind added later outside the request page) is someone else's free text: never shown
# outside coordination.
REASON_FOR_THE_REFERRER = frozenset(
    t.name for t in TRANSITIONS.values() if t.on_request_page and t.reason_required
)
# Kinds whose reason is a code, shown as its label.
CODED_REASONS = frozenset({"shelter_refused"})


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    kind: str
    actor: str  # coordinators only
    reason: str


def _coded_reason(value: str) -> str:
    from abri.placements.models import RefusalReason

    return str(RefusalReason(value).label) if value in RefusalReason.values else ""


def readable_reason(user: Any, event: Any) -> str:
    """An event's reason as this user may read it (empty when not theirs to read)."""
    if event.kind in CODED_REASONS:
        return _coded_reason(event.reason)
    if role_of(user) in COORDINATION or event.kind in REASON_FOR_THE_REFERRER:
        # An empty reason reads back as None (encrypted fields store it as NULL), not "None".
        return str(event.reason or "")
    return ""


def timeline(user: Any, request: Request) -> list[TimelineEntry]:
    """The request's timeline as this user may read it: every page shows it through here."""
    coordinator = role_of(user) in COORDINATION
    return [
        TimelineEntry(
            at=event.at,
            kind=event.kind,
            actor=event.actor.get_username() if coordinator and event.actor else "",
            reason=readable_reason(user, event),
        )
        for event in request.events.select_related("actor")
    ]


def decision_reason(user: Any, request: Request) -> str:
    """The reason of the decision that set the request's current status, for the banner.

    Coordinators read the stored one; anyone else the reason of the latest event that moved the
    request to its current status, if that reason was written for them (``readable_reason``).
    """
    if role_of(user) in COORDINATION:
        return str(request.decision_reason or "")
    # The reason is encrypted, so it cannot be filtered on in SQL: a request has few events that
    # reached its current status, and the newest one with a reason is found once decrypted.
    events = request.events.filter(to_status=request.status).order_by("-at", "-id")
    event = next((e for e in events if e.reason), None)
    return readable_reason(user, event) if event is not None else ""
