import pytest
from django.test import Client
from django.urls import reverse

from abri.referrals import services
from abri.search import adapter
from abri.search.models import WeightSet
from tests.conftest import sign_in
from tests.network.factories import make_shelter
from tests.referrals.factories import make_request


def searching_request(network, **kwargs):
    req = make_request(network, **kwargs)
    coordinator = network.user("coordinator")
    for name in ("accept", "start_search"):
        req = services.request_transition(actor=coordinator, request=req, name=name)
    return req


@pytest.fixture
def shelters(network):
    operator = network.org("shelter_operator")
    # Rennes: far from Marseille and Lyon, welcomes a woman with a child, speaks English.
    far = make_shelter(network, operator, 0, accepts_genders=["F"], max_children=2, languages=["en"])
    # Lyon: inside a danger zone of the request.
    near = make_shelter(network, operator, 1, accepts_genders=["F"], max_children=2, languages=["en"])
    # Lille: does not take children.
    no_children = make_shelter(network, operator, 2, accepts_genders=["F"], max_children=0)
    return far, near, no_children


def test_find_a_shelter_ranks_safe_shelters_with_reasons(network, shelters):
    far, near, no_children = shelters
    req = searching_request(network)
    client = sign_in(Client(), network.user("coordinator"))
    response = client.get(reverse("search:find", args=[req.pk]))
    assert response.status_code == 200
    eligible = [item["shelter"] for item in response.context["eligible"]]
    assert eligible == [far]
    sentence = response.context["eligible"][0]["sentence"]
    assert far.name in sentence and far.pk.hex not in sentence and str(far.pk) not in sentence
    excluded = client.get(reverse("search:find", args=[req.pk]) + "?excluded=1").context["excluded"]
    reasons = {item["shelter"]: item["sentence"] for item in excluded}
    assert set(reasons) == {near, no_children}
    assert "km" in reasons[near]


def test_the_problem_follows_the_database(network, shelters):
    req = searching_request(network)
    built = adapter.build(adapter.pending_requests())
    problem = built.problem_json
    (request,) = problem["requests"]
    assert request["household"] == {"adults": ["F"], "children": 1}
    assert {"departement": "13"} in request["danger_zones"]
    lyon = next(z for z in request["danger_zones"] if "lat" in z)
    assert lyon["radius_km"] == 30
    assert request["priority"] == adapter.URGENCY_POINTS["urgent"] + 0
    assert {s["id"]: s["places_free"] for s in problem["shelters"]} == {str(s.pk): 2 for s in shelters}
    assert req.pk


def test_plan_places_and_explains(network, shelters):
    first = searching_request(network)
    second = searching_request(network, side="other")
    response = sign_in(Client(), network.user("coordinator")).get(reverse("search:plan"))
    assert response.status_code == 200
    placed = {a["request"] for a in response.context["assignments"]}
    unplaced = {u["request"] for u in response.context["unplaced"]}
    # One shelter with 2 places, two households of 2: exactly one is placed.
    assert len(placed) == 1 and len(unplaced) == 1 and placed | unplaced == {first, second}
    assert response.context["plan"].status == "optimal"
    assert response.context["unplaced"][0]["sentence"]


def test_weights_are_versioned_and_only_administrators_change_them(network):
    admin = sign_in(Client(), network.user("administrator"))
    data = {
        "no_common_language": 50,
        "not_specialised": 30,
        "no_trained_staff": 20,
        "safety_margin": 25,
        "safety_margin_band_km": 100,
        "load": 10,
        "priority_point": 10,
        "min_distance_km": 200,
        "note": "Plus de poids à la langue",
    }
    assert admin.post(reverse("search:weights_edit"), {**data, "min_distance_km": 10}).status_code == 200
    admin.post(reverse("search:weights_edit"), data)
    assert adapter.current_weights().version == 2 and adapter.current_weights().min_distance_km == 200
    admin.post(reverse("search:weights_edit"), {**data, "load": 12})
    assert list(WeightSet.objects.values_list("version", flat=True)) == [3, 2]
    coordinator = sign_in(Client(), network.user("coordinator"))
    assert coordinator.get(reverse("search:weights_edit")).status_code == 404
    assert "200 km" in coordinator.get(reverse("search:weights")).content.decode()


def test_referrers_never_see_the_engine(network, shelters):
    req = searching_request(network)
    referrer = sign_in(Client(), network.user("referrer"))
    assert referrer.get(reverse("search:find", args=[req.pk])).status_code == 404
    assert referrer.get(reverse("search:plan")).status_code == 404
    page = referrer.get(reverse("referrals:detail", args=[req.pk])).content.decode()
    for shelter in shelters:
        assert shelter.name not in page
    assert "Rennes" not in page  # the one safe shelter's town (Lyon is the request's own danger zone)


def test_the_engine_package_imports_no_django():
    import subprocess
    import sys

    code = (
        "import sys, abri.matching, abri.matching.cli\n"
        "print(any(m.startswith('django') for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_the_plan_starts_proposals(network, shelters):
    from abri.placements.models import Proposal

    req = searching_request(network)
    client = sign_in(Client(), network.user("coordinator"))
    (assignment,) = client.get(reverse("search:plan")).context["assignments"]
    assert assignment["request"] == req
    response = client.post(
        reverse("placements:propose", args=[req.pk]), {"shelter": str(assignment["shelter"].pk)}
    )
    assert response.status_code == 302
    assert Proposal.objects.get(request=req).shelter == assignment["shelter"]
