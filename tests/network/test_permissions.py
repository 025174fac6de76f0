from django.test import Client
from django.urls import reverse

from abri.access.policy import directory_for_user, shelters_for_user
from tests.conftest import sign_in
from tests.network.factories import make_shelter


def test_who_sees_which_shelters(network):
    own = make_shelter(network, network.org("shelter_operator"))
    other = make_shelter(network, network.org("shelter_operator", "other"), 1)
    assert set(shelters_for_user(network.user("coordinator"))) == {own, other}
    assert list(shelters_for_user(network.user("shelter_staff"))) == [own]
    for role in ("referrer", "partner", "observer"):
        assert not shelters_for_user(network.user(role)).exists()


def test_referrers_and_partners_never_see_shelter_operators_in_the_directory(network):
    for role in ("referrer", "partner"):
        kinds = set(directory_for_user(network.user(role)).values_list("kind", flat=True))
        assert "shelter_operator" not in kinds and "referrer" in kinds and "support_partner" in kinds
        operator = network.org("shelter_operator")
        response = sign_in(Client(), network.user(role)).get(
            reverse("network:directory_detail", args=[operator.pk])
        )
        assert response.status_code == 404


def test_no_shelter_name_or_town_leaks_to_referrers_partners_or_observers(network):
    shelter = make_shelter(
        network,
        network.org("shelter_operator"),
        name="CHRS Secret Escale",
        commune="Lyon",
        departement="69",
        latitude=45.7485,
        longitude=4.8467,
    )
    for role in ("referrer", "partner", "observer"):
        client = sign_in(Client(), network.user(role))
        pages = [reverse("home")]
        pages += [reverse("network:directory")] if role != "observer" else [reverse("network:capacity")]
        for url in pages:
            html = client.get(url).content.decode()
            assert shelter.name not in html and "Lyon" not in html and shelter.operator.name not in html


def test_observers_see_counts_per_region_only_with_small_counts_hidden(network):
    make_shelter(network, network.org("shelter_operator"), dedicated_places=3)
    response = sign_in(Client(), network.user("observer")).get(reverse("network:capacity"))
    regions = response.context["regions"]
    assert [(r["name"], r["shelters"], r["dedicated"]) for r in regions] == [("Bretagne", None, None)]
    # No free places for observers (they would date arrivals), and totals under 10 hidden too.
    assert all("free" not in r for r in regions) and response.context["totals"] == {
        "shelters": None,
        "dedicated": None,
    }
    html = response.content.decode()
    assert "Rennes" not in html and "&lt; 10" in html and ">3<" not in html
    # Coordinators see the figures.
    coordinator = sign_in(Client(), network.user("coordinator")).get(reverse("network:capacity"))
    assert [(r.name, r.shelters) for r in coordinator.context["regions"]] == [("Bretagne", 1)]


def test_a_hidden_cell_cannot_be_recovered_from_the_total():
    from abri.network.selectors import RegionCount, suppress_small_counts

    regions = [
        RegionCount("53", "Bretagne", 12, 30, 4),
        RegionCount("84", "Auvergne", 25, 40, 15),
        RegionCount("93", "PACA", 14, 20, 11),
    ]
    rows = suppress_small_counts(regions)
    free = [row["free"] for row in rows]
    # Bretagne's 4 is hidden, and so is the next smallest (PACA's 11): total - visible gives only a sum.
    assert free.count(None) == 2 and free[1] == 15
    for column in ("shelters", "dedicated", "free"):
        hidden = [row[column] for row in rows].count(None)
        assert hidden in (0, 2, 3)


def test_shelter_address_is_encrypted_and_shown_to_own_staff(network):
    from django.db import connection

    shelter = make_shelter(network, network.org("shelter_operator"), address="12 rue Cachée, Rennes")
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM network_shelter")
        assert "Cachée" not in cursor.fetchone()[0]
    page = sign_in(Client(), network.user("shelter_staff")).get(
        reverse("network:shelter_detail", args=[shelter.pk])
    )
    assert "12 rue Cachée" in page.content.decode()


def test_staff_edit_their_shelter_and_bad_input_names_the_field(network):
    shelter = make_shelter(network, network.org("shelter_operator"))
    staff = sign_in(Client(), network.user("shelter_staff"))
    url = reverse("network:shelter_edit", args=[shelter.pk])
    base = {
        "name": shelter.name,
        "commune": "Rennes",
        "departement": "35",
        "accepts_genders": ["F", "M"],
        "max_children": "2",
        "dedicated_places": "3",
        "languages": ["fr", "ro"],
        "exploitation_forms": ["labour"],
    }
    assert staff.post(url, base).status_code == 302
    shelter.refresh_from_db()
    assert (
        shelter.accepts_genders == ["F", "M"]
        and shelter.dedicated_places == 3
        and shelter.languages == ["fr", "ro"]
    )
    bad = staff.post(url, {**base, "commune": "Nowhere-sur-Rien", "dedicated_places": "3"})
    assert bad.status_code == 200 and "commune" in bad.context["form"].errors
    bad = staff.post(url, {**base, "accepts_genders": []})
    assert "accepts_genders" in bad.context["form"].errors


def test_bad_operator_and_forbidden_import_are_clear_errors_not_500(network):
    from django.core.files.uploadedfile import SimpleUploadedFile

    coordinator = sign_in(Client(), network.user("coordinator"))
    response = coordinator.post(
        reverse("network:shelter_create"),
        {
            "operator": "bad",
            "name": "x",
            "commune": "Paris",
            "departement": "75",
            "accepts_genders": ["F"],
            "dedicated_places": "1",
            "max_children": "0",
        },
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    upload = SimpleUploadedFile("orgs.csv", b"name,kind\nX,referrer\n", content_type="text/csv")
    response = coordinator.post(reverse("network:import"), {"what": "organisations", "file": upload})
    assert response.status_code == 400 and response.context["form"].non_field_errors()


def test_shelter_page_read_is_audited(network):
    from abri.audit.models import AuditEvent

    shelter = make_shelter(network, network.org("shelter_operator"))
    sign_in(Client(), network.user("shelter_staff")).get(reverse("network:shelter_detail", args=[shelter.pk]))
    assert AuditEvent.objects.filter(action="read.sensitive", object_id=str(shelter.pk)).exists()
