"""Three years of demo training sessions, with synthetic attendees (never real people).

The coordinating association trains the shelters' staff; the support partners train field
professionals and raise the public's awareness. About ten shelters are left with nobody trained
in the last 24 months, so the alert shows.
"""

from __future__ import annotations

import contextlib
import datetime
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from abri.accounts.models import Organisation, OrganisationKind, Role, User
from abri.core.errors import DomainError
from abri.network.models import Shelter
from abri.training import services
from abri.training.models import Attendance, Audience, Topic, TrainingSession
from abri.training.selectors import window_start

FIRST_NAMES = [
    "Amina", "Bastien", "Chloé", "Djamel", "Élodie", "Fatou", "Grégoire", "Hélène", "Inès", "Julien",
    "Karima", "Léa", "Mathis", "Nadia", "Olivier", "Pauline", "Quentin", "Rachida", "Sofia", "Thomas",
    "Ursula", "Vincent", "Wassila", "Yanis", "Zoé", "Aurore", "Bruno", "Céline", "Damien", "Estelle",
]  # fmt: skip
LAST_NAMES = [
    "Arnaud", "Benali", "Cordier", "Diallo", "Étienne", "Fabre", "Garnier", "Hamidi", "Imbert", "Jacquet",
    "Keita", "Lemoine", "Marchand", "N'Diaye", "Olivier", "Perrin", "Quéré", "Renaud", "Sanchez", "Traoré",
    "Vidal", "Weber", "Yilmaz", "Zeller", "Barbier", "Colin", "Dumas", "Fleury", "Gauthier", "Hoarau",
]  # fmt: skip
FIELD_ORGANISATIONS = [
    "Commissariat central (démo)",
    "Brigade de gendarmerie (démo)",
    "Inspection du travail (démo)",
    "Centre hospitalier, service social (démo)",
    "Barreau, commission des droits humains (démo)",
    "Conseil départemental, aide sociale à l'enfance (démo)",
    "Maraude associative (démo)",
    "Point d'accès au droit (démo)",
]
COORDINATOR_TITLES = {
    Topic.IDENTIFICATION: "Repérer et identifier les victimes de la traite",
    Topic.SECURITY: "Sécurité des personnes accueillies : éloignement, discrétion, incidents",
    Topic.LEGAL_FRAME: "Le cadre légal : protection des victimes, titre de séjour, plainte",
    Topic.TRAUMA_INFORMED: "Accompagner en tenant compte du psychotraumatisme",
    Topic.SEXUAL_EXPLOITATION: "L'exploitation sexuelle : mécanismes et accompagnement",
    Topic.MINORS: "Jeunes majeurs et mineurs victimes : les relais",
}
PARTNER_TITLES = {
    Topic.LABOUR_EXPLOITATION: "Exploitation par le travail et servitude domestique",
    Topic.IDENTIFICATION: "Les indicateurs de la traite pour les professionnels",
    Topic.LEGAL_FRAME: "Accompagner une victime dans la procédure pénale",
    Topic.MINORS: "Mineurs contraints à commettre des délits",
    Topic.OTHER: "Soirée de sensibilisation : la traite près de chez nous",
}
PLACES = [
    "Nice, locaux de l'association coordinatrice",
    "Lyon, Maison des associations",
    "Paris, salle municipale du 11e",
    "Marseille, centre social",
    "Rennes, Maison de quartier",
    "Toulouse, salle de formation",
    "Lille, Maison des solidarités",
]
NEGLECTED = 10  # shelters with nobody trained in the last 24 months


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _create(actor: User, trainer: Organisation, **fields: Any) -> TrainingSession:
    return services.session_create(actor=actor, trainer=trainer, **fields)


def _external(actor: User, session: TrainingSession, rng: random.Random, **kwargs: Any) -> None:
    with contextlib.suppress(DomainError):  # the same synthetic name twice: skipped
        services.attendance_add(actor=actor, session=session, full_name=_name(rng), **kwargs)


def _user(actor: User, session: TrainingSession, user: User) -> None:
    with contextlib.suppress(DomainError):
        services.attendance_add(actor=actor, session=session, user=user)


def build_demo_training(*, rng: random.Random, today: datetime.date | None = None) -> int:
    """About 35 sessions over three years, two to come; returns how many were recorded."""
    today = today or timezone.localdate()
    coordinator = User.objects.get(username="coordination")
    coordinator_org = coordinator.organisation
    assert coordinator_org is not None
    partner_user = User.objects.filter(username="partenaire").first()
    partners = list(Organisation.objects.filter(kind=OrganisationKind.SUPPORT_PARTNER).order_by("name"))
    if partner_user is not None and partner_user.organisation in partners:
        # The demo partner's organisation (CCEM) gives half of the partners' sessions.
        partners.remove(partner_user.organisation)
        partners.insert(0, partner_user.organisation)
    shelters = list(Shelter.objects.filter(is_active=True).select_related("operator").order_by("name"))
    staff_of = {
        u.organisation_id: u
        for u in User.objects.filter(role=Role.SHELTER_STAFF, is_active=True).order_by("username")
    }
    demo_staff = {u.organisation_id for u in User.objects.filter(username__in=["chrs", "chrs2"])}
    # The shelters left behind: half trained long ago, half never.
    candidates = [s for s in shelters if s.operator_id not in demo_staff]
    neglected = rng.sample(candidates, k=min(NEGLECTED, len(candidates)))
    neglected_ids = {s.pk for s in neglected}
    long_ago = neglected[: len(neglected) // 2]
    to_train = [s for s in shelters if s.pk not in neglected_ids]
    rng.shuffle(to_train)
    window = window_start(today)
    # Sessions well inside the window cover every shelter not left behind (for a month at least).
    recent_from = window + datetime.timedelta(days=30)
    count = 0

    # The coordinating association trains the shelters' staff about every seven weeks.
    coordinator_days = [today - datetime.timedelta(days=d) for d in range(1080, 0, -52)]
    recent = [d for d in coordinator_days if d >= recent_from]
    topics = list(COORDINATOR_TITLES)
    per_recent = -(-len(to_train) // max(1, len(recent)))
    for index, day in enumerate(coordinator_days):
        topic = topics[index % len(topics)]
        online = index % 4 == 3
        session = _create(
            coordinator,
            coordinator_org,
            title=COORDINATOR_TITLES[topic],
            topic=topic,
            audience=Audience.SHELTER_STAFF,
            starts_on=day,
            duration_hours=Decimal(rng.choice(["3", "6", "6", "12"])),
            online=online,
            place="" if online else rng.choice(PLACES),
            notes="",
        )
        count += 1
        if day >= recent_from:
            # Every shelter not left behind gets a session in the last 24 months.
            k = recent.index(day)
            attendees = to_train[k * per_recent : (k + 1) * per_recent]
            attendees += rng.sample(to_train, k=min(2, len(to_train)))
        else:
            attendees = rng.sample(to_train, k=min(4, len(to_train)))
            if long_ago and day < window:
                attendees.append(long_ago[index % len(long_ago)])
        for shelter in dict.fromkeys(attendees):
            staff = staff_of.get(shelter.operator_id)
            if staff is not None:
                _user(coordinator, session, staff)
            for _i in range(rng.randint(0, 2)):
                _external(coordinator, session, rng, organisation=shelter.operator, shelter=shelter)
    for ahead, topic in ((24, Topic.SECURITY), (61, Topic.IDENTIFICATION)):
        session = _create(
            coordinator,
            coordinator_org,
            title=COORDINATOR_TITLES[topic],
            topic=topic,
            audience=Audience.SHELTER_STAFF,
            starts_on=today + datetime.timedelta(days=ahead),
            duration_hours=Decimal("6"),
            online=False,
            place=PLACES[0],
            notes="Inscriptions ouvertes aux CHRS sans personnel formé depuis deux ans.",
        )
        count += 1
        for shelter in neglected[:3]:
            staff = staff_of.get(shelter.operator_id)
            if staff is not None:
                _user(coordinator, session, staff)

    # The support partners train field professionals and raise the public's awareness.
    referrers = list(User.objects.filter(role=Role.REFERRER, is_active=True).order_by("username"))
    partner_topics = list(PARTNER_TITLES)
    for index, days_ago in enumerate(range(1050, 0, -75)):
        trainer = (
            partners[0] if index % 2 == 0 or len(partners) == 1 else partners[1 + index % (len(partners) - 1)]
        )
        actor = (
            partner_user
            if partner_user is not None and partner_user.organisation_id == trainer.pk
            else coordinator
        )
        topic = partner_topics[index % len(partner_topics)]
        public = topic == Topic.OTHER
        online = index % 5 == 2
        session = _create(
            actor,
            trainer,
            title=PARTNER_TITLES[topic],
            topic=topic,
            audience=Audience.PUBLIC if public else Audience.FIELD_PROFESSIONALS,
            starts_on=today - datetime.timedelta(days=days_ago),
            duration_hours=Decimal(rng.choice(["2", "3", "3.5", "7"])),
            online=online,
            place="" if online else rng.choice(PLACES[1:]),
            notes="",
        )
        count += 1
        if public:
            for _i in range(rng.randint(6, 12)):
                _external(actor, session, rng, organisation_name="")
            continue
        for referrer in rng.sample(referrers, k=min(3, len(referrers))):
            if actor.role in (Role.COORDINATOR, Role.ADMINISTRATOR):
                _user(actor, session, referrer)
        for _i in range(rng.randint(3, 7)):
            _external(actor, session, rng, organisation_name=rng.choice(FIELD_ORGANISATIONS))
    # The demo accounts each have a certificate to download.
    latest_partner = TrainingSession.objects.filter(
        trainer=partners[0], audience=Audience.FIELD_PROFESSIONALS, starts_on__lte=today
    ).first()
    if latest_partner is not None:
        for username in ("orienteur", "coordination"):
            _user(coordinator, latest_partner, User.objects.get(username=username))
        if partner_user is not None:
            _user(coordinator, latest_partner, partner_user)
    # A few people registered did not come (not shelter staff: the shelters' counts stay as planned).
    absentees = list(
        Attendance.objects.filter(
            session__starts_on__lt=today - datetime.timedelta(days=30),
            shelter__isnull=True,
            user__isnull=True,
        ).order_by("session__starts_on", "full_name")
    )
    for item in rng.sample(absentees, k=min(6, len(absentees))):
        services.attendance_set_attended(actor=coordinator, attendance=item, attended=False)
    return count
