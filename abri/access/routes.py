"""Every route's access rule: who may open it. The one table the AccessMiddleware enforces.

A route missing here answers 404 to everyone (deny by default) and fails the generated
route × role test (tests/access/test_routes.py), so no new page can escape the policy.
Object-level rules (own organisation's object or another's) live in ``abri.access.policy``;
``obj`` names the kind of object in the URL so the test can try both.
"""

from __future__ import annotations

from dataclasses import dataclass

from abri.access.roles import (
    ADMINISTRATION,
    COORDINATION,
    EVERY_ROLE,
    FIELD_ROLES,
    OBSERVER,
    PARTNER,
    REFERRER,
    SHELTER_STAFF,
)


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str] = frozenset()
    # Answers anyone, signed in or not (sign-in pages, language switch, translations catalogue).
    public: bool = False
    # Reachable once the password is checked but before the second factor (enrolment, passkeys).
    pre_mfa: bool = False
    # What an allowed GET answers: 405 for POST-only endpoints, 302 for pages that redirect.
    get_status: int = 200
    # The kind of object named in the URL; roles in ``any_organisation`` reach every
    # organisation's objects, the other allowed roles only their own organisation's.
    obj: str | None = None
    any_organisation: frozenset[str] = frozenset()


PUBLIC = Rule(public=True)
# Who keeps support records: coordinators, the person's shelter, the partners following them.
SUPPORT = COORDINATION | {SHELTER_STAFF, PARTNER}

ROUTES: dict[str, Rule] = {
    # Sign-in and account
    "accounts:login": PUBLIC,
    "accounts:invitation_accept": Rule(public=True, obj="invitation_token"),
    "accounts:logout": Rule(public=True, get_status=405),
    "accounts:verify": Rule(pre_mfa=True, get_status=302),
    "accounts:enrol": Rule(pre_mfa=True, get_status=302),
    "accounts:recovery_codes": Rule(pre_mfa=True, get_status=302),
    "accounts:step_up": Rule(roles=EVERY_ROLE),
    "accounts:security": Rule(roles=EVERY_ROLE),
    "set_language": Rule(public=True, get_status=302),
    # Passkeys (django-otp-webauthn's JSON endpoints, POST only)
    "otp_webauthn:credential-registration-begin": Rule(pre_mfa=True, get_status=405),
    "otp_webauthn:credential-registration-complete": Rule(pre_mfa=True, get_status=405),
    "otp_webauthn:credential-authentication-begin": Rule(pre_mfa=True, get_status=405),
    "otp_webauthn:credential-authentication-complete": Rule(pre_mfa=True, get_status=405),
    "otp_webauthn:js-i18n-catalog": PUBLIC,
    # Home
    "home": Rule(roles=EVERY_ROLE),
    # Administration (the coordinator's administrators; step-up inside the views)
    "accounts:organisation_list": Rule(roles=ADMINISTRATION),
    "accounts:organisation_create": Rule(roles=ADMINISTRATION),
    "accounts:organisation_detail": Rule(
        roles=ADMINISTRATION, obj="organisation", any_organisation=ADMINISTRATION
    ),
    "accounts:invite": Rule(roles=ADMINISTRATION, obj="organisation", any_organisation=ADMINISTRATION),
    "accounts:user_deactivate": Rule(
        roles=ADMINISTRATION, obj="user", any_organisation=ADMINISTRATION, get_status=405
    ),
    "accounts:user_mfa_reset": Rule(roles=ADMINISTRATION, obj="user", any_organisation=ADMINISTRATION),
    "audit:event_list": Rule(roles=ADMINISTRATION),
    # The shelter network. Referrers, support partners and observers never reach a shelter page:
    # a shelter's name and town are location data (SECURITY.md).
    "network:board": Rule(roles=COORDINATION),
    "network:capacity": Rule(roles=COORDINATION | {OBSERVER}),
    "network:my_shelters": Rule(roles=frozenset({SHELTER_STAFF})),
    "network:shelter_create": Rule(roles=COORDINATION),
    "network:shelter_detail": Rule(
        roles=COORDINATION | {SHELTER_STAFF}, obj="shelter", any_organisation=COORDINATION
    ),
    "network:shelter_edit": Rule(
        roles=COORDINATION | {SHELTER_STAFF}, obj="shelter", any_organisation=COORDINATION
    ),
    "network:availability_update": Rule(
        roles=COORDINATION | {SHELTER_STAFF}, obj="shelter", any_organisation=COORDINATION, get_status=405
    ),
    "network:directory": Rule(roles=EVERY_ROLE - {OBSERVER}),
    "network:directory_detail": Rule(
        roles=EVERY_ROLE - {OBSERVER}, obj="directory_organisation", any_organisation=EVERY_ROLE - {OBSERVER}
    ),
    "network:export": Rule(roles=COORDINATION),
    "network:import": Rule(roles=COORDINATION),
    # Requests. A referrer reaches its own organisation's requests only; coordinators every
    # submitted one; shelters, partners and observers none (later issues open the placement side).
    "referrals:worklist": Rule(roles=COORDINATION),
    "referrals:mine": Rule(roles=frozenset({REFERRER})),
    "referrals:new": Rule(roles=frozenset({REFERRER})),
    "referrals:detail": Rule(roles=COORDINATION | {REFERRER}, obj="request", any_organisation=COORDINATION),
    "referrals:step": Rule(roles=frozenset({REFERRER}), obj="request_step"),
    "referrals:transition": Rule(
        roles=COORDINATION | {REFERRER}, obj="request", any_organisation=COORDINATION, get_status=405
    ),
    "referrals:message": Rule(
        roles=COORDINATION | {REFERRER}, obj="request", any_organisation=COORDINATION, get_status=405
    ),
    "referrals:zones": Rule(roles=COORDINATION, obj="request", any_organisation=COORDINATION, get_status=405),
    "referrals:duplicate": Rule(
        roles=COORDINATION, obj="request", any_organisation=COORDINATION, get_status=405
    ),
    "referrals:attachment_upload": Rule(
        roles=COORDINATION | {REFERRER}, obj="request", any_organisation=COORDINATION, get_status=405
    ),
    "referrals:attachment": Rule(
        roles=COORDINATION | {REFERRER}, obj="attachment", any_organisation=COORDINATION
    ),
    # The placement engine's pages: coordinators only; referrers never see a shelter.
    "search:find": Rule(roles=COORDINATION, obj="request", any_organisation=COORDINATION, get_status=302),
    "search:plan": Rule(roles=COORDINATION),
    "search:weights": Rule(roles=COORDINATION),
    "search:weights_edit": Rule(roles=ADMINISTRATION),
    # Placements. Proposals and stays: coordinators, and the staff of the shelter concerned.
    "placements:propose": Rule(
        roles=COORDINATION, obj="request", any_organisation=COORDINATION, get_status=405
    ),
    "placements:disclose": Rule(roles=COORDINATION, obj="request", any_organisation=COORDINATION),
    "placements:inbox": Rule(roles=COORDINATION | {SHELTER_STAFF}),
    "placements:residents": Rule(roles=COORDINATION | {SHELTER_STAFF}),
    "placements:proposal": Rule(
        roles=COORDINATION | {SHELTER_STAFF}, obj="proposal", any_organisation=COORDINATION
    ),
    "placements:proposal_action": Rule(
        roles=COORDINATION | {SHELTER_STAFF}, obj="proposal", any_organisation=COORDINATION, get_status=405
    ),
    "placements:stay": Rule(roles=COORDINATION | {SHELTER_STAFF}, obj="stay", any_organisation=COORDINATION),
    "placements:stay_action": Rule(
        roles=COORDINATION | {SHELTER_STAFF}, obj="stay", any_organisation=COORDINATION, get_status=405
    ),
    "placements:notifications": Rule(roles=EVERY_ROLE),
    "referrals:person_export": Rule(roles=COORDINATION, obj="person", any_organisation=COORDINATION),
    "referrals:person_erase": Rule(roles=COORDINATION, obj="person", any_organisation=COORDINATION),
    # Support, residence rights and legal proceedings (abri/support). Coordinators reach every
    # record; shelter staff their current residents'; support partners the people they follow.
    # Referrers read a status summary on their request's page; observers nothing.
    "support:people": Rule(roles=SUPPORT),
    "support:person_new": Rule(roles=COORDINATION | {PARTNER}),
    "support:calendar": Rule(roles=SUPPORT),
    "support:record": Rule(roles=SUPPORT, obj="support_person", any_organisation=COORDINATION),
    "support:add": Rule(roles=SUPPORT, obj="support_person_add", any_organisation=COORDINATION),
    "support:case_add": Rule(roles=SUPPORT, obj="legal_case", any_organisation=COORDINATION),
    "support:edit": Rule(roles=SUPPORT, obj="support_entry", any_organisation=COORDINATION),
    "support:follow_end": Rule(
        roles=COORDINATION | {PARTNER}, obj="support_follow", any_organisation=COORDINATION, get_status=405
    ),
    "support:emergency_move": Rule(
        roles=COORDINATION, obj="support_incident", any_organisation=COORDINATION, get_status=405
    ),
    # Training sessions, attendance and certificates (abri/training).
    # Sessions: coordinators all; a support partner those it gives (and writes them) or its staff
    # attended; shelter staff those their staff attended, read only. Referrers and observers
    # reach their own trainings and certificates only. Which shelters need training: coordinators
    # every shelter, shelter staff their own.
    "training:session_list": Rule(roles=COORDINATION | {PARTNER, SHELTER_STAFF}),
    "training:session_create": Rule(roles=COORDINATION | {PARTNER}),
    "training:mine": Rule(roles=EVERY_ROLE),
    "training:shelter_status": Rule(roles=COORDINATION | {SHELTER_STAFF}),
    "training:session_detail": Rule(
        roles=COORDINATION | {PARTNER, SHELTER_STAFF}, obj="training_session", any_organisation=COORDINATION
    ),
    "training:session_edit": Rule(
        roles=COORDINATION | {PARTNER}, obj="training_session", any_organisation=COORDINATION
    ),
    "training:attendance_add": Rule(
        roles=COORDINATION | {PARTNER}, obj="training_session", any_organisation=COORDINATION, get_status=405
    ),
    "training:attendance_update": Rule(
        roles=COORDINATION | {PARTNER}, obj="training_session", any_organisation=COORDINATION, get_status=405
    ),
    # A certificate: its attendee, the coordinators and the trainer organisation.
    "training:certificate": Rule(roles=EVERY_ROLE, obj="attendance", any_organisation=COORDINATION),
    # Statistics and reports (abri/reports). Coordinators: every figure and the survey exports
    # (step-up inside the views); observers: the suppressed yearly tables only; referrers,
    # shelters and partners: their own organisation's activity.
    "reports:dashboard": Rule(roles=COORDINATION),
    "reports:survey_csv": Rule(roles=COORDINATION),
    "reports:survey_xlsx": Rule(roles=COORDINATION),
    "reports:annual_pdf": Rule(roles=COORDINATION),
    "reports:observer": Rule(roles=COORDINATION | {OBSERVER}),
    "reports:mine": Rule(roles=FIELD_ROLES),
}


def rule_for(view_name: str | None) -> Rule | None:
    return ROUTES.get(view_name or "")
