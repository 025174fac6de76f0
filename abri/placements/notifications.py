"""In-app notifications, written after the transaction commits (like e-mails)."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def notify(users: list[Any], message: Any) -> None:
    """Tell these users that something awaits them. ``message`` must hold no personal data."""
    from abri.placements.models import Notification

    text = str(message)[:200]
    ids = [u.pk for u in users]

    def write() -> None:
        Notification.objects.bulk_create([Notification(user_id=pk, message=text) for pk in ids])

    transaction.on_commit(write)
