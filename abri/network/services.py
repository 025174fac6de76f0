"""Writes about shelters and their availability. Each is one transaction with its audit event
and, for availability, a history row."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abri.access.roles import COORDINATION, SHELTER_STAFF, role_of
from abri.accounts.models import Organisation, OrganisationKind, User
from abri.audit.services import audit_record
from abri.core import geography
from abri.core.errors import DomainError
from abri.core.vocabulary import LANGUAGE_CODES, ExploitationForm, Gender
from abri.network.availability import availability
from abri.network.models import AvailabilityChange, Shelter, Unavailability, unavailable_note

SHELTER_FIELDS = (
    "name",
    "commune",
    "departement",
    "latitude",
    "longitude",
    "address",
    "accepts_genders",
    "accepts_couples",
    "max_children",
    "wheelchair_access",
    "languages",
    "exploitation_forms",
    "dedicated_places",
    "contact_name",
    "contact_phone",
    "contact_email",
)
MAX_UNAVAILABILITY_DAYS = 366


def _may_manage(actor: User, shelter: Shelter | None, operator: Organisation | None = None) -> None:
    role = role_of(actor)
    if role in COORDINATION:
        return
    target_operator = shelter.operator_id if shelter else (operator.pk if operator else None)
    if role == SHELTER_STAFF and target_operator == actor.organisation_id:
        return
    raise DomainError(_("You cannot manage this shelter."), code="forbidden")


def validate_shelter_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise shelter fields; errors name the field. Fills région and coordinates."""
    clean = dict(data)
    name = str(clean.get("name") or "").strip()
    if not name:
        raise DomainError(_("The name is required."), field="name")
    clean["name"] = name
    code = str(clean.get("departement") or "").strip().upper()
    try:
        clean["departement"] = geography.departement_code(code)
        clean["region"] = geography.region_of(clean["departement"]).code
    except (KeyError, ValueError) as exc:
        raise DomainError(_("Unknown département."), field="departement") from exc
    commune = str(clean.get("commune") or "").strip()
    if not commune:
        raise DomainError(_("The town is required."), field="commune")
    if clean.get("latitude") in (None, "") or clean.get("longitude") in (None, ""):
        matches = geography.find_communes(commune, departement=clean["departement"], limit=1)
        if not matches:
            raise DomainError(_("This town is not known in this département."), field="commune")
        clean["commune"], clean["latitude"], clean["longitude"] = (
            matches[0].name,
            matches[0].lat,
            matches[0].lon,
        )
    for axis, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        try:
            value = float(clean[axis])
        except (TypeError, ValueError) as exc:
            raise DomainError(_("Enter a number."), field=axis) from exc
        if not low <= value <= high:
            raise DomainError(_("Out of range."), field=axis)
        clean[axis] = value
    genders = list(clean.get("accepts_genders") or [])
    if not genders or not set(genders) <= set(Gender.values):
        raise DomainError(_("Choose at least one gender among the list."), field="accepts_genders")
    clean["accepts_genders"] = sorted(set(genders))
    languages = sorted(set(clean.get("languages") or []))
    if not set(languages) <= LANGUAGE_CODES:
        raise DomainError(_("Unknown language code."), field="languages")
    clean["languages"] = languages
    forms = sorted(set(clean.get("exploitation_forms") or []))
    if not set(forms) <= set(ExploitationForm.values):
        raise DomainError(_("Unknown form of exploitation."), field="exploitation_forms")
    clean["exploitation_forms"] = forms
    for field, high in (("dedicated_places", 50), ("max_children", 20)):
        try:
            number = int(clean.get(field, 0))
        except (TypeError, ValueError) as exc:
            raise DomainError(_("Enter a whole number."), field=field) from exc
        if not 0 <= number <= high:
            raise DomainError(_("Enter a number between 0 and %(high)s.") % {"high": high}, field=field)
        clean[field] = number
    return clean


def _record(shelter: Shelter, actor: User, kind: str, note: str = "") -> None:
    current = availability(shelter)
    AvailabilityChange.objects.create(
        shelter=shelter,
        kind=kind,
        by=actor,
        dedicated_places=current.dedicated,
        free_places=current.free,
        note=note[:200],
    )


def shelter_create(
    *, actor: User, operator: Organisation, request: HttpRequest | None = None, **fields: Any
) -> Shelter:
    """Register a shelter of a shelter-operator organisation (coordinators)."""
    if role_of(actor) not in COORDINATION:
        raise DomainError(_("Only coordinators register shelters."), code="forbidden")
    if operator.kind != OrganisationKind.SHELTER_OPERATOR:
        raise DomainError(_("A shelter is run by a shelter-operator organisation."), field="operator")
    clean = validate_shelter_fields(fields)
    if Shelter.objects.filter(operator=operator, name__iexact=clean["name"]).exists():
        raise DomainError(_("This operator already has a shelter with this name."), field="name")
    with transaction.atomic():
        shelter = Shelter(
            operator=operator, **{k: clean[k] for k in (*SHELTER_FIELDS, "region") if k in clean}
        )
        try:
            shelter.full_clean(exclude=["address"])
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise DomainError(" ".join(messages), field=field) from exc
        shelter.save()
        _record(shelter, actor, AvailabilityChange.Kind.DEDICATED, "created")
        audit_record(action="shelter.create", actor=actor, target=shelter, request=request)
    return shelter


def shelter_update(
    *, actor: User, shelter: Shelter, request: HttpRequest | None = None, **fields: Any
) -> Shelter:
    """Change a shelter's description (its staff or coordinators)."""
    _may_manage(actor, shelter)
    current = {f: getattr(shelter, f) for f in SHELTER_FIELDS}
    clean = validate_shelter_fields({**current, **fields})
    changed = sorted(f for f in (*SHELTER_FIELDS, "region") if f in clean and clean[f] != getattr(shelter, f))
    if not changed:
        return shelter
    with transaction.atomic():
        locked = Shelter.objects.select_for_update().get(pk=shelter.pk)
        for field in changed:
            setattr(locked, field, clean[field])
        locked.save(update_fields=[*changed, "updated_at"])
        if "dedicated_places" in changed:
            _record(
                locked,
                actor,
                AvailabilityChange.Kind.DEDICATED,
                f"{current['dedicated_places']} → {clean['dedicated_places']}",
            )
        # Field names only: the audit log never holds an address.
        audit_record(
            action="shelter.update", actor=actor, target=locked, data={"fields": changed}, request=request
        )
    return locked


def unavailability_declare(
    *,
    actor: User,
    shelter: Shelter,
    places: int,
    reason: str,
    ends_on: datetime.date,
    starts_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> Unavailability:
    """Take some dedicated places out of the network until a date, with a reason."""
    _may_manage(actor, shelter)
    today = timezone.localdate()
    starts_on = starts_on or today
    if not reason.strip():
        raise DomainError(_("Say why these places are unavailable."), field="reason")
    if ends_on < starts_on:
        raise DomainError(_("The end date must be on or after the start date."), field="ends_on")
    if ends_on < today:
        raise DomainError(_("The end date is in the past."), field="ends_on")
    if (ends_on - starts_on).days > MAX_UNAVAILABILITY_DAYS:
        raise DomainError(
            _("At most one year: lower the number of dedicated places instead."), field="ends_on"
        )
    with transaction.atomic():
        locked = Shelter.objects.select_for_update().get(pk=shelter.pk)
        free = availability(locked, starts_on).free
        if places < 1 or places > free:
            raise DomainError(
                _("Between 1 and %(free)s places (the free places on that day).") % {"free": free},
                field="places",
            )
        item = Unavailability.objects.create(
            shelter=locked,
            places=places,
            reason=reason.strip()[:200],
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=actor,
        )
        _record(locked, actor, AvailabilityChange.Kind.UNAVAILABLE, unavailable_note(places, ends_on))
        audit_record(
            action="shelter.unavailable",
            actor=actor,
            target=locked,
            data={"places": places, "until": ends_on.isoformat()},
            request=request,
        )
    return item


def unavailability_end(
    *, actor: User, unavailability: Unavailability, request: HttpRequest | None = None
) -> None:
    """The places are back before the planned date."""
    shelter = unavailability.shelter
    _may_manage(actor, shelter)
    if unavailability.ended_at is not None:
        raise DomainError(_("These places are already available again."), code="ended")
    with transaction.atomic():
        unavailability.ended_at = timezone.now()
        unavailability.save(update_fields=["ended_at", "updated_at"])
        _record(shelter, actor, AvailabilityChange.Kind.AVAILABLE_AGAIN, f"{unavailability.places}")
        audit_record(action="shelter.available_again", actor=actor, target=shelter, request=request)


def availability_confirm(*, actor: User, shelter: Shelter, request: HttpRequest | None = None) -> None:
    """'Still true': the shelter checked its places, so coordinators can trust the figure."""
    _may_manage(actor, shelter)
    with transaction.atomic():
        _record(shelter, actor, AvailabilityChange.Kind.CONFIRMED)
        audit_record(action="shelter.availability_confirmed", actor=actor, target=shelter, request=request)
