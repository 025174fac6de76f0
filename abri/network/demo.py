"""Demo shelters in real towns, with realistic capacities, languages and specialisms."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from abri.accounts.models import Organisation, OrganisationKind, User
from abri.accounts.services import organisation_update_directory
from abri.core import geography
from abri.core.vocabulary import ExploitationForm
from abri.network.models import Collective, Shelter
from abri.network.services import shelter_create, shelter_update, unavailability_declare

STREETS = [
    "rue des Lilas",
    "avenue de la Gare",
    "rue Victor-Hugo",
    "chemin des Vignes",
    "rue du Moulin",
    "boulevard Pasteur",
    "rue de la République",
    "impasse des Tilleuls",
    "rue Jean-Jaurès",
    "place du Marché",
]
# Most shelters welcome women (89% of victims are women); a few take men or families.
GENDER_PROFILES = [["F"]] * 7 + [["F", "M"]] * 2 + [["M"]]
LANGUAGE_POOL = ["en", "es", "pt", "ro", "bg", "ru", "ar", "zh", "bin", "pcm", "sq", "uk", "vi"]
COLLECTIVES = [
    "Plateforme régionale contre la traite (démo)",
    "Collectif Ensemble contre la traite (démo)",
    "Réseau national des CHRS partenaires (démo)",
]


def build_demo_shelters(*, rng: random.Random, coordinator: User) -> int:
    """One shelter per demo shelter operator, in its town: ~100 dedicated places in all."""
    operators = Organisation.objects.filter(kind=OrganisationKind.SHELTER_OPERATOR).order_by("name")
    places_total = 0
    for operator in operators:
        town_name = operator.name.split(" · ", 1)[-1]
        town = geography.find_communes(town_name, departement=operator.departement, limit=1)[0]
        places = rng.choice([1, 1, 2, 2, 2, 3])
        places_total += places
        genders = rng.choice(GENDER_PROFILES)
        forms = sorted(
            {
                ExploitationForm.SEXUAL.value,
                *rng.sample(
                    [
                        ExploitationForm.LABOUR.value,
                        ExploitationForm.DOMESTIC.value,
                        ExploitationForm.FORCED_CRIME.value,
                        ExploitationForm.BEGGING.value,
                    ],
                    k=rng.randint(0, 2),
                ),
            }
        )
        shelter = shelter_create(
            actor=coordinator,
            operator=operator,
            name=operator.name,
            commune=town.name,
            departement=town.departement,
            latitude=round(town.lat, 4),
            longitude=round(town.lon, 4),
            address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}, {town.name}",
            accepts_genders=genders,
            accepts_couples=rng.random() < 0.2,
            max_children=rng.choice([0, 0, 1, 2, 3]),
            wheelchair_access=rng.random() < 0.25,
            languages=sorted({"fr", *rng.sample(LANGUAGE_POOL, k=rng.randint(1, 3))}),
            exploitation_forms=forms,
            dedicated_places=places,
            contact_name="Direction (démo)",
            contact_phone=operator.phone,
            contact_email=operator.email,
        )
        if rng.random() < 0.12:
            unavailability_declare(
                actor=coordinator,
                shelter=shelter,
                places=1,
                reason=rng.choice(["Travaux", "Équipe réduite"]),
                ends_on=timezone.localdate() + datetime.timedelta(days=rng.randint(5, 60)),
            )
    return places_total


def enrich_directory(*, rng: random.Random) -> None:
    """Areas of action, forms of exploitation and collectives for the partner directory."""
    departements = [d.code for d in geography.departements() if len(d.code) == 2]
    collectives = [Collective.objects.create(name=name) for name in COLLECTIVES]
    for organisation in Organisation.objects.exclude(kind=OrganisationKind.OBSERVER).order_by("name"):
        areas = {organisation.departement} if organisation.departement else set()
        if organisation.kind in (OrganisationKind.SUPPORT_PARTNER, OrganisationKind.COORDINATOR):
            areas |= set(rng.sample(departements, k=rng.randint(3, 10)))
        organisation_update_directory(
            actor=None,
            organisation=organisation,
            areas=sorted(a for a in areas if a),
            exploitation_forms=sorted(set(rng.sample(ExploitationForm.values[:5], k=rng.randint(1, 3)))),
        )
        for collective in collectives:
            if rng.random() < 0.25:
                collective.members.add(organisation)


def leave_a_free_place(*, username: str, coordinator: User) -> None:
    """The demo shelter account must have a free place to try the one-minute update with: if the
    placements filled its shelter, the coordination dedicates one more place to the network."""
    from abri.network.availability import availability

    operator_id = User.objects.get(username=username).organisation_id
    for shelter in Shelter.objects.filter(operator_id=operator_id, is_active=True):
        free = availability(shelter).free
        if free < 1:
            shelter_update(
                actor=coordinator, shelter=shelter, dedicated_places=shelter.dedicated_places + 1 - free
            )
