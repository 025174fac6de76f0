"""Browser tests: a real server (gunicorn) on its own SQLite database with the demo network,
driven by Debian's Chromium through Playwright. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate a fresh database, load the demo network and serve it, as `make run` does."""
    var = tmp_path_factory.mktemp("e2e-var")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"ABRI_ENV": "development", "ABRI_VAR_DIR": str(var), "ABRI_DEMO": "true"})
    python = sys.executable
    for args in (["migrate", "--noinput", "-v0"], ["seed_demo", "-v0"]):
        subprocess.run([python, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=300)
    port = _free_port()
    server = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "abri.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        raise RuntimeError("the test server did not start")
    os.environ["ABRI_E2E_ENV"] = repr(env)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def demo_env(live_server_url: str) -> dict[str, str]:
    import ast

    return dict(ast.literal_eval(os.environ["ABRI_E2E_ENV"]))


_LAST_WINDOW: dict[str, int] = {}


def demo_code(env: dict[str, str], username: str) -> str:
    """The demo user's current code. A TOTP code is accepted once: if this user already signed in
    during the current 30-second window, wait for the next one, as a person would."""
    window = int(time.time() // 30)
    if _LAST_WINDOW.get(username) == window or 30 - time.time() % 30 < 4:
        # Used already in this window, or the window ends before the code could be typed and
        # checked (a loaded CI machine): wait for the next one.
        time.sleep(30 - time.time() % 30 + 0.5)
        window = int(time.time() // 30)
    _LAST_WINDOW[username] = window
    result = subprocess.run(
        [sys.executable, "manage.py", "demo_totp", username],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout.strip()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: object, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def manage_shell(env: dict[str, str], code: str) -> str:
    """Read the test server's database (for what a person would learn by other means)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout.strip().splitlines()[-1]


def click_and_load(control: object) -> None:
    """Click a control that sends a form, and wait for the page that answers.

    A form sent by POST always loads a new document: the redirect after success, or the form again
    with its errors. Without waiting for it, the next assertion may read the page that was already
    there (`wait_for_load_state` returns at once, since that old page is loaded): a race that a
    slower machine loses.
    """
    with control.page.expect_navigation():  # type: ignore[attr-defined]
        control.click()  # type: ignore[attr-defined]
