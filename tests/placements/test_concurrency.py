"""Many processes, each with its own database connection, race for the last places of a shelter.

Exactly the free places are taken, never more: on SQLite (IMMEDIATE transactions) and on
PostgreSQL (row lock on the shelter), round after round. The database under test is a separate
one, because the racing processes must see committed data.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
ATTEMPTS = 12
PLACES = 3
ROUNDS = 3

pytestmark = pytest.mark.slow


def _env(database_url: str | None, sqlite_path: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["ABRI_ENV"] = "test"
    env["PYTHONPATH"] = str(ROOT)
    if database_url:
        env["DATABASE_URL"] = database_url
    if sqlite_path:
        env["ABRI_SQLITE_PATH"] = str(sqlite_path)
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()


def _race(env: dict[str, str]) -> tuple[list[str], str]:
    _run(["manage.py", "migrate", "--noinput", "-v0"], env)
    shelter_id, *request_ids = (
        _run(["tests/placements/race_worker.py", "setup", str(ATTEMPTS), str(PLACES)], env)
        .splitlines()[-1]
        .split()
    )
    start_at = time.time() + 6  # every process is up and connected before the start
    racers = [
        subprocess.Popen(
            [
                sys.executable,
                "tests/placements/race_worker.py",
                "attempt",
                rid,
                shelter_id,
                str(start_at),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rid in request_ids
    ]
    outcomes = []
    for racer in racers:
        out, err = racer.communicate(timeout=300)
        assert racer.returncode == 0, err[-3000:]
        outcomes.append(out.strip().splitlines()[-1])
    return outcomes, _run(["tests/placements/race_worker.py", "report", shelter_id], env)


def _check(outcomes: list[str], report: str) -> None:
    assert outcomes.count("TAKEN") == PLACES, outcomes
    assert outcomes.count("REFUSED") == ATTEMPTS - PLACES
    taken, counted, _day = report.split()
    assert int(taken) == PLACES and int(counted) == PLACES


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_race_on_sqlite(tmp_path, round_number):
    outcomes, report = _race(_env(None, tmp_path / f"race-{round_number}.sqlite3"))
    _check(outcomes, report)


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_race_on_postgresql(round_number):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("runs in the PostgreSQL pass of .ci/run (DATABASE_URL set)")
    import psycopg

    db = settings.DATABASES["default"]
    name = f"abri_race_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
        outcomes, report = _race(_env(url, None))
        _check(outcomes, report)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
