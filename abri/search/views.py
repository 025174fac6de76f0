"""'Find a shelter' for one request, the plan for all waiting requests, and the weights."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from abri.access.policy import get_for_user, requests_for_user
from abri.access.roles import ADMINISTRATION, role_of
from abri.accounts.stepup import require_step_up
from abri.audit.services import audit_record
from abri.core.errors import DomainError
from abri.core.forms import add_domain_error
from abri.core.types import AuthedRequest
from abri.matching import Explainer, solve
from abri.matching import render as render_sentence
from abri.matching.ranking import rank_request
from abri.referrals.models import Status
from abri.search import adapter, services
from abri.search.forms import WeightSetForm
from abri.search.models import WEIGHT_FIELDS, WeightSet

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _humanise(sentence: str, built: adapter.Built) -> str:
    """The engine names shelters and requests by id; coordinators read names and references."""

    def name(match: re.Match[str]) -> str:
        key = match.group(0)
        if key in built.shelters:
            return built.shelters[key].name
        if key in built.requests:
            return built.requests[key].person.reference
        return key

    return _UUID.sub(name, sentence)


def find_view(request: AuthedRequest, pk: str) -> HttpResponse:
    """The ranked safe shelters for one request, each with why, in under a second."""
    req = get_for_user(requests_for_user(request.user), pk, user=request.user, request=request)
    if req.status not in (Status.ACCEPTED, Status.SEARCHING):
        messages.error(request, _("A shelter is searched for accepted requests only."))
        return redirect("referrals:detail", pk=req.pk)
    built = adapter.build(adapter.pending_requests(extra=req))
    ctx = adapter.ranking_context(built)
    explainer = Explainer(ctx)
    i = built.instance.problem.request_index(str(req.pk))
    ranking = rank_request(ctx, i)
    lang = adapter.engine_language()
    shelters = built.instance.problem.shelters
    eligible = []
    for rank, entry in enumerate(ranking, start=1):
        shelter = built.shelters[shelters[entry.shelter].id]
        explanation = explainer.recommendation(i, entry.shelter, ranking)
        eligible.append(
            {
                "rank": rank,
                "shelter": shelter,
                "cost": entry.cost,
                "opportunity": entry.opportunity_cost,
                "sentence": _humanise(render_sentence(explanation, lang), built),
                "terms": explainer.terms(i, entry.shelter),
            }
        )
    excluded = []
    if request.GET.get("excluded"):
        # The same verdicts and sentences as the proposal service refuses with.
        excluded = [
            {"shelter": e.shelter, "sentence": _humanise(e.sentence, built)}
            for e in adapter.excluded_in(built, i, explainer)
        ]
    audit_record(
        action="search.rank",
        actor=request.user,
        target=req,
        data={"eligible": len(eligible)},
        request=request,
    )
    return render(
        request,
        "search/find.html",
        {
            "req": req,
            "eligible": eligible,
            "excluded": excluded,
            "show_excluded": bool(request.GET.get("excluded")),
            "excluded_count": int((built.instance.fail[i] != 0).sum()),
            "priority": adapter.priority(req),
            "weights": built.weights,
            "pending": len(built.requests),
        },
    )


def plan_view(request: AuthedRequest) -> HttpResponse:
    """The best plan for every request being searched: what it places, what it cannot and why."""
    requests = adapter.pending_requests()
    context: dict[str, Any] = {"weights": adapter.current_weights(), "assignments": [], "unplaced": []}
    if requests:
        built = adapter.build(requests)
        plan = solve(built.instance.problem, instance=built.instance, time_limit=10.0)
        explainer = Explainer(adapter.ranking_context(built), plan)
        lang = adapter.engine_language()
        for i, r in enumerate(built.instance.problem.requests):
            j = int(plan.shelter[i])
            if j >= 0:
                context["assignments"].append(
                    {
                        "request": built.requests[r.id],
                        "shelter": built.shelters[built.instance.problem.shelters[j].id],
                        "priority": r.priority,
                        "cost": int(built.instance.cost[i, j]),
                        "sentence": _humanise(render_sentence(explainer.recommendation(i, j), lang), built),
                    }
                )
            else:
                context["unplaced"].append(
                    {
                        "request": built.requests[r.id],
                        "priority": r.priority,
                        "sentence": _humanise(render_sentence(explainer.unplaced_reasons(i), lang), built),
                    }
                )
        context.update(plan=plan, weights=built.weights, total=len(requests))
        audit_record(
            action="search.plan",
            actor=request.user,
            data={"requests": len(requests), "placed": len(context["assignments"])},
            request=request,
        )
    return render(request, "search/plan.html", context)


def weights_view(request: AuthedRequest) -> HttpResponse:
    """The network's weights and the priority formula; administrators save a new version."""
    current = adapter.current_weights()
    can_edit = role_of(request.user) in ADMINISTRATION
    form = WeightSetForm(initial={f: getattr(current, f) for f in WEIGHT_FIELDS})
    return render(
        request,
        "search/weights.html",
        {
            "current": current,
            "history": WeightSet.objects.select_related("created_by")[:20],
            "form": form,
            "can_edit": can_edit,
            "urgency_points": adapter.URGENCY_POINTS,
            "max_waiting": adapter.MAX_WAITING_POINTS,
        },
    )


@require_step_up
def weights_edit_view(request: AuthedRequest) -> HttpResponse:
    current = adapter.current_weights()
    form = WeightSetForm(request.POST or None, initial={f: getattr(current, f) for f in WEIGHT_FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            new = services.weights_save(actor=request.user, values=form.cleaned_data, http_request=request)
        except DomainError as exc:
            add_domain_error(form, exc)
            return render(request, "search/weights_edit.html", {"form": form, "current": current})
        version = new.version
        messages.success(request, _("Version %(v)s of the weights is now used.") % {"v": version})
        return redirect("search:weights")
    return render(request, "search/weights_edit.html", {"form": form, "current": current})
