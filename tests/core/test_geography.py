"""Tests of abri.core.geography: pure functions over the shipped data, no database."""

import csv
from collections import Counter

import numpy as np
import pytest

from abri.core import geography as geo

# Prefecture coordinates, taken from general knowledge rather than from the data.
PREFECTURES = {
    "13": (43.2965, 5.3698),  # Marseille
    "2A": (41.9192, 8.7386),  # Ajaccio
    "29": (47.9960, -4.1025),  # Quimper
    "67": (48.5734, 7.7521),  # Strasbourg
    "75": (48.8566, 2.3522),  # Paris
    "974": (-20.8823, 55.4504),  # Saint-Denis, La Réunion
    "976": (-12.7806, 45.2279),  # Mamoudzou
}


def test_regions_counts_and_names() -> None:
    regions = geo.regions()
    assert len(regions) == 18
    assert {r.code for r in regions} >= {"11", "94", "01", "06"}
    assert geo.region_of("13").name == "Provence-Alpes-Côte d'Azur"


def test_departements_counts_and_regions() -> None:
    departements = geo.departements()
    assert len(departements) == 101
    codes = [d.code for d in departements]
    assert len(set(codes)) == 101
    assert codes[:3] == ["01", "02", "03"] and codes[-1] == "976"
    assert "975" not in codes and "20" not in codes
    used = {d.region for d in departements}
    assert used == {r.code for r in geo.regions()}


@pytest.mark.parametrize(
    ("code", "name", "region"),
    [
        ("13", "Bouches-du-Rhône", "93"),
        ("2A", "Corse-du-Sud", "94"),
        ("2B", "Haute-Corse", "94"),
        ("974", "La Réunion", "04"),
        ("75", "Paris", "11"),
        ("90", "Territoire de Belfort", "27"),
        ("976", "Mayotte", "06"),
    ],
)
def test_departement_samples(code: str, name: str, region: str) -> None:
    d = geo.departement(code)
    assert (d.name, d.region) == (name, region)


def test_departement_codes_are_canonicalised_and_checked() -> None:
    assert geo.departement("1").code == "01"
    assert geo.departement(" 2a ").code == "2A"
    with pytest.raises(KeyError):
        geo.departement("20")


def test_every_departement_has_communes() -> None:
    for d in geo.departements():
        lats, lons = geo.departement_points(d.code)
        assert lats.size >= 1 and lats.shape == lons.shape, d.code


def test_communes_file_is_sorted_and_sane() -> None:
    with (geo.DATA_DIR / "communes.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 8000
    per_departement = Counter(r["departement"] for r in rows)
    assert set(per_departement) == {d.code for d in geo.departements()}
    order = [d.code for d in geo.departements()]
    assert [r["departement"] for r in rows] == sorted((r["departement"] for r in rows), key=order.index)
    for r in rows:
        lat, lon = float(r["lat"]), float(r["lon"])
        if r["departement"].startswith("97"):
            assert -25 < lat < 20
        else:  # metropolitan France and Corsica
            assert 41 < lat < 51.2 and -5.2 < lon < 9.6, r


@pytest.mark.parametrize(
    ("query", "departement"),
    [("Paris", "75"), ("Marseille", "13"), ("Ajaccio", "2A"), ("Bastia", "2B")],
)
def test_known_towns_are_in_their_departement(query: str, departement: str) -> None:
    best = geo.find_communes(query)[0]
    assert best.name == query and best.departement == departement


@pytest.mark.parametrize("query", ["saint etienne", "SAINT-ÉTIENNE", "St Etienne", "st-étienne"])
def test_find_ignores_accents_case_hyphens_and_saint(query: str) -> None:
    best = geo.find_communes(query)[0]
    assert (best.name, best.departement) == ("Saint-Étienne", "42")


def test_find_exact_before_prefix_and_homonyms() -> None:
    found = geo.find_communes("Saint-Denis")
    assert {"93", "974"} <= {c.departement for c in found if c.name == "Saint-Denis"}
    exact = [c.name for c in found if geo.normalise(c.name) == "saint denis"]
    assert [c.name for c in found[: len(exact)]] == exact  # exact matches lead
    assert len(found) > len(exact)  # then Saint-Denis-de-…, Saint-Denis-en-…
    reunion = geo.find_communes("saint denis", departement="974")
    assert reunion[0].name == "Saint-Denis" and reunion[0].population
    assert all(c.departement == "974" for c in reunion)
    assert geo.find_communes("Marseille")[0].population == max(
        c.population or 0 for c in geo.find_communes("Marseille", limit=100)
    )


def test_find_handles_apostrophes_and_nothing() -> None:
    assert geo.find_communes("l hay les roses")[0].departement == "94"
    assert geo.find_communes("Villeneuve d Ascq")[0].name == "Villeneuve-d'Ascq"
    assert geo.find_communes("zzz nowhere") == []
    assert geo.find_communes("  ") == []


def test_commune_is_frozen() -> None:
    commune = geo.find_communes("Lyon")[0]
    with pytest.raises(AttributeError):
        commune.name = "Lugdunum"  # type: ignore[misc]


def test_haversine_known_distances() -> None:
    paris, marseille = PREFECTURES["75"], PREFECTURES["13"]
    assert float(geo.haversine_km(*paris, *marseille)) == pytest.approx(661, abs=5)
    assert float(geo.haversine_km(*paris, *paris)) == 0.0
    # A quarter of a meridian: pi/2 * R.
    assert float(geo.haversine_km(0, 0, 90, 0)) == pytest.approx(np.pi / 2 * 6371.0088)


def test_haversine_broadcasts() -> None:
    lats = np.array([43.2965, 41.9192, 47.9960])
    lons = np.array([5.3698, 8.7386, -4.1025])
    row = geo.haversine_km(48.8566, 2.3522, lats, lons)
    assert row.shape == (3,)
    matrix = geo.haversine_km(lats[:, None], lons[:, None], lats[None, :], lons[None, :])
    assert matrix.shape == (3, 3)
    np.testing.assert_allclose(matrix, matrix.T)
    np.testing.assert_allclose(np.diag(matrix), 0.0, atol=1e-9)
    for i in range(3):
        assert matrix[0, i] == pytest.approx(float(geo.haversine_km(lats[0], lons[0], lats[i], lons[i])))


@pytest.mark.parametrize(("code", "point"), PREFECTURES.items())
def test_point_inside_departement_is_near_it(code: str, point: tuple[float, float]) -> None:
    assert geo.distance_to_departement_km(*point, code) < 15
    assert geo.departement_of_point(*point) == code


def test_distance_to_far_departement() -> None:
    # Marseille is nowhere near Finistère, nor La Réunion.
    assert 800 < geo.distance_to_departement_km(*PREFECTURES["13"], "29") < 1100
    assert geo.distance_to_departement_km(*PREFECTURES["13"], "974") > 8000


def test_vectorised_distances_equal_scalar() -> None:
    points = np.array(list(PREFECTURES.values()))
    for code in ("13", "29", "75", "2B", "973"):
        many = geo.distances_to_departement_km(points[:, 0], points[:, 1], code)
        assert many.shape == (len(points),)
        expected = [geo.distance_to_departement_km(lat, lon, code) for lat, lon in points]
        np.testing.assert_allclose(many, expected)


def test_vectorised_distances_chunk_and_shape() -> None:
    rng = np.random.default_rng(0)
    lats = rng.uniform(42.5, 50.5, size=(3, 3000))  # 9000 points: more than one chunk
    lons = rng.uniform(-4.0, 7.5, size=(3, 3000))
    many = geo.distances_to_departement_km(lats, lons, "69")
    assert many.shape == (3, 3000)
    for i, j in [(0, 0), (1, 1234), (2, 2999)]:
        scalar = geo.distance_to_departement_km(lats[i, j], lons[i, j], "69")
        assert many[i, j] == pytest.approx(scalar)


def test_departement_points_are_read_only() -> None:
    lats, _ = geo.departement_points("75")
    with pytest.raises(ValueError):
        lats[0] = 0.0


def test_departement_of_each_town_is_its_own() -> None:
    # Each town is at distance 0 of itself, so its nearest town is in its département
    # unless another town sits at the very same coordinates.
    lats, lons = geo.departement_points("2B")
    assert all(geo.departement_of_point(a, b) == "2B" for a, b in zip(lats, lons, strict=True))
    np.testing.assert_allclose(geo.distances_to_departement_km(lats, lons, "2B"), 0.0, atol=1e-9)
