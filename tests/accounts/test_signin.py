import time

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from abri.accounts.middleware import SESSION_STARTED_KEY
from abri.audit.models import AuditEvent
from tests.conftest import PASSWORD, sign_in, totp_now

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:verify")
HOME = reverse("home")


def password_step(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_full_sign_in_needs_the_second_factor(network):
    user = network.user("coordinator")
    client = Client()
    response = password_step(client, user.username)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    # Signed in with the password only: every page sends back to the second factor.
    assert client.get(HOME)["Location"] == VERIFY
    response = client.post(VERIFY, {"code": totp_now(user)})
    assert response.status_code == 302 and response["Location"] == HOME
    assert client.get(HOME).status_code == 200
    actions = list(AuditEvent.objects.filter(actor=user).values_list("action", flat=True))
    assert actions == ["login.password", "login.success"]


def test_wrong_code_is_refused_and_recorded(network):
    user = network.user("referrer")
    client = Client()
    password_step(client, user.username)
    response = client.post(VERIFY, {"code": "000000"})
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert client.get(HOME).status_code == 302
    assert AuditEvent.objects.filter(action="login.mfa_failed", actor=user).exists()


def test_recovery_code_works_once(network):
    from abri.accounts.services import recovery_codes_regenerate

    user = network.user("shelter_staff")
    code = recovery_codes_regenerate(user=user)[0]
    first = Client()
    password_step(first, user.username)
    assert first.post(VERIFY, {"code": code})["Location"] == HOME
    second = Client()
    password_step(second, user.username)
    assert second.post(VERIFY, {"code": code}).status_code == 200


def test_session_key_changes_at_each_step(network):
    user = network.user("partner")
    client = Client()
    client.get(LOGIN)
    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    password_step(client, user.username)
    after_password = client.cookies["sessionid"].value
    client.post(VERIFY, {"code": totp_now(user)})
    after_mfa = client.cookies["sessionid"].value
    assert len({before, after_password, after_mfa}) == 3


def test_no_user_enumeration_by_message_or_status(network):
    known = password_step(Client(), network.user("observer").username, "wrong password!!")
    unknown = password_step(Client(), "nobody-at-all", "wrong password!!")
    assert known.status_code == unknown.status_code == 200
    errors = [r.context["form"].non_field_errors() for r in (known, unknown)]
    assert errors[0] == errors[1] and len(errors[0]) == 1


def test_lockout_per_username_and_address(network):
    user = network.user("coordinator")
    for _ in range(5):
        password_step(Client(), user.username, "wrong password!!", ip="10.9.9.9")
    # Locked for this name from this address, even with the right password...
    assert password_step(Client(), user.username, PASSWORD, ip="10.9.9.9").status_code == 429
    # ...but not from another address, and not for other names: nobody can lock out everyone.
    assert password_step(Client(), user.username, PASSWORD, ip="10.1.1.1").status_code == 302
    assert (
        password_step(Client(), network.user("referrer").username, PASSWORD, ip="10.9.9.9").status_code == 302
    )


def test_lockout_looks_the_same_for_unknown_names(network):
    for _ in range(5):
        password_step(Client(), "ghost-user", "wrong password!!", ip="10.8.8.8")
    assert password_step(Client(), "ghost-user", "wrong password!!", ip="10.8.8.8").status_code == 429


def test_failed_logins_are_audited_under_a_keyed_hash_of_the_typed_name(network):
    from abri.core.crypto import blind_index

    password_step(Client(), "someone", "wrong password!!")
    event = AuditEvent.objects.get(action="login.failed")
    # The same name typed again is the same hash (an administrator can look one name up), but
    # the log never holds the text: a password typed in the wrong box stays unreadable.
    assert event.object_id == blind_index("someone", purpose="login-username")
    assert "someone" not in str(event.data) + event.object_id


def test_idle_timeout_is_fifteen_minutes(network, settings):
    client = sign_in(Client(), network.user("coordinator"))
    assert client.get(HOME).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    remaining = (
        session.expire_date - session.expire_date.__class__.now(session.expire_date.tzinfo)
    ).total_seconds()
    assert 14 * 60 < remaining <= 15 * 60
    Session.objects.filter(pk=session.pk).update(expire_date=session.expire_date.replace(year=2000))
    assert client.get(HOME).status_code == 302


def test_absolute_timeout_is_eight_hours_however_active(network):
    client = sign_in(Client(), network.user("coordinator"))
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - 8 * 3600 - 1
    session.save()
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_deactivation_ends_every_session(network):
    from abri.accounts.services import session_register, user_deactivate

    target = network.user("referrer")
    laptop, phone = sign_in(Client(), target), sign_in(Client(), target)
    for c in (laptop, phone):
        session_register(user=target, session_key=c.session.session_key)
        assert c.get(HOME).status_code == 200
    user_deactivate(actor=network.user("administrator"), user=target)
    assert laptop.get(HOME).status_code == 302 and phone.get(HOME).status_code == 302
    assert password_step(Client(), target.username).status_code == 200  # cannot sign in again


def test_sign_out_is_post_only(network):
    client = sign_in(Client(), network.user("observer"))
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get(HOME).status_code == 302
