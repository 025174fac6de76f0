"""Persons, their household, requests for a placement, consent, danger zones, messages.

Identity, contacts, health and what is known of the exploiters are encrypted fields; the
anonymised profile (age, gender, household, needs, languages, form of exploitation) stays in
clear so that lists, matching and statistics work without decrypting anybody.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from abri.accounts.models import Organisation
from abri.core.fields import EncryptedBytesField, EncryptedDateField, EncryptedJSONField, EncryptedTextField
from abri.core.models import BaseModel, SealedAfterInsert
from abri.core.vocabulary import Gender


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_ASSESSMENT = "in_assessment", _("Being assessed")
    INFO_REQUESTED = "info_requested", _("Information requested")
    ACCEPTED = "accepted", _("Accepted for a search")
    REDIRECTED = "redirected", _("Redirected elsewhere")
    DECLINED = "declined", _("Declined")
    SEARCHING = "searching", _("Searching for a place")
    PLACE_FOUND = "place_found", _("Place found")
    TRAVELLING = "travelling", _("Travelling")
    IN_STAY = "in_stay", _("Sheltered")
    CLOSED = "closed", _("Closed")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent: within days")
    IMMEDIATE = "immediate", _("Immediate danger: tonight")


class PermitStatus(models.TextChoices):
    NONE = "none", _("No residence document")
    REFLECTION = "reflection", _("In the reflection period")
    RECEIPT = "receipt", _("Receipt (récépissé)")
    PERMIT = "permit", _("Residence permit")
    RESIDENT = "resident", _("Resident card")
    EU = "eu", _("EU citizen or French")
    UNKNOWN = "unknown", _("Unknown")


class CountryOfOrigin(models.TextChoices):
    """A coarse, clear country of origin for statistics (the nationality itself stays encrypted).

    The countries the network meets most (DOMAIN.md), then one bucket per continent.
    """

    NIGERIA = "NG", _("Nigeria")
    ROMANIA = "RO", _("Romania")
    BULGARIA = "BG", _("Bulgaria")
    CHINA = "CN", _("China")
    IVORY_COAST = "CI", _("Côte d'Ivoire")
    CAMEROON = "CM", _("Cameroon")
    GUINEA = "GN", _("Guinea")
    MOROCCO = "MA", _("Morocco")
    ALBANIA = "AL", _("Albania")
    BRAZIL = "BR", _("Brazil")
    VIETNAM = "VN", _("Vietnam")
    FRANCE = "FR", _("France")
    OTHER_EUROPE = "europe", _("Other country of Europe")
    OTHER_AFRICA = "africa", _("Other country of Africa")
    OTHER_ASIA = "asia", _("Other country of Asia")
    OTHER_AMERICAS = "americas", _("Other country of the Americas")
    OTHER = "other", _("Other country")
    UNKNOWN = "unknown", _("Unknown")


class StartAge(models.TextChoices):
    UNDER_15 = "under_15", _("Under 15")
    FROM_15_TO_17 = "15_17", _("15 to 17")
    FROM_18_TO_24 = "18_24", _("18 to 24")
    FROM_25_TO_34 = "25_34", _("25 to 34")
    OVER_35 = "35_plus", _("35 or older")
    UNKNOWN = "unknown", _("Unknown")


class ExploitationPlace(models.TextChoices):
    FRANCE = "france", _("In France")
    ABROAD = "abroad", _("Abroad")
    BOTH = "both", _("In France and abroad")
    UNKNOWN = "unknown", _("Unknown")


class ExploiterRelation(models.TextChoices):
    NETWORK = "network", _("A network")
    FAMILY = "family", _("Family")
    SPOUSE = "spouse", _("Spouse or partner")
    EMPLOYER = "employer", _("Employer")
    OTHER = "other", _("Someone else")
    UNKNOWN = "unknown", _("Unknown")


class YesNoUnknown(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Unknown")


class Person(BaseModel):
    """A person referred to the network. Known to other pages by reference and pseudonym only."""

    reference = models.CharField(_("case reference"), max_length=16, unique=True)
    pseudonym = models.CharField(_("pseudonym"), max_length=60)
    first_name = EncryptedTextField(_("first name"))
    last_name = EncryptedTextField(_("last name"))
    aliases = EncryptedTextField(_("other names used"))
    birth_date = EncryptedDateField(_("birth date"))
    nationality = EncryptedTextField(_("nationality"))
    phone = EncryptedTextField(_("phone"))
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    # The age when referred, in clear: the anonymised profile shows an age band, never a date.
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list)
    interpreter_needed = models.BooleanField(_("needs an interpreter"), default=False)
    needs_wheelchair = models.BooleanField(_("needs wheelchair access"), default=False)
    # Health, addiction, pregnancy, psychological care: sensitive data (GDPR art. 9).
    health_needs = EncryptedJSONField(_("health needs"))
    exploitation_forms = models.JSONField(_("forms of exploitation"), default=list)
    exploiters = EncryptedTextField(_("what is known of the exploiters"))
    complaint_filed = models.BooleanField(_("complaint filed"), default=False)
    permit_status = models.CharField(
        _("residence situation"), max_length=16, choices=PermitStatus.choices, default=PermitStatus.UNKNOWN
    )
    # The national survey's coarse variables (docs/decisions/0006-survey-variables.md): in clear,
    # categories only, "unknown" until the field worker says.
    country_of_origin = models.CharField(
        _("country of origin"), max_length=8, choices=CountryOfOrigin.choices, default=CountryOfOrigin.UNKNOWN
    )
    exploitation_start_age = models.CharField(
        _("age when the exploitation began"), max_length=8, choices=StartAge.choices, default=StartAge.UNKNOWN
    )
    exploitation_place = models.CharField(
        _("where the exploitation took place"),
        max_length=8,
        choices=ExploitationPlace.choices,
        default=ExploitationPlace.UNKNOWN,
    )
    exploiter_relation = models.CharField(
        _("who the exploiter was"),
        max_length=8,
        choices=ExploiterRelation.choices,
        default=ExploiterRelation.UNKNOWN,
    )
    housed_by_exploiter = models.CharField(
        _("housed by the exploiter"), max_length=8, choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN
    )
    # Keyed hashes of normalised identity attributes, for possible duplicates (coordinators only).
    index_name_birth = models.CharField(max_length=64, blank=True, db_index=True)
    index_phone = models.CharField(max_length=64, blank=True, db_index=True)
    index_alias_birth = models.CharField(max_length=64, blank=True, db_index=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return f"{self.reference} {self.pseudonym}"


class HouseholdMember(BaseModel):
    class Relation(models.TextChoices):
        PARTNER = "partner", _("Partner")
        CHILD = "child", _("Child")
        ADULT = "adult", _("Other adult")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="household")
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    age = models.PositiveSmallIntegerField(_("age"))

    class Meta:
        ordering = ["relation", "-age"]

    def __str__(self) -> str:
        return f"{self.relation} {self.age}"


class Request(BaseModel):
    """A request for a placement (demande d'orientation), filed by a referring organisation."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="requests")
    referrer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="requests")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    urgency = models.CharField(_("urgency"), max_length=12, choices=Urgency.choices, default=Urgency.NORMAL)
    situation = EncryptedTextField(_("the situation in a few words"))
    min_distance_km = models.PositiveSmallIntegerField(_("minimum distance from danger (km)"), default=150)
    draft_step = models.PositiveSmallIntegerField(default=1)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    decision_reason = EncryptedTextField(_("reason"))
    linked_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Shelters never to propose again (the previous placement after an incident).
    avoid_shelters = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-created_at"]

    def __str__(self) -> str:
        return f"request {self.person.reference}"


class DangerZone(BaseModel):
    """Where the exploiters operate or could find the person: a département or a town with a radius.

    ``source`` says who placed the zone. A zone drawn around a former shelter (after an incident)
    is location data: only coordinators read where it is (``abri.access.policy.danger_zone_label``).
    """

    class Source(models.TextChoices):
        REFERRER = "referrer", _("Given by the field worker")
        PLACEMENT = "placement", _("Around a former placement")
        COORDINATION = "coordination", _("Set by the coordinators")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="danger_zones")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.REFERRER)
    departement = models.CharField(_("département"), max_length=3, blank=True)
    commune = models.CharField(_("town"), max_length=120, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    radius_km = models.PositiveSmallIntegerField(_("radius (km)"), default=0)

    class Meta:
        ordering = ["departement", "commune"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(departement="")
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="danger_zone_has_a_place",
            )
        ]

    def __str__(self) -> str:
        return self.commune or self.departement


class Consent(BaseModel):
    """The person's informed consent: nothing is submitted without it."""

    request = models.OneToOneField(Request, on_delete=models.CASCADE, related_name="consent")
    obtained_by = EncryptedTextField(_("obtained by"))
    obtained_at = models.DateTimeField(_("obtained on"))
    language = models.CharField(_("in which language"), max_length=8)
    interpreter_used = models.BooleanField(_("with an interpreter"), default=False)

    def __str__(self) -> str:
        return f"consent {self.obtained_at:%Y-%m-%d}"


class RequestEvent(SealedAfterInsert):
    """The request's timeline: every transition and notable action, who, when and why."""

    id = models.BigAutoField(primary_key=True)
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    # None for what the system does by itself (an expired proposal).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=32)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    reason = EncryptedTextField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at}"


class Message(BaseModel):
    """A message between the referrer and the coordinator about a request."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_coordination = models.BooleanField()
    body = EncryptedTextField(_("message"))

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"message {self.created_at}"


class Attachment(BaseModel):
    """A document attached to a request: checked by content, stripped of metadata, encrypted.

    The stored name is generated by the server; the original file name is encrypted with the
    content because it often holds the person's name.
    """

    class Kind(models.TextChoices):
        IDENTITY = "identity", _("Identity document")
        LEGAL = "legal", _("Complaint or legal document")
        MEDICAL = "medical", _("Medical document")
        PHOTO = "photo", _("Photo")
        # A ticket names the destination: coordinators only (abri.access.policy.attachments_for_user).
        TICKET = "ticket", _("Travel ticket")
        OTHER = "other", _("Other document")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind of document"), max_length=16, choices=Kind.choices)
    content_type = models.CharField(max_length=64)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    original_name = EncryptedTextField()
    content = EncryptedBytesField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d}"

    @property
    def download_name(self) -> str:
        return f"{self.request.person.reference}-{self.kind}-{self.created_at:%Y%m%d}.{self.extension}"


class DuplicateCandidate(BaseModel):
    """Two requests whose persons share a keyed identity hash: shown to coordinators only."""

    class Decision(models.TextChoices):
        OPEN = "open", _("To check")
        LINKED = "linked", _("Same person: linked")
        DISMISSED = "dismissed", _("Different persons")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="duplicates")
    other = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="+")
    matched_on = models.JSONField(default=list)
    decision = models.CharField(max_length=12, choices=Decision.choices, default=Decision.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "other"], name="duplicate_pair_once")]

    def __str__(self) -> str:
        return f"duplicate {self.request_id} ~ {self.other_id}"
