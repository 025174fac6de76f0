"""Encrypted model fields: AES-256-GCM bound to (table, column, row id).

The column holds ``v<key version>:<base64(nonce + ciphertext + tag)>``. Encryption happens in
``pre_save`` because only there is the row's id known (models with encrypted fields use
client-generated UUID keys, see ``abri.core.models.BaseModel``). Decryption is lazy: a list
page that never shows a name never decrypts one. Writing through ``QuerySet.update()`` would
skip encryption, so the field refuses any value that was not sealed by ``pre_save``.
"""

from __future__ import annotations

import datetime
import json
from typing import TYPE_CHECKING, Any

from django.db import models

from abri.core import crypto


class _Sealed(str):
    """A ciphertext on its way to the database or just read from it."""


class _EncryptedDescriptor:
    def __init__(self, field: EncryptedField) -> None:
        self.field = field

    def __get__(self, instance: models.Model | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__.get(self.field.attname)
        if isinstance(value, _Sealed):
            value = self.field.open(instance, value)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


if TYPE_CHECKING:
    _FieldBase = models.Field[Any, Any]
else:
    _FieldBase = models.Field


class EncryptedField(_FieldBase):
    """Base class: subclasses say how a Python value becomes bytes and back.

    Stored in a text column; typed as Any because a decrypted value is a str, a date or JSON.
    """

    def get_internal_type(self) -> str:
        return "TextField"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        setattr(cls, self.attname, _EncryptedDescriptor(self))

    # -- conversions supplied by subclasses
    def to_bytes(self, value: Any) -> bytes:
        return str(value).encode()

    def from_bytes(self, data: bytes) -> Any:
        return data.decode()

    def _aad(self, instance: models.Model) -> bytes:
        if instance.pk is None:
            raise ValueError(f"{type(instance).__name__} needs its id before encrypting {self.name}")
        return crypto.associated_data(instance._meta.db_table, str(self.column), instance.pk)

    def seal(self, instance: models.Model, value: Any) -> _Sealed | None:
        if value is None or value == "":
            return None
        return _Sealed(crypto.encrypt(self.to_bytes(value), self._aad(instance)))

    def open(self, instance: models.Model, token: str) -> Any:
        return self.from_bytes(crypto.decrypt(token, self._aad(instance)))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        return self.seal(model_instance, getattr(model_instance, self.attname))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else _Sealed(value)

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, _Sealed):
            return str(value)  # plain str for the database drivers
        raise TypeError(
            f"{self.name} is encrypted: write it with model.save(), never QuerySet.update() or filter()"
        )

    def raw_token(self, instance: models.Model) -> str | None:
        """The stored ciphertext, for key rotation."""
        value = instance.__dict__.get(self.attname)
        return str(value) if isinstance(value, _Sealed) else None


class EncryptedTextField(EncryptedField):
    pass


class EncryptedDateField(EncryptedField):
    def to_bytes(self, value: Any) -> bytes:
        if not isinstance(value, datetime.date):
            raise TypeError(f"{self.name} expects a date")
        return value.isoformat().encode()

    def from_bytes(self, data: bytes) -> Any:
        return datetime.date.fromisoformat(data.decode())


class EncryptedJSONField(EncryptedField):
    def to_bytes(self, value: Any) -> bytes:
        return json.dumps(value, sort_keys=True, ensure_ascii=False).encode()

    def from_bytes(self, data: bytes) -> Any:
        return json.loads(data)

    def seal(self, instance: models.Model, value: Any) -> _Sealed | None:
        if value is None:
            return None
        return _Sealed(crypto.encrypt(self.to_bytes(value), self._aad(instance)))


class EncryptedBytesField(EncryptedField):
    """Uploaded files: encrypted the same way as every other personal value."""

    def to_bytes(self, value: Any) -> bytes:
        if not isinstance(value, bytes | bytearray):
            raise TypeError(f"{self.name} expects bytes")
        return bytes(value)

    def from_bytes(self, data: bytes) -> Any:
        return data

    def seal(self, instance: models.Model, value: Any) -> _Sealed | None:
        if value is None:
            return None
        return _Sealed(crypto.encrypt(self.to_bytes(value), self._aad(instance)))


def encrypted_fields(model: type[models.Model]) -> list[EncryptedField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
