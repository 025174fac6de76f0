"""AES-256-GCM encryption with versioned keys, and keyed blind indexes.

Keys come from ``ABRI_ENCRYPTION_KEYS`` ("1:<base64 32 bytes>,2:<...>") or a JSON key file
(``{"keys": {"1": "<base64>"}, "blind_index_key": "<base64>"}``), never from SECRET_KEY:
a leaked SECRET_KEY must not open the personal data. The newest (highest) version encrypts;
every listed version decrypts, so keys rotate without downtime (``manage.py reencrypt``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
PREFIX = "v"


class DecryptionError(Exception):
    """A stored value could not be decrypted: wrong key, wrong row, or tampered bytes."""


@dataclass(frozen=True)
class KeyRing:
    keys: dict[int, bytes]
    blind_index_key: bytes

    @property
    def current_version(self) -> int:
        return max(self.keys)


def _decode_key(text: str, what: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{what} is not valid base64") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"{what} must be 32 bytes (AES-256), got {len(key)}")
    return key


def _parse_env_keys(text: str) -> dict[int, bytes]:
    keys: dict[int, bytes] = {}
    for item in text.split(","):
        version, _, encoded = item.strip().partition(":")
        if not version.isdigit() or not encoded:
            raise ImproperlyConfigured("ABRI_ENCRYPTION_KEYS must look like '1:<base64>,2:<base64>'")
        keys[int(version)] = _decode_key(encoded, f"encryption key {version}")
    return keys


def _create_dev_key_file(path: Path) -> None:
    """Outside production, make a random key file on first use so `make run` needs no setup."""
    path.parent.mkdir(parents=True, exist_ok=True)
    content = {
        "keys": {"1": base64.b64encode(secrets.token_bytes(32)).decode()},
        "blind_index_key": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(content, handle)


def _load_key_file(path: Path) -> KeyRing:
    data = json.loads(path.read_text(encoding="utf-8"))
    keys = {int(v): _decode_key(k, f"encryption key {v}") for v, k in data["keys"].items()}
    return KeyRing(keys=keys, blind_index_key=_decode_key(data["blind_index_key"], "blind index key"))


@lru_cache(maxsize=1)
def keyring() -> KeyRing:
    """The process's keys, read once from the environment or the key file."""
    if settings.ENCRYPTION_KEYS:
        blind = os.environ.get("ABRI_BLIND_INDEX_KEY")
        if not blind:
            raise ImproperlyConfigured("ABRI_BLIND_INDEX_KEY must be set with ABRI_ENCRYPTION_KEYS")
        return KeyRing(
            keys=_parse_env_keys(settings.ENCRYPTION_KEYS),
            blind_index_key=_decode_key(blind, "ABRI_BLIND_INDEX_KEY"),
        )
    if settings.ENCRYPTION_KEY_FILE:
        return _load_key_file(Path(settings.ENCRYPTION_KEY_FILE))
    if settings.PRODUCTION:
        raise ImproperlyConfigured("no encryption keys configured")
    path = Path(settings.DEV_KEY_FILE)
    if not path.exists():
        # Another process may create it first: then use theirs.
        with contextlib.suppress(FileExistsError):
            _create_dev_key_file(path)
    return _load_key_file(path)


def associated_data(table: str, column: str, row_id: object) -> bytes:
    """Bind a ciphertext to its place: copied to another row or column, it fails to decrypt."""
    return f"{table}\x1f{column}\x1f{row_id}".encode()


def encrypt(plaintext: bytes, aad: bytes) -> str:
    ring = keyring()
    version = ring.current_version
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(ring.keys[version]).encrypt(nonce, plaintext, aad)
    return f"{PREFIX}{version}:{base64.b64encode(nonce + sealed).decode()}"


def key_version(token: str) -> int:
    head, sep, _ = token.partition(":")
    if not sep or not head.startswith(PREFIX) or not head[1:].isdigit():
        raise DecryptionError("not an Abri ciphertext")
    return int(head[1:])


def decrypt(token: str, aad: bytes) -> bytes:
    """Decrypt or raise: a failure never returns the stored bytes."""
    version = key_version(token)
    key = keyring().keys.get(version)
    if key is None:
        raise DecryptionError(f"unknown key version {version}")
    try:
        raw = base64.b64decode(token.partition(":")[2], validate=True)
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError("ciphertext does not authenticate for this row") from exc


def normalise_for_index(value: str) -> str:
    """Case-, accent- and spacing-insensitive form, so 'Éva  Dupont' and 'eva dupont' match."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().replace("-", " ").split())


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash for exact-match lookups on encrypted data, separated by purpose."""
    message = f"{purpose}\x1f{normalise_for_index(value)}".encode()
    return hmac.new(keyring().blind_index_key, message, hashlib.sha256).hexdigest()
