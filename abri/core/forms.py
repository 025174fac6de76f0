"""Form helpers shared by every app."""

from __future__ import annotations

from django import forms

from abri.core.errors import DomainError


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


def form_errors_text(form: forms.Form) -> str:
    """Every error of an invalid form in one line, for a message above the page."""
    return " ".join(
        f"{form.fields[name].label if name in form.fields else ''} : {error}".lstrip(" :")
        for name, errors in form.errors.items()
        for error in errors
    )
