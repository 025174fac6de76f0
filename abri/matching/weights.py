"""The weights of the soft preferences: the network's, versioned, overridable by the caller."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

#: The cost terms, in the order the explanation lists them.
TERMS = ("no_common_language", "not_specialised", "no_trained_staff", "safety_margin", "load")


@dataclass(frozen=True, slots=True)
class Weights:
    """Integer weights of the cost terms (cost units), with the version shown to users.

    ``safety_margin`` is charged in full when a shelter sits exactly at the minimum distance and
    fades linearly to zero over ``safety_margin_band_km`` beyond it. ``load`` is charged in full
    when the household would take all the shelter's free places. ``priority_point`` is the
    exchange rate used only by the ranking's opportunity cost (see ranking.py): one point of
    priority is worth that many cost units there. The plan itself never trades priority for
    cost: it is lexicographic.
    """

    version: str = "1"
    no_common_language: int = 40
    not_specialised: int = 30
    no_trained_staff: int = 20
    safety_margin: int = 25
    safety_margin_band_km: float = 100.0
    load: int = 10
    priority_point: int = 10

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "version":
                if not isinstance(value, str) or not value:
                    raise ValueError("Weights.version must be a non-empty string")
            elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"Weights.{f.name} must be a number >= 0")
            elif f.name != "safety_margin_band_km" and not isinstance(value, int):
                raise ValueError(f"Weights.{f.name} must be an integer")
        if self.safety_margin_band_km <= 0:
            raise ValueError("Weights.safety_margin_band_km must be > 0")

    def as_json(self) -> dict[str, Any]:
        return asdict(self)
