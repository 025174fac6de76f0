"""In-app notifications: written in the sender's action, read in the reader's language."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from abri.placements.models import Notification
from abri.placements.notifications import notify

ARRIVAL = "An arrival has been confirmed in Abri."


def test_a_notice_written_in_french_reads_in_each_readers_language(
    network, django_capture_on_commit_callbacks
):
    user = network.user("shelter_staff")
    with django_capture_on_commit_callbacks(execute=True), translation.override("fr"):
        notify([user], _(ARRIVAL))
    notice = Notification.objects.get(user=user)
    assert notice.message == ARRIVAL  # the source, not the French of the action that wrote it
    with translation.override("en"):
        assert notice.text == ARRIVAL
    with translation.override("fr"):
        assert notice.text == "Une arrivée a été confirmée dans Abri."


def test_a_plain_string_or_an_overlong_message_is_refused_at_once(
    network, django_capture_on_commit_callbacks
):
    user = network.user("shelter_staff")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(TypeError):
            notify([user], "Un texte déjà traduit")  # would be stored in the sender's language
        with pytest.raises(ValueError):
            notify([user], _("x" * 201))  # cut, it would no longer match its translation
    assert not Notification.objects.filter(user=user).exists()
