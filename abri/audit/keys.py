"""The audit log's keys: versioned like the encryption keys, held outside the database.

Keys come from ``ABRI_AUDIT_KEYS`` ("1:<base64 32 bytes>,2:<...>") or a JSON key file
(``ABRI_AUDIT_KEY_FILE``: ``{"keys": {"1": "<base64>"}}``); outside production a random key file
is created on first use. They are separate from the encryption keys and from SECRET_KEY: whoever
holds the database (or a backup, or the field-encryption keys) must not be able to re-chain the log.

From each version's secret two keys are derived (HKDF-SHA256, so neither reveals the other):
the HMAC-SHA256 key that chains the events, and an Ed25519 key that signs checkpoints. The newest
version keys new events and signs new checkpoints; every listed version verifies, so a key
rotates by adding a version. An old version is never removed while its events are kept.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from abri.core.crypto import load_dev_key_file, load_key_file, parse_env_keys

MAC_INFO = b"abri audit chain hmac-sha256"
SIGNING_INFO = b"abri audit checkpoint ed25519"


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


@dataclass(frozen=True)
class AuditKeys:
    secret_keys: dict[int, bytes]
    mac_keys: dict[int, bytes] = field(init=False, repr=False)
    signing_keys: dict[int, Ed25519PrivateKey] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.secret_keys:
            raise ImproperlyConfigured("no audit key configured")
        # Derived once per process: appending an event then costs one HMAC, nothing more.
        items = self.secret_keys.items()
        object.__setattr__(self, "mac_keys", {v: _derive(k, MAC_INFO) for v, k in items})
        signing = {v: Ed25519PrivateKey.from_private_bytes(_derive(k, SIGNING_INFO)) for v, k in items}
        object.__setattr__(self, "signing_keys", signing)

    @property
    def current_version(self) -> int:
        return max(self.secret_keys)

    def public_key(self, version: int) -> Ed25519PublicKey:
        return self.signing_keys[version].public_key()

    def public_key_text(self, version: int) -> str:
        """The raw public key in base64: enough to check a checkpoint's signature off the server."""
        raw = self.public_key(version).public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return base64.b64encode(raw).decode()


@lru_cache(maxsize=1)
def audit_keys() -> AuditKeys:
    """The process's audit keys, read once from the environment or the key file.

    The key-file code is the encryption keys' (abri.core.crypto); the keys themselves are not.
    """
    what = "audit key"
    if settings.AUDIT_KEYS:
        return AuditKeys(parse_env_keys(settings.AUDIT_KEYS, variable="ABRI_AUDIT_KEYS", what=what))
    if settings.AUDIT_KEY_FILE:
        return AuditKeys(load_key_file(Path(settings.AUDIT_KEY_FILE), what=what)[0])
    if settings.PRODUCTION:
        raise ImproperlyConfigured("no audit keys configured")
    return AuditKeys(load_dev_key_file(Path(settings.DEV_AUDIT_KEY_FILE), what=what)[0])
