"""Every route × every role, generated from the URL configuration (SECURITY.md bar 6).

A route without a rule in ``abri.access.routes.ROUTES`` fails here, and so does a route whose
answer differs from its rule, for anonymous visitors, each role, and for object routes both an
object of the user's own organisation and one of another organisation.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from abri.access.downloads import DOWNLOADS
from abri.access.roles import EVERY_ROLE
from abri.access.routes import ROUTES
from tests.conftest import Network, sign_in
from tests.network.factories import make_shelter


def iter_routes(resolver: URLResolver | None = None, namespace: str = "") -> list[tuple[str, URLPattern]]:
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.extend(iter_routes(entry, inner))
        elif entry.name:
            found.append((f"{namespace}{entry.name}", entry))
        else:
            found.append((f"{namespace}<unnamed {entry.pattern}>", entry))
    return found


ALL_ROUTES = sorted({name for name, _ in iter_routes()})


def test_every_route_has_a_declared_rule():
    undeclared = [name for name in ALL_ROUTES if name not in ROUTES]
    assert not undeclared, f"routes without an access rule in abri/access/routes.py: {undeclared}"


def test_no_rule_is_left_for_a_route_that_is_gone():
    assert not set(ROUTES) - set(ALL_ROUTES)


# How to name "an object of this user's organisation" and "one of another organisation" in a URL.
def _org_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    org = user.organisation if side == "own" else network.org("referrer", "other")
    return {"pk": org.pk}


def _user_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    target = user if side == "own" else network.user("referrer", "other")
    return {"pk": target.pk}


def _shelter(network: Network, side: str) -> Any:
    from abri.network.models import Shelter

    operator = network.org("shelter_operator", side)
    return Shelter.objects.filter(operator=operator).first() or make_shelter(network, operator)


def _shelter_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    # Coordinators own no shelter: for them "own" is any shelter, which they reach anyway.
    return {"pk": _shelter(network, side).pk}


def _directory_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    # "other": another referring organisation, which every role of the directory may read.
    org = user.organisation if side == "own" else network.org("referrer", "other")
    return {"pk": org.pk}


def _request(network: Network, side: str, *, submitted: bool) -> Any:
    from tests.referrals.factories import make_request

    return make_request(network, side=side, submitted=submitted)


def _request_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    return {"pk": _request(network, side, submitted=True).pk}


def _request_step_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    return {"pk": _request(network, side, submitted=False).pk, "step": 1}


def _person_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    return {"pk": _request(network, side, submitted=True).person_id}


def _attachment_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    from tests.referrals.factories import make_attachment

    return {"pk": make_attachment(network, side=side).pk}


def _proposal(network: Network, side: str, *, arrive: bool = False) -> Any:
    from abri.placements import services
    from tests.placements.factories import searching_request

    operator = network.org("shelter_operator", side)
    shelter = make_shelter(
        network, operator, 0, dedicated_places=3, max_children=2, name=f"CHRS Route {uuid.uuid4().hex[:8]}"
    )
    (proposal,) = services.proposals_create(
        actor=network.user("coordinator"), request=searching_request(network), shelters=[shelter]
    )
    if arrive:
        staff = network.user("shelter_staff", side)
        services.proposal_agree(actor=staff, proposal=proposal)
        services.interview_confirm(actor=staff, proposal=proposal)
        return services.arrival_confirm(actor=staff, proposal=proposal)
    return proposal


def _proposal_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    return {"pk": _proposal(network, side).pk}


def _stay_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    return {"pk": _proposal(network, side, arrive=True).pk}


def _training_session(network: Network, side: str) -> Any:
    """A past session given by the support partner of that side, attended by the shelter staff
    member of that side: the partner and the shelter of "own" reach it, those of "other" do not."""
    from tests.training.factories import attend, make_session

    session = make_session(
        network, trainer=network.org("support_partner", side), audience="field_professionals", days_ago=10
    )
    attend(network, session, network.user("shelter_staff", side))
    return session


def _training_session_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    return {"pk": _training_session(network, side).pk}


def _attendance_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    # "own": the user's own certificate; "other": another organisation's person at a session
    # another partner gave.
    from tests.training.factories import attend

    attendee = user if side == "own" else network.user("referrer", "other")
    session = _training_session(network, side)
    existing = session.attendances.filter(user=attendee).first()
    return {"pk": (existing or attend(network, session, attendee)).pk}


def _supported_person(network: Network, side: str) -> Any:
    """A resident of that side's shelter, also followed by that side's support partner: the
    shelter and the partner of "own" reach the record, those of "other" do not."""
    from abri.support.models import SupportFollow

    stay = _proposal(network, side, arrive=True)
    SupportFollow.objects.create(
        person=stay.request.person,
        organisation=network.org("support_partner", side),
        started_on=stay.started_on,
        created_by=network.user("coordinator"),
    )
    return stay.request.person


def _support_writer(network: Network, user: Any, side: str) -> Any:
    """Who records the entry: the user's counterpart on that side (a coordinator for other roles)."""
    role = getattr(user, "role", "")
    return network.user(role, side) if role in ("shelter_staff", "partner") else network.user("coordinator")


def _support_person_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    return {"pk": _supported_person(network, side).pk}


def _support_person_add_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    return {"pk": _supported_person(network, side).pk, "kind": "step"}


def _legal_case(network: Network, user: Any, side: str) -> Any:
    from abri.support import services as support

    person = _supported_person(network, side)
    data = {"offence": "trafficking", "stage": "complaint", "outcome": "pending"}
    return support.case_save(actor=_support_writer(network, user, side), person=person, data=data)


def _legal_case_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    return {"pk": _legal_case(network, user, side).pk, "kind": "hearing"}


def _support_entry_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    return {"kind": "case", "pk": _legal_case(network, user, side).pk}


def _support_follow_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    person = _supported_person(network, side)
    return {"pk": person.support_follows.get().pk}


def _support_incident_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    from abri.support.models import SupportIncident

    person = _supported_person(network, side)
    incident = SupportIncident.objects.create(
        person=person,
        organisation=network.org("support_partner", side),
        kind="threat",
        occurred_on=person.created_at.date(),
        description="Synthetic threat",
        emergency_move=True,
        reported_by=network.user("partner", side),
    )
    return {"pk": incident.pk}


def _invitation_kwargs(network: Network, user: Any, side: str) -> dict[str, Any]:
    return {"token": "not-a-valid-token"}


OBJECT_KWARGS: dict[str, Callable[[Network, Any, str], dict[str, Any]]] = {
    "organisation": _org_kwargs,
    "user": _user_kwargs,
    "invitation_token": _invitation_kwargs,
    "shelter": _shelter_kwargs,
    "directory_organisation": _directory_kwargs,
    "request": _request_kwargs,
    "request_step": _request_step_kwargs,
    "person": _person_kwargs,
    "attachment": _attachment_kwargs,
    "proposal": _proposal_kwargs,
    "stay": _stay_kwargs,
    "support_person": _support_person_kwargs,
    "support_person_add": _support_person_add_kwargs,
    "legal_case": _legal_case_kwargs,
    "support_entry": _support_entry_kwargs,
    "support_follow": _support_follow_kwargs,
    "support_incident": _support_incident_kwargs,
    "training_session": _training_session_kwargs,
    "attendance": _attendance_kwargs,
}

# Public object routes answer for an unknown object with their own page, whatever the visitor.
PUBLIC_OBJECT_STATUS = {"invitation_token": 404}


def test_every_object_kind_has_a_builder():
    kinds = {rule.obj for rule in ROUTES.values() if rule.obj}
    assert kinds <= set(OBJECT_KWARGS), f"add a builder for {kinds - set(OBJECT_KWARGS)}"


def _url(name: str, network: Network, user: Any, side: str) -> str:
    rule = ROUTES[name]
    kwargs = OBJECT_KWARGS[rule.obj](network, user, side) if rule.obj else {}
    return reverse(name, kwargs=kwargs)


def _expected(name: str, role: str | None, side: str) -> int:
    rule = ROUTES[name]
    if rule.public:
        return PUBLIC_OBJECT_STATUS.get(rule.obj or "", rule.get_status)
    if role is None:
        return 302  # to the sign-in page
    if rule.pre_mfa:
        return rule.get_status
    if role not in rule.roles:
        return 404
    if rule.get_status == 405:
        return 405  # POST-only: a GET is refused before any object is looked up (checked by POST below)
    if rule.obj and side == "other" and role not in rule.any_organisation:
        return 404
    return rule.get_status


CASES = [
    (name, role, side)
    for name in ALL_ROUTES
    if name in ROUTES
    for role in [None, *sorted(EVERY_ROLE)]
    for side in (("own", "other") if ROUTES[name].obj else ("own",))
]


@pytest.mark.parametrize(("name", "role", "side"), CASES, ids=[f"{n}|{r}|{s}" for n, r, s in CASES])
def test_route_answers_as_declared(network: Network, name: str, role: str | None, side: str) -> None:
    client = Client()
    user = network.user(role) if role else network.user("referrer")
    if role:
        sign_in(client, user)
    response = client.get(_url(name, network, user, side))
    expected = _expected(name, role, side)
    assert response.status_code == expected, (
        f"{name} as {role or 'anonymous'} ({side}): {response.status_code}"
    )
    if response.get("Content-Disposition", "").startswith("attachment"):
        # A file: it must be in the downloads inventory, which tests/access/test_downloads.py plays.
        assert name in DOWNLOADS, f"{name} answers a file: list it in abri/access/downloads.py"
    if expected == 302 and role is None and not ROUTES[name].public:
        assert response["Location"].startswith(reverse("accounts:login"))
    rule = ROUTES[name]
    if rule.get_status == 405 and rule.obj and role in rule.roles:
        # POST-only object routes: the object check happens on POST.
        posted = client.post(_url(name, network, user, side), {})
        if side == "other" and role not in rule.any_organisation:
            assert posted.status_code == 404, f"{name} POST as {role} reached another organisation's object"
        else:
            assert posted.status_code != 404


def test_an_undeclared_route_is_refused_to_everyone_and_fails_the_check(network, settings, tmp_path):
    """What happens when someone adds a page and forgets its rule: 404 for all, and the test fails."""
    import sys
    import types

    from django.http import HttpResponse
    from django.urls import clear_url_caches, include, path

    module = types.ModuleType("tests_extra_urls")
    module.urlpatterns = [
        path("forgotten/", lambda request: HttpResponse("secret"), name="forgotten"),  # type: ignore[attr-defined]
        path("", include("abri.urls")),
    ]
    sys.modules["tests_extra_urls"] = module
    settings.ROOT_URLCONF = "tests_extra_urls"
    clear_url_caches()
    try:
        names = {n for n, _ in iter_routes()}
        assert (
            "forgotten" in names and "forgotten" not in ROUTES
        )  # test_every_route_has_a_declared_rule would fail
        for role in sorted(EVERY_ROLE):
            assert sign_in(Client(), network.user(role)).get("/forgotten/").status_code == 404
    finally:
        del sys.modules["tests_extra_urls"]
        clear_url_caches()
