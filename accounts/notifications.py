"""Email to account holders about every decision on their posts or their account.

An outbox: `notify_on_commit` writes a Notification row in the deciding transaction and queues
the send for after the commit; `notification_send` sends it once (whoever runs it twice) and
the beat sweeper re-queues any that a lost message, a dead worker or a mail outage left unsent.
The console backend by default.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts import languages
from accounts.models import Notification, User
from accounts.time_zones import zone_for
from config.celery import enqueue_on_commit

log = logging.getLogger(__name__)

# After a failed send: wait this long before the sweeper tries again (then the last value).
RETRY_AFTER = [
    timedelta(seconds=30),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
]


def header_safe(text: str, limit: int = 150) -> str:
    """One line for a mail header: line breaks and runs of space become one space (a CR or
    LF in a post's title would otherwise make the subject an invalid header)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def notify_on_commit(*, user: User, subject: str, template: str, context: dict) -> None:
    """Record an email to `user` in this transaction and send it after the commit; `context`
    must be plain JSON (ids, strings, numbers). The body is written in the user's language;
    build the subject and context inside `languages.speaking_to(user)` so they are too."""
    if not user.email:
        return
    notification = Notification.objects.create(
        user=user,
        subject=header_safe(str(subject)),
        template=template,
        context=context,
        language=languages.for_user(user),
    )
    enqueue_on_commit(send_notification, notification.pk)


def notify_address_on_commit(
    *, to: str, subject: str, template: str, context: dict, language: str = ""
) -> None:
    """The same outbox, for an address that is not an account (a platform's contact, an
    operator), in `language` (else LANGUAGE_CODE)."""
    notification = Notification.objects.create(
        to=to,
        subject=header_safe(str(subject)),
        template=template,
        context=context,
        language=languages.supported(language) or settings.LANGUAGE_CODE,
    )
    enqueue_on_commit(send_notification, notification.pk)


def notification_send(*, notification_id: int) -> str:
    """Send one notification if it is still unsent; safe to call any number of times."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(no_key=True, skip_locked=True, of=("self",))
            .select_related("user")
            .filter(pk=notification_id, sent_at__isnull=True)
            .first()
        )
        if notification is None:
            return "skipped"
        user = notification.user
        if user is not None and user.is_active and user.email_verified_at is None:
            return "waiting"  # for the holder to verify the address (accounts/email.py)
        address = user.email if user is not None and user.is_active else notification.to
        if not address:
            notification.sent_at = timezone.now()
            notification.last_error = "No active address."  # for operators: not translated
            notification.save(update_fields=["sent_at", "last_error"])
            return "dropped"
        # Times in the recipient's zone, words in their language.
        with (
            timezone.override(zone_for(user)),
            translation.override(notification.language or settings.LANGUAGE_CODE),
        ):
            body = render_to_string(
                f"email/{notification.template}.txt",
                {"user": user, "site": settings.SITE_URL, **notification.context},
            )
        try:
            send_mail(header_safe(f"[Imprimatur] {notification.subject}"), body, None, [address])
        except Exception as error:  # SMTP down or refusing: try again later
            notification.attempts += 1
            notification.last_error = f"{type(error).__name__}: {error}"[:300]
            wait = RETRY_AFTER[min(notification.attempts, len(RETRY_AFTER)) - 1]
            notification.next_attempt_at = timezone.now() + wait
            notification.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            log.warning("Email %s not sent: %s", notification.pk, notification.last_error)
            return "failed"
        notification.attempts += 1
        notification.sent_at = timezone.now()
        notification.save(update_fields=["attempts", "sent_at"])
        return "sent"


def notifications_due(*, limit: int = 500) -> list[int]:
    """Unsent notifications whose time has come and that no send is already on its way for."""
    cutoff = timezone.now() - settings.OUTBOX_SWEEP_GRACE
    return list(
        Notification.objects.filter(sent_at__isnull=True, next_attempt_at__lte=cutoff)
        .exclude(user__is_active=True, user__email_verified_at__isnull=True)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_notification(notification_id: int) -> str:
    return notification_send(notification_id=notification_id)


@shared_task(ignore_result=True)
def sweep_notifications() -> int:
    """The safety net (beat): queue every unsent notification that is due."""
    due = notifications_due()
    for notification_id in due:
        send_notification.delay(notification_id)
    return len(due)
