"""What observers were shown for a year, frozen at its first publication."""

from __future__ import annotations

from django.db import models


class PublishedYear(models.Model):
    """The suppressed observers' tables of one calendar year, as first published.

    A late entry (an exit dated in December, recorded in January) would otherwise change a past
    year's table, and two readings of it could be subtracted to reveal one person. Once a year is
    published, observers are shown these numbers and never recomputed ones.
    """

    year = models.PositiveSmallIntegerField(unique=True)
    # repr(variable) -> the published count, or None where it is hidden.
    values = models.JSONField()
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)
