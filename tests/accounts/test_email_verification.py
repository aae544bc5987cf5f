"""No email goes to an address before its holder has proved it is theirs: sign-up mails a
link; notifications wait in the outbox until it is opened; a new address starts over."""

import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Notification, User
from tests.factories import UserFactory
from tests.mailbox import send_waiting_mail

pytestmark = pytest.mark.django_db


def _sign_up(client, username="nina") -> User:
    client.post(
        reverse("signup"),
        {
            "username": username,
            "display_name": "Nina New",
            "email": f"{username}@example.org",
            "account_type": "individual",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    return User.objects.get(username=username)


def _link_in_mail() -> str:
    (message,) = [m for m in mail.outbox if "Confirm your email" in m.subject]
    return re.search(r"https?://\S+/accounts/email/verify/\S+/", message.body).group(0)


def test_sign_up_mails_a_link_and_holds_everything_else_until_it_is_opened(client, senior):
    nina = _sign_up(client)
    assert nina.email_verified_at is None
    send_waiting_mail()
    link = _link_in_mail()
    assert mail.outbox[-1].to == ["nina@example.org"]
    # A decision about nina's account waits: nothing more goes to an unproved address.
    account_services.sanction_apply(user=nina, by=senior, kind="warning", note="Careful.")
    assert send_waiting_mail() == ["waiting"]
    assert len(mail.outbox) == 1
    path = link.split("127.0.0.1:8000")[-1]
    client.get(path)  # a mail scanner following the link confirms nothing
    nina.refresh_from_db()
    assert nina.email_verified_at is None
    page = client.post(path, follow=True).content.decode()
    assert "nina@example.org is confirmed" in page
    send_waiting_mail()
    assert [m.to for m in mail.outbox][-1] == ["nina@example.org"]
    assert Notification.objects.filter(sent_at__isnull=True).count() == 0


def test_a_forged_or_expired_link_confirms_nothing(client, settings):
    nina = _sign_up(client)
    send_waiting_mail()
    path = _link_in_mail().split("127.0.0.1:8000")[-1]
    forged = path.replace("/verify/", "/verify/x")
    assert "not valid" in client.post(forged, follow=True).content.decode()
    later = timezone.now() + timezone.timedelta(days=settings.EMAIL_VERIFICATION_DAYS, hours=1)
    with time_machine.travel(later):
        assert "expired" in client.post(path, follow=True).content.decode()
    nina.refresh_from_db()
    assert nina.email_verified_at is None


def test_a_link_for_an_old_address_does_not_confirm_a_new_one(client):
    nina = _sign_up(client)
    send_waiting_mail()
    path = _link_in_mail().split("127.0.0.1:8000")[-1]
    nina.email = "someone-else@example.org"
    nina.save()
    page = client.post(path, follow=True).content.decode()
    assert "no longer has" in page
    nina.refresh_from_db()
    assert nina.email_verified_at is None


def test_changing_a_confirmed_address_means_confirming_it_again(db):
    alice = UserFactory(username="alice")
    assert alice.email_verified_at is not None
    alice = User.objects.get(pk=alice.pk)
    alice.email = "alice@elsewhere.example"
    alice.save(update_fields=["email"])
    alice.refresh_from_db()
    assert alice.email_verified_at is None


def test_asking_again_sends_a_new_link_but_not_twice_a_minute(client):
    _sign_up(client)
    answer = client.post(reverse("email_resend"), follow=True).content.decode()
    assert "a moment ago" in answer
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=2)):
        answer = client.post(reverse("email_resend"), follow=True).content.decode()
    assert "new link is on its way" in answer


def test_password_reset_mail_goes_only_to_a_proved_address(client):
    _sign_up(client, "mallory")  # signed up with an address nobody proved
    client.post(reverse("logout"))
    mail.outbox.clear()
    client.post(reverse("password_reset"), {"email": "mallory@example.org"})
    assert mail.outbox == []
    User.objects.filter(username="mallory").update(email_verified_at=timezone.now())
    client.post(reverse("password_reset"), {"email": "mallory@example.org"})
    assert len(mail.outbox) == 1 and "/accounts/reset/" in mail.outbox[0].body
