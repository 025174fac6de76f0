"""The support record's forms. They parse; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from abri.accounts.models import Organisation, OrganisationKind
from abri.core.vocabulary import LANGUAGES, ExploitationForm, Gender
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


def _date(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _amount(label: Any, *, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, min_value=0, max_value=99_999_999, decimal_places=2
    )


# Who reads an entry's details (policy.support_details_visible), said next to each free-text field.
DETAILS_READERS = _(
    "Read by the coordinators, the person's shelter and your organisation; other partners never read it."
)


def _note(label: Any, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=2000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FollowedPersonForm(forms.Form):
    """A person a support partner follows without a placement."""

    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    aliases = forms.CharField(label=_("Other names used"), max_length=200, required=False)
    birth_date = _date(_("Birth date"))
    age = forms.IntegerField(
        label=_("Approximate age"),
        required=False,
        min_value=0,
        max_value=110,
        help_text=_("If the birth date is not known."),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    nationality = forms.CharField(label=_("Nationality"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"), choices=LANGUAGES, widget=forms.CheckboxSelectMultiple, required=False
    )
    exploitation_forms = forms.MultipleChoiceField(
        label=_("Forms of exploitation"),
        choices=ExploitationForm.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    complaint_filed = forms.BooleanField(label=_("A complaint has been filed"), required=False)
    started_on = _date(_("Followed since"), required=True)
    organisation = forms.ModelChoiceField(
        label=_("Support partner following the person"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.SUPPORT_PARTNER, is_active=True),
        required=False,
    )

    def __init__(self, *args: Any, coordinator: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not coordinator:
            del self.fields["organisation"]  # a partner records its own people


class FollowForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Support partner"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.SUPPORT_PARTNER, is_active=True),
    )
    started_on = _date(_("Followed since"), required=True)


class StepForm(forms.Form):
    category = forms.ChoiceField(label=_("Kind of step"), choices=StepCategory.choices)
    status = forms.ChoiceField(label=_("Status"), choices=StepStatus.choices)
    started_on = _date(_("Started on"), required=True)
    due_on = _date(_("Expected by"))
    done_on = _date(_("Completed on"), help_text=_("Only when the step is done."))
    note = _note(_("Note"), _("Shown to the person's shelter, the coordinators and your organisation."))


class PermitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=PermitKind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=PermitStatus.choices)
    applied_on = _date(_("Applied on"))
    starts_on = _date(_("Valid from"))
    expires_on = _date(_("Expires on"), help_text=_("Reminders go out 60, 30 and 7 days before."))
    prefecture = forms.CharField(
        label=_("Préfecture (département number)"),
        max_length=3,
        required=False,
        help_text=_("For example 69."),
    )
    number = forms.CharField(label=_("Document number"), max_length=60, required=False)


class CaseForm(forms.Form):
    offence = forms.ChoiceField(label=_("Offence"), choices=Offence.choices)
    complaint_on = _date(_("Complaint filed on"))
    complaint_place = forms.CharField(
        label=_("Where the complaint was filed"),
        max_length=200,
        required=False,
        help_text=_(
            "Police station, gendarmerie or prosecutor. Read by the coordinators, the person's shelter "
            "and your organisation; other partners never read it."
        ),
    )
    stage = forms.ChoiceField(label=_("Stage"), choices=CaseStage.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CaseOutcome.choices, initial=CaseOutcome.PENDING)
    decided_on = _date(_("Decided on"), help_text=_("The date of the final decision."))
    lawyer = forms.CharField(
        label=_("Lawyer"),
        max_length=200,
        required=False,
        help_text=DETAILS_READERS,
    )
    civil_party = forms.BooleanField(label=_("The person is a civil party"), required=False)
    civil_party_on = _date(_("Civil party since"))


class HearingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of hearing"), choices=HearingKind.choices)
    at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    court = forms.CharField(
        label=_("Court"),
        max_length=150,
        help_text=_(
            "For example: tribunal correctionnel de Paris. Read by the coordinators, the person's shelter "
            "and the partners who follow the person; another partner never reads where an audition is."
        ),
    )
    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=300,
        required=False,
        help_text=_(
            "Once the hearing has taken place. Read by the coordinators, the person's shelter and your "
            "organisation; other partners read only that it is recorded."
        ),
    )


class ClaimForm(forms.Form):
    body = forms.ChoiceField(label=_("Claimed before"), choices=CompensationBody.choices)
    filed_on = _date(_("Filed on"), required=True)
    claimed_amount = _amount(_("Amount claimed (euros)"), required=True)
    awarded_amount = _amount(_("Amount awarded (euros)"))
    awarded_on = _date(_("Awarded on"))
    paid_amount = _amount(_("Amount paid (euros)"))
    paid_on = _date(_("Paid on"))


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=SupportIncidentKind.choices)
    occurred_on = _date(_("On"), required=True)
    description = forms.CharField(
        label=_("Details"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=DETAILS_READERS,
    )
    emergency_move = forms.BooleanField(label=_("The person must be moved at once"), required=False)

    def __init__(self, *args: Any, role: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What ticking the box does depends on who ticks it: say so.
        if role == "partner":
            help_text = _("The coordinators are alerted at once and organise the move.")
        else:
            help_text = _(
                "If the person lives in a network shelter, the stay ends today and the coordinators "
                "search for another one. Otherwise the coordinators are alerted."
            )
        self.fields["emergency_move"].help_text = help_text


class EndFollowForm(forms.Form):
    ended_on = _date(_("Ended on"), required=True)
