"""The network's weights for the placement engine, versioned: every plan says which it used."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from abri.core.fields import EncryptedTextField
from abri.core.models import SealedAfterInsert


class WeightSet(SealedAfterInsert):
    """One version of the cost weights. Never edited: a change is a new version."""

    version = models.PositiveIntegerField(unique=True)
    no_common_language = models.PositiveIntegerField(_("no common language with the staff"), default=40)
    not_specialised = models.PositiveIntegerField(
        _("staff not specialised in this form of exploitation"), default=30
    )
    no_trained_staff = models.PositiveIntegerField(_("no trained staff"), default=20)
    safety_margin = models.PositiveIntegerField(
        _("little safety margin beyond the minimum distance"), default=25
    )
    safety_margin_band_km = models.PositiveIntegerField(_("width of the safety margin (km)"), default=100)
    load = models.PositiveIntegerField(_("the household would fill the shelter"), default=10)
    priority_point = models.PositiveIntegerField(
        _("value of one priority point (for scarce places)"), default=10
    )
    min_distance_km = models.PositiveIntegerField(_("default minimum distance from danger (km)"), default=150)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = EncryptedTextField(_("why this change"))

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"weights v{self.version}"


WEIGHT_FIELDS = (
    "no_common_language",
    "not_specialised",
    "no_trained_staff",
    "safety_margin",
    "safety_margin_band_km",
    "load",
    "priority_point",
    "min_distance_km",
)
