"""Platforms, keys, endpoints, and the outbox: recording events and queueing their delivery.
Sending is approvals.platform.delivery."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.platform.endpoint_urls import validate_endpoint_url
from approvals.platform.models import (
    ApiKey,
    Delivery,
    DeliveryStatus,
    Endpoint,
    EndpointSecret,
    Event,
    EventStream,
    EventType,
    Platform,
    PlatformAccount,
)
from approvals.platform.signing import generate_secret
from approvals.timestamps import wire_json
from config.celery import enqueue_on_commit

# --- platforms, keys, endpoints -----------------------------------------------------------


def platform_create(*, name: str) -> Platform:
    return Platform.objects.create(name=name)


@dataclass(frozen=True)
class NewApiKey:
    api_key: ApiKey
    key: str  # shown once


def api_key_create(*, platform: Platform, name: str = "") -> NewApiKey:
    prefix = secrets.token_hex(6)
    key = f"imp_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        platform=platform, name=name, prefix=prefix, key_hash=_hash(key)
    )
    return NewApiKey(api_key=api_key, key=key)


def api_key_revoke(*, api_key: ApiKey) -> None:
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_key_authenticate(*, key: str) -> ApiKey | None:
    """The live key for a presented bearer token, or None."""
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "imp":
        return None
    api_key = (
        ApiKey.objects.select_related("platform")
        .filter(prefix=parts[1], revoked_at__isnull=True, platform__active=True)
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _hash(key)):
        return None
    return api_key


def _hash(key: str) -> str:
    # Keys are 256 random bits, so a fast hash is enough: there is nothing to guess.
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: Endpoint
    secret: str  # shown once


def _event_types(event_types: list[str] | None) -> list[str]:
    unknown = sorted(set(event_types or []) - set(EventType.values))
    if unknown:
        raise ValidationError(
            {"event_types": _("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)}}
        )
    return sorted(set(event_types or []))


def endpoint_create(
    *, platform: Platform, url: str, event_types: list[str] | None = None, description: str = ""
) -> NewEndpoint:
    validate_endpoint_url(url)
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            platform=platform,
            url=url,
            event_types=_event_types(event_types),
            description=description,
        )
        secret = EndpointSecret.objects.create(endpoint=endpoint, secret=generate_secret())
    return NewEndpoint(endpoint=endpoint, secret=secret.secret)


@transaction.atomic
def endpoint_update(
    *,
    endpoint: Endpoint,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> Endpoint:
    """Change where and what an endpoint receives; `active=True` re-enables a disabled one
    (its circuit starts closed again)."""
    endpoint = Endpoint.objects.select_for_update(no_key=True).get(pk=endpoint.pk)
    if url is not None and url != endpoint.url:
        validate_endpoint_url(url)
        endpoint.url = url
    if event_types is not None:
        endpoint.event_types = _event_types(event_types)
    if description is not None:
        endpoint.description = description
    if active is True and not endpoint.active:
        _reset_health(endpoint)
        endpoint.active = True
        _queue_endpoint(endpoint.pk)  # what waited while it was off goes out now, in order
    elif active is False:
        endpoint.active, endpoint.disabled_reason = False, "Disabled by the platform."
        endpoint.disabled_at = timezone.now()
    endpoint.save()
    return endpoint


def _reset_health(endpoint: Endpoint) -> None:
    endpoint.disabled_reason, endpoint.disabled_at = "", None
    endpoint.failure_streak, endpoint.failing_since = 0, None
    endpoint.circuit, endpoint.probe_at = "closed", None


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: Endpoint, overlap: timedelta | None = None) -> str:
    """A new secret; the current ones stay valid for `overlap`, and deliveries are signed
    with all of them meanwhile, so the receiver can switch without missing a message."""
    overlap = settings.WEBHOOK_SECRET_OVERLAP if overlap is None else overlap
    if overlap < timedelta(0) or overlap > timedelta(days=30):
        raise ValidationError({"overlap_hours": _("Choose an overlap between 0 and 720 hours.")})
    until = timezone.now() + overlap
    endpoint.secrets.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=until)).update(
        expires_at=until
    )
    return EndpointSecret.objects.create(endpoint=endpoint, secret=generate_secret()).secret


@transaction.atomic
def endpoint_enable(*, endpoint: Endpoint) -> None:
    endpoint_update(endpoint=endpoint, active=True)
    endpoint_retry_now(endpoint=endpoint)


@transaction.atomic
def endpoint_retry_now(*, endpoint: Endpoint) -> int:
    """After an outage: every pending delivery to the endpoint is due now, its circuit is
    closed, and a worker starts on them (in order per post). Returns how many."""
    Endpoint.objects.filter(pk=endpoint.pk, active=True).update(
        circuit="closed", probe_at=None, failure_streak=0
    )
    pending = Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING)
    pending.filter(next_attempt_at__gt=timezone.now()).update(next_attempt_at=timezone.now())
    count = pending.count()
    _queue_endpoint(endpoint.pk)
    return count


def endpoint_test(*, endpoint: Endpoint) -> Event:
    """A `ping` event to this endpoint alone, to check the receiver and its signature."""
    with transaction.atomic():
        now = timezone.now()
        body = wire_json({"type": "ping", "timestamp": now, "data": {"endpoint_id": endpoint.pk}})
        event = Event.objects.create(type="ping", platform=endpoint.platform, body=body)
        delivery = Delivery.objects.create(event=event, endpoint=endpoint, next_attempt_at=now)
        _queue_delivery(delivery.pk)
    return event


def endpoint_secrets(*, endpoint: Endpoint, at: datetime) -> list[str]:
    """The secrets deliveries are signed with now (more than one during a rotation)."""
    return [s.secret for s in endpoint.secrets.all() if s.expires_at is None or s.expires_at > at]


def _queue_delivery(delivery_id: int) -> None:
    from approvals.tasks import deliver_webhook

    enqueue_on_commit(deliver_webhook, delivery_id)


def _queue_endpoint(endpoint_id: int | None) -> None:
    from approvals.tasks import deliver_due

    enqueue_on_commit(deliver_due, endpoint_id)


# --- the outbox ---------------------------------------------------------------------------


def next_sequence(stream: str) -> int:
    """The next number in `stream` ("post:42"), given out once, in commit order for that
    stream (the counter row stays locked until the transaction ends)."""
    table = connection.ops.quote_name(EventStream._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} ("key", last_sequence) VALUES (%s, 1)
                ON CONFLICT ("key") DO UPDATE SET last_sequence = {table}.last_sequence + 1
                RETURNING last_sequence""",
            [stream],
        )
        return cursor.fetchone()[0]


def event_record(
    *,
    type: str,
    data: dict,
    platform: Platform,
    post=None,
    stream: str = "",
    sequence: int | None = None,
) -> Event:
    """Write an event for one platform and a delivery per endpoint of it that subscribes;
    send them once committed. Call inside the transaction that makes the change, so both
    commit or neither does.

    `stream` and `sequence` order the events of one post (or account): a receiver can drop
    one older than what it has seen, and an endpoint gets them one after another."""
    now = timezone.now()
    body = {"type": type, "timestamp": now, "data": data}
    if stream:
        body["sequence"] = sequence
    event = Event.objects.create(
        type=type,
        platform=platform,
        post=post,
        stream=stream,
        sequence=sequence,
        body=wire_json(body),
    )
    # Every endpoint of the platform that subscribes, active or not: one that is paused or
    # disabled gets what it missed, in order, once it is active again.
    endpoints = Endpoint.objects.filter(platform=platform)
    deliveries = Delivery.objects.bulk_create(
        Delivery(event=event, endpoint=e, next_attempt_at=now, stream=stream, sequence=sequence)
        for e in endpoints
        if e.subscribes_to(type)
    )
    for delivery in deliveries:
        if delivery.endpoint.active:
            _queue_delivery(delivery.pk)
    return event


def live_links(*, user) -> QuerySet[PlatformAccount]:
    return PlatformAccount.objects.filter(
        user=user, revoked_at__isnull=True, platform__active=True
    ).select_related("platform")


def post_event_record(*, type: str, post, data: dict) -> list[Event]:
    """Tell the platforms that may see this post: the one that submitted it, or, for a post
    written in the browser, every platform its author is linked to; in both cases only while
    the author's link to that platform is live. Nobody else. Every event
    of one change carries the post's next sequence number."""
    links = {link.platform_id: link for link in live_links(user=post.author)}
    if post.platform_id is not None:  # while its author is still linked to it
        audience = [links[post.platform_id].platform] if post.platform_id in links else []
    else:
        audience = [link.platform for link in links.values()]
    if not audience:
        return []
    stream = f"post:{post.pk}"
    sequence = next_sequence(stream)
    events = []
    for platform in audience:
        link = links.get(platform.pk)
        author = {
            "username": post.author.username,
            "platform_user_id": link.platform_user_id if link else None,
        }
        events.append(
            event_record(
                type=type,
                platform=platform,
                post=post,
                stream=stream,
                sequence=sequence,
                data={**data, "author": author},
            )
        )
    return events


def account_event_record(*, type: str, account, data: dict) -> list[Event]:
    """Tell the platforms the account is linked to (and only those) about the account."""
    links = list(live_links(user=account))
    if not links:
        return []
    stream = f"account:{account.pk}"
    sequence = next_sequence(stream)
    return [
        event_record(
            type=type,
            platform=link.platform,
            stream=stream,
            sequence=sequence,
            data={
                **data,
                "account": {
                    "username": account.username,
                    "platform_user_id": link.platform_user_id,
                },
            },
        )
        for link in links
    ]


@transaction.atomic
def deliveries_redeliver(*, deliveries) -> int:
    """Send these deliveries again from the start of the schedule (operator or platform).
    One a worker is sending right now is left to it."""
    now = timezone.now()
    ids = list(
        deliveries.filter(endpoint__active=True)
        .exclude(status=DeliveryStatus.PENDING, leased_until__gt=now)
        .values_list("pk", flat=True)
    )
    for delivery in Delivery.objects.filter(pk__in=ids).select_for_update(no_key=True):
        delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, now
        delivery.schedule_from = delivery.attempt_count
        delivery.leased_until = delivery.lease = None
        delivery.last_error = ""
        delivery.save(
            update_fields=[
                "status",
                "next_attempt_at",
                "schedule_from",
                "leased_until",
                "lease",
                "last_error",
            ]
        )
        _queue_delivery(delivery.pk)
    return len(ids)
