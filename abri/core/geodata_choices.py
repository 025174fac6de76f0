"""Form choices built from the shipped geography."""

from __future__ import annotations


def departement_choices() -> list[tuple[str, str]]:
    from abri.core import geography

    return [(d.code, f"{d.code} · {d.name}") for d in geography.departements()]
