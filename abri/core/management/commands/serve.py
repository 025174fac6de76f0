"""Serve Abri with gunicorn and run the task worker beside it (what `make run` starts)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the application (gunicorn) with the task worker and the periodic jobs alongside."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--workers", default="2")

    def handle(self, *args: object, **options: object) -> None:
        python = sys.executable
        worker = subprocess.Popen([python, "manage.py", "db_worker", "--interval", "2"])  # noqa: S603
        scheduler = subprocess.Popen([python, "manage.py", "run_scheduler"])  # noqa: S603
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"Abri is served on http://{bind}/ (Ctrl+C stops it)")
        server = subprocess.Popen(  # noqa: S603
            [
                python,
                "-m",
                "gunicorn",
                "abri.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(options["workers"]),
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ],
            env={**os.environ},
        )
        try:
            server.wait()
        except KeyboardInterrupt:
            server.send_signal(signal.SIGTERM)
            server.wait()
        finally:
            for helper in (worker, scheduler):
                helper.terminate()
                helper.wait(timeout=10)
