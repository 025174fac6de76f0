from django.test import Client
from django.urls import reverse

from abri.access.policy import organisations_for_user, users_for_user
from abri.audit.models import AuditEvent
from abri.audit.services import audit_read
from tests.conftest import sign_in


def test_refused_access_answers_404_and_is_recorded(network):
    referrer = network.user("referrer")
    other_org = network.org("shelter_operator", "other")
    response = sign_in(Client(), referrer).get(reverse("accounts:organisation_detail", args=[other_org.pk]))
    assert response.status_code == 404
    event = AuditEvent.objects.get(action="access.refused", actor=referrer)
    assert event.data["path"].endswith(f"{other_org.pk}/")


def test_malformed_or_unknown_keys_look_like_missing_objects(network):
    admin = sign_in(Client(), network.user("administrator"))
    assert admin.get("/admin/organisations/not-a-uuid/").status_code == 404
    assert admin.get("/admin/organisations/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_policy_querysets_by_role(network):
    assert organisations_for_user(network.user("coordinator")).count() == 10
    assert list(organisations_for_user(network.user("referrer"))) == [network.org("referrer")]
    assert users_for_user(network.user("administrator")).count() == 12
    assert list(users_for_user(network.user("observer"))) == [network.user("observer")]


def test_users_without_membership_see_nothing(network):
    from abri.accounts.models import User

    loner = User.objects.create_user("loner", password="un chemin de halage au printemps")
    assert not organisations_for_user(loner).exists() and not users_for_user(loner).exists()


def test_reads_of_sensitive_fields_are_recorded(network):
    coordinator = network.user("coordinator")
    target = network.user("referrer")
    audit_read(actor=coordinator, target=target, fields=["last_name", "email"])
    event = AuditEvent.objects.get(action="read.sensitive")
    assert event.actor == coordinator and event.object_id == str(target.pk)
    assert event.data == {"fields": ["email", "last_name"]}
