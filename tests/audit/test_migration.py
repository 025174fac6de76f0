"""A database from before the keyed chain, migrated: its events are anchored, not re-chained.

Runs `migrate` in a subprocess on its own SQLite file (the test database is already migrated):
the log is filled at migration 0002 the way the unkeyed code wrote it, then migrated forward.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

# One process (each start of Django costs seconds): migrate to 0002, write the log as the unkeyed
# code did (by SQL: the model already has the new column), migrate forward, verify, try a DELETE.
SCRIPT = """
import datetime, hashlib, io, json
from django.core.management import call_command
from django.db import connection
from abri.audit.chain import GENESIS, hashed_fields
from types import SimpleNamespace
call_command("migrate", "audit", "0002", verbosity=0)
prev = GENESIS
with connection.cursor() as cursor:
    for i in range(1, 4):
        event = SimpleNamespace(id=i, created_at=datetime.datetime(2026, 1, i, tzinfo=datetime.UTC),
            actor_id=None, actor_label="", organisation_id=None, action="legacy", object_type="thing",
            object_id=str(i), ip_address=None, data={"n": i})
        canonical = json.dumps(hashed_fields(event), sort_keys=True, separators=(",", ":"),
            ensure_ascii=False, default=str)
        digest = hashlib.sha256(f"{prev}|{canonical}".encode()).hexdigest()
        cursor.execute(
            "INSERT INTO audit_auditevent (id, created_at, actor_label, action, object_type, object_id,"
            " data, prev_hash, hash) VALUES (%s, %s, '', 'legacy', 'thing', %s, %s, %s, %s)",
            [i, event.created_at, str(i), json.dumps(event.data), prev, digest])
        prev = digest
    cursor.execute("INSERT INTO audit_audithead (id, last_event_id, last_hash) VALUES (1, 3, %s)", [prev])
call_command("migrate", "audit", verbosity=0)
call_command("audit_verify")
from abri.audit.models import AuditEvent
try:
    AuditEvent.objects.all().delete()
except Exception as exc:
    print("refused:", exc)
"""


def test_migration_anchors_the_events_written_before_the_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ABRI_", "DJANGO_", "DATABASE_URL"))}
    env.update(ABRI_ENV="test", ABRI_VAR_DIR=str(tmp_path), ABRI_SQLITE_PATH=str(tmp_path / "old.sqlite3"))
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert "audit chain intact: 4 events verified, 3 of them from before the key, anchored" in lines
    assert any(line.startswith("abri-audit-checkpoint count=4 head=4 ") for line in lines)
    # The triggers survived the new column: the log is still append-only.
    assert "append-only" in lines[-1] and lines[-1].startswith("refused:")
