"""The statistics pages' filters: a period of whole months, a région, a kind of referrer, a year."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abri.accounts.models import Sector
from abri.core import geography
from abri.reports import selectors

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month(value: str, field: str) -> datetime.date:
    match = MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise forms.ValidationError(_("Enter a month as YYYY-MM, for example 2025-01."), code=field)
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


class MonthInput(forms.TextInput):
    input_type = "month"


class FilterForm(forms.Form):
    start = forms.CharField(label=_("From (month)"), required=False, widget=MonthInput)
    end = forms.CharField(label=_("To (month, included)"), required=False, widget=MonthInput)
    region = forms.ChoiceField(label=_("Région"), required=False)
    sector = forms.ChoiceField(
        label=_("Kind of referrer"), required=False, choices=[("", _("All")), *Sector.choices]
    )

    def __init__(self, *args: Any, with_region: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [  # type: ignore[attr-defined]
            ("", _("All of France")),
            *((r.code, r.name) for r in geography.regions()),
        ]
        if not with_region:
            del self.fields["region"]
            del self.fields["sector"]

    def clean_start(self) -> datetime.date | None:
        value = self.cleaned_data.get("start") or ""
        return _month(value, "start") if value else None

    def clean_end(self) -> datetime.date | None:
        value = self.cleaned_data.get("end") or ""
        return _month(value, "end") if value else None

    def clean(self) -> dict[str, Any]:
        """The period is checked once the defaults are filled in: a month given alone (``?end=2100-12``)
        must not open a period longer than ten years, nor reach past the current month."""
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        default = selectors.default_filters()
        current = default.last_month
        if start and start > current:
            self.add_error("start", _("The start month cannot be later than the current month."))
            return data
        if end and end > current:
            self.add_error("end", _("The end month cannot be later than the current month."))
            return data
        first, last = start or default.start, end or current
        if last < first:
            self.add_error("end", _("The end month comes before the start month."))
        elif (last.year - first.year) * 12 + last.month - first.month > 120:
            self.add_error("end" if end else "start", _("Choose at most ten years."))
        return data

    def filters(self) -> selectors.Filters:
        default = selectors.default_filters()
        if not self.is_bound or not self.is_valid():
            return default
        start = self.cleaned_data.get("start") or default.start
        end_month = self.cleaned_data.get("end")
        end = selectors.add_months(end_month, 1) if end_month else default.end
        if end <= start:
            end = selectors.add_months(start, 1)
        return selectors.Filters(
            start=start,
            end=end,
            region=self.cleaned_data.get("region") or "",
            sector=self.cleaned_data.get("sector") or "",
        )


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000)

    def __init__(self, *args: Any, years: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = years

    def clean_year(self) -> int:
        year = int(self.cleaned_data["year"])
        if year >= timezone.localdate().year:
            # A year still going would be incomplete, and its last days would date the events.
            raise forms.ValidationError(_("Choose a year that is over: the current year is not finished."))
        if self.years is not None and year not in self.years:
            raise forms.ValidationError(_("Choose one of the years offered."))
        return year


class ObserverForm(YearForm):
    region = forms.ChoiceField(label=_("Région"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"] = forms.TypedChoiceField(
            label=_("Year"), coerce=int, choices=[(y, str(y)) for y in self.years or []]
        )
        self.fields["region"].choices = [  # type: ignore[attr-defined]
            ("", _("All of France")),
            *((r.code, r.name) for r in geography.regions()),
        ]
