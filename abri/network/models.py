"""Shelters, their dedicated places and availability; collectives of the partner directory."""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from abri.accounts.models import Organisation
from abri.core.fields import EncryptedTextField
from abri.core.models import BaseModel


class Shelter(BaseModel):
    """A CHRS run by a shelter-operator organisation, with places dedicated to the network.

    Its name, town and coordinates are location data: only coordinators and the shelter's own
    staff ever see them (abri.access.policy.shelters_for_user). The street address is encrypted.
    """

    operator = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="shelters", verbose_name=_("operator")
    )
    name = models.CharField(_("name"), max_length=200)
    commune = models.CharField(_("town"), max_length=120)
    departement = models.CharField(_("département"), max_length=3, db_index=True)
    region = models.CharField(_("région"), max_length=3, db_index=True)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    address = EncryptedTextField(_("address"))
    accepts_genders = models.JSONField(_("adults' genders accepted"), default=list)
    accepts_couples = models.BooleanField(_("accepts couples"), default=False)
    max_children = models.PositiveSmallIntegerField(_("maximum number of children"), default=0)
    wheelchair_access = models.BooleanField(_("wheelchair access"), default=False)
    languages = models.JSONField(_("languages spoken by the staff"), default=list)
    exploitation_forms = models.JSONField(_("forms of exploitation the staff know"), default=list)
    dedicated_places = models.PositiveSmallIntegerField(_("places dedicated to the network"), default=1)
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Places held by proposals and occupied by stays. Written only by abri.placements.capacity,
    # under a row lock; the constraint below makes overbooking impossible even for a bug.
    places_taken = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["region", "departement", "name"]
        verbose_name = _("shelter")
        verbose_name_plural = _("shelters")
        constraints = [
            models.UniqueConstraint(fields=["operator", "name"], name="shelter_unique_name_per_operator"),
            models.CheckConstraint(
                condition=models.Q(dedicated_places__lte=50), name="shelter_places_realistic"
            ),
            models.CheckConstraint(
                condition=models.Q(places_taken__lte=models.F("dedicated_places")),
                name="shelter_never_overbooked",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Unavailability(BaseModel):
    """Dedicated places taken out of the network for a while (works, staff shortage...)."""

    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="unavailabilities")
    places = models.PositiveSmallIntegerField(_("places"))
    reason = EncryptedTextField(_("reason"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="unavailability_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(places__gte=1), name="unavailability_at_least_one_place"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.places} until {self.ends_on}"


class AvailabilityChange(models.Model):
    """The history of every change to a shelter's places, as the shelter and coordinators saw it."""

    class Kind(models.TextChoices):
        DEDICATED = "dedicated", _("Dedicated places changed")
        UNAVAILABLE = "unavailable", _("Places declared unavailable")
        AVAILABLE_AGAIN = "available_again", _("Places available again")
        CONFIRMED = "confirmed", _("Availability confirmed")

    id = models.BigAutoField(primary_key=True)
    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="availability_changes")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    dedicated_places = models.PositiveSmallIntegerField()
    free_places = models.SmallIntegerField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at}"

    @property
    def note_display(self) -> str:
        """The note in the reader's language.

        Notes are stored language-neutral by ``network.services._record``: "created", "<places>
        until <ISO date>" for unavailable places, "<places>" when they come back, "<before> → <after>"
        for dedicated places (already neutral).
        """
        if self.note == "created":
            return str(_("shelter registered"))
        if match := _UNAVAILABLE_NOTE.fullmatch(self.note):
            places, day = int(match[1]), datetime.date.fromisoformat(match[2])
            return ngettext("%(count)s place until %(date)s", "%(count)s places until %(date)s", places) % {
                "count": places,
                "date": date_format(day, "SHORT_DATE_FORMAT"),
            }
        if self.note.isdigit():
            places = int(self.note)
            return ngettext("%(count)s place", "%(count)s places", places) % {"count": places}
        return self.note


_UNAVAILABLE_NOTE = re.compile(r"(\d+) until (\d{4}-\d{2}-\d{2})")


def unavailable_note(places: int, ends_on: datetime.date) -> str:
    """The stored, language-neutral note of places declared unavailable (read back above)."""
    return f"{places} until {ends_on.isoformat()}"


class Collective(BaseModel):
    """A collective or platform partners belong to (e.g. a regional anti-trafficking platform)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    members = models.ManyToManyField(Organisation, related_name="collectives", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
