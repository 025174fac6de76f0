"""Marking present or absent only once a session took place; coordinators link an attendee to
the shelter they work at on the session page, which counts them as the shelter's trained staff."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from abri.audit.models import AuditEvent
from abri.core.errors import DomainError
from abri.training import services
from abri.training.models import Attendance
from abri.training.selectors import trained_staff_by_shelter
from tests.conftest import sign_in
from tests.network.factories import make_shelter
from tests.training.factories import attend, make_session


def _future_session(network, **kwargs):
    return make_session(network, starts_on=timezone.localdate() + datetime.timedelta(days=10), **kwargs)


# -- C8: no presence before the session ---------------------------------------------------------


def test_a_session_to_come_cannot_be_marked_present_or_absent(network):
    session = _future_session(network)
    attendance = attend(network, session, network.user("referrer"))
    for attended in (False, True):
        with pytest.raises(DomainError) as exc:
            services.attendance_set_attended(
                actor=network.user("coordinator"), attendance=attendance, attended=attended
            )
        assert exc.value.field == "attended"
    attendance.refresh_from_db()
    assert attendance.attended is True
    assert not AuditEvent.objects.filter(action="training.attendance_attended").exists()
    # On its date it can.
    services.attendance_set_attended(
        actor=network.user("coordinator"),
        attendance=attendance,
        attended=False,
        today=session.starts_on,
    )
    attendance.refresh_from_db()
    assert attendance.attended is False


def test_the_page_shows_the_refusal_not_a_500(network):
    partner = network.user("partner")
    session = _future_session(
        network, actor=partner, trainer=network.org("support_partner"), audience="public"
    )
    attendance = attend(network, session, full_name="Jeanne Dupont")
    client = sign_in(Client(), partner)
    response = client.post(
        reverse("training:attendance_update", args=[session.pk]),
        {"attendance": attendance.pk, "action": "absent"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "pas encore eu lieu" in html
    assert Attendance.objects.get(pk=attendance.pk).attended is True


# -- R3: the coordination links an attendee to a shelter ------------------------------------------


def _partner_session_with_external_worker(network):
    partner = network.user("partner")
    session = make_session(network, actor=partner, trainer=network.org("support_partner"), audience="public")
    attendance = services.attendance_add(
        actor=partner, session=session, full_name="Lina Roux", organisation_name="CHRS du coin"
    )
    return session, attendance


def test_coordinators_link_an_external_attendee_to_a_shelter_and_it_counts(network):
    operator = network.org("shelter_operator")
    shelter = make_shelter(network, operator, 0)
    session, attendance = _partner_session_with_external_worker(network)
    assert trained_staff_by_shelter([shelter])[shelter.pk] == 0
    client = sign_in(Client(), network.user("coordinator"))
    page = client.get(reverse("training:session_detail", args=[session.pk]))
    assert f'id="shelter-{attendance.pk}"' in page.content.decode()
    response = client.post(
        reverse("training:attendance_update", args=[session.pk]),
        {"attendance": attendance.pk, "action": "shelter", "shelter": str(shelter.pk)},
    )
    assert response.status_code == 302
    attendance.refresh_from_db()
    assert attendance.shelter == shelter and attendance.organisation == operator
    assert trained_staff_by_shelter([shelter])[shelter.pk] == 1
    event = AuditEvent.objects.get(action="training.attendance_shelter", object_id=str(attendance.pk))
    assert event.data["shelter"] == str(shelter.pk) and event.data["organisation_linked"] is True
    # Cleared again: no longer counted.
    client.post(
        reverse("training:attendance_update", args=[session.pk]),
        {"attendance": attendance.pk, "action": "shelter", "shelter": ""},
    )
    attendance.refresh_from_db()
    assert attendance.shelter is None
    assert trained_staff_by_shelter([shelter])[shelter.pk] == 0


def test_the_shelter_must_be_run_by_the_attendees_organisation(network):
    operator = network.org("shelter_operator")
    own_shelter = make_shelter(network, operator, 0)
    second = make_shelter(network, operator, 1)
    foreign = make_shelter(network, network.org("shelter_operator", "other"), 2)
    session = make_session(network)
    staff = attend(network, session, network.user("shelter_staff"))
    assert staff.shelter is None  # two shelters: nobody chose yet
    coordinator = network.user("coordinator")
    with pytest.raises(DomainError) as exc:
        services.attendance_set_shelter(actor=coordinator, attendance=staff, shelter=foreign)
    assert exc.value.field == "shelter"
    services.attendance_set_shelter(actor=coordinator, attendance=staff, shelter=second)
    assert Attendance.objects.get(pk=staff.pk).shelter == second
    referrer = attend(network, session, network.user("referrer"))
    with pytest.raises(DomainError):
        services.attendance_set_shelter(actor=coordinator, attendance=referrer, shelter=own_shelter)
    # The page answers 400 with the message, not a 500.
    response = sign_in(Client(), coordinator).post(
        reverse("training:attendance_update", args=[session.pk]),
        {"attendance": staff.pk, "action": "shelter", "shelter": str(foreign.pk)},
    )
    assert response.status_code == 400
    assert Attendance.objects.get(pk=staff.pk).shelter == second


def test_only_coordinators_link_attendees_to_shelters(network):
    shelter = make_shelter(network, network.org("shelter_operator"), 0)
    session, attendance = _partner_session_with_external_worker(network)
    with pytest.raises(DomainError) as exc:
        services.attendance_set_shelter(actor=network.user("partner"), attendance=attendance, shelter=shelter)
    assert exc.value.field == "shelter"
    client = sign_in(Client(), network.user("partner"))
    page = client.get(reverse("training:session_detail", args=[session.pk]))
    assert 'name="shelter"' not in page.content.decode()
    response = client.post(
        reverse("training:attendance_update", args=[session.pk]),
        {"attendance": attendance.pk, "action": "shelter", "shelter": str(shelter.pk)},
    )
    assert response.status_code == 400
    assert Attendance.objects.get(pk=attendance.pk).shelter is None
    assert not AuditEvent.objects.filter(action="training.attendance_shelter").exists()
