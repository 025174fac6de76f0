"""Checks an uploaded ZIP archive (an XLSX workbook is one) before anything unpacks it.

A ZIP of a few hundred kilobytes can unpack to gigabytes (a "decompression bomb"): a 409 KB
XLSX on the network import took the worker to 2.3 GB. Every place that opens an uploaded
archive calls :func:`check_archive` first, which reads only the archive's directory (no member
is decompressed) and refuses too many members, a member or a total too large once unpacked, and
a compression ratio no office file reaches.

Trusting the sizes the directory declares is sound because every reader in Abri (openpyxl
included) unpacks through Python's ``zipfile``, which stops at the declared size and raises on
a member whose data does not match it: a lying directory yields an error, never more bytes.

Where archives are opened today: the network import (``abri.network.io``). Attachments
(``abri.core.uploads``) accept only PDF, JPEG and PNG, never an archive; their PNG data is
copied without being unpacked, and pypdf caps each PDF stream it decodes (75 MB).
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass
from typing import Final

from django.utils.translation import gettext as _

from abri.core.errors import DomainError

_MB: Final = 1024 * 1024


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int
    max_member_bytes: int
    max_total_bytes: int
    # Unpacked size over packed size, for members big enough for it to matter: spreadsheet XML
    # packs 5 to 30 times; a run of one repeated byte packs about a thousand times.
    max_ratio: int
    ratio_from_bytes: int = 1 * _MB


# A workbook of the import's largest accepted table (5,000 rows, 5 MB) unpacks to a few
# megabytes: these limits leave a wide margin and still bound what openpyxl builds in memory.
SPREADSHEET_LIMITS: Final = ArchiveLimits(
    max_members=200, max_member_bytes=32 * _MB, max_total_bytes=64 * _MB, max_ratio=100
)


class ArchiveError(DomainError):
    """A refused archive: ``code`` is ``damaged`` (not a readable ZIP) or ``too_large``."""


_END_OF_DIRECTORY: Final = b"PK\x05\x06"


def _declared_members(data: bytes) -> int | None:
    """The member count the end-of-directory record declares, or None if there is none.

    Read before ``zipfile`` builds one object per member, so that an archive declaring millions
    of tiny members costs nothing. 0xFFFF means "see the ZIP64 record": at least that many.
    """
    # The record is 22 bytes plus a comment of at most 65,535 bytes, at the very end.
    at = data.rfind(_END_OF_DIRECTORY, max(0, len(data) - 22 - 0xFFFF))
    if at < 0 or at + 22 > len(data):
        return None
    (total,) = struct.unpack_from("<H", data, at + 10)
    return int(total)


def check_archive(data: bytes, *, field: str, limits: ArchiveLimits = SPREADSHEET_LIMITS) -> None:
    """Refuse an archive that would unpack to too much, naming the form ``field``.

    Raises :class:`ArchiveError`; returns None for an archive within the limits.
    """
    damaged = ArchiveError(_("This file is damaged and cannot be read."), field=field, code="damaged")
    # An XLSX is a ZIP of many small files; a spreadsheet made of thousands is not a real one.
    too_many = ArchiveError(
        _("This file is made of more than %(count)s internal files: it cannot be read safely.")
        % {"count": limits.max_members},
        field=field,
        code="too_large",
    )
    too_large = _("This file unpacks to more than %(size)s MB: it cannot be read safely.") % {
        "size": limits.max_total_bytes // _MB
    }
    declared = _declared_members(data)
    if declared is None:
        raise damaged
    if declared > limits.max_members:
        raise too_many
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, struct.error, EOFError):
        raise damaged from None
    if len(members) > limits.max_members:  # the record above can understate it
        raise too_many
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > limits.max_member_bytes or total > limits.max_total_bytes:
            raise ArchiveError(too_large, field=field, code="too_large")
        if member.file_size >= limits.ratio_from_bytes and member.file_size > limits.max_ratio * max(
            member.compress_size, 1
        ):
            raise ArchiveError(
                _("This file is compressed far more than a spreadsheet can be: it cannot be read safely."),
                field=field,
                code="too_large",
            )
