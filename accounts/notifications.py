"""Email to account holders about every decision on their posts or their account, the
in-app notifications beside them, and reviewers' opt-in queue alerts.

An outbox: `notify_on_commit` writes a Notification row in the deciding transaction and queues
the send for after the commit; `notification_send` sends it once (whoever runs it twice) and
the beat sweeper re-queues any that a lost message, a dead worker or a mail outage left unsent.
The console backend by default.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from accounts import languages
from accounts.models import InAppNotification, Notification, QueueAlert, User
from accounts.roles import holds
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


# --- in-app notifications ------------------------------------------------------------------

# The bell counts this many unread at most ("99+").
UNREAD_CAP = 99
TITLE_LIMIT = 120


def _cache(method: str, *args):
    """The shared cache (Redis) only spares the database a count: while it cannot be reached,
    counts are read from the database and nothing else changes (a decision never fails, nor
    answers 500, for want of a cached number)."""
    try:
        return getattr(cache, method)(*args)
    except Exception as error:  # the cache backend is down: degrade, do not fail
        log.warning("live counts: the cache is unreachable (%s): %s", method, error)
        return None


def unread_cache_key(user_id: int) -> str:
    return f"inbox:unread:{user_id}"


def inbox_add(*, user: User, kind: str, params: dict | None = None, url: str = "") -> None:
    """A line on `user`'s notifications page, in this transaction (beside the email that
    `notify_on_commit` queues). `kind` is a key of InAppNotification.MESSAGES; `params` plain
    strings (a post's title); the text is rendered when read, in the reader's language."""
    if kind not in InAppNotification.MESSAGES:
        raise ValueError(f"Unknown in-app notification kind: {kind}")
    params = {k: header_safe(str(v), TITLE_LIMIT) for k, v in (params or {}).items()}
    InAppNotification.objects.create(user=user, kind=kind, params=params, url=url)
    key = unread_cache_key(user.pk)
    _cache("delete", key)
    transaction.on_commit(lambda: _cache("delete", key))  # and a count read meanwhile


def inbox_of(*, user: User):
    """The user's own notifications, newest first (nobody else's, whatever the id asked)."""
    return InAppNotification.objects.filter(user=user).order_by("-created_at", "-id")


def inbox_unread_count(*, user: User) -> int:
    """Unread notifications, counted up to UNREAD_CAP + 1 (one index-only query), cached
    for a few seconds per user (marking read clears it)."""
    key = unread_cache_key(user.pk)
    count = _cache("get", key)
    if count is None:
        count = (
            InAppNotification.objects.filter(user=user, read_at__isnull=True)
            .values("pk")[: UNREAD_CAP + 1]
            .count()
        )
        _cache("set", key, count, settings.LIVE_COUNT_CACHE_SECONDS)
    return count


def inbox_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read (or all of them, with no id); how many
    changed. Another user's id changes nothing."""
    unread = InAppNotification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    changed = unread.update(read_at=timezone.now())
    _cache("delete", unread_cache_key(user.pk))
    return changed


# --- the reviewers' live waiting count -------------------------------------------------------

WAITING_CAP = 1000


def waiting_cache_key(user_id: int) -> str:
    return f"nav:waiting:{user_id}"


def waiting_count(*, user: User) -> int | None:
    """Posts waiting for a claim on the reviewer's desks (each desk counted up to
    WAITING_CAP, as on the queue page); None for someone who does not review. One query for
    the count (the desks the user serves are a subquery of it), cached per user for
    LIVE_COUNT_CACHE_SECONDS."""
    key = waiting_cache_key(user.pk)
    cached = _cache("get", key)
    if cached is not None:
        return cached if cached >= 0 else None
    count = _waiting_count(user) if holds(user, "approvals.review_post") else None
    _cache("set", key, -1 if count is None else count, settings.LIVE_COUNT_CACHE_SECONDS)
    return count


def _waiting_count(user: User) -> int:
    from django.db.models import Q

    from approvals.models import Desk, DeskGroupObjectPermission, DeskUserObjectPermission
    from approvals.selectors import waiting_counts

    direct = DeskUserObjectPermission.objects.filter(
        user=user, permission__codename="review_desk"
    ).values("content_object_id")
    through_groups = DeskGroupObjectPermission.objects.filter(
        group__user=user, permission__codename="review_desk"
    ).values("content_object_id")
    desks = Desk.objects.filter(Q(pk__in=direct) | Q(pk__in=through_groups)).order_by()
    return sum(waiting for _desk, waiting, _in_review in waiting_counts(desks=desks))


# --- reviewers' opt-in email: the oldest waiting post on a desk passed an age ----------------


def queue_alert_set(*, user: User, hours: int) -> None:
    """The reviewer's threshold (0: off). Turning it off forgets what was sent, so turning it
    on again starts afresh."""
    user.queue_alert_hours = hours
    user.save(update_fields=["queue_alert_hours"])
    if not hours:
        QueueAlert.objects.filter(user=user).delete()


def queue_alerts_check(*, now=None) -> int:
    """For every reviewer who opted in: email them (through the outbox, in their language)
    about each desk they serve whose oldest post waiting for a claim has waited at least
    their number of hours, once per crossing; re-arm desks that are back under it (or that
    they no longer serve). Safe to run twice at once: the unique (user, desk) row decides
    who sends. Returns the number of emails queued."""
    from approvals.models import Desk, Post, State
    from approvals.permissions import served_desk_ids

    now = now or timezone.now()
    reviewers = list(User.objects.filter(is_active=True, queue_alert_hours__gt=0))
    QueueAlert.objects.exclude(user__in=reviewers).delete()  # opted out, or gone
    if not reviewers:
        return 0
    oldest_waiting = (
        Post.objects.filter(desk=OuterRef("pk"), state=State.SUBMITTED)
        .order_by("submitted_at")
        .values("submitted_at")[:1]
    )
    desks = {
        desk.pk: desk
        for desk in Desk.objects.annotate(oldest=Subquery(oldest_waiting)).filter(
            oldest__isnull=False
        )
    }
    sent = 0
    for user in reviewers:
        served = served_desk_ids(user) if holds(user, "approvals.review_post") else frozenset()
        age = timedelta(hours=user.queue_alert_hours)
        due = {pk for pk in served if pk in desks and now - desks[pk].oldest >= age}
        QueueAlert.objects.filter(user=user).exclude(desk__in=due).delete()  # re-armed
        already = set(
            QueueAlert.objects.filter(user=user, desk__in=due).values_list("desk_id", flat=True)
        )
        for pk in sorted(due - already):
            sent += _queue_alert_send(user, desks[pk], now)
    return sent


def _queue_alert_send(user: User, desk, now) -> int:
    with transaction.atomic():
        _alert, created = QueueAlert.objects.get_or_create(
            user=user, desk=desk, defaults={"oldest_submitted_at": desk.oldest, "sent_at": now}
        )
        if not created:
            return 0  # another run got there first
        hours = int((now - desk.oldest).total_seconds() // 3600)
        with languages.speaking_to(user):
            notify_on_commit(
                user=user,
                subject=ngettext(
                    "%(desk)s: a post has waited %(hours)d hour",
                    "%(desk)s: a post has waited %(hours)d hours",
                    hours,
                )
                % {"desk": desk.local_name, "hours": hours},
                template="queue_alert",
                context={
                    "desk": desk.local_name,
                    "hours": hours,
                    "threshold": user.queue_alert_hours,
                    "url": f"{reverse('approvals:queue')}?desk={desk.pk}",
                    "settings_url": f"{reverse('standing')}#queue-alert",
                },
            )
    return 1
