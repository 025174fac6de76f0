import datetime
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from abri.core.errors import DomainError
from abri.network.availability import availability, free_places
from abri.network.models import AvailabilityChange
from abri.network.services import availability_confirm, unavailability_declare, unavailability_end
from tests.conftest import sign_in
from tests.network.factories import make_shelter

TODAY = timezone.localdate


def test_free_places_follow_declared_unavailability(network):
    shelter = make_shelter(network, network.org("shelter_operator"), dedicated_places=3)
    staff = network.user("shelter_staff")
    assert free_places(shelter) == 3
    item = unavailability_declare(
        actor=staff,
        shelter=shelter,
        places=2,
        reason="Travaux",
        ends_on=TODAY() + datetime.timedelta(days=10),
    )
    assert free_places(shelter) == 1
    # The places come back by themselves after the end date...
    assert free_places(shelter, TODAY() + datetime.timedelta(days=11)) == 3
    # ...or earlier when the shelter says so.
    unavailability_end(actor=staff, unavailability=item)
    assert free_places(shelter) == 3
    kinds = list(
        AvailabilityChange.objects.filter(shelter=shelter).order_by("id").values_list("kind", "free_places")
    )
    assert kinds == [("dedicated", 3), ("unavailable", 1), ("available_again", 3)]


def test_cannot_declare_more_unavailable_than_free(network):
    shelter = make_shelter(network, network.org("shelter_operator"), dedicated_places=2)
    staff = network.user("shelter_staff")
    unavailability_declare(actor=staff, shelter=shelter, places=1, reason="x", ends_on=TODAY())
    with pytest.raises(DomainError) as info:
        unavailability_declare(actor=staff, shelter=shelter, places=2, reason="y", ends_on=TODAY())
    assert info.value.field == "places"
    assert availability(shelter).unavailable == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"places": 1, "reason": "", "ends_on": "today"}, "reason"),
        ({"places": 1, "reason": "x", "ends_on": "yesterday"}, "ends_on"),
        ({"places": 1, "reason": "x", "ends_on": "in two years"}, "ends_on"),
        ({"places": 0, "reason": "x", "ends_on": "today"}, "places"),
    ],
)
def test_bad_unavailability_names_the_field(network, kwargs, field):
    dates = {
        "today": TODAY(),
        "yesterday": TODAY() - datetime.timedelta(days=1),
        "in two years": TODAY() + datetime.timedelta(days=730),
    }
    shelter = make_shelter(network, network.org("shelter_operator"))
    with pytest.raises(DomainError) as info:
        unavailability_declare(
            actor=network.user("shelter_staff"),
            shelter=shelter,
            **{**kwargs, "ends_on": dates[kwargs["ends_on"]]},
        )
    assert info.value.field == field
    assert availability(shelter).unavailable == 0


def test_staff_of_another_operator_cannot_touch_a_shelter(network):
    shelter = make_shelter(network, network.org("shelter_operator"))
    with pytest.raises(DomainError):
        availability_confirm(actor=network.user("shelter_staff", "other"), shelter=shelter)
    with pytest.raises(DomainError):
        availability_confirm(actor=network.user("referrer"), shelter=shelter)


def test_staff_update_availability_over_http_and_the_board_shows_it(network):
    shelter = make_shelter(network, network.org("shelter_operator"), dedicated_places=3)
    staff = sign_in(Client(), network.user("shelter_staff"))
    url = reverse("network:availability_update", args=[shelter.pk])
    response = staff.post(
        url,
        {
            "action": "unavailable",
            "places": "2",
            "reason": "Travaux",
            "ends_on": (TODAY() + datetime.timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == 302
    board = sign_in(Client(), network.user("coordinator")).get(reverse("network:board"))
    row = next(r for r in board.context["board"].rows if r[0].pk == shelter.pk)
    assert row[1].free == 1
    bad = staff.post(
        url, {"action": "unavailable", "places": "5", "reason": "x", "ends_on": TODAY().isoformat()}
    )
    assert bad.status_code == 400 and "places" in bad.context["unavailability_form"].errors


def test_board_query_count_does_not_grow_with_shelters(network):
    coordinator = sign_in(Client(), network.user("coordinator"))
    operator = network.org("shelter_operator")
    make_shelter(network, operator, 0)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert coordinator.get(reverse("network:board")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(1, 25):
        make_shelter(network, operator, i)
    assert count() == few


def test_the_history_reads_in_the_readers_language(network):
    shelter = make_shelter(network, network.org("shelter_operator"), dedicated_places=3)
    staff = network.user("shelter_staff")
    ends_on = TODAY() + datetime.timedelta(days=30)
    item = unavailability_declare(actor=staff, shelter=shelter, places=2, reason="Travaux", ends_on=ends_on)
    unavailability_end(actor=staff, unavailability=item)
    url = reverse("network:shelter_detail", args=[shelter.pk])
    client = sign_in(Client(), staff)
    french = unescape(client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()).split("history-title")[-1]
    english = unescape(client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()).split("history-title")[-1]
    assert f"2 places jusqu'au {ends_on:%d/%m/%Y}" in french
    assert f"2 places until {ends_on:%m/%d/%Y}" in english
    assert "CHRS enregistré" in french and "shelter registered" in english
    assert "until" not in french and "created" not in french
