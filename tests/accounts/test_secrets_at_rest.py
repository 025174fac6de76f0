"""Issue 12 item 9 (sign-in part): what a copy of the database shows about second factors and
failed sign-ins. Each test reads the raw tables with SQL, as somebody holding a dump would."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import pre_delete
from django.test import Client

from abri.accounts.models import EncryptedTOTPDevice, RecoveryCode, RecoveryCodeDevice, recovery_code_hash
from abri.accounts.services import recovery_codes_regenerate
from abri.core import crypto
from tests.accounts.test_signin import VERIFY, password_step
from tests.conftest import TOTP_KEY, totp_now


def every_text_in_the_database() -> str:
    """Every row of every table, as one string: a secret must appear in none of them."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                chunks.append(" ".join(str(v) for v in row))
    return "\n".join(chunks).lower()


def test_totp_secrets_are_encrypted_at_rest(network):
    user = network.user("coordinator")
    dump = every_text_in_the_database()
    assert TOTP_KEY not in dump
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, key FROM accounts_encryptedtotpdevice")
        rows = cursor.fetchall()
    assert rows and all(key.startswith("v") and TOTP_KEY not in key for _id, key in rows)
    # The secret still verifies, and django-otp's throttling still applies.
    client = Client()
    password_step(client, user.username)
    assert client.post(VERIFY, {"code": "000000"}).status_code == 200
    device = EncryptedTOTPDevice.objects.get(user=user)
    assert device.throttling_failure_count == 1
    device.throttle_reset()
    assert client.post(VERIFY, {"code": totp_now(user)}).status_code == 302


def _db_id(device: EncryptedTOTPDevice) -> object:
    return EncryptedTOTPDevice._meta.pk.get_db_prep_value(device.pk, connection)  # type: ignore[union-attr]


def test_a_totp_secret_copied_to_another_device_does_not_open(network):
    first = EncryptedTOTPDevice.objects.get(user=network.user("coordinator"))
    second = EncryptedTOTPDevice.objects.get(user=network.user("referrer"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_encryptedtotpdevice WHERE id = %s", [_db_id(first)])
        [(token,)] = cursor.fetchall()
        cursor.execute(
            "UPDATE accounts_encryptedtotpdevice SET key = %s WHERE id = %s", [token, _db_id(second)]
        )
    with pytest.raises(crypto.DecryptionError):
        EncryptedTOTPDevice.objects.get(pk=second.pk).bin_key  # noqa: B018


def test_reencrypt_rotates_totp_secrets(network, settings, tmp_path):
    import base64
    import json
    import secrets

    user = network.user("coordinator")
    old_ring = crypto.keyring()
    keys = {str(v): base64.b64encode(k).decode() for v, k in old_ring.keys.items()}
    newest = old_ring.current_version + 1
    keys[str(newest)] = base64.b64encode(secrets.token_bytes(32)).decode()
    path = tmp_path / "keys.json"
    path.write_text(
        json.dumps({"keys": keys, "blind_index_key": base64.b64encode(old_ring.blind_index_key).decode()})
    )
    settings.ENCRYPTION_KEYS = ""
    settings.ENCRYPTION_KEY_FILE = str(path)
    crypto.keyring.cache_clear()
    try:
        call_command("reencrypt", stdout=open("/dev/null", "w"))  # noqa: SIM115
        with connection.cursor() as cursor:
            cursor.execute("SELECT key FROM accounts_encryptedtotpdevice")
            assert all(crypto.key_version(key) == newest for (key,) in cursor.fetchall())
        assert EncryptedTOTPDevice.objects.get(user=user).key == TOTP_KEY
    finally:
        crypto.keyring.cache_clear()


def test_recovery_codes_are_stored_hashed_and_work_once(network):
    user = network.user("shelter_staff")
    codes = recovery_codes_regenerate(user=user)
    dump = every_text_in_the_database()
    for code in codes:
        assert code not in dump and code.replace("-", "") not in dump
    device = RecoveryCodeDevice.objects.get(user=user)
    # Typed in capitals or without the dash, a code still works: once.
    assert device.verify_token(codes[0].upper().replace("-", ""))
    assert not device.verify_token(codes[0])
    device.throttle_reset()  # the failure above throttles the device for a second
    assert device.verify_token(codes[1])
    assert not device.verify_token("000000-000000")


def test_a_recovery_code_typed_in_two_requests_at_once_works_once(network):
    # Two requests with the same code: the other one deletes the code between this one finding it
    # and deleting it. Looked up then deleted, both succeeded; one DELETE lets only one succeed.
    user = network.user("shelter_staff")
    code = recovery_codes_regenerate(user=user)[0]
    device = RecoveryCodeDevice.objects.get(user=user)

    def the_other_request(sender, instance, **kwargs):
        pre_delete.disconnect(the_other_request, sender=RecoveryCode)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {RecoveryCode._meta.db_table} WHERE id = %s", [instance.pk])

    pre_delete.connect(the_other_request, sender=RecoveryCode)
    try:
        assert not device.verify_token(code)
    finally:
        pre_delete.disconnect(the_other_request, sender=RecoveryCode)
    assert not RecoveryCode.objects.filter(device=device, code_hash=recovery_code_hash(code)).exists()


def test_a_failed_sign_in_never_stores_what_was_typed_as_the_username(network):
    # A password typed in the username box, the classic accident.
    typed = "MySecret-Password-42"
    for _ in range(2):
        password_step(Client(), typed, "wrong password!!", ip="10.7.7.7")
    password_step(Client(), network.user("referrer").username, "wrong password!!", ip="10.7.7.7")
    assert typed.lower() not in every_text_in_the_database()
    # ...and no failure record keeps a real username either.
    failures = []
    with connection.cursor() as cursor:
        for table in ("axes_accessattempt", "axes_accessfailurelog", "axes_accesslog"):
            cursor.execute(f"SELECT * FROM {table}")
            failures += cursor.fetchall()
        cursor.execute("SELECT * FROM audit_auditevent WHERE action = 'login.failed'")
        failures += cursor.fetchall()
    assert failures
    assert network.user("referrer").username not in " ".join(str(v) for row in failures for v in row)


def test_lockout_still_counts_per_username_and_address_on_the_hash(network):
    for _ in range(5):
        password_step(Client(), "Ghost-Typed", "wrong password!!", ip="10.6.6.6")
    assert password_step(Client(), "Ghost-Typed", "wrong password!!", ip="10.6.6.6").status_code == 429
    assert password_step(Client(), "Ghost-Typed", "wrong password!!", ip="10.6.6.7").status_code == 200
    assert password_step(Client(), "other-name", "wrong password!!", ip="10.6.6.6").status_code == 200


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite only: PostgreSQL's audit table refuses the flush that ends a transactional test",
)
@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_clear_text_factors_out(settings):
    """Devices made by django-otp before this change are encrypted and hashed, then deleted."""
    from django.db.migrations.executor import MigrationExecutor

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    before = [("accounts", "0004_second_factors_encrypted_and_hashed")]
    after = [("accounts", "0006_forget_typed_usernames_in_lockout_records")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(
        [
            *before,
            ("otp_totp", "0003_add_timestamps"),
            ("otp_static", "0003_add_timestamps"),
            ("axes", "0010_accessattemptexpiration"),
        ]
    ).apps
    organisation = old_apps.get_model("accounts", "Organisation").objects.create(name="o", kind="observer")
    user = old_apps.get_model("accounts", "User").objects.create(
        username="old-timer", organisation=organisation, role="observer"
    )
    old_apps.get_model("otp_totp", "TOTPDevice").objects.create(user=user, name="a", key=TOTP_KEY)
    static = old_apps.get_model("otp_static", "StaticDevice").objects.create(user=user, name="r")
    static.token_set.create(token="abc123-def456")
    from django.utils import timezone

    old_apps.get_model("axes", "AccessAttempt").objects.create(
        username="typed-password-in-clear",
        ip_address="10.0.0.1",
        user_agent="x",
        get_data="",
        post_data="",
        failures_since_start=1,
        attempt_time=timezone.now(),
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)

    assert TOTP_KEY not in every_text_in_the_database()
    assert "abc123-def456" not in every_text_in_the_database()
    assert "typed-password-in-clear" not in every_text_in_the_database()
    device = EncryptedTOTPDevice.objects.get(user_id=user.pk)
    assert device.key == TOTP_KEY and device.confirmed
    assert RecoveryCodeDevice.objects.get(user_id=user.pk).verify_token("abc123-def456")

    # Going back decrypts the TOTP secret into django-otp's table (recovery codes cannot return).
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(before)
    TOTP = old_apps.get_model("otp_totp", "TOTPDevice")
    assert TOTP.objects.get(user_id=user.pk).key == TOTP_KEY
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    assert not TOTP.objects.exists()


def test_an_administrator_finds_the_failures_of_a_name_by_typing_it(network):
    from django.urls import reverse

    from tests.conftest import sign_in

    password_step(Client(), "amelie.durand", "wrong password!!")
    password_step(Client(), "someone-else", "wrong password!!")
    admin = sign_in(Client(), network.user("administrator"))
    page = admin.get(reverse("audit:event_list"), {"object": "amelie.durand"})
    events = list(page.context["page"])
    assert [e.action for e in events] == ["login.failed"]


def test_new_recovery_codes_wait_for_their_page_encrypted_in_the_session(network):
    """Between the POST and the page that shows them once, the codes sit in the session table."""
    from django.contrib.sessions.models import Session
    from django.urls import reverse

    from tests.conftest import sign_in

    user = network.user("coordinator")
    client = sign_in(Client(), user)
    client.post(reverse("accounts:security"), {"action": "regenerate"})
    stored = " ".join(str(s.get_decoded()) for s in Session.objects.all())
    page = client.get(reverse("accounts:recovery_codes")).content.decode()
    codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", page)
    assert len(codes) == 10
    assert not any(code in stored for code in codes)
