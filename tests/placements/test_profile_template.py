"""The anonymised profile lists the needs with a separator between them, not before the first."""

from __future__ import annotations

from types import SimpleNamespace

from django.template.loader import render_to_string
from django.utils import translation


def _needs(**profile):
    defaults = {"needs_wheelchair": False, "needs": [], "gender": "", "household": []}
    with translation.override("en"):
        context = {"profile": SimpleNamespace(**{**defaults, **profile})}
        html = render_to_string("placements/_profile.html", context)
    start = html.index("<dt>Needs</dt><dd>") + len("<dt>Needs</dt><dd>")
    return " ".join(html[start : html.index("</dd>", start)].split())


def test_the_first_need_has_no_separator_before_it():
    assert _needs(needs=["psychological"]) == "psychological care"
    assert _needs(needs=["health", "psychological"]) == "health care · psychological care"
    assert _needs(needs_wheelchair=True, needs=["health"]) == "wheelchair access · health care"
    assert _needs() == "none declared"


def _person_needs(wheelchair=False, **health):
    person = SimpleNamespace(needs_wheelchair=wheelchair, health_needs=health)
    with translation.override("en"):
        html = render_to_string("referrals/_profile.html", {"person": person})
    start = html.index("<dt>Needs</dt><dd>") + len("<dt>Needs</dt><dd>")
    return " ".join(html[start : html.index("</dd>", start)].split())


def test_the_request_page_lists_the_needs_the_same_way():
    assert _person_needs(psychological=True) == "psychological care"
    assert _person_needs(health=True, pregnancy=True) == "health care · pregnancy"
    assert _person_needs(True, addiction=True) == "wheelchair access · addiction"
