"""Hard-constraint reason codes, in the order they are checked.

The order is MATCHING.md's: places, danger, acceptance, wheelchair, avoid list, then the
constraints a linked request brings. An excluded pair reports the first code it fails.
"""

from __future__ import annotations

ELIGIBLE = 0
INSUFFICIENT_PLACES = 1
INSIDE_DANGER_DEPARTEMENT = 2
TOO_CLOSE_TO_DANGER = 3
GENDER_NOT_ACCEPTED = 4
COUPLES_NOT_ACCEPTED = 5
TOO_MANY_CHILDREN = 6
NO_WHEELCHAIR_ACCESS = 7
AVOIDED = 8
LINKED_REQUEST_EXCLUDED = 9
LINKED_GROUP_TOO_LARGE = 10

CODES: tuple[str, ...] = (
    "eligible",
    "insufficient_places",
    "inside_danger_departement",
    "too_close_to_danger",
    "gender_not_accepted",
    "couples_not_accepted",
    "too_many_children",
    "no_wheelchair_access",
    "avoided",
    "linked_request_excluded",
    "linked_group_too_large",
)
