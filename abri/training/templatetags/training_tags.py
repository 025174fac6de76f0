"""The training status of one shelter, for the shelter's own page (abri/templates/network)."""

from __future__ import annotations

from typing import Any

from django import template

from abri.training.selectors import ShelterTraining, shelter_training_status

register = template.Library()


@register.simple_tag
def shelter_training(shelter: Any) -> ShelterTraining:
    (row,) = shelter_training_status([shelter])
    return row
