"""Proposals that hold places, the shelter's answer, and the stays that fill them.

The ONLY code that changes how many places a shelter has taken is ``abri.placements.capacity``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from abri.core.fields import EncryptedTextField
from abri.core.models import BaseModel
from abri.network.models import Shelter
from abri.referrals.models import Request


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the shelter's answer")
    AGREED = "agreed", _("Agreed in principle")
    REFUSED = "refused", _("Refused")
    EXPIRED = "expired", _("Expired without answer")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CONFIRMED = "confirmed", _("Confirmed after the interview")
    ARRIVED = "arrived", _("Arrived")
    NOT_ARRIVED = "not_arrived", _("Did not arrive")


# Proposals in these statuses hold the household's places at the shelter.
HOLDING = frozenset({ProposalStatus.PENDING, ProposalStatus.AGREED, ProposalStatus.CONFIRMED})


class RefusalReason(models.TextChoices):
    NO_PLACE = "no_place", _("No place free after all")
    PROFILE = "profile", _("The profile does not fit our project")
    NEEDS = "needs", _("We cannot meet the needs (health, language...)")
    SECURITY = "security", _("Security concern")
    HOUSEHOLD = "household", _("The household does not fit the place")
    OTHER = "other", _("Other reason")


class Proposal(BaseModel):
    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="proposals")
    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="proposals")
    places = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PENDING, db_index=True
    )
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refusal_reason = models.CharField(max_length=16, choices=RefusalReason.choices, blank=True)
    refusal_text = EncryptedTextField()
    # Interview (pre-admission video call), then confirmation or withdrawal.
    interview_at = models.DateTimeField(null=True, blank=True)
    interview_link = EncryptedTextField()
    closing_reason = EncryptedTextField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(places__gte=1), name="proposal_at_least_one_place"),
            # One live proposal per request and shelter.
            models.UniqueConstraint(
                fields=["request", "shelter"],
                condition=models.Q(status__in=["pending", "agreed", "confirmed"]),
                name="proposal_one_live_per_shelter",
            ),
        ]

    def __str__(self) -> str:
        return f"proposal {self.status}"


class TravelMode(models.TextChoices):
    TRAIN = "train", _("Train")
    COACH = "coach", _("Coach")
    CAR = "car", _("Car")
    PLANE = "plane", _("Plane")


class Transfer(BaseModel):
    """The journey. The referrer sees the departure side only, the shelter the arrival side only."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="transfer")
    travel_date = models.DateField(_("travel date"))
    travel_mode = models.CharField(_("travel mode"), max_length=16, choices=TravelMode.choices)
    departure_place = EncryptedTextField(_("departure station or place"))
    departure_time = models.TimeField(_("departure time"))
    arrival_place = EncryptedTextField(_("arrival station or place"))
    arrival_time = models.TimeField(_("arrival time"))
    meeting_point = EncryptedTextField(_("meeting point on arrival"))
    escort = EncryptedTextField(_("escort"))
    grant_amount = models.DecimalField(_("grant (euros)"), max_digits=7, decimal_places=2, default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"transfer {self.travel_date}"


class ExitOutcome(models.TextChoices):
    HOUSING = "housing", _("Mainstream housing")
    OTHER_CHRS = "other_chrs", _("Another CHRS place")
    MEDICAL_SOCIAL = "medical_social", _("Specialised medical-social housing")
    RETURN = "return", _("Voluntary return to the country of origin")
    LEFT = "left", _("Left without notice")
    EXPLOITER = "exploiter", _("Return to the exploiter suspected")
    DEATH = "death", _("Death")
    OTHER = "other", _("Other")


class Stay(BaseModel):
    """A person living at a shelter: occupies the places its proposal held."""

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="stay")
    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="stays")
    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="stays")
    places = models.PositiveSmallIntegerField()
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    exit_outcome = models.CharField(max_length=16, choices=ExitOutcome.choices, blank=True)
    exit_note = EncryptedTextField()

    class Meta:
        ordering = ["-started_on"]

    def __str__(self) -> str:
        return f"stay from {self.started_on}"


class Incident(BaseModel):
    class Kind(models.TextChoices):
        FOUND = "found", _("The exploiters found the person")
        THREAT = "threat", _("Threats or contact by the exploiters")
        BREAKDOWN = "breakdown", _("The placement broke down")

    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    description = EncryptedTextField(_("what happened"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"incident {self.kind}"


class Disclosure(BaseModel):
    """A coordinator told the referrer where the person is: reason, fresh second factor, audit."""

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="disclosures")
    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField()
    disclosed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return "disclosure"


class Notification(models.Model):
    """An in-app notice: what awaits, never a name, a town or a shelter."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # The message's English source (its msgid): translated when read, so that each reader sees it
    # in their own language, not the sender's.
    message = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message

    @property
    def text(self) -> str:
        """The message in the active language (a message without a translation reads as stored)."""
        return gettext(self.message)
