import datetime

import pytest
from django.utils import timezone

from abri.audit.models import AuditEvent
from abri.core.errors import DomainError
from abri.training import services
from abri.training.models import Attendance
from tests.network.factories import make_shelter
from tests.training.factories import attend, make_session

TODAY = timezone.localdate


def test_a_session_is_recorded_and_audited(network):
    session = make_session(network, online=True, place="ignored when online")
    assert session.place == "" and session.trainer == network.org("coordinator")
    assert AuditEvent.objects.filter(action="training.session_create", object_id=str(session.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"topic": "astrology"}, "topic"),
        ({"audience": "everyone"}, "audience"),
        ({"starts_on": datetime.date(1999, 12, 31)}, "starts_on"),
        ({"starts_on": None}, "starts_on"),
        ({"duration_hours": 0}, "duration_hours"),
        ({"duration_hours": "lots"}, "duration_hours"),
        ({"duration_hours": 500}, "duration_hours"),
        ({"online": False, "place": ""}, "place"),
    ],
)
def test_invalid_sessions_are_refused_naming_the_field(network, overrides, field):
    with pytest.raises(DomainError) as exc:
        make_session(network, **overrides)
    assert exc.value.field == field
    assert str(exc.value.message)


def test_a_session_more_than_two_years_ahead_is_refused(network):
    today = datetime.date(2026, 3, 1)
    ok = services.validate_session_fields(
        {
            "title": "t",
            "topic": "security",
            "audience": "public",
            "starts_on": datetime.date(2028, 3, 1),
            "duration_hours": 2,
            "online": True,
        },
        today=today,
    )
    assert ok["starts_on"] == datetime.date(2028, 3, 1)
    with pytest.raises(DomainError) as exc:
        make_session(network, starts_on=TODAY() + datetime.timedelta(days=3 * 366))
    assert exc.value.field == "starts_on"


def test_a_partner_records_only_its_own_sessions(network):
    partner = network.user("partner")
    own = make_session(network, actor=partner, trainer=network.org("support_partner"), audience="public")
    assert own.trainer == network.org("support_partner")
    with pytest.raises(DomainError) as exc:
        make_session(network, actor=partner, trainer=network.org("coordinator"))
    assert exc.value.field == "trainer"
    with pytest.raises(DomainError):
        make_session(network, actor=partner, trainer=network.org("support_partner", "other"))


def test_a_partner_cannot_edit_a_coordinators_session(network):
    session = make_session(network)
    with pytest.raises(DomainError) as exc:
        services.session_update(actor=network.user("partner"), session=session, title="Renamed")
    assert exc.value.code == "forbidden"
    attendance = attend(network, session, network.user("referrer"))  # the coordinator can
    with pytest.raises(DomainError):
        services.attendance_add(
            actor=network.user("partner"), session=session, full_name="X", organisation_name="Y"
        )
    with pytest.raises(DomainError):
        services.attendance_remove(actor=network.user("partner"), attendance=attendance)
    session.refresh_from_db()
    assert session.title != "Renamed"


@pytest.mark.parametrize("role", ["shelter_staff", "referrer", "observer"])
def test_other_roles_write_nothing(network, role):
    actor = network.user(role)
    session = make_session(network)
    with pytest.raises(DomainError):
        make_session(network, actor=actor)
    with pytest.raises(DomainError):
        services.session_update(actor=actor, session=session, title="x")
    with pytest.raises(DomainError):
        services.attendance_add(actor=actor, session=session, full_name="X", organisation_name="Y")


def test_coordinators_update_any_session_and_the_change_is_audited(network):
    partner_session = make_session(
        network, actor=network.user("partner"), trainer=network.org("support_partner")
    )
    updated = services.session_update(
        actor=network.user("coordinator"), session=partner_session, title="Nouveau titre", online=True
    )
    assert updated.title == "Nouveau titre" and updated.place == ""
    event = AuditEvent.objects.get(action="training.session_update", object_id=str(updated.pk))
    assert set(event.data["changed"]) >= {"title", "online", "place"}


def test_a_person_cannot_be_registered_twice(network):
    session = make_session(network)
    staff = network.user("shelter_staff")
    first = attend(network, session, staff)
    assert first.full_name == staff.get_full_name() and first.organisation == staff.organisation
    assert first.organisation_name == staff.organisation.name
    with pytest.raises(DomainError) as exc:
        attend(network, session, staff)
    assert exc.value.field == "user"
    attend(network, session, full_name="Jeanne Dupont", organisation_name="Mairie de Lyon")
    with pytest.raises(DomainError) as exc:
        attend(network, session, full_name="  jeanne   DUPONT ", organisation_name="mairie de lyon")
    assert exc.value.field == "full_name"
    assert Attendance.objects.filter(session=session).count() == 2


def test_external_people_need_a_name_and_an_organisation_except_for_the_public(network):
    session = make_session(network)
    with pytest.raises(DomainError) as exc:
        attend(network, session, full_name="", organisation_name="X")
    assert exc.value.field == "full_name"
    with pytest.raises(DomainError) as exc:
        attend(network, session, full_name="Jeanne Dupont")
    assert exc.value.field == "organisation_name"
    public = make_session(network, audience="public", title="Soirée de sensibilisation")
    assert attend(network, public, full_name="Jeanne Dupont").organisation_name == ""


def test_certificate_numbers_are_unique(network):
    session = make_session(network)
    numbers = {
        attend(network, session, full_name=f"Personne {i}", organisation_name="Asso").certificate_number
        for i in range(20)
    }
    assert len(numbers) == 20
    assert all(n.startswith(f"AB-{session.starts_on.year}-") for n in numbers)


def test_a_partner_registers_its_own_people_and_external_people_only(network):
    partner = network.user("partner")
    session = make_session(network, actor=partner, trainer=network.org("support_partner"), audience="public")
    services.attendance_add(actor=partner, session=session, user=partner)
    services.attendance_add(actor=partner, session=session, full_name="Paul Martin", organisation_name="")
    with pytest.raises(DomainError) as exc:
        services.attendance_add(actor=partner, session=session, user=network.user("shelter_staff"))
    assert exc.value.field == "user"
    with pytest.raises(DomainError) as exc:
        services.attendance_add(
            actor=partner, session=session, full_name="Anne", organisation=network.org("shelter_operator")
        )
    assert exc.value.field == "organisation"


def test_the_shelter_of_an_attendee(network):
    operator = network.org("shelter_operator")
    shelter = make_shelter(network, operator, 0)
    session = make_session(network)
    # A shelter worker whose organisation runs one shelter counts for it without choosing.
    assert attend(network, session, network.user("shelter_staff")).shelter == shelter
    # An external person: the coordinator names the shelter, which must be run by their organisation.
    external = attend(network, session, full_name="Lina Roux", organisation=operator, shelter=shelter)
    assert external.shelter == shelter and external.organisation_name == operator.name
    other_shelter = make_shelter(network, network.org("shelter_operator", "other"), 1)
    with pytest.raises(DomainError) as exc:
        attend(network, session, full_name="Marc Blanc", organisation=operator, shelter=other_shelter)
    assert exc.value.field == "shelter"
    partner_session = make_session(
        network, actor=network.user("partner"), trainer=network.org("support_partner")
    )
    with pytest.raises(DomainError) as exc:
        services.attendance_add(
            actor=network.user("partner"),
            session=partner_session,
            full_name="Z",
            organisation_name="Y",
            shelter=shelter,
        )
    assert exc.value.field == "shelter"


def test_remove_and_mark_absent_are_audited(network):
    session = make_session(network)
    attendance = attend(network, session, network.user("referrer"))
    services.attendance_set_attended(actor=network.user("coordinator"), attendance=attendance, attended=False)
    attendance.refresh_from_db()
    assert attendance.attended is False
    with pytest.raises(DomainError):
        services.attendance_remove(actor=network.user("partner"), attendance=attendance)
    pk = attendance.pk
    services.attendance_remove(actor=network.user("coordinator"), attendance=attendance)
    assert not Attendance.objects.filter(pk=pk).exists()
    actions = set(AuditEvent.objects.filter(object_id=str(pk)).values_list("action", flat=True))
    assert actions == {
        "training.attendance_add",
        "training.attendance_attended",
        "training.attendance_remove",
    }
