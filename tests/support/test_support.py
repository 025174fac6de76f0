"""Support records: who reads and writes what, the rules of each entry, reminders, incidents."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from abri.audit.models import AuditEvent
from abri.core.errors import DomainError
from abri.placements import services as placements
from abri.placements.models import Notification
from abri.referrals import services as referrals
from abri.referrals.models import Request, Status
from abri.support import services as support
from abri.support.models import (
    Hearing,
    LegalCase,
    ResidencePermit,
    SupportEvent,
    SupportIncident,
    SupportStep,
)
from tests.conftest import sign_in
from tests.support.factories import STEP, follow, followed_only, resident

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    """Today at the moment of the call: a constant taken when the module is imported goes stale
    when the suite runs across midnight (Paris time), and the services' "today" moves on."""
    return timezone.localdate()


def client(network, role, side="own"):
    return sign_in(Client(), network.user(role, side))


def record_url(person):
    return reverse("support:record", kwargs={"pk": person.pk})


# -- who reads a record ---------------------------------------------------------------------


def test_partner_records_someone_without_placement_and_only_it_sees_them(network):
    person = followed_only(network)
    assert not person.requests.exists()
    mine = client(network, "partner")
    page = mine.get(reverse("support:people"))
    assert person.reference in page.content.decode()
    assert mine.get(record_url(person)).status_code == 200
    for role, side in [
        ("partner", "other"),
        ("shelter_staff", "own"),
        ("referrer", "own"),
        ("observer", "own"),
    ]:
        assert client(network, role, side).get(record_url(person)).status_code == 404, role
        listing = client(network, role, side).get(reverse("support:people"))
        assert person.reference not in listing.content.decode()
    assert client(network, "coordinator").get(record_url(person)).status_code == 200


def test_partner_sees_only_the_people_it_follows(network):
    mine, theirs = followed_only(network), followed_only(network, side="other")
    page = client(network, "partner").get(reverse("support:people")).content.decode()
    assert mine.reference in page and theirs.reference not in page
    assert client(network, "partner").get(record_url(theirs)).status_code == 404


def test_shelter_reads_its_current_residents_only(network):
    stay = resident(network)
    person = stay.request.person
    staff = client(network, "shelter_staff")
    assert staff.get(record_url(person)).status_code == 200
    assert client(network, "shelter_staff", "other").get(record_url(person)).status_code == 404
    placements.stay_exit(
        actor=network.user("shelter_staff"), stay=stay, day=today(), outcome="housing", note=""
    )
    # Once the person has left, the old shelter reads nothing the next organisations record.
    assert staff.get(record_url(person)).status_code == 404


def test_partner_of_a_placed_person_never_learns_the_shelter(network):
    stay = resident(network)
    person = stay.request.person
    follow(network, person)
    shelter_user = network.user("shelter_staff")
    support.step_save(
        actor=shelter_user, person=person, data={**STEP, "note": "CPAM de Montauban, rdv mardi"}
    )
    support.permit_save(
        actor=shelter_user,
        person=person,
        data={
            "kind": "temporary_permit",
            "status": "granted",
            "starts_on": today() - datetime.timedelta(days=10),
            "expires_on": today() + datetime.timedelta(days=355),
            "prefecture": "82",
        },
    )
    support.case_save(
        actor=shelter_user,
        person=person,
        data={"offence": "trafficking", "stage": "complaint", "complaint_place": "Commissariat de Montauban"},
    )
    page = client(network, "partner").get(record_url(person)).content.decode()
    assert person.first_name in page  # a partner sees the identity of the people it follows
    for secret in (
        stay.shelter.name,
        stay.shelter.commune,
        "Montauban",
        shelter_user.organisation.name,
        ">82<",
    ):
        assert secret not in page, secret
    assert "Health cover" in page or "Couverture" in page  # the step itself, without its note
    # The shelter reads everything it and the partner recorded.
    shelter_page = client(network, "shelter_staff").get(record_url(person)).content.decode()
    assert "CPAM de Montauban" in shelter_page and stay.shelter.name in shelter_page


def test_reading_a_record_is_audited(network):
    person = followed_only(network)
    client(network, "partner").get(record_url(person))
    assert AuditEvent.objects.filter(
        action="read.sensitive", object_id=str(person.pk), actor=network.user("partner")
    ).exists()


def test_referrer_reads_a_summary_not_the_details(network):
    stay = resident(network)
    person = stay.request.person
    support.step_save(
        actor=network.user("shelter_staff"), person=person, data={**STEP, "note": "Rendez-vous CAF"}
    )
    support.case_save(
        actor=network.user("shelter_staff"),
        person=person,
        data={
            "offence": "pimping",
            "stage": "closed",
            "outcome": "conviction",
            "complaint_on": today() - datetime.timedelta(days=400),
            "decided_on": today() - datetime.timedelta(days=3),
            "lawyer": "Me Exemple",
        },
    )
    referrer = client(network, "referrer")
    page = referrer.get(reverse("referrals:detail", kwargs={"pk": stay.request_id})).content.decode()
    assert "1 under way" in page or "1 en cours" in page
    assert "1 conviction" in page or "1 condamnation" in page
    assert "Rendez-vous CAF" not in page and "Me Exemple" not in page
    assert referrer.get(record_url(person)).status_code == 404


# -- who writes -----------------------------------------------------------------------------


def test_only_the_recording_organisation_changes_an_entry(network):
    stay = resident(network)
    person = stay.request.person
    follow(network, person)
    step = support.step_save(actor=network.user("shelter_staff"), person=person, data=STEP)
    with pytest.raises(DomainError):
        support.step_save(
            actor=network.user("partner"), person=person, step=step, data={**STEP, "status": "abandoned"}
        )
    edit = reverse("support:edit", kwargs={"kind": "step", "pk": step.pk})
    assert client(network, "partner").get(edit).status_code == 404
    assert client(network, "shelter_staff").get(edit).status_code == 200
    # A coordinator may correct anyone's entry.
    support.step_save(
        actor=network.user("coordinator"), person=person, step=step, data={**STEP, "status": "planned"}
    )
    assert SupportStep.objects.get(pk=step.pk).status == "planned"


def test_nobody_writes_on_a_record_they_cannot_read(network):
    person = followed_only(network)
    for role, side in [
        ("partner", "other"),
        ("shelter_staff", "own"),
        ("referrer", "own"),
        ("observer", "own"),
    ]:
        with pytest.raises(DomainError):
            support.step_save(actor=network.user(role, side), person=person, data=STEP)
    assert not SupportStep.objects.exists()


def test_partner_ends_its_follow_up_and_loses_the_record(network):
    person = followed_only(network)
    mine = client(network, "partner")
    fol = person.support_follows.get()
    response = mine.post(
        reverse("support:follow_end", kwargs={"pk": fol.pk}), {"ended_on": today().isoformat()}
    )
    assert response.status_code == 302
    assert mine.get(record_url(person)).status_code == 404
    assert client(network, "coordinator").get(record_url(person)).status_code == 200


def test_coordinator_assigns_a_partner_who_is_then_told(network, django_capture_on_commit_callbacks):
    stay = resident(network)
    with django_capture_on_commit_callbacks(execute=True):
        follow(network, stay.request.person)
    assert Notification.objects.filter(user=network.user("partner")).exists()
    with pytest.raises(DomainError) as twice:
        follow(network, stay.request.person)
    assert twice.value.field == "organisation"


# -- the rules of each entry ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**STEP, "status": "done"}, "done_on"),
        ({**STEP, "done_on": today()}, "done_on"),
        ({**STEP, "category": "astrology"}, "category"),
        ({**STEP, "started_on": today() + datetime.timedelta(days=3)}, "started_on"),
        ({**STEP, "due_on": datetime.date(2026, 9, 1)}, "due_on"),
    ],
)
def test_step_rules(network, data, field):
    person = followed_only(network)
    with pytest.raises(DomainError) as error:
        support.step_save(actor=network.user("partner"), person=person, data=data)
    assert error.value.field == field


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "temporary_permit", "status": "granted"}, "starts_on"),
        (
            {"kind": "temporary_permit", "status": "granted", "starts_on": today(), "expires_on": today()},
            "expires_on",
        ),
        ({"kind": "visa", "status": "granted"}, "kind"),
        ({"kind": "receipt", "status": "applied", "prefecture": "999"}, "prefecture"),
    ],
)
def test_permit_rules(network, data, field):
    person = followed_only(network)
    with pytest.raises(DomainError) as error:
        support.permit_save(actor=network.user("partner"), person=person, data=data)
    assert error.value.field == field


def test_case_rules_and_the_complaint_flag(network):
    person = followed_only(network)
    partner = network.user("partner")
    with pytest.raises(DomainError) as error:
        support.case_save(
            actor=partner,
            person=person,
            data={"offence": "trafficking", "stage": "closed", "outcome": "conviction"},
        )
    assert error.value.field == "decided_on"
    case = support.case_save(
        actor=partner,
        person=person,
        data={
            "offence": "trafficking",
            "stage": "complaint",
            "complaint_on": today() - datetime.timedelta(days=5),
        },
    )
    person.refresh_from_db()
    assert case.outcome == "pending" and person.complaint_filed
    with pytest.raises(DomainError) as error:
        support.hearing_save(
            actor=partner,
            case=case,
            data={
                "kind": "trial",
                "at": timezone.now() + datetime.timedelta(days=9),
                "court": "TJ Exemple",
                "outcome": "Relaxe",
            },
        )
    assert error.value.field == "outcome"
    with pytest.raises(DomainError) as error:
        support.hearing_save(
            actor=partner, case=case, data={"kind": "trial", "at": timezone.now(), "court": " "}
        )
    assert error.value.field == "court"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"awarded_amount": "1000"}, "awarded_on"),
        ({"paid_amount": "10", "paid_on": today()}, "paid_amount"),
        (
            {"awarded_amount": "1000", "awarded_on": today(), "paid_amount": "1500", "paid_on": today()},
            "paid_amount",
        ),
        ({"claimed_amount": "-3"}, "claimed_amount"),
        ({"claimed_amount": "NaN"}, "claimed_amount"),
        ({"awarded_amount": "100", "awarded_on": datetime.date(2020, 1, 1)}, "awarded_on"),
    ],
)
def test_compensation_rules(network, extra, field):
    person = followed_only(network)
    case = support.case_save(
        actor=network.user("partner"), person=person, data={"offence": "forced_labour", "stage": "trial"}
    )
    data = {
        "body": "civi",
        "filed_on": today() - datetime.timedelta(days=30),
        "claimed_amount": "12000",
        **extra,
    }
    with pytest.raises(DomainError) as error:
        support.claim_save(actor=network.user("partner"), case=case, data=data)
    assert error.value.field == field


def test_compensation_awarded_and_paid(network):
    person = followed_only(network)
    case = support.case_save(
        actor=network.user("partner"), person=person, data={"offence": "forced_labour", "stage": "trial"}
    )
    claim = support.claim_save(
        actor=network.user("partner"),
        case=case,
        data={
            "body": "civi",
            "filed_on": today() - datetime.timedelta(days=100),
            "claimed_amount": "12000",
            "awarded_amount": "9000.5",
            "awarded_on": today() - datetime.timedelta(days=20),
            "paid_amount": "9000.50",
            "paid_on": today(),
        },
    )
    assert claim.awarded_amount == Decimal("9000.50") == claim.paid_amount


def test_bad_input_on_every_form_is_a_clear_error_and_saves_nothing(network):
    person = followed_only(network)
    case = support.case_save(
        actor=network.user("partner"), person=person, data={"offence": "trafficking", "stage": "trial"}
    )
    partner = client(network, "partner")
    garbage = {
        "category": "x",
        "status": "?",
        "started_on": "31/02/2026",
        "kind": "<script>",
        "at": "demain",
        "court": "",
        "claimed_amount": "1e999",
        "filed_on": "yesterday",
        "offence": "",
        "occurred_on": "0000-00-00",
        "description": "",
        "expires_on": "2026-13-01",
    }
    urls = [
        reverse("support:add", kwargs={"pk": person.pk, "kind": k})
        for k in ("step", "permit", "case", "incident")
    ]
    urls += [reverse("support:case_add", kwargs={"pk": case.pk, "kind": k}) for k in ("hearing", "claim")]
    before = (
        SupportStep.objects.count(),
        ResidencePermit.objects.count(),
        LegalCase.objects.count(),
        Hearing.objects.count(),
    )
    for url in urls:
        response = partner.post(url, garbage)
        assert response.status_code == 200, url
        assert 'class="errors"' in response.content.decode() or "form-errors" in response.content.decode(), (
            url
        )
    after = (
        SupportStep.objects.count(),
        ResidencePermit.objects.count(),
        LegalCase.objects.count(),
        Hearing.objects.count(),
    )
    assert before == after and not SupportIncident.objects.exists()
    assert (
        partner.get(reverse("support:add", kwargs={"pk": person.pk, "kind": "nonsense"})).status_code == 404
    )


def test_a_form_posted_in_the_browser_saves_and_journals(network):
    person = followed_only(network)
    partner = client(network, "partner")
    url = reverse("support:add", kwargs={"pk": person.pk, "kind": "step"})
    response = partner.post(
        url, {"category": "french", "status": "in_progress", "started_on": today().isoformat()}
    )
    assert response.status_code == 302 and response["Location"] == record_url(person)
    step = SupportStep.objects.get(person=person)
    assert step.organisation == network.org("support_partner") and step.created_by == network.user("partner")
    event = SupportEvent.objects.filter(person=person, kind="step.create").get()
    assert event.actor == network.user("partner") and event.data == {
        "category": "french",
        "status": "in_progress",
    }
    # The journal line is written in the reader's language.
    assert (
        "French classes: In progress"
        in partner.get(record_url(person), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


# -- reminders, with the clock moved -------------------------------------------------------


def test_permit_reminders_go_out_once_per_stage(network, django_capture_on_commit_callbacks):
    stay = resident(network)
    person = stay.request.person
    follow(network, person)
    support.permit_save(
        actor=network.user("shelter_staff"),
        person=person,
        data={
            "kind": "temporary_permit",
            "status": "granted",
            "starts_on": today() - datetime.timedelta(days=300),
            "expires_on": today() + datetime.timedelta(days=65),
        },
    )
    mail.outbox.clear()

    def run(days_later):
        # The job runs in French (the server's language); each reader reads in their own.
        with django_capture_on_commit_callbacks(execute=True), translation.override("fr"):
            return support.reminders_send(today=today() + datetime.timedelta(days=days_later))["permits"]

    assert run(0) == 0  # 65 days left: too early
    assert run(5) == 1  # 60 days left
    assert run(6) == 0  # the 60-day reminder is not sent twice
    assert run(35) == 1  # 30 days left
    assert run(59) == 1  # 6 days left: the 7-day stage
    assert run(64) == 0
    assert ResidencePermit.objects.get(person=person).reminders_sent == [60, 30, 7]
    reminded = {n.user_id for n in Notification.objects.filter(message__contains="expires")}
    assert {
        network.user("shelter_staff").pk,
        network.user("partner").pk,
        network.user("coordinator").pk,
    } <= reminded
    assert network.user("partner", "other").pk not in reminded
    page = client(network, "partner").get(reverse("placements:notifications"), HTTP_ACCEPT_LANGUAGE="en")
    english = page.content.decode()
    assert "expires within two months" in english and "within a week" in english
    page = client(network, "partner").get(reverse("placements:notifications"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "expire dans les deux mois" in page.content.decode()
    for message in mail.outbox:  # a link, never a name or a document
        assert person.first_name not in message.body and person.reference not in message.body


def test_late_run_sends_one_reminder_for_the_stages_it_skipped(network):
    person = followed_only(network)
    support.permit_save(
        actor=network.user("partner"),
        person=person,
        data={
            "kind": "receipt",
            "status": "granted",
            "starts_on": today() - datetime.timedelta(days=80),
            "expires_on": today() + datetime.timedelta(days=90),
        },
    )
    assert support.reminders_send(today=today() + datetime.timedelta(days=85))["permits"] == 1  # 5 days left
    assert ResidencePermit.objects.get(person=person).reminders_sent == [60, 30, 7]


def test_hearing_reminder_a_week_before(network):
    person = followed_only(network)
    case = support.case_save(
        actor=network.user("partner"), person=person, data={"offence": "trafficking", "stage": "trial"}
    )
    support.hearing_save(
        actor=network.user("partner"),
        case=case,
        data={
            "kind": "trial",
            "at": timezone.now() + datetime.timedelta(days=10),
            "court": "Tribunal correctionnel de Paris",
        },
    )
    assert support.reminders_send(today=today())["hearings"] == 0
    assert support.reminders_send(today=today() + datetime.timedelta(days=4))["hearings"] == 1
    assert support.reminders_send(today=today() + datetime.timedelta(days=5))["hearings"] == 0


def test_the_calendar_lists_coming_hearings_of_the_people_followed(network):
    mine, theirs = followed_only(network), followed_only(network, side="other")
    for person, side in ((mine, "own"), (theirs, "other")):
        case = support.case_save(
            actor=network.user("partner", side),
            person=person,
            data={"offence": "trafficking", "stage": "trial"},
        )
        support.hearing_save(
            actor=network.user("partner", side),
            case=case,
            data={
                "kind": "trial",
                "at": timezone.now() + datetime.timedelta(days=20),
                "court": f"Tribunal {side}",
            },
        )
    page = client(network, "partner").get(reverse("support:calendar")).content.decode()
    assert "Tribunal own" in page and "Tribunal other" not in page
    coordinator_page = client(network, "coordinator").get(reverse("support:calendar")).content.decode()
    assert "Tribunal own" in coordinator_page and "Tribunal other" in coordinator_page


# -- incidents during support --------------------------------------------------------------


INCIDENT = {
    "kind": "contact",
    "occurred_on": today(),
    "description": "Appels d'un numéro inconnu",
    "emergency_move": True,
}


def test_shelter_reports_a_danger_and_the_person_is_moved_at_once(network):
    stay = resident(network)
    incident = support.support_incident_report(
        actor=network.user("shelter_staff"), person=stay.request.person, data=INCIDENT
    )
    stay.refresh_from_db()
    assert stay.ended_on == today() and incident.placement_incident is not None
    request = Request.objects.get(pk=stay.request_id)
    assert request.status == Status.SEARCHING and request.urgency == "immediate"
    assert str(stay.shelter_id) in request.avoid_shelters


def test_partner_asks_for_a_move_and_the_coordinator_carries_it_out(
    network, django_capture_on_commit_callbacks
):
    stay = resident(network)
    person = stay.request.person
    follow(network, person)
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        incident = support.support_incident_report(
            actor=network.user("partner"), person=person, data=INCIDENT
        )
    stay.refresh_from_db()
    assert stay.ended_on is None and incident.placement_incident is None  # the partner cannot see the stay
    assert Notification.objects.filter(
        user=network.user("coordinator"), message__contains="emergency"
    ).exists()
    coordinator = client(network, "coordinator")
    move = reverse("support:emergency_move", kwargs={"pk": incident.pk})
    coordinator.post(move)  # without the confirmation box ticked: nothing happens
    stay.refresh_from_db()
    assert stay.ended_on is None
    response = coordinator.post(move, {"confirm": "yes"})
    assert response.status_code == 302
    stay.refresh_from_db()
    incident.refresh_from_db()
    assert stay.ended_on == today() and incident.placement_incident is not None
    # Twice is refused with a message, not a second move.
    again = coordinator.post(move, {"confirm": "yes"}, follow=True)
    assert (
        again.status_code == 200 and "already" in again.content.decode()
    ) or "déjà" in again.content.decode()


# -- subject access, erasure, query counts ------------------------------------------------


def test_subject_access_export_and_erasure_cover_the_support_record(network):
    stay = resident(network)
    person = stay.request.person
    coordinator = network.user("coordinator")
    support.step_save(
        actor=network.user("shelter_staff"), person=person, data={**STEP, "note": "Dossier CMU"}
    )
    support.case_save(
        actor=network.user("shelter_staff"),
        person=person,
        data={"offence": "trafficking", "stage": "complaint", "lawyer": "Me Exemple"},
    )
    exported = referrals.person_export(actor=coordinator, person=person)
    assert exported["support"]["steps"][0]["note"] == "Dossier CMU"
    assert exported["support"]["proceedings"][0]["lawyer"] == "Me Exemple"
    placements.stay_exit(
        actor=network.user("shelter_staff"), stay=stay, day=today(), outcome="housing", note=""
    )
    referrals.person_erase(actor=coordinator, person=person, reason="Demande de la personne")
    assert SupportStep.objects.get(person=person).note is None
    case = LegalCase.objects.get(person=person)
    assert case.lawyer is None and case.stage == "complaint"  # the category stays for the statistics


def test_people_list_query_count_does_not_grow(network):
    partner = client(network, "partner")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = partner.get(reverse("support:people"))
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["people"])

    followed_only(network)
    few, rows = count()
    for _ in range(6):
        person = followed_only(network)
        support.step_save(actor=network.user("partner"), person=person, data=STEP)
    many, more = count()
    assert more == rows + 6 and many == few


def test_record_query_count_does_not_grow_with_entries(network):
    person = followed_only(network)
    partner = client(network, "partner")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = partner.get(record_url(person))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    case = support.case_save(
        actor=network.user("partner"), person=person, data={"offence": "trafficking", "stage": "trial"}
    )
    support.step_save(actor=network.user("partner"), person=person, data=STEP)
    few = count()
    for i in range(4):
        support.step_save(actor=network.user("partner"), person=person, data=STEP)
        other = support.case_save(
            actor=network.user("partner"), person=person, data={"offence": "pimping", "stage": "trial"}
        )
        support.hearing_save(
            actor=network.user("partner"),
            case=other,
            data={"kind": "hearing", "at": timezone.now(), "court": f"TJ {i}"},
        )
    support.hearing_save(
        actor=network.user("partner"),
        case=case,
        data={"kind": "hearing", "at": timezone.now(), "court": "TJ"},
    )
    assert count() == few


def test_partner_home_lists_its_people_and_what_is_coming(network):
    person = followed_only(network)
    theirs = followed_only(network, side="other")
    support.step_save(
        actor=network.user("partner"),
        person=person,
        data={
            **STEP,
            "started_on": today() - datetime.timedelta(days=20),
            "due_on": today() - datetime.timedelta(days=1),
        },
    )
    case = support.case_save(
        actor=network.user("partner"), person=person, data={"offence": "trafficking", "stage": "trial"}
    )
    support.hearing_save(
        actor=network.user("partner"),
        case=case,
        data={"kind": "trial", "at": timezone.now() + datetime.timedelta(days=12), "court": "TJ Exemple"},
    )
    home = client(network, "partner").get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    agenda = [(item.what, item.person.pk, item.overdue) for item in home.context["agenda"]]
    assert agenda == [("Health cover", person.pk, True), ("Trial", person.pk, False)]
    page = home.content.decode()
    assert person.reference in page and theirs.reference not in page


def test_shelter_home_lists_proposals_to_answer_and_residents(network):
    from tests.network.factories import make_shelter
    from tests.placements.factories import searching_request

    stay = resident(network)
    shelter = make_shelter(network, network.org("shelter_operator"), 5, dedicated_places=3, max_children=2)
    (proposal,) = placements.proposals_create(
        actor=network.user("coordinator"), request=searching_request(network), shelters=[shelter]
    )
    home = client(network, "shelter_staff").get(reverse("home"))
    assert home.context["proposals"] == [proposal]
    assert [p.pk for p in home.context["people"]] == [stay.request.person_id]
    assert client(network, "shelter_staff", "other").get(reverse("home")).context["proposals"] == []


# -- found in review ------------------------------------------------------------------------


def test_shelter_moving_a_resident_at_once_is_told_and_not_shown_a_missing_page(network):
    stay = resident(network)
    staff = client(network, "shelter_staff")
    url = reverse("support:add", kwargs={"pk": stay.request.person_id, "kind": "incident"})
    refused_before = AuditEvent.objects.filter(action="access.refused").count()
    response = staff.post(
        url,
        {
            "kind": "contact",
            "occurred_on": today().isoformat(),
            "description": "Appels",
            "emergency_move": "on",
        },
        follow=True,
    )
    assert response.status_code == 200 and response.redirect_chain[-1][0] == reverse("home")
    stay.refresh_from_db()
    assert stay.ended_on == today()
    assert AuditEvent.objects.filter(action="access.refused").count() == refused_before


def test_partner_reads_neither_the_outcome_nor_the_audition_place_the_shelter_recorded(network):
    stay = resident(network)
    person = stay.request.person
    follow(network, person)
    shelter = network.user("shelter_staff")
    case = support.case_save(
        actor=shelter,
        person=person,
        data={"offence": "pimping", "stage": "trial", "complaint_on": today() - datetime.timedelta(days=90)},
    )
    support.hearing_save(
        actor=shelter,
        case=case,
        data={
            "kind": "hearing",
            "at": timezone.now() - datetime.timedelta(days=30),
            "court": "Commissariat de Montauban",
            "outcome": "Audition faite à Montauban",
        },
    )
    support.hearing_save(
        actor=shelter,
        case=case,
        data={
            "kind": "trial",
            "at": timezone.now() + datetime.timedelta(days=30),
            "court": "TJ de Marseille",
        },
    )
    partner_page = client(network, "partner").get(record_url(person)).content.decode()
    assert "Montauban" not in partner_page and "TJ de Marseille" in partner_page
    calendar = client(network, "partner").get(reverse("support:calendar")).content.decode()
    assert "TJ de Marseille" in calendar
    assert "Montauban" in client(network, "shelter_staff").get(record_url(person)).content.decode()
    # The court and outcome are stored encrypted, like the rest of the legal data.
    with connection.cursor() as cursor:
        cursor.execute("SELECT court, outcome FROM support_hearing")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert "Montauban" not in stored and "Marseille" not in stored


def test_a_leap_day_does_not_break_the_dates(network, monkeypatch):
    person = followed_only(network)
    monkeypatch.setattr(support.timezone, "localdate", lambda: datetime.date(2028, 2, 29))
    step = support.step_save(
        actor=network.user("partner"), person=person, data={**STEP, "started_on": datetime.date(2028, 2, 1)}
    )
    assert step.started_on == datetime.date(2028, 2, 1)


def test_people_born_before_1990_can_be_recorded(network):
    person = followed_only(network, birth_date=datetime.date(1961, 3, 9), age=None)
    assert person.age >= 64


def test_a_renewed_document_is_no_longer_reminded_nor_shown_as_expiring(network):
    person = followed_only(network)
    partner = network.user("partner")
    expiry = today() + datetime.timedelta(days=35)
    support.permit_save(
        actor=partner,
        person=person,
        data={
            "kind": "temporary_permit",
            "status": "granted",
            "starts_on": expiry - datetime.timedelta(days=365),
            "expires_on": expiry,
        },
    )
    support.permit_save(
        actor=partner,
        person=person,
        data={
            "kind": "renewal",
            "status": "granted",
            "starts_on": expiry,
            "expires_on": expiry + datetime.timedelta(days=730),
        },
    )
    assert support.reminders_send(today=today() + datetime.timedelta(days=5))["permits"] == 0
    listed = client(network, "partner").get(reverse("support:people")).context["people"]
    assert [p.next_expiry for p in listed] == [expiry + datetime.timedelta(days=730)]


@pytest.mark.parametrize(
    ("save", "data", "field"),
    [
        (
            "case",
            {"offence": "pimping", "stage": "complaint", "outcome": "conviction", "decided_on": today()},
            "stage",
        ),
        (
            "claim",
            {
                "awarded_amount": "100",
                "awarded_on": today(),
                "paid_amount": "100",
                "paid_on": today() - datetime.timedelta(days=2),
            },
            "paid_on",
        ),
        (
            "hearing",
            {"kind": "hearing", "at": timezone.now() - datetime.timedelta(days=400), "court": "TJ"},
            "at",
        ),
    ],
)
def test_dates_and_stages_follow_each_other(network, save, data, field):
    person = followed_only(network)
    partner = network.user("partner")
    case = support.case_save(
        actor=partner,
        person=person,
        data={
            "offence": "trafficking",
            "stage": "trial",
            "complaint_on": today() - datetime.timedelta(days=100),
        },
    )
    with pytest.raises(DomainError) as error:
        if save == "case":
            support.case_save(actor=partner, person=person, data=data)
        elif save == "claim":
            base = {
                "body": "civi",
                "filed_on": today() - datetime.timedelta(days=30),
                "claimed_amount": "500",
            }
            support.claim_save(actor=partner, case=case, data={**base, **data})
        else:
            support.hearing_save(actor=partner, case=case, data=data)
    assert error.value.field == field


def test_reminder_mails_carry_a_full_link(network, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://abri.example.invalid"
    person = followed_only(network)
    support.permit_save(
        actor=network.user("partner"),
        person=person,
        data={
            "kind": "receipt",
            "status": "granted",
            "starts_on": today() - datetime.timedelta(days=80),
            "expires_on": today() + datetime.timedelta(days=20),
        },
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        support.reminders_send()
    assert mail.outbox and f"https://abri.example.invalid/support/people/{person.pk}/" in mail.outbox[0].body


def test_a_hearing_is_changed_only_by_the_organisation_that_recorded_it(network):
    stay = resident(network)
    person = stay.request.person
    follow(network, person)
    case = support.case_save(
        actor=network.user("shelter_staff"), person=person, data={"offence": "pimping", "stage": "trial"}
    )
    data = {"kind": "trial", "at": timezone.now() + datetime.timedelta(days=20), "court": "TJ de Lyon"}
    hearing = support.hearing_save(actor=network.user("shelter_staff"), case=case, data=data)
    # The partner may add its own hearing to the shelter's proceeding, not rewrite the shelter's.
    support.hearing_save(actor=network.user("partner"), case=case, data={**data, "court": "TJ de Paris"})
    with pytest.raises(DomainError):
        support.hearing_save(
            actor=network.user("partner"), case=case, hearing=hearing, data={**data, "court": "X"}
        )
    edit = reverse("support:edit", kwargs={"kind": "hearing", "pk": hearing.pk})
    assert client(network, "partner").get(edit).status_code == 404
    assert client(network, "shelter_staff").get(edit).status_code == 200
    assert client(network, "coordinator").get(edit).status_code == 200
    page = client(network, "partner").get(record_url(person)).content.decode()
    assert edit not in page  # no "Change" link where the partner cannot change
