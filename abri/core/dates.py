"""Calendar arithmetic the standard library leaves out."""

from __future__ import annotations

import datetime


def shift_years(day: datetime.date, years: int) -> datetime.date:
    """The same day so many years later (or earlier, when negative); 29 February becomes
    28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
