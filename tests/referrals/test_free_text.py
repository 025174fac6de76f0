"""Issue 12, item 7: free text reaches the referrer only when it was written for them.

A referrer reads coded reasons (event kinds, refusal reason codes), what the coordinators wrote
for them (a decision's reason) and the message thread; a shelter's withdrawal reason, a missed
arrival's reason, a disclosure's reason or the escort's name never. Every free-text field says
who will read what is typed.
"""

from __future__ import annotations

import datetime
import importlib
import pkgutil
import re

from django import forms
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

import abri
from abri.placements import services as placements
from abri.placements.models import Proposal
from abri.referrals import services as referrals
from tests.conftest import sign_in
from tests.network.factories import make_shelter
from tests.placements.factories import searching_request
from tests.referrals.factories import make_request

WITHDRAWAL = "Notre CHRS L'Escale à Annonay ne peut plus"
MISSED = "Pas venue au train de Quimperlé"
DISCLOSURE = "Le juge de Brest le demande"
ESCORT = "Martine Canari"
REFUSAL_TEXT = "Trop proche de Vannes"


def _transfer(escort: str = ESCORT) -> dict:
    return {
        "travel_date": timezone.localdate() + datetime.timedelta(days=1),
        "travel_mode": "train",
        "departure_place": "Gare Saint-Charles",
        "departure_time": datetime.time(8, 12),
        "arrival_place": "Gare de Rennes",
        "arrival_time": datetime.time(15, 40),
        "meeting_point": "Hall 2",
        "escort": escort,
        "grant_amount": 0,
    }


def _journey(network):
    """Refused, withdrawn by the shelter, not arrived, then travelling with an escort, disclosed."""
    coordinator, staff = network.user("coordinator"), network.user("shelter_staff")
    shelter = make_shelter(network, network.org("shelter_operator"), 0, dedicated_places=3, max_children=2)
    req = searching_request(network)

    def agreed():
        (proposal,) = placements.proposals_create(actor=coordinator, request=req, shelters=[shelter])
        placements.proposal_agree(actor=staff, proposal=proposal)
        return Proposal.objects.get(pk=proposal.pk)

    (refused,) = placements.proposals_create(actor=coordinator, request=req, shelters=[shelter])
    placements.proposal_refuse(actor=staff, proposal=refused, reason="other", text=REFUSAL_TEXT)
    placements.interview_withdraw(actor=staff, proposal=agreed(), by_person=False, reason=WITHDRAWAL)
    proposal = agreed()
    placements.interview_confirm(actor=staff, proposal=proposal)
    placements.arrival_missed(actor=coordinator, proposal=proposal, search_again=True, reason=MISSED)
    proposal = agreed()
    placements.interview_confirm(actor=staff, proposal=proposal)
    placements.transfer_plan(actor=coordinator, proposal=proposal, data=_transfer())
    placements.location_disclose(actor=coordinator, request=req, reason=DISCLOSURE)
    return req


def _page(network, role, req):
    client = sign_in(Client(), network.user(role))
    return client.get(reverse("referrals:detail", args=[req.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_referrer_never_reads_free_text_not_written_for_them(network):
    req = _journey(network)
    page = _page(network, "referrer", req)
    for secret in (
        WITHDRAWAL,
        "L&#x27;Escale",
        "Annonay",
        MISSED,
        DISCLOSURE,
        ESCORT,
        "Canari",
        REFUSAL_TEXT,
    ):
        assert secret not in page, secret
    # The coded facts stay: what happened, the refusal's reason code, the departure side.
    assert "Withdrawn by the shelter" in page and "Did not arrive" in page
    assert "Other reason" in page  # the refusal's code, as its label
    assert "Gare Saint-Charles" in page


def test_coordinators_read_every_reason(network):
    req = _journey(network)
    page = _page(network, "coordinator", req)
    for text in ("L&#x27;Escale", MISSED, DISCLOSURE):
        assert text in page, text


def test_the_referrer_reads_what_the_coordinators_wrote_for_them(network):
    req = make_request(network)
    referrals.request_transition(
        actor=network.user("coordinator"),
        request=req,
        name="request_information",
        reason="Précisez la ville.",
    )
    page = _page(network, "referrer", req)
    assert page.count("Précisez la ville.") >= 1
    assert "« Précisez la ville. »" in page  # on the timeline as well
    # The banner's label follows the language's punctuation: no space before the colon in English.
    assert "<strong>Reason:</strong> Précisez la ville." in page


def _form_classes():
    for module_info in pkgutil.walk_packages(abri.__path__, "abri."):
        if not module_info.name.endswith(".forms"):
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == module.__name__
                and hasattr(value, "base_fields")
            ):
                yield value


# Single-line fields where people write sentences or names, not codes.
FREE_TEXT_LINES = {
    ("ConsentForm", "obtained_by"),
    ("TransferForm", "departure_place"),
    ("TransferForm", "arrival_place"),
    ("TransferForm", "meeting_point"),
    ("TransferForm", "escort"),
    ("InterviewForm", "link"),
    ("CaseForm", "complaint_place"),
    ("CaseForm", "lawyer"),
    ("HearingForm", "court"),
    ("HearingForm", "outcome"),
    ("UnavailabilityForm", "reason"),
}
WHO_READS = re.compile(r"\b(read|reads|shown|sees?|seen)\b", re.IGNORECASE)


def test_every_free_text_field_says_who_reads_it():
    checked, silent, lines = 0, [], set()
    with translation.override("en"):
        for form in _form_classes():
            for name, field in form.base_fields.items():
                textarea = isinstance(field, forms.CharField) and isinstance(field.widget, forms.Textarea)
                if not textarea and (form.__name__, name) not in FREE_TEXT_LINES:
                    continue
                lines.add((form.__name__, name))
                checked += 1
                if not WHO_READS.search(str(field.help_text or "")):
                    silent.append(f"{form.__module__}.{form.__name__}.{name}")
    assert lines >= FREE_TEXT_LINES, FREE_TEXT_LINES - lines  # the list names real fields
    assert checked >= 25
    assert not silent, silent


def test_the_decision_form_says_who_reads_the_reason(network):
    req = make_request(network)
    coordinator = _page(network, "coordinator", req)
    assert "the field worker reads it" in coordinator
    referrals.request_transition(actor=network.user("coordinator"), request=req, name="accept")
    referrer = _page(network, "referrer", req)
    assert "Read by the coordinators" in referrer


def test_the_referrer_reads_the_reasons_of_the_request_page_decisions_only():
    from abri.referrals.selectors import REASON_FOR_THE_REFERRER

    assert {"request_information", "redirect", "decline", "close", "withdraw"} == REASON_FOR_THE_REFERRER


def test_an_event_without_a_reason_shows_no_reason(network):
    # An empty reason is stored as NULL (encrypted fields): the timeline read "« None »" on every
    # event without one, for coordinators and for the referrer's own steps alike.
    req = searching_request(network)
    for role in ("coordinator", "referrer"):
        page = _page(network, role, req)
        assert "None" not in page, role


def test_the_decision_reason_does_not_outlive_its_status(network):
    """Review of issue 12: a request closed by an exit kept showing coordinators the reason of an
    older decision (asked for information) under its new status."""
    from abri.referrals import selectors

    req = make_request(network)  # submitted
    coordinator = network.user("coordinator")
    referrals.request_transition(
        actor=coordinator, request=req, name="request_information", reason="Quelle ville ?"
    )
    req.refresh_from_db()
    assert selectors.decision_reason(coordinator, req) == "Quelle ville ?"
    referrals.request_transition(actor=network.user("referrer"), request=req, name="provide_information")
    req.refresh_from_db()
    assert selectors.decision_reason(coordinator, req) == ""
