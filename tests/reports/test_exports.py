"""The survey file (CSV and XLSX), the annual PDF, who may export, and each one's own activity."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pypdfium2
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from abri.accounts.stepup import VERIFIED_AT_KEY
from abri.audit.models import AuditEvent
from abri.reports import exports, pdf
from abri.support import services as support
from tests.conftest import sign_in
from tests.reports.factories import file_request, known_network

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


@pytest.fixture
def known(network):
    return known_network(network)


def _csv(year):
    """The file's content for a year (the current one: the known network is built today; the
    pages only export years that are over, tested below)."""
    body = "".join(exports.csv_stream(year)).encode()
    return body, list(csv.DictReader(io.StringIO(body.decode())))


def test_survey_csv_one_row_per_person_and_no_identity(known, network):
    year = timezone.localdate().year
    body, rows = _csv(year)
    assert list(rows[0].keys()) == exports.COLUMNS
    # Identified this year: the six requests (r6's may be last year when we are in January or
    # February, but her stay overlaps the year, so she is "supported").
    assert len(rows) == 6
    assert sorted(r["row"] for r in rows) == [str(i) for i in range(1, 7)]
    for req in known.requests.values():
        person = req.person
        birth = person.birth_date.isoformat() if person.birth_date else ""
        identity = (person.first_name, person.last_name, person.reference, person.pseudonym, person.phone)
        for secret in (*identity, person.nationality, birth, req.situation):
            if secret:
                assert secret.encode() not in body, secret
    assert "Réseau".encode() not in body  # what is known of the exploiters: free text, never
    by_gender = sorted(r["gender"] for r in rows)
    assert by_gender == ["F", "F", "F", "F", "M", "X"]
    sheltered = [r for r in rows if r["sheltered"] == "yes"]
    assert len(sheltered) == 2 and all(r["supported"] == "yes" for r in sheltered)
    exited = [r for r in rows if r["exit_outcome"]]
    assert [r["exit_outcome"] for r in exited] == ["housing"]
    assert exited[0]["support_duration"] == "under_1_month"  # arrived and left today
    assert {r["support_duration"] for r in rows if r["supported"] == "no"} == {""}
    assert {r["addiction"] for r in rows} == {"yes"}  # opened from the encrypted health needs
    assert {r["exploiter_relation"] for r in rows} == {"network"}
    assert {r["referrer_kind"] for r in rows} == {"police", "association"}
    assert {r["referrer_region"] for r in rows} == {"93", "84"}
    assert sum(r["complaint_filed"] == "yes" for r in rows) == 1


def test_survey_http_exports_a_finished_year_and_refuses_the_current_one(known, network):
    client = sign_in(Client(), network.user("coordinator"))
    year = timezone.localdate().year
    for url in ("/statistics/survey.csv", "/statistics/survey.xlsx", "/statistics/report.pdf"):
        refused = client.get(url, {"year": year})
        assert refused.status_code == 400 and b'name="year"' in refused.content
        # The interface speaks French: the error is translated and names the field.
        assert "Choisissez une année terminée" in refused.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="reports.export").exists()
    response = client.get("/statistics/survey.csv", {"year": year - 1})
    assert response.status_code == 200 and response.streaming
    header = b"".join(response.streaming_content).decode().splitlines()[0]
    assert header.split(",") == exports.COLUMNS and "support_days" not in header
    event = AuditEvent.objects.filter(action="reports.export.csv").get()
    assert event.data == {"year": year - 1, "format": "csv"}
    # The dashboard offers the years that are over only, the last one chosen.
    html = client.get("/statistics/").content.decode()
    assert f'<option value="{year}"' not in html
    assert f'<option value="{year - 1}" selected>' in html


@pytest.mark.parametrize(
    ("start", "end", "band"),
    [
        ((2025, 12, 1), (2025, 12, 31), "under_1_month"),
        ((2025, 11, 15), (2025, 12, 14), "under_1_month"),
        ((2025, 11, 15), (2025, 12, 15), "1_3_months"),
        ((2025, 10, 1), None, "3_6_months"),  # still going: counted to 31 December
        ((2025, 3, 10), (2025, 9, 9), "3_6_months"),
        ((2025, 3, 10), (2025, 9, 10), "6_12_months"),
        ((2024, 12, 31), (2025, 12, 30), "6_12_months"),
        ((2024, 6, 1), None, "12_months_or_more"),  # begun the year before
    ],
)
def test_support_duration_is_a_band_not_a_date(start, end, band):
    def day(parts):
        return datetime.date(*parts) if parts else None

    assert exports.support_duration([(day(start), day(end), "")], datetime.date(2026, 1, 1)) == band
    # Several periods: from the first start to the last end.
    periods = [(datetime.date(2025, 1, 5), datetime.date(2025, 2, 1), ""), (day(start), day(end), "")]
    assert exports.support_duration(periods, datetime.date(2026, 1, 1)) in {
        "6_12_months",
        "12_months_or_more",
    }
    assert exports.support_duration([], datetime.date(2026, 1, 1)) == ""


def test_support_follow_up_makes_a_person_supported_and_counts_in_the_partners_activity(known, network):
    coordinator = network.user("coordinator")
    person = known.requests["r5"].person
    support.follow_start(actor=coordinator, person=person, organisation=network.org("support_partner"))
    rows = list(exports.survey_rows(timezone.localdate().year))[1:]
    supported = [r for r in rows if r[exports.COLUMNS.index("supported")] == "yes"]
    assert len(supported) == 3  # r1 and r6 sheltered, r5 followed by the partner
    client = sign_in(Client(), network.user("partner"))
    html = client.get("/activity/").content.decode()
    assert "People we follow" in html or "Les personnes que nous suivons" in html
    other = sign_in(Client(), network.user("partner", "other")).get("/activity/").content.decode()
    assert html != other


def test_survey_xlsx_has_the_same_rows(known, network):
    client = sign_in(Client(), network.user("coordinator"))
    response = client.get("/statistics/survey.xlsx", {"year": timezone.localdate().year - 1})
    assert response.status_code == 200
    data = exports.xlsx_file(timezone.localdate().year).read()
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == exports.COLUMNS and len(rows) == 7
    assert b"Z\xc3\xa9lie" not in data


def test_export_query_count_is_flat(known, network):
    year = timezone.localdate().year
    with CaptureQueriesContext(connection) as before:
        list(exports.survey_rows(year))
    for i in range(5):
        file_request(network, age=20 + i, children=1)
    with CaptureQueriesContext(connection) as after:
        assert len(list(exports.survey_rows(year))) == 12
    assert len(after.captured_queries) == len(before.captured_queries)


def test_exports_need_a_fresh_second_factor_and_coordinators(known, network):
    client = sign_in(Client(), network.user("coordinator"))
    session = client.session
    session[VERIFIED_AT_KEY] = 0
    session.save()
    response = client.get("/statistics/survey.csv", {"year": 2025})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:step_up"))
    for role in ("referrer", "shelter_staff", "partner", "observer"):
        other = sign_in(Client(), network.user(role))
        for url in ("/statistics/survey.csv", "/statistics/survey.xlsx", "/statistics/report.pdf"):
            assert other.get(url).status_code == 404
    bad = sign_in(Client(), network.user("coordinator")).get("/statistics/survey.csv", {"year": "x"})
    assert bad.status_code == 400 and b'name="year"' in bad.content
    assert not AuditEvent.objects.filter(action="reports.export.csv").exists()


def test_annual_report_pdf_renders_with_its_charts(known, network):
    year = timezone.localdate().year
    data = pdf.annual_report(year)
    assert data.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(data)
    text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert f"Annual activity report {year}" in text
    assert "Requests per month, by outcome" in text and "Exits by outcome" in text
    assert "Zélie" not in text and known.requests["r1"].person.reference not in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for i in range(len(document)):
        document[i].render(scale=1.3).to_pil().save(SCREENSHOTS / f"reports-annual-page{i + 1}.png")
    assert len(document) >= 3
    footer = "Internal document: small counts are not hidden — do not publish as is"
    for i in range(len(document)):
        assert footer in document[i].get_textpage().get_text_range(), i + 1
    client = sign_in(Client(), network.user("coordinator"))
    response = client.get("/statistics/report.pdf", {"year": year - 1})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="reports.export.pdf").exists()


def test_annual_report_pdf_footer_in_french_fits_the_page(known):
    from django.utils import translation

    with translation.override("fr"):
        data = pdf.annual_report(timezone.localdate().year)
    document = pypdfium2.PdfDocument(data)
    footer = "Document interne : les petits effectifs ne sont pas masqués — ne pas diffuser en l'état"
    for i in range(len(document)):
        assert footer in document[i].get_textpage().get_text_range(), i + 1
    # The line fits between the left margin and the page number, with room to spare.
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    page_number = stringWidth(f"Abri · {len(document)}", "Helvetica", 7)
    assert 2 * cm + stringWidth(footer, "Helvetica", 7) + 1 * cm < A4[0] - 2 * cm - page_number
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    document[len(document) - 1].render(scale=2).to_pil().save(SCREENSHOTS / "reports-annual-footer-fr.png")


def test_own_activity_shows_only_the_organisations_records(known, network):
    own = sign_in(Client(), network.user("referrer")).get("/activity/")
    other = sign_in(Client(), network.user("referrer", "other")).get("/activity/")
    assert own.status_code == other.status_code == 200
    own_ctx = own.context["sections"][0][1][0][0]
    other_ctx = other.context["sections"][0][1][0][0]
    assert own_ctx.total == 3 and other_ctx.total == 3  # r1, r2, r5 / r3, r4, r6
    html = own.content.decode()
    for shelter in (known.shelter_a, known.shelter_b):
        assert shelter.name not in html and shelter.commune not in html
    staff = sign_in(Client(), network.user("shelter_staff")).get("/activity/")
    proposals = staff.context["sections"][0][1][0][0]
    assert proposals.total == 2  # r1 arrived and r2 refused at shelter A only
    assert known.shelter_b.name not in staff.content.decode()
    for role in ("coordinator", "observer"):
        assert sign_in(Client(), network.user(role)).get("/activity/").status_code == 404
