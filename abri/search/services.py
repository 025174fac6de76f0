"""Writes about the engine's settings: a new version of the weights."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from abri.access.roles import ADMINISTRATION, role_of
from abri.accounts.models import User
from abri.audit.services import audit_record
from abri.core.errors import DomainError
from abri.search.models import WEIGHT_FIELDS, WeightSet


def weights_save(
    *, actor: User, values: dict[str, Any], http_request: HttpRequest | None = None
) -> WeightSet:
    """Save the weights as a new version (never edit an old one: plans name the version they used)."""
    if role_of(actor) not in ADMINISTRATION:
        raise DomainError(_("Only the coordinator's administrators change the weights."), code="forbidden")
    with transaction.atomic():
        # The row lock on the newest version serialises two administrators saving at once.
        latest = WeightSet.objects.select_for_update().order_by("-version").first()
        version = (latest.version if latest else 1) + 1
        new = WeightSet.objects.create(version=version, created_by=actor, **values)
        audit_record(
            action="search.weights",
            actor=actor,
            object_type="search.weightset",
            object_id=str(new.version),
            data={f: getattr(new, f) for f in WEIGHT_FIELDS},
            request=http_request,
        )
    return new
