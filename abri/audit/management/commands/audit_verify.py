from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from abri.audit.chain import verify_chain
from abri.audit.checkpoint import CheckpointError, make_checkpoint, read_checkpoint
from abri.audit.keys import audit_keys


def _checkpoint_text(value: str) -> str:
    """A checkpoint given as a string, or the last non-empty line of a file of kept checkpoints."""
    try:
        path = Path(value)
        is_file = path.is_file()
    except (OSError, ValueError):  # a string that cannot be a file name
        is_file = False
    if is_file:
        lines = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
        lines = [line for line in lines if line]
        return lines[-1] if lines else ""
    return value


class Command(BaseCommand):
    help = (
        "Verify the audit log's keyed hash chain and name the first broken link; print a signed "
        "checkpoint to keep off the server, and verify against a kept one with --checkpoint."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            help="the last checkpoint kept off the server: the line itself, or a file whose last line it is",
        )
        parser.add_argument(
            "--public-keys",
            action="store_true",
            help="print the public keys that verify checkpoint signatures, and stop",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["public_keys"]:
            keys = audit_keys()
            for version in sorted(keys.signing_keys):
                self.stdout.write(f"audit key {version}: ed25519 public key {keys.public_key_text(version)}")
            return
        checkpoint = None
        if options["checkpoint"] is not None:
            try:
                checkpoint = read_checkpoint(_checkpoint_text(options["checkpoint"]))
            except CheckpointError as exc:
                raise CommandError(f"checkpoint refused: {exc}") from exc
        # The pinned head is enough: its link covers every event before it, so a chain that
        # verifies through it still holds the checkpoint's events, and its count needs no check.
        pinned = (checkpoint.head_id, checkpoint.head_hash) if checkpoint and checkpoint.head_id else None
        result = verify_chain(pinned=pinned)
        if not result.ok:
            against = f" (against the checkpoint of {checkpoint.time})" if checkpoint else ""
            raise CommandError(
                f"audit chain broken at event #{result.broken_at}{against}: {result.problem} "
                f"({result.checked} events verified before it)"
            )
        legacy = f", {result.legacy} of them from before the key, anchored" if result.legacy else ""
        self.stdout.write(f"audit chain intact: {result.checked} events verified{legacy}")
        if checkpoint is not None:
            self.stdout.write(
                f"matches the checkpoint of {checkpoint.time} "
                f"({checkpoint.count} events, head #{checkpoint.head_id})"
            )
        # Last line, alone: `audit_verify | tail -n 1` is the checkpoint to send away.
        self.stdout.write(make_checkpoint(result))
