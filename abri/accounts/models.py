"""Organisations, users and their one membership (organisation + role), invitations, sessions."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from abri.core import crypto
from abri.core.fields import EncryptedTextField
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


class User(AbstractUser):  # type: ignore[django-manager-missing]  # django-otp devices are untyped
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


# --- Second factors ------------------------------------------------------------------------------
# django-otp's own TOTP and static devices keep their secrets in clear text. These two keep them
# out of a database dump: the TOTP secret is encrypted like every other personal value, and a
# recovery code is kept only as a keyed hash. django-otp finds them like any other device.


def _new_totp_key() -> str:
    from django_otp.util import random_hex

    return random_hex(20)


class _DeviceSecretField(EncryptedTextField):
    """An encrypted secret bound to its device's ``secret_id`` and user.

    django-otp names devices by an integer id (``persistent_id``), unknown before the INSERT, so
    the ciphertext is bound to a random id of its own instead, and to the user: copied to another
    row or given to another user, it no longer decrypts.
    """

    def _aad(self, instance: models.Model) -> bytes:
        secret_id, user_id = getattr(instance, "secret_id", None), getattr(instance, "user_id", None)
        if secret_id is None or user_id is None:
            raise ValueError(f"{type(instance).__name__} needs its secret_id and user before encrypting")
        return crypto.associated_data(instance._meta.db_table, str(self.column), f"{secret_id}/{user_id}")


class EncryptedTOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app (TOTP) whose secret is encrypted at rest.

    The verification, drift and replay rules and the throttling are django-otp's own code, taken
    from its ``TOTPDevice``: only where the secret lives differs.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="totp_devices")
    secret_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = _DeviceSecretField(default=_new_totp_key)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    bin_key = TOTPDevice.bin_key
    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    config_url = TOTPDevice.config_url
    _read_str_from_settings = TOTPDevice._read_str_from_settings

    class Meta(Device.Meta):
        verbose_name = "TOTP device"


RECOVERY_CODE_PURPOSE = "recovery-code"


def recovery_code_hash(code: str) -> str:
    """A keyed hash of a recovery code, however it is typed (capitals, spaces, with or without dash).

    A code has 48 random bits: with the key kept outside the database, a dump cannot be searched
    for them, and a hash needs no slow password hasher to be safe.
    """
    from abri.core.crypto import blind_index

    return blind_index("".join(c for c in code.lower() if c.isalnum()), purpose=RECOVERY_CODE_PURPOSE)


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """The user's one-time recovery codes, kept only as keyed hashes."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_code_devices")

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1))

    def verify_token(self, token: Any) -> bool:
        # django-otp's StaticDevice.verify_token, matching on the hash of what was typed.
        verify_allowed, _reason = self.verify_is_allowed()
        if not verify_allowed:
            return False
        # One use only, in one statement: of two requests typing the same code at once, only the
        # one whose DELETE removed the row succeeds (a lookup then a delete let both through).
        deleted, _rows = self.codes.filter(code_hash=recovery_code_hash(str(token))).delete()
        if deleted != 1:
            self.throttle_increment()
            return False
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, db_index=True)

    def __str__(self) -> str:
        return f"recovery code of device {self.device_id}"
