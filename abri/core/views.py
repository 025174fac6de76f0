"""The home page per role, and the error pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from abri.access.roles import role_of

HOME_TEMPLATES = {
    "coordinator": "home/coordinator.html",
    "administrator": "home/coordinator.html",
    "referrer": "home/referrer.html",
    "shelter_staff": "home/shelter.html",
    "partner": "home/partner.html",
    "observer": "home/observer.html",
}


def home_view(request: HttpRequest) -> HttpResponse:
    """What needs this person now; each empty section says what will appear there."""
    role = role_of(request.user) or ""
    context: dict[str, Any] = {"role": role}
    if role in ("coordinator", "administrator"):
        from abri.access.policy import requests_for_user
        from abri.referrals.selectors import worklist

        rows = worklist(requests_for_user(request.user), sort="oldest")
        context["waiting"] = [r for r in rows if r.request.status in ("submitted", "in_assessment")][:10]
        context["waiting_count"] = sum(1 for r in rows if r.request.status in ("submitted", "in_assessment"))
        from abri.placements.selectors import coordinator_placements

        context.update(coordinator_placements(request.user))
    if role == "referrer":
        from abri.access.policy import requests_for_user
        from abri.referrals.models import Status
        from abri.referrals.workflow import REFERRER_WORD

        mine = requests_for_user(request.user).exclude(status=Status.CLOSED).order_by("-updated_at")[:10]
        context["requests"] = [(r, REFERRER_WORD[Status(r.status)]) for r in mine]
    if role == "shelter_staff":
        from abri.access.policy import shelters_for_user
        from abri.network.availability import availability_by_shelter

        shelters = list(shelters_for_user(request.user).filter(is_active=True))
        availabilities = availability_by_shelter(shelters)
        context["shelters"] = [(s, availabilities[s.pk]) for s in shelters]
        from abri.access.policy import proposals_for_user
        from abri.placements.models import ProposalStatus

        context["proposals"] = list(
            proposals_for_user(request.user)
            .filter(status=ProposalStatus.PENDING)
            .select_related("request__person", "shelter")
            .order_by("expires_at")[:10]
        )
    if role in ("shelter_staff", "partner"):
        from abri.access.policy import identities_for
        from abri.support.selectors import people_for_user, support_agenda

        context["people"] = list(people_for_user(request.user)[:10])
        if role == "shelter_staff":
            # A shelter greets its residents by name: each name shown is a recorded read.
            identities = identities_for(request.user, context["people"], request=request)
            context["residents"] = [(p, identities.get(p.pk)) for p in context["people"]]
        context["people_count"] = people_for_user(request.user).count()
        context["agenda"] = support_agenda(request.user)
    return render(request, HOME_TEMPLATES[role], context)


def not_found_view(request: HttpRequest, exception: Any = None) -> HttpResponse:
    # The same page whatever the reason: missing, or outside the user's reach.
    return render(request, "errors/404.html", status=404)


def server_error_view(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)
