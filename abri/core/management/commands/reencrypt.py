"""Rotate every encrypted value to the newest key (run after adding a key version)."""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from abri.core import crypto
from abri.core.fields import encrypted_fields


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field still sealed with an older key version."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: object, **options: object) -> None:
        newest = crypto.keyring().current_version
        batch_size = int(options["batch_size"])  # type: ignore[call-overload]
        total = 0
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if not fields:
                continue
            rotated = 0
            for obj in model._default_manager.order_by("pk").iterator(chunk_size=batch_size):
                stale = [
                    f
                    for f in fields
                    if (token := f.raw_token(obj)) is not None and crypto.key_version(token) != newest
                ]
                if not stale:
                    continue
                for field in stale:
                    getattr(obj, field.attname)  # decrypt with the old key while we still can
                with transaction.atomic():
                    obj.save(update_fields=[f.name for f in stale])
                rotated += 1
            total += rotated
            self.stdout.write(f"{model._meta.label}: {rotated} rows re-encrypted with key v{newest}")
        self.stdout.write(f"done: {total} rows re-encrypted")
