"""Every download, played from its inventory (abri/access/downloads.py, SECURITY.md bars 5 and 10).

For each listed route and each role allowed to open it: with a second factor typed more than
five minutes ago, a download of personal data, addresses or unsuppressed figures is sent to
step-up and writes nothing; with a fresh one it answers the file and writes its audit event.
A route that answers a file without being listed fails ``test_route_answers_as_declared``
(tests/access/test_routes.py) and, by its name, ``test_routes_named_like_downloads_are_listed``.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from abri.access.downloads import DOWNLOADS
from abri.access.routes import ROUTES
from abri.accounts.stepup import VERIFIED_AT_KEY
from abri.audit.models import AuditEvent
from tests.access.test_routes import OBJECT_KWARGS, iter_routes
from tests.conftest import Network, sign_in

# Routes whose name or path sounds like a file but that answer none, and why.
NOT_DOWNLOADS = {
    "referrals:attachment_upload": "receives a document (POST), answers a redirect",
}
_LOOKS_LIKE_A_FILE = re.compile(r"export|download|pdf|csv|xlsx|json|certificate|attachment|\.\w+$")


def test_every_listed_download_is_a_route() -> None:
    assert set(DOWNLOADS) <= set(ROUTES)
    assert not set(DOWNLOADS) & set(NOT_DOWNLOADS)


def _unlisted_file_routes() -> list[str]:
    suspicious = {
        name
        for name, pattern in iter_routes()
        if _LOOKS_LIKE_A_FILE.search(name) or _LOOKS_LIKE_A_FILE.search(str(pattern.pattern))
    }
    suspicious -= {name for name in suspicious if name.startswith("otp_webauthn:")}  # JSON API, no file
    return sorted(suspicious - set(DOWNLOADS) - set(NOT_DOWNLOADS))


def test_routes_named_like_downloads_are_listed() -> None:
    unlisted = _unlisted_file_routes()
    assert not unlisted, f"list these in abri/access/downloads.py (or NOT_DOWNLOADS here): {unlisted}"


CASES = [(name, role) for name in sorted(DOWNLOADS) for role in sorted(ROUTES[name].roles)]


def _url(name: str, network: Network, user: Any) -> str:
    rule = ROUTES[name]
    kwargs = OBJECT_KWARGS[rule.obj](network, user, "own") if rule.obj else {}
    return reverse(name, kwargs=kwargs)


def _events(action: str) -> int:
    # The download's own event. A file about a person also records the read of the person's
    # identity (a second read.sensitive event, targeting the Person): tests/access/test_identity.py
    # checks that one.
    events = AuditEvent.objects.filter(action=action)
    if action == "read.sensitive":
        events = events.exclude(object_type="referrals.person")
    return events.count()


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}|{r}" for n, r in CASES])
def test_download_asks_for_step_up_and_is_audited(network: Network, name: str, role: str) -> None:
    download = DOWNLOADS[name]
    user = network.user(role)
    client = sign_in(Client(), user)
    url = _url(name, network, user)
    session = client.session
    session[VERIFIED_AT_KEY] = time.time() - settings.STEP_UP_MAX_AGE_SECONDS - 60
    session.save()

    before = _events(download.audit)
    stale = client.get(url)
    if download.step_up:
        assert stale.status_code == 302, f"{name} served on an old second factor"
        assert stale["Location"].startswith(reverse("accounts:step_up"))
        assert "Content-Disposition" not in stale
        assert _events(download.audit) == before, f"{name} recorded a download it did not serve"
    else:
        assert stale.status_code == 200 and stale["Content-Disposition"].startswith("attachment")
        assert _events(download.audit) == before + 1

    fresh = sign_in(Client(), user)
    before = _events(download.audit)
    response = fresh.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body
    assert _events(download.audit) == before + 1, f"{name} served without its audit event"


def test_a_new_export_missing_from_the_inventory_is_named(settings: Any) -> None:
    """What happens when someone adds an export and forgets to list it."""
    import sys
    import types

    from django.http import HttpResponse
    from django.urls import clear_url_caches, include, path

    module = types.ModuleType("tests_download_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("cases/all.csv", lambda request: HttpResponse("a;b"), name="cases_dump"),
        path("", include("abri.urls")),
    ]
    sys.modules["tests_download_urls"] = module
    settings.ROOT_URLCONF = "tests_download_urls"
    clear_url_caches()
    try:
        assert _unlisted_file_routes() == ["cases_dump"]
    finally:
        del sys.modules["tests_download_urls"]
        clear_url_caches()


def test_the_documented_downloads_are_the_listed_ones():
    """docs/security.md's table is generated from DOWNLOADS: the two never drift apart."""
    from pathlib import Path

    from abri.access.downloads import BEGIN, END, render_markdown

    text = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text(encoding="utf-8")
    assert BEGIN in text and END in text, "docs/security.md lost its downloads markers"
    documented = text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    assert documented == render_markdown(), (
        "docs/security.md and abri/access/downloads.py disagree: paste the output of "
        "`python -m abri.access.downloads` between the markers"
    )
