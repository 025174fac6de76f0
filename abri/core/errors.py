"""The one domain error, with a translated message, mapped to HTTP answers in one place."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.text import Truncator


class DomainError(Exception):
    """A refused action: a wrong state, a wrong actor, or invalid input.

    ``field`` names the form field the message belongs to, when there is one, so that pages can
    show the error next to it.
    """

    status_code = 400

    def __init__(self, message: str | Promise, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code


class TransitionError(DomainError):
    status_code = 409


EXCERPT_CHARS = 40


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """At most ``limit`` characters of a user's value, for an error message that quotes it.

    A report that echoed whole cells could be made megabytes long (or carry a whole text pasted
    into a cell) by one bad value; an ellipsis says that the value goes on.
    """
    return Truncator(str(value)).chars(limit)
