from django.test import Client
from django.urls import reverse

from tests.conftest import sign_in


def test_security_headers_on_a_public_page(db):
    response = Client().get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_personal_pages_are_never_cached(network):
    response = sign_in(Client(), network.user("coordinator")).get(reverse("home"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_no_inline_script_in_pages(network):
    for role in ("coordinator", "administrator", "referrer"):
        html = sign_in(Client(), network.user(role)).get(reverse("home")).content.decode()
        for chunk in html.split("<script")[1:]:
            head = chunk.split(">", 1)[0]
            # Only external scripts or JSON data blocks (never executed) are allowed.
            assert "src=" in head or 'type="application/json"' in head


def test_french_by_default_and_english_on_request(db):
    assert Client().get(reverse("accounts:login")).content.decode().count('lang="fr"') >= 1
    english = Client(headers={"accept-language": "en"}).get(reverse("accounts:login"))
    assert '<html lang="en">' in english.content.decode()
