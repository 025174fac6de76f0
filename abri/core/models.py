"""Shared model building blocks."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models, transaction


class BaseModel(models.Model):
    """Domain models use random UUID keys.

    Why: an encrypted field binds its ciphertext to the row id, which must be known before the
    INSERT; and sequential ids in URLs would tell how many people the network shelters.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class SealedAfterInsert(models.Model):
    """For the few models whose id the database assigns (an ordered timeline, a version counter).

    An encrypted field binds its ciphertext to the row id (``abri.core.fields``), unknown before
    such a row's INSERT: the row is inserted with its encrypted fields empty, then they are sealed
    with the new id, in the same transaction. ``bulk_create`` cannot do this and fails loudly
    (the field refuses to encrypt without an id), which is what we want.
    """

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            super().save(*args, **kwargs)
            return
        from abri.core.fields import encrypted_fields

        pending = {f.attname: getattr(self, f.attname) for f in encrypted_fields(type(self))}
        with transaction.atomic(using=kwargs.get("using")):
            for name in pending:
                setattr(self, name, None)
            super().save(*args, **kwargs)
            for name, value in pending.items():
                setattr(self, name, value)
            filled = [name for name, value in pending.items() if value not in (None, "")]
            if filled:
                super().save(update_fields=filled, using=kwargs.get("using"))
