"""E-mail goes out through the task worker, after the transaction that caused it commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django_tasks import task


@task()
def send_mail_task(to: list[str], subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to, fail_silently=False)


def queue_mail(*, to: list[str], subject: str, body: str) -> None:
    """Queue once the current transaction commits: a rolled-back action sends nothing.

    Callers must never put a person's name, a town or a shelter in ``subject`` or ``body``
    (SECURITY.md bar 13): e-mails say that something awaits, with a link.
    """
    transaction.on_commit(lambda: send_mail_task.enqueue(to, subject, body))
