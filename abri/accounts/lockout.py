"""What a failed sign-in leaves behind: a keyed hash of the typed username, never the text.

People type their password in the username box; a log of failed sign-ins that keeps what was
typed keeps those passwords forever. Both the audit event and django-axes' lockout records
(AXES_USERNAME_CALLABLE) store ``typed_username_hash`` instead: the same name typed again gives
the same hash, so lockout per (username, IP address) still counts, and an administrator who knows
a name can still find its failures, but a database copy reads nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from abri.core.crypto import blind_index

LOGIN_USERNAME_PURPOSE = "login-username"


def typed_username_hash(typed: str) -> str:
    return blind_index(typed, purpose=LOGIN_USERNAME_PURPOSE)


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """django-axes' username for lockout and its records: the keyed hash of what was typed."""
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = getattr(request, "POST", {}).get("username")
    return typed_username_hash(str(typed)) if typed else None
