"""Each organisation's own activity: the same figures, restricted to its own records.

Never suppressed against themselves (they know their own cases), and never any other
organisation's data: every queryset starts from the organisation's own requests, shelters or
people followed. A referrer learns no shelter (the outcome says "sheltered", never where).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from abri.access.policy import proposals_for_user, requests_for_user, shelters_for_user, stays_for_user
from abri.access.roles import PARTNER, REFERRER, SHELTER_STAFF, role_of
from abri.reports import selectors
from abri.reports.figures import Figure, Series


def own_activity(user: Any, filters: selectors.Filters) -> list[tuple[Any, list[Figure]]]:
    role = role_of(user)
    org = user.organisation
    if role == REFERRER:
        requests = requests_for_user(user)  # the organisation's own requests (the access policy)
        return [
            (
                _("Our requests"),
                [selectors.requests_by_month(filters, requests), selectors.arrival_figure(filters, requests)],
            )
        ]
    if role == SHELTER_STAFF:
        # Through the access policy: the proposals, stays and shelters of the user's operator.
        shelters = shelters_for_user(user)
        proposals, refusals = selectors.proposals_figures(filters, proposals_for_user(user))
        exits, counts = selectors.stays_figures(filters, stays_for_user(user))
        stays = Figure(
            "stays",
            _("Our stays"),
            "hbars",
            [_("Stays started"), _("Exits"), _("Still sheltered at the end")],
            [Series(_("Stays"), [counts["started"], counts["ended"], counts["ongoing"]])],
        )
        return [
            (_("Proposals we received"), [proposals, refusals]),
            (_("Our places and stays"), [selectors.occupancy_figure(filters, shelters), stays, exits]),
        ]
    if role == PARTNER:
        return partner_activity(org, filters)
    return []


def partner_activity(org: Any, filters: selectors.Filters) -> list[tuple[Any, list[Figure]]]:
    try:
        follow = apps.get_model("support", "SupportFollow")
        step = apps.get_model("support", "SupportStep")
    except LookupError:
        return []
    overlapping = Q(started_on__lt=filters.end) & (Q(ended_on__isnull=True) | Q(ended_on__gte=filters.start))
    follows = follow.objects.filter(organisation=org).aggregate(
        followed=Count("person", filter=overlapping, distinct=True),
        started=Count("id", filter=Q(started_on__gte=filters.start, started_on__lt=filters.end)),
        ended=Count("id", filter=Q(ended_on__gte=filters.start, ended_on__lt=filters.end)),
    )
    people = Figure(
        "followed",
        _("People we follow"),
        "hbars",
        [_("People followed in the period"), _("Follow-ups started"), _("Follow-ups ended")],
        [Series(_("People"), [follows["followed"], follows["started"], follows["ended"]])],
    )
    categories = list(step._meta.get_field("category").choices or [])
    done = dict(
        step.objects.filter(organisation=org, done_on__gte=filters.start, done_on__lt=filters.end)
        .values("category")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("category", "n")
    )
    steps = Figure(
        "steps",
        _("Support steps completed, by kind"),
        "hbars",
        [label for _code, label in categories],
        [Series(_("Steps"), [done.get(code, 0) for code, _label in categories])],
    )
    figures = [people, steps]
    legal = selectors.legal_figure(filters, organisation=org)
    if legal is not None:
        figures.append(legal)
    return [(_("Our support"), figures)]
