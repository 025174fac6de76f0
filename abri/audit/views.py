from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from abri.accounts.lockout import typed_username_hash
from abri.accounts.stepup import require_step_up
from abri.audit.models import AuditEvent


@require_step_up
def event_list_view(request: HttpRequest) -> HttpResponse:
    """The audit trail for administrators: filter by object id (who looked at this file) or action."""
    events = AuditEvent.objects.order_by("-id")
    object_id = request.GET.get("object", "").strip()
    action = request.GET.get("action", "").strip()
    if object_id:
        # Failed sign-ins are recorded under a keyed hash of the typed name: typing the name finds them.
        events = events.filter(
            Q(object_id=object_id) | Q(object_type="username", object_id=typed_username_hash(object_id))
        )
    if action:
        events = events.filter(action__startswith=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/event_list.html", {"page": page, "object_id": object_id, "action": action})
