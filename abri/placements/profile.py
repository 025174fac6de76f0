"""The anonymised profile a shelter sees before it agrees (SECURITY.md): no name, no birth date,
no nationality, no danger zones, no narrative; only what it needs to answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from abri.core.vocabulary import ExploitationForm, Gender, language_label
from abri.referrals.models import HouseholdMember, Request, Urgency

AGE_BANDS = [
    (0, 17, "0–17"),
    (18, 24, "18–24"),
    (25, 34, "25–34"),
    (35, 44, "35–44"),
    (45, 59, "45–59"),
    (60, 200, "60+"),
]


def age_band(age: int | None) -> str:
    if age is None:
        return "?"
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


@dataclass(frozen=True)
class AnonymisedProfile:
    reference: str
    gender: Any
    age_band: str
    household: list[tuple[Any, str]]
    languages: list[str]
    interpreter_needed: bool
    needs_wheelchair: bool
    needs: list[str]
    exploitation_forms: list[Any]
    urgency: Any


def anonymised_profile(request: Request) -> AnonymisedProfile:
    person = request.person
    health = person.health_needs or {}
    return AnonymisedProfile(
        reference=person.reference,
        gender=Gender(person.gender).label,
        age_band=age_band(person.age),
        household=[
            (HouseholdMember.Relation(m.relation).label, age_band(m.age)) for m in person.household.all()
        ],
        languages=[language_label(c) for c in person.languages],
        interpreter_needed=person.interpreter_needed,
        needs_wheelchair=person.needs_wheelchair,
        needs=[k for k in ("health", "addiction", "pregnancy", "psychological") if health.get(k)],
        exploitation_forms=[
            ExploitationForm(c).label for c in person.exploitation_forms if c in ExploitationForm.values
        ],
        urgency=Urgency(request.urgency).label,
    )
