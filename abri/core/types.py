"""Typing helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from abri.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request that the AccessMiddleware let through: its user is signed in."""

    user: User  # type: ignore[assignment]
