"""Staff need a second factor (django-otp): an authenticator app, with single-use recovery
codes; until a session has passed it, a staff member reaches nothing but the second-factor
pages, the admin included. Walked through the real login form, not force_login."""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from tests.factories import PASSWORD, UserFactory, one_time_code
from tests.mailbox import send_waiting_mail

pytestmark = pytest.mark.django_db


def _password_only(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _code_of(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _open_enrolment_link(client: Client) -> None:
    """A first second factor starts from a link mailed to the account's address."""
    client.post(reverse("two_factor_setup"), {"send_link": "1"})
    send_waiting_mail()
    (message,) = [m for m in mail.outbox if "Set up your second factor" in m.subject]
    link = re.search(r"/accounts/two-factor/enrol/\S+/", message.body).group(0)
    client.get(link)


def _set_up_authenticator(client: Client) -> tuple[TOTPDevice, list[str]]:
    if not TOTPDevice.objects.filter(confirmed=True).exists():
        _open_enrolment_link(client)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(pk=client.session["two_factor_device"])
    response = client.post(reverse("two_factor_setup"), {"token": _code_of(device)})
    return device, re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", response.content.decode())


def test_a_reviewer_with_only_a_password_reaches_nothing_but_the_second_factor(reviewer):
    client = _password_only("rita")
    for path in (reverse("approvals:queue"), reverse("approvals:my_posts"), "/admin/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith(reverse("two_factor_setup")), path
    api_with_the_session = client.get("/api/v1/posts/")
    assert api_with_the_session.status_code in (302, 401, 403)


def test_a_password_alone_cannot_enrol_a_first_second_factor(reviewer):
    client = _password_only("rita")
    page = client.get(reverse("two_factor_setup")).content.decode()
    assert "Email me the link" in page and "data:image/svg+xml" not in page
    client.post(reverse("two_factor_setup"), {"send_link": "1"})
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    forged = client.get("/accounts/two-factor/enrol/not-a-token/", follow=True)
    assert "not valid" in forged.content.decode()
    assert "data:image/svg+xml" not in client.get(reverse("two_factor_setup")).content.decode()


def test_a_reviewer_sets_up_an_authenticator_keeps_recovery_codes_and_gets_in(reviewer):
    client = _password_only("rita")
    _open_enrolment_link(client)
    setup = client.get(reverse("two_factor_setup"))
    assert b"data:image/svg+xml;base64," in setup.content  # the QR code
    _, codes = _set_up_authenticator(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=reviewer).confirmed
    assert client.get(reverse("approvals:queue")).status_code == 200


def test_a_wrong_authenticator_code_confirms_nothing(reviewer):
    client = _password_only("rita")
    _open_enrolment_link(client)
    client.get(reverse("two_factor_setup"))
    response = client.post(reverse("two_factor_setup"), {"token": "000000"})
    assert "does not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=reviewer, confirmed=True).exists()
    assert client.get(reverse("approvals:queue")).status_code == 302


def test_a_recovery_code_lets_a_staff_member_in_once(reviewer):
    code = one_time_code(reviewer)
    one_time_code(reviewer)  # another one, still unused
    first = _password_only("rita")
    answer = first.post(reverse("two_factor"), {"token": code.upper(), "next": "/review/"})
    assert answer.status_code == 302 and answer.url == "/review/"
    assert first.get(reverse("approvals:queue")).status_code == 200
    second = _password_only("rita")
    again = second.post(reverse("two_factor"), {"token": code})
    assert again.status_code == 200 and "not valid" in again.content.decode()
    assert second.get(reverse("approvals:queue")).status_code == 302


def test_the_admin_needs_the_second_factor_too(db):
    UserFactory(username="olga", roles=[Role.OPERATOR], is_staff=True, is_superuser=True)
    client = Client()
    client.post("/admin/login/", {"username": "olga", "password": PASSWORD})
    response = client.get("/admin/approvals/post/")
    assert response.status_code == 302 and "/accounts/two-factor/" in response.url


def test_a_stolen_password_cannot_swap_in_another_authenticator(reviewer):
    owner = _password_only("rita")
    _set_up_authenticator(owner)
    thief = _password_only("rita")
    response = thief.get(reverse("two_factor_setup"))
    assert response.status_code == 302 and response.url.startswith(reverse("two_factor"))
    assert TOTPDevice.objects.filter(user=reviewer).count() == 1


def test_wrong_codes_are_throttled(reviewer):
    owner = _password_only("rita")
    device, _ = _set_up_authenticator(owner)
    guesser = _password_only("rita")
    for guess in ("111111", "222222", "333333"):
        guesser.post(reverse("two_factor"), {"token": guess})
    # The right code, straight after three wrong ones, waits out the throttle.
    device.refresh_from_db()
    response = guesser.post(reverse("two_factor"), {"token": _code_of(device)})
    assert response.status_code == 200 and "not valid" in response.content.decode()


def test_an_open_redirect_through_next_goes_home_instead(reviewer):
    code = one_time_code(reviewer)
    client = _password_only("rita")
    response = client.post(reverse("two_factor"), {"token": code, "next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == reverse("home")


def test_authors_need_no_second_factor(author):
    client = _password_only("alice")
    assert client.get(reverse("approvals:my_posts")).status_code == 200


def test_staff_see_their_second_factor_on_their_standing_page(reviewer):
    client = _password_only("rita")
    _set_up_authenticator(client)
    page = client.get(reverse("standing")).content.decode()
    assert "protected by an authenticator app; 10 recovery codes left" in page
    renewed = client.post(reverse("recovery_codes"))
    assert renewed.status_code == 200 and renewed.content.decode().count("<code>") == 10


def test_the_demo_prints_one_time_codes_that_let_its_staff_in(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    codes_line = [line for line in out.getvalue().splitlines() if line.startswith("  rita ")][-1]
    code = codes_line.split()[1]
    client = Client()
    client.post(reverse("login"), {"username": "rita", "password": "imprimatur-demo"})
    assert client.post(reverse("two_factor"), {"token": code}).status_code == 302
    assert client.get(reverse("approvals:queue")).status_code == 200


def test_new_recovery_codes_shut_out_a_session_that_got_in_with_an_old_one(reviewer):
    thief_code = one_time_code(reviewer)
    one_time_code(reviewer)  # codes are left, so the owner may renew them
    thief = _password_only("rita")
    thief.post(reverse("two_factor"), {"token": thief_code})
    assert thief.get(reverse("approvals:queue")).status_code == 200
    owner = _password_only("rita")
    owner.post(reverse("two_factor"), {"token": one_time_code(reviewer)})
    owner.post(reverse("recovery_codes"))
    assert owner.get(reverse("approvals:queue")).status_code == 200
    assert thief.get(reverse("approvals:queue")).status_code == 302


def test_the_holder_is_told_of_every_change_to_their_second_factor(reviewer):
    client = _password_only("rita")
    _set_up_authenticator(client)
    code = one_time_code(reviewer)
    _password_only("rita").post(reverse("two_factor"), {"token": code})
    send_waiting_mail()
    subjects = [m.subject for m in mail.outbox if m.to == [reviewer.email]]
    assert any("A new authenticator app" in s for s in subjects)
    assert any("A recovery code was used" in s for s in subjects)


def test_the_admin_shows_no_one_s_second_factor_secrets(client, reviewer):
    owner = _password_only("rita")
    device, codes = _set_up_authenticator(owner)
    operator = UserFactory(username="olga", roles=[Role.OPERATOR], is_staff=True, is_superuser=True)
    client.force_login(operator)
    page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert device.key not in page
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code != 200
    static = reviewer.staticdevice_set.get()
    page = client.get(f"/admin/otp_static/staticdevice/{static.pk}/change/").content.decode()
    assert not any(code in page for code in codes)


def test_the_enrolment_link_carries_no_part_of_the_password_hash(reviewer):
    from django.core import signing

    from accounts.services import two_factor

    token = two_factor.enrolment_link(reviewer).rstrip("/").rsplit("/", 1)[-1]
    claim = signing.loads(token, salt=two_factor.ENROL_SALT)  # readable by anyone
    assert claim["password"] not in reviewer.password
    assert two_factor.enrolment_allowed_by(user=reviewer, token=token)
    reviewer.set_password("a brand new passphrase")
    assert not two_factor.enrolment_allowed_by(user=reviewer, token=token)
