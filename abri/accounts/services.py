"""Writes about organisations, users, invitations, second factors and sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abri.accounts.models import (
    ROLES_BY_KIND,
    EncryptedTOTPDevice,
    Invitation,
    Organisation,
    RecoveryCode,
    RecoveryCodeDevice,
    User,
    UserSession,
    recovery_code_hash,
)
from abri.audit.models import AuditNote
from abri.audit.services import audit_record
from abri.core.errors import DomainError

INVITATION_DAYS = 7
RECOVERY_CODE_COUNT = 10


def _require_administrator(actor: User) -> None:
    if not (actor.is_active and actor.is_administrator):
        raise DomainError(_("Only the coordinator's administrators can do this."), code="forbidden")


def _check_role(organisation: Organisation, role: str) -> None:
    if role not in ROLES_BY_KIND.get(organisation.kind, ()):
        raise DomainError(_("This role does not exist for this kind of organisation."), field="role")


def organisation_create(
    *,
    actor: User,
    name: str,
    kind: str,
    departement: str = "",
    email: str = "",
    phone: str = "",
    sector: str = "other",
    request: HttpRequest | None = None,
) -> Organisation:
    """Create a partner organisation (administrators only)."""
    _require_administrator(actor)
    name = name.strip()
    if not name:
        raise DomainError(_("The name is required."), field="name")
    if Organisation.objects.filter(name__iexact=name).exists():
        raise DomainError(_("An organisation with this name already exists."), field="name")
    with transaction.atomic():
        organisation = Organisation(
            name=name, kind=kind, departement=departement, email=email, phone=phone, sector=sector or "other"
        )
        organisation.full_clean()
        organisation.save()
        audit_record(
            action="organisation.create",
            actor=actor,
            target=organisation,
            data={"kind": kind},
            request=request,
        )
    return organisation


def organisation_update_directory(
    *, actor: User | None, organisation: Organisation, request: HttpRequest | None = None, **fields: Any
) -> Organisation:
    """Fill or change the partner-directory fields: areas, forms of exploitation, website, description.

    ``actor`` None is the demo builder; otherwise only administrators change the directory.
    """
    if actor is not None:
        _require_administrator(actor)
    allowed = {"areas", "exploitation_forms", "website", "description"}
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(_("Unknown directory field."), field=sorted(unknown)[0])
    changed = {name: value for name, value in fields.items() if value not in (None, "", [])}
    if not changed:
        return organisation
    with transaction.atomic():
        for name, value in changed.items():
            setattr(organisation, name, value)
        organisation.save(update_fields=[*changed, "updated_at"])
        audit_record(
            action="organisation.directory_update",
            actor=actor,
            target=organisation,
            data={"fields": sorted(changed)},
            request=request,
        )
    return organisation


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(
    *, actor: User, organisation: Organisation, email: str, role: str, request: HttpRequest | None = None
) -> tuple[Invitation, str]:
    """Invite a person into an organisation; returns the invitation and its one-time token."""
    _require_administrator(actor)
    _check_role(organisation, role)
    if not organisation.is_active:
        raise DomainError(_("This organisation is deactivated."), field="organisation")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organisation=organisation,
            email=email.strip().lower(),
            role=role,
            token_hash=_token_hash(token),
            invited_by=actor,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        audit_record(
            action="invitation.create",
            actor=actor,
            target=invitation,
            data={"organisation": str(organisation.id), "role": role},
            request=request,
        )
    return invitation, token


def invitation_send(*, email: str, link: str) -> None:
    """The invitation e-mail: a link and nothing about the organisation's work."""
    from abri.core.mail import queue_mail

    queue_mail(
        to=[email],
        subject=str(_("Your invitation to Abri")),
        body=str(
            _(
                "You are invited to join Abri. Open this link within 7 days to choose your password "
                "and set up your second factor:\n\n%(link)s\n\nIf you did not expect this message, "
                "ignore it."
            )
        )
        % {"link": link},
    )


def invitation_for_token(token: str) -> Invitation | None:
    """The pending, unexpired invitation behind a link, or None (never says which is wrong)."""
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=_token_hash(token), accepted_at__isnull=True)
        .first()
    )
    if invitation is None or invitation.expires_at < timezone.now() or not invitation.organisation.is_active:
        return None
    return invitation


def invitation_accept(
    *,
    invitation: Invitation,
    username: str,
    first_name: str,
    last_name: str,
    password: str,
    request: HttpRequest | None = None,
) -> User:
    """Create the invited user. They still must enrol a second factor before anything else."""
    username = username.strip()
    if not username:
        raise DomainError(_("The username is required."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("This username is taken: choose another one."), field="username")
    candidate = User(username=username, email=invitation.email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password") from exc
    with transaction.atomic():
        # Re-read under lock: two clicks on the same link must not create two accounts.
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None:
            raise DomainError(_("This invitation has already been used."), code="used")
        candidate.organisation = locked.organisation
        candidate.role = locked.role
        candidate.set_password(password)
        candidate.save()
        locked.accepted_at = timezone.now()
        locked.user = candidate
        locked.save(update_fields=["accepted_at", "user"])
        audit_record(action="invitation.accept", actor=candidate, target=locked, request=request)
    return candidate


def user_deactivate(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Deactivate a user who left: their sessions end at once."""
    _require_administrator(actor)
    if user.pk == actor.pk:
        raise DomainError(_("You cannot deactivate your own account."), field="user")
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        sessions_end_for_user(user=user)
        audit_record(action="user.deactivate", actor=actor, target=user, request=request)


def sessions_end_for_user(*, user: User) -> int:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def session_register(*, user: User, session_key: str) -> None:
    UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


# --- Second factors --------------------------------------------------------------------------
# Every change of a factor is recorded and told to the person by e-mail, so that somebody who got
# hold of a session and swapped a factor is noticed. The views demand a fresh second factor first
# (step-up), except for the very first factor after an invitation.


def _tell_factor_changed(user: User) -> None:
    """E-mail the person that a factor changed: no secret, no detail, just who to call."""
    if not user.email:
        return
    from django.utils import translation

    from abri.core.mail import queue_mail

    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        queue_mail(
            to=[user.email],
            subject=str(_("A second factor of your Abri account was changed")),
            body=str(
                _(
                    "A second factor was changed on your Abri account (authenticator app, passkey or "
                    "recovery codes).\n\nIf it was you, there is nothing to do. If it was not you, "
                    "call your administrator at once."
                )
            ),
        )


def _factor_changed(
    *, user: User, action: str, request: HttpRequest | None, data: dict[str, Any] | None = None
) -> None:
    audit_record(action=action, actor=user, target=user, data=data, request=request)
    _tell_factor_changed(user)


def totp_device_start(*, user: User) -> EncryptedTOTPDevice:
    """An unconfirmed TOTP device for enrolment; it counts only once a code proves it.

    The enrolment page keeps it for the session's later visits. Another session gets a new
    secret, never this one: a secret shown to one session must not be the one another confirms.
    """
    _unconfirmed_devices_drop(user=user)
    return EncryptedTOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)


def _unconfirmed_devices_drop(*, user: User, keep: EncryptedTOTPDevice | None = None) -> None:
    """Secrets made for an enrolment that did not happen (a passkey instead, abandoned)."""
    pending = EncryptedTOTPDevice.objects.filter(user=user, confirmed=False)
    if keep is not None:
        pending = pending.exclude(pk=keep.pk)
    pending.delete()


def totp_device_confirm(
    *, user: User, device: EncryptedTOTPDevice, code: str, request: HttpRequest | None = None
) -> list[str]:
    """Confirm enrolment with a first valid code; returns fresh recovery codes (shown once).

    Replacing an authenticator also replaces the recovery codes: one event, one e-mail.
    """
    if device.user_id != user.pk or device.confirmed:
        raise DomainError(_("This enrolment is no longer valid: start again."), field="code")
    if not device.verify_token(code.strip().replace(" ", "")):
        raise DomainError(
            _("This code is not valid. Check the time on your phone and try again."), field="code"
        )
    with transaction.atomic():
        replaced = EncryptedTOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk)
        action = "mfa.totp.replace" if replaced.exists() else "mfa.totp.enrol"
        replaced.delete()
        _unconfirmed_devices_drop(user=user, keep=device)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_make(user=user)
        _factor_changed(user=user, action=action, request=request)
    return codes


def _new_recovery_code() -> str:
    return f"{secrets.token_hex(3)}-{secrets.token_hex(3)}"


def _recovery_codes_make(*, user: User) -> list[str]:
    """Replace the user's recovery codes; only their keyed hashes are stored, each works once."""
    with transaction.atomic():
        RecoveryCodeDevice.objects.filter(user=user).delete()
        device = RecoveryCodeDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(device=device, code_hash=recovery_code_hash(c)) for c in codes]
        )
    return codes


def recovery_codes_regenerate(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """New recovery codes replace the old ones (shown once by the caller); audited and mailed."""
    with transaction.atomic():
        codes = _recovery_codes_make(user=user)
        _factor_changed(user=user, action="mfa.recovery.regenerate", request=request)
    return codes


def passkey_registered(*, user: User, request: HttpRequest | None = None) -> None:
    """django-otp-webauthn saved a new passkey: record it and tell the person.

    An authenticator enrolment left unconfirmed (the person chose the passkey instead) goes.
    """
    with transaction.atomic():
        _unconfirmed_devices_drop(user=user)
        _factor_changed(user=user, action="mfa.passkey.enrol", request=request)


def passkey_remove(*, user: User, passkey_id: str, request: HttpRequest | None = None) -> None:
    """Remove one of the user's own passkeys; the last factor able to sign in cannot go."""
    from django_otp_webauthn.models import WebAuthnCredential

    with transaction.atomic():
        passkey = (
            WebAuthnCredential.objects.select_for_update()
            .filter(user=user, pk=int(passkey_id) if str(passkey_id).isdigit() else None)
            .first()
        )
        if passkey is None:
            raise DomainError(_("This passkey does not exist."), field="passkey")
        others = WebAuthnCredential.objects.filter(user=user).exclude(pk=passkey.pk).exists()
        if not others and not EncryptedTOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise DomainError(
                _("Keep at least one passkey or authenticator app: set up another one first."),
                field="passkey",
            )
        passkey.delete()
        _factor_changed(user=user, action="mfa.passkey.remove", request=request)


def second_factor_reset(
    *, actor: User, user: User, identity_check: str, request: HttpRequest | None = None
) -> None:
    """An administrator resets a lost second factor, after checking identity outside Abri."""
    _require_administrator(actor)
    if not identity_check.strip():
        raise DomainError(_("Say how the person's identity was checked."), field="identity_check")
    from django_otp_webauthn.models import WebAuthnCredential

    with transaction.atomic():
        EncryptedTOTPDevice.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        WebAuthnCredential.objects.filter(user=user).delete()
        sessions_end_for_user(user=user)
        event = audit_record(action="mfa.reset", actor=actor, target=user, request=request)
        # Free text never enters the chained log: it is kept beside the event, encrypted.
        AuditNote.objects.create(event=event, text=identity_check.strip()[:500])
        # A reset obtained by impersonating the person must not go unnoticed by them.
        _tell_factor_changed(user)


def has_second_factor(user: Any) -> bool:
    from django_otp import user_has_device

    return bool(user_has_device(user, confirmed=True))


def has_authenticator_app(user: Any) -> bool:
    """A confirmed authenticator app (TOTP), as opposed to passkeys or recovery codes only."""
    return EncryptedTOTPDevice.objects.filter(user=user, confirmed=True).exists()
