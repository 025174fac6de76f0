"""Personas defined once: a coordinator, an administrator, a referrer, a shelter worker, a support
partner, an observer, and an outsider organisation of each kind for cross-organisation checks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from abri.accounts.middleware import SESSION_STARTED_KEY
from abri.accounts.models import EncryptedTOTPDevice, Organisation, OrganisationKind, Role, User
from abri.accounts.stepup import VERIFIED_AT_KEY

PASSWORD = "correct horse battery staple"
TOTP_KEY = "3132333435363738393031323334353637383930"

KIND_OF_ROLE = {
    Role.COORDINATOR: OrganisationKind.COORDINATOR,
    Role.ADMINISTRATOR: OrganisationKind.COORDINATOR,
    Role.REFERRER: OrganisationKind.REFERRER,
    Role.SHELTER_STAFF: OrganisationKind.SHELTER_OPERATOR,
    Role.PARTNER: OrganisationKind.SUPPORT_PARTNER,
    Role.OBSERVER: OrganisationKind.OBSERVER,
}


def totp_now(user: User) -> str:
    device = EncryptedTOTPDevice.objects.get(user=user, confirmed=True)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


@dataclass
class Network:
    """Two organisations of each kind (ours and another) with one member per role."""

    orgs: dict[tuple[str, str], Organisation]
    users: dict[tuple[str, str], User]

    def user(self, role: str, side: str = "own") -> User:
        return self.users[(role, side)]

    def org(self, kind: str, side: str = "own") -> Organisation:
        return self.orgs[(kind, side)]


def make_user(username: str, organisation: Organisation, role: str, *, with_totp: bool = True) -> User:
    user = User(
        username=username,
        organisation=organisation,
        role=role,
        first_name="Test",
        last_name=username,
        email=f"{username}@example.invalid",
    )
    user.set_password(PASSWORD)
    user.save()
    if with_totp:
        EncryptedTOTPDevice.objects.create(user=user, name="test", confirmed=True, key=TOTP_KEY)
    return user


@pytest.fixture
def network(db: None, settings) -> Network:  # type: ignore[no-untyped-def]
    # Argon2 at full cost makes every test slow; the hasher itself is tested in test_passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    orgs = {}
    for kind in OrganisationKind.values:
        for side in ("own", "other"):
            orgs[(kind, side)] = Organisation.objects.create(name=f"{kind} {side}", kind=kind)
    users = {}
    for role, kind in KIND_OF_ROLE.items():
        for side in ("own", "other"):
            users[(role.value, side)] = make_user(
                f"{role.value}-{side}", orgs[(kind.value, side)], role.value
            )
    return Network(orgs=orgs, users=users)


def sign_in(client: Client, user: User) -> Client:
    """A session as after password + second factor, with a fresh step-up."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    device = EncryptedTOTPDevice.objects.get(user=user, confirmed=True)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SESSION_STARTED_KEY] = time.time()
    session[VERIFIED_AT_KEY] = time.time()
    session.save()
    return client


@pytest.fixture
def client_for(network: Network) -> Callable[[str, str], Client]:
    def make(role: str, side: str = "own") -> Client:
        return sign_in(Client(), network.user(role, side))

    return make
