"""Production mode: refuses to start without its secrets, and passes `check --deploy`."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KEY = base64.b64encode(b"k" * 32).decode()
PRODUCTION_ENV = {
    "ABRI_ENV": "production",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "abri.example.org",
    "ABRI_ENCRYPTION_KEYS": f"1:{KEY}",
    "ABRI_BLIND_INDEX_KEY": KEY,
    "ABRI_AUDIT_KEYS": f"1:{KEY}",
    "ABRI_WEBAUTHN_RP_ID": "abri.example.org",
    "ABRI_WEBAUTHN_ORIGINS": "https://abri.example.org",
    "ABRI_SQLITE_PATH": "/tmp/abri-deploy-check.sqlite3",
}


def manage(*args, env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ABRI_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "ABRI_ENCRYPTION_KEYS", "ABRI_AUDIT_KEYS"]
)
def test_production_refuses_to_start_without_a_secret(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.parametrize("command", [["seed_demo"], ["demo_totp", "coordination"]])
def test_production_refuses_the_demo(command):
    result = manage(*command, env=PRODUCTION_ENV)
    assert result.returncode != 0
    assert "production" in result.stderr
