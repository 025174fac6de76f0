"""Writes of the reports app: only the audit record of an export (the figures are reads)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from abri.access.roles import COORDINATION, role_of
from abri.accounts.models import User
from abri.audit.services import audit_record
from abri.core.errors import DomainError


def export_record(*, actor: User, year: int, fmt: str, http_request: HttpRequest | None = None) -> None:
    """Record who exported which year's file, before a byte leaves (coordinators only)."""
    if role_of(actor) not in COORDINATION:
        raise DomainError(_("Only coordinators export the statistics."), code="forbidden")
    with transaction.atomic():
        audit_record(
            action=f"reports.export.{fmt}",
            actor=actor,
            object_type="reports.survey",
            object_id=str(year),
            data={"year": year, "format": fmt},
            request=http_request,
        )
