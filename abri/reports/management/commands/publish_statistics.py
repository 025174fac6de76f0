"""Publish (compute and freeze) the observers' tables of every finished year not yet published."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from abri.reports import observers
from abri.reports.models import PublishedYear


class Command(BaseCommand):
    help = "Compute and freeze the observers' tables of each finished year, once."

    def handle(self, *args: object, **options: object) -> None:
        done = set(PublishedYear.objects.values_list("year", flat=True))
        for year in observers.available_years():
            if year not in done:
                observers.published_tables(year)
                self.stdout.write(f"published the observers' tables of {year}")
