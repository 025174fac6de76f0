from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abri.core import geography
from abri.core.geodata_choices import departement_choices
from abri.core.vocabulary import LANGUAGES, ExploitationForm, Gender

HOUSEHOLD_CHOICES = [
    ("", _("Any household")),
    ("woman", _("A woman")),
    ("man", _("A man")),
    ("couple", _("A couple")),
    ("with_children", _("With children")),
]


def region_choices() -> list[tuple[str, str]]:
    return [(r.code, r.name) for r in sorted(geography.regions(), key=lambda r: r.name)]


class BoardFilterForm(forms.Form):
    region = forms.ChoiceField(label=_("Région"), required=False)
    household = forms.ChoiceField(label=_("Household"), required=False, choices=HOUSEHOLD_CHOICES)
    language = forms.ChoiceField(label=_("Language spoken"), required=False)
    exploitation_form = forms.ChoiceField(label=_("Form of exploitation"), required=False)
    wheelchair = forms.BooleanField(label=_("Wheelchair access"), required=False)
    only_free = forms.BooleanField(label=_("Only with free places"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All régions")), *region_choices()]  # type: ignore[attr-defined]
        self.fields["language"].choices = [("", _("Any language")), *LANGUAGES]  # type: ignore[attr-defined]
        self.fields["exploitation_form"].choices = [("", _("Any form")), *ExploitationForm.choices]  # type: ignore[attr-defined]


class ShelterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    commune = forms.CharField(
        label=_("Town"),
        max_length=120,
        help_text=_("The coordinates are found from the town and its département."),
    )
    departement = forms.ChoiceField(label=_("Département"))
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Stored encrypted; shown only to coordinators and your own staff."),
    )
    accepts_genders = forms.MultipleChoiceField(
        label=_("Adults' genders accepted"), choices=Gender.choices, widget=forms.CheckboxSelectMultiple
    )
    accepts_couples = forms.BooleanField(label=_("Accepts couples"), required=False)
    max_children = forms.IntegerField(
        label=_("Maximum number of children"), min_value=0, max_value=20, initial=0
    )
    wheelchair_access = forms.BooleanField(label=_("Wheelchair access"), required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken by the staff"),
        choices=LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exploitation_forms = forms.MultipleChoiceField(
        label=_("Forms of exploitation the staff know"),
        choices=ExploitationForm.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    dedicated_places = forms.IntegerField(
        label=_("Places dedicated to the network"), min_value=0, max_value=50
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=150, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departement"].choices = departement_choices()  # type: ignore[attr-defined]


class UnavailabilityForm(forms.Form):
    places = forms.IntegerField(label=_("Number of places"), min_value=1, max_value=50)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_(
            "For example: works, staff shortage, a place kept for a family. Read by the coordinators "
            "and your staff."
        ),
    )
    ends_on = forms.DateField(
        label=_("Unavailable until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean_ends_on(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["ends_on"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The end date is in the past."))
        return value


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name contains"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    departement = forms.ChoiceField(label=_("Works in the département"), required=False)
    exploitation_form = forms.ChoiceField(label=_("Form of exploitation"), required=False)

    def __init__(self, *args: Any, kinds: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *kinds]  # type: ignore[attr-defined]
        self.fields["departement"].choices = [("", _("Anywhere")), *departement_choices()]  # type: ignore[attr-defined]
        self.fields["exploitation_form"].choices = [("", _("Any form")), *ExploitationForm.choices]  # type: ignore[attr-defined]


class ImportForm(forms.Form):
    what = forms.ChoiceField(
        label=_("What to import"),
        choices=[("organisations", _("Organisations")), ("shelters", _("Shelters"))],
    )
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("First line: the column names. Nothing is imported if any line has an error."),
    )
