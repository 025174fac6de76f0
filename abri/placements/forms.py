from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from abri.placements.models import ExitOutcome, Incident, RefusalReason, TravelMode

# Every free-text field says who reads what is typed (issue 12): most are the coordinators' only.
COORDINATORS_ONLY = _("Read by the coordinators only; never shown to the field worker.")


class RefusalForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason for refusing"), choices=RefusalReason.choices)
    text = forms.CharField(
        label=_("In a few words"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=COORDINATORS_ONLY,
    )


class InterviewForm(forms.Form):
    at = forms.DateTimeField(
        label=_("Date and time of the interview"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    link = forms.CharField(
        label=_("How to join (video link or phone number)"),
        max_length=300,
        help_text=_("Read by the shelter and the coordinators; never shown to the field worker."),
    )


class WithdrawForm(forms.Form):
    by_person = forms.ChoiceField(
        label=_("Who withdraws"),
        choices=[("person", _("The person")), ("shelter", _("The shelter"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=COORDINATORS_ONLY,
    )


class TransferForm(forms.Form):
    travel_date = forms.DateField(
        label=_("Travel date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    travel_mode = forms.ChoiceField(label=_("Travel mode"), choices=TravelMode.choices)
    departure_place = forms.CharField(
        label=_("Departure station or place"),
        max_length=200,
        help_text=_("Read by the field worker, who brings the person there."),
    )
    departure_time = forms.TimeField(
        label=_("Departure time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    arrival_place = forms.CharField(
        label=_("Arrival station or place"),
        max_length=200,
        help_text=_("Read by the shelter only; never shown to the field worker."),
    )
    arrival_time = forms.TimeField(
        label=_("Arrival time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    meeting_point = forms.CharField(
        label=_("Meeting point on arrival"),
        max_length=300,
        help_text=_("Read by the shelter only; never shown to the field worker."),
    )
    escort = forms.CharField(
        label=_("Escort"),
        max_length=150,
        required=False,
        help_text=_(
            "Read by the coordinators and the shelter; the field worker reads only that someone "
            "travels with the person."
        ),
    )
    grant_amount = forms.DecimalField(
        label=_("Grant (euros)"), min_value=0, max_value=5000, decimal_places=2, initial=0
    )


class MissedArrivalForm(forms.Form):
    next_step = forms.ChoiceField(
        label=_("What next"),
        widget=forms.RadioSelect,
        choices=[("search", _("Search again")), ("close", _("Close the request"))],
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=COORDINATORS_ONLY,
    )


class ExitForm(forms.Form):
    day = forms.DateField(
        label=_("Exit date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ExitOutcome.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Read by the coordinators and your shelter; never shown to the field worker."),
    )


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=Incident.Kind.choices)
    description = forms.CharField(
        label=_("Details"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Read by the coordinators and your shelter; never shown to the field worker."),
    )


class DisclosureForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the field worker must know where the person is"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Read by the coordinators and kept in the audit log; never shown to the field worker."),
    )
