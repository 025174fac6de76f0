"""Who reads a person's identity, in which state, and that every read is recorded.

SECURITY.md: shelter staff read a person's identity only while its agreed proposal or its stay is
current; afterwards the anonymised profile only. Every response that shows a person's name has a
``read.sensitive`` event targeting that Person, written during the response.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from abri.access.policy import identity_persons_for_user, identity_visible
from abri.audit.chain import verify_chain
from abri.audit.models import AuditEvent
from abri.placements import services as placements
from abri.placements.models import ProposalStatus, Stay
from abri.referrals import services as referrals
from abri.referrals.models import Request, Status
from tests.conftest import sign_in
from tests.network.factories import make_shelter
from tests.placements.factories import searching_request
from tests.referrals.factories import PERSON, make_attachment, make_request
from tests.support.factories import follow, followed_only

P = ProposalStatus
# What a page may not show once the identity is no longer the reader's to see.
SECRETS = ("Aïcha", "Exemple", "+33 6 00 00 00 01", "1998", "nigériane")


def client(network, role, side="own"):
    return sign_in(Client(), network.user(role, side))


@pytest.fixture
def shelter(network):
    return make_shelter(network, network.org("shelter_operator"), 0, dedicated_places=30, max_children=2)


def proposed(network, shelter):
    (proposal,) = placements.proposals_create(
        actor=network.user("coordinator"), request=searching_request(network), shelters=[shelter]
    )
    return proposal


def agreed(network, shelter):
    proposal = proposed(network, shelter)
    return placements.proposal_agree(actor=network.user("shelter_staff"), proposal=proposal)


def confirmed(network, shelter):
    proposal = agreed(network, shelter)
    return placements.interview_confirm(actor=network.user("shelter_staff"), proposal=proposal)


def staying(network, shelter):
    proposal = confirmed(network, shelter)
    return placements.arrival_confirm(actor=network.user("shelter_staff"), proposal=proposal)


def exited(network, shelter):
    stay = staying(network, shelter)
    placements.stay_exit(
        actor=network.user("shelter_staff"), stay=stay, day=timezone.localdate(), outcome="housing"
    )
    return Stay.objects.get(pk=stay.pk)


def moved_after_incident(network, shelter):
    stay = staying(network, shelter)
    placements.incident_report(
        actor=network.user("shelter_staff"), stay=stay, kind="found", description="Vu devant le foyer"
    )
    return Stay.objects.get(pk=stay.pk)


def person_of(obj):
    return obj.request.person


# -- the predicate, state by state ----------------------------------------------------------


def test_shelter_reads_identity_only_while_the_placement_is_current(network, shelter):
    staff, other_staff = network.user("shelter_staff"), network.user("shelter_staff", "other")
    coordinator = network.user("coordinator")
    pending = proposed(network, shelter)
    refused = placements.proposal_refuse(
        actor=staff, proposal=proposed(network, shelter), reason="no_place", text=""
    )
    expiring = proposed(network, shelter)
    placements.proposals_expire(now=expiring.expires_at + datetime.timedelta(minutes=1))
    withdrawn = placements.interview_withdraw(
        actor=staff, proposal=agreed(network, shelter), by_person=True, reason="Ne souhaite plus partir"
    )
    missed = placements.arrival_missed(
        actor=coordinator, proposal=confirmed(network, shelter), search_again=True, reason="Pas venue"
    )
    visible = {
        "agreed": agreed(network, shelter),
        "confirmed": confirmed(network, shelter),
        "current stay": staying(network, shelter),
    }
    hidden = {
        "pending": pending,
        "refused": refused,
        "expired": expiring,
        "withdrawn": withdrawn,
        "not arrived": missed,
        "exit": exited(network, shelter),
        "incident": moved_after_incident(network, shelter),
    }
    readable = set(identity_persons_for_user(staff).values_list("pk", flat=True))
    for state, obj in visible.items():
        assert identity_visible(staff, person_of(obj)), state
        assert person_of(obj).pk in readable, state
        assert not identity_visible(other_staff, person_of(obj)), state
    for state, obj in hidden.items():
        assert not identity_visible(staff, person_of(obj)), state
        assert person_of(obj).pk not in readable, state
        assert identity_visible(coordinator, person_of(obj)), state


def test_an_agreed_proposal_on_a_closed_request_releases_nothing(network, shelter):
    proposal = agreed(network, shelter)
    staff = network.user("shelter_staff")
    assert identity_visible(staff, person_of(proposal))
    # Whatever path closed the request, the predicate itself holds the rule.
    Request.objects.filter(pk=proposal.request_id).update(status=Status.CLOSED)
    assert not identity_visible(staff, person_of(proposal))


def test_other_roles(network):
    mine, theirs = make_request(network), make_request(network, side="other")
    followed = followed_only(network)
    assert identity_visible(network.user("referrer"), mine.person)
    assert not identity_visible(network.user("referrer"), theirs.person)
    assert identity_visible(network.user("partner"), followed)
    assert not identity_visible(network.user("partner", "other"), followed)
    assert not identity_visible(network.user("partner"), mine.person)
    follow(network, mine.person)
    assert identity_visible(network.user("partner"), mine.person)
    for role in ("observer", "shelter_staff"):
        assert not identity_visible(network.user(role), mine.person), role
    assert not identity_persons_for_user(network.user("observer")).exists()


# -- pages of a former shelter --------------------------------------------------------------


def assert_no_identity(page):
    for secret in SECRETS:
        assert secret not in page, secret


@pytest.mark.parametrize("ending", [exited, moved_after_incident])
def test_a_former_shelter_sees_the_anonymised_profile_only(network, shelter, ending):
    stay = ending(network, shelter)
    staff = client(network, "shelter_staff")
    for url in (
        reverse("placements:stay", args=[stay.pk]),
        reverse("placements:proposal", args=[stay.proposal_id]),
        reverse("home"),
        reverse("placements:inbox"),
        reverse("placements:residents"),
    ):
        response = staff.get(url)
        assert response.status_code == 200, url
        assert_no_identity(response.content.decode())
    page = staff.get(reverse("placements:stay", args=[stay.pk])).content.decode()
    assert stay.request.person.reference in page and "25–34" in page  # the history stays, anonymised
    assert reverse("support:record", args=[stay.request.person_id]) not in page


def test_a_withdrawn_or_refused_proposal_shows_no_identity(network, shelter):
    staff_user = network.user("shelter_staff")
    withdrawn = placements.interview_withdraw(
        actor=staff_user, proposal=agreed(network, shelter), by_person=False, reason="Plus de place"
    )
    refused = placements.proposal_refuse(
        actor=staff_user, proposal=proposed(network, shelter), reason="profile", text=""
    )
    staff = client(network, "shelter_staff")
    for proposal in (withdrawn, refused):
        assert_no_identity(staff.get(reverse("placements:proposal", args=[proposal.pk])).content.decode())
    assert not AuditEvent.objects.filter(action="read.sensitive", actor=staff_user).exists()


# -- every response that shows a name records the read --------------------------------------


def fetch_and_check(browser, url, person, *, shows=True):
    """GET the page; if it shows the person's name, a read event of that person was written by it."""
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = browser.get(url)
    assert response.status_code == 200, url
    body = response.content.decode()
    shown = person.first_name in body or person.phone in body
    assert shown == shows, url
    events = AuditEvent.objects.filter(
        id__gt=before, action="read.sensitive", object_type="referrals.person", object_id=str(person.pk)
    )
    assert events.exists() == shows, url
    assert events.count() <= 1, url  # once per person per response
    if shows:
        assert "identity" in events.get().data["fields"]
    return body


def test_pages_that_show_a_name_record_the_read(network, shelter):
    stay = staying(network, shelter)
    person = stay.request.person
    follow(network, person)
    staff, coordinator = client(network, "shelter_staff"), client(network, "coordinator")
    referrer, partner = client(network, "referrer"), client(network, "partner")
    fetch_and_check(staff, reverse("home"), person)
    fetch_and_check(staff, reverse("placements:stay", args=[stay.pk]), person)
    fetch_and_check(staff, reverse("placements:proposal", args=[stay.proposal_id]), person)
    fetch_and_check(staff, reverse("support:record", args=[person.pk]), person)
    fetch_and_check(coordinator, reverse("placements:proposal", args=[stay.proposal_id]), person)
    fetch_and_check(coordinator, reverse("placements:stay", args=[stay.pk]), person)
    fetch_and_check(coordinator, reverse("referrals:detail", args=[stay.request_id]), person)
    fetch_and_check(coordinator, reverse("support:record", args=[person.pk]), person)
    fetch_and_check(referrer, reverse("referrals:detail", args=[stay.request_id]), person)
    fetch_and_check(partner, reverse("support:record", args=[person.pk]), person)
    # Lists by reference and pseudonym read no identity.
    for browser, url in (
        (staff, reverse("placements:inbox")),
        (staff, reverse("placements:residents")),
        (coordinator, reverse("referrals:worklist")),
        (partner, reverse("home")),
        (partner, reverse("support:people")),
        (referrer, reverse("referrals:mine")),
    ):
        fetch_and_check(browser, url, person, shows=False)


def test_a_pending_proposal_shows_and_records_nothing(network, shelter):
    proposal = proposed(network, shelter)
    fetch_and_check(
        client(network, "shelter_staff"),
        reverse("placements:proposal", args=[proposal.pk]),
        person_of(proposal),
        shows=False,
    )


def test_the_referrers_draft_pages_record_the_read(network):
    draft = make_request(network, submitted=False)
    referrer = client(network, "referrer")
    body = fetch_and_check(referrer, reverse("referrals:step", args=[draft.pk, 1]), draft.person)
    assert PERSON["last_name"] in body  # the form is filled from the accessor
    fetch_and_check(referrer, reverse("referrals:step", args=[draft.pk, 6]), draft.person)
    fetch_and_check(referrer, reverse("referrals:step", args=[draft.pk, 3]), draft.person, shows=False)


def test_the_subject_access_export_records_the_read(network):
    req = make_request(network)
    fetch_and_check(
        client(network, "coordinator"), reverse("referrals:person_export", args=[req.person_id]), req.person
    )


def test_a_document_download_records_the_identity_read(network):
    attachment = make_attachment(network)
    person = attachment.request.person
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    response = client(network, "referrer").get(reverse("referrals:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        id__gt=before, action="read.sensitive", object_type="referrals.person", object_id=str(person.pk)
    ).exists()


def test_the_shelter_home_lists_residents_by_name_with_one_query_budget(network, shelter):
    staff = client(network, "shelter_staff")

    def count():
        before = AuditEvent.objects.count()
        with CaptureQueriesContext(connection) as ctx:
            response = staff.get(reverse("home"))
        assert response.status_code == 200
        return (
            len(ctx.captured_queries),
            len(response.context["residents"]),
            AuditEvent.objects.count() - before,
        )

    staying(network, shelter)
    few, rows, events = count()
    assert rows == 1 and events == 1
    for _ in range(4):
        staying(network, shelter)
    many, more_rows, more_events = count()
    assert more_rows == 5 and more_events == 5 and many == few
    assert verify_chain().ok  # events appended together still chain one after the other


def test_the_shelter_home_after_an_exit_shows_no_name(network, shelter):
    stay = staying(network, shelter)
    staff = client(network, "shelter_staff")
    assert "Aïcha" in staff.get(reverse("home")).content.decode()
    placements.stay_exit(
        actor=network.user("shelter_staff"), stay=stay, day=timezone.localdate(), outcome="housing"
    )
    fetch_and_check(staff, reverse("home"), stay.request.person, shows=False)


def test_the_coordinators_proposal_page_records_the_read_even_before_agreement(network, shelter):
    proposal = proposed(network, shelter)
    fetch_and_check(
        client(network, "coordinator"),
        reverse("placements:proposal", args=[proposal.pk]),
        person_of(proposal),
    )


def test_erasure_leaves_nothing_to_read(network):
    req = make_request(network)
    referrals.person_erase(actor=network.user("coordinator"), person=req.person, reason="Demande")
    req.person.refresh_from_db()
    assert not identity_visible(network.user("coordinator"), req.person)


# -- no template reads identity past the accessor -------------------------------------------

IDENTITY_ATTRIBUTES = (
    "first_name",
    "last_name",
    "aliases",
    "birth_date",
    "nationality",
    "phone",
    "full_name",
)
# Template expressions that read one of those names on something that is not a Person (a user, an
# organisation, a training attendee): each one is a staff member's or an organisation's contact.
NOT_A_PERSON = {
    ("network/directory.html", "org.phone"),
    ("network/directory_detail.html", "organisation.phone"),
    ("training/session_detail.html", "a.full_name"),
}
ACCESS = re.compile(r"([\w.]+)\.(" + "|".join(IDENTITY_ATTRIBUTES) + r")\b")
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def template_files():
    for directory in settings.TEMPLATES[0]["DIRS"] or []:
        yield from Path(directory).rglob("*.html")
    root = Path(settings.BASE_DIR) / "abri"
    yield from root.glob("*/templates/**/*.html")


def test_templates_read_identity_only_through_the_accessor():
    """A person's identity reaches a template as an ``identity`` object, which recorded the read."""
    offenders = []
    seen = 0
    for path in set(template_files()):
        seen += 1
        name = str(path).split("templates/", 1)[1]
        for tag in TAG.findall(path.read_text()):
            for owner, attribute in ACCESS.findall(tag):
                if owner.split(".")[-1] == "identity" or (name, f"{owner}.{attribute}") in NOT_A_PERSON:
                    continue
                offenders.append(f"{name}: {owner}.{attribute}")
    assert seen > 50
    assert not offenders, offenders


# Python modules that read identity attributes of a Person on purpose: the accessor itself, and
# the request services that compute the keyed duplicate hashes (never shown to anyone).
READS_PERSONS_ON_PURPOSE = {"access/policy.py", "referrals/services.py"}
# Objects that have a name or phone of their own and are never a sheltered person.
NOT_A_PERSON_OWNERS = {"identity", "self", "user", "actor", "member", "candidate", "org", "organisation"}
PY_ACCESS = re.compile(r"\b(\w+)\.(first_name|last_name|aliases|birth_date|nationality|phone)\b")


def test_code_reads_identity_only_through_the_accessor():
    """No view, selector or export puts a Person's identity in a context or a file by itself."""
    root = Path(settings.BASE_DIR) / "abri"
    offenders = []
    for path in root.rglob("*.py"):
        name = str(path.relative_to(root))
        if "migrations" in path.parts or path.name == "demo.py" or name in READS_PERSONS_ON_PURPOSE:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for owner, attribute in PY_ACCESS.findall(line):
                if owner not in NOT_A_PERSON_OWNERS:
                    offenders.append(f"{name}:{number}: {owner}.{attribute}")
    assert not offenders, offenders
