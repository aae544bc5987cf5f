"""Staff need a second factor (django-otp): an authenticator app, with single-use recovery
codes; until a session has passed it, a staff member reaches nothing but the second-factor
pages, the admin included. Walked through the real login form, not force_login."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from tests.factories import PASSWORD, UserFactory, one_time_code

pytestmark = pytest.mark.django_db


def _password_only(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _code_of(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _set_up_authenticator(client: Client) -> tuple[TOTPDevice, list[str]]:
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


def test_a_reviewer_sets_up_an_authenticator_keeps_recovery_codes_and_gets_in(reviewer):
    client = _password_only("rita")
    setup = client.get(reverse("two_factor_setup"))
    assert b"data:image/svg+xml;base64," in setup.content  # the QR code
    _, codes = _set_up_authenticator(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=reviewer).confirmed
    assert client.get(reverse("approvals:queue")).status_code == 200


def test_a_wrong_authenticator_code_confirms_nothing(reviewer):
    client = _password_only("rita")
    client.get(reverse("two_factor_setup"))
    response = client.post(reverse("two_factor_setup"), {"token": "000000"})
    assert "does not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=reviewer, confirmed=True).exists()
    assert client.get(reverse("approvals:queue")).status_code == 302


def test_a_recovery_code_lets_a_staff_member_in_once(reviewer):
    code = one_time_code(reviewer)
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
