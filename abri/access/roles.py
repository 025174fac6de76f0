"""The roles a request can act in, including the two states before a full sign-in."""

from __future__ import annotations

from typing import Any

from abri.accounts.models import Role

COORDINATOR = Role.COORDINATOR.value
ADMINISTRATOR = Role.ADMINISTRATOR.value
REFERRER = Role.REFERRER.value
SHELTER_STAFF = Role.SHELTER_STAFF.value
PARTNER = Role.PARTNER.value
OBSERVER = Role.OBSERVER.value

COORDINATION = frozenset({COORDINATOR, ADMINISTRATOR})
ADMINISTRATION = frozenset({ADMINISTRATOR})
EVERY_ROLE = frozenset({COORDINATOR, ADMINISTRATOR, REFERRER, SHELTER_STAFF, PARTNER, OBSERVER})
FIELD_ROLES = frozenset({REFERRER, SHELTER_STAFF, PARTNER})


def role_of(user: Any) -> str | None:
    """The role a signed-in, active user acts in; None for anyone without a membership."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if not user.organisation_id or not user.role:
        return None
    return str(user.role)
