"""E-mail goes out through the task worker, after the transaction that caused it commits."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django_tasks import task

_suppressed: ContextVar[bool] = ContextVar("abri_mail_suppressed", default=False)


@contextlib.contextmanager
def mail_suppressed() -> Iterator[None]:
    """Build synthetic data without mailing anybody (the demo network's demo.invalid addresses)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


@task()
def send_mail_task(to: list[str], subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to, fail_silently=False)


def queue_mail(*, to: list[str], subject: str, body: str) -> None:
    """Queue once the current transaction commits: a rolled-back action sends nothing.

    Callers must never put a person's name, a town or a shelter in ``subject`` or ``body``
    (SECURITY.md bar 13): e-mails say that something awaits, with a link.
    """
    if _suppressed.get():
        return
    transaction.on_commit(lambda: send_mail_task.enqueue(to, subject, body))
