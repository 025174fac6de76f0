"""Training sessions given by the coordinator and the support partners, and who attended.

Attendees are professionals (or members of the public at awareness sessions), never the people
the network shelters: their names stay in clear (docs/decisions/0004), and each organisation sees
only its own people's names (abri.access.policy.attendances_for_user).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from abri.accounts.models import Organisation
from abri.core.fields import EncryptedTextField
from abri.core.models import BaseModel
from abri.network.models import Shelter


class Topic(models.TextChoices):
    IDENTIFICATION = "identification", _("Identifying victims")
    SECURITY = "security", _("Security of the people sheltered")
    LEGAL_FRAME = "legal_frame", _("Legal frame and victims' rights")
    TRAUMA_INFORMED = "trauma_informed", _("Trauma-informed support")
    LABOUR_EXPLOITATION = "labour_exploitation", _("Labour exploitation and domestic servitude")
    SEXUAL_EXPLOITATION = "sexual_exploitation", _("Sexual exploitation")
    MINORS = "minors", _("Minors who are victims")
    OTHER = "other", _("Other topic")


class Audience(models.TextChoices):
    SHELTER_STAFF = "shelter_staff", _("Shelter staff")
    FIELD_PROFESSIONALS = "field_professionals", _("Field professionals")
    PUBLIC = "public", _("General public")


class TrainingSession(BaseModel):
    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=32, choices=Topic.choices)
    starts_on = models.DateField(_("date"), db_index=True)
    duration_hours = models.DecimalField(_("duration (hours)"), max_digits=4, decimal_places=1)
    online = models.BooleanField(_("online"), default=False)
    place = models.CharField(_("place"), max_length=200, blank=True)
    trainer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="training_sessions", verbose_name=_("trainer")
    )
    audience = models.CharField(_("audience"), max_length=32, choices=Audience.choices)
    notes = EncryptedTextField(_("notes"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(online=True) | ~models.Q(place=""), name="training_place_unless_online"
            ),
            models.CheckConstraint(
                condition=models.Q(duration_hours__gt=0), name="training_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(BaseModel):
    """One person registered at a session: a platform user, or an external person."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_attendances",
        verbose_name=_("platform user"),
    )
    full_name = models.CharField(_("full name"), max_length=150)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    # The attendee's organisation when it is on the platform: whose staff they are.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_attendances",
        verbose_name=_("organisation on the platform"),
    )
    # The shelter the attendee works at: what makes a shelter's staff "trained".
    shelter = models.ForeignKey(
        Shelter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_attendances",
        verbose_name=_("shelter"),
    )
    attended = models.BooleanField(_("attended"), default=True)
    certificate_number = models.CharField(_("certificate number"), max_length=32, unique=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=models.Q(user__isnull=False),
                name="attendance_once_per_user",
            ),
        ]
        indexes = [models.Index(fields=["shelter", "attended"])]

    def __str__(self) -> str:
        return self.full_name
