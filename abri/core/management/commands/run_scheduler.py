"""The periodic jobs, for `make run` (in production a cron or systemd timer runs the commands)."""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

# (command, every so many seconds)
JOBS = [
    ("expire_proposals", 300),
    ("support_reminders", 3600),
    ("publish_statistics", 24 * 3600),
    ("retention_anonymise", 24 * 3600),
]


class Command(BaseCommand):
    help = "Run the periodic jobs (deadline reminders, expiry, retention) in a loop."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--once", action="store_true", help="run every job once and stop")

    def handle(self, *args: object, **options: object) -> None:
        last_run = dict.fromkeys((name for name, _every in JOBS), 0.0)
        while True:
            now = time.monotonic()
            for name, every in JOBS:
                if options["once"] or now - last_run[name] >= every:
                    call_command(name, stdout=self.stdout)
                    last_run[name] = now
            if options["once"]:
                return
            time.sleep(30)
