"""The access policy: which objects and fields each user may see. The only place that says so.

Every view reads sensitive objects through these functions. An object outside a user's reach
answers 404, never 403: a 403 would confirm that the object exists.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.http import Http404, HttpRequest

from abri.access.roles import ADMINISTRATION, COORDINATION, role_of
from abri.accounts.models import Organisation, User
from abri.audit.services import audit_record

M = TypeVar("M", bound=models.Model)


def organisations_for_user(user: Any) -> models.QuerySet[Organisation]:
    """Administrators and coordinators see every organisation; others their own only."""
    role = role_of(user)
    if role in COORDINATION:
        return Organisation.objects.all()
    if role is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk=user.organisation_id)


def users_for_user(user: Any) -> models.QuerySet[User]:
    """Administrators manage every account; anyone else sees only their own."""
    role = role_of(user)
    if role in ADMINISTRATION:
        return User.objects.select_related("organisation")
    if role is None:
        return User.objects.none()
    return User.objects.filter(pk=user.pk)


def refuse(*, user: Any, request: HttpRequest | None, what: str, object_id: str = "") -> Http404:
    """Record a refused access and return the 404 to raise."""
    audit_record(
        action="access.refused",
        actor=user,
        object_type=what,
        object_id=object_id[:64],
        data={"path": request.path[:200] if request else ""},
        request=request,
    )
    return Http404()


def get_for_user(queryset: models.QuerySet[M], pk: Any, *, user: Any, request: HttpRequest | None) -> M:
    """The object with this key among those the user may see, or a recorded refusal (404)."""
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, ValidationError) as exc:
        # A malformed key is answered exactly like a missing object.
        raise refuse(
            user=user, request=request, what=queryset.model._meta.label_lower, object_id=str(pk)
        ) from exc
