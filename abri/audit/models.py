"""The append-only, hash-chained audit log.

Each event's hash (an HMAC under a versioned audit key kept outside the database, see
``abri.audit.chain``) covers its own fields and the previous event's hash, so removing, changing or
reordering any event breaks every hash after it, and nobody without the key can recompute them.
The database refuses UPDATE and DELETE on the event table (triggers created by the migration, on
SQLite and PostgreSQL alike); ``AuditHead`` holds the newest hash so that the loss of the last
events is detected too, and signed checkpoints kept off the server catch a rewind of both.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    # A sequential id gives the chain's order; audit rows are never exposed to users by id.
    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # Kept as text too: the chain must verify even if the actor row is later anonymised.
    actor_label = models.CharField(max_length=150, blank=True)
    organisation_id = models.UUIDField(null=True, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # Never personal data of a sheltered person here: ids, field names, counts, reasons codes.
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # The audit key version whose HMAC made ``hash``; None for the SHA-256 links written before
    # the chain was keyed (all before the first keyed event, which pins them).
    key_version = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id", "id"])]

    def __str__(self) -> str:
        return f"#{self.id} {self.action}"


class AuditHead(models.Model):
    """One row: the hash of the newest event, locked while appending to serialise the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_event_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"head at #{self.last_event_id}"
