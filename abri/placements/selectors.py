"""Reads for the placement pages, through the access policy."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from abri.access.policy import proposals_for_user, stays_for_user
from abri.placements.models import Incident, ProposalStatus, Transfer


def coordinator_placements(user: Any) -> dict[str, Any]:
    """The placement side of the coordinator's home: what expires, what was answered, who travels."""
    now = timezone.now()
    proposals = proposals_for_user(user).select_related("request__person", "shelter")
    expiring = proposals.filter(
        status=ProposalStatus.PENDING, expires_at__lte=now + datetime.timedelta(hours=24)
    )
    answered = proposals.filter(answered_at__gte=now - datetime.timedelta(days=3))
    transfers = Transfer.objects.filter(
        proposal__in=proposals.filter(status=ProposalStatus.CONFIRMED),
        travel_date__lte=timezone.localdate() + datetime.timedelta(days=7),
    ).select_related("proposal__request__person", "proposal__shelter")
    incidents = Incident.objects.filter(
        stay__in=stays_for_user(user), created_at__gte=now - datetime.timedelta(days=14)
    ).select_related("stay__request__person", "stay__shelter")
    return {
        "expiring": list(expiring.order_by("expires_at")[:10]),
        "answers": list(answered.order_by("-answered_at")[:10]),
        "transfers": list(transfers.order_by("travel_date")[:10]),
        "incidents": list(incidents.order_by("-created_at")[:10]),
    }
