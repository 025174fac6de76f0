"""Passkeys (WebAuthn) as a second factor, through django-otp-webauthn.

Its authentication view is wrapped so that a passkey counts exactly like a TOTP code here: the
session key changes, the step-up clock starts and the sign-in is audited.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views as webauthn_views

from abri.accounts.stepup import mark_second_factor_fresh
from abri.audit.services import audit_record


class CompleteAuthentication(webauthn_views.CompleteCredentialAuthenticationView):
    def complete_auth(self, device: Any) -> Any:
        user = super().complete_auth(device)
        mark_second_factor_fresh(self.request)
        audit_record(
            action="login.success", actor=user, target=user, data={"method": "passkey"}, request=self.request
        )
        return user


class CompleteRegistration(webauthn_views.CompleteCredentialRegistrationView):
    def post(self, *args: Any, **kwargs: Any) -> Any:
        response = super().post(*args, **kwargs)
        if response.status_code == 200:
            audit_record(
                action="mfa.passkey.enrol",
                actor=self.request.user,
                target=self.request.user,
                request=self.request,
            )
        return response


urlpatterns = [
    path(
        "registration/begin/",
        webauthn_views.BeginCredentialRegistrationView.as_view(),
        name="credential-registration-begin",
    ),
    path("registration/complete/", CompleteRegistration.as_view(), name="credential-registration-complete"),
    path(
        "authentication/begin/",
        webauthn_views.BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        CompleteAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]), name="js-i18n-catalog"),
]
