from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from abri.training.models import Audience, Topic

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class HoursField(forms.DecimalField):
    """Hours typed the French way ("6,5") or the English way ("6.5")."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
        return super().to_python(value)


class SessionFilterForm(forms.Form):
    year = forms.ChoiceField(label=_("Year"), required=False)
    topic = forms.ChoiceField(
        label=_("Topic"), required=False, choices=[("", _("Any topic")), *Topic.choices]
    )
    audience = forms.ChoiceField(
        label=_("Audience"), required=False, choices=[("", _("Any audience")), *Audience.choices]
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("Every year")), *[(str(y), str(y)) for y in years]]  # type: ignore[attr-defined]


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    starts_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    duration_hours = HoursField(
        label=_("Duration (hours)"),
        max_digits=4,
        decimal_places=1,
        min_value=0.5,
        max_value=200,
        help_text=_("For example 3 for a half day, 6.5 for a day."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    online = forms.BooleanField(label=_("Online session"), required=False)
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("Town and venue. Leave empty for an online session."),
    )
    trainer = forms.ChoiceField(label=_("Trainer organisation"))
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Read by the coordinators and the trainer organisation only."),
    )

    def __init__(self, *args: Any, trainers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trainer"].choices = [(str(o.pk), o.name) for o in trainers]  # type: ignore[attr-defined]

    def what_fields(self) -> list[Any]:
        return [self[n] for n in ("title", "topic", "audience")]

    def when_fields(self) -> list[Any]:
        return [self[n] for n in ("starts_on", "duration_hours", "online", "place")]

    def who_fields(self) -> list[Any]:
        return [self[n] for n in ("trainer", "notes")]


class AttendanceForm(forms.Form):
    """Register someone: a person with an Abri account, or a name and an organisation.

    ``organisations`` and ``shelters`` are given to coordinators only: they link an external
    person to an organisation of the network and say which shelter an attendee works at.
    """

    user = forms.ChoiceField(label=_("Person with an Abri account"), required=False)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    organisation_name = forms.CharField(
        label=_("Their organisation"),
        max_length=200,
        required=False,
        help_text=_("Where the person works. May stay empty at a session for the general public."),
    )
    organisation = forms.ChoiceField(
        label=_("Organisation on the platform"),
        required=False,
        help_text=_("When the person works for an organisation of the network."),
    )
    shelter = forms.ChoiceField(
        label=_("Works at the shelter"),
        required=False,
        help_text=_(
            "Counts the person as trained staff of this shelter for 24 months. "
            "A shelter worker's only shelter is found without choosing."
        ),
    )

    ACCOUNT_FIELDS = ("user",)
    EXTERNAL_FIELDS = ("full_name", "organisation_name", "organisation")

    def __init__(
        self, *args: Any, users: Any, organisations: Any = None, shelters: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for user in users:
            label = user.get_full_name().strip() or user.get_username()
            groups.setdefault(user.organisation.name if user.organisation else "", []).append(
                (str(user.pk), label)
            )
        self.fields["user"].choices = [("", _("Choose a person")), *groups.items()]  # type: ignore[attr-defined]
        if organisations is None:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].choices = [  # type: ignore[attr-defined]
                ("", _("None")),
                *[(str(o.pk), o.name) for o in organisations],
            ]
        if shelters is None:
            del self.fields["shelter"]
        else:
            self.fields["shelter"].choices = [  # type: ignore[attr-defined]
                ("", _("No shelter chosen")),
                *[(str(s.pk), f"{s.name} ({s.commune})") for s in shelters],
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("user") and data.get("full_name"):
            self.add_error("full_name", _("Choose a person with an account or type a name, not both."))
        elif not data.get("user") and not data.get("full_name") and not self.errors:
            self.add_error(
                "user", _("Choose a person with an account, or type the name of someone without one.")
            )
        return data

    def account_fields(self) -> list[Any]:
        return [self[name] for name in self.ACCOUNT_FIELDS]

    def external_fields(self) -> list[Any]:
        return [self[name] for name in self.EXTERNAL_FIELDS if name in self.fields]

    def other_fields(self) -> list[Any]:
        return [self[name] for name in ("shelter",) if name in self.fields]


class ShelterStatusFilterForm(forms.Form):
    needs_training = forms.BooleanField(label=_("Only shelters needing training"), required=False)
