"""A small network with a unique canary in every protected field, driven through every state.

Everything goes through the services, as the application does it. After every step the
invariants are checked (``Seeder.step``); actions that must be refused (agreeing after the
consent was withdrawn, an incident on an ended stay) are tried and recorded when they pass.
"""

from __future__ import annotations

import datetime
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from abri.accounts import services as accounts
from abri.core.errors import DomainError
from abri.network.models import Shelter
from abri.network.services import unavailability_declare
from abri.placements import capacity
from abri.placements import services as placements
from abri.placements.models import HOLDING, Proposal, Stay
from abri.referrals import services as referrals
from abri.referrals.models import Person, Request, Status
from abri.support import services as support
from tests.conftest import Network
from tests.network.factories import make_shelter
from tests.referrals.factories import tiny_png
from tests.training.factories import attend, make_session

# Real communes (they are checked against the shipped geography), each far enough from the
# others and from the danger zones for the engine's hard constraints, with names found nowhere
# else in the application's text.
SHELTER_TOWNS = {
    "A": ("Plougonvelin", "29", "own"),
    "B": ("Wissembourg", "67", "own"),
    "C": ("Étretat", "76", "other"),
    "D": ("Mauléon-Licharre", "64", "own"),
    "E": ("Sarlat-la-Canéda", "24", "other"),
}
# The towns referrers type as danger zones (far from every shelter above), one per journey.
REFERRER_DANGER_TOWNS = {
    "incident": ("Vals-les-Bains", "07"),
    "erased": ("Charleville-Mézières", "08"),
}
# Towns the coordinators add as danger zones (``request_zones_change``): far from the shelters
# of their journeys, except Betschdorf, 15 km from B, added over B's pending proposal on purpose.
COORDINATION_TOWNS = {
    "sheltered": ("Lons-le-Saunier", "39"),
    "over_pending": ("Betschdorf", "67"),
    "erased": ("Bar-le-Duc", "55"),
}

# A request is consistent only when its live proposals match its status.
OPEN_PROPOSAL_STATUSES = {
    "pending": {Status.SEARCHING},
    "agreed": {Status.PLACE_FOUND, Status.TRAVELLING},
    "confirmed": {Status.PLACE_FOUND, Status.TRAVELLING},
}


@dataclass
class Canary:
    key: str  # a row of tests.leak.matrix.ROWS
    value: str  # the text searched for (case-insensitive)
    subject: Any  # a Person or a Shelter
    forms: tuple[str, ...] = ()  # other spellings of the same value (dates)
    author_org_id: Any = None  # the organisation the value belongs to ("own" cells)

    def spellings(self) -> tuple[str, ...]:
        return (self.value, *self.forms)


@dataclass
class Seeder:
    network: Network
    canaries: list[Canary] = field(default_factory=list)
    journeys: dict[Any, str] = field(default_factory=dict)  # person pk -> journey name
    steps: int = 0
    invariant_failures: list[str] = field(default_factory=list)
    refusal_failures: list[str] = field(default_factory=list)
    shelters: dict[str, Shelter] = field(default_factory=dict)
    _n: int = 0
    _reported: set[tuple[Any, ...]] = field(default_factory=set)

    # -- canaries -------------------------------------------------------------------------
    def token(self, code: str) -> str:
        self._n += 1
        return f"Cnry{code}{self._n:03d}q"

    def add(self, key: str, value: str, subject: Any, **kwargs: Any) -> str:
        self.canaries.append(Canary(key, value, subject, **kwargs))
        return value

    # -- invariants -----------------------------------------------------------------------
    def step(self, journey: str, what: str, action: Callable[[], Any]) -> Any:
        result = action()
        self.steps += 1
        self.check_invariants(f"{journey}: after {what}")
        return result

    def check_invariants(self, where: str) -> None:
        """Each broken invariant is reported once, at the first step after which it holds no more."""
        for proposal in Proposal.objects.filter(status__in=HOLDING).select_related("request"):
            if proposal.request.status not in OPEN_PROPOSAL_STATUSES[proposal.status]:
                self._broken(
                    ("proposal", proposal.pk),
                    f"{where}: a {proposal.status} proposal is left on a request that is "
                    f"{proposal.request.status} (leaving a state must end its proposals)",
                )
        # A stay is open exactly while its request is "sheltered": a request searched again with
        # a stay still open would leave the old shelter reading a person who is no longer its own.
        for stay in Stay.objects.filter(ended_on__isnull=True).exclude(request__status=Status.IN_STAY):
            message = f"{where}: a stay is still open on a request that is {stay.request.status}"
            self._broken(("stay", stay.pk), message)
        for req in Request.objects.filter(status=Status.IN_STAY):
            if req.stays.filter(ended_on__isnull=True).count() != 1:
                self._broken(("request", req.pk), f"{where}: a sheltered request has no single open stay")
        for shelter in Shelter.objects.all():
            recount = capacity.counted_taken(shelter.pk)
            if shelter.places_taken != recount:
                self._broken(
                    ("shelter", shelter.pk, shelter.places_taken, recount),
                    f"{where}: shelter {self.letter(shelter.pk)} counts {shelter.places_taken} places "
                    f"taken, the recount says {recount}",
                )

    def _broken(self, key: tuple[Any, ...], message: str) -> None:
        if key not in self._reported:
            self._reported.add(key)
            self.invariant_failures.append(message)

    def must_refuse(self, journey: str, what: str, action: Callable[[], Any], item: str) -> None:
        """An action the rules forbid: it must raise a DomainError and change nothing."""
        try:
            action()
        except DomainError:
            self.check_invariants(f"{journey}: after {what} (refused)")
            return
        except Exception:
            self.refusal_failures.append(f"{journey}: {what} crashed ({item}):\n{traceback.format_exc()}")
            return
        self.refusal_failures.append(f"{journey}: {what} was allowed ({item})")
        self.check_invariants(f"{journey}: after {what} (wrongly allowed)")

    # -- the network --------------------------------------------------------------------
    def make_shelters(self) -> None:
        for letter, (town, dep, side) in SHELTER_TOWNS.items():
            operator = self.network.org("shelter_operator", side)
            shelter = make_shelter(
                self.network,
                operator,
                name=self.token(f"ShelterName{letter}"),
                commune=town,
                departement=dep,
                # Left empty so that the shipped geography places the shelter in its real
                # commune (and refuses a town it does not know).
                latitude=None,
                longitude=None,
                address=self.token(f"ShelterAddress{letter}") + " rue du Port",
                contact_name=self.token(f"ShelterContact{letter}"),
                contact_phone=f"+33 1 84 26 93 {len(self.shelters) + 10}",
                contact_email=f"{self.token(f'shelterMail{letter}').lower()}@example.invalid",
                accepts_genders=["F", "M", "X"],
                accepts_couples=True,
                max_children=3,
                wheelchair_access=True,
                languages=["fr", "en", "bin"],
                exploitation_forms=["sexual", "labour", "domestic", "forced_crime", "begging", "other"],
                dedicated_places=12,
            )
            self.shelters[letter] = shelter
            self.add("shelter.name", shelter.name, shelter)
            self.add("shelter.commune", shelter.commune, shelter)
            self.add("shelter.address", shelter.address, shelter)
            self.add("shelter.contact_name", shelter.contact_name, shelter)
            self.add("shelter.contact_phone", shelter.contact_phone, shelter)
            self.add("shelter.contact_email", shelter.contact_email, shelter)
        reason = self.add("unavailability.reason", self.token("Unavailable"), self.shelters["D"])
        unavailability_declare(
            actor=self.network.user("shelter_staff", "own"),
            shelter=self.shelters["D"],
            places=1,
            reason=reason,
            ends_on=timezone.localdate() + datetime.timedelta(days=30),
        )

    # -- requests -------------------------------------------------------------------------
    def file(self, journey: str, *, side: str = "own", danger_town: str = "") -> Request:
        """A request with a canary in every field the referrer fills, submitted."""
        referrer = self.network.user("referrer", side)
        n = len(self.journeys) + 1
        birth = datetime.date(1983, 11, 10) + datetime.timedelta(days=n)
        req = referrals.request_create_draft(actor=referrer)
        person = req.person
        data = {
            "first_name": self.token("First"),
            "last_name": self.token("Last"),
            "aliases": self.token("Alias"),
            "birth_date": birth,
            "nationality": self.token("Nation"),
            "phone": f"+33 6 58 71 29 {n + 10}",
            "gender": "F",
            "languages": ["en"],
        }
        referrals.request_save_person(actor=referrer, request=req, data=data)
        for key in ("first_name", "last_name", "aliases", "nationality", "phone"):
            self.add(f"person.{key}", data[key], person)
        self.add("person.birth_date", birth.strftime("%d/%m/%Y"), person, forms=date_spellings(birth))
        referrals.request_save_household(
            actor=referrer, request=req, members=[{"relation": "child", "gender": "F", "age": 4}]
        )
        town, dep = REFERRER_DANGER_TOWNS[danger_town] if danger_town else ("", "")
        towns = f"{town} ({dep})" if town else ""
        situation = {
            "urgency": "urgent",
            "situation": self.token("Situation"),
            "exploitation_forms": ["sexual"],
            "danger_departements": ["13"],
            "danger_towns": towns,
            "town_radius_km": 30,
            "min_distance_km": 150,
            "exploiters": self.token("Exploiters"),
        }
        referrals.request_save_situation(actor=referrer, request=req, data=situation)
        self.add("request.situation", situation["situation"], person)
        self.add("person.exploiters", situation["exploiters"], person)
        if town:
            self.add("dangerzone.referrer", town, person)
        notes = self.token("Health")
        referrals.request_save_needs(
            actor=referrer,
            request=req,
            data={"pregnancy": True, "health_notes": notes, "permit_status": "none"},
        )
        self.add("person.health_needs", notes, person)
        consent_by = self.token("ConsentBy")
        referrals.request_save_consent(
            actor=referrer,
            request=req,
            data={
                "confirmed": True,
                "obtained_by": consent_by,
                "obtained_at": timezone.now(),
                "language": "en",
                "interpreter_used": False,
            },
        )
        self.add("consent.obtained_by", consent_by, person)
        req = referrals.request_submit(actor=referrer, request=req)
        body = self.token("Message")
        referrals.message_post(actor=referrer, request=req, body=body)
        self.add("message.body", body, person)
        self.journeys[person.pk] = journey
        self.check_invariants(f"{journey}: after filing")
        return Request.objects.get(pk=req.pk)

    def searching(self, req: Request) -> Request:
        coordinator = self.network.user("coordinator")
        for name in ("accept", "start_search"):
            req = referrals.request_transition(actor=coordinator, request=req, name=name)
        return req

    def propose(self, journey: str, req: Request, *letters: str) -> list[Proposal]:
        shelters = [self.shelters[x] for x in letters]
        return list(
            self.step(
                journey,
                f"proposing to {letters}",
                lambda: placements.proposals_create(
                    actor=self.network.user("coordinator"), request=req, shelters=shelters
                ),
            )
        )

    def staff_of(self, proposal: Proposal) -> Any:
        side = SHELTER_TOWNS[self.letter(proposal.shelter_id)][2]
        return self.network.user("shelter_staff", side)

    def letter(self, shelter_id: Any) -> str:
        return next(k for k, s in self.shelters.items() if s.pk == shelter_id)

    def fresh(self, proposal: Proposal) -> Proposal:
        return Proposal.objects.get(pk=proposal.pk)

    def arrive(self, journey: str, proposal: Proposal, *, escort: bool = False) -> Stay:
        """Agree (unless agreed already), confirm, plan the journey, arrive."""
        staff = self.staff_of(proposal)
        coordinator = self.network.user("coordinator")
        if self.fresh(proposal).status == "pending":
            self.step(
                journey,
                "agreeing",
                lambda: placements.proposal_agree(actor=staff, proposal=self.fresh(proposal)),
            )
        self.step(
            journey,
            "confirming",
            lambda: placements.interview_confirm(actor=staff, proposal=self.fresh(proposal)),
        )
        self.step(
            journey,
            "planning the journey",
            lambda: placements.transfer_plan(
                actor=coordinator,
                proposal=self.fresh(proposal),
                data=self.transfer_data(journey, proposal, escort),
            ),
        )
        return self.step(  # type: ignore[no-any-return]
            journey,
            "arriving",
            lambda: placements.arrival_confirm(actor=staff, proposal=self.fresh(proposal)),
        )

    def transfer_data(self, journey: str, proposal: Proposal, escort: bool) -> dict[str, Any]:
        person = proposal.request.person
        data = {
            "travel_date": timezone.localdate(),
            "travel_mode": "train",
            "departure_place": self.token("Departure"),
            "departure_time": datetime.time(8, 0),
            "arrival_place": self.token("Arrival"),
            "arrival_time": datetime.time(12, 0),
            "meeting_point": self.token("Meeting"),
            "escort": self.token("Escort") if escort else "",
            "grant_amount": 0,
        }
        author = proposal.shelter.operator_id
        self.add("transfer.departure_place", data["departure_place"], person)
        self.add("transfer.arrival_place", data["arrival_place"], person, author_org_id=author)
        self.add("transfer.meeting_point", data["meeting_point"], person, author_org_id=author)
        if escort:
            self.add("transfer.escort", data["escort"], person, author_org_id=author)
        return data

    def incident_zone(self, person: Person, shelter: Shelter) -> None:
        self.add("dangerzone.placement", shelter.commune, person, author_org_id=shelter.operator_id)

    def zones_change(self, journey: str, req: Request, which: str) -> None:
        """A coordinator adds a town to the danger zones, with a reason (the timeline's)."""
        town, dep = COORDINATION_TOWNS[which]
        reason = self.add("requestevent.zones_reason", self.token("ZonesReason"), req.person)
        self.add("dangerzone.coordination", town, req.person)
        self.step(
            journey,
            f"the coordinators adding {town} to the danger zones",
            lambda: referrals.request_zones_change(
                actor=self.network.user("coordinator"),
                request=Request.objects.get(pk=req.pk),
                reason=reason,
                towns=f"{town} ({dep})",
            ),
        )


def date_spellings(day: datetime.date) -> tuple[str, ...]:
    french = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ]
    english = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    return (
        day.isoformat(),
        f"{day.day} {french[day.month - 1]} {day.year}",
        f"{english[day.month - 1]} {day.day}, {day.year}",
        f"{english[day.month - 1][:3]}. {day.day}, {day.year}",
        f"{day.day} {english[day.month - 1]} {day.year}",
        f"{day:%m/%d/%Y}",
        f"{day:%d.%m.%Y}",
    )


def seed(network: Network) -> Seeder:
    s = Seeder(network)
    coordinator = network.user("coordinator")
    referrer = network.user("referrer")
    partner = network.user("partner")
    s.make_shelters()
    sA, sB, sC, sD, sE = (s.shelters[x] for x in "ABCDE")

    # P1: refused by A (text), unanswered at C (expired), then proposed to B (pending).
    j = "P1 refused, expired, proposed again"
    req = s.searching(s.file(j))
    filename = s.add("attachment.original_name", s.token("File"), req.person)
    referrals.attachment_add(
        actor=referrer, request=req, kind="identity", data=tiny_png(), filename=f"{filename}.png"
    )
    at_a, at_c = sorted(s.propose(j, req, "A", "C"), key=lambda p: p.shelter_id != sA.pk)
    text = s.token("Refusal")
    s.add("proposal.refusal_text", text, req.person, author_org_id=sA.operator_id)
    s.step(
        j,
        "A refusing",
        lambda: placements.proposal_refuse(actor=s.staff_of(at_a), proposal=at_a, reason="other", text=text),
    )
    Proposal.objects.filter(pk=at_c.pk).update(expires_at=timezone.now() - datetime.timedelta(hours=1))
    s.step(j, "the deadline passing", lambda: placements.proposals_expire())
    s.propose(j, req, "B")

    # Exits before the arrival: the referrer withdraws, or a coordinator closes, in each state
    # before it; the shelter's next step must then be refused (the proposal ended with the request).
    next_step: dict[str, tuple[str, Callable[..., Any]]] = {
        Status.SEARCHING: ("agreeing", placements.proposal_agree),
        Status.PLACE_FOUND: ("confirming the interview", placements.interview_confirm),
        Status.TRAVELLING: ("confirming the arrival", placements.arrival_confirm),
    }
    exits = (
        # (transition, who, the row its reason is, state left, shelter)
        ("withdraw", "referrer", "request.withdraw_reason", Status.SEARCHING, "C"),
        ("withdraw", "referrer", "request.withdraw_reason", Status.PLACE_FOUND, "B"),
        ("withdraw", "referrer", "request.withdraw_reason", Status.TRAVELLING, "E"),
        ("close", "coordinator", "request.decision_reason", Status.SEARCHING, "E"),
        ("close", "coordinator", "request.decision_reason", Status.PLACE_FOUND, "C"),
        ("close", "coordinator", "request.decision_reason", Status.TRAVELLING, "B"),
    )
    for n, (name, who, reason_key, state, letter) in enumerate(exits, start=1):
        j = f"X{n} {name} by the {who} while {state}"
        req = s.searching(s.file(j))
        (proposal,) = s.propose(j, req, letter)
        staff = s.staff_of(proposal)
        if state != Status.SEARCHING:
            s.step(
                j,
                "agreeing",
                lambda p=proposal, u=staff: placements.proposal_agree(actor=u, proposal=s.fresh(p)),
            )
        if state == Status.TRAVELLING:
            s.step(
                j,
                "confirming",
                lambda p=proposal, u=staff: placements.interview_confirm(actor=u, proposal=s.fresh(p)),
            )
            s.step(
                j,
                "planning the journey",
                lambda p=proposal, j=j: placements.transfer_plan(
                    actor=coordinator, proposal=s.fresh(p), data=s.transfer_data(j, s.fresh(p), escort=False)
                ),
            )
        assert Request.objects.get(pk=req.pk).status == state, f"{j}: the journey did not reach {state}"
        reason = s.add(reason_key, s.token("Exit"), req.person)
        s.step(
            j,
            f"the {who} ending the request ({name})",
            lambda req=req, who=who, name=name, reason=reason: referrals.request_transition(
                actor=network.user(who), request=Request.objects.get(pk=req.pk), name=name, reason=reason
            ),
        )
        what, action = next_step[state]
        s.must_refuse(
            j,
            f"the shelter {what} after the request ended",
            lambda p=proposal, u=staff, action=action: action(actor=u, proposal=s.fresh(p)),
            "exits before arrival",
        )

    # P4 declined, P5 redirected (after a request for information), straight from assessment.
    for j, name in (("P4 declined", "decline"), ("P5 redirected", "redirect")):
        req = s.file(j)
        if name == "redirect":
            info = s.token("Info")
            s.add("request.decision_reason", info, req.person)
            req = s.step(
                j,
                "asking for information",
                lambda req=req, info=info: referrals.request_transition(
                    actor=coordinator, request=req, name="request_information", reason=info
                ),
            )
        reason = s.token("Decision")
        s.add("request.decision_reason", reason, req.person)
        s.step(
            j,
            name,
            lambda req=req, name=name, reason=reason: referrals.request_transition(
                actor=coordinator, request=Request.objects.get(pk=req.pk), name=name, reason=reason
            ),
        )

    # P6: proposed to A and C, A agrees (C withdrawn), the interview is scheduled.
    j = "P6 agreed, interview scheduled"
    req = s.searching(s.file(j))
    props = s.propose(j, req, "A", "C")
    at_a = next(p for p in props if p.shelter_id == sA.pk)
    s.step(j, "A agreeing", lambda: placements.proposal_agree(actor=s.staff_of(at_a), proposal=at_a))
    link = s.token("Interview")
    s.add("proposal.interview_link", link, req.person, author_org_id=sA.operator_id)
    s.step(
        j,
        "scheduling the interview",
        lambda: placements.interview_schedule(
            actor=coordinator,
            proposal=s.fresh(at_a),
            at=timezone.now() + datetime.timedelta(days=1),
            link=f"https://visio.example.invalid/{link}",
        ),
    )

    # P7: travelling to B, with an escort.
    j = "P7 travelling"
    req = s.searching(s.file(j))
    (p7,) = s.propose(j, req, "B")
    staff = s.staff_of(p7)
    s.step(j, "B agreeing", lambda: placements.proposal_agree(actor=staff, proposal=p7))
    s.step(j, "B confirming", lambda: placements.interview_confirm(actor=staff, proposal=s.fresh(p7)))
    s.step(
        j,
        "planning the journey",
        lambda: placements.transfer_plan(
            actor=coordinator, proposal=s.fresh(p7), data=s.transfer_data(j, s.fresh(p7), escort=True)
        ),
    )

    # P8: sheltered at A, incident (emergency move), C agrees then withdraws after the
    # interview, sheltered at E. A then tries to report on the ended stay.
    j = "P8 incident, re-placed"
    req = s.searching(s.file(j, danger_town="incident"))
    (p8a,) = s.propose(j, req, "A")
    stay_a = s.arrive(j, p8a)
    description = s.token("Incident")
    s.add("incident.description", description, req.person, author_org_id=sA.operator_id)
    s.incident_zone(req.person, sA)
    s.step(
        j,
        "the incident at A",
        lambda: placements.incident_report(
            actor=s.staff_of(p8a), stay=stay_a, kind="found", description=description
        ),
    )
    (p8c,) = s.propose(j, req, "C")
    s.step(j, "C agreeing", lambda: placements.proposal_agree(actor=s.staff_of(p8c), proposal=p8c))
    closing = s.token("ShelterWithdraw")
    s.add("proposal.closing_reason", closing, req.person, author_org_id=sC.operator_id)
    s.step(
        j,
        "C withdrawing after the interview",
        lambda: placements.interview_withdraw(
            actor=s.staff_of(p8c), proposal=s.fresh(p8c), by_person=False, reason=closing
        ),
    )
    (p8e,) = s.propose(j, req, "E")
    s.arrive(j, p8e)
    s.must_refuse(
        j,
        "the former shelter reporting an incident on the ended stay",
        lambda: placements.incident_report(
            actor=s.staff_of(p8a), stay=Stay.objects.get(pk=stay_a.pk), kind="threat", description="again"
        ),
        "item 4",
    )

    # P9: sheltered at B, followed by the partner, who records steps, permit and proceedings.
    j = "P9 sheltered, followed"
    req = s.searching(s.file(j))
    (p9,) = s.propose(j, req, "B")
    s.arrive(j, p9)
    s.zones_change(j, req, "sheltered")
    person = req.person
    s.step(
        j,
        "the partner following",
        lambda: support.follow_start(
            actor=coordinator, person=person, organisation=network.org("support_partner")
        ),
    )
    own = network.org("support_partner").pk
    note = s.add("supportstep.note", s.token("StepNote"), person, author_org_id=own)
    support.step_save(
        actor=partner,
        person=person,
        data={
            "category": "health_cover",
            "status": "in_progress",
            "started_on": timezone.localdate(),
            "note": note,
        },
    )
    number = s.add("residencepermit.number", s.token("PermitNo"), person, author_org_id=own)
    support.permit_save(
        actor=partner,
        person=person,
        data={
            "kind": "receipt",
            "status": "granted",
            "starts_on": timezone.localdate(),
            "expires_on": timezone.localdate() + datetime.timedelta(days=180),
            "number": number,
        },
    )
    place = s.add("legalcase.complaint_place", s.token("Police"), person, author_org_id=own)
    lawyer = s.add("legalcase.lawyer", s.token("Lawyer"), person, author_org_id=own)
    case = support.case_save(
        actor=partner,
        person=person,
        data={
            "offence": "trafficking",
            "stage": "investigation",
            "outcome": "pending",
            "complaint_place": place,
            "lawyer": lawyer,
        },
    )
    court = s.add("hearing.court", s.token("Court"), person, author_org_id=own)
    outcome = s.add("hearing.outcome", s.token("HearingOutcome"), person, author_org_id=own)
    support.hearing_save(
        actor=partner,
        case=case,
        data={
            "kind": "hearing",
            "at": timezone.now() - datetime.timedelta(days=20),
            "court": court,
            "outcome": outcome,
        },
    )
    danger = s.add("supportincident.description", s.token("SupportIncident"), person, author_org_id=own)
    s.step(
        j,
        "the partner reporting threats",
        lambda: support.support_incident_report(
            actor=partner,
            person=person,
            data={
                "kind": "threat",
                "occurred_on": timezone.localdate(),
                "description": danger,
                "emergency_move": False,
            },
        ),
    )

    # P10: sheltered at C, exits with a note; C then tries to report on the ended stay.
    j = "P10 exited"
    req = s.searching(s.file(j))
    (p10,) = s.propose(j, req, "C")
    stay = s.arrive(j, p10)
    exit_note = s.token("ExitNote")
    s.add("stay.exit_note", exit_note, req.person, author_org_id=sC.operator_id)
    s.step(
        j,
        "the exit",
        lambda: placements.stay_exit(
            actor=s.staff_of(p10), stay=stay, day=timezone.localdate(), outcome="housing", note=exit_note
        ),
    )
    s.must_refuse(
        j,
        "the former shelter reporting an incident after the exit",
        lambda: placements.incident_report(
            actor=s.staff_of(p10), stay=Stay.objects.get(pk=stay.pk), kind="threat", description="after exit"
        ),
        "item 4",
    )
    if Request.objects.get(pk=req.pk).status != Status.CLOSED:
        # Today the refused incident went through: its zone names C's town (item 1 on top of 4).
        s.incident_zone(req.person, sC)

    # P11: sheltered at D, disclosed to the referrer by a coordinator.
    j = "P11 disclosed"
    req = s.searching(s.file(j))
    (p11,) = s.propose(j, req, "D")
    s.arrive(j, p11)
    why = s.token("Disclosure")
    s.add("disclosure.reason", why, req.person)
    s.step(
        j,
        "the disclosure",
        lambda: placements.location_disclose(
            actor=coordinator, request=Request.objects.get(pk=req.pk), reason=why
        ),
    )

    # P12: a placement history, then erased on request while travelling again: refused by C
    # (text), the interview at A (link), travelled with an escort, an incident at A (its town
    # stays a zone), a zone added by the coordinators, then on the way to E with an escort. The
    # live proposal's page shows the transfer after the erasure: the escort must be gone from it,
    # the places kept (and the same check runs on every other page, for everyone).
    j = "P12 erased after a placement history, travelling"
    req = s.searching(s.file(j, danger_town="erased"))
    at_a, at_c = sorted(s.propose(j, req, "A", "C"), key=lambda p: p.shelter_id != sA.pk)
    text = s.add("proposal.refusal_text", s.token("Refusal"), req.person, author_org_id=sC.operator_id)
    s.step(
        j,
        "C refusing",
        lambda: placements.proposal_refuse(actor=s.staff_of(at_c), proposal=at_c, reason="other", text=text),
    )
    s.step(j, "A agreeing", lambda: placements.proposal_agree(actor=s.staff_of(at_a), proposal=s.fresh(at_a)))
    link = s.add("proposal.interview_link", s.token("Interview"), req.person, author_org_id=sA.operator_id)
    s.step(
        j,
        "scheduling the interview",
        lambda: placements.interview_schedule(
            actor=coordinator,
            proposal=s.fresh(at_a),
            at=timezone.now() + datetime.timedelta(days=1),
            link=f"https://visio.example.invalid/{link}",
        ),
    )
    stay_a = s.arrive(j, at_a, escort=True)
    description = s.add("incident.description", s.token("Incident"), req.person, author_org_id=sA.operator_id)
    s.incident_zone(req.person, sA)
    s.step(
        j,
        "the incident at A",
        lambda: placements.incident_report(
            actor=s.staff_of(at_a), stay=stay_a, kind="found", description=description
        ),
    )
    s.zones_change(j, req, "erased")
    (at_e,) = s.propose(j, req, "E")
    staff = s.staff_of(at_e)
    s.step(j, "E agreeing", lambda: placements.proposal_agree(actor=staff, proposal=s.fresh(at_e)))
    s.step(j, "E confirming", lambda: placements.interview_confirm(actor=staff, proposal=s.fresh(at_e)))
    s.step(
        j,
        "planning the journey to E",
        lambda: placements.transfer_plan(
            actor=coordinator, proposal=s.fresh(at_e), data=s.transfer_data(j, s.fresh(at_e), escort=True)
        ),
    )
    s.step(
        j,
        "the erasure",
        lambda: referrals.person_erase(
            actor=coordinator,
            person=req.person,
            reason=s.add("auditnote.text", s.token("ErasureReason"), req.person),
        ),
    )

    # P13: did not arrive at C; closed.
    j = "P13 did not arrive"
    req = s.searching(s.file(j))
    (p13,) = s.propose(j, req, "C")
    staff = s.staff_of(p13)
    s.step(j, "C agreeing", lambda: placements.proposal_agree(actor=staff, proposal=p13))
    s.step(j, "C confirming", lambda: placements.interview_confirm(actor=staff, proposal=s.fresh(p13)))
    missed = s.token("NotArrived")
    s.add("proposal.not_arrived_reason", missed, req.person, author_org_id=sC.operator_id)
    s.step(
        j,
        "the missed arrival",
        lambda: placements.arrival_missed(
            actor=coordinator, proposal=s.fresh(p13), search_again=False, reason=missed
        ),
    )

    # P14: sheltered at E; the partner asks for an emergency move, a coordinator carries it out.
    j = "P14 emergency move from the support record"
    req = s.searching(s.file(j))
    (p14,) = s.propose(j, req, "E")
    s.arrive(j, p14)
    s.step(
        j,
        "the partner following",
        lambda: support.follow_start(
            actor=coordinator, person=req.person, organisation=network.org("support_partner")
        ),
    )
    incident = s.step(
        j,
        "the partner asking for a move",
        lambda: support.support_incident_report(
            actor=partner,
            person=req.person,
            data={
                "kind": "contact",
                "occurred_on": timezone.localdate(),
                "description": "Contact.",
                "emergency_move": True,
            },
        ),
    )
    s.incident_zone(req.person, sE)
    s.step(j, "the emergency move", lambda: support.emergency_move(actor=coordinator, incident=incident))

    # P15: another organisation's request, pending at B.
    j = "P15 another referrer's request"
    req = s.searching(s.file(j, side="other"))
    s.propose(j, req, "B")

    # P16 waits for the referrer's answer, P17 is accepted and not yet searched.
    j = "P16 information requested"
    req = s.file(j)
    info = s.add("request.decision_reason", s.token("Info"), req.person)
    s.step(
        j,
        "asking for information",
        lambda: referrals.request_transition(
            actor=coordinator, request=req, name="request_information", reason=info
        ),
    )
    j = "P17 accepted"
    req = s.file(j)
    s.step(
        j, "accepting", lambda: referrals.request_transition(actor=coordinator, request=req, name="accept")
    )

    # P19: a zone added over B's pending proposal withdraws it; B then tries to agree.
    j = "P19 zone added over a pending proposal"
    req = s.searching(s.file(j))
    (p19,) = s.propose(j, req, "B")
    s.zones_change(j, req, "over_pending")
    s.must_refuse(
        j,
        "a shelter agreeing after a danger zone excluded it",
        lambda: placements.proposal_agree(actor=s.staff_of(p19), proposal=s.fresh(p19)),
        "zones",
    )

    # A lost second factor reset by an administrator, with how the identity was checked (an
    # audit note). The user is no viewer of the crawl: the reset ends their sessions.
    lost = network.user("observer", "other")
    accounts.second_factor_reset(
        actor=network.user("administrator"),
        user=lost,
        identity_check=s.add("auditnote.text", s.token("IdentityCheck"), lost),
    )

    # A training given by the partner, attended by shelter staff: its pages and certificate (a
    # PDF) are crawled like the others, so their text is checked too.
    session = make_session(network, trainer=network.org("support_partner"), days_ago=10)
    attend(network, session, network.user("shelter_staff"))
    attend(network, session, network.user("referrer"))
    _ = (sB, sD)
    return s
