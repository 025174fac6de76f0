import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from abri.core.errors import DomainError
from abri.referrals import services
from abri.referrals.models import Attachment
from tests.conftest import sign_in
from tests.referrals.factories import make_attachment, make_request, tiny_png


def test_upload_is_stripped_encrypted_and_served_as_a_download(network):
    req = make_request(network)
    client = sign_in(Client(), network.user("referrer"))
    upload = SimpleUploadedFile(
        "passeport aicha.png", tiny_png(b"Secret Author GPS 43.3N"), content_type="image/png"
    )
    client.post(reverse("referrals:attachment_upload", args=[req.pk]), {"kind": "identity", "file": upload})
    attachment = Attachment.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT content, original_name FROM referrals_attachment")
        raw = " ".join(cursor.fetchone())
    assert "Secret" not in raw and "aicha" not in raw and "PNG" not in raw
    response = client.get(reverse("referrals:attachment", args=[attachment.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert (
        response["Content-Disposition"].startswith("attachment;")
        and "aicha" not in response["Content-Disposition"]
    )
    assert response.content.startswith(b"\x89PNG") and b"Secret" not in response.content


def test_a_renamed_executable_is_refused(network):
    req = make_request(network)
    with pytest.raises(DomainError) as info:
        services.attachment_add(
            actor=network.user("referrer"),
            request=req,
            kind="legal",
            data=b"MZ\x90\x00" + b"\x00" * 200,
            filename="plainte.pdf",
        )
    assert info.value.field == "file"
    assert not Attachment.objects.exists()
    client = sign_in(Client(), network.user("referrer"))
    upload = SimpleUploadedFile("plainte.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    response = client.post(
        reverse("referrals:attachment_upload", args=[req.pk]), {"kind": "legal", "file": upload}, follow=True
    )
    assert response.status_code == 200 and not Attachment.objects.exists()


def test_other_organisations_cannot_download(network):
    attachment = make_attachment(network)
    for role, side in [
        ("referrer", "other"),
        ("shelter_staff", "own"),
        ("partner", "own"),
        ("observer", "own"),
    ]:
        response = sign_in(Client(), network.user(role, side)).get(
            reverse("referrals:attachment", args=[attachment.pk])
        )
        assert response.status_code == 404


def test_travel_tickets_are_for_coordinators_only(network):
    req = make_request(network)
    with pytest.raises(DomainError):
        services.attachment_add(
            actor=network.user("referrer"), request=req, kind="ticket", data=tiny_png(), filename="billet.png"
        )
    ticket = services.attachment_add(
        actor=network.user("coordinator"), request=req, kind="ticket", data=tiny_png(), filename="billet.png"
    )
    referrer = sign_in(Client(), network.user("referrer"))
    # The ticket names the arrival station: the referrer sees the departure side only.
    assert referrer.get(reverse("referrals:attachment", args=[ticket.pk])).status_code == 404
    page = referrer.get(reverse("referrals:detail", args=[req.pk]))
    assert ticket not in list(page.context["attachments"])
    coordinator = sign_in(Client(), network.user("coordinator"))
    assert coordinator.get(reverse("referrals:attachment", args=[ticket.pk])).status_code == 200


def test_documents_are_listed_on_the_request_page(network):
    attachment = make_attachment(network)
    page = sign_in(Client(), network.user("referrer")).get(
        reverse("referrals:detail", args=[attachment.request_id])
    )
    assert reverse("referrals:attachment", args=[attachment.pk]) in page.content.decode()
    assert 'name="file"' in page.content.decode()
