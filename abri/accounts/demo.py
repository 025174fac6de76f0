"""The synthetic demo network: organisations of every kind and users of every role.

Deterministic from a seed: the same seed gives the same network, passwords and TOTP secrets,
so the README can print how to sign in. Never available in production (settings.DEMO_MODE).
"""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_otp.oath import TOTP

from abri.accounts.models import (
    EncryptedTOTPDevice,
    Organisation,
    OrganisationKind,
    RecoveryCode,
    RecoveryCodeDevice,
    Role,
    User,
    recovery_code_hash,
)
from abri.audit.services import audit_record
from abri.core import geography

DEMO_PASSWORD = "abri-demo-2026"  # noqa: S105 (the demo accounts are public by design)
DEFAULT_SEED = 2026

REFERRER_PATTERNS = [
    "Commissariat de police {de_town}",
    "Brigade de gendarmerie {de_town}",
    "Centre hospitalier {de_town} · service social",
    "Association d'aide aux victimes {de_town}",
    "Accueil de jour {de_town}",
    "Barreau {de_town} · permanence victimes",
    "Maison des femmes {de_town}",
    "Service d'accueil des migrants {de_town}",
    "Inspection du travail · unité {de_town}",
]
# The kind of referrer (Organisation.sector) of each pattern above, for the statistics.
REFERRER_SECTORS = [
    "police",
    "police",
    "health",
    "association",
    "association",
    "justice",
    "association",
    "social",
    "labour",
]
SHELTER_WORDS = [
    "Les Tilleuls",
    "L'Escale",
    "Le Phare",
    "La Passerelle",
    "L'Étape",
    "Le Relais",
    "Horizon",
    "Les Glycines",
    "L'Olivier",
    "La Boussole",
    "Le Trait d'Union",
    "L'Abri Côtier",
    "Les Hirondelles",
    "Le Refuge",
    "La Source",
    "Le Cap",
    "Les Quatre Vents",
    "L'Archipel",
    "La Clairière",
    "Le Tremplin",
]
SUPPORT_PARTNERS = [
    "Comité contre l'esclavage moderne (démo)",
    "Association juridique pour les victimes de la traite (démo)",
    "Réseau d'accompagnement psychologique des victimes (démo)",
    "Association d'interprètes solidaires (démo)",
    "Collectif santé et exil (démo)",
    "Fondation pour l'insertion des femmes (démo)",
    "Association des juristes en droit des étrangers (démo)",
    "Plateforme d'accès aux droits (démo)",
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    organisation: str


def demo_totp_key(username: str, seed: int = DEFAULT_SEED) -> str:
    """A deterministic 20-byte TOTP secret (hex) for a demo user: printed codes can be typed."""
    return hmac.new(str(seed).encode(), f"totp:{username}".encode(), hashlib.sha1).hexdigest()


def current_code(username: str) -> str:
    """The TOTP code a demo user's phone would show now."""
    ensure_demo_allowed()
    device = EncryptedTOTPDevice.objects.get(user__username=username, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def ensure_demo_allowed() -> None:
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("the demo network and its codes do not exist in production")


def _towns(rng: random.Random, count: int) -> list[geography.Commune]:
    """Large towns spread over metropolitan départements, picked deterministically."""
    picked: list[geography.Commune] = []
    departements = [d for d in geography.departements() if len(d.code) == 2]
    rng.shuffle(departements)
    for dep in departements:
        towns = geography.communes_in(dep.code)
        if towns:
            picked.append(towns[0])
        if len(picked) >= count:
            break
    return picked


def _de(town: str) -> str:
    """French elision: 'de Paris' but 'd'Angers'."""
    return f"d'{town}" if town[:1].upper() in "AEIOUYÉÈÂÎ" else f"de {town}"


def _user(
    username: str, organisation: Organisation, role: str, first: str, last: str, seed: int, password_hash: str
) -> User:
    user = User(
        username=username,
        first_name=first,
        last_name=last,
        email=f"{username}@demo.abri.invalid",
        organisation=organisation,
        role=role,
    )
    # Every demo account shares one password: hashing it once keeps seeding fast (Argon2 is slow
    # on purpose).
    user.password = password_hash
    user.save()
    EncryptedTOTPDevice.objects.create(
        user=user, name="Demo authenticator", confirmed=True, key=demo_totp_key(username, seed)
    )
    codes = RecoveryCodeDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    rng = random.Random(f"{seed}:{username}")  # noqa: S311 (demo data, not secrets)
    RecoveryCode.objects.bulk_create(
        [
            RecoveryCode(
                device=codes,
                code_hash=recovery_code_hash(f"{rng.getrandbits(24):06x}-{rng.getrandbits(24):06x}"),
            )
            for _ in range(10)
        ]
    )
    return user


@transaction.atomic
def build_demo_network(seed: int = DEFAULT_SEED) -> list[DemoAccount]:
    """Create the coordinating association, ~120 partners and the demo accounts."""
    ensure_demo_allowed()
    rng = random.Random(seed)  # noqa: S311 (synthetic data)
    coordinator = Organisation.objects.create(
        name="Association coordinatrice Ac.Sé (démo)",
        kind=OrganisationKind.COORDINATOR,
        departement="06",
        email="coordination@demo.abri.invalid",
        phone="04 00 00 00 00",
    )
    towns = _towns(rng, 90)
    shelters: list[Organisation] = []
    for i, town in enumerate(towns[:60]):
        word = SHELTER_WORDS[i % len(SHELTER_WORDS)]
        shelters.append(
            Organisation.objects.create(
                name=f"CHRS {word} · {town.name}",
                kind=OrganisationKind.SHELTER_OPERATOR,
                departement=town.departement,
                email=f"chrs{i:02d}@demo.abri.invalid",
                phone=f"0{rng.randint(1, 5)} 00 00 {i:02d} 00",
            )
        )
    referrers: list[Organisation] = []
    for i in range(46):
        town = towns[(i * 7) % len(towns)]
        pattern = REFERRER_PATTERNS[i % len(REFERRER_PATTERNS)]
        name = pattern.format(de_town=_de(town.name))
        if Organisation.objects.filter(name=name).exists():
            name = f"{name} ({i})"
        referrers.append(
            Organisation.objects.create(
                name=name,
                kind=OrganisationKind.REFERRER,
                departement=town.departement,
                sector=REFERRER_SECTORS[i % len(REFERRER_SECTORS)],
                email=f"orienteur{i:02d}@demo.abri.invalid",
            )
        )
    partners = [
        Organisation.objects.create(
            name=n,
            kind=OrganisationKind.SUPPORT_PARTNER,
            departement="75",
            email=f"partenaire{i}@demo.abri.invalid",
        )
        for i, n in enumerate(SUPPORT_PARTNERS)
    ]
    observer = Organisation.objects.create(
        name="Mission interministérielle (démo)",
        kind=OrganisationKind.OBSERVER,
        departement="75",
        email="observatoire@demo.abri.invalid",
    )

    plan = [
        ("coordination", coordinator, Role.COORDINATOR, "Camille", "Martin"),
        ("admin", coordinator, Role.ADMINISTRATOR, "Dominique", "Bernard"),
        ("orienteur", referrers[0], Role.REFERRER, "Sacha", "Petit"),
        ("orienteur2", referrers[1], Role.REFERRER, "Alex", "Durand"),
        ("chrs", shelters[0], Role.SHELTER_STAFF, "Claude", "Leroy"),
        ("chrs2", shelters[1], Role.SHELTER_STAFF, "Morgan", "Moreau"),
        ("partenaire", partners[0], Role.PARTNER, "Charlie", "Simon"),
        ("observateur", observer, Role.OBSERVER, "Noa", "Laurent"),
    ]
    password_hash = make_password(DEMO_PASSWORD)
    accounts = []
    for username, org, role, first, last in plan:
        _user(username, org, role, first, last, seed, password_hash)
        accounts.append(DemoAccount(username, str(role.label), org.name))
    # Every other shelter and referrer gets one staff account, so the network is populated.
    for i, org in enumerate(shelters[2:], start=3):
        _user(f"chrs{i}", org, Role.SHELTER_STAFF, "Demo", f"CHRS {i}", seed, password_hash)
    for i, org in enumerate(referrers[2:], start=3):
        _user(f"orienteur{i}", org, Role.REFERRER, "Demo", f"Orienteur {i}", seed, password_hash)
    from abri.network.demo import build_demo_shelters, enrich_directory

    coordinator_user = User.objects.get(username="coordination")
    build_demo_shelters(rng=rng, coordinator=coordinator_user)
    enrich_directory(rng=rng)
    from abri.core.mail import mail_suppressed
    from abri.referrals.demo import build_demo_requests
    from abri.support.demo import build_demo_support

    with mail_suppressed():
        build_demo_requests(rng=rng)
        build_demo_support(rng=rng)
    from abri.training.demo import build_demo_training

    build_demo_training(rng=rng)
    from abri.network.demo import leave_a_free_place

    leave_a_free_place(username="chrs", coordinator=coordinator_user)
    audit_record(action="demo.seed", data={"seed": seed, "organisations": Organisation.objects.count()})
    return accounts
