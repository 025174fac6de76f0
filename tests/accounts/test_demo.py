import datetime

from django.core.management import call_command
from django.utils import timezone

from abri.accounts.demo import DEMO_PASSWORD, current_code, demo_totp_key
from abri.accounts.models import Organisation, OrganisationKind, User
from abri.referrals.models import Request, Status


def test_demo_network_is_realistic_and_deterministic(db):
    call_command("seed_demo", verbosity=0)
    counts = {k: Organisation.objects.filter(kind=k).count() for k in OrganisationKind.values}
    assert counts["coordinator"] == 1 and counts["shelter_operator"] == 60
    assert 100 <= sum(counts.values()) <= 130 and all(counts.values())
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == {"coordinator", "administrator", "referrer", "shelter_staff", "partner", "observer"}
    coordinator = User.objects.get(username="coordination")
    assert coordinator.check_password(DEMO_PASSWORD)
    assert coordinator.totp_devices.get().key == demo_totp_key("coordination")
    code = current_code("coordination")
    assert len(code) == 6 and code.isdigit()
    # The coordinators' queue looks like a real one: a few dozen requests searched for, none for
    # more than four months.
    searching = Request.objects.filter(status=Status.SEARCHING)
    assert 20 <= searching.count() <= 80
    assert not searching.filter(submitted_at__lt=timezone.now() - datetime.timedelta(days=125)).exists()


def test_same_seed_same_network(db):
    from django.db import transaction

    def build_and_read():
        with transaction.atomic():
            call_command("seed_demo", verbosity=0)
            names = sorted(Organisation.objects.values_list("name", "kind", "departement"))
            transaction.set_rollback(True)
        return names

    first, second = build_and_read(), build_and_read()
    assert first == second and len(first) > 100
