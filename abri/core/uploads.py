"""Checks and cleans the documents that field workers attach to a request.

An upload is accepted only if its *content* is a PDF, a JPEG or a PNG: the file name and the
browser's content type are chosen by the sender and prove nothing. The accepted file is then
rewritten without its metadata, because a photo's EXIF block can hold the GPS position where it
was taken, and a PDF's author or software fields can name a person or a place. The caller
encrypts the returned bytes; this module never touches the disk or the database.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject, StreamObject

MAX_UPLOAD_BYTES: Final = 5 * 1024 * 1024

_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class CleanUpload:
    """An accepted upload: cleaned bytes, and the type and extension detected from them."""

    content: bytes
    content_type: str
    extension: str


class UploadError(Exception):
    """A refused upload; ``message`` is translated and can be shown to the sender as is."""

    def __init__(self, message: str | Promise, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


def _damaged() -> UploadError:
    return UploadError(_("This file is damaged and cannot be read."), code="damaged")


def sniff(data: bytes) -> str | None:
    """Return the MIME type detected from the first bytes, or None when it is not accepted.

    Readers accept ``%PDF-`` anywhere in the first 1024 bytes, which lets a file be a PDF and
    something else (an HTML page, an executable) at the same time: only offset 0 is accepted.
    """
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(_PNG_SIGNATURE):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


# JPEG ------------------------------------------------------------------------------------------

# Segments the decoder needs: frame headers (SOF0-15 except DHT, JPG and DAC, listed apart),
# Huffman and quantisation tables, arithmetic conditioning, restart interval, number of lines.
_JPEG_KEEP: Final = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
    | {0xC4, 0xCC, 0xDB, 0xDD, 0xDC}
)
_SOS: Final = 0xDA
_EOI: Final = 0xD9


def _jpeg_app0(payload: bytes) -> bytes | None:
    """Keep a JFIF header, minus its thumbnail: a thumbnail can show what a crop removed."""
    if not payload.startswith(b"JFIF\x00") or len(payload) < 14:
        return None
    body = payload[:12] + b"\x00\x00"  # identifier, version, units, densities; no thumbnail
    return b"\xff\xe0" + struct.pack(">H", len(body) + 2) + body


# In entropy-coded data, 0xFF is followed by 0x00 (a stuffed byte) or by a restart marker
# RST0-7; 0xFF followed by anything else but another 0xFF (a fill byte) is the next marker.
_JPEG_MARKER_IN_SCAN: Final = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _jpeg_scan_end(data: bytes, pos: int) -> int:
    """Return the offset of the first marker after entropy-coded data starting at ``pos``."""
    found = _JPEG_MARKER_IN_SCAN.search(data, pos)  # a regex: a Python loop per byte is too slow
    if found is None:
        raise _damaged()  # the image ends before its EOI marker: truncated
    end = found.start()
    # A data byte 0xFF is always followed by 0x00, so 0xFF bytes just before the marker are fill
    # bytes: leave them out, the caller skips them.
    while end > pos and data[end - 1] == 0xFF:
        end -= 1
    return end


def strip_jpeg(data: bytes) -> bytes:
    """Rewrite a JPEG with only what decoding needs.

    Dropped: APP1 (EXIF, with GPS, and XMP), APP2-APP15 (ICC, MPF, maker notes, Photoshop IPTC)
    except APP14 "Adobe" (it says how to convert the colours), JFIF thumbnails, JFXX, COM
    comments, and everything after EOI (phones append videos or second images there).
    Segments between progressive scans are filtered the same way.
    """
    if not data.startswith(b"\xff\xd8"):
        raise _damaged()
    out = bytearray(b"\xff\xd8")
    pos, size, scanned = 2, len(data), False
    while True:
        if pos >= size or data[pos] != 0xFF:
            raise _damaged()
        while pos < size and data[pos] == 0xFF:  # any number of fill bytes may precede a marker
            pos += 1
        if pos >= size:
            raise _damaged()
        marker = data[pos]
        pos += 1
        if marker == _EOI:
            if not scanned:
                raise _damaged()  # tables without any image
            out += b"\xff\xd9"
            return bytes(out)
        if marker in (0x00, 0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            raise _damaged()  # not a segment: stuffing, TEM, a second SOI or a stray restart
        if pos + 2 > size:
            raise _damaged()
        (length,) = struct.unpack_from(">H", data, pos)
        end = pos + length
        if length < 2 or end > size:
            raise _damaged()
        segment = data[pos - 2 : end]
        payload = data[pos + 2 : end]
        pos = end
        if marker == _SOS:
            scan_end = _jpeg_scan_end(data, pos)
            out += segment + data[pos:scan_end]
            pos, scanned = scan_end, True
        elif marker in _JPEG_KEEP:
            out += segment
        elif marker == 0xE0:
            out += _jpeg_app0(payload) or b""
        elif marker == 0xEE and payload.startswith(b"Adobe"):
            out += segment
        elif 0xE0 <= marker <= 0xEF or 0xF0 <= marker <= 0xFE:
            continue  # APPn, JPGn extensions and COM: metadata or unused by baseline decoders
        else:
            raise _damaged()  # a reserved marker: no valid file has one


# PNG -------------------------------------------------------------------------------------------

# Critical chunks, and ancillary ones that only change how the pixels look.
_PNG_KEEP: Final = frozenset(
    {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs"}
)


def strip_png(data: bytes) -> bytes:
    """Rewrite a PNG with only the chunks in ``_PNG_KEEP``, each checked against its CRC.

    Dropped: tEXt, zTXt and iTXt (author, comment, software, XMP), eXIf (GPS), tIME, and any
    other ancillary chunk (APNG frames included), and anything after IEND.
    """
    if not data.startswith(_PNG_SIGNATURE):
        raise _damaged()
    out = bytearray(_PNG_SIGNATURE)
    pos, size = len(_PNG_SIGNATURE), len(data)
    seen: list[bytes] = []
    while True:
        if pos + 12 > size:
            raise _damaged()  # truncated before IEND
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > size or not kind.isalpha():
            raise _damaged()
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(data[pos + 4 : end - 4]) != crc:
            raise _damaged()
        if not seen and (kind != b"IHDR" or length != 13):
            raise _damaged()
        seen.append(kind)
        if kind in _PNG_KEEP:
            out += data[pos:end]
        elif kind[0:1].isupper():
            raise _damaged()  # an unknown critical chunk: no standard reader can show the image
        pos = end
        if kind == b"IEND":
            if b"IDAT" not in seen:
                raise _damaged()
            return bytes(out)


# PDF -------------------------------------------------------------------------------------------

# Keys that run code, carry files or hold metadata, wherever they appear in the copied pages.
_PDF_DROP_KEYS: Final = ("/AA", "/Metadata", "/PieceInfo", "/JS", "/JavaScript", "/EmbeddedFiles")
# Actions that run code, open or submit something; links to pages or web addresses stay.
_PDF_BAD_ACTIONS: Final = frozenset(
    {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/GoToR", "/Rendition"}
    | {"/Sound", "/Movie", "/RichMediaExecute"}
)
# Annotations that carry a file or play media.
_PDF_BAD_ANNOTATIONS: Final = frozenset({"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia"})


def _is_dangerous(obj: PdfObject | None) -> bool:
    """Whether a PDF object is an action that runs or opens something, or a media annotation."""
    return isinstance(obj, DictionaryObject) and (
        obj.get("/S") in _PDF_BAD_ACTIONS or obj.get("/Subtype") in _PDF_BAD_ANNOTATIONS
    )


def _scrub_pdf(root: PdfObject) -> None:
    """Remove, in place and through the whole object graph, code, attachments and metadata."""
    seen: set[int] = set()
    stack: list[PdfObject | None] = [root]
    while stack:  # iterative: a hostile file can nest objects deeper than Python's recursion
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if item.idnum in seen:
                continue
            seen.add(item.idnum)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            if _is_dangerous(item):
                # Emptied in place, so that every reference to it (/A, /Next, /Popup) is defused.
                item.clear()
                continue
            for key in _PDF_DROP_KEYS:
                item.pop(key, None)
            if isinstance(item, StreamObject) and item.get("/Filter") in ("/DCTDecode", ["/DCTDecode"]):
                # A JPEG file as is (often a phone photo, with EXIF and GPS): ``_data`` holds the
                # raw bytes, and the base class's set_data replaces them without re-encoding.
                StreamObject.set_data(item, strip_jpeg(item._data))
            annotations = item.get("/Annots")
            if isinstance(annotations, IndirectObject):
                annotations = annotations.get_object()
            if isinstance(annotations, ArrayObject):
                kept = [each for each in annotations if not _is_dangerous(each.get_object())]
                item[NameObject("/Annots")] = ArrayObject(kept)
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def strip_pdf(data: bytes) -> bytes:
    """Copy the pages of a PDF into a new document, leaving the rest behind.

    Only the pages are copied, never the document catalog, so the document information
    dictionary (author, title, software, dates), the XMP metadata, the names tree (JavaScript,
    embedded files), OpenAction, the outline and the form are all left out. In the copied pages,
    additional actions, code-running actions, attachments and XMP streams are then removed.
    """
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception as error:  # pypdf raises many types for a damaged file: all mean the same
        raise _damaged() from error
    if encrypted:
        raise UploadError(
            _("Password-protected PDFs cannot be checked: send it without a password."), code="encrypted"
        )
    try:
        # Removing a key leaves the object it pointed to in the writer, where it would still be
        # written: the scrubbed copy is read back and its pages copied again, which takes along
        # only the objects they still reach.
        scrubbed = _copy_pages(reader, scrub=True)
        return _copy_pages(PdfReader(io.BytesIO(scrubbed), strict=False), scrub=False)
    except Exception as error:
        raise _damaged() from error


def _copy_pages(reader: PdfReader, *, scrub: bool) -> bytes:
    """Write the pages of ``reader`` into a new document without /Info, optionally scrubbed."""
    writer = PdfWriter()
    # A new writer starts with an /Info dictionary naming pypdf as producer; this setter removes
    # it, and the trailer then has no /Info entry at all.
    writer.metadata = None
    for page in reader.pages:
        # /B links to article threads, whose info dictionary can hold an author.
        writer.add_page(page, excluded_keys=("/B",))
    if not writer.pages:
        raise ValueError("a PDF without any page")
    if scrub:
        _scrub_pdf(writer.root_object)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


# Entry point -----------------------------------------------------------------------------------

_STRIPPERS: Final = {
    "application/pdf": (strip_pdf, "pdf"),
    "image/jpeg": (strip_jpeg, "jpg"),
    "image/png": (strip_png, "png"),
}


def clean_upload(data: bytes) -> CleanUpload:
    """Check the size and the type of an upload, and return it without its metadata."""
    if not data:
        raise UploadError(_("The file is empty."), code="empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(_("The file is larger than 5 MB."), code="too_large")
    content_type = sniff(data)
    if content_type is None:
        raise UploadError(
            _("This file type is not accepted: send a PDF, a JPEG or a PNG."), code="type_not_accepted"
        )
    strip, extension = _STRIPPERS[content_type]
    return CleanUpload(content=strip(data), content_type=content_type, extension=extension)
