"""What happens after safety: support steps, residence rights, legal proceedings, incidents.

A person's support record is kept by the shelter where they live and by the support partners
that follow them (SupportFollow). Every entry names the organisation that recorded it: what
another organisation may read of it is decided in ``abri.support.policy``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abri.accounts.models import Organisation
from abri.core.fields import EncryptedTextField
from abri.core.models import BaseModel
from abri.referrals.models import Person


class SupportFollow(BaseModel):
    """A support partner follows this person, with or without a placement."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="support_follows")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="support_follows")
    started_on = models.DateField(_("followed since"))
    ended_on = models.DateField(_("follow-up ended on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation"],
                condition=models.Q(ended_on__isnull=True),
                name="one_open_follow_per_organisation",
            )
        ]


class StepCategory(models.TextChoices):
    HEALTH_COVER = "health_cover", _("Health cover")
    HEALTH_CARE = "health_care", _("Health care")
    INCOME = "income", _("Income and benefits")
    FRENCH = "french", _("French classes")
    TRAINING_WORK = "training_work", _("Training and work")
    HOUSING = "housing", _("Housing application")
    BANK = "bank", _("Bank account")
    CHILDREN = "children", _("Children (school, childcare)")
    OTHER = "other", _("Other")


class StepStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    ABANDONED = "abandoned", _("Abandoned")


class SupportStep(BaseModel):
    """One social step: a health-cover application, French classes, a housing application…"""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="support_steps")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("kind of step"), max_length=16, choices=StepCategory.choices)
    status = models.CharField(_("status"), max_length=12, choices=StepStatus.choices)
    started_on = models.DateField(_("started on"))
    due_on = models.DateField(_("expected by"), null=True, blank=True)
    done_on = models.DateField(_("completed on"), null=True, blank=True)
    # Free text may name places or people: encrypted, and shown only to the recording organisation,
    # the person's shelter and coordinators.
    note = EncryptedTextField(_("note"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_on", "category"]


class PermitKind(models.TextChoices):
    REFLECTION = "reflection_period", _("Reflection period (30 days)")
    RECEIPT = "receipt", _("Récépissé (temporary receipt)")
    TEMPORARY = "temporary_permit", _("Residence permit for victims (CESEDA L.425-1)")
    RENEWAL = "renewal", _("Renewal of the residence permit")
    RESIDENT_CARD = "resident_card", _("Resident card after a conviction (CESEDA L.425-3)")


class PermitStatus(models.TextChoices):
    APPLIED = "applied", _("Applied for")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class ResidencePermit(BaseModel):
    """A step of the person's residence rights, with its validity and the reminders sent."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="residence_permits")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("document"), max_length=20, choices=PermitKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=PermitStatus.choices)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    starts_on = models.DateField(_("valid from"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True, db_index=True)
    # The préfecture is where the person lives: location data, encrypted (SECURITY.md bar 9).
    prefecture = EncryptedTextField(_("préfecture (département)"))
    number = EncryptedTextField(_("document number"))
    # The reminder stages already sent (days before expiry), so each is sent once.
    reminders_sent = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-starts_on", "-applied_on"]


class CaseStage(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint filed")
    INVESTIGATION = "investigation", _("Investigation")
    TRIAL = "trial", _("Trial")
    APPEAL = "appeal", _("Appeal")
    CLOSED = "closed", _("Closed")


class CaseOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONVICTION = "conviction", _("Conviction")
    ACQUITTAL = "acquittal", _("Acquittal")
    DISMISSED = "dismissed", _("Dismissed (classement sans suite)")


class Offence(models.TextChoices):
    TRAFFICKING = "trafficking", _("Human trafficking")
    PIMPING = "pimping", _("Pimping (proxénétisme)")
    FORCED_LABOUR = "forced_labour", _("Forced labour or servitude")
    UNDIGNIFIED = "undignified", _("Work or housing contrary to human dignity")
    FORCED_CRIME = "forced_crime", _("Forced criminality")
    OTHER = "other", _("Other offence")


class LegalCase(BaseModel):
    """One proceeding: from the complaint to the final decision, with its hearings and claims."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="legal_cases")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    offence = models.CharField(_("offence"), max_length=16, choices=Offence.choices)
    complaint_on = models.DateField(_("complaint filed on"), null=True, blank=True)
    complaint_place = EncryptedTextField(_("where the complaint was filed"))
    stage = models.CharField(_("stage"), max_length=16, choices=CaseStage.choices)
    outcome = models.CharField(_("outcome"), max_length=12, choices=CaseOutcome.choices)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    lawyer = EncryptedTextField(_("lawyer"))
    civil_party = models.BooleanField(_("the person is a civil party"), default=False)
    civil_party_on = models.DateField(_("civil party since"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-complaint_on", "-created_at"]


class HearingKind(models.TextChoices):
    HEARING = "hearing", _("Hearing (audition)")
    TRIAL = "trial", _("Trial")
    APPEAL = "appeal", _("Appeal hearing")
    CIVI = "civi", _("CIVI hearing")


class Hearing(BaseModel):
    case = models.ForeignKey(LegalCase, on_delete=models.CASCADE, related_name="hearings")
    kind = models.CharField(_("kind of hearing"), max_length=10, choices=HearingKind.choices)
    at = models.DateTimeField(_("date and time"), db_index=True)
    # Legal data, encrypted (SECURITY.md bar 9). An audition may take place near the shelter:
    # partners read the court of another organisation's audition and any outcome only if they
    # recorded it (policy.support_details_visible).
    court = EncryptedTextField(_("court"))
    outcome = EncryptedTextField(_("outcome"))
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reminded = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at"]

    @property
    def recorded_by_id(self) -> Any:
        """The organisation that recorded the hearing: its own, or its case's for older ones."""
        return self.organisation_id or self.case.organisation_id


class CompensationBody(models.TextChoices):
    CIVI = "civi", _("CIVI (victims' compensation commission)")
    COURT = "court", _("Criminal court (damages)")
    SARVI = "sarvi", _("SARVI (recovery assistance)")


class CompensationClaim(BaseModel):
    case = models.ForeignKey(LegalCase, on_delete=models.CASCADE, related_name="claims")
    body = models.CharField(_("claimed before"), max_length=8, choices=CompensationBody.choices)
    filed_on = models.DateField(_("filed on"))
    claimed_amount = models.DecimalField(_("amount claimed (euros)"), max_digits=10, decimal_places=2)
    awarded_amount = models.DecimalField(
        _("amount awarded (euros)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    awarded_on = models.DateField(_("awarded on"), null=True, blank=True)
    paid_amount = models.DecimalField(
        _("amount paid (euros)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["filed_on"]


class SupportIncidentKind(models.TextChoices):
    THREAT = "threat", _("Threats")
    CONTACT = "contact", _("Contact by the exploiters")
    SEEN = "seen", _("Exploiters seen nearby")
    OTHER = "other", _("Other danger")


class SupportIncident(BaseModel):
    """A danger during support. When it calls for it, it triggers the emergency move."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="support_incidents")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("what happened"), max_length=10, choices=SupportIncidentKind.choices)
    occurred_on = models.DateField(_("on"))
    description = EncryptedTextField(_("details"))
    emergency_move = models.BooleanField(_("emergency move requested"), default=False)
    # The placement incident that ended the stay, when the person was moved.
    placement_incident = models.ForeignKey(
        "placements.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-occurred_on"]


class SupportEvent(models.Model):
    """Who did what, when, on a person's support record (shown on the record)."""

    id = models.BigAutoField(primary_key=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="support_events")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A default rather than auto_now_add, so that the demo's three years can be dated.
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=40)
    # Codes (a category, a status, a date), never free text, so every organisation that follows
    # the person may read the line; abri.support.journal makes the sentence in the reader's language.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "-at"])]

    def __str__(self) -> str:
        return self.kind
