"""Shared model building blocks."""

from __future__ import annotations

import uuid

from django.db import models


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
