import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from abri.referrals.models import DuplicateCandidate, Person, Request, Status
from tests.conftest import sign_in
from tests.referrals.factories import make_request


def test_referrer_files_a_request_step_by_step_over_http(network):
    client = sign_in(Client(), network.user("referrer"))
    response = client.post(reverse("referrals:new"))
    req = Request.objects.get()
    assert response["Location"] == reverse("referrals:step", args=[req.pk, 1])

    def step(n, data, expect_next=True):
        r = client.post(reverse("referrals:step", args=[req.pk, n]), data)
        if expect_next:
            assert r.status_code == 302, (n, r.context and r.context["form"].errors)
        return r

    bad = step(1, {"gender": "F"}, expect_next=False)
    assert bad.status_code == 400 and {"languages"} <= set(bad.context["form"].errors)
    bad = step(1, {"gender": "F", "languages": ["en"]}, expect_next=False)
    assert "first_name" in bad.context["form"].errors  # no name at all
    bad = step(
        1,
        {"first_name": "A", "gender": "F", "languages": ["en"], "birth_date": "2999-01-01"},
        expect_next=False,
    )
    assert "birth_date" in bad.context["form"].errors
    step(
        1,
        {
            "first_name": "Grace",
            "last_name": "Exemple",
            "gender": "F",
            "languages": ["en", "pcm"],
            "age": "24",
        },
    )
    formset = {
        "members-TOTAL_FORMS": "4",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "12",
    }
    bad = step(
        2,
        {**formset, "members-0-relation": "child", "members-0-gender": "F", "members-0-age": "30"},
        expect_next=False,
    )
    assert "plausible" in str(bad.context["form"].non_form_errors()) or bad.status_code == 400
    step(2, {**formset, "members-0-relation": "child", "members-0-gender": "M", "members-0-age": "3"})
    bad = step(
        3,
        {
            "urgency": "urgent",
            "situation": "x",
            "exploitation_forms": ["sexual"],
            "town_radius_km": "30",
            "min_distance_km": "150",
        },
        expect_next=False,
    )
    assert "danger_departements" in bad.context["form"].errors
    bad = step(
        3,
        {
            "urgency": "urgent",
            "situation": "x",
            "exploitation_forms": ["sexual"],
            "town_radius_km": "30",
            "min_distance_km": "150",
            "danger_towns": "Atlantide (99)",
        },
        expect_next=False,
    )
    assert "danger_towns" in bad.context["form"].errors
    step(
        3,
        {
            "urgency": "urgent",
            "situation": "Menacée.",
            "exploitation_forms": ["sexual"],
            "town_radius_km": "30",
            "min_distance_km": "150",
            "danger_departements": ["13"],
            "danger_towns": "Nice (06)",
        },
    )
    step(4, {"permit_status": "reflection", "pregnancy": "on"})
    # The review refuses to send without consent, and says why.
    review = client.post(reverse("referrals:step", args=[req.pk, 6]))
    assert review.status_code == 400 and Request.objects.get().status == Status.DRAFT
    bad = step(
        5, {"obtained_by": "Moi", "obtained_at": "2026-01-01T10:00", "language": "en"}, expect_next=False
    )
    assert "confirmed" in bad.context["form"].errors
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    step(
        5,
        {
            "confirmed": "on",
            "obtained_by": "Moi",
            "obtained_at": now,
            "language": "en",
            "interpreter_used": "on",
        },
    )
    assert client.post(reverse("referrals:step", args=[req.pk, 6]))["Location"] == reverse(
        "referrals:detail", args=[req.pk]
    )
    req.refresh_from_db()
    assert req.status == Status.SUBMITTED and req.submitted_at is not None
    assert req.person.household.get().age == 3 and {z.commune for z in req.danger_zones.all()} == {"", "Nice"}


def test_referrer_a_cannot_reach_referrer_b_by_any_url(network):
    req = make_request(network, side="own")
    other = sign_in(Client(), network.user("referrer", "other"))
    for name, args in [("referrals:detail", [req.pk]), ("referrals:step", [req.pk, 1])]:
        assert other.get(reverse(name, args=args)).status_code == 404
    for name in ("referrals:transition", "referrals:message"):
        assert (
            other.post(
                reverse(name, args=[req.pk]), {"transition": "withdraw", "reason": "x", "body": "x"}
            ).status_code
            == 404
        )
    assert req.person.reference not in other.get(reverse("referrals:mine")).content.decode()


def test_messages_notify_by_email_without_identity(network, django_capture_on_commit_callbacks):
    req = make_request(network)
    coordinator = sign_in(Client(), network.user("coordinator"))
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post(reverse("referrals:message", args=[req.pk]), {"body": "Pouvez-vous préciser ?"})
    sent = [m for m in mail.outbox if network.user("referrer").email in m.to]
    assert sent
    for message in sent:
        text = message.subject + message.body
        for secret in (
            "Aïcha",
            "Exemple",
            req.person.reference,
            req.person.pseudonym,
            "Marseille",
            "Lyon",
            "Pouvez-vous",
        ):
            assert secret not in text
        assert str(req.pk) in message.body
    page = sign_in(Client(), network.user("referrer")).get(reverse("referrals:detail", args=[req.pk]))
    assert "Pouvez-vous préciser ?" in page.content.decode()


def test_possible_duplicates_across_referrers_are_shown_to_coordinators_only(network):
    first = make_request(network, side="own")
    second = make_request(
        network,
        side="other",
        person={"first_name": "AICHA", "last_name": "exemple", "phone": "06 12 34 56 78"},
    )
    candidate = DuplicateCandidate.objects.get()
    assert (candidate.request, candidate.other) == (second, first)
    assert candidate.matched_on == ["name_birth"]
    coordinator = sign_in(Client(), network.user("coordinator"))
    assert (
        first.person.reference
        in coordinator.get(reverse("referrals:detail", args=[second.pk])).content.decode()
    )
    referrer = sign_in(Client(), network.user("referrer", "other"))
    assert (
        first.person.reference
        not in referrer.get(reverse("referrals:detail", args=[second.pk])).content.decode()
    )
    coordinator.post(
        reverse("referrals:duplicate", args=[second.pk]), {"candidate": candidate.pk, "decision": "same"}
    )
    second.refresh_from_db()
    assert second.linked_to == first


def test_different_people_are_not_flagged(network):
    make_request(network, side="own")
    make_request(
        network,
        side="other",
        person={"first_name": "Joy", "birth_date": datetime.date(2001, 1, 1), "phone": ""},
    )
    assert not DuplicateCandidate.objects.exists()


def test_worklist_query_count_does_not_grow(network):
    coordinator = sign_in(Client(), network.user("coordinator"))
    make_request(network)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = coordinator.get(reverse("referrals:worklist"))
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["rows"])

    few, rows = count()
    for _ in range(8):
        make_request(network, side="other")
    many, more_rows = count()
    assert more_rows == rows + 8 and many == few


def test_worklist_deadline_colours(network):
    req = make_request(network)
    Request.objects.filter(pk=req.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=6), urgency="normal"
    )
    rows = sign_in(Client(), network.user("coordinator")).get(reverse("referrals:worklist")).context["rows"]
    assert rows[0].deadline == "late" and rows[0].age_days == 6


def test_subject_access_export_needs_step_up_and_is_audited(network):
    from abri.accounts.stepup import VERIFIED_AT_KEY
    from abri.audit.models import AuditEvent

    req = make_request(network)
    client = sign_in(Client(), network.user("coordinator"))
    url = reverse("referrals:person_export", args=[req.person_id])
    data = client.get(url).json()
    assert data["first_name"] == "Aïcha" and data["requests"][0]["danger_zones"]
    assert AuditEvent.objects.filter(action="person.export", object_id=str(req.person_id)).exists()
    session = client.session
    session[VERIFIED_AT_KEY] = 0
    session.save()
    assert client.get(url)["Location"].startswith(reverse("accounts:step_up"))


def test_erasure_removes_identity_and_keeps_counts(network):
    req = make_request(network)
    client = sign_in(Client(), network.user("coordinator"))
    assert (
        client.post(reverse("referrals:person_erase", args=[req.person_id]), {"reason": ""}).status_code
        == 200
    )
    client.post(reverse("referrals:person_erase", args=[req.person_id]), {"reason": "Demande de la personne"})
    person = Person.objects.get(pk=req.person_id)
    assert person.first_name is None and person.birth_date is None and person.exploiters is None
    assert person.erased_at is not None and person.gender == "F" and person.age is not None
    assert not req.danger_zones.exclude(commune="").exists() and req.danger_zones.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT first_name, phone FROM referrals_person")
        assert cursor.fetchone() == (None, None)


@pytest.mark.parametrize("role", ["shelter_staff", "partner", "observer"])
def test_other_roles_never_see_requests(network, role):
    req = make_request(network)
    client = sign_in(Client(), network.user(role))
    assert client.get(reverse("referrals:detail", args=[req.pk])).status_code == 404


def test_retention_anonymises_inactive_closed_files_only(network):
    from abri.referrals.services import retention_anonymise

    old_closed = make_request(network)
    Request.objects.filter(pk=old_closed.pk).update(status=Status.CLOSED)
    old_open = make_request(network)
    recent_closed = make_request(network)
    Request.objects.filter(pk=recent_closed.pk).update(status=Status.CLOSED)
    later = timezone.now() + datetime.timedelta(days=2 * 365 + 1)
    Request.objects.filter(pk=recent_closed.pk).update(updated_at=later - datetime.timedelta(days=10))
    assert retention_anonymise(now=later) == 1
    assert Person.objects.get(pk=old_closed.person_id).first_name is None
    assert Person.objects.get(pk=old_open.person_id).first_name == "Aïcha"
    assert Person.objects.get(pk=recent_closed.person_id).first_name == "Aïcha"


def test_an_ambiguous_danger_town_must_name_its_departement(network):
    from abri.core.errors import DomainError
    from abri.referrals import services as referral_services

    referrer = network.user("referrer")
    req = referral_services.request_create_draft(actor=referrer)
    data = {
        "urgency": "urgent",
        "exploitation_forms": ["sexual"],
        "danger_departements": [],
        "danger_towns": "Saint-Denis",
    }
    with pytest.raises(DomainError) as info:
        referral_services.request_save_situation(actor=referrer, request=req, data=data)
    assert info.value.field == "danger_towns" and "93" in str(info.value.message)
    referral_services.request_save_situation(
        actor=referrer, request=req, data={**data, "danger_towns": "Saint-Denis (93)"}
    )
    assert req.danger_zones.get().departement == "93"


def test_consent_dates_are_bounded(network):
    req = make_request(network, submitted=False)
    client = sign_in(Client(), network.user("referrer"))
    for when in ("0001-01-01T00:00", "1900-01-01T00:00", "2999-01-01T00:00"):
        response = client.post(
            reverse("referrals:step", args=[req.pk, 5]),
            {"confirmed": "on", "obtained_by": "Moi", "obtained_at": when, "language": "fr"},
        )
        assert response.status_code == 400 and "obtained_at" in response.context["form"].errors


def test_erasure_deletes_the_documents_and_export_lists_them(network):
    from abri.referrals.models import Attachment
    from tests.referrals.factories import make_attachment

    attachment = make_attachment(network)
    client = sign_in(Client(), network.user("coordinator"))
    data = client.get(reverse("referrals:person_export", args=[attachment.request.person_id])).json()
    assert data["requests"][0]["attachments"][0]["kind"] == "identity"
    client.post(reverse("referrals:person_erase", args=[attachment.request.person_id]), {"reason": "Demande"})
    assert not Attachment.objects.exists()
