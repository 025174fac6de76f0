"""The request form's steps: plain-language help on every field (JOURNEYS.md)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from abri.core.geodata_choices import departement_choices
from abri.core.vocabulary import LANGUAGES, ExploitationForm, Gender
from abri.referrals.models import (
    Attachment,
    CountryOfOrigin,
    ExploitationPlace,
    ExploiterRelation,
    HouseholdMember,
    PermitStatus,
    StartAge,
    Urgency,
    YesNoUnknown,
)


class PersonForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    aliases = forms.CharField(
        label=_("Other names used"),
        max_length=200,
        required=False,
        help_text=_("Nicknames or names the exploiters use: they help to spot a person referred twice."),
    )
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    age = forms.IntegerField(
        label=_("Approximate age"),
        required=False,
        min_value=0,
        max_value=110,
        help_text=_("Only if the birth date is not known."),
    )
    nationality = forms.CharField(label=_("Nationality"), max_length=100, required=False)
    country_of_origin = forms.ChoiceField(
        label=_("Country of origin"),
        choices=CountryOfOrigin.choices,
        required=False,
        initial=CountryOfOrigin.UNKNOWN,
        help_text=_("For the national statistics: a list of countries, kept apart from the identity."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, widget=forms.RadioSelect)
    languages = forms.MultipleChoiceField(
        label=_("Languages the person speaks"), choices=LANGUAGES, widget=forms.CheckboxSelectMultiple
    )
    interpreter_needed = forms.BooleanField(label=_("Needs an interpreter"), required=False)


class MemberForm(forms.Form):
    relation = forms.ChoiceField(
        label=_("Who"), choices=[("", "—"), *HouseholdMember.Relation.choices], required=False
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    age = forms.IntegerField(label=_("Age"), min_value=0, max_value=110, required=False)


HouseholdFormSet = forms.formset_factory(MemberForm, extra=4, max_num=12)


class SituationForm(forms.Form):
    urgency = forms.ChoiceField(
        label=_("How urgent is it?"), choices=Urgency.choices, widget=forms.RadioSelect
    )
    situation = forms.CharField(
        label=_("The situation in a few words"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=3000,
        help_text=_(
            "What happened, why the person is in danger here. Read by the coordinators and your "
            "organisation; never by a shelter."
        ),
    )
    exploitation_forms = forms.MultipleChoiceField(
        label=_("Forms of exploitation"),
        choices=ExploitationForm.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    danger_departements = forms.MultipleChoiceField(
        label=_("Danger zones: départements"),
        required=False,
        help_text=_("Where the exploiters operate or could find the person. Hold Ctrl to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    danger_towns = forms.CharField(
        label=_("Danger zones: towns"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line, as “Town (département)”, for example “Marseille (13)”. Read by the "
            "coordinators and your organisation; a shelter learns only that it is far from danger."
        ),
    )
    town_radius_km = forms.IntegerField(
        label=_("Around each town (km)"), min_value=0, max_value=300, initial=30
    )
    min_distance_km = forms.IntegerField(
        label=_("Minimum distance from every danger zone (km)"), min_value=50, max_value=1000, initial=150
    )
    exploiters = forms.CharField(
        label=_("What is known of the exploiters"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Network, family, spouse; where they are. Read by the coordinators and your organisation; "
            "stored encrypted."
        ),
    )
    exploiter_relation = forms.ChoiceField(
        label=_("Who the exploiter was"),
        choices=ExploiterRelation.choices,
        required=False,
        initial=ExploiterRelation.UNKNOWN,
        help_text=_(
            "For the national statistics, like the three questions below: answer “Unknown” if unsure."
        ),
    )
    exploitation_place = forms.ChoiceField(
        label=_("Where the exploitation took place"),
        choices=ExploitationPlace.choices,
        required=False,
        initial=ExploitationPlace.UNKNOWN,
    )
    exploitation_start_age = forms.ChoiceField(
        label=_("Age when the exploitation began"),
        choices=StartAge.choices,
        initial=StartAge.UNKNOWN,
        required=False,
    )
    housed_by_exploiter = forms.ChoiceField(
        label=_("Housed by the exploiter"),
        choices=YesNoUnknown.choices,
        initial=YesNoUnknown.UNKNOWN,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["danger_departements"].choices = departement_choices()  # type: ignore[attr-defined]


class NeedsForm(forms.Form):
    needs_wheelchair = forms.BooleanField(label=_("Needs wheelchair access"), required=False)
    health = forms.BooleanField(label=_("Health care needed"), required=False)
    addiction = forms.BooleanField(label=_("Addiction"), required=False)
    pregnancy = forms.BooleanField(label=_("Pregnancy"), required=False)
    psychological = forms.BooleanField(label=_("Psychological care needed"), required=False)
    health_notes = forms.CharField(
        label=_("Health notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "What the coordinators must know to find a place that suits the person. Read by the "
            "coordinators and your organisation; stored encrypted."
        ),
    )
    complaint_filed = forms.BooleanField(label=_("A complaint has been filed"), required=False)
    permit_status = forms.ChoiceField(label=_("Residence situation"), choices=PermitStatus.choices)


class ConsentForm(forms.Form):
    confirmed = forms.BooleanField(
        label=_("The person agrees to be referred to the network and to move far away"),
        help_text=_(
            "Explain in words the person understands: a safe place far from the danger; the place stays "
            "secret; they can say no at any step. Nothing happens without their agreement."
        ),
    )
    obtained_by = forms.CharField(
        label=_("Consent obtained by (your name)"),
        max_length=150,
        help_text=_("Read by the coordinators and your organisation."),
    )
    obtained_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    language = forms.ChoiceField(label=_("Language of the explanation"), choices=LANGUAGES)
    interpreter_used = forms.BooleanField(label=_("With an interpreter"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit log; read by the coordinators and the administrators only."),
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Read by the coordinators and the field worker's organisation; never by a shelter."),
    )


class WorklistFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, choices=[("", _("Any urgency")), *Urgency.choices]
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("oldest", _("Oldest first")),
            ("urgency", _("Most urgent first")),
            ("newest", _("Newest first")),
        ],
    )

    def __init__(self, *args: Any, statuses: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All open")), *statuses]  # type: ignore[attr-defined]


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=Attachment.Kind.choices)
    file = forms.FileField(label=_("File (PDF, JPEG or PNG, 5 MB at most)"))

    def __init__(self, *args: Any, referrer: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if referrer:  # travel tickets are the coordinators'
            self.fields["kind"].choices = [  # type: ignore[attr-defined]
                c for c in Attachment.Kind.choices if c[0] != Attachment.Kind.TICKET
            ]


class ZonesForm(forms.Form):
    """The coordinators' change of a request's danger zones (``services.request_zones_change``)."""

    remove = forms.MultipleChoiceField(
        label=_("Zones to remove"), required=False, widget=forms.CheckboxSelectMultiple
    )
    departements = forms.MultipleChoiceField(
        label=_("Départements to add"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    towns = forms.CharField(
        label=_("Towns to add"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One per line, as “Town (département)”. The field worker reads only that the coordinators "
            "set an area, never which."
        ),
    )
    radius_km = forms.IntegerField(label=_("Around each town (km)"), min_value=0, max_value=300, initial=30)
    reason = forms.CharField(
        label=_("Why"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Read by the coordinators only; never shown to the field worker."),
    )

    def __init__(self, *args: Any, zones: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["remove"].choices = zones  # type: ignore[attr-defined]
        self.fields["departements"].choices = departement_choices()  # type: ignore[attr-defined]
