"""The navigation each role sees, built from the same rules the AccessMiddleware enforces."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from abri.access.roles import role_of
from abri.access.routes import rule_for

# (route name, label): shown only to roles the route's rule admits.
NAVIGATION: list[tuple[str, Any]] = [
    ("home", _("Home")),
    ("referrals:worklist", _("Requests")),
    ("referrals:mine", _("My requests")),
    ("search:plan", _("Plan")),
    ("network:board", _("Network")),
    ("placements:inbox", _("Proposals and residents")),
    ("network:my_shelters", _("My shelters")),
    ("support:people", _("Support")),
    ("network:capacity", _("Capacity")),
    ("reports:dashboard", _("Statistics")),
    ("reports:observer", _("Statistics")),
    ("reports:mine", _("Our activity")),
    ("network:directory", _("Directory")),
    ("training:session_list", _("Training")),
    ("training:mine", _("Training")),
    ("accounts:organisation_list", _("Organisations")),
    ("audit:event_list", _("Audit trail")),
    ("placements:notifications", _("Notifications")),
    ("accounts:security", _("My security")),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    role = role_of(user)
    if role is None or user is None or not user.is_verified():
        return {"nav_items": [], "current_role": None}
    items = []
    for name, label in NAVIGATION:
        rule = rule_for(name)
        if name == "placements:inbox" and role != "shelter_staff":
            continue  # coordinators follow proposals from each request's page
        if name == "network:capacity" and role != "observer":
            continue  # coordinators read the same figures on the network board
        if name == "reports:observer" and role != "observer":
            continue  # coordinators reach the observers' view from their statistics page
        sessions = rule_for("training:session_list")
        if name == "training:mine" and sessions is not None and role in sessions.roles:
            continue  # their own trainings are one click from the session list
        if rule is not None and role in rule.roles:
            url = reverse(name)
            items.append({"url": url, "label": label, "current": request.path == url})
    return {"nav_items": items, "current_role": role}
