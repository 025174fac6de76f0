"""Uploads: type detected by content, size limits, metadata stripped, damaged files refused cleanly.

No database. Every fixture is built in code, except one real JPEG embedded below.
"""

from __future__ import annotations

import base64
import io
import struct
import zlib

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from abri.core.uploads import (
    MAX_UPLOAD_BYTES,
    CleanUpload,
    UploadError,
    clean_upload,
    sniff,
    strip_jpeg,
    strip_pdf,
    strip_png,
)

# JPEG ------------------------------------------------------------------------------------------


def segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


APP0_JFIF = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
APP1_EXIF = segment(0xE1, b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08GPSLatitude 48.8566 N GPSLongitude 2.35")
APP1_XMP = segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>Secret place</x:xmpmeta>")
APP2_ICC = segment(0xE2, b"ICC_PROFILE\x00\x01\x01Secret camera")
APP13_IPTC = segment(0xED, b"Photoshop 3.0\x008BIMSecret caption")
APP14_ADOBE = segment(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01")
COM = segment(0xFE, b"secret comment")
DQT = segment(0xDB, b"\x00" + bytes([1] * 64))
SOF0_GRAY_1X1 = segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
# One-code Huffman tables: DC category 0 and AC end-of-block, each coded by the single bit "0".
DHT_DC = segment(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00")
DHT_AC = segment(0xC4, b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00")
SOS_GRAY = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
SCAN_DATA = b"\x3f"  # "0" (DC diff 0) + "0" (EOB), padded with ones: one mid-grey 8x8 block
SOI, EOI = b"\xff\xd8", b"\xff\xd9"

DECODER_PART = DQT + SOF0_GRAY_1X1 + DHT_DC + DHT_AC + SOS_GRAY + SCAN_DATA + EOI
CLEAN_JPEG = SOI + APP0_JFIF + DECODER_PART
DIRTY_JPEG = SOI + APP0_JFIF + APP1_EXIF + APP1_XMP + APP2_ICC + APP13_IPTC + COM + DECODER_PART

# A real 16x16 colour JPEG (JFIF, baseline, 4:2:0), from CPython's test data (Lib/test/imghdrdata).
REAL_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDR"
    "ENDg8QEBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ"
    "EBAQEBAQEBAQEBAQEBAQEBD/wAARCAAQABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABwQF/8QAJBAAAQQBBA"
    "ICAwAAAAAAAAAAAQIDBAYFBwgSExEiABQJMTL/xAAVAQEBAAAAAAAAAAAAAAAAAAAGB//EACMRAAECBQMFAAAAAAAAAAAA"
    "AAECEQMEBQYhABIxFRZhgeH/2gAMAwEAAhEDEQA/ABSm0mobc8F0qwPzq/Aa6pb+NHfSn6Rxq1HP3iS8wmsk/cHbAO/dn1"
    "zrj1yO0iDQBFpxvFG5bjtZ2ZNnNZWZjYh04nzXU2FzLj3Lk56TxR6XJ9/JzB1MEn9gVn0XZzTqLd7ttv8AjZsBVr1Pd+57"
    "3O0RNlGkjpQ9gU/eG4nexXDavvjQK9lxWlZM0hN8lWmiy4Z5uKYKvpIPefmNdRz9WxTvY0SWWgLHGKKAAHSCfDfbGr6v/"
    "9k="
)


def jpeg_segments(data: bytes) -> list[bytes]:
    """The marker bytes of the segments before the first scan, for assertions."""
    markers, pos = [], 2
    while data[pos + 1] != 0xDA:
        markers.append(data[pos : pos + 2])
        pos += 2 + struct.unpack_from(">H", data, pos + 2)[0]
    return markers


def test_the_real_jpeg_fixture_is_what_the_stripper_keeps():
    assert sniff(REAL_JPEG) == "image/jpeg"
    assert strip_jpeg(REAL_JPEG) == REAL_JPEG


def test_jpeg_metadata_is_stripped_and_the_image_kept():
    cleaned = clean_upload(DIRTY_JPEG)
    assert cleaned == CleanUpload(content=CLEAN_JPEG, content_type="image/jpeg", extension="jpg")
    for secret in (b"GPS", b"Exif", b"Secret", b"secret comment", b"ICC_PROFILE", b"Photoshop", b"xmpmeta"):
        assert secret not in cleaned.content
    assert sniff(cleaned.content) == "image/jpeg"


def test_real_jpeg_with_exif_comment_and_trailer_comes_back_byte_for_byte():
    app0, body = REAL_JPEG[2:20], REAL_JPEG[20:]
    assert app0.startswith(b"\xff\xe0\x00\x10JFIF\x00")
    doctored = SOI + app0 + APP1_EXIF + COM + APP2_ICC + body + b"Secret motion photo trailer"
    assert strip_jpeg(doctored) == REAL_JPEG


def test_adobe_app14_is_kept_but_not_another_app14():
    other_app14 = segment(0xEE, b"Secret")
    cleaned = strip_jpeg(SOI + APP0_JFIF + APP14_ADOBE + other_app14 + DECODER_PART)
    assert cleaned == SOI + APP0_JFIF + APP14_ADOBE + DECODER_PART


def test_jfif_thumbnail_and_jfxx_are_dropped():
    thumbnail = bytes([2, 1]) + b"Secret"  # a 2x1 RGB thumbnail: 6 bytes of pixels
    app0_with_thumbnail = segment(0xE0, b"JFIF\x00\x01\x02\x01\x00\x48\x00\x48" + thumbnail)
    jfxx = segment(0xE0, b"JFXX\x00\x13Secret thumbnail")
    cleaned = strip_jpeg(SOI + app0_with_thumbnail + jfxx + DECODER_PART)
    assert cleaned == SOI + segment(0xE0, b"JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x00\x00") + DECODER_PART


def test_fill_bytes_restart_markers_and_stuffed_bytes():
    dri = segment(0xDD, b"\x00\x01")
    scan = b"\x3f\xff\xd0\x3f\xff\x00\x3f\xff\xd1\x3f"  # data, RST0, data with a stuffed FF, RST1
    source = SOI + b"\xff\xff" + APP0_JFIF + COM + DQT + SOF0_GRAY_1X1 + b"\xff" + DHT_DC + DHT_AC
    source += dri + SOS_GRAY + scan + b"\xff\xff" + EOI
    cleaned = strip_jpeg(source)
    # Fill bytes are not copied: each kept segment starts with exactly one 0xFF.
    assert cleaned == SOI + APP0_JFIF + DQT + SOF0_GRAY_1X1 + DHT_DC + DHT_AC + dri + SOS_GRAY + scan + EOI


def test_segments_between_progressive_scans_are_filtered_too():
    sof2 = segment(0xC2, SOF0_GRAY_1X1[4:])
    head = SOI + APP0_JFIF + DQT + sof2 + DHT_DC + DHT_AC
    cleaned = strip_jpeg(head + SOS_GRAY + b"\x3f" + COM + APP1_EXIF + DHT_AC + SOS_GRAY + b"\x3f" + EOI)
    assert cleaned == head + SOS_GRAY + b"\x3f" + DHT_AC + SOS_GRAY + b"\x3f" + EOI
    assert jpeg_segments(cleaned) == [b"\xff\xe0", b"\xff\xdb", b"\xff\xc2", b"\xff\xc4", b"\xff\xc4"]


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(SOI + APP0_JFIF + EOI, id="no scan"),
        pytest.param(SOI + APP0_JFIF + b"\x00" + DECODER_PART, id="junk between segments"),
        pytest.param(SOI + segment(0x02, b"x") + DECODER_PART, id="reserved marker"),
        pytest.param(SOI + b"\xff\xe1\x00\x01" + DECODER_PART, id="length below 2"),
        pytest.param(SOI + b"\xff\xe1\xff\xff" + b"short", id="length past the end"),
        pytest.param(SOI + SOI + DECODER_PART, id="second SOI"),
        pytest.param(CLEAN_JPEG[:-2], id="no EOI"),
    ],
)
def test_malformed_jpegs_are_refused(broken):
    with pytest.raises(UploadError) as caught:
        clean_upload(broken)
    assert caught.value.code == "damaged"


@pytest.mark.parametrize("source", [DIRTY_JPEG, REAL_JPEG], ids=["crafted", "real"])
def test_every_truncated_jpeg_is_refused(source):
    for length in range(3, len(source) - 1):
        with pytest.raises(UploadError):
            clean_upload(source[:length])


# PNG -------------------------------------------------------------------------------------------


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PIXELS = b"\x00\xff\x00\x00\x00\x00\x00\xff"  # 2x1 RGB: filter byte, a red and a blue pixel
IHDR = chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0))
IDAT = chunk(b"IDAT", zlib.compress(PIXELS))
IEND = chunk(b"IEND", b"")
GAMA = chunk(b"gAMA", struct.pack(">I", 45455))
PHYS = chunk(b"pHYs", struct.pack(">IIB", 2835, 2835, 1))
DIRTY_PNG = (
    PNG_SIGNATURE
    + IHDR
    + chunk(b"tEXt", b"Author\x00Secret")
    + chunk(b"tIME", struct.pack(">HBBBBB", 2025, 3, 14, 9, 30, 0))
    + GAMA
    + chunk(b"eXIf", b"MM\x00\x2aGPSLatitude 48.85")
    + chunk(b"iTXt", b"Comment\x00\x00\x00\x00\x00Secret place")
    + PHYS
    + IDAT
    + chunk(b"zTXt", b"Software\x00\x00" + zlib.compress(b"Secret phone"))
    + IEND
)


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Walk a PNG, checking every CRC, and return its (type, data) pairs."""
    assert data.startswith(PNG_SIGNATURE)
    pos, found = 8, []
    while pos < len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        body = data[pos + 8 : pos + 8 + length]
        assert struct.unpack_from(">I", data, pos + 8 + length)[0] == zlib.crc32(kind + body)
        found.append((kind, body))
        pos += 12 + length
    assert pos == len(data)
    return found


def test_png_metadata_is_stripped_and_the_image_kept():
    cleaned = clean_upload(DIRTY_PNG + b"Secret after IEND")
    assert cleaned.content_type == "image/png"
    assert cleaned.extension == "png"
    assert cleaned.content == PNG_SIGNATURE + IHDR + GAMA + PHYS + IDAT + IEND
    for secret in (b"Secret", b"GPS", b"tEXt", b"tIME", b"eXIf", b"iTXt", b"zTXt", b"Author"):
        assert secret not in cleaned.content
    chunks = png_chunks(cleaned.content)
    assert [kind for kind, _ in chunks] == [b"IHDR", b"gAMA", b"pHYs", b"IDAT", b"IEND"]
    assert zlib.decompress(dict(chunks)[b"IDAT"]) == PIXELS


def test_palette_and_rendering_chunks_are_kept():
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 3, 0, 0, 0))
    kept = [
        ihdr,
        chunk(b"sRGB", b"\x00"),
        chunk(b"sBIT", b"\x08\x08\x08"),
        chunk(b"cHRM", bytes(32)),
        chunk(b"PLTE", b"\x00\x00\x00"),
        chunk(b"tRNS", b"\x80"),
        chunk(b"IDAT", zlib.compress(b"\x00\x00")),
        IEND,
    ]
    source = PNG_SIGNATURE + b"".join(kept[:-2]) + chunk(b"bKGD", b"\x00") + b"".join(kept[-2:])
    assert strip_png(source) == PNG_SIGNATURE + b"".join(kept)


def corrupt_crc(data: bytes, kind: bytes) -> bytes:
    at = data.index(kind) + 4
    length = struct.unpack_from(">I", data, at - 8)[0]
    crc_at = at + length
    return data[:crc_at] + bytes([data[crc_at] ^ 0x01]) + data[crc_at + 1 :]


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(corrupt_crc(DIRTY_PNG, b"IDAT"), id="bad CRC on a kept chunk"),
        pytest.param(corrupt_crc(DIRTY_PNG, b"tEXt"), id="bad CRC on a dropped chunk"),
        pytest.param(PNG_SIGNATURE + IDAT + IHDR + IEND, id="IHDR not first"),
        pytest.param(PNG_SIGNATURE + IHDR + IEND, id="no IDAT"),
        pytest.param(PNG_SIGNATURE + IHDR + chunk(b"CgBI", b"\x00") + IDAT + IEND, id="unknown critical"),
        pytest.param(PNG_SIGNATURE + IHDR + chunk(b"I D1", b"") + IDAT + IEND, id="invalid chunk type"),
        pytest.param(PNG_SIGNATURE + IHDR + b"\xff\xff\xff\xffIDAT" + IEND, id="huge length"),
    ],
)
def test_malformed_pngs_are_refused(broken):
    with pytest.raises(UploadError) as caught:
        clean_upload(broken)
    assert caught.value.code == "damaged"


def test_every_truncated_png_is_refused():
    for length in range(8, len(DIRTY_PNG)):
        with pytest.raises(UploadError):
            clean_upload(DIRTY_PNG[:length])


# PDF -------------------------------------------------------------------------------------------


def build_pdf(*, pages: int = 2, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Author": "Secret Author", "/Title": "Passport", "/Producer": "Secret Scanner"})
    writer.xmp_metadata = b"<x:xmpmeta><dc:creator>Secret XMP</dc:creator></x:xmpmeta>"
    writer.add_open_action(JavaScript("app.alert('SecretScript');"))
    writer.add_attachment("notes.txt", b"Secret attachment")
    for page in writer.pages[:1]:
        content = StreamObject()
        content.set_data(b"BT /F1 12 Tf 72 720 Td (Receipt 42) Tj ET")
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject(
            {
                NameObject("/Font"): DictionaryObject(
                    {
                        NameObject("/F1"): DictionaryObject(
                            {
                                NameObject("/Type"): NameObject("/Font"),
                                NameObject("/Subtype"): NameObject("/Type1"),
                                NameObject("/BaseFont"): NameObject("/Helvetica"),
                            }
                        )
                    }
                )
            }
        )
        page_xmp = StreamObject()
        page_xmp.set_data(b"<x:xmpmeta>Secret page XMP</x:xmpmeta>")
        page[NameObject("/Metadata")] = writer._add_object(page_xmp)
        page[NameObject("/AA")] = DictionaryObject(
            {
                NameObject("/O"): DictionaryObject(
                    {
                        NameObject("/S"): NameObject("/JavaScript"),
                        NameObject("/JS"): TextStringObject("app.alert('SecretPageScript')"),
                    }
                )
            }
        )
    if password is not None:
        writer.encrypt(password)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def test_pdf_metadata_scripts_and_attachments_are_stripped():
    source = build_pdf()
    assert b"Secret Author" in source
    assert b"SecretScript" in source
    cleaned = clean_upload(source)
    assert cleaned.content_type == "application/pdf"
    assert cleaned.extension == "pdf"
    for secret in (b"Secret", b"Passport", b"pypdf", b"/Info", b"/JavaScript", b"/EmbeddedFiles", b"/AA"):
        assert secret not in cleaned.content
    reader = PdfReader(io.BytesIO(cleaned.content))
    assert len(reader.pages) == 2
    assert not reader.metadata
    assert reader.xmp_metadata is None
    assert "/Names" not in reader.trailer["/Root"]
    assert "/OpenAction" not in reader.trailer["/Root"]
    assert reader.pages[0].mediabox.width == 595
    assert "Receipt 42" in reader.pages[0].extract_text()


def name(value: str) -> NameObject:
    return NameObject(value)


def annotation(writer: PdfWriter, subtype: str, **entries: object) -> object:
    fields = {name("/Type"): name("/Annot"), name("/Subtype"): name(subtype)}
    fields[name("/Rect")] = ArrayObject([NumberObject(n) for n in (0, 0, 10, 10)])
    fields.update({name(f"/{key}"): value for key, value in entries.items()})
    return writer._add_object(DictionaryObject(fields))


def test_annotations_keep_links_but_lose_code_and_attachments():
    writer = PdfWriter()
    page = writer.add_blank_page(width=100, height=100)
    uri = DictionaryObject({name("/S"): name("/URI"), name("/URI"): TextStringObject("https://example.org")})
    launch = DictionaryObject({name("/S"): name("/Launch"), name("/F"): TextStringObject("evilprogram")})
    script = DictionaryObject({name("/S"): name("/JavaScript"), name("/JS"): TextStringObject("SecretJS")})
    attached = StreamObject()
    attached.set_data(b"Secret attachment")
    file_spec = DictionaryObject(
        {
            name("/Type"): name("/Filespec"),
            name("/F"): TextStringObject("notes"),
            name("/EF"): DictionaryObject({name("/F"): writer._add_object(attached)}),
        }
    )
    page[name("/Annots")] = ArrayObject(
        [
            annotation(writer, "/Link", A=uri, AA=writer._add_object(DictionaryObject({name("/E"): script}))),
            annotation(
                writer, "/Link", A=writer._add_object(DictionaryObject({**uri, name("/Next"): script}))
            ),
            annotation(writer, "/Link", A=launch),
            annotation(writer, "/FileAttachment", FS=writer._add_object(file_spec)),
        ]
    )
    output = io.BytesIO()
    writer.write(output)
    assert b"Secret attachment" in output.getvalue()
    cleaned = strip_pdf(output.getvalue())
    for gone in (b"evilprogram", b"/Launch", b"Secret", b"/JavaScript", b"/FileAttachment", b"/EF"):
        assert gone not in cleaned
    annotations = PdfReader(io.BytesIO(cleaned)).pages[0]["/Annots"]
    assert [each.get_object()["/Subtype"] for each in annotations] == ["/Link", "/Link", "/Link"]
    assert annotations[0].get_object()["/A"]["/S"] == "/URI"


def pdf_with_jpeg(jpeg: bytes) -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=100, height=100)
    image = StreamObject()
    image.set_data(jpeg)
    image.update(
        {
            name("/Type"): name("/XObject"),
            name("/Subtype"): name("/Image"),
            name("/Width"): NumberObject(1),
            name("/Height"): NumberObject(1),
            name("/ColorSpace"): name("/DeviceGray"),
            name("/BitsPerComponent"): NumberObject(8),
            name("/Filter"): name("/DCTDecode"),
        }
    )
    page[name("/Resources")] = DictionaryObject(
        {name("/XObject"): DictionaryObject({name("/Im0"): writer._add_object(image)})}
    )
    content = StreamObject()
    content.set_data(b"q 100 0 0 100 0 0 cm /Im0 Do Q")
    page[name("/Contents")] = writer._add_object(content)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def test_jpeg_images_inside_a_pdf_lose_their_exif_too():
    source = pdf_with_jpeg(DIRTY_JPEG)
    assert b"GPSLatitude" in source
    cleaned = strip_pdf(source)
    for secret in (b"GPS", b"Exif", b"Secret", b"secret comment"):
        assert secret not in cleaned
    image = PdfReader(io.BytesIO(cleaned)).pages[0]["/Resources"]["/XObject"]["/Im0"].get_object()
    assert image.get_data() == CLEAN_JPEG
    assert f"/Length {len(CLEAN_JPEG)}".encode() in cleaned


def test_pdf_with_a_damaged_jpeg_image_is_refused():
    with pytest.raises(UploadError) as caught:
        clean_upload(pdf_with_jpeg(CLEAN_JPEG[:-2]))
    assert caught.value.code == "damaged"


def test_password_protected_pdf_is_refused_with_its_own_message():
    with pytest.raises(UploadError) as caught:
        clean_upload(build_pdf(password="secret"))
    assert caught.value.code == "encrypted"
    with translation.override("en"):
        assert str(caught.value) == "Password-protected PDFs cannot be checked: send it without a password."


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(b"%PDF-1.7\n" + b"\x00garbage" * 50, id="garbage"),
        pytest.param(b"%PDF-1.4\n%%EOF\n", id="no objects"),
        pytest.param(build_pdf(pages=0), id="no page"),
    ],
)
def test_damaged_pdfs_are_refused(broken):
    with pytest.raises(UploadError) as caught:
        clean_upload(broken)
    assert caught.value.code == "damaged"


def test_truncated_pdfs_are_repaired_or_refused_never_crash():
    source = build_pdf()
    for length in range(5, len(source), max(1, len(source) // 60)):
        try:
            result = clean_upload(source[:length])
        except UploadError:
            continue
        assert PdfReader(io.BytesIO(result.content)).pages is not None


# Types and sizes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"MZ\x90\x00" + b"\x00" * 200, id="Windows executable renamed .pdf"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 200, id="ZIP or DOCX"),
        pytest.param(b"<!DOCTYPE html><html><script>alert(1)</script></html>", id="HTML"),
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', id="SVG"),
        pytest.param(b"<?xml version='1.0'?><svg/>", id="SVG with XML prolog"),
        pytest.param(b"\x7fELF\x02\x01\x01" + b"\x00" * 100, id="ELF"),
        pytest.param(b"GIF89a\x01\x00\x01\x00", id="GIF"),
        pytest.param(b"<html>" + b" " * 10 + b"%PDF-1.4", id="PDF header not at offset 0"),
        pytest.param(b"\xff\xd8", id="two JPEG bytes"),
        pytest.param(b"\x89PNG\r\n", id="short PNG signature"),
    ],
)
def test_other_types_are_refused(data):
    assert sniff(data) is None
    with pytest.raises(UploadError) as caught:
        clean_upload(data)
    assert caught.value.code == "type_not_accepted"
    with translation.override("en"):
        assert str(caught.value.message) == "This file type is not accepted: send a PDF, a JPEG or a PNG."


def test_empty_file_is_refused():
    with pytest.raises(UploadError) as caught:
        clean_upload(b"")
    assert caught.value.code == "empty"
    with translation.override("en"):
        assert str(caught.value) == "The file is empty."


def test_file_over_the_limit_is_refused_before_parsing():
    with pytest.raises(UploadError) as caught:
        clean_upload(CLEAN_JPEG + b"\x00" * (MAX_UPLOAD_BYTES + 1 - len(CLEAN_JPEG)))
    assert caught.value.code == "too_large"
    with translation.override("en"):
        assert str(caught.value) == "The file is larger than 5 MB."


def test_file_at_the_limit_is_accepted_and_its_trailer_dropped():
    padded = CLEAN_JPEG + b"\x00" * (MAX_UPLOAD_BYTES - len(CLEAN_JPEG))
    assert len(padded) == MAX_UPLOAD_BYTES
    assert clean_upload(padded).content == CLEAN_JPEG


def test_damaged_message_is_readable():
    with pytest.raises(UploadError) as caught:
        clean_upload(b"\x89PNG\r\n\x1a\n" + b"\x00" * 4)
    with translation.override("en"):
        assert str(caught.value) == "This file is damaged and cannot be read."


# Robustness ------------------------------------------------------------------------------------

SIGNATURES = [b"", b"%PDF-1.4\n", PNG_SIGNATURE, b"\xff\xd8\xff", SOI + APP0_JFIF, PNG_SIGNATURE + IHDR]
VALID = [DIRTY_JPEG, REAL_JPEG, DIRTY_PNG, build_pdf(pages=1)]


@st.composite
def hostile_bytes(draw: st.DrawFn) -> bytes:
    """Random bytes behind a valid signature, or a valid file with bytes flipped, cut or added."""
    if draw(st.booleans()):
        return draw(st.sampled_from(SIGNATURES)) + draw(st.binary(max_size=400))
    data = bytearray(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        at = draw(st.integers(min_value=0, max_value=len(data) - 1))
        data[at] = draw(st.integers(min_value=0, max_value=255))
    cut = draw(st.integers(min_value=1, max_value=len(data)))
    return bytes(data[:cut]) + draw(st.binary(max_size=20))


@settings(max_examples=200, deadline=None)
@given(hostile_bytes())
def test_any_input_is_cleaned_or_refused_with_upload_error(data):
    try:
        result = clean_upload(data)
    except UploadError as error:
        assert error.code in {"empty", "too_large", "type_not_accepted", "damaged", "encrypted"}
        return
    assert isinstance(result, CleanUpload)
    assert sniff(result.content) == result.content_type
