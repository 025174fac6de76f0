"""Shelters for tests, made through the services like everything else."""

from __future__ import annotations

from typing import Any

from abri.network.models import Shelter
from abri.network.services import shelter_create

TOWNS = [
    ("Rennes", "35", 48.1147, -1.6794),
    ("Lyon", "69", 45.7485, 4.8467),
    ("Lille", "59", 50.633, 3.0586),
    ("Bordeaux", "33", 44.8404, -0.5805),
    ("Nice", "06", 43.7031, 7.2661),
]


def make_shelter(network: Any, operator: Any, index: int = 0, **overrides: Any) -> Shelter:
    town, dep, lat, lon = TOWNS[index % len(TOWNS)]
    fields: dict[str, Any] = {
        "name": f"CHRS Test {index} {operator.name}",
        "commune": town,
        "departement": dep,
        "latitude": lat,
        "longitude": lon,
        "address": f"{index + 1} rue de l'Exemple, {town}",
        "accepts_genders": ["F"],
        "accepts_couples": False,
        "max_children": 1,
        "wheelchair_access": False,
        "languages": ["fr", "en"],
        "exploitation_forms": ["sexual"],
        "dedicated_places": 2,
    }
    fields.update(overrides)
    return shelter_create(actor=network.user("coordinator"), operator=operator, **fields)
