"""Writes about requests: drafts step by step, submission, the workflow's transitions, messages,
duplicates, subject access and erasure. One transaction and one audit event each."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abri.access import policy
from abri.access.roles import COORDINATION, REFERRER, role_of
from abri.accounts.models import OrganisationKind, Role, User
from abri.audit.models import AuditNote
from abri.audit.services import audit_record
from abri.core import crypto, geography
from abri.core.errors import DomainError
from abri.core.ids import is_uuid
from abri.core.mail import queue_mail
from abri.core.vocabulary import LANGUAGE_CODES, ExploitationForm, Gender
from abri.referrals import workflow
from abri.referrals.models import (
    Consent,
    CountryOfOrigin,
    DangerZone,
    DuplicateCandidate,
    ExploitationPlace,
    ExploiterRelation,
    HouseholdMember,
    Message,
    Person,
    Request,
    RequestEvent,
    StartAge,
    Status,
    YesNoUnknown,
)
from abri.referrals.workflow import TRANSITIONS, check_transition

PSEUDONYM_WORDS = [
    "Aurore",
    "Brise",
    "Cèdre",
    "Dune",
    "Étoile",
    "Falaise",
    "Galet",
    "Houle",
    "Iris",
    "Jade",
    "Lagune",
    "Mistral",
    "Nacre",
    "Opale",
    "Perle",
    "Rivière",
    "Saule",
    "Tilleul",
    "Vallée",
    "Zéphyr",
]
STEPS = ("person", "household", "situation", "needs", "consent", "review")


def _next_reference(year: int) -> str:
    """AC-2026-0042: sequential per year, computed under the IMMEDIATE/row lock of the insert."""
    prefix = f"AC-{year}-"
    last = Person.objects.filter(reference__startswith=prefix).aggregate(m=Max("reference"))["m"]
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def new_person(**fields: Any) -> Person:
    """A person with the next case reference and a random pseudonym (inside the caller's transaction)."""
    fields.setdefault("gender", Gender.FEMALE)
    person = Person(
        reference=_next_reference(timezone.localdate().year),
        pseudonym=f"{secrets.choice(PSEUDONYM_WORDS)} {secrets.randbelow(90) + 10}",
        **fields,
    )
    person.save()
    return person


def _require_referrer_of(actor: User, request: Request) -> None:
    if role_of(actor) != REFERRER or request.referrer_id != actor.organisation_id:
        raise DomainError(_("Only the referring organisation edits its request."), code="forbidden")


def request_create_draft(*, actor: User, http_request: HttpRequest | None = None) -> Request:
    """Open a new draft for a person; the field worker fills it step by step."""
    if (
        role_of(actor) != REFERRER
        or actor.organisation is None
        or actor.organisation.kind != OrganisationKind.REFERRER
    ):
        raise DomainError(_("Only field workers file requests."), code="forbidden")
    with transaction.atomic():
        person = new_person()
        request = Request.objects.create(person=person, referrer=actor.organisation, created_by=actor)
        RequestEvent.objects.create(request=request, actor=actor, kind="created", to_status=Status.DRAFT)
        audit_record(action="request.create", actor=actor, target=request, request=http_request)
    return request


def _clean_choice_list(values: Any, allowed: frozenset[str] | set[str], field: str) -> list[str]:
    values = sorted(set(values or []))
    if not set(values) <= set(allowed):
        raise DomainError(_("Unknown value in the list."), field=field)
    return values


def request_save_person(*, actor: User, request: Request, data: dict[str, Any]) -> None:
    """Step 1: who the person is. Identity fields are encrypted."""
    _require_draft_or_info(actor, request)
    person = request.person
    if not str(data.get("first_name") or "").strip() and not str(data.get("aliases") or "").strip():
        raise DomainError(_("Give a first name, or the name the person uses."), field="first_name")
    birth_date = data.get("birth_date")
    if birth_date and birth_date > timezone.localdate():
        raise DomainError(_("The birth date is in the future."), field="birth_date")
    age = data.get("age")
    if birth_date:
        today = timezone.localdate()
        age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    if age is None:
        raise DomainError(_("Give the birth date or at least an approximate age."), field="age")
    if not 0 <= int(age) <= 110:
        raise DomainError(_("Enter an age between 0 and 110."), field="age")
    for field in ("first_name", "last_name", "aliases", "nationality", "phone"):
        setattr(person, field, str(data.get(field) or "").strip())
    person.birth_date = birth_date
    person.age = int(age)
    person.gender = data.get("gender") or Gender.FEMALE
    if person.gender not in Gender.values:
        raise DomainError(_("Unknown gender."), field="gender")
    person.languages = _clean_choice_list(data.get("languages"), LANGUAGE_CODES, "languages")
    if not person.languages:
        raise DomainError(_("Give at least one language the person speaks."), field="languages")
    person.interpreter_needed = bool(data.get("interpreter_needed"))
    person.country_of_origin = _choice(data, "country_of_origin", CountryOfOrigin)
    _save_step(actor, request, person, 1)


def _choice(data: dict[str, Any], field: str, choices: Any) -> str:
    """A coarse survey variable: one of its codes, "unknown" when not given."""
    value = str(data.get(field) or "unknown")
    if value not in choices.values:
        raise DomainError(_("Choose one of the listed answers."), field=field)
    return value


def request_save_household(*, actor: User, request: Request, members: list[dict[str, Any]]) -> None:
    """Step 2: who comes with the person (partner, children, other adults)."""
    _require_draft_or_info(actor, request)
    clean = []
    for index, member in enumerate(members):
        relation = member.get("relation")
        if relation not in HouseholdMember.Relation.values:
            raise DomainError(
                _("Line %(n)s: choose who this person is.") % {"n": index + 1}, field="household"
            )
        try:
            age = int(member.get("age"))  # type: ignore[arg-type]  # None is caught below
        except (TypeError, ValueError) as exc:
            raise DomainError(_("Line %(n)s: enter the age.") % {"n": index + 1}, field="household") from exc
        if not 0 <= age <= 110 or (relation == "child" and age > 17):
            raise DomainError(
                _("Line %(n)s: the age is not plausible.") % {"n": index + 1}, field="household"
            )
        gender = member.get("gender") or Gender.FEMALE
        if gender not in Gender.values:
            raise DomainError(_("Line %(n)s: unknown gender.") % {"n": index + 1}, field="household")
        clean.append(HouseholdMember(person=request.person, relation=relation, gender=gender, age=age))
    if len(clean) > 12:
        raise DomainError(_("At most 12 accompanying people."), field="household")
    with transaction.atomic():
        request.person.household.all().delete()
        HouseholdMember.objects.bulk_create(clean)
        _save_step(actor, request, None, 2)


def _clean_departements(values: Any, field: str) -> list[str]:
    departements = sorted(set(values or []))
    for code in departements:
        try:
            geography.departement(code)
        except KeyError as exc:
            raise DomainError(_("Unknown département."), field=field) from exc
    return departements


def _clean_towns(text: Any, field: str) -> list[Any]:
    """Towns written one per line as "Town (département)", each found in the shipped geography."""
    towns = []
    for name in [t.strip() for t in str(text or "").split("\n") if t.strip()]:
        label, _sep, dep = name.partition("(")
        code = dep.strip(" )") or None
        try:
            matches = geography.find_communes(label.strip(), departement=code, limit=10)
        except KeyError:  # an unknown département code in the parentheses
            matches = []
        exact = [m for m in matches if geography.normalise(m.name) == geography.normalise(label.strip())]
        matches = exact or matches[:1]
        if not matches:
            raise DomainError(
                _("Unknown town: %(town)s. Write it as “Town (département)”.") % {"town": name},
                field=field,
            )
        if code is None and len({m.departement for m in matches}) > 1:
            # Several towns bear this name (Saint-Denis 93 and 974): a wrong guess would measure the
            # distance from the wrong place, so ask.
            raise DomainError(
                _(
                    "Several towns are called %(town)s (départements %(codes)s): add the département, "
                    "for example “%(town)s (%(first)s)”."
                )
                % {
                    "town": matches[0].name,
                    "codes": ", ".join(sorted({m.departement for m in matches})),
                    "first": matches[0].departement,
                },
                field=field,
            )
        towns.append(matches[0])
    return towns


def request_save_situation(*, actor: User, request: Request, data: dict[str, Any]) -> None:
    """Step 3: urgency, the form of exploitation, the danger zones, what is known of the exploiters."""
    _require_draft_or_info(actor, request)
    person = request.person
    person.exploitation_forms = _clean_choice_list(
        data.get("exploitation_forms"), set(ExploitationForm.values), "exploitation_forms"
    )
    if not person.exploitation_forms:
        raise DomainError(_("Choose at least one form of exploitation."), field="exploitation_forms")
    departements = _clean_departements(data.get("danger_departements"), "danger_departements")
    towns = _clean_towns(data.get("danger_towns"), "danger_towns")
    if not departements and not towns:
        raise DomainError(
            _("Give at least one place where the exploiters operate."), field="danger_departements"
        )
    request.urgency = data.get("urgency") or request.urgency
    request.situation = str(data.get("situation") or "").strip()
    request.min_distance_km = int(data.get("min_distance_km") or 150)
    person.exploiters = str(data.get("exploiters") or "").strip()
    person.exploitation_start_age = _choice(data, "exploitation_start_age", StartAge)
    person.exploitation_place = _choice(data, "exploitation_place", ExploitationPlace)
    person.exploiter_relation = _choice(data, "exploiter_relation", ExploiterRelation)
    person.housed_by_exploiter = _choice(data, "housed_by_exploiter", YesNoUnknown)
    with transaction.atomic():
        # Only the zones the field worker gave: a zone from a former placement or set by the
        # coordinators is not theirs to change (nor to read: policy.danger_zone_label).
        request.danger_zones.filter(source=DangerZone.Source.REFERRER).delete()
        zones = [DangerZone(request=request, departement=code) for code in departements]
        zones += [
            DangerZone(
                request=request,
                departement=t.departement,
                commune=t.name,
                latitude=t.lat,
                longitude=t.lon,
                radius_km=int(data.get("town_radius_km") or 30),
            )
            for t in towns
        ]
        DangerZone.objects.bulk_create(zones)
        request.save(update_fields=["urgency", "situation", "min_distance_km", "updated_at"])
        _save_step(actor, request, person, 3)


def request_zones_change(
    *,
    actor: User,
    request: Request,
    reason: str,
    remove: list[str] | None = None,
    departements: list[str] | None = None,
    towns: str = "",
    radius_km: int = 30,
    http_request: HttpRequest | None = None,
) -> Request:
    """A coordinator changes a request's danger zones: the only way past a zone the engine holds.

    The proposal service refuses a shelter inside a zone and nobody bypasses it; a coordinator who
    knows better (the network left a town, a zone was mistyped) removes or adds zones here, with a
    reason, on the timeline (coordinators read it) and in the audit log. Added zones are the
    coordinators' own: others read that they exist, not where (``policy.danger_zone_label``).
    """
    if role_of(actor) not in COORDINATION:
        raise DomainError(_("Only coordinators change the danger zones of a request."), code="forbidden")
    reason = reason.strip()
    if not reason:
        raise DomainError(_("A reason is required."), field="reason")
    added_departements = _clean_departements(departements, "departements")
    added_towns = _clean_towns(towns, "towns")
    if not 0 <= radius_km <= 300:
        raise DomainError(_("The radius is between 0 and 300 km."), field="radius_km")
    with transaction.atomic():
        # The proposal service checks the zones under this lock: no proposal slips in between.
        locked = Request.objects.select_for_update().get(pk=request.pk)
        if locked.status in (Status.DRAFT, Status.CLOSED):
            raise DomainError(
                _("The danger zones of this request can no longer be changed."), code="wrong_state"
            )
        removed = locked.danger_zones.filter(pk__in=[pk for pk in remove or [] if is_uuid(pk)])
        removed_count = removed.count()
        if not removed_count and not added_departements and not added_towns:
            raise DomainError(_("Choose a zone to remove or give one to add."), field="remove")
        remaining = locked.danger_zones.count() - removed_count
        if remaining + len(added_departements) + len(added_towns) == 0:
            raise DomainError(_("A request keeps at least one danger zone."), field="remove")
        removed.delete()
        source = DangerZone.Source.COORDINATION
        DangerZone.objects.bulk_create(
            [DangerZone(request=locked, source=source, departement=code) for code in added_departements]
            + [
                DangerZone(
                    request=locked,
                    source=source,
                    departement=t.departement,
                    commune=t.name,
                    latitude=t.lat,
                    longitude=t.lon,
                    radius_km=radius_km,
                )
                for t in added_towns
            ]
        )
        # Through the table: the placement's effect withdraws the live proposals that the new
        # zones exclude (a shelter inside a zone must not agree and read the identity).
        workflow.apply(request=locked, name="zones_changed", actor=actor, reason=reason)
        audit_record(
            action="request.zones_change",
            actor=actor,
            target=locked,
            data={"removed": removed_count, "added": len(added_departements) + len(added_towns)},
            request=http_request,
        )
    return locked


def request_save_needs(*, actor: User, request: Request, data: dict[str, Any]) -> None:
    """Step 4: accessibility, health (encrypted), and the legal situation."""
    _require_draft_or_info(actor, request)
    person = request.person
    person.needs_wheelchair = bool(data.get("needs_wheelchair"))
    person.health_needs = {
        "health": bool(data.get("health")),
        "addiction": bool(data.get("addiction")),
        "pregnancy": bool(data.get("pregnancy")),
        "psychological": bool(data.get("psychological")),
        "notes": str(data.get("health_notes") or "").strip(),
    }
    person.complaint_filed = bool(data.get("complaint_filed"))
    person.permit_status = data.get("permit_status") or person.permit_status
    _save_step(actor, request, person, 4)


def request_save_consent(*, actor: User, request: Request, data: dict[str, Any]) -> None:
    """Step 5: the person's informed consent: who obtained it, when, in which language."""
    _require_draft_or_info(actor, request)
    if not data.get("confirmed"):
        raise DomainError(
            _("The person must have agreed: nothing happens without their consent."), field="confirmed"
        )
    obtained_at = data.get("obtained_at")
    if (
        not isinstance(obtained_at, datetime.datetime)
        or obtained_at < timezone.now() - datetime.timedelta(days=365)
        or obtained_at > timezone.now() + datetime.timedelta(minutes=5)
    ):
        raise DomainError(
            _("Give when the consent was obtained: within the last year, not in the future."),
            field="obtained_at",
        )
    if not str(data.get("obtained_by") or "").strip():
        raise DomainError(_("Say who obtained the consent."), field="obtained_by")
    if data.get("language") not in LANGUAGE_CODES:
        raise DomainError(_("Choose the language of the explanation."), field="language")
    with transaction.atomic():
        Consent.objects.update_or_create(
            request=request,
            defaults={
                "obtained_by": str(data["obtained_by"]).strip()[:150],
                "obtained_at": obtained_at,
                "language": data["language"],
                "interpreter_used": bool(data.get("interpreter_used")),
            },
        )
        _save_step(actor, request, None, 5)


def _require_draft_or_info(actor: User, request: Request) -> None:
    _require_referrer_of(actor, request)
    if request.status not in (Status.DRAFT, Status.INFO_REQUESTED):
        raise DomainError(_("This request can no longer be changed."), code="wrong_state")


def _save_step(actor: User, request: Request, person: Person | None, step: int) -> None:
    with transaction.atomic():
        if person is not None:
            person.save()
        request.draft_step = max(request.draft_step, step + 1)
        request.save(update_fields=["draft_step", "updated_at"])
        audit_record(action="request.step", actor=actor, target=request, data={"step": STEPS[step - 1]})


# --- Submission and the workflow -----------------------------------------------------------


def _identity_indexes(person: Person) -> dict[str, str]:
    birth = person.birth_date.isoformat() if person.birth_date else ""
    indexes = {"index_name_birth": "", "index_phone": "", "index_alias_birth": ""}
    if person.first_name and person.last_name and birth:
        indexes["index_name_birth"] = crypto.blind_index(
            f"{person.first_name} {person.last_name} {birth}", purpose="name_birth"
        )
    digits = "".join(c for c in person.phone or "" if c.isdigit())[-9:]
    if len(digits) >= 8:
        indexes["index_phone"] = crypto.blind_index(digits, purpose="phone")
    if person.aliases and birth:
        indexes["index_alias_birth"] = crypto.blind_index(f"{person.aliases} {birth}", purpose="alias_birth")
    return indexes


def _find_duplicates(request: Request) -> list[DuplicateCandidate]:
    person = request.person
    found: dict[Any, list[str]] = {}
    for field in ("index_name_birth", "index_phone", "index_alias_birth"):
        value = getattr(person, field)
        if not value:
            continue
        others = (
            Request.objects.filter(**{f"person__{field}": value})
            .exclude(pk=request.pk)
            .exclude(status=Status.DRAFT)
        )
        for other in others.only("id"):
            found.setdefault(other.pk, []).append(field.removeprefix("index_"))
    candidates = [
        DuplicateCandidate(request=request, other_id=pk, matched_on=sorted(on)) for pk, on in found.items()
    ]
    return DuplicateCandidate.objects.bulk_create(candidates)


def _log(request: Request, actor: User, kind: str, before: str, after: str, reason: str = "") -> None:
    RequestEvent.objects.create(
        request=request, actor=actor, kind=kind, from_status=before, to_status=after, reason=reason
    )


def _move(
    *, actor: User, request: Request, name: str, reason: str = "", http_request: HttpRequest | None = None
) -> Request:
    """Apply one transition of the request page, under a row lock, with its timeline event and audit.

    The steps of the placement pages (a shelter's agreement, an arrival...) are not actions of this
    page: they go through abri.placements.services, which checks the proposal or the stay first.
    """
    if not TRANSITIONS[name].on_request_page:
        raise KeyError(name)
    with transaction.atomic():
        locked = Request.objects.select_for_update().get(pk=request.pk)
        before = locked.status
        check_transition(name, status=before, role=role_of(actor), reason=reason)
        if role_of(actor) == REFERRER and locked.referrer_id != actor.organisation_id:
            raise DomainError(_("Only the referring organisation can do this."), code="forbidden")
        transition = workflow.apply(request=locked, name=name, actor=actor, reason=reason)
        audit_record(
            action=f"request.{name}",
            actor=actor,
            target=locked,
            data={"from": before, "to": transition.target},
            request=http_request,
        )
    return locked


def request_submit(*, actor: User, request: Request, http_request: HttpRequest | None = None) -> Request:
    """Send the request to the coordinators. Refused without the person's consent."""
    _require_referrer_of(actor, request)
    if not Consent.objects.filter(request=request).exists():
        raise DomainError(
            _("The person's consent is missing: complete the consent step first."), field="consent"
        )
    person = request.person
    if person.age is None or not person.languages:
        raise DomainError(_("The person step is incomplete."), field="person")
    if not request.danger_zones.exists() or not person.exploitation_forms:
        raise DomainError(_("The situation step is incomplete."), field="situation")
    with transaction.atomic():
        for field, value in _identity_indexes(person).items():
            setattr(person, field, value)
        person.save(update_fields=["index_name_birth", "index_phone", "index_alias_birth", "updated_at"])
        moved = _move(actor=actor, request=request, name="submit", http_request=http_request)
        moved.submitted_at = timezone.now()
        moved.save(update_fields=["submitted_at"])
        _find_duplicates(moved)
        _notify_coordination(_("A new request awaits assessment in Abri."), moved)
    return moved


def request_transition(
    *, actor: User, request: Request, name: str, reason: str = "", http_request: HttpRequest | None = None
) -> Request:
    """Any other transition of the table (assess, ask for information, accept, redirect...)."""
    if name == "submit":
        return request_submit(actor=actor, request=request, http_request=http_request)
    moved = _move(actor=actor, request=request, name=name, reason=reason, http_request=http_request)
    if role_of(actor) in COORDINATION:
        _notify_referrer(_("A request of your organisation has changed status in Abri."), moved)
    else:
        _notify_coordination(_("A request has been updated in Abri."), moved)
    return moved


# --- Messages -------------------------------------------------------------------------------


def message_post(
    *, actor: User, request: Request, body: str, http_request: HttpRequest | None = None
) -> Message:
    """A message in the request's thread; the other side gets an e-mail that says only that it awaits."""
    role = role_of(actor)
    if role not in COORDINATION and not (role == REFERRER and request.referrer_id == actor.organisation_id):
        raise DomainError(_("You cannot write on this request."), code="forbidden")
    if request.status == Status.DRAFT:
        raise DomainError(_("Submit the request before writing to the coordinators."), field="body")
    body = body.strip()
    if not body:
        raise DomainError(_("The message is empty."), field="body")
    if len(body) > 5000:
        raise DomainError(_("At most 5,000 characters."), field="body")
    with transaction.atomic():
        message = Message(request=request, author=actor, from_coordination=role in COORDINATION, body=body)
        message.save()
        _log(request, actor, "message", request.status, request.status)
        audit_record(action="request.message", actor=actor, target=request, request=http_request)
        if role in COORDINATION:
            _notify_referrer(_("A message awaits you in Abri about one of your requests."), request)
        else:
            _notify_coordination(_("A message from a field worker awaits you in Abri."), request)
    return message


def _link(request: Request) -> str:
    from django.conf import settings

    return f"{settings.SITE_URL}{reverse('referrals:detail', args=[request.pk])}"


def _notify(users: list[User], subject: Any, request: Request) -> None:
    emails = [u.email for u in users if u.email]
    if emails:
        # Never a name, a town or a reference in an e-mail (SECURITY.md bar 13): a link only.
        queue_mail(to=emails, subject=str(subject), body=f"{subject}\n\n{_link(request)}\n")


def _notify_coordination(subject: Any, request: Request) -> None:
    _notify(
        list(User.objects.filter(is_active=True, role__in=[Role.COORDINATOR, Role.ADMINISTRATOR])),
        subject,
        request,
    )


def _notify_referrer(subject: Any, request: Request) -> None:
    _notify(list(User.objects.filter(is_active=True, organisation_id=request.referrer_id)), subject, request)


# --- Duplicates, subject access, erasure --------------------------------------------------


def duplicate_decide(
    *, actor: User, candidate: DuplicateCandidate, same_person: bool, http_request: HttpRequest | None = None
) -> None:
    """A coordinator links two requests of the same person, or dismisses the match."""
    if role_of(actor) not in COORDINATION:
        raise DomainError(_("Only coordinators decide on duplicates."), code="forbidden")
    with transaction.atomic():
        candidate.decision = (
            DuplicateCandidate.Decision.LINKED if same_person else DuplicateCandidate.Decision.DISMISSED
        )
        candidate.decided_by = actor
        candidate.save(update_fields=["decision", "decided_by", "updated_at"])
        if same_person:
            Request.objects.filter(pk=candidate.request_id).update(linked_to=candidate.other_id)
        _log(
            candidate.request,
            actor,
            "duplicate_" + candidate.decision,
            candidate.request.status,
            candidate.request.status,
        )
        audit_record(
            action=f"duplicate.{candidate.decision}",
            actor=actor,
            target=candidate.request,
            data={"other": str(candidate.other_id)},
            request=http_request,
        )


# What identifies the person (the policy's identity) and the most sensitive things said of her:
# exported on subject access, erased on request or by retention.
PERSONAL_FIELDS = (*policy.IDENTITY_FIELDS, "health_needs", "exploiters")


def person_export(*, actor: User, person: Person, http_request: HttpRequest | None = None) -> dict[str, Any]:
    """Everything Abri holds about one person (GDPR subject access). Audited."""
    if role_of(actor) not in COORDINATION:
        raise DomainError(_("Only coordinators export a person's data."), code="forbidden")
    # The names, birth date and phone come through the accessor, which records their read.
    identity = policy.identity_for(actor, person, request=http_request)

    def value(field: str) -> Any:
        source = identity if field in policy.IDENTITY_FIELDS else person
        found = getattr(source, field, None)
        return found.isoformat() if isinstance(found, datetime.date) else found

    data: dict[str, Any] = {
        "reference": person.reference,
        "pseudonym": person.pseudonym,
        **{f: value(f) for f in PERSONAL_FIELDS},
        "gender": person.gender,
        "age": person.age,
        "languages": person.languages,
        "interpreter_needed": person.interpreter_needed,
        "needs_wheelchair": person.needs_wheelchair,
        "exploitation_forms": person.exploitation_forms,
        "complaint_filed": person.complaint_filed,
        "permit_status": person.permit_status,
        "country_of_origin": person.country_of_origin,
        "exploitation_start_age": person.exploitation_start_age,
        "exploitation_place": person.exploitation_place,
        "exploiter_relation": person.exploiter_relation,
        "housed_by_exploiter": person.housed_by_exploiter,
        "household": [
            {"relation": m.relation, "gender": m.gender, "age": m.age} for m in person.household.all()
        ],
        "requests": [],
    }
    for request in person.requests.prefetch_related("danger_zones", "messages", "events").select_related(
        "referrer"
    ):
        consent = Consent.objects.filter(request=request).first()
        data["requests"].append(
            {
                "referrer": request.referrer.name,
                "status": request.status,
                "urgency": request.urgency,
                "situation": request.situation,
                "submitted_at": request.submitted_at.isoformat() if request.submitted_at else None,
                # The person's own file: she knows where she lived, so a zone around a former
                # placement keeps its town here (coordinators produce this export, step-up).
                "danger_zones": [
                    {
                        "departement": z.departement,
                        "town": z.commune,
                        "radius_km": z.radius_km,
                        "source": z.source,
                    }
                    for z in request.danger_zones.all()
                ],
                "consent": {
                    "obtained_by": consent.obtained_by,
                    "obtained_at": consent.obtained_at.isoformat(),
                    "language": consent.language,
                    "interpreter_used": consent.interpreter_used,
                }
                if consent
                else None,
                "attachments": [
                    {
                        "kind": a.kind,
                        "type": a.content_type,
                        "size": a.size,
                        "added": a.created_at.isoformat(),
                        "file": a.download_name,
                    }
                    for a in request.attachments.all()
                ],
                "messages": [
                    {"at": m.created_at.isoformat(), "from_coordination": m.from_coordination, "body": m.body}
                    for m in request.messages.all()
                ],
                "timeline": [
                    {
                        "at": e.at.isoformat(),
                        "kind": e.kind,
                        "from": e.from_status,
                        "to": e.to_status,
                        "reason": e.reason,
                    }
                    for e in request.events.all()
                ],
            }
        )
    from abri.support.services import support_export

    data["support"] = support_export(person)
    audit_record(action="person.export", actor=actor, target=person, request=http_request)
    return data


def _erase_identity(person: Person) -> None:
    """Remove what identifies a person; keep the anonymous profile, statuses and audit trail."""
    for field in PERSONAL_FIELDS:
        setattr(person, field, None)
    person.pseudonym = "—"
    person.index_name_birth = person.index_phone = person.index_alias_birth = ""
    person.erased_at = timezone.now()
    person.save()
    from abri.support.services import support_erase

    support_erase(person)
    from abri.placements.erasure import placements_erase

    for request in person.requests.all():
        request.situation = request.decision_reason = None
        request.save(update_fields=["situation", "decision_reason", "updated_at"])
        # Reasons are free text that may name the person; the timeline's statuses stay.
        for event in request.events.all():
            if event.reason:
                event.reason = None
                event.save(update_fields=["reason"])
        placements_erase(request)
        # Towns typed about the person can point at them; départements stay for the anonymous
        # statistics. The area around a former placement stays: it says where a shelter is, not
        # who the person is, and the engine must keep avoiding it (it is shown to coordinators only).
        request.danger_zones.exclude(commune="").exclude(source=DangerZone.Source.PLACEMENT).delete()
        for message in request.messages.all():
            message.body = str(_("(erased)"))
            message.save(update_fields=["body", "updated_at"])
        # Documents (identity papers, photos, medical letters) go entirely.
        request.attachments.all().delete()


RETENTION_DAYS = 2 * 365


def _latest(model: Any, person: str, field: str) -> Any:
    """The person's latest ``field`` among ``model`` rows (a correlated subquery), else their creation."""
    from django.db.models import DateTimeField, F, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    latest = model.objects.filter(**{person: OuterRef("pk")}).order_by(f"-{field}").values(field)[:1]
    # Coalesce: SQLite's MAX(a, b, ...) is NULL as soon as one argument is.
    return Coalesce(Subquery(latest, output_field=DateTimeField()), F("created_at"))


def retention_candidates(*, now: datetime.datetime | None = None) -> Any:
    """The people whose file is inactive: nothing keeps it and nothing happened for two years.

    One query, whatever the number of people. A file is kept by an open request (a stay
    included), a current stay, an open follow-up, a proceeding that is not closed, or a hearing to
    come. Its last activity is the latest of the person's own changes, their requests and the
    requests' events, proposals, stays and messages, and every entry of their support record
    (journal, follow-ups, steps, permits, proceedings, hearings, claims, incidents). Each person
    carries it as ``last``.
    """
    from django.db.models import Exists, OuterRef, Q
    from django.db.models.functions import Greatest

    from abri.placements.models import Proposal, Stay
    from abri.referrals.models import Message, RequestEvent
    from abri.referrals.workflow import OPEN_STATUSES
    from abri.support.models import (
        CaseStage,
        CompensationClaim,
        Hearing,
        LegalCase,
        ResidencePermit,
        SupportEvent,
        SupportFollow,
        SupportIncident,
        SupportStep,
    )

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=RETENTION_DAYS)
    me = OuterRef("pk")
    # A person in a stay has the status in_stay, which is not "open" for the worklist: it is here.
    keeps = (
        Exists(Request.objects.filter(person=me, status__in=OPEN_STATUSES | {Status.IN_STAY}))
        | Exists(Stay.objects.filter(request__person=me, ended_on__isnull=True))
        | Exists(SupportFollow.objects.filter(person=me, ended_on__isnull=True))
        | Exists(LegalCase.objects.filter(person=me).exclude(stage=CaseStage.CLOSED))
        # A hearing to come needs no test of its own: its date is in the future, so the latest
        # activity below (which counts hearing dates) is never two years old.
    )
    last = Greatest(
        "updated_at",
        _latest(Request, "person", "updated_at"),
        _latest(RequestEvent, "request__person", "at"),
        _latest(Proposal, "request__person", "updated_at"),
        _latest(Stay, "request__person", "updated_at"),
        _latest(Message, "request__person", "created_at"),
        _latest(SupportEvent, "person", "at"),
        _latest(SupportFollow, "person", "updated_at"),
        _latest(SupportStep, "person", "updated_at"),
        _latest(ResidencePermit, "person", "updated_at"),
        _latest(LegalCase, "person", "updated_at"),
        _latest(Hearing, "case__person", "updated_at"),
        _latest(Hearing, "case__person", "at"),
        _latest(CompensationClaim, "case__person", "updated_at"),
        _latest(SupportIncident, "person", "updated_at"),
    )
    return (
        Person.objects.filter(erased_at__isnull=True, created_at__lt=cutoff)
        .filter(~Q(keeps))
        .annotate(last=last)
        .filter(last__lt=cutoff)
    )


def retention_anonymise(*, now: datetime.datetime | None = None) -> int:
    """Anonymise the files of people with no activity for two years and nothing keeping them open.

    CNIL's framework for social-sector files: the active file is kept two years after the last
    contact. Run daily by a timer (``manage.py retention_anonymise``). People recorded by a
    support partner without any request are included (docs/requests.md, "Retention").
    """
    count = 0
    for person in list(retention_candidates(now=now)):
        with transaction.atomic():
            _erase_identity(person)
            audit_record(
                action="person.retention_anonymise",
                target=person,
                data={"last_activity": person.last.isoformat()},  # type: ignore[attr-defined]
            )
        count += 1
    return count


def person_erase(
    *, actor: User, person: Person, reason: str, http_request: HttpRequest | None = None
) -> None:
    """Erase a person's identity on request: what identifies them goes; anonymous counts stay.

    Kept (docs/requests.md): the reference, the anonymised profile used by the statistics, the
    timeline's statuses, and the audit log, which the law requires to keep.
    """
    if role_of(actor) not in COORDINATION:
        raise DomainError(_("Only coordinators erase a person's data."), code="forbidden")
    if not reason.strip():
        raise DomainError(_("A reason is required."), field="reason")
    with transaction.atomic():
        _erase_identity(person)
        event = audit_record(action="person.erase", actor=actor, target=person, request=http_request)
        # Free text never enters the chained log: it is kept beside the event, encrypted.
        AuditNote.objects.create(event=event, text=reason.strip()[:300])


# --- Attachments ------------------------------------------------------------------------------

MAX_ATTACHMENTS = 20


def attachment_add(
    *,
    actor: User,
    request: Request,
    kind: str,
    data: bytes,
    filename: str,
    http_request: HttpRequest | None = None,
) -> Any:
    """Attach a document: type checked by content, metadata stripped, encrypted at rest."""
    from abri.core.uploads import UploadError, clean_upload
    from abri.referrals.models import Attachment

    role = role_of(actor)
    if role not in COORDINATION and not (role == REFERRER and request.referrer_id == actor.organisation_id):
        raise DomainError(_("You cannot add documents to this request."), code="forbidden")
    if kind not in Attachment.Kind.values:
        raise DomainError(_("Choose the kind of document."), field="kind")
    if kind == Attachment.Kind.TICKET and role not in COORDINATION:
        raise DomainError(_("Travel tickets are added by the coordinators."), field="kind")
    if request.attachments.count() >= MAX_ATTACHMENTS:
        raise DomainError(_("At most 20 documents per request."), field="file")
    try:
        clean = clean_upload(data)
    except UploadError as exc:
        raise DomainError(exc.message, field="file") from exc
    with transaction.atomic():
        attachment = Attachment(
            request=request,
            kind=kind,
            content_type=clean.content_type,
            extension=clean.extension,
            size=len(clean.content),
            original_name=filename[:200],
            content=clean.content,
            uploaded_by=actor,
        )
        attachment.save()
        _log(request, actor, "attachment", request.status, request.status)
        audit_record(
            action="request.attachment_add",
            actor=actor,
            target=request,
            data={"attachment": str(attachment.pk), "type": clean.content_type},
            request=http_request,
        )
    return attachment
