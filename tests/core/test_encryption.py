import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from abri.core import crypto
from abri.core.crypto import DecryptionError
from tests.encryption_app.models import Secretive

pytestmark = pytest.mark.django_db


def make(**kwargs):
    return Secretive.objects.create(
        name=kwargs.get("name", "Aïcha Exemple"),
        birth_date=kwargs.get("birth_date", datetime.date(1999, 4, 1)),
        details=kwargs.get("details", {"alias": "La Petite", "phone": "+33600000000"}),
    )


def raw_row(pk):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, birth_date, details FROM encryption_app_secretive WHERE id = %s",
            [pk.hex if connection.vendor == "sqlite" else str(pk)],
        )
        return cursor.fetchone()


def test_raw_database_holds_no_clear_text():
    obj = make()
    row = raw_row(obj.pk)
    assert row is not None
    joined = " ".join(str(v) for v in row)
    for secret in ("Aïcha", "Exemple", "1999-04-01", "La Petite", "+33600000000"):
        assert secret not in joined
    assert all(str(v).startswith("v") for v in row)


def test_round_trip_through_the_database():
    obj = make()
    fresh = Secretive.objects.get(pk=obj.pk)
    assert fresh.name == "Aïcha Exemple"
    assert fresh.birth_date == datetime.date(1999, 4, 1)
    assert fresh.details["alias"] == "La Petite"


def test_ciphertext_copied_to_another_row_fails_to_decrypt():
    victim, other = make(name="Première"), make(name="Seconde")
    token = Secretive._meta.get_field("name").raw_token(Secretive.objects.get(pk=victim.pk))
    with connection.cursor() as cursor:
        table = Secretive._meta.db_table
        other_id = other.pk.hex if connection.vendor == "sqlite" else str(other.pk)
        cursor.execute(f"UPDATE {table} SET name = %s WHERE id = %s", [token, other_id])
    moved = Secretive.objects.get(pk=other.pk)
    with pytest.raises(DecryptionError):
        _ = moved.name


def test_ciphertext_moved_to_another_column_fails():
    obj = make()
    aad = crypto.associated_data(Secretive._meta.db_table, "name", obj.pk)
    token = crypto.encrypt(b"x", aad)
    with pytest.raises(DecryptionError):
        crypto.decrypt(token, crypto.associated_data(Secretive._meta.db_table, "details", obj.pk))


def test_tampered_ciphertext_raises_instead_of_returning_bytes():
    obj = make()
    with connection.cursor() as cursor:
        table = Secretive._meta.db_table
        pk = obj.pk.hex if connection.vendor == "sqlite" else str(obj.pk)
        cursor.execute(f"UPDATE {table} SET name = 'v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = %s", [pk])
    with pytest.raises(DecryptionError):
        _ = Secretive.objects.get(pk=obj.pk).name


def test_queryset_update_cannot_write_clear_text():
    obj = make()
    with pytest.raises(TypeError, match="encrypted"):
        Secretive.objects.filter(pk=obj.pk).update(name="clear text")


def test_filtering_on_an_encrypted_field_is_refused():
    with pytest.raises(TypeError):
        list(Secretive.objects.filter(name="Aïcha Exemple"))


def test_blind_index_finds_normalised_exact_matches_only():
    obj = make()
    obj.name_index = crypto.blind_index("Aïcha  Exemple", purpose="name")
    obj.save()
    assert (
        Secretive.objects.filter(name_index=crypto.blind_index("aicha exemple", purpose="name")).get() == obj
    )
    assert not Secretive.objects.filter(
        name_index=crypto.blind_index("aicha exempl", purpose="name")
    ).exists()
    # Separate purposes never collide: a birth date index cannot be matched against names.
    assert crypto.blind_index("x", purpose="name") != crypto.blind_index("x", purpose="alias")


def test_reencrypt_rotates_every_value_to_the_newest_key(tmp_path, monkeypatch):
    obj = make()
    old_ring = crypto.keyring()
    new_ring = crypto.KeyRing(
        keys={**old_ring.keys, 9: b"\x07" * 32}, blind_index_key=old_ring.blind_index_key
    )
    monkeypatch.setattr(crypto, "keyring", lambda: new_ring)
    assert crypto.key_version(raw_row(obj.pk)[0]) == old_ring.current_version
    call_command("reencrypt", verbosity=0)
    row = raw_row(obj.pk)
    assert all(crypto.key_version(v) == 9 for v in row)
    fresh = Secretive.objects.get(pk=obj.pk)
    assert fresh.name == "Aïcha Exemple" and fresh.details["phone"] == "+33600000000"
    # Once rotated, the old key alone can no longer read the row.
    monkeypatch.setattr(crypto, "keyring", lambda: old_ring)
    with pytest.raises(DecryptionError):
        _ = Secretive.objects.get(pk=obj.pk).name


@override_settings(ENCRYPTION_KEYS="1:not-base64!!", ENCRYPTION_KEY_FILE=None)
def test_malformed_key_configuration_fails_loudly(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    crypto.keyring.cache_clear()
    monkeypatch.setenv("ABRI_BLIND_INDEX_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    try:
        with pytest.raises(ImproperlyConfigured):
            crypto.keyring()
    finally:
        crypto.keyring.cache_clear()


def test_development_key_file_is_never_seen_empty(settings, tmp_path, monkeypatch):
    # A process starting while the file is being written must see no file or a whole one: the
    # keys are written aside and linked into place, so the path does not exist during the write.
    settings.ENCRYPTION_KEYS = None
    settings.ENCRYPTION_KEY_FILE = None
    settings.DEV_KEY_FILE = tmp_path / "var" / "encryption-keys.json"
    real_dump = crypto.json.dump
    seen_during_write = []

    def watching_dump(obj, handle, *args, **kwargs):
        seen_during_write.append(settings.DEV_KEY_FILE.exists())
        return real_dump(obj, handle, *args, **kwargs)

    monkeypatch.setattr(crypto.json, "dump", watching_dump)
    crypto.keyring.cache_clear()
    try:
        first = crypto.keyring()
        assert seen_during_write == [False]
        assert settings.DEV_KEY_FILE.stat().st_mode & 0o777 == 0o600
        assert list(settings.DEV_KEY_FILE.parent.iterdir()) == [settings.DEV_KEY_FILE]
        crypto.keyring.cache_clear()
        assert crypto.keyring() == first
    finally:
        crypto.keyring.cache_clear()
