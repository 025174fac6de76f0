import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from abri.accounts.models import Invitation, Organisation, Role, User
from abri.accounts.services import invitation_create
from abri.accounts.stepup import VERIFIED_AT_KEY
from abri.audit.models import AuditEvent
from abri.core.errors import DomainError
from tests.conftest import sign_in, totp_now


def test_administrator_creates_an_organisation_and_invites_a_person_who_enrols(
    network, django_capture_on_commit_callbacks
):
    admin = sign_in(Client(), network.user("administrator"))
    response = admin.post(
        reverse("accounts:organisation_create"),
        {"name": "Accueil de nuit de Brest", "kind": "referrer", "departement": "29"},
    )
    org = Organisation.objects.get(name="Accueil de nuit de Brest")
    assert response["Location"] == reverse("accounts:organisation_detail", args=[org.pk])
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves after commit
        response = admin.post(
            reverse("accounts:invite", args=[org.pk]), {"email": "new@example.invalid", "role": "referrer"}
        )
    assert response.status_code == 200
    link = response.context["link"]
    token = link.rsplit("/", 2)[-2]
    # The e-mail carries the link and nothing about the organisation's work.
    assert len(mail.outbox) == 1 and link in mail.outbox[0].body and "Brest" not in mail.outbox[0].body

    newcomer = Client()
    url = reverse("accounts:invitation_accept", args=[token])
    bad = newcomer.post(
        url,
        {
            "username": "new",
            "first_name": "N",
            "last_name": "P",
            "password": "Password2024!",
            "password_again": "Password2024!",
        },
    )
    assert bad.status_code == 200 and "password" in bad.context["form"].errors
    ok = newcomer.post(
        url,
        {
            "username": "newcomer",
            "first_name": "N",
            "last_name": "P",
            "password": "un chemin de halage au printemps",
            "password_again": "un chemin de halage au printemps",
        },
    )
    assert ok["Location"] == reverse("accounts:enrol")
    # Nothing else is reachable before the second factor is enrolled.
    assert newcomer.get(reverse("home"))["Location"] == reverse("accounts:enrol")
    page = newcomer.get(reverse("accounts:enrol"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    user = User.objects.get(username="newcomer")
    from django_otp.oath import TOTP

    from abri.accounts.models import EncryptedTOTPDevice

    device = EncryptedTOTPDevice.objects.get(user=user, confirmed=False)
    code = f"{TOTP(device.bin_key).token():06d}"
    done = newcomer.post(reverse("accounts:enrol"), {"code": code})
    assert done["Location"] == reverse("accounts:recovery_codes")
    codes_page = newcomer.get(reverse("accounts:recovery_codes")).content.decode()
    assert len(re.findall(r"<code>[0-9a-f]{6}-[0-9a-f]{6}</code>", codes_page)) == 10
    assert newcomer.get(reverse("home")).status_code == 200
    assert user.organisation == org and user.role == Role.REFERRER
    # The link works once.
    assert Client().get(url).status_code == 404


def test_invitation_refuses_a_role_foreign_to_the_organisation(network):
    with pytest.raises(DomainError) as info:
        invitation_create(
            actor=network.user("administrator"),
            organisation=network.org("referrer"),
            email="x@example.invalid",
            role=Role.COORDINATOR,
        )
    assert info.value.field == "role"
    assert not Invitation.objects.exists()


def test_only_administrators_invite(network):
    with pytest.raises(DomainError):
        invitation_create(
            actor=network.user("coordinator"),
            organisation=network.org("referrer"),
            email="x@example.invalid",
            role=Role.REFERRER,
        )


def test_administration_needs_a_fresh_second_factor(network):
    admin_user = network.user("administrator")
    admin = sign_in(Client(), admin_user)
    session = admin.session
    session[VERIFIED_AT_KEY] = 0
    session.save()
    url = reverse("accounts:organisation_list")
    response = admin.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:step_up"))
    assert (
        admin.post(reverse("accounts:step_up") + f"?next={url}", {"code": "123456", "next": url}).status_code
        == 200
    )
    # A wrong code throttles the device (django-otp doubles the wait after each failure): the
    # person would wait a second; the test lifts the throttle instead.
    admin_user.totp_devices.get().throttle_reset()
    response = admin.post(reverse("accounts:step_up"), {"code": totp_now(admin_user), "next": url})
    assert response["Location"] == url
    assert admin.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="stepup.success", actor=admin_user).exists()


def test_second_factor_reset_needs_a_recorded_identity_check(network, django_capture_on_commit_callbacks):
    admin = sign_in(Client(), network.user("administrator"))
    target = network.user("shelter_staff")
    url = reverse("accounts:user_mfa_reset", args=[target.pk])
    assert admin.post(url, {"identity_check": ""}).status_code == 200
    assert target.totp_devices.exists()
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(url, {"identity_check": "Rappel au numéro du CHRS, confirmé par la directrice"})
    assert not target.totp_devices.exists()
    # The person is told, in case the caller was not them.
    assert [m.to for m in mail.outbox] == [[target.email]]
    event = AuditEvent.objects.get(action="mfa.reset")
    assert event.data["identity_check"].startswith("Rappel")


def test_bad_organisation_input_names_the_field(network):
    admin = sign_in(Client(), network.user("administrator"))
    response = admin.post(
        reverse("accounts:organisation_create"), {"name": "", "kind": "nonsense", "departement": "999"}
    )
    assert response.status_code == 200
    assert {"name", "kind", "departement"} <= set(response.context["form"].errors)
    response = admin.post(
        reverse("accounts:organisation_create"),
        {"name": network.org("referrer").name.upper(), "kind": "referrer"},
    )
    assert "name" in response.context["form"].errors
