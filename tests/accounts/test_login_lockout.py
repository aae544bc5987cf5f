"""Doors: repeated failed logins lock the username out on every login form, the admin's
included; the right password does not get in until the cool-off has passed."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _log_in(client, url, username, password):
    return client.post(url, {"username": username, "password": password})


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_five_wrong_passwords_lock_the_username_out_even_for_the_right_one(
    client, settings, url_name
):
    user = UserFactory(username="rita", is_staff=True)
    url = reverse(url_name)
    answers = [_log_in(client, url, "rita", "wrong").status_code for _ in range(5)]
    assert answers == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]  # locked at the fifth
    locked = _log_in(client, url, "rita", PASSWORD)
    assert locked.status_code == 429 and "Too many failed attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    later = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    with time_machine.travel(later):
        assert _log_in(client, url, "rita", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_few_mistakes_then_the_right_password_get_in(client):
    UserFactory(username="alice")
    for _ in range(2):
        _log_in(client, reverse("login"), "alice", "wrong")
    assert _log_in(client, reverse("login"), "alice", PASSWORD).status_code == 302
