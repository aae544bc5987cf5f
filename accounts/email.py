"""Proving an email address: every notification goes to `User.email`, so none is sent until
the holder has opened a link we mailed there.

The link carries a signed, dated token naming the account and the address; it works for
EMAIL_VERIFICATION_DAYS and only while the account still has that address. Notifications
written meanwhile wait in the outbox and go out once the address is verified. The
verification mail itself goes to the address, not to the account, so it is not held back."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.languages import for_user, speaking_to
from accounts.models import Notification, User
from accounts.notifications import notify_address_on_commit, send_notification
from config.celery import enqueue_on_commit

SALT = "imprimatur.email-verification"


class BadLink(Exception):
    """The link is forged, expired, or for an address the account no longer has."""


def verification_link(user: User) -> str:
    token = signing.dumps({"user": user.pk, "email": user.email}, salt=SALT, compress=True)
    return f"{settings.SITE_URL}{reverse('email_verify', args=[token])}"


@transaction.atomic
def verification_send(*, user: User) -> None:
    """Mail the holder a link that proves the address (on sign-up, on a new address, on
    asking again)."""
    if not user.email or user.email_verified_at is not None:
        return
    with speaking_to(user):
        notify_address_on_commit(
            to=user.email,
            subject=_("Confirm your email address"),
            template="email_verification",
            context={"name": user.name, "link": verification_link(user)},
            language=for_user(user),
        )


@transaction.atomic
def email_verify(*, token: str) -> User:
    max_age = settings.EMAIL_VERIFICATION_DAYS * 24 * 3600
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise BadLink(_("This link has expired. Ask for a new one on My standing.")) from error
    except signing.BadSignature as error:
        raise BadLink(_("This link is not valid.")) from error
    user = User.objects.select_for_update().filter(pk=data.get("user")).first()
    if user is None or user.email != data.get("email"):
        raise BadLink(_("This link is for an address this account no longer has."))
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        waiting = Notification.objects.filter(user=user, sent_at__isnull=True)
        for pk in waiting.values_list("pk", flat=True):
            enqueue_on_commit(send_notification, pk)
    return user


def email_changed(user: User) -> None:
    """Call before saving a new address: it must be proved again."""
    user.email_verified_at = None


@transaction.atomic
def verification_resend(*, user: User) -> bool:
    """Another link, at most one a minute (two clicks at once send one: the account's row is
    locked while it is decided). False when one went out less than a minute ago."""
    user = User.objects.select_for_update().get(pk=user.pk)
    recent = timezone.now() - timedelta(minutes=1)
    if Notification.objects.filter(
        to=user.email, template="email_verification", created_at__gte=recent
    ).exists():
        return False
    verification_send(user=user)
    return True
