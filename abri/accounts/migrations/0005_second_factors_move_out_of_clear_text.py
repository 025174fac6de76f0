"""Move every second factor out of django-otp's clear-text tables.

TOTP secrets are copied into EncryptedTOTPDevice (encrypted on save) and recovery codes into
RecoveryCode as keyed hashes; the clear-text rows are then deleted. Signed-in sessions keep
working but must type a second factor again (the device's persistent id changed).

Reversible for TOTP secrets (decrypted back); recovery codes cannot be recovered from their
hashes, so going back deletes them and each person makes new ones from "My security".
"""

from django.db import migrations

from abri.core.crypto import blind_index


def recovery_code_hash(code: str) -> str:
    # recovery_code_hash as it was when this migration was written, frozen here: a later change
    # of the live function must not change what this migration stores.
    return blind_index("".join(c for c in code.lower() if c.isalnum()), purpose="recovery-code")


THROTTLING = ("throttling_failure_timestamp", "throttling_failure_count", "created_at", "last_used_at")
TOTP_FIELDS = ("user_id", "name", "confirmed", "step", "t0", "digits", "tolerance", "drift", "last_t")


def forward(apps, schema_editor):
    OldTOTP = apps.get_model("otp_totp", "TOTPDevice")
    NewTOTP = apps.get_model("accounts", "EncryptedTOTPDevice")
    for old in OldTOTP.objects.all():
        NewTOTP(key=old.key, **{f: getattr(old, f) for f in TOTP_FIELDS + THROTTLING}).save()
    OldTOTP.objects.all().delete()

    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    CodeDevice = apps.get_model("accounts", "RecoveryCodeDevice")
    RecoveryCode = apps.get_model("accounts", "RecoveryCode")
    for old in StaticDevice.objects.all():
        device = CodeDevice.objects.create(
            user_id=old.user_id,
            name=old.name,
            confirmed=old.confirmed,
            **{f: getattr(old, f) for f in THROTTLING},
        )
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(device=device, code_hash=recovery_code_hash(t.token)) for t in old.token_set.all()]
        )
    StaticDevice.objects.all().delete()


def backward(apps, schema_editor):
    OldTOTP = apps.get_model("otp_totp", "TOTPDevice")
    NewTOTP = apps.get_model("accounts", "EncryptedTOTPDevice")
    for new in NewTOTP.objects.all():
        OldTOTP.objects.create(key=new.key, **{f: getattr(new, f) for f in TOTP_FIELDS + THROTTLING})
    NewTOTP.objects.all().delete()
    apps.get_model("accounts", "RecoveryCodeDevice").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_second_factors_encrypted_and_hashed"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(forward, backward)]
