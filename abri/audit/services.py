"""Writing audit events, always inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from abri.audit.chain import GENESIS, seal
from abri.audit.models import AuditEvent, AuditHead


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: Any = None,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the current transaction (or a new one).

    Called by every service in the same transaction as the change it records, so that a change
    without its audit event, or an event for a change that rolled back, cannot exist. The head
    row is locked to serialise appends (PostgreSQL); SQLite's IMMEDIATE transactions already do.
    """
    with transaction.atomic():
        head = _locked_head()
        event = _chained(
            head,
            action=action,
            actor=actor,
            target=target,
            object_type=object_type,
            object_id=object_id,
            data=data,
            request=request,
        )
        event.save(force_insert=True)
        head.save(update_fields=["last_hash", "last_event_id"])
    return event


def _locked_head() -> AuditHead:
    head, _ = AuditHead.objects.select_for_update().get_or_create(
        id=1, defaults={"last_hash": GENESIS, "last_event_id": 0}
    )
    return head


def _chained(
    head: AuditHead,
    *,
    action: str,
    actor: Any,
    target: models.Model | None,
    object_type: str = "",
    object_id: str = "",
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """The next event after the (locked) head, sealed; the head moves on in memory only.

    The head lock serialises appends, so the next id is known before the INSERT and the hash
    (which covers the id) is written once: no UPDATE ever touches an event.
    """
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
    user = actor if getattr(actor, "is_authenticated", False) else None
    organisation_id = getattr(user, "organisation_id", None)
    event = AuditEvent(
        id=head.last_event_id + 1,
        created_at=timezone.now(),
        actor=user,
        actor_label=user.get_username() if user else "",
        organisation_id=organisation_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip_address=_client_ip(request),
        data=data or {},
    )
    seal(event, head.last_hash)
    head.last_hash = event.hash
    head.last_event_id = event.id
    return event


def audit_read(
    *, actor: Any, target: models.Model, fields: list[str], request: HttpRequest | None = None
) -> None:
    """Record that sensitive fields of an object were shown to someone (SECURITY.md bar 10)."""
    audit_read_many(actor=actor, targets=[target], fields=fields, request=request)


def audit_read_many(
    *, actor: Any, targets: list[models.Model], fields: list[str], request: HttpRequest | None = None
) -> None:
    """One ``read.sensitive`` event per target, appended together: a page listing many people
    costs the same three queries as a page showing one (lock the head, insert, move the head)."""
    if not targets:
        return
    with transaction.atomic():
        head = _locked_head()
        events = [
            _chained(
                head,
                action="read.sensitive",
                actor=actor,
                target=target,
                data={"fields": sorted(fields)},
                request=request,
            )
            for target in targets
        ]
        AuditEvent.objects.bulk_create(events)
        head.save(update_fields=["last_hash", "last_event_id"])
