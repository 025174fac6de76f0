"""In-app notifications: written in the sender's action, read in the reader's language."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from abri.placements.models import Notification
from abri.placements.notifications import notify

EXPIRES = "A residence document expires in %(days)d days: see the support record in Abri."


def test_a_notice_written_in_french_reads_in_each_readers_language(
    network, django_capture_on_commit_callbacks
):
    user = network.user("shelter_staff")
    with django_capture_on_commit_callbacks(execute=True), translation.override("fr"):
        notify([user], _(EXPIRES), {"days": 30})
    notice = Notification.objects.get(user=user)
    assert notice.message == EXPIRES and notice.params == {"days": 30}  # the source, not the French
    with translation.override("en"):
        assert notice.text == "A residence document expires in 30 days: see the support record in Abri."
    with translation.override("fr"):
        assert notice.text.startswith("Un document de séjour expire dans 30 jours")


def test_values_that_no_longer_fit_the_wording_read_as_the_source(network):
    notice = Notification(user=network.user("shelter_staff"), message=EXPIRES, params={"count": 3})
    with translation.override("fr"):
        assert notice.text == EXPIRES  # neither wording takes "count": no error page, the raw source


def test_a_plain_string_an_overlong_message_or_unstorable_values_are_refused_at_once(
    network, django_capture_on_commit_callbacks
):
    user = network.user("shelter_staff")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(TypeError):
            notify([user], "Un texte déjà traduit")  # would be stored in the sender's language
        with pytest.raises(ValueError):
            notify([user], _("x" * 201))
        with pytest.raises(TypeError):
            notify([user], _(EXPIRES), {"days": datetime.date(2026, 1, 1)})
    assert not Notification.objects.filter(user=user).exists()
