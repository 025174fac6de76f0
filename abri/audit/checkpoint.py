"""Signed checkpoints of the audit chain, to be kept off the server.

A keyed chain stops anyone without the key from rewriting events, but not from removing the
newest ones and moving the head back: what is left is a valid, shorter chain. A checkpoint (event
count, head id, head link, time) signed with the audit key's Ed25519 key, kept where the database's
holder cannot reach it, catches that: the event it names must still be there with the same link.
Ed25519 rather than an HMAC so that whoever keeps the checkpoints can check them with the public
key alone (``audit_verify --public-keys``) and cannot make one.

One line of text, easy to mail or append to a file::

    abri-audit-checkpoint count=<n> head=<id> hash=<64 hex> time=<ISO 8601 UTC> key=<version> sig=<base64>

The signature covers everything before `` sig=``. The count is for the reader (and stays so that
checkpoints already kept still parse and verify); it is never checked, the head pins it: its link
covers every event before it.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature

from abri.audit.chain import VerifyResult
from abri.audit.keys import audit_keys

PREFIX = "abri-audit-checkpoint"
LINE = re.compile(
    rf"^{PREFIX} count=(?P<count>\d{{1,18}}) head=(?P<head>\d{{1,18}}) hash=(?P<hash>[0-9a-f]{{64}}) "
    r"time=(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) key=(?P<key>\d{1,5}) sig=(?P<sig>[A-Za-z0-9+/]{86}==)$"
)


class CheckpointError(Exception):
    """A checkpoint that is malformed, or whose signature does not verify: never trusted."""


@dataclass(frozen=True)
class Checkpoint:
    count: int
    head_id: int
    head_hash: str
    time: str
    key_version: int

    def body(self) -> str:
        return (
            f"{PREFIX} count={self.count} head={self.head_id} hash={self.head_hash} "
            f"time={self.time} key={self.key_version}"
        )


def make_checkpoint(result: VerifyResult) -> str:
    """Sign a checkpoint of a chain that was just verified intact."""
    if not result.ok:
        raise CheckpointError("a broken chain is never checkpointed")
    keys = audit_keys()
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    checkpoint = Checkpoint(result.checked, result.head_id, result.head_hash, now, keys.current_version)
    signature = keys.signing_keys[checkpoint.key_version].sign(checkpoint.body().encode())
    return f"{checkpoint.body()} sig={base64.b64encode(signature).decode()}"


def read_checkpoint(line: str) -> Checkpoint:
    """Parse a checkpoint line and check its signature, or raise CheckpointError."""
    match = LINE.match(line.strip())
    if match is None:
        raise CheckpointError("not a checkpoint line")
    checkpoint = Checkpoint(
        count=int(match["count"]),
        head_id=int(match["head"]),
        head_hash=match["hash"],
        time=match["time"],
        key_version=int(match["key"]),
    )
    keys = audit_keys()
    if checkpoint.key_version not in keys.signing_keys:
        version = checkpoint.key_version
        raise CheckpointError(f"signed with audit key version {version}, which is not configured")
    try:
        signature = base64.b64decode(match["sig"], validate=True)
        keys.public_key(checkpoint.key_version).verify(signature, checkpoint.body().encode())
    except (InvalidSignature, binascii.Error) as exc:
        raise CheckpointError("the signature does not verify (forged, altered, or not ours)") from exc
    return checkpoint
