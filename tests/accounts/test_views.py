import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_visitor_signs_up_as_an_author_and_is_logged_in(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "newbie",
            "display_name": "New Author",
            "email": "newbie@example.org",
            "account_type": "individual",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
        follow=True,
    )
    user = User.objects.get(username="newbie")
    assert list(user.groups.values_list("name", flat=True)) == ["author"]
    assert response.context["user"] == user
    assert "Welcome, New Author" in response.content.decode()


def test_sign_up_with_mismatched_passwords_explains_and_creates_nothing(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "newbie",
            "display_name": "New",
            "email": "n@example.org",
            "account_type": "individual",
            "password1": "a long enough passphrase",
            "password2": "another passphrase",
        },
    )
    assert "didn\u2019t match" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_password_reset_sends_an_email(client, author, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": author.email}, follow=True)
    assert "Check your email" in response.content.decode()
    assert len(mailoutbox) == 1 and author.email in mailoutbox[0].to
