"""Decompression bombs: an uploaded archive is measured from its directory before anything unpacks it."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from abri.core.archives import SPREADSHEET_LIMITS, ArchiveError, check_archive
from abri.network.io import import_shelters
from abri.network.models import Shelter
from tests.conftest import sign_in

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    "</Relationships>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>'
)
_SHEET_TAIL = "</t></is></c></row></sheetData></worksheet>"


def bomb_xlsx(megabytes: int = 200) -> bytes:
    """A valid workbook whose one cell holds ``megabytes`` MB of zeros: it packs to well under 1 MB.

    Written in 1 MB chunks, so building it never holds the unpacked sheet in memory.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("xl/workbook.xml", _WORKBOOK)
        package.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        chunk = b"0" * (1024 * 1024)
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_HEAD.encode())
            for _ in range(megabytes):
                sheet.write(chunk)
            sheet.write(_SHEET_TAIL.encode())
    return buffer.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in members.items():
            package.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = bomb_xlsx()
    assert len(data) < 1024 * 1024
    return data


def test_a_bomb_workbook_is_refused_fast_and_without_unpacking_it(network: Any, bomb: bytes) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with translation.override("en"), pytest.raises(ArchiveError) as caught:
            import_shelters(actor=network.user("coordinator"), data=bomb, filename="shelters.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - started
    assert caught.value.field == "file" and caught.value.code == "too_large"
    assert "unpacks to more than 64 MB" in str(caught.value.message)
    assert peak < 5 * 1024 * 1024, f"peak {peak / 2**20:.1f} MB"
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert not Shelter.objects.exists()


def test_the_import_page_names_the_file_field(network: Any, bomb: bytes) -> None:
    client = sign_in(Client(), network.user("coordinator"))
    upload = io.BytesIO(bomb)
    upload.name = "shelters.xlsx"
    with translation.override("en"):
        response = client.post(
            reverse("network:import"), {"what": "shelters", "file": upload}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


@pytest.mark.parametrize(
    ("members", "message"),
    [
        # Many members: each costs an object before any is read.
        (
            {f"m{i}.xml": b"<a/>" for i in range(SPREADSHEET_LIMITS.max_members + 1)},
            "more than 200 internal files",
        ),
        # One member over its own limit, even if well packed.
        ({"big.xml": b"<a>" + bytes(range(256)) * (33 * 4096) + b"</a>"}, "unpacks to more than"),
        # A ratio no spreadsheet reaches, under the size limits.
        ({"zeros.xml": b"0" * (20 * 1024 * 1024)}, "compressed far more"),
    ],
    ids=["members", "member-size", "ratio"],
)
def test_each_limit_is_checked(members: dict[str, bytes], message: str) -> None:
    with translation.override("en"), pytest.raises(ArchiveError) as caught:
        check_archive(zip_of(members), field="file")
    assert message in str(caught.value.message)


def test_an_ordinary_workbook_and_a_damaged_file_are_told_apart() -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for i in range(5000):
        sheet.append([f"Foyer {i}", "13", "Marseille", "yes", 3])
    buffer = io.BytesIO()
    workbook.save(buffer)
    check_archive(buffer.getvalue(), field="file")  # no error
    with pytest.raises(ArchiveError) as caught:
        check_archive(b"PK\x03\x04" + bytes(300), field="file")
    assert caught.value.code == "damaged"
