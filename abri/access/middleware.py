"""Route-level enforcement: the second factor first, then the role rule of ``routes.ROUTES``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from abri.access.policy import refuse
from abri.access.roles import role_of
from abri.access.routes import rule_for


class AccessMiddleware:
    """Deny by default: a route must have a rule, a user must be verified and hold a role."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        view_name = match.view_name if match else None
        rule = rule_for(view_name)
        user = request.user
        if rule is None:
            raise refuse(user=user, request=request, what="route", object_id=view_name or "")
        if rule.public:
            return None
        if not user.is_authenticated:
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse(settings.LOGIN_URL)}?{query}")
        if rule.pre_mfa:
            return None
        if not user.is_verified():
            from abri.accounts.services import has_second_factor

            target = "accounts:verify" if has_second_factor(user) else "accounts:enrol"
            return HttpResponseRedirect(reverse(target))
        if role_of(user) not in rule.roles:
            raise refuse(user=user, request=request, what="route", object_id=view_name or "")
        return None
