"""Identifiers received from forms and URLs."""

from __future__ import annotations

import uuid


def is_uuid(value: str) -> bool:
    """Whether a submitted value is a UUID (our keys): anything else is answered like a missing object."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
