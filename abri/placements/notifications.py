"""In-app notifications, written after the transaction commits (like e-mails)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise


def notify(users: list[Any], message: Any) -> None:
    """Tell these users that something awaits them. ``message`` must hold no personal data.

    ``message`` is a lazy translation without placeholders, kept in its English source so that
    each reader reads it in their own language.
    """
    from abri.placements.models import Notification

    # A plain string would be stored in the sender's language, and a cut one would no longer
    # match its translation: both are programming errors, caught by the tests.
    if not isinstance(message, Promise):
        raise TypeError("notify() takes a lazy translation (gettext_lazy), not a string")
    with translation.override(None):  # no catalogue: the msgid itself, the English source
        source = str(message)
    if len(source) > 200:
        raise ValueError("a notification's message holds at most 200 characters")
    ids = [u.pk for u in users]

    def write() -> None:
        Notification.objects.bulk_create([Notification(user_id=pk, message=source) for pk in ids])

    transaction.on_commit(write)


def coordination_users() -> list[Any]:
    """The coordinating association's active coordinators and administrators."""
    from abri.accounts.models import Role, User

    return list(User.objects.filter(is_active=True, role__in=[Role.COORDINATOR, Role.ADMINISTRATOR]))


def notify_and_mail(users: list[Any], message: Any, link: str = "") -> None:
    """A notification and an e-mail. The e-mail carries the message and a link, never a name, a
    document or a town (SECURITY.md bar 13): ``message`` and ``link`` must hold no personal data."""
    from abri.core.mail import queue_mail

    notify(users, message)
    emails = [u.email for u in users if u.email]
    if emails:
        body = f"{message}\n\n{link}\n" if link else f"{message}\n"
        queue_mail(to=emails, subject=str(message), body=body)
