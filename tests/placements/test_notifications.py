"""In-app notifications: written in the sender's action, read in the reader's language."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from abri.placements.models import Notification
from abri.placements.notifications import notify

TOO_MANY = "At most %(max)s rows can be imported at once."  # a catalogue message with a value


def test_a_notice_written_in_french_reads_in_each_readers_language(
    network, django_capture_on_commit_callbacks
):
    user = network.user("shelter_staff")
    with django_capture_on_commit_callbacks(execute=True), translation.override("fr"):
        notify([user], _(TOO_MANY), {"max": 500})
    notice = Notification.objects.get(user=user)
    assert notice.message == TOO_MANY and notice.params == {"max": 500}  # the source, not the French
    with translation.override("en"):
        assert notice.text == "At most 500 rows can be imported at once."
    with translation.override("fr"):
        assert notice.text == "Au plus 500 lignes peuvent être importées en une fois."


def test_values_that_no_longer_fit_the_wording_read_as_the_source(network):
    notice = Notification(user=network.user("shelter_staff"), message=TOO_MANY, params={"count": 3})
    with translation.override("fr"):
        assert notice.text == TOO_MANY  # neither wording takes "count": no error page, the raw source


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
            notify([user], _(TOO_MANY), {"max": datetime.date(2026, 1, 1)})
    assert not Notification.objects.filter(user=user).exists()
