"""Retention (SECURITY.md bar 14): a file is anonymised two years after its last activity, never
while it is active. Activity is the latest of the person's requests, stays, messages and support
record; an open request, a current stay, an open follow-up, a running proceeding or a hearing to
come keeps the file whatever the dates.

Each test runs the job two years and a day from now, so that everything made now is old, and
dates the one recent thing it needs just before that day.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abri.audit.models import AuditEvent
from abri.referrals import services as referrals
from abri.referrals.models import Message, Person, Request, Status
from abri.referrals.services import retention_anonymise
from abri.support import services as support
from abri.support.models import SupportEvent, SupportFollow
from tests.referrals.factories import make_request
from tests.support.factories import follow, followed_only, resident

LATER = datetime.timedelta(days=2 * 365 + 1)


def later() -> datetime.datetime:
    return timezone.now() + LATER


def closed_request(network: Any) -> Request:
    req = make_request(network)
    Request.objects.filter(pk=req.pk).update(status=Status.CLOSED)
    return Request.objects.get(pk=req.pk)


def is_anonymised(person_id: Any) -> bool:
    person = Person.objects.get(pk=person_id)
    return person.erased_at is not None and person.first_name is None


def end_follows(network: Any, person: Any) -> None:
    for each in SupportFollow.objects.filter(person=person, ended_on__isnull=True):
        support.follow_end(actor=network.user("coordinator"), follow=each)


def test_a_resident_in_a_long_quiet_stay_is_kept(network: Any) -> None:
    stay = resident(network)
    assert Request.objects.get(pk=stay.request_id).status == Status.IN_STAY
    assert retention_anonymise(now=later()) == 0
    assert not is_anonymised(stay.request.person_id)


def test_an_open_follow_up_keeps_the_file(network: Any) -> None:
    req = closed_request(network)
    follow(network, req.person)
    assert retention_anonymise(now=later()) == 0
    assert not is_anonymised(req.person_id)


def test_a_running_proceeding_keeps_the_file(network: Any) -> None:
    req = closed_request(network)
    follow(network, req.person)
    data = {"offence": "trafficking", "stage": "trial", "outcome": "pending"}
    support.case_save(actor=network.user("coordinator"), person=req.person, data=data)
    end_follows(network, req.person)
    assert retention_anonymise(now=later()) == 0
    assert not is_anonymised(req.person_id)


def test_a_hearing_to_come_keeps_the_file(network: Any) -> None:
    req = closed_request(network)
    follow(network, req.person)
    coordinator = network.user("coordinator")
    decided_on = timezone.localdate() - datetime.timedelta(days=30)
    data = {"offence": "trafficking", "stage": "closed", "outcome": "conviction", "decided_on": decided_on}
    case = support.case_save(actor=coordinator, person=req.person, data=data)
    hearing = support.hearing_save(
        actor=coordinator,
        case=case,
        data={"kind": "civi", "at": timezone.now() + datetime.timedelta(days=30), "court": "CIVI Lyon"},
    )
    end_follows(network, req.person)
    type(hearing).objects.filter(pk=hearing.pk).update(at=later() + datetime.timedelta(days=30))
    assert retention_anonymise(now=later()) == 0
    assert not is_anonymised(req.person_id)


def test_a_recent_support_entry_keeps_the_file(network: Any) -> None:
    req = closed_request(network)
    follow(network, req.person)
    end_follows(network, req.person)
    SupportEvent.objects.filter(person=req.person).update(at=later() - datetime.timedelta(days=10))
    assert retention_anonymise(now=later()) == 0
    assert not is_anonymised(req.person_id)


def test_a_recent_message_keeps_the_file(network: Any) -> None:
    req = make_request(network)
    message = referrals.message_post(actor=network.user("referrer"), request=req, body="Nouvelles ?")
    Request.objects.filter(pk=req.pk).update(status=Status.CLOSED)
    Message.objects.filter(pk=message.pk).update(created_at=later() - datetime.timedelta(days=10))
    assert retention_anonymise(now=later()) == 0
    assert not is_anonymised(req.person_id)


def test_a_person_recorded_by_a_partner_without_request_is_anonymised_when_inactive(network: Any) -> None:
    person = followed_only(network)
    assert not person.requests.exists()
    assert retention_anonymise(now=later()) == 0  # followed: kept
    end_follows(network, person)
    assert retention_anonymise(now=later()) == 1
    assert is_anonymised(person.pk)
    event = AuditEvent.objects.get(action="person.retention_anonymise", object_id=str(person.pk))
    assert event.data["last_activity"] < later().isoformat()


def test_a_truly_inactive_file_is_anonymised_and_a_recent_one_kept(network: Any) -> None:
    old = closed_request(network)
    recent = closed_request(network)
    Request.objects.filter(pk=recent.pk).update(updated_at=later() - datetime.timedelta(days=10))
    assert retention_anonymise(now=later()) == 1
    assert is_anonymised(old.person_id)
    assert not is_anonymised(recent.person_id)
    assert retention_anonymise(now=later()) == 0  # once


@pytest.mark.parametrize("kept", [1, 4])
def test_choosing_the_files_costs_the_same_queries_for_any_number_of_people(network: Any, kept: int) -> None:
    for _ in range(kept):
        resident(network)
        follow(network, closed_request(network).person)
    with CaptureQueriesContext(connection) as queries:
        assert retention_anonymise(now=later()) == 0
    assert len(queries) <= 2, [q["sql"][:200] for q in queries]
