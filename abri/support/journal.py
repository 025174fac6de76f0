"""The record's journal ("who did what, when"): events store codes, sentences are made when read,
in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from abri.support.models import (
    CaseOutcome,
    CaseStage,
    CompensationBody,
    HearingKind,
    Offence,
    PermitKind,
    PermitStatus,
    StepCategory,
    StepStatus,
    SupportIncidentKind,
)


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def describe(kind: str, data: dict[str, Any]) -> str:
    """One journal line, from the event's kind and codes. Never free text: every follower reads it."""
    family = kind.split(".", 1)[0]
    if family == "step":
        what, state = _label(StepCategory, data.get("category")), _label(StepStatus, data.get("status"))
    elif family == "permit":
        what, state = _label(PermitKind, data.get("kind")), _label(PermitStatus, data.get("status"))
    elif family == "case":
        what = _label(Offence, data.get("offence"))
        state = f"{_label(CaseStage, data.get('stage'))}, {_label(CaseOutcome, data.get('outcome'))}"
    elif family == "hearing":
        what, state = _label(HearingKind, data.get("kind")), str(data.get("on", ""))
    elif family == "claim":
        return _label(CompensationBody, data.get("body"))
    elif kind == "incident.move":
        return _("Emergency move started")
    elif family == "incident":
        return _label(SupportIncidentKind, data.get("kind"))
    elif kind == "follow.start":
        return _("Follow-up started")
    elif kind == "follow.end":
        return _("Follow-up ended")
    else:
        return kind
    return _("%(what)s: %(state)s") % {"what": what, "state": state}
