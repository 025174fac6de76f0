"""Data migrations that encrypt a column of existing rows in place, and decrypt it back.

A migration that turns a plain text field into an encrypted one runs three steps:

1. ``AlterField`` to a plain, nullable ``TextField`` (an encrypted field stores "" as NULL);
2. ``encrypt_in_place(...)``: each row's text is sealed exactly as ``EncryptedField.pre_save``
   would seal it (same key ring, associated data = table, column, row id), empty text becomes NULL;
3. ``AlterField`` to the encrypted field, which only changes the migration state.

Reversed, step 2 opens every value and NULL becomes "" again. Rows are read and written in
batches (``bulk_update``), so the demo's thousands of rows take a second or two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import migrations

from abri.core import crypto

BATCH = 500


def _rewrite(
    app_label: str,
    model_name: str,
    field_names: tuple[str, ...],
    change: Callable[[str | None, bytes], str | None],
) -> Callable[[Any, Any], None]:
    def run(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        fields = [model._meta.get_field(name) for name in field_names]
        table = model._meta.db_table
        queryset = model._default_manager.using(schema_editor.connection.alias)
        batch: list[Any] = []
        for obj in queryset.only("pk", *field_names).order_by("pk").iterator(chunk_size=BATCH):
            for field in fields:
                aad = crypto.associated_data(table, str(field.column), obj.pk)
                setattr(obj, field.attname, change(getattr(obj, field.attname), aad))
            batch.append(obj)
            if len(batch) >= BATCH:
                queryset.bulk_update(batch, field_names)
                batch = []
        if batch:
            queryset.bulk_update(batch, field_names)

    return run


def _seal(value: str | None, aad: bytes) -> str | None:
    if value is None or value == "":
        return None
    if value.startswith(crypto.PREFIX) and _is_token(value, aad):
        return value  # already sealed (a migration re-run after a partial failure)
    return crypto.encrypt(value.encode(), aad)


def _is_token(value: str, aad: bytes) -> bool:
    try:
        crypto.decrypt(value, aad)
    except crypto.DecryptionError:
        return False
    return True


def _open(value: str | None, aad: bytes) -> str:
    if value is None:
        return ""
    return crypto.decrypt(value, aad).decode()


def encrypt_in_place(app_label: str, model_name: str, *field_names: str) -> migrations.RunPython:
    """Step 2 above, reversible: seal each named (still plain) column of every existing row."""
    return migrations.RunPython(
        _rewrite(app_label, model_name, field_names, _seal),
        _rewrite(app_label, model_name, field_names, _open),
        elidable=False,
    )
