import datetime

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from abri.search import adapter
from abri.training import services
from abri.training.selectors import shelter_training_status, trained_staff_by_shelter, window_start
from tests.conftest import make_user, sign_in
from tests.network.factories import make_shelter
from tests.search.test_search_pages import searching_request
from tests.training.factories import attend, make_session


def test_the_window_is_24_months_even_from_29_february():
    assert window_start(datetime.date(2026, 5, 10)) == datetime.date(2024, 5, 10)
    assert window_start(datetime.date(2028, 2, 29)) == datetime.date(2026, 2, 28)


def test_trained_staff_count_the_last_24_months_and_the_alert_follows_the_date(network):
    operator = network.org("shelter_operator")
    shelter = make_shelter(network, operator, 0)
    untrained = make_shelter(network, operator, 1)
    session = make_session(network, starts_on=datetime.date(2024, 3, 15))
    staff = network.user("shelter_staff")
    attend(network, session, staff, shelter=shelter)
    attend(network, session, full_name="Lina Roux", organisation=operator, shelter=shelter)
    # The same person twice counts once.
    later = make_session(network, starts_on=datetime.date(2024, 9, 1), topic="security")
    attend(network, later, staff, shelter=shelter)

    status = {
        r.shelter: r for r in shelter_training_status([shelter, untrained], today=datetime.date(2025, 1, 1))
    }
    assert status[shelter].trained_staff == 2
    assert status[shelter].last_training == datetime.date(2024, 9, 1)
    assert not status[shelter].needs_training
    assert status[untrained].needs_training and status[untrained].last_training is None

    # 24 months after the first session, only the second one still counts.
    rows = shelter_training_status([shelter], today=datetime.date(2026, 3, 16))
    assert rows[0].trained_staff == 1
    # The day the last session is more than 24 months old, the shelter needs training again.
    assert not shelter_training_status([shelter], today=datetime.date(2026, 9, 1))[0].needs_training
    (row,) = shelter_training_status([shelter], today=datetime.date(2026, 9, 2))
    assert row.needs_training and row.trained_staff == 0 and row.last_training == datetime.date(2024, 9, 1)


def test_absent_people_and_future_sessions_do_not_count(network):
    operator = network.org("shelter_operator")
    shelter = make_shelter(network, operator, 0)
    past = make_session(network, days_ago=20)
    absent = attend(network, past, network.user("shelter_staff"), shelter=shelter)
    services.attendance_set_attended(actor=network.user("coordinator"), attendance=absent, attended=False)
    future = make_session(network, starts_on=timezone.localdate() + datetime.timedelta(days=30))
    attend(network, future, full_name="Lina Roux", organisation=operator, shelter=shelter)
    (row,) = shelter_training_status([shelter])
    assert row.trained_staff == 0 and row.needs_training and row.last_training is None


def test_status_queries_do_not_grow_with_shelters(network):
    operator = network.org("shelter_operator")
    shelters = [make_shelter(network, operator, 0)]

    def count():
        with CaptureQueriesContext(connection) as ctx:
            shelter_training_status(list(shelters))
        return len(ctx.captured_queries)

    few = count()
    session = make_session(network)
    for i in range(1, 12):
        shelter = make_shelter(network, operator, i, name=f"CHRS {i}")
        shelters.append(shelter)
        attend(network, session, full_name=f"Personne {i}", organisation=operator, shelter=shelter)
    assert count() == few == 2


def test_trained_staff_reaches_the_engine(network):
    operator = network.org("shelter_operator")
    trained = make_shelter(network, operator, 0, accepts_genders=["F"], max_children=2, languages=["en"])
    untrained = make_shelter(network, operator, 3, accepts_genders=["F"], max_children=2, languages=["en"])
    session = make_session(network, days_ago=60)
    attend(network, session, full_name="Lina Roux", organisation=operator, shelter=trained)
    attend(network, session, full_name="Marc Blanc", organisation=operator, shelter=trained)
    req = searching_request(network)
    built = adapter.build(adapter.pending_requests())
    by_id = {s["id"]: s["trained_staff"] for s in built.problem_json["shelters"]}
    assert by_id == {str(trained.pk): 2, str(untrained.pk): 0}
    # On the coordinator's "Find a shelter" page, only the untrained shelter pays the term.
    page = sign_in(Client(), network.user("coordinator")).get(reverse("search:find", args=[req.pk]))
    terms = {item["shelter"]: item["terms"]["no_trained_staff"] for item in page.context["eligible"]}
    assert terms == {trained: 0, untrained: adapter.current_weights().no_trained_staff}
    assert page.context["eligible"][0]["shelter"] == trained


def test_the_adapter_reads_training_in_one_query(network):
    operator = network.org("shelter_operator")
    make_shelter(network, operator, 0)
    searching_request(network)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            adapter.build(adapter.pending_requests())
        return len(ctx.captured_queries)

    few = count()
    session = make_session(network)
    for i in range(1, 10):
        shelter = make_shelter(network, operator, i, name=f"CHRS {i}")
        attend(network, session, full_name=f"Personne {i}", organisation=operator, shelter=shelter)
    assert count() == few


def test_status_page_alert_first_filter_and_query_count(network):
    operator = network.org("shelter_operator")
    trained = make_shelter(network, operator, 0, name="CHRS Formé")
    make_shelter(network, operator, 1, name="CHRS Jamais formé")
    attend(network, make_session(network), full_name="Lina Roux", organisation=operator, shelter=trained)
    client = sign_in(Client(), network.user("coordinator"))
    url = reverse("training:shelter_status")
    page = client.get(url)
    names = [r.shelter.name for r in page.context["rows"]]
    assert names == ["CHRS Jamais formé", "CHRS Formé"]
    assert page.context["needing"] == 1
    only = client.get(url, {"needs_training": "on"})
    assert [r.shelter.name for r in only.context["rows"]] == ["CHRS Jamais formé"]

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(2, 14):
        make_shelter(network, operator, i, name=f"CHRS {i}")
    assert count() == few


def test_shelter_staff_see_their_own_shelters_status_only(network):
    own = make_shelter(network, network.org("shelter_operator"), 0, name="CHRS Nôtre")
    make_shelter(network, network.org("shelter_operator", "other"), 1, name="CHRS Autre")
    staff = sign_in(Client(), network.user("shelter_staff"))
    page = staff.get(reverse("training:shelter_status"))
    assert [r.shelter for r in page.context["rows"]] == [own]
    assert "CHRS Autre" not in page.content.decode()
    detail = staff.get(reverse("network:shelter_detail", args=[own.pk])).content.decode()
    assert "training-title" in detail


def test_a_second_staff_member_counts(network):
    operator = network.org("shelter_operator")
    shelter = make_shelter(network, operator, 0)
    colleague = make_user("colleague", operator, "shelter_staff")
    session = make_session(network)
    attend(network, session, network.user("shelter_staff"))
    attend(network, session, colleague)
    assert trained_staff_by_shelter([shelter]) == {shelter.pk: 2}
