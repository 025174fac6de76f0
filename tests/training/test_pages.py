import datetime
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from abri.audit.models import AuditEvent
from abri.training.certificate import certificate_pdf
from abri.training.models import Attendance, TrainingSession
from tests.conftest import sign_in
from tests.training.factories import attend, make_session

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def _client(network, role, side="own"):
    return sign_in(Client(), network.user(role, side))


def _pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        assert len(pdf) == 1
        page = pdf[0]
        text = page.get_textpage().get_text_range()
        return " ".join(text.split())
    finally:
        pdf.close()


def test_coordinator_records_a_session_through_the_form(network):
    client = _client(network, "coordinator")
    data = {
        "title": "Sécurité des personnes accueillies",
        "topic": "security",
        "audience": "shelter_staff",
        "starts_on": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
        "duration_hours": "3,5",
        "place": "Marseille",
        "trainer": str(network.org("coordinator").pk),
        "notes": "",
    }
    response = client.post(reverse("training:session_create"), data)
    session = TrainingSession.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "training:session_detail", args=[session.pk]
    )
    assert str(session.duration_hours) == "3.5"
    edit = client.post(reverse("training:session_edit", args=[session.pk]), {**data, "duration_hours": "6.5"})
    assert edit.status_code == 302
    session.refresh_from_db()
    assert str(session.duration_hours) == "6.5"
    assert 'value="6.5"' in client.get(reverse("training:session_edit", args=[session.pk])).content.decode()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"place": "", "online": ""}, "place"),
        ({"starts_on": "1990-01-01"}, "starts_on"),
        ({"starts_on": "not a date"}, "starts_on"),
        ({"title": ""}, "title"),
        ({"duration_hours": "0"}, "duration_hours"),
        ({"trainer": "00000000-0000-0000-0000-000000000000"}, "trainer"),
    ],
)
def test_form_errors_name_the_field(network, change, field):
    client = _client(network, "coordinator")
    data = {
        "title": "Titre",
        "topic": "security",
        "audience": "shelter_staff",
        "starts_on": timezone.localdate().isoformat(),
        "duration_hours": "3",
        "place": "Marseille",
        "trainer": str(network.org("coordinator").pk),
        **change,
    }
    response = client.post(reverse("training:session_create"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert not TrainingSession.objects.exists()


def test_a_partner_can_only_name_itself_as_trainer(network):
    client = _client(network, "partner")
    form = client.get(reverse("training:session_create")).context["form"]
    assert [c[0] for c in form.fields["trainer"].choices] == [str(network.org("support_partner").pk)]


def test_partner_cannot_edit_a_coordinators_session_nor_register_people(network):
    session = make_session(network)
    attend(network, session, network.user("partner"))  # the partner attended: it sees the session
    partner = _client(network, "partner")
    assert partner.get(reverse("training:session_detail", args=[session.pk])).status_code == 200
    assert partner.get(reverse("training:session_edit", args=[session.pk])).status_code == 404
    response = partner.post(
        reverse("training:attendance_add", args=[session.pk]), {"full_name": "X", "organisation_name": "Y"}
    )
    assert response.status_code == 404
    assert session.attendances.count() == 1
    assert AuditEvent.objects.filter(action="access.refused", actor=network.user("partner")).exists()


def test_shelter_staff_read_only_and_only_their_people(network):
    session = make_session(network)
    attend(network, session, network.user("shelter_staff"))
    attend(network, session, full_name="Personne Externe", organisation_name="Mairie de Nice")
    attend(network, session, network.user("shelter_staff", "other"))
    client = _client(network, "shelter_staff")
    page = client.get(reverse("training:session_detail", args=[session.pk]))
    assert page.status_code == 200 and page.context["manage"] is False
    html = page.content.decode()
    assert network.user("shelter_staff").get_full_name() in html
    assert "Personne Externe" not in html and "shelter_staff-other" not in html
    assert page.context["hidden_count"] == 2
    assert reverse("training:attendance_update", args=[session.pk]) not in html
    assert client.get(reverse("training:session_edit", args=[session.pk])).status_code == 404
    listed = client.get(reverse("training:session_list")).context["past"]
    assert listed == [session]


def test_another_organisation_gets_404(network):
    session = make_session(network, trainer=network.org("support_partner"), audience="public")
    attend(network, session, network.user("shelter_staff"))
    for role in ("partner", "shelter_staff"):
        client = _client(network, role, "other")
        assert client.get(reverse("training:session_detail", args=[session.pk])).status_code == 404
        assert session not in client.get(reverse("training:session_list")).context["past"]
    assert _client(network, "observer").get(reverse("training:session_list")).status_code == 404


def test_the_trainer_partner_sees_and_manages_its_session(network):
    partner_user = network.user("partner")
    session = make_session(
        network, actor=partner_user, trainer=network.org("support_partner"), audience="public"
    )
    client = _client(network, "partner")
    response = client.post(
        reverse("training:attendance_add", args=[session.pk]),
        {"full_name": "Jeanne Dupont", "organisation_name": ""},
    )
    assert response.status_code == 302
    attendance = Attendance.objects.get(session=session)
    response = client.post(
        reverse("training:attendance_update", args=[session.pk]),
        {"attendance": attendance.pk, "action": "absent"},
    )
    attendance.refresh_from_db()
    assert attendance.attended is False
    client.post(
        reverse("training:attendance_update", args=[session.pk]),
        {"attendance": attendance.pk, "action": "remove"},
    )
    assert not Attendance.objects.filter(session=session).exists()


def test_the_add_form_shows_errors_next_to_the_fields(network):
    session = make_session(network)
    client = _client(network, "coordinator")
    url = reverse("training:attendance_add", args=[session.pk])
    empty = client.post(url, {})
    assert empty.status_code == 400 and "user" in empty.context["form"].errors
    no_org = client.post(url, {"full_name": "Jeanne Dupont"})
    assert no_org.status_code == 400 and "organisation_name" in no_org.context["form"].errors
    assert 'id="id_organisation_name_errors"' in no_org.content.decode()
    both = client.post(url, {"full_name": "Jeanne", "user": str(network.user("referrer").pk)})
    assert "full_name" in both.context["form"].errors
    staff = network.user("shelter_staff")
    assert client.post(url, {"user": str(staff.pk)}).status_code == 302
    twice = client.post(url, {"user": str(staff.pk)})
    assert twice.status_code == 400 and "user" in twice.context["form"].errors


def test_partner_picker_lists_its_own_people_only(network):
    session = make_session(network, actor=network.user("partner"), trainer=network.org("support_partner"))
    form = (
        _client(network, "partner").get(reverse("training:session_detail", args=[session.pk])).context["form"]
    )
    values = [v for _group, options in form.fields["user"].choices[1:] for v, _label in options]
    assert values == [str(network.user("partner").pk)]
    assert "shelter" not in form.fields and "organisation" not in form.fields


def test_session_list_filters_and_sections(network):
    today = timezone.localdate()
    past = make_session(
        network, title="Passée", starts_on=today - datetime.timedelta(days=400), topic="minors"
    )
    recent = make_session(network, title="Récente", days_ago=5, audience="public")
    upcoming = make_session(network, title="À venir", starts_on=today + datetime.timedelta(days=20))
    client = _client(network, "coordinator")
    url = reverse("training:session_list")
    page = client.get(url)
    assert page.context["upcoming"] == [upcoming] and page.context["past"] == [recent, past]
    assert client.get(url, {"topic": "minors"}).context["past"] == [past]
    assert client.get(url, {"audience": "public"}).context["past"] == [recent]
    assert client.get(url, {"year": str(past.starts_on.year)}).context["past"][-1] == past


def test_session_list_and_detail_queries_do_not_grow(network):
    client = _client(network, "coordinator")
    first = make_session(network)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    list_url = reverse("training:session_list")
    detail_url = reverse("training:session_detail", args=[first.pk])
    few_list, few_detail = count(list_url), count(detail_url)
    for i in range(8):
        session = make_session(network, title=f"Session {i}", days_ago=i + 1)
        attend(network, session, full_name=f"Personne {i}", organisation_name="Asso")
        attend(network, first, full_name=f"Participant {i}", organisation_name="Asso")
    assert count(list_url) == few_list
    assert count(detail_url) == few_detail


def test_certificate_content_download_rules_and_audit(network):
    session = make_session(
        network,
        title="Accompagnement tenant compte du trauma",
        topic="trauma_informed",
        duration_hours="6.5",
        place="Lyon, Maison des associations",
    )
    referrer = network.user("referrer")
    referrer.first_name, referrer.last_name = "Ioana", "Popescu-Șerban"
    referrer.save()
    attendance = attend(network, session, referrer)
    url = reverse("training:certificate", args=[attendance.pk])

    response = _client(network, "referrer").get(url)  # the attendee
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    text = _pdf_text(response.content)
    for expected in (
        "Attestation de présence",
        "Ioana Popescu-Șerban",
        network.org("referrer").name,
        "Accompagnement tenant compte du trauma",
        "6,5",
        "Lyon, Maison des associations",
        network.org("coordinator").name,
        attendance.certificate_number,
    ):
        assert expected in text, expected
    assert AuditEvent.objects.filter(action="training.certificate", object_id=str(attendance.pk)).exists()

    assert _client(network, "coordinator").get(url).status_code == 200
    # A colleague of another organisation, the shelter staff, another partner: 404.
    for role, side in (("shelter_staff", "own"), ("partner", "own"), ("referrer", "other")):
        assert _client(network, role, side).get(url).status_code == 404


def test_certificate_in_english_and_for_the_trainer(network):
    session = make_session(
        network,
        actor=network.user("partner"),
        trainer=network.org("support_partner"),
        audience="public",
        online=True,
    )
    attendance = attend(network, session, full_name="John Smith")
    with translation.override("en"):
        text = _pdf_text(certificate_pdf(attendance, viewer=network.user("coordinator")))
    assert "Certificate of attendance" in text and "Online" in text and "John Smith" in text
    assert "General public" in text
    assert (
        _client(network, "partner").get(reverse("training:certificate", args=[attendance.pk])).status_code
        == 200
    )
    assert (
        _client(network, "partner", "other")
        .get(reverse("training:certificate", args=[attendance.pk]))
        .status_code
        == 404
    )


def test_no_certificate_for_the_absent_nor_before_the_session(network):
    past = make_session(network)
    absent = attend(network, past, network.user("referrer"))
    client = _client(network, "coordinator")
    client.post(
        reverse("training:attendance_update", args=[past.pk]), {"attendance": absent.pk, "action": "absent"}
    )
    assert client.get(reverse("training:certificate", args=[absent.pk])).status_code == 404
    future = make_session(network, starts_on=timezone.localdate() + datetime.timedelta(days=10))
    registered = attend(network, future, network.user("referrer"))
    assert client.get(reverse("training:certificate", args=[registered.pk])).status_code == 404


def test_my_trainings_lists_my_attendances_and_certificates(network):
    session = make_session(network, title="Le cadre légal", topic="legal_frame")
    attend(network, session, network.user("observer"))
    attend(network, make_session(network, title="Ailleurs"), network.user("referrer"))
    page = _client(network, "observer").get(reverse("training:mine"))
    assert [r["attendance"].session for r in page.context["rows"]] == [session]
    assert page.context["rows"][0]["certificate"] is True
    html = page.content.decode()
    assert "Ailleurs" not in html


def test_navigation_shows_training(network):
    nav = {
        role: [item["url"] for item in _client(network, role).get(reverse("home")).context["nav_items"]]
        for role in ("coordinator", "partner", "shelter_staff", "referrer", "observer")
    }
    for role in ("coordinator", "partner", "shelter_staff"):
        assert reverse("training:session_list") in nav[role] and reverse("training:mine") not in nav[role]
    for role in ("referrer", "observer"):
        assert reverse("training:mine") in nav[role] and reverse("training:session_list") not in nav[role]


def test_render_the_certificate_for_a_look(network):
    """Renders the certificate to test-output/screenshots/training-certificate.png (looked at by eye)."""
    session = make_session(
        network,
        title="Identifier les victimes de la traite des êtres humains : repères pour les équipes des CHRS",
        topic="identification",
        duration_hours="6",
        place="Nice, Maison des associations, salle 3",
    )
    staff = network.user("shelter_staff")
    staff.first_name, staff.last_name = "Claude-Marie", "Leroy-Nguyễn"
    staff.save()
    attendance = attend(network, session, staff)
    with translation.override("fr"):
        data = certificate_pdf(attendance, viewer=staff, issued_on=datetime.date(2026, 11, 29))
    pdf = pdfium.PdfDocument(data)
    image = pdf[0].render(scale=1.4).to_pil()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.save(SCREENSHOTS / "training-certificate.png")
    pdf.close()
    assert image.size[0] > 800
