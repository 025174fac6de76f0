"""Issue 12 item 3: every change of a second factor needs a fresh second factor (step-up), is
audited and tells the person by e-mail. Each path is tried over HTTP twice: with a stale step-up
it refuses and changes nothing; with a fresh one it works, records its event and mails."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp_webauthn.models import WebAuthnCredential

from abri.accounts.middleware import SESSION_STARTED_KEY
from abri.accounts.models import EncryptedTOTPDevice, RecoveryCodeDevice
from abri.accounts.services import recovery_codes_regenerate
from abri.accounts.stepup import VERIFIED_AT_KEY
from abri.audit.models import AuditEvent
from tests.conftest import sign_in

ENROL = reverse("accounts:enrol")
SECURITY = reverse("accounts:security")
STEP_UP = reverse("accounts:step_up")
BEGIN = reverse("otp_webauthn:credential-registration-begin")
COMPLETE = reverse("otp_webauthn:credential-registration-complete")


def stale(client: Client) -> Client:
    """Signed in with a second factor, but typed more than five minutes ago."""
    session = client.session
    session[VERIFIED_AT_KEY] = 0
    session.save()
    return client


def mfa_events(user, after: int = 0) -> list[str]:
    return list(
        AuditEvent.objects.filter(actor=user, action__startswith="mfa.", id__gt=after)
        .order_by("id")
        .values_list("action", flat=True)
    )


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def mails_to(user) -> list:
    return [m for m in mail.outbox if user.email in m.to]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def attestation_for(options: dict, key: ec.EllipticCurvePrivateKey | None = None) -> dict:
    """What a browser sends after a (software) authenticator made a P-256 passkey: "none" format."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    numbers = key.public_key().public_numbers()
    cose_key = cbor2.dumps(
        {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
    )
    credential_id = secrets.token_bytes(16)
    auth_data = (
        hashlib.sha256(options["rp"]["id"].encode()).digest()
        + bytes([0x45])  # user present, user verified, attested credential data
        + (0).to_bytes(4, "big")
        + bytes(16)  # AAGUID
        + len(credential_id).to_bytes(2, "big")
        + credential_id
        + cose_key
    )
    client_data = json.dumps(
        {"type": "webauthn.create", "challenge": options["challenge"], "origin": "http://localhost:8000"}
    ).encode()
    attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
    return {
        "id": b64url(credential_id),
        "rawId": b64url(credential_id),
        "type": "public-key",
        "response": {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation)},
    }


def post_json(client: Client, url: str, data: dict | None = None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


# --- TOTP enrolled again (replaced) --------------------------------------------------------------


def test_replacing_the_authenticator_needs_a_fresh_second_factor(network):
    user = network.user("referrer")
    client = stale(sign_in(Client(), user))
    before = EncryptedTOTPDevice.objects.get(user=user, confirmed=True).pk
    response = client.get(ENROL + "?again=1")
    assert response.status_code == 302 and response["Location"].startswith(STEP_UP)
    # Nothing started: no new secret was made or shown.
    assert not EncryptedTOTPDevice.objects.filter(user=user, confirmed=False).exists()
    response = client.post(ENROL + "?again=1", {"code": "123456"})
    assert response.status_code == 302 and response["Location"].startswith(STEP_UP)
    assert list(EncryptedTOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [before]
    assert mfa_events(user) == [] and mails_to(user) == []


def test_replacing_the_authenticator_after_step_up_is_audited_and_mailed(
    network, django_capture_on_commit_callbacks
):
    user = network.user("referrer")
    client = sign_in(Client(), user)
    before = EncryptedTOTPDevice.objects.get(user=user, confirmed=True).pk
    assert client.get(ENROL + "?again=1").status_code == 200
    new = EncryptedTOTPDevice.objects.get(user=user, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ENROL + "?again=1", {"code": f"{TOTP(new.bin_key).token():06d}"})
    assert response["Location"] == reverse("accounts:recovery_codes")
    assert list(EncryptedTOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [new.pk]
    assert before != new.pk
    assert mfa_events(user) == ["mfa.totp.replace"]
    [message] = mails_to(user)
    assert "second facteur" in message.body and new.key not in message.body  # in her language


def test_the_replacement_page_says_it_replaces_the_app(network):
    # The walk of issue 12: "Replace my authenticator app" opened the first-enrolment page, which
    # says every account needs a second factor "before anything else", to someone who has one.
    client = sign_in(Client(), network.user("referrer"))
    page = client.get(ENROL + "?again=1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Replace your authenticator app" in page
    assert "before anything else" not in page


# --- Recovery codes ------------------------------------------------------------------------------


def test_new_recovery_codes_need_a_fresh_second_factor(network):
    user = network.user("coordinator")
    old = recovery_codes_regenerate(user=user)
    mark = last_event_id()
    client = stale(sign_in(Client(), user))
    response = client.post(SECURITY, {"action": "regenerate"})
    assert response.status_code == 302 and response["Location"].startswith(STEP_UP)
    assert RecoveryCodeDevice.objects.get(user=user).verify_token(old[0])
    assert mfa_events(user, after=mark) == [] and mails_to(user) == []


def test_new_recovery_codes_are_audited_and_mailed(network, django_capture_on_commit_callbacks):
    user = network.user("coordinator")
    old = recovery_codes_regenerate(user=user)
    mark = last_event_id()
    client = sign_in(Client(), user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SECURITY, {"action": "regenerate"})
    assert response["Location"] == reverse("accounts:recovery_codes")
    assert not RecoveryCodeDevice.objects.get(user=user).verify_token(old[1])
    assert mfa_events(user, after=mark) == ["mfa.recovery.regenerate"]
    [message] = mails_to(user)
    assert not any(code in message.body for code in old)


# --- Passkeys: the JSON endpoints, not just the page ----------------------------------------------


def test_passkey_registration_begin_needs_a_fresh_second_factor(network):
    user = network.user("partner")
    client = stale(sign_in(Client(), user))
    response = post_json(client, BEGIN)
    assert response.status_code == 403 and response.json()["code"] == "step_up_required"
    assert "otp_webauthn_register_state" not in client.session
    # The page shows the message as it is: it says what to do, without the word "step-up".
    detail = client.post(BEGIN, "{}", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en").json()[
        "detail"
    ]
    assert detail.startswith("Reload the page") and "step-up" not in detail


def test_passkey_registration_complete_needs_a_fresh_second_factor(network):
    user = network.user("partner")
    client = sign_in(Client(), user)
    options = post_json(client, BEGIN).json()
    stale(client)
    response = post_json(client, COMPLETE, attestation_for(options))
    assert response.status_code == 403 and response.json()["code"] == "step_up_required"
    assert not WebAuthnCredential.objects.filter(user=user).exists()
    assert mfa_events(user) == [] and mails_to(user) == []


def test_password_alone_cannot_register_a_passkey(network):
    """Signed in with the password but not the second factor: no passkey can be added."""
    from tests.accounts.test_signin import password_step

    user = network.user("partner")
    client = Client()
    password_step(client, user.username)
    assert post_json(client, BEGIN).status_code == 403
    assert not WebAuthnCredential.objects.filter(user=user).exists()


def test_passkey_registration_after_step_up_is_audited_and_mailed(
    network, django_capture_on_commit_callbacks
):
    user = network.user("partner")
    client = sign_in(Client(), user)
    options = post_json(client, BEGIN).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, COMPLETE, attestation_for(options))
    assert response.status_code == 200, response.content
    assert WebAuthnCredential.objects.filter(user=user).count() == 1
    assert mfa_events(user) == ["mfa.passkey.enrol"]
    assert len(mails_to(user)) == 1


def test_first_passkey_at_enrolment_needs_no_step_up_but_is_mailed(
    network, django_capture_on_commit_callbacks
):
    """Right after an invitation there is no factor to step up with: the first one is free."""
    user = network.user("observer")
    EncryptedTOTPDevice.objects.filter(user=user).delete()
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[SESSION_STARTED_KEY] = time.time()
    session.save()
    options = post_json(client, BEGIN).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, COMPLETE, attestation_for(options))
    assert response.status_code == 200, response.content
    assert mfa_events(user) == ["mfa.passkey.enrol"]
    assert len(mails_to(user)) == 1


def _passkey(user) -> WebAuthnCredential:
    return WebAuthnCredential.objects.create(
        user=user, name="Laptop", credential_id=secrets.token_bytes(16), public_key=b"k", sign_count=0
    )


def test_removing_a_passkey_needs_a_fresh_second_factor(network):
    user = network.user("shelter_staff")
    key = _passkey(user)
    client = stale(sign_in(Client(), user))
    response = client.post(SECURITY, {"action": "remove_passkey", "passkey": str(key.pk)})
    assert response.status_code == 302 and response["Location"].startswith(STEP_UP)
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()
    assert mfa_events(user) == []


def test_removing_a_passkey_is_audited_and_mailed(network, django_capture_on_commit_callbacks):
    user = network.user("shelter_staff")
    key = _passkey(user)
    other = _passkey(network.user("shelter_staff", "other"))
    client = sign_in(Client(), user)
    # Somebody else's passkey is not found, whatever its id.
    client.post(SECURITY, {"action": "remove_passkey", "passkey": str(other.pk)})
    assert WebAuthnCredential.objects.filter(pk=other.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SECURITY, {"action": "remove_passkey", "passkey": str(key.pk)})
    assert response.status_code == 302
    assert not WebAuthnCredential.objects.filter(pk=key.pk).exists()
    assert mfa_events(user) == ["mfa.passkey.remove"]
    assert len(mails_to(user)) == 1


def test_the_last_passkey_stays_when_no_authenticator_is_left(network):
    user = network.user("shelter_staff")
    key = _passkey(user)
    client = sign_in(Client(), user)
    # The authenticator is gone; this session was verified with a recovery code.
    EncryptedTOTPDevice.objects.filter(user=user).delete()
    codes = RecoveryCodeDevice.objects.create(user=user, name="Recovery codes")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = codes.persistent_id
    session.save()
    response = client.post(SECURITY, {"action": "remove_passkey", "passkey": str(key.pk)}, follow=True)
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()
    assert "Gardez au moins une clé d" in response.content.decode()


def assertion_for(options: dict, key: ec.EllipticCurvePrivateKey, credential_id: str) -> dict:
    """What a browser sends when that software passkey signs the sign-in challenge."""
    from cryptography.hazmat.primitives import hashes

    auth_data = hashlib.sha256(options["rpId"].encode()).digest() + bytes([0x05]) + (1).to_bytes(4, "big")
    client_data = json.dumps(
        {"type": "webauthn.get", "challenge": options["challenge"], "origin": "http://localhost:8000"}
    ).encode()
    signature = key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
    return {
        "id": credential_id,
        "rawId": credential_id,
        "type": "public-key",
        "response": {
            "authenticatorData": b64url(auth_data),
            "clientDataJSON": b64url(client_data),
            "signature": b64url(signature),
        },
    }


def test_a_passkey_steps_up_like_a_code(network):
    """A person with passkeys only must be able to step up with one before changing a factor."""
    user = network.user("partner")
    client = sign_in(Client(), user)
    key = ec.generate_private_key(ec.SECP256R1())
    attestation = attestation_for(post_json(client, BEGIN).json(), key)
    assert post_json(client, COMPLETE, attestation).status_code == 200
    stale(client)
    assert client.get(SECURITY)["Location"].startswith(STEP_UP)
    options = post_json(client, reverse("otp_webauthn:credential-authentication-begin")).json()
    response = post_json(
        client,
        reverse("otp_webauthn:credential-authentication-complete") + f"?next={SECURITY}",
        assertion_for(options, key, attestation["id"]),
    )
    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == SECURITY
    assert client.get(SECURITY).status_code == 200
    assert AuditEvent.objects.filter(actor=user, action="stepup.success", data__method="passkey").exists()
    # The step-up page offers the passkey, not only the code.
    assert "passkey-verification-button" in client.get(STEP_UP).content.decode()


def test_signing_in_with_a_passkey_changes_the_session_key(network):
    from tests.accounts.test_signin import password_step

    user = network.user("partner")
    client = sign_in(Client(), user)
    key = ec.generate_private_key(ec.SECP256R1())
    attestation = attestation_for(post_json(client, BEGIN).json(), key)
    assert post_json(client, COMPLETE, attestation).status_code == 200
    client = Client()
    password_step(client, user.username)
    before = client.cookies["sessionid"].value
    options = post_json(client, reverse("otp_webauthn:credential-authentication-begin")).json()
    response = post_json(
        client,
        reverse("otp_webauthn:credential-authentication-complete"),
        assertion_for(options, key, attestation["id"]),
    )
    assert response.status_code == 200, response.content
    assert client.cookies["sessionid"].value != before
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(actor=user, action="login.success", data__method="passkey").exists()


def test_a_person_with_passkeys_only_adds_an_app_rather_than_replacing_one(network):
    # has_second_factor() is true for passkeys too: the page told such a person that "the old
    # one keeps working", about an app they never had.
    user = network.user("shelter_staff")
    _passkey(user)
    client = sign_in(Client(), user)
    EncryptedTOTPDevice.objects.filter(user=user).delete()
    codes = RecoveryCodeDevice.objects.create(user=user, name="Recovery codes")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = codes.persistent_id
    session.save()
    security = client.get(SECURITY, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Add an authenticator app" in security and "Replace my authenticator app" not in security
    page = client.get(ENROL + "?again=1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Add an authenticator app" in page
    assert "Replace your authenticator app" not in page and "the old one keeps working" not in page
    assert "before anything else" not in page


def test_a_person_with_an_app_is_offered_to_replace_it(network):
    client = sign_in(Client(), network.user("referrer"))
    security = client.get(SECURITY, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Replace my authenticator app" in security and "Add an authenticator app" not in security


# --- Unconfirmed authenticators are not left behind ------------------------------------------------


def test_a_passkey_registered_instead_leaves_no_unconfirmed_authenticator(network):
    # The enrolment page made an authenticator secret; the person registered a passkey instead.
    user = network.user("partner")
    client = sign_in(Client(), user)
    assert client.get(ENROL + "?again=1").status_code == 200
    assert EncryptedTOTPDevice.objects.filter(user=user, confirmed=False).exists()
    options = post_json(client, BEGIN).json()
    assert post_json(client, COMPLETE, attestation_for(options)).status_code == 200
    assert not EncryptedTOTPDevice.objects.filter(user=user, confirmed=False).exists()
    assert EncryptedTOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_a_confirmed_authenticator_leaves_no_other_unconfirmed_one(network):
    user = network.user("referrer")
    client = sign_in(Client(), user)
    assert client.get(ENROL + "?again=1").status_code == 200
    new = EncryptedTOTPDevice.objects.get(user=user, confirmed=False)
    # Left by an enrolment abandoned before the rule that a new one clears the old (or a race).
    stray = EncryptedTOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)
    client.post(ENROL + "?again=1", {"code": f"{TOTP(new.bin_key).token():06d}"})
    assert list(EncryptedTOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [new.pk]
    assert not EncryptedTOTPDevice.objects.filter(pk=stray.pk).exists()


def test_the_enrolment_page_shows_the_same_secret_on_each_visit_of_a_session(network):
    user = network.user("referrer")
    client = sign_in(Client(), user)
    client.get(ENROL + "?again=1")
    first = EncryptedTOTPDevice.objects.get(user=user, confirmed=False)
    client.get(ENROL + "?again=1")
    assert list(EncryptedTOTPDevice.objects.filter(user=user, confirmed=False)) == [first]


def test_the_factor_mail_falls_back_to_the_site_language(
    network, settings, django_capture_on_commit_callbacks
):
    user = network.user("referrer")
    user.preferred_language = ""
    user.save(update_fields=["preferred_language"])
    settings.LANGUAGE_CODE = "en"
    with django_capture_on_commit_callbacks(execute=True):
        recovery_codes_regenerate(user=user)
    [message] = mails_to(user)
    assert message.body.startswith("A second factor was changed")
