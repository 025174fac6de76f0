import datetime

from django.core.management import call_command
from django.utils import timezone

from abri.network.models import Shelter
from abri.training.models import Attendance, Audience, TrainingSession
from abri.training.selectors import shelter_training_status


def test_demo_has_three_years_of_training_and_shelters_needing_it(db):
    call_command("seed_demo", verbosity=0)
    sessions = TrainingSession.objects.all()
    assert 30 <= sessions.count() <= 40
    dates = sorted(sessions.values_list("starts_on", flat=True))
    assert dates[-1] - dates[0] >= datetime.timedelta(days=3 * 365 - 60)
    assert dates[-1] > timezone.localdate()  # sessions to come
    audiences = set(sessions.values_list("audience", flat=True))
    assert audiences == set(Audience.values)
    assert (
        sessions.filter(trainer__kind="support_partner").exclude(audience=Audience.SHELTER_STAFF).count()
        >= 10
    )
    rows = shelter_training_status(Shelter.objects.filter(is_active=True))
    assert 8 <= sum(r.needs_training for r in rows) <= 12
    for username in ("chrs", "orienteur", "partenaire"):
        assert Attendance.objects.filter(user__username=username, attended=True).exists()
    assert Attendance.objects.filter(user__isnull=True).count() > 100
