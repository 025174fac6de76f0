"""The placement journey: propose, answer, interview, transfer, arrival, stay, exit, incident.

Each service is one transaction with its timeline event and audit event; places are taken and
given back only through ``abri.placements.capacity``; e-mails go after commit and never name a
person, a shelter or a town.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abri.access.roles import COORDINATION, SHELTER_STAFF, role_of
from abri.accounts.models import User
from abri.audit.services import audit_record
from abri.core.errors import DomainError, TransitionError
from abri.network.models import Shelter
from abri.placements import capacity
from abri.placements.models import (
    HOLDING,
    Disclosure,
    ExitOutcome,
    Incident,
    Proposal,
    ProposalStatus,
    RefusalReason,
    Stay,
    Transfer,
)
from abri.referrals import workflow
from abri.referrals.models import DangerZone, HouseholdMember, Request, RequestEvent, Status, Urgency

# How long a shelter has to answer: the network's delays, shorter when the danger is immediate.
ANSWER_DELAY = {
    Urgency.NORMAL: datetime.timedelta(hours=72),
    Urgency.URGENT: datetime.timedelta(hours=24),
    Urgency.IMMEDIATE: datetime.timedelta(hours=6),
}
MAX_PROPOSALS_AT_ONCE = 3
P = ProposalStatus


def household_size(request: Request) -> int:
    return 1 + HouseholdMember.objects.filter(person_id=request.person_id).count()


def _coordinator(actor: User) -> None:
    if role_of(actor) not in COORDINATION:
        raise DomainError(_("Only coordinators can do this."), code="forbidden")


def _shelter_staff_of(actor: User, proposal: Proposal) -> None:
    if role_of(actor) in COORDINATION:
        return
    if role_of(actor) != SHELTER_STAFF or proposal.shelter.operator_id != actor.organisation_id:
        raise DomainError(_("Only the shelter's staff can do this."), code="forbidden")


def _event(
    request: Request, actor: User | None, kind: str, before: str, after: str, reason: str = ""
) -> None:
    RequestEvent.objects.create(
        request=request, actor=actor, kind=kind, from_status=before, to_status=after, reason=reason
    )


def _check(proposal: Proposal, *allowed: str) -> None:
    if proposal.status not in allowed:
        raise TransitionError(
            _("This cannot be done while the proposal is “%(status)s”.")
            % {"status": ProposalStatus(proposal.status).label},
            code="wrong_state",
        )


def _locked(proposal: Proposal) -> Proposal:
    """Re-read under row locks, the request's first: the caller's copy may be stale.

    Every writer locks the request, then its proposals (the workflow's side effects do too), so
    that a withdrawal of the request and a shelter's answer never deadlock; the request's status
    is then checked by ``workflow.apply`` under the same lock.
    """
    Request.objects.select_for_update().only("pk").get(pk=proposal.request_id)
    return Proposal.objects.select_for_update().select_related("request", "shelter").get(pk=proposal.pk)


def _notify_shelter(shelter: Shelter, subject: Any) -> None:
    from abri.placements.notifications import notify_and_mail

    notify_and_mail(list(User.objects.filter(is_active=True, organisation_id=shelter.operator_id)), subject)


def _notify_coordination(subject: Any) -> None:
    from abri.placements.notifications import coordination_users, notify

    notify(coordination_users(), subject)


def _notify_referrer(request: Request, subject: Any) -> None:
    from abri.placements.notifications import notify

    notify(list(User.objects.filter(is_active=True, organisation_id=request.referrer_id)), subject)


def _check_hard_constraints(request: Request, shelters: list[Shelter]) -> None:
    """Refuse a shelter the engine excludes (danger zones, avoid list, household, places), with
    the engine's own reason: the same code as the search page, so the two cannot disagree.

    Called under the request's row lock, which the zone editors take too. Nobody bypasses it: a
    coordinator who knows better changes the request's danger zones (with a reason, audited).
    """
    from abri.search.adapter import exclusions

    excluded = exclusions(request, shelters)
    if excluded:
        first = excluded[0]
        raise DomainError(
            _("“%(shelter)s” cannot be proposed: %(reason)s")
            % {"shelter": first.shelter.name, "reason": first.sentence},
            field="shelters",
            # Too few places keeps the code the capacity check gives under the lock.
            code="no_place" if first.code == "insufficient_places" else first.code,
        )


def proposals_create(
    *, actor: User, request: Request, shelters: list[Shelter], http_request: HttpRequest | None = None
) -> list[Proposal]:
    """Propose the person to one to three shelters at once; each proposal holds the places."""
    _coordinator(actor)
    if not 1 <= len(shelters) <= MAX_PROPOSALS_AT_ONCE:
        raise DomainError(_("Choose one to three shelters."), field="shelters")
    # Checked once before the transaction: a refusal costs no lock, and the engine's imports and
    # geography are loaded before the write lock is taken (SQLite's IMMEDIATE transactions queue
    # every writer behind it). Checked again under the lock, where the zones cannot change.
    if request.status in (Status.ACCEPTED, Status.SEARCHING):
        _check_hard_constraints(request, shelters)
    with transaction.atomic(durable=not transaction.get_connection().in_atomic_block):
        locked = Request.objects.select_for_update().get(pk=request.pk)
        if locked.status not in (Status.ACCEPTED, Status.SEARCHING):
            raise TransitionError(_("Proposals are made for requests being searched."), code="wrong_state")
        _check_hard_constraints(locked, shelters)
        places = household_size(locked)
        expires = timezone.now() + ANSWER_DELAY[Urgency(locked.urgency)]
        created = []
        # Lock shelters in a fixed order so that two coordinators never deadlock.
        for shelter in sorted(shelters, key=lambda s: str(s.pk)):
            if Proposal.objects.filter(request=locked, shelter=shelter, status__in=HOLDING).exists():
                raise DomainError(_("This shelter already has a proposal for this person."), field="shelters")
            capacity.take_places(shelter=shelter, places=places)
            created.append(
                Proposal.objects.create(
                    request=locked, shelter=shelter, places=places, expires_at=expires, created_by=actor
                )
            )
        if locked.status == Status.ACCEPTED:
            workflow.apply(request=locked, name="start_search", actor=actor)
        workflow.apply(request=locked, name="proposed", actor=actor)
        audit_record(
            action="proposal.create",
            actor=actor,
            target=locked,
            data={"shelters": [str(p.shelter_id) for p in created], "places": places},
            request=http_request,
        )
    for proposal in created:
        _notify_shelter(proposal.shelter, _("A proposal awaits your answer in Abri."))
    return created


def _release(proposal: Proposal, status: str, reason: str = "") -> None:
    proposal.status = status
    proposal.closing_reason = reason
    proposal.save(update_fields=["status", "closing_reason", "updated_at"])
    capacity.give_back_places(shelter_id=proposal.shelter_id, places=proposal.places)


def proposal_agree(*, actor: User, proposal: Proposal, http_request: HttpRequest | None = None) -> Proposal:
    """Agreement in principle: the other pending proposals of the request are withdrawn."""
    _shelter_staff_of(actor, proposal)
    with transaction.atomic():
        locked = _locked(proposal)
        _check(locked, P.PENDING)
        if locked.expires_at < timezone.now():
            raise TransitionError(_("This proposal has expired."), code="expired")
        locked.status = P.AGREED
        locked.answered_at, locked.answered_by = timezone.now(), actor
        locked.save(update_fields=["status", "answered_at", "answered_by", "updated_at"])
        # Refused unless the request is searching: the identity goes only with a live request.
        # The step's effect (placements.effects.end_holds) withdraws the other pending proposals.
        workflow.apply(request=locked.request, name="shelter_agreed", actor=actor)
        # From now on the shelter may see the person's identity (SECURITY.md): recorded.
        audit_record(
            action="proposal.agree",
            actor=actor,
            target=locked,
            request=http_request,
            data={"identity_released_to": str(locked.shelter_id)},
        )
    _notify_coordination(_("A shelter has agreed to a proposal in Abri."))
    _notify_referrer(locked.request, _("A place has been found for one of your requests."))
    return locked


def proposal_refuse(
    *, actor: User, proposal: Proposal, reason: str, text: str = "", http_request: HttpRequest | None = None
) -> Proposal:
    _shelter_staff_of(actor, proposal)
    if reason not in RefusalReason.values:
        raise DomainError(_("Choose a reason."), field="reason")
    if reason == RefusalReason.OTHER and not text.strip():
        raise DomainError(_("Say why."), field="text")
    with transaction.atomic():
        locked = _locked(proposal)
        _check(locked, P.PENDING)
        locked.refusal_reason, locked.refusal_text = reason, text.strip()
        locked.answered_at, locked.answered_by = timezone.now(), actor
        locked.save(
            update_fields=["refusal_reason", "refusal_text", "answered_at", "answered_by", "updated_at"]
        )
        _release(locked, P.REFUSED)
        workflow.apply(request=locked.request, name="shelter_refused", actor=actor, reason=reason)
        audit_record(
            action="proposal.refuse",
            actor=actor,
            target=locked,
            data={"reason": reason},
            request=http_request,
        )
    _notify_coordination(_("A shelter has answered a proposal in Abri."))
    return locked


def proposals_expire(*, now: datetime.datetime | None = None) -> int:
    """Free the places of proposals left unanswered past their deadline (run by a timer)."""
    now = now or timezone.now()
    count = 0
    for proposal in Proposal.objects.filter(status=P.PENDING, expires_at__lt=now).select_related("request"):
        with transaction.atomic():
            locked = _locked(proposal)
            if locked.status != P.PENDING:
                continue
            _release(locked, P.EXPIRED)
            workflow.apply(request=locked.request, name="proposal_expired", actor=None)
            audit_record(action="proposal.expire", target=locked)
            count += 1
    if count:
        _notify_coordination(_("Proposals have expired without answer in Abri."))
    return count


REMIND_BEFORE = datetime.timedelta(hours=12)


def proposals_remind(*, now: datetime.datetime | None = None) -> int:
    """Remind shelters once of proposals whose deadline is less than 12 hours away."""
    now = now or timezone.now()
    due = Proposal.objects.filter(
        status=P.PENDING, reminded_at__isnull=True, expires_at__gt=now, expires_at__lte=now + REMIND_BEFORE
    ).select_related("shelter")
    count = 0
    for proposal in due:
        with transaction.atomic():
            if Proposal.objects.filter(pk=proposal.pk, reminded_at__isnull=True).update(reminded_at=now):
                _notify_shelter(
                    proposal.shelter, _("A proposal awaits your answer in Abri: its deadline is near.")
                )
                count += 1
    return count


def interview_schedule(
    *,
    actor: User,
    proposal: Proposal,
    at: datetime.datetime,
    link: str,
    http_request: HttpRequest | None = None,
) -> Proposal:
    _coordinator(actor)
    if at < timezone.now() - datetime.timedelta(minutes=5):
        raise DomainError(_("The interview cannot be in the past."), field="at")
    if not link.strip():
        raise DomainError(_("Say how to join the call."), field="link")
    with transaction.atomic():
        proposal = _locked(proposal)
        _check(proposal, P.AGREED)
        proposal.interview_at, proposal.interview_link = at, link.strip()
        proposal.save(update_fields=["interview_at", "interview_link", "updated_at"])
        workflow.apply(request=proposal.request, name="interview_scheduled", actor=actor)
        audit_record(action="proposal.interview", actor=actor, target=proposal, request=http_request)
    _notify_shelter(proposal.shelter, _("A pre-admission interview is scheduled in Abri."))
    return proposal


def interview_confirm(
    *, actor: User, proposal: Proposal, http_request: HttpRequest | None = None
) -> Proposal:
    """After the interview the shelter confirms the admission."""
    _shelter_staff_of(actor, proposal)
    with transaction.atomic():
        locked = _locked(proposal)
        _check(locked, P.AGREED)
        locked.status = P.CONFIRMED
        locked.save(update_fields=["status", "updated_at"])
        workflow.apply(request=locked.request, name="admission_confirmed", actor=actor)
        audit_record(action="proposal.confirm", actor=actor, target=locked, request=http_request)
    _notify_coordination(_("A shelter has confirmed an admission in Abri."))
    return locked


def interview_withdraw(
    *, actor: User, proposal: Proposal, by_person: bool, reason: str, http_request: HttpRequest | None = None
) -> Proposal:
    """The person or the shelter withdraws after the interview: places freed, back to searching."""
    _shelter_staff_of(actor, proposal)
    if not reason.strip():
        raise DomainError(_("A reason is required."), field="reason")
    with transaction.atomic():
        locked = _locked(proposal)
        _check(locked, P.AGREED, P.CONFIRMED)
        _release(locked, P.WITHDRAWN, reason.strip())
        kind = "withdrawn_by_person" if by_person else "withdrawn_by_shelter"
        workflow.apply(request=locked.request, name=kind, actor=actor, reason=reason)
        audit_record(action=f"proposal.{kind}", actor=actor, target=locked, request=http_request)
    _notify_coordination(_("A placement was withdrawn in Abri."))
    return locked


def transfer_plan(
    *, actor: User, proposal: Proposal, data: dict[str, Any], http_request: HttpRequest | None = None
) -> Transfer:
    """The journey booked by the coordinator: each side will see only its own half."""
    _coordinator(actor)
    if data["travel_date"] < timezone.localdate():
        raise DomainError(_("The travel date is in the past."), field="travel_date")
    if data.get("grant_amount") is not None and data["grant_amount"] < 0:
        raise DomainError(_("The grant cannot be negative."), field="grant_amount")
    with transaction.atomic():
        proposal = _locked(proposal)
        _check(proposal, P.CONFIRMED)
        transfer, _created = Transfer.objects.update_or_create(
            proposal=proposal,
            defaults={
                **{
                    k: data[k]
                    for k in (
                        "travel_date",
                        "travel_mode",
                        "departure_place",
                        "departure_time",
                        "arrival_place",
                        "arrival_time",
                        "meeting_point",
                        "escort",
                        "grant_amount",
                    )
                },
                "created_by": actor,
            },
        )
        workflow.apply(request=proposal.request, name="transfer_planned", actor=actor)
        audit_record(action="transfer.plan", actor=actor, target=proposal, request=http_request)
    _notify_shelter(proposal.shelter, _("An arrival is planned in Abri."))
    _notify_referrer(proposal.request, _("The departure details of one of your requests are ready in Abri."))
    return transfer


def arrival_confirm(
    *,
    actor: User,
    proposal: Proposal,
    day: datetime.date | None = None,
    http_request: HttpRequest | None = None,
) -> Stay:
    """The shelter confirms the arrival: the stay starts on the places the proposal held."""
    _shelter_staff_of(actor, proposal)
    with transaction.atomic():
        locked = _locked(proposal)
        _check(locked, P.CONFIRMED)
        locked.status = P.ARRIVED
        locked.save(update_fields=["status", "updated_at"])
        # The hold becomes the stay: places_taken is unchanged, counted_taken counts the stay now.
        stay = Stay.objects.create(
            proposal=locked,
            request=locked.request,
            shelter=locked.shelter,
            places=locked.places,
            started_on=day or timezone.localdate(),
        )
        workflow.apply(request=locked.request, name="arrived", actor=actor)
        audit_record(action="stay.start", actor=actor, target=stay, request=http_request)
    _notify_coordination(_("An arrival has been confirmed in Abri."))
    _notify_referrer(locked.request, _("One of your requests has arrived safely."))
    return stay


def arrival_missed(
    *,
    actor: User,
    proposal: Proposal,
    search_again: bool,
    reason: str,
    http_request: HttpRequest | None = None,
) -> Proposal:
    """The person did not arrive: places freed; back to searching, or the request is closed."""
    _coordinator(actor)
    if not reason.strip():
        raise DomainError(_("A reason is required."), field="reason")
    with transaction.atomic():
        locked = _locked(proposal)
        _check(locked, P.CONFIRMED)
        _release(locked, P.NOT_ARRIVED, reason.strip())
        name = "not_arrived" if search_again else "not_arrived_close"
        workflow.apply(request=locked.request, name=name, actor=actor, reason=reason)
        audit_record(action="proposal.not_arrived", actor=actor, target=locked, request=http_request)
    return locked


def stay_exit(
    *,
    actor: User,
    stay: Stay,
    day: datetime.date,
    outcome: str,
    note: str = "",
    http_request: HttpRequest | None = None,
) -> Stay:
    """The stay ends with an outcome; the places are free again; the request closes."""
    _shelter_staff_of(actor, stay.proposal)
    if outcome not in ExitOutcome.values:
        raise DomainError(_("Choose the outcome."), field="outcome")
    if day < stay.started_on or day > timezone.localdate():
        raise DomainError(_("The exit date must be between the arrival and today."), field="day")
    with transaction.atomic():
        Request.objects.select_for_update().only("pk").get(pk=stay.request_id)
        locked = Stay.objects.select_for_update().get(pk=stay.pk)
        if locked.ended_on is not None:
            raise TransitionError(_("This stay has already ended."), code="ended")
        locked.ended_on, locked.exit_outcome, locked.exit_note = day, outcome, note.strip()
        locked.save(update_fields=["ended_on", "exit_outcome", "exit_note", "updated_at"])
        capacity.give_back_places(shelter_id=locked.shelter_id, places=locked.places)
        workflow.apply(request=locked.request, name="exit", actor=actor)
        audit_record(
            action="stay.exit", actor=actor, target=locked, data={"outcome": outcome}, request=http_request
        )
    _notify_coordination(_("A stay has ended in Abri."))
    return locked


def incident_report(
    *, actor: User, stay: Stay, kind: str, description: str, http_request: HttpRequest | None = None
) -> Incident:
    """The exploiters found the person, or the placement broke down: emergency move.

    The stay ends, the shelter's town joins the danger zones, the shelter is avoided, and the
    request goes back to searching with immediate urgency.
    """
    _shelter_staff_of(actor, stay.proposal)
    if kind not in Incident.Kind.values:
        raise DomainError(_("Choose what happened."), field="kind")
    with transaction.atomic():
        Request.objects.select_for_update().only("pk").get(pk=stay.request_id)
        locked = Stay.objects.select_for_update().select_related("shelter", "request").get(pk=stay.pk)
        # An ended stay is history: no action on it, by its former shelter or anyone (a late
        # incident once re-opened a closed request and placed a danger zone on the shelter's town).
        if locked.ended_on is not None:
            raise TransitionError(_("This stay has already ended."), code="ended")
        incident = Incident(stay=locked, kind=kind, description=description.strip(), reported_by=actor)
        incident.save()
        # What happened is the incident's; the exit note is the staff's own words, none here.
        locked.ended_on, locked.exit_outcome = timezone.localdate(), ExitOutcome.OTHER
        locked.save(update_fields=["ended_on", "exit_outcome", "updated_at"])
        capacity.give_back_places(shelter_id=locked.shelter_id, places=locked.places)
        request = locked.request
        shelter = locked.shelter
        # The engine avoids the area; only coordinators may read where it is (policy.danger_zone_label).
        DangerZone.objects.create(
            request=request,
            source=DangerZone.Source.PLACEMENT,
            departement=shelter.departement,
            commune=shelter.commune,
            latitude=shelter.latitude,
            longitude=shelter.longitude,
            radius_km=30,
        )
        request.avoid_shelters = sorted({*request.avoid_shelters, str(shelter.pk)})
        request.urgency = Urgency.IMMEDIATE
        request.save(update_fields=["avoid_shelters", "urgency", "updated_at"])
        workflow.apply(request=request, name="incident", actor=actor)
        audit_record(
            action="incident.report", actor=actor, target=incident, data={"kind": kind}, request=http_request
        )
    _notify_coordination(_("An incident needs an emergency move in Abri."))
    return incident


def location_disclose(
    *, actor: User, request: Request, reason: str, http_request: HttpRequest | None = None
) -> Disclosure:
    """Tell the referrer where the person is: only a coordinator, with a reason (step-up in the view)."""
    _coordinator(actor)
    if not reason.strip():
        raise DomainError(_("A reason is required."), field="reason")
    stay = Stay.objects.filter(request=request).order_by("-started_on").select_related("shelter").first()
    proposal = (
        stay.proposal
        if stay
        else Proposal.objects.filter(request=request, status__in=HOLDING).exclude(status=P.PENDING).first()
    )
    if proposal is None:
        raise DomainError(_("There is no place to disclose yet."), code="no_place")
    with transaction.atomic():
        disclosure = Disclosure.objects.create(
            request=request, shelter=proposal.shelter, reason=reason.strip(), disclosed_by=actor
        )
        _event(request, actor, "location_disclosed", request.status, request.status, reason.strip())
        audit_record(
            action="location.disclose",
            actor=actor,
            target=request,
            data={"shelter": str(proposal.shelter_id)},
            request=http_request,
        )
    return disclosure
