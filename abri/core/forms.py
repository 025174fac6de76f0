"""Form helpers shared by every app."""

from __future__ import annotations

from django import forms

from abri.core.errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    form.add_error(error.field if error.field in form.fields else None, str(error.message))
