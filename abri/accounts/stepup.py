"""Step-up: a fresh second factor before sensitive actions (SECURITY.md bar 5)."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

VERIFIED_AT_KEY = "abri_mfa_verified_at"


def mark_second_factor_fresh(request: HttpRequest) -> None:
    request.session[VERIFIED_AT_KEY] = time.time()


def step_up_is_fresh(request: HttpRequest) -> bool:
    verified_at = request.session.get(VERIFIED_AT_KEY)
    return verified_at is not None and time.time() - float(verified_at) <= settings.STEP_UP_MAX_AGE_SECONDS


def step_up_redirect(request: HttpRequest) -> HttpResponse:
    """To the step-up page, then back here."""
    return HttpResponseRedirect(
        f"{reverse('accounts:step_up')}?{urlencode({'next': request.get_full_path()})}"
    )


def require_step_up(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a view that reveals a location, exports person data, changes factors or administers."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not step_up_is_fresh(request):
            return step_up_redirect(request)
        return view(request, *args, **kwargs)

    return wrapper
