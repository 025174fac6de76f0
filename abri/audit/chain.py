"""Sealing and verification of the audit chain.

Each event carries a link: an HMAC-SHA256, under a versioned audit key kept outside the database,
of the previous link and the event's canonical fields. Whoever holds the database but not the key
cannot rewrite an event and recompute the links (the plain SHA-256 chain of the first version
allowed exactly that). Events written before the key existed keep their SHA-256 links; the first
keyed event covers the last of them, so the whole unkeyed prefix is pinned by one MAC
(docs/decisions/0010-audit-keyed-chain.md). A rewind (the newest events removed and the head moved
back) leaves a valid shorter chain: only a checkpoint kept off the server catches it
(``abri.audit.checkpoint``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from abri.audit.keys import AuditKeys, audit_keys

GENESIS = "0" * 64
ANCHOR_ACTION = "audit.chain_keyed"


def _canonical(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def legacy_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The unkeyed link of events written before the chain was keyed; never used for new events."""
    return hashlib.sha256(f"{prev_hash}|{_canonical(fields)}".encode()).hexdigest()


def keyed_hash(prev_hash: str, fields: dict[str, Any], version: int, keys: AuditKeys | None = None) -> str:
    # The version is inside the MAC too: a link cannot be relabelled to another key or to none.
    key = (keys or audit_keys()).mac_keys[version]
    message = f"v{version}|{prev_hash}|{_canonical(fields)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def hashed_fields(event: Any) -> dict[str, Any]:
    return {
        "id": event.id,
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "organisation_id": str(event.organisation_id) if event.organisation_id else None,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "ip_address": event.ip_address,
        "data": event.data,
    }


def seal(event: Any, prev_hash: str) -> None:
    """Link a new event (id and fields set) after prev_hash with the newest audit key."""
    keys = audit_keys()
    event.prev_hash = prev_hash
    event.key_version = keys.current_version
    event.hash = keyed_hash(prev_hash, hashed_fields(event), event.key_version, keys)


def anchor_legacy_events(event_model: Any, head_model: Any) -> Any:
    """Pin the events written before the key with one keyed event, if there are any and none is keyed.

    Run by the migration that adds the key (with its historical models), so that from then on a
    log ending with an unkeyed event is always a forgery. Returns the anchor event, or None.
    """
    from django.db import transaction
    from django.utils import timezone

    with transaction.atomic():
        head = head_model.objects.select_for_update().filter(id=1).first()
        if head is None or event_model.objects.filter(key_version__isnull=False).exists():
            return None
        legacy = event_model.objects.count()
        event = event_model(
            id=head.last_event_id + 1,
            created_at=timezone.now(),
            actor_label="",
            action=ANCHOR_ACTION,
            data={"legacy_events": legacy, "legacy_head": head.last_hash},
        )
        seal(event, head.last_hash)
        event.save(force_insert=True)
        head.last_hash = event.hash
        head.last_event_id = event.id
        head.save(update_fields=["last_hash", "last_event_id"])
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_at: int | None = None
    problem: str = ""
    head_id: int = 0
    head_hash: str = GENESIS
    legacy: int = 0  # events from before the key, pinned by the first keyed one


def verify_chain(batch_size: int = 5000, *, pinned: tuple[int, str] | None = None) -> VerifyResult:
    """Walk the whole log in id order; name the first event whose link does not hold.

    ``pinned`` is (event id, link) from a trusted checkpoint: that event must still be there,
    unchanged, so a rewind or truncation behind the checkpoint is caught too.
    """
    from abri.audit.models import AuditEvent, AuditHead

    keys = audit_keys()
    prev = GENESIS
    checked = legacy = last_id = 0
    keyed_seen = False

    def broken(event_id: int | None, problem: str) -> VerifyResult:
        return VerifyResult(False, checked, event_id, problem, last_id, prev, legacy)

    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            head = AuditHead.objects.filter(id=1).first()
            head_id, head_hash = (head.last_event_id, head.last_hash) if head else (0, GENESIS)
            # An event and the head move in one transaction: a head further on means events were
            # appended while we walked (walk on), unless there are none (the tail was removed).
            if head_id > last_id and AuditEvent.objects.filter(id__gt=last_id).exists():
                continue
            if (head_id, head_hash) != (last_id, prev):
                return broken(head_id, "events after the last one are missing")
            break
        for event in batch:
            if event.prev_hash != prev:
                return broken(event.id, "previous hash does not match")
            fields = hashed_fields(event)
            if event.key_version is None:
                if keyed_seen:
                    return broken(event.id, "unkeyed event after the chain was keyed")
                if legacy_hash(prev, fields) != event.hash:
                    return broken(event.id, "content does not match its hash")
                legacy += 1
            else:
                if event.key_version not in keys.mac_keys:
                    return broken(event.id, f"audit key version {event.key_version} is not configured")
                if not hmac.compare_digest(keyed_hash(prev, fields, event.key_version, keys), event.hash):
                    return broken(event.id, "content does not match its keyed hash (changed without the key)")
                keyed_seen = True
            if pinned is not None and event.id == pinned[0] and event.hash != pinned[1]:
                return broken(event.id, "differs from the checkpoint: the log was rewritten")
            prev = event.hash
            last_id = event.id
            checked += 1
    if checked and not keyed_seen:
        # The migration that introduced the key anchored any older events with a keyed one.
        return broken(last_id, "no keyed event: the log was rewritten without the key")
    if pinned is not None and pinned[0] > last_id:
        return broken(pinned[0], "missing: events after it were removed since the checkpoint")
    return VerifyResult(True, checked, head_id=last_id, head_hash=prev, legacy=legacy)
