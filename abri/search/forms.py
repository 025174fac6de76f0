from django import forms
from django.utils.translation import gettext_lazy as _

from abri.search.models import WeightSet


class WeightSetForm(forms.ModelForm):
    class Meta:
        model = WeightSet
        fields = [
            "no_common_language",
            "not_specialised",
            "no_trained_staff",
            "safety_margin",
            "safety_margin_band_km",
            "load",
            "priority_point",
            "min_distance_km",
            "note",
        ]

    def clean_safety_margin_band_km(self) -> int:
        value: int = self.cleaned_data["safety_margin_band_km"]
        if value < 1:
            raise forms.ValidationError(_("At least 1 km."))
        return value

    def clean_min_distance_km(self) -> int:
        value: int = self.cleaned_data["min_distance_km"]
        if not 50 <= value <= 1000:
            raise forms.ValidationError(_("Between 50 and 1,000 km."))
        return value
