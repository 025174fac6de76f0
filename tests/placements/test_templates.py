"""Placement pages: needs listed with separators between them; a closed proposal says so."""

from __future__ import annotations

from types import SimpleNamespace

from django.template.loader import render_to_string
from django.utils import translation


def _needs(**profile):
    defaults = {"needs_wheelchair": False, "needs": [], "gender": "", "household": []}
    with translation.override("en"):
        context = {"profile": SimpleNamespace(**{**defaults, **profile})}
        html = render_to_string("placements/_profile.html", context)
    start = html.index("<dt>Needs</dt><dd>") + len("<dt>Needs</dt><dd>")
    return " ".join(html[start : html.index("</dd>", start)].split())


def test_the_first_need_has_no_separator_before_it():
    assert _needs(needs=["psychological"]) == "psychological care"
    assert _needs(needs=["health", "psychological"]) == "health care · psychological care"
    assert _needs(needs_wheelchair=True, needs=["health"]) == "wheelchair access · health care"
    assert _needs() == "none declared"


def _person_needs(wheelchair=False, **health):
    person = SimpleNamespace(needs_wheelchair=wheelchair, health_needs=health)
    with translation.override("en"):
        html = render_to_string("referrals/_profile.html", {"person": person})
    start = html.index("<dt>Needs</dt><dd>") + len("<dt>Needs</dt><dd>")
    return " ".join(html[start : html.index("</dd>", start)].split())


def test_the_request_page_lists_the_needs_the_same_way():
    assert _person_needs(psychological=True) == "psychological care"
    assert _person_needs(health=True, pregnancy=True) == "health care · pregnancy"
    assert _person_needs(True, addiction=True) == "wheelchair access · addiction"


def test_a_closed_proposal_says_there_is_nothing_more_to_do(network):
    # The walk of issue 12: a refused proposal showed an empty "What to do" panel.
    from django.test import Client
    from django.urls import reverse

    from abri.placements import services as placements
    from tests.conftest import sign_in
    from tests.network.factories import make_shelter
    from tests.placements.factories import searching_request

    shelter = make_shelter(network, network.org("shelter_operator"), 0, dedicated_places=3, max_children=2)
    req = searching_request(network)
    coordinator, staff = network.user("coordinator"), network.user("shelter_staff")
    (proposal,) = placements.proposals_create(actor=coordinator, request=req, shelters=[shelter])
    placements.proposal_refuse(actor=staff, proposal=proposal, reason="no_place", text="")
    client = sign_in(Client(), staff)
    page = client.get(reverse("placements:proposal", args=[proposal.pk]), HTTP_ACCEPT_LANGUAGE="en").content
    assert b"Nothing more to do: this proposal is closed." in page
