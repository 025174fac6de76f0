"""Organisations, users and their one membership (organisation + role), invitations, sessions."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from abri.core.models import BaseModel


class OrganisationKind(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinating association")
    REFERRER = "referrer", _("Referring organisation")
    SHELTER_OPERATOR = "shelter_operator", _("Shelter operator")
    SUPPORT_PARTNER = "support_partner", _("Support partner")
    OBSERVER = "observer", _("Observer")


class Sector(models.TextChoices):
    """What kind of referrer an organisation is: the statistics filter and break down by it."""

    ASSOCIATION = "association", _("Association")
    POLICE = "police", _("Police or gendarmerie")
    JUSTICE = "justice", _("Justice or lawyers")
    HEALTH = "health", _("Hospital or health service")
    SOCIAL = "social", _("Public social or migrant services")
    LABOUR = "labour", _("Labour inspection")
    OTHER = "other", _("Other")


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    ADMINISTRATOR = "administrator", _("Administrator")
    REFERRER = "referrer", _("Field worker")
    SHELTER_STAFF = "shelter_staff", _("Shelter staff")
    PARTNER = "partner", _("Support partner staff")
    OBSERVER = "observer", _("Observer")


# Which roles a member of each kind of organisation may hold: a referrer can never be made a
# coordinator by a typo in a form.
ROLES_BY_KIND: dict[str, tuple[str, ...]] = {
    OrganisationKind.COORDINATOR: (Role.COORDINATOR, Role.ADMINISTRATOR),
    OrganisationKind.REFERRER: (Role.REFERRER,),
    OrganisationKind.SHELTER_OPERATOR: (Role.SHELTER_STAFF,),
    OrganisationKind.SUPPORT_PARTNER: (Role.PARTNER,),
    OrganisationKind.OBSERVER: (Role.OBSERVER,),
}


class Organisation(BaseModel):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    departement = models.CharField(_("département"), max_length=3, blank=True)
    # For referrers: the kind of referrer (police, association, hospital...), for the statistics.
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices, default=Sector.OTHER)
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The partner directory: where and on what the organisation works.
    areas = models.JSONField(_("areas of action (départements)"), default=list, blank=True)
    exploitation_forms = models.JSONField(_("forms of exploitation worked on"), default=list, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A staff member of one organisation, acting in one role (their membership)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    preferred_language = models.CharField(_("language"), max_length=8, default="fr")

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A user without an organisation and role has no access at all; a role always
            # comes with its organisation.
            models.CheckConstraint(
                condition=models.Q(role="") | models.Q(organisation__isnull=False),
                name="user_role_needs_organisation",
            ),
        ]

    def is_verified(self) -> bool:
        """Replaced per request by django-otp's middleware; outside a request nobody is verified."""
        return False

    @property
    def is_coordinator(self) -> bool:
        return self.role in (Role.COORDINATOR, Role.ADMINISTRATOR)

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR


class Invitation(BaseModel):
    """A single-use link that lets a new member set a password and enrol a second factor."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    # Only the token's hash is stored: a database leak does not hand out accounts.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitation"
    )

    class Meta:
        ordering = ["-created_at"]


class UserSession(models.Model):
    """Which sessions belong to whom, so that deactivating a user ends them all at once."""

    session_key = models.CharField(max_length=40, primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"session of {self.user_id}"
