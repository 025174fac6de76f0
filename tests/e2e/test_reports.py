"""The statistics pages in a browser: charts drawn, no CSP violation, screenshots to look at."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_network import sign_in

pytestmark = pytest.mark.e2e


def test_coordinator_and_observer_statistics(browser, live_server_url, demo_env):
    for username, path, name in (
        ("coordination", "/statistics/", "reports-dashboard"),
        ("observateur", "/statistics/observatory/", "reports-observer"),
        ("chrs", "/activity/", "reports-shelter-activity"),
    ):
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        violations = []
        page.on(
            "console",
            lambda msg, found=violations: found.append(msg.text) if "Content Security" in msg.text else None,
        )
        sign_in(page, live_server_url, demo_env, username)
        page.goto(f"{live_server_url}{path}")
        assert page.get_by_role("heading", level=1).count() == 1
        if username == "coordination":
            assert page.locator("svg.chart[role=img]").count() >= 10
            assert page.locator("figure figcaption").count() >= 10
        if username == "observateur":
            assert page.locator("table.report-table").count() == 7
            assert page.get_by_text("< 10").count() > 0
        screenshot(page, name)
        assert not violations, violations
        context.close()
