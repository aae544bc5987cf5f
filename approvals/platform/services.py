"""Platforms, keys, endpoints, and the outbox: recording events and delivering them."""

import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.core.mail import mail_admins
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from approvals.platform.endpoint_urls import validate_endpoint_url
from approvals.platform.models import (
    ApiKey,
    Attempt,
    Delivery,
    DeliveryStatus,
    Endpoint,
    EndpointSecret,
    Event,
    Platform,
)
from approvals.platform.signing import generate_secret, signed_headers

log = logging.getLogger(__name__)

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


def endpoint_create(
    *, platform: Platform, url: str, event_types: list[str] | None = None, description: str = ""
) -> NewEndpoint:
    validate_endpoint_url(url)
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            platform=platform, url=url, event_types=event_types or [], description=description
        )
        secret = EndpointSecret.objects.create(endpoint=endpoint, secret=generate_secret())
    return NewEndpoint(endpoint=endpoint, secret=secret.secret)


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: Endpoint, overlap: timedelta | None = None) -> str:
    """A new secret; the current ones stay valid for `overlap`, and deliveries are signed
    with all of them meanwhile, so the receiver can switch without missing a message."""
    overlap = settings.WEBHOOK_SECRET_OVERLAP if overlap is None else overlap
    until = timezone.now() + overlap
    endpoint.secrets.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=until)).update(
        expires_at=until
    )
    return EndpointSecret.objects.create(endpoint=endpoint, secret=generate_secret()).secret


@transaction.atomic
def endpoint_enable(*, endpoint: Endpoint) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(
        active=True, disabled_reason="", disabled_at=None, failure_streak=0, failing_since=None
    )


def endpoint_secrets(*, endpoint: Endpoint, at: datetime) -> list[str]:
    return [s.secret for s in endpoint.secrets.all() if s.expires_at is None or s.expires_at > at]


# --- the outbox ---------------------------------------------------------------------------


def event_record(*, type: str, data: dict, platform: Platform | None, post=None) -> Event:
    """Write an event and a delivery per subscribed endpoint; send them once committed.

    Call inside the transaction that makes the change, so both commit or neither does.
    """
    now = timezone.now()
    body = json.dumps(
        {"type": type, "timestamp": now.isoformat(), "data": data},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
    )
    event = Event.objects.create(type=type, platform=platform, post=post, body=body)
    endpoints = Endpoint.objects.filter(active=True, platform__active=True)
    if platform is not None:
        endpoints = endpoints.filter(platform=platform)
    deliveries = Delivery.objects.bulk_create(
        Delivery(event=event, endpoint=endpoint, next_attempt_at=now)
        for endpoint in endpoints
        if endpoint.subscribes_to(type)
    )
    for delivery in deliveries:
        _send_on_commit(delivery.pk)
    return event


def _send_on_commit(delivery_id: int, countdown: float = 0) -> None:
    from approvals.tasks import deliver_webhook

    transaction.on_commit(
        lambda: deliver_webhook.apply_async((delivery_id,), countdown=countdown or None)
    )


@transaction.atomic
def deliveries_redeliver(*, deliveries) -> int:
    """Send these deliveries again from the start of the schedule (operator or platform)."""
    ids = list(
        deliveries.filter(endpoint__active=True)
        .exclude(status=DeliveryStatus.PENDING, leased_until__gt=timezone.now())
        .values_list("pk", flat=True)
    )
    Delivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING,
        attempt_count=0,
        next_attempt_at=timezone.now(),
        leased_until=None,
        last_error="",
    )
    for delivery_id in ids:
        _send_on_commit(delivery_id)
    return len(ids)


def outbox_sweep(*, limit: int = 1000) -> list[int]:
    """Deliveries that are due but that no worker holds: a lost broker message, a dead
    worker, or a retry too far ahead to keep in the broker. Returns their ids."""
    now = timezone.now()
    due = (
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now - settings.OUTBOX_SWEEP_GRACE,
            endpoint__active=True,
        )
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return list(due)


# --- sending ------------------------------------------------------------------------------

_session = requests.Session()  # one connection pool per worker process


def delivery_attempt(*, delivery_id: int) -> str:
    """Send one delivery once, if it is due and nobody else is sending it; record the
    outcome and schedule the next attempt. Safe to call any number of times."""
    now = timezone.now()
    lease = timedelta(seconds=2 * settings.WEBHOOK_TIMEOUT_SECONDS)  # outlives the request
    claimed = (
        Delivery.objects.filter(
            pk=delivery_id,
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now + timedelta(seconds=1),
            endpoint__active=True,
        )
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .update(leased_until=now + lease)
    )
    if not claimed:
        return "skipped"

    delivery = Delivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    body = delivery.event.body.encode()
    headers = signed_headers(
        endpoint_secrets(endpoint=delivery.endpoint, at=now), delivery.event.webhook_id, body
    )
    started = time.perf_counter()
    status_code, excerpt, error, retry_after = None, "", "", None
    try:
        response = _session.post(
            delivery.endpoint.url,
            data=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        status_code, excerpt = response.status_code, response.text[:500]
        retry_after = _retry_after(response)
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    latency_ms = int((time.perf_counter() - started) * 1000)
    return _record_attempt(
        delivery_id=delivery_id,
        started_at=now,
        status_code=status_code,
        latency_ms=latency_ms,
        excerpt=excerpt,
        error=error,
        retry_after=retry_after,
    )


def _retry_after(response: requests.Response) -> float | None:
    if response.status_code not in (429, 503):
        return None
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


@transaction.atomic
def _record_attempt(
    *,
    delivery_id: int,
    started_at: datetime,
    status_code: int | None,
    latency_ms: int,
    excerpt: str,
    error: str,
    retry_after: float | None,
) -> str:
    delivery = Delivery.objects.select_for_update().select_related("endpoint").get(pk=delivery_id)
    delivery.attempt_count += 1
    Attempt.objects.create(
        delivery=delivery,
        number=delivery.attempt_count,
        started_at=started_at,
        status_code=status_code,
        latency_ms=latency_ms,
        response_excerpt=excerpt,
        error=error,
    )
    now = timezone.now()
    endpoint = delivery.endpoint
    delivery.last_status_code, delivery.last_error = status_code, error
    delivery.leased_until = None

    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryStatus.DELIVERED,
            now,
            None,
        )
        delivery.save()
        Endpoint.objects.filter(pk=endpoint.pk).update(
            last_success_at=now, failure_streak=0, failing_since=None
        )
        return "delivered"

    Endpoint.objects.filter(pk=endpoint.pk).update(
        failure_streak=F("failure_streak") + 1, failing_since=Coalesce("failing_since", now)
    )
    endpoint.refresh_from_db()
    if status_code == 410:
        _endpoint_disable(endpoint, "The receiver answered 410 Gone.")
    elif endpoint.failing_since and now - endpoint.failing_since > settings.WEBHOOK_DISABLE_AFTER:
        _endpoint_disable(endpoint, f"Failing since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC.")

    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if not endpoint.active or delivery.attempt_count > len(schedule):
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        delivery.save()
        return "failed"
    delay = max(schedule[delivery.attempt_count - 1], retry_after or 0)
    delivery.next_attempt_at = now + timedelta(seconds=delay)
    delivery.save()
    if delay <= settings.WEBHOOK_BROKER_RETRY_MAX_SECONDS:
        _send_on_commit(delivery.pk, countdown=delay)
    return "retrying"


def _endpoint_disable(endpoint: Endpoint, reason: str) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(
        active=False, disabled_reason=reason, disabled_at=timezone.now()
    )
    endpoint.active = False
    log.warning("Webhook endpoint %s (%s) disabled: %s", endpoint.pk, endpoint.url, reason)
    transaction.on_commit(
        lambda: mail_admins(
            f"Webhook endpoint disabled: {endpoint.url}",
            f"Endpoint {endpoint.pk} of {endpoint.platform_id} was disabled. {reason}\n"
            "Re-enable it in the admin once the receiver is fixed, then redeliver.",
            fail_silently=True,
        )
    )
