"""Time audit appends and the chain's verification on a throwaway SQLite database.

    .venv/bin/python bench/audit_append.py [--events 3000] [--runs 5]

Each append is its own transaction, as in a request (`audit_record` inside a service). Prints
the median of the runs: appends per second, and events verified per second by `verify_chain`.
The database and any development keys live in a temporary directory, removed at the end (also
after a failed run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
TMP = tempfile.mkdtemp(prefix="abri-audit-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abri.settings")
os.environ["ABRI_VAR_DIR"] = TMP
os.environ["ABRI_SQLITE_PATH"] = str(Path(TMP) / "bench.sqlite3")
os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from abri.audit.chain import verify_chain  # noqa: E402
from abri.audit.services import audit_record  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    append_rates, verify_rates = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        for i in range(args.events):
            with transaction.atomic():
                audit_record(action="bench.append", object_type="thing", object_id=str(i), data={"i": i})
        append_rates.append(args.events / (time.perf_counter() - started))
        started = time.perf_counter()
        result = verify_chain()
        verify_rates.append(result.checked / (time.perf_counter() - started))
        assert result.ok, result
    median = statistics.median(append_rates)
    print(f"appends:  {median:8.0f} events/s (median of {args.runs} x {args.events})")
    print(f"verify:   {statistics.median(verify_rates):8.0f} events/s (last run: {result.checked} events)")


if __name__ == "__main__":
    try:
        main()
    finally:
        # Also after a failed run or Ctrl-C: the directory holds a database and keys.
        shutil.rmtree(TMP, ignore_errors=True)
