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


def decode_key(text: str, what: str) -> bytes:
    """One base64 key of 32 bytes (AES-256, HMAC-SHA256 and HKDF secrets alike), or a loud refusal."""
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{what} is not valid base64") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"{what} must be 32 bytes, got {len(key)}")
    return key


def parse_env_keys(text: str, *, variable: str, what: str) -> dict[int, bytes]:
    """Versioned keys from an environment variable: "1:<base64>,2:<base64>"."""
    keys: dict[int, bytes] = {}
    for item in text.split(","):
        version, _, encoded = item.strip().partition(":")
        if not version.isdigit() or not encoded:
            raise ImproperlyConfigured(f"{variable} must look like '1:<base64>,2:<base64>'")
        keys[int(version)] = decode_key(encoded, f"{what} {version}")
    return keys


def load_key_file(
    path: Path, *, what: str, named: tuple[str, ...] = ()
) -> tuple[dict[int, bytes], dict[str, bytes]]:
    """A JSON key file: versioned keys under "keys", plus the single keys listed in ``named``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        keys = {int(v): decode_key(k, f"{what} {v}") for v, k in data["keys"].items()}
        singles = {name: decode_key(data[name], name.replace("_", " ")) for name in named}
    except (OSError, ValueError, KeyError, AttributeError, TypeError) as exc:
        shape = ", ".join(["'keys': {'1': '<base64>'}", *(f"'{name}': '<base64>'" for name in named)])
        raise ImproperlyConfigured(f"{what} file {path} is not JSON like {{{shape}}}") from exc
    return keys, singles


def _random_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _create_dev_key_file(path: Path, named: tuple[str, ...]) -> None:
    """Write a random key file aside, then link it into place.

    A process starting at the same moment (test workers, a second `make run`) sees no file or a
    whole one, never an empty one. ``os.link`` fails if another process won the race.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    content = {"keys": {"1": _random_key()}, **{name: _random_key() for name in named}}
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(content, handle)
        os.link(draft, path)
    finally:
        draft.unlink()


def load_dev_key_file(
    path: Path, *, what: str, named: tuple[str, ...] = ()
) -> tuple[dict[int, bytes], dict[str, bytes]]:
    """Outside production, random keys made on first use so `make run` needs no setup."""
    if not path.exists():
        # Another process may create it first: then use theirs.
        with contextlib.suppress(FileExistsError):
            _create_dev_key_file(path, named)
    return load_key_file(path, what=what, named=named)


BLIND_INDEX_KEY = "blind_index_key"


@lru_cache(maxsize=1)
def keyring() -> KeyRing:
    """The process's keys, read once from the environment or the key file."""
    if settings.ENCRYPTION_KEYS:
        blind = os.environ.get("ABRI_BLIND_INDEX_KEY")
        if not blind:
            raise ImproperlyConfigured("ABRI_BLIND_INDEX_KEY must be set with ABRI_ENCRYPTION_KEYS")
        return KeyRing(
            keys=parse_env_keys(
                settings.ENCRYPTION_KEYS, variable="ABRI_ENCRYPTION_KEYS", what="encryption key"
            ),
            blind_index_key=decode_key(blind, "ABRI_BLIND_INDEX_KEY"),
        )
    named = (BLIND_INDEX_KEY,)
    if settings.ENCRYPTION_KEY_FILE:
        keys, singles = load_key_file(Path(settings.ENCRYPTION_KEY_FILE), what="encryption key", named=named)
    elif settings.PRODUCTION:
        raise ImproperlyConfigured("no encryption keys configured")
    else:
        keys, singles = load_dev_key_file(Path(settings.DEV_KEY_FILE), what="encryption key", named=named)
    return KeyRing(keys=keys, blind_index_key=singles[BLIND_INDEX_KEY])


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
