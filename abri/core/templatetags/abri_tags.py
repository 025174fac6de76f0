from __future__ import annotations

from django import template
from django.forms import BoundField

register = template.Library()


@register.filter
def described(field: BoundField) -> BoundField:
    """Link a widget to its help text and errors for screen readers (WCAG 1.3.1, 3.3.1)."""
    ids = []
    if field.help_text:
        ids.append(f"{field.id_for_label}_help")
    if field.errors:
        ids.append(f"{field.id_for_label}_errors")
        field.field.widget.attrs["aria-invalid"] = "true"
    if ids:
        field.field.widget.attrs["aria-describedby"] = " ".join(ids)
    return field
