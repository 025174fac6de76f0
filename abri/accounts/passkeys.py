"""Passkeys (WebAuthn) as a second factor, through django-otp-webauthn.

Its authentication view is wrapped so that a passkey counts exactly like a TOTP code here: the
session key changes, the step-up clock starts and the sign-in is audited. Its registration views
(the JSON endpoints, begin and complete) are wrapped so that adding a passkey is a change of
factor like any other: a person who already has a factor must have typed one in the last five
minutes (step-up), and the new passkey is audited and e-mailed about.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.exceptions import OTPWebAuthnApiError

from abri.accounts import services
from abri.accounts.stepup import mark_second_factor_fresh, step_up_is_fresh
from abri.audit.services import audit_record


class StepUpRequired(OTPWebAuthnApiError):
    status_code = 403
    default_code = "step_up_required"
    # Shown as is under the button: what to do, not what the check is called. A person with
    # passkeys only has no app, hence both ways to confirm.
    default_detail = _(
        "Reload the page and confirm it is you again, with a code from your authenticator app or "
        "a passkey, before adding a passkey."
    )


class StepUpForRegistration:
    """The first factor after an invitation needs none; any later one needs a fresh step-up."""

    request: Any

    def check_can_register(self) -> None:
        super().check_can_register()  # type: ignore[misc]
        user = self.request.user
        if services.has_second_factor(user) and not (user.is_verified() and step_up_is_fresh(self.request)):
            raise StepUpRequired()


class BeginRegistration(StepUpForRegistration, webauthn_views.BeginCredentialRegistrationView):
    pass


class CompleteAuthentication(webauthn_views.CompleteCredentialAuthenticationView):
    def complete_auth(self, device: Any) -> Any:
        stepping_up = self.request.user.is_verified()
        user = super().complete_auth(device)
        if not stepping_up:
            # Like a typed code: the second factor gets a new session key too.
            self.request.session.cycle_key()
            services.session_register(user=device.user, session_key=self.request.session.session_key or "")
        mark_second_factor_fresh(self.request)
        audit_record(
            action="stepup.success" if stepping_up else "login.success",
            actor=device.user,
            target=device.user,
            data={"method": "passkey"},
            request=self.request,
        )
        return user


class CompleteRegistration(StepUpForRegistration, webauthn_views.CompleteCredentialRegistrationView):
    def get_state(self) -> Any:
        return self._state

    def post(self, *args: Any, **kwargs: Any) -> Any:
        # The ceremony's state is popped and its session saved before the transaction, so that a
        # failed attempt cannot roll it back and let the challenge be used twice.
        self._state = super().get_state()
        # The passkey, its event and the e-mail stand or fall together.
        with transaction.atomic():
            response = super().post(*args, **kwargs)
            if response.status_code == 200:
                services.passkey_registered(user=self.request.user, request=self.request)
        return response


urlpatterns = [
    path(
        "registration/begin/",
        BeginRegistration.as_view(),
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
