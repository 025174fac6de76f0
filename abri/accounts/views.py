"""Sign-in, second factors, invitations and the administrators' pages."""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from abri.access.policy import get_for_user, organisations_for_user, users_for_user
from abri.accounts import services
from abri.accounts.forms import (
    CodeForm,
    EnrolForm,
    InvitationAcceptForm,
    InviteForm,
    LoginForm,
    MfaResetForm,
    OrganisationForm,
)
from abri.accounts.lockout import typed_username_hash
from abri.accounts.middleware import SESSION_STARTED_KEY
from abri.accounts.models import EncryptedTOTPDevice, Organisation
from abri.accounts.stepup import mark_second_factor_fresh, require_step_up, step_up_is_fresh, step_up_redirect
from abri.audit.services import audit_record
from abri.core import crypto
from abri.core.errors import DomainError
from abri.core.forms import add_domain_error
from abri.core.types import AuthedRequest

ENROL_DEVICE_KEY = "abri_enrol_device"
RECOVERY_CODES_KEY = "abri_new_recovery_codes"


def _safe_next(request: HttpRequest, default: str = "home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


def login_view(request: HttpRequest) -> HttpResponse:
    """Step one: username and password. The same answer for an unknown user and a wrong password."""
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        if user is None:
            audit_record(
                action="login.failed",
                object_type="username",
                object_id=typed_username_hash(form.cleaned_data["username"]),
                request=request,
            )
            form.add_error(None, _("Username or password is incorrect."))
        else:
            login(request, user)  # a new session key: no session fixation
            request.session[SESSION_STARTED_KEY] = time.time()
            services.session_register(user=user, session_key=request.session.session_key or "")
            audit_record(action="login.password", actor=user, target=user, request=request)
            target = "accounts:verify" if services.has_second_factor(user) else "accounts:enrol"
            query = f"?{urlencode({'next': request.POST['next']})}" if request.POST.get("next") else ""
            return HttpResponseRedirect(reverse(target) + query)
    return render(
        request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")}, status=200
    )


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """Too many failures for this (username, address): same page whether the user exists or not."""
    return render(
        request,
        "accounts/login.html",
        {"form": LoginForm(), "locked": _("Too many failed attempts. Wait 15 minutes before trying again.")},
        status=429,
    )


def _complete_second_factor(request: AuthedRequest, device: Any, method: str) -> None:
    otp_login(request, device)
    request.session.cycle_key()  # re-authentication gets a new session too
    services.session_register(user=request.user, session_key=request.session.session_key or "")
    mark_second_factor_fresh(request)
    audit_record(
        action="login.success",
        actor=request.user,
        target=request.user,
        data={"method": method},
        request=request,
    )


def verify_view(request: AuthedRequest) -> HttpResponse:
    """Step two: a TOTP code, a recovery code or a passkey."""
    user = request.user
    if user.is_verified():
        return redirect("home")
    if not services.has_second_factor(user):
        return redirect("accounts:enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"].strip().replace(" ", ""))
        if device is None:
            audit_record(action="login.mfa_failed", actor=user, target=user, request=request)
            form.add_error("code", _("This code is not valid."))
        else:
            _complete_second_factor(request, device, type(device).__name__)
            return HttpResponseRedirect(_safe_next(request))
    return render(request, "accounts/verify.html", {"form": form, "next": request.GET.get("next", "")})


def enrol_view(request: AuthedRequest) -> HttpResponse:
    """Mandatory second-factor enrolment: scan the QR code, type the first code."""
    user = request.user
    if services.has_second_factor(user):
        # Replacing a factor ("again") needs the current one, typed within five minutes: a
        # borrowed session must not be able to swap the authenticator for the borrower's own.
        if not request.GET.get("again"):
            return redirect("home" if user.is_verified() else "accounts:verify")
        if not user.is_verified():
            return redirect("accounts:verify")
        if not step_up_is_fresh(request):
            return step_up_redirect(request)
    device = EncryptedTOTPDevice.objects.filter(
        pk=request.session.get(ENROL_DEVICE_KEY), user=user, confirmed=False
    ).first()
    if device is None:
        device = services.totp_device_start(user=user)
        request.session[ENROL_DEVICE_KEY] = device.pk
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_device_confirm(
                user=user, device=device, code=form.cleaned_data["code"], request=request
            )
        except DomainError as exc:
            form.add_error("code", str(exc.message))
        else:
            request.session.pop(ENROL_DEVICE_KEY, None)
            _complete_second_factor(request, device, type(device).__name__)
            _keep_codes_for_their_page(request, codes)
            return redirect("accounts:recovery_codes")
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    # The secret in base32 too, for people who type it instead of scanning.
    secret_b32 = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": secret_b32,
            # Only an app replaces an app: a person with passkeys only is adding one.
            "replacing": services.has_authenticator_app(user),
            "adding": services.has_second_factor(user),
        },
    )


def _codes_aad(request: AuthedRequest) -> bytes:
    return crypto.associated_data("session", RECOVERY_CODES_KEY, request.user.pk)


def _keep_codes_for_their_page(request: AuthedRequest, codes: list[str]) -> None:
    """Fresh codes wait in the session for the page that shows them once: encrypted, since the
    session lives in the database and the codes are only stored hashed anywhere else."""
    request.session[RECOVERY_CODES_KEY] = crypto.encrypt(json.dumps(codes).encode(), _codes_aad(request))


def _codes_for_their_page(request: AuthedRequest) -> list[str] | None:
    token = request.session.pop(RECOVERY_CODES_KEY, None)
    if not isinstance(token, str):
        return None
    try:
        return list(json.loads(crypto.decrypt(token, _codes_aad(request))))
    except crypto.DecryptionError:
        return None


def recovery_codes_view(request: AuthedRequest) -> HttpResponse:
    """Shows the fresh recovery codes once; afterwards only their count."""
    codes = _codes_for_their_page(request)
    if not codes:
        return redirect("home" if request.user.is_verified() else "accounts:verify")
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit_record(action="logout", actor=request.user, target=request.user, request=request)
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("accounts:login")


def step_up_view(request: AuthedRequest) -> HttpResponse:
    """Confirm with a fresh second factor before a sensitive action."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"].strip().replace(" ", ""))
        if device is None:
            audit_record(action="stepup.failed", actor=request.user, target=request.user, request=request)
            form.add_error("code", _("This code is not valid."))
        else:
            mark_second_factor_fresh(request)
            audit_record(action="stepup.success", actor=request.user, target=request.user, request=request)
            return HttpResponseRedirect(_safe_next(request))
    return render(request, "accounts/step_up.html", {"form": form, "next": request.GET.get("next", "")})


@require_step_up
def security_view(request: AuthedRequest) -> HttpResponse:
    """The user's own second factors: passkeys, authenticator, recovery codes."""
    from django_otp_webauthn.models import WebAuthnCredential

    if request.method == "POST" and request.POST.get("action") == "regenerate":
        _keep_codes_for_their_page(
            request, services.recovery_codes_regenerate(user=request.user, request=request)
        )
        return redirect("accounts:recovery_codes")
    if request.method == "POST" and request.POST.get("action") == "remove_passkey":
        try:
            services.passkey_remove(
                user=request.user, passkey_id=request.POST.get("passkey", ""), request=request
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The passkey is removed."))
        return redirect("accounts:security")
    passkeys = WebAuthnCredential.objects.filter(user=request.user).order_by("created_at")
    return render(
        request,
        "accounts/security.html",
        {"passkeys": passkeys, "has_app": services.has_authenticator_app(request.user)},
    )


def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                username=form.cleaned_data["username"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password"],
                request=request,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_STARTED_KEY] = time.time()
            services.session_register(user=user, session_key=request.session.session_key or "")
            return redirect("accounts:enrol")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation})


# --- Administration ----------------------------------------------------------------------------


@require_step_up
def organisation_list_view(request: AuthedRequest) -> HttpResponse:
    organisations = organisations_for_user(request.user)
    kind = request.GET.get("kind", "")
    if kind:
        organisations = organisations.filter(kind=kind)
    query = request.GET.get("q", "").strip()
    if query:
        organisations = organisations.filter(name__icontains=query)
    from django.db.models import Count

    organisations = organisations.annotate(member_count=Count("members"))
    return render(
        request,
        "accounts/organisation_list.html",
        {
            "organisations": organisations,
            "kind": kind,
            "q": query,
            "kinds": Organisation._meta.get_field("kind").choices,
        },
    )


@require_step_up
def organisation_create_view(request: AuthedRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(
                actor=request.user, request=request, **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Organisation created."))
            return redirect("accounts:organisation_detail", pk=organisation.pk)
    return render(request, "accounts/organisation_form.html", {"form": form})


@require_step_up
def organisation_detail_view(request: AuthedRequest, pk: str) -> HttpResponse:
    organisation = get_for_user(organisations_for_user(request.user), pk, user=request.user, request=request)
    members = users_for_user(request.user).filter(organisation=organisation)
    invitations = organisation.invitations.filter(accepted_at__isnull=True).select_related("invited_by")
    return render(
        request,
        "accounts/organisation_detail.html",
        {"organisation": organisation, "members": members, "invitations": invitations},
    )


@require_step_up
def invite_view(request: AuthedRequest, pk: str) -> HttpResponse:
    organisation = get_for_user(organisations_for_user(request.user), pk, user=request.user, request=request)
    form = InviteForm(request.POST or None, organisation=organisation)
    link = None
    if request.method == "POST" and form.is_valid():
        try:
            _invitation, token = services.invitation_create(
                actor=request.user,
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                request=request,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            link = request.build_absolute_uri(reverse("accounts:invitation_accept", args=[token]))
            services.invitation_send(email=form.cleaned_data["email"], link=link)
            form = InviteForm(organisation=organisation)
    return render(request, "accounts/invite.html", {"form": form, "organisation": organisation, "link": link})


@require_POST
@require_step_up
def user_deactivate_view(request: AuthedRequest, pk: str) -> HttpResponse:
    user = get_for_user(users_for_user(request.user), pk, user=request.user, request=request)
    try:
        services.user_deactivate(actor=request.user, user=user, request=request)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The account is deactivated and its sessions are ended."))
    return redirect("accounts:organisation_detail", pk=user.organisation_id)


@require_step_up
def user_mfa_reset_view(request: AuthedRequest, pk: str) -> HttpResponse:
    user = get_for_user(users_for_user(request.user), pk, user=request.user, request=request)
    form = MfaResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.second_factor_reset(
                actor=request.user,
                user=user,
                request=request,
                identity_check=form.cleaned_data["identity_check"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, _("The second factors are removed: the person enrols again at next sign-in.")
            )
            return redirect("accounts:organisation_detail", pk=user.organisation_id)
    return render(request, "accounts/mfa_reset.html", {"form": form, "target": user})
