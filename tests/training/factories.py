"""Training sessions and attendances for tests, made through the services."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from abri.training import services
from abri.training.models import Attendance, TrainingSession


def make_session(
    network: Any,
    *,
    trainer: Any = None,
    actor: Any = None,
    days_ago: int = 30,
    **overrides: Any,
) -> TrainingSession:
    fields: dict[str, Any] = {
        "title": "Identifier les victimes de la traite",
        "topic": "identification",
        "audience": "shelter_staff",
        "starts_on": timezone.localdate() - datetime.timedelta(days=days_ago),
        "duration_hours": 6,
        "online": False,
        "place": "Lyon, Maison des associations",
        "notes": "",
    }
    fields.update(overrides)
    return services.session_create(
        actor=actor or network.user("coordinator"),
        trainer=trainer or network.org("coordinator"),
        **fields,
    )


def attend(network: Any, session: TrainingSession, user: Any = None, **kwargs: Any) -> Attendance:
    return services.attendance_add(actor=network.user("coordinator"), session=session, user=user, **kwargs)
