"""Remind those following a person before a residence document expires or a hearing comes."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandParser

from abri.support.services import reminders_send


class Command(BaseCommand):
    help = (
        "Send the reminders before residence documents expire (60, 30, 7 days) and before hearings (7 days)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, help="pretend today is this date (YYYY-MM-DD)"
        )

    def handle(self, *args: object, **options: object) -> None:
        today = options.get("today")
        sent = reminders_send(today=today if isinstance(today, datetime.date) else None)
        self.stdout.write(f"support reminders: {sent['permits']} permit(s), {sent['hearings']} hearing(s)")
