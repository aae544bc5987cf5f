"""Logging in the way people do, through the forms: the password, then (staff) the second
factor with a recovery code made for the occasion. Over HTTP (requests) and in a browser."""

import re

import requests
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import User
from accounts.services.two_factor import second_factor_required
from tests.factories import PASSWORD, one_time_code, second_factor_device

SECOND_FACTOR_PATH = "/accounts/two-factor/"
_SETUP = f"{SECOND_FACTOR_PATH}setup/"


def csrf_token(html: str) -> str | None:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match.group(1) if match else None


def log_in_over_http(
    session: requests.Session, base: str, username: str, *, timeout: float = 10
) -> requests.Response:
    """The answer to the last step: the home page once signed in."""
    login = f"{base}/accounts/login/"
    page = session.get(login, timeout=timeout)
    response = session.post(
        login,
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": csrf_token(page.text),
        },
        headers={"Referer": login},
        timeout=timeout,
    )
    if SECOND_FACTOR_PATH in response.url:
        code = one_time_code(User.objects.get(username=username))
        if _SETUP in response.url:  # no second factor yet: now there is one
            response = session.get(_verify_url(response.url), timeout=timeout)
        response = session.post(
            response.url,
            data={"token": code, "csrfmiddlewaretoken": csrf_token(response.text)},
            headers={"Referer": response.url},
            timeout=timeout,
        )
    return response


def pass_second_factor_in_browser(page, username: str) -> None:
    """If the browser stands at the second-factor page, enter a recovery code."""
    if SECOND_FACTOR_PATH not in page.url:
        return
    code = one_time_code(User.objects.get(username=username))
    if _SETUP in page.url:  # no second factor yet: now there is one
        page.goto(_verify_url(page.url))
    page.locator("#id_token").fill(code)  # by id: the page may be in any language
    page.locator("main form button[type=submit]").click()


def _verify_url(setup_url: str) -> str:
    return setup_url.replace(_SETUP, SECOND_FACTOR_PATH)


class TwoFactorClient(Client):
    """force_login as the real login would end for staff: past the second factor too
    (tests/accounts/test_two_factor.py walks the real pages)."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if second_factor_required(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = second_factor_device(user).persistent_id
            session.save()
