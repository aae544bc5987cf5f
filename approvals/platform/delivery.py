"""Sending webhooks: lease, send, record. In batches, concurrently, once, in order.

One call of `deliveries_send`:

1. **Lease**, in one statement on PostgreSQL (LEASE_SQL; elsewhere one short transaction of
   several): up to WEBHOOK_BATCH_SIZE due deliveries are selected
   `FOR UPDATE SKIP LOCKED` (a row another worker is leasing is skipped, never waited for, so
   no two workers ever lease one delivery) and marked with this call's lease token. Only the
   head of each stream is eligible: a delivery waits while an earlier one of the same post
   (or account) for the same endpoint is pending. An endpoint whose circuit is open is skipped
   until its probe time; then exactly one delivery probes it. An attempt row is written for
   each lease *before* anything is sent, so an attempt cut off by a dead worker is on record
   (the next lease marks it interrupted).
2. **Send** outside any transaction, all at once on a thread pool (one connection pool per
   thread), each through the address-checking transport.
3. **Record**, in one transaction: every attempt, delivery and endpoint updated in bulk, but
   only for deliveries this call still holds (lease token). After the commit: retries due
   within WEBHOOK_BROKER_RETRY_MAX_SECONDS, the next delivery of each stream just delivered,
   and the rest of an endpoint whose probe succeeded are queued.

The sweeper (beat) re-queues whatever is due and unleased: lost messages, dead workers, and
retries too far ahead to keep in the broker.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

import requests
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.notifications import notify_address_on_commit
from approvals import metrics
from approvals.platform.models import (
    Attempt,
    AttemptOutcome,
    Delivery,
    DeliveryStatus,
    Endpoint,
    EndpointSecret,
    Event,
    EventStream,
)
from approvals.platform.signing import signed_headers
from approvals.platform.transport import RefusedAddress, session
from config.celery import enqueue_on_commit

log = logging.getLogger(__name__)

INTERRUPTED = "The worker stopped before this attempt finished."


@dataclass
class Leased:
    delivery_id: int
    attempt_id: int
    endpoint_id: int
    url: str
    secrets: list[str]
    webhook_id: str
    body: bytes
    stream: str
    sequence: int | None
    tries: int  # attempts since the retry schedule (re)started, this one included


@dataclass
class Batch:
    token: uuid.UUID
    leased: list[Leased] = field(default_factory=list)
    probes: set[int] = field(default_factory=set)  # endpoints this batch probes


@dataclass
class Sent:
    status_code: int | None = None
    excerpt: str = ""
    error: str = ""
    retry_after: float | None = None
    latency_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def deliveries_send(
    *,
    first: int | None = None,
    endpoint_id: int | None = None,
    limit: int | None = None,
    only: bool = False,
) -> dict[str, int]:
    """Lease, send and record one batch (`first` leads it if it is eligible; with `only`,
    nothing else comes along). Returns how many were delivered, are retrying and failed.
    Safe to call any number of times: what is not due or is held elsewhere is left alone."""
    limit = 1 if only else (limit or settings.WEBHOOK_BATCH_SIZE)
    try:
        batch = _lease(first=first, endpoint_id=endpoint_id, limit=limit, only=only)
    except (OperationalError, InterfaceError):
        # A kept connection that died while idle (its server process killed): once more, on
        # a new one. Nothing was leased: the lease's transaction did not commit.
        if transaction.get_connection().in_atomic_block:
            raise
        log.warning("Leasing failed on a dead connection; trying a new one.")
        transaction.get_connection().close()
        batch = _lease(first=first, endpoint_id=endpoint_id, limit=limit, only=only)
    if not batch.leased:
        return {}
    results = _send_all(batch.leased)
    try:
        counts = _record(batch, results)
    except (OperationalError, InterfaceError):
        # The database connection died while we were sending (killed, failed over): record
        # on a fresh one, while the lease still holds, rather than send everything again.
        if transaction.get_connection().in_atomic_block:
            raise
        log.warning("Recording a batch failed on a dead connection; trying a new one.")
        close_old_connections()
        transaction.get_connection().close()
        counts = _record(batch, results)
    metrics.webhooks_recorded(counts, [sent.latency_ms for sent in results])
    if not only and len(batch.leased) == limit:
        _queue_more(endpoint_id)  # a full batch: more may be waiting
    return counts


def delivery_send(*, delivery_id: int) -> str:
    """Send this one delivery if it is due and free: what became of it ("delivered",
    "retrying", "failed"), or "skipped"."""
    counts = deliveries_send(first=delivery_id, only=True)
    return next(iter(counts), "skipped")


# --- 1. lease -----------------------------------------------------------------------------


def eligible(now: datetime):
    """Due, not leased, endpoint live with its circuit letting traffic (or a probe) through,
    and no earlier delivery of the same stream pending for the same endpoint."""
    earlier_pending = Delivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"),
        stream=OuterRef("stream"),
        sequence__lt=OuterRef("sequence"),
        status=DeliveryStatus.PENDING,
    )
    circuit_lets_through = Q(endpoint__circuit="closed") | Q(
        endpoint__circuit="open", endpoint__probe_at__lte=now
    )
    return (
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now + timedelta(seconds=1),
            endpoint__active=True,
            endpoint__platform__active=True,
        )
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .filter(circuit_lets_through)
        .filter(Q(stream="") | ~Exists(earlier_pending))
    )


def _candidates(now: datetime, *, first: int | None, endpoint_id: int | None, only: bool):
    """The deliveries a lease may take, best first: `first` (if eligible), then the longest
    due."""
    candidates = eligible(now)
    if endpoint_id is not None:
        candidates = candidates.filter(endpoint_id=endpoint_id)
    if only:
        candidates = candidates.filter(pk=first)
    order = ["next_attempt_at", "pk"]
    if first is not None:
        candidates = candidates.annotate(
            lead=Case(When(pk=first, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        order.insert(0, "lead")
    return candidates.order_by(*order)


def _lease(*, first: int | None, endpoint_id: int | None, limit: int, only: bool) -> Batch:
    if _postgres():
        return _lease_in_one_statement(first=first, endpoint_id=endpoint_id, limit=limit, only=only)
    now = timezone.now()
    batch = Batch(token=uuid.uuid4())
    with transaction.atomic():
        candidates = _candidates(now, first=first, endpoint_id=endpoint_id, only=only)
        rows = list(
            candidates.select_for_update(no_key=True, skip_locked=True, of=("self",)).values_list(
                "pk", "endpoint_id", "endpoint__circuit"
            )[:limit]
        )
        ids = _admit_probes(rows, now, batch)
        if not ids:
            return batch
        Attempt.objects.filter(delivery_id__in=ids, outcome=AttemptOutcome.SENDING).update(
            outcome=AttemptOutcome.INTERRUPTED, finished_at=now, error=INTERRUPTED
        )
        lease_until = now + timedelta(seconds=batch_deadline(len(ids)) + 10)
        Delivery.objects.filter(pk__in=ids).update(
            leased_until=lease_until, lease=batch.token, attempt_count=F("attempt_count") + 1
        )
        deliveries = list(
            Delivery.objects.filter(pk__in=ids).select_related("event", "endpoint").order_by("pk")
        )
        attempts = Attempt.objects.bulk_create(
            Attempt(delivery=d, number=d.attempt_count, started_at=now) for d in deliveries
        )
        secrets = _secrets({d.endpoint_id for d in deliveries}, now)
    batch.leased = [
        Leased(
            delivery_id=d.pk,
            attempt_id=a.pk,
            endpoint_id=d.endpoint_id,
            url=d.endpoint.url,
            secrets=secrets[d.endpoint_id],
            webhook_id=d.event.webhook_id,
            body=d.event.body.encode(),
            stream=d.stream,
            sequence=d.sequence,
            tries=d.attempt_count - d.schedule_from,
        )
        for d, a in zip(deliveries, attempts, strict=True)
    ]
    return batch


# The lease of `_lease` as one statement (PostgreSQL): atomic on its own, so no transaction
# around it, and one round trip where the steps above take eight. In order:
# - picked: the candidates (`eligible`, built by the ORM), locked, skipping rows another lease
#   holds;
# - probing: each open circuit among them whose probe time has come switches to half-open,
#   only where this statement wins that switch (a concurrent lease waits for the row, then
#   finds it half-open already);
# - chosen: the picked deliveries of closed circuits, and the first of each endpoint that
#   this statement switched to probing;
# - interrupted: attempts a dead worker left "sending" on those are marked interrupted;
# - leased: the lease itself (token, deadline as batch_deadline computes it, one more try);
# - attempts: one new attempt per leased delivery, written before anything is sent.
# The final SELECT returns what sending needs, the endpoint's live secrets included.
LEASE_SQL = """
WITH picked (id, endpoint_id, circuit, next_attempt_at, lead) AS (
    {picked} FOR NO KEY UPDATE OF {delivery} SKIP LOCKED
),
probing AS (
    UPDATE {endpoint} SET circuit = 'half_open'
    WHERE id IN (SELECT endpoint_id FROM picked WHERE circuit <> 'closed')
      AND circuit = 'open' AND probe_at <= %(now)s
    RETURNING id
),
chosen AS (
    SELECT id FROM picked WHERE circuit = 'closed'
    UNION ALL
    (SELECT DISTINCT ON (picked.endpoint_id) picked.id
       FROM picked JOIN probing ON probing.id = picked.endpoint_id
      ORDER BY picked.endpoint_id, picked.lead, picked.next_attempt_at, picked.id)
),
interrupted AS (
    UPDATE {attempt} SET outcome = %(interrupted)s, finished_at = %(now)s, error = %(why)s
    WHERE delivery_id IN (SELECT id FROM chosen) AND outcome = %(sending)s
),
leased AS (
    UPDATE {delivery} AS d
       SET lease = %(token)s, attempt_count = d.attempt_count + 1,
           leased_until = %(now)s + make_interval(secs =>
               ceil((SELECT count(*) FROM chosen)::numeric / %(concurrency)s) * %(per_round)s
               + 10)
      FROM chosen WHERE d.id = chosen.id
    RETURNING d.id, d.event_id, d.endpoint_id, d.attempt_count, d.schedule_from, d.stream,
              d.sequence
),
attempts AS (
    INSERT INTO {attempt} (delivery_id, number, outcome, started_at, response_excerpt, error)
    SELECT id, attempt_count, %(sending)s, %(now)s, '', '' FROM leased
    RETURNING id, delivery_id
)
SELECT leased.id, attempts.id, leased.endpoint_id, endpoint.url, event.uid, event.body,
       leased.stream, leased.sequence, leased.attempt_count - leased.schedule_from,
       ARRAY(SELECT secret.secret FROM {secret} AS secret
              WHERE secret.endpoint_id = leased.endpoint_id
                AND (secret.expires_at IS NULL OR secret.expires_at > %(now)s)
              ORDER BY secret.created_at DESC, secret.id DESC),
       leased.endpoint_id IN (SELECT id FROM probing)
  FROM leased
  JOIN attempts ON attempts.delivery_id = leased.id
  JOIN {endpoint} AS endpoint ON endpoint.id = leased.endpoint_id
  JOIN {event} AS event ON event.id = leased.event_id
 ORDER BY leased.id
"""


def _lease_in_one_statement(
    *, first: int | None, endpoint_id: int | None, limit: int, only: bool
) -> Batch:
    now = timezone.now()
    batch = Batch(token=uuid.uuid4())
    candidates = _candidates(now, first=first, endpoint_id=endpoint_id, only=only)
    if first is None:
        candidates = candidates.annotate(lead=Value(1, output_field=IntegerField()))
    picked, picked_params = candidates.values_list(
        "pk", "endpoint_id", "endpoint__circuit", "next_attempt_at", "lead"
    )[:limit].query.sql_with_params()
    # Named parameters throughout: the candidates' positional ones get names of their own.
    counter = itertools.count()
    picked = re.sub(r"(?<!%)%s", lambda _: f"%(p{next(counter)})s", picked)
    params = {f"p{n}": value for n, value in enumerate(picked_params)}
    quote = transaction.get_connection().ops.quote_name
    sql = LEASE_SQL.format(
        picked=picked,
        delivery=quote(Delivery._meta.db_table),
        endpoint=quote(Endpoint._meta.db_table),
        attempt=quote(Attempt._meta.db_table),
        event=quote(Event._meta.db_table),
        secret=quote(EndpointSecret._meta.db_table),
    )
    params |= {
        "now": now,
        "token": batch.token,
        "interrupted": AttemptOutcome.INTERRUPTED,
        "why": INTERRUPTED,
        "sending": AttemptOutcome.SENDING,
        "concurrency": settings.WEBHOOK_SEND_CONCURRENCY,
        "per_round": settings.WEBHOOK_TIMEOUT_SECONDS + 2,
    }
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for (
        delivery_id,
        attempt_id,
        endpoint,
        url,
        uid,
        body,
        stream,
        sequence,
        tries,
        secrets,
        probes,
    ) in rows:
        batch.leased.append(
            Leased(
                delivery_id=delivery_id,
                attempt_id=attempt_id,
                endpoint_id=endpoint,
                url=url,
                secrets=list(secrets),
                webhook_id=Event(uid=uid).webhook_id,
                body=body.encode(),
                stream=stream,
                sequence=sequence,
                tries=tries,
            )
        )
        if probes:
            batch.probes.add(endpoint)
    return batch


def _admit_probes(rows: list[tuple[int, int, str]], now: datetime, batch: Batch) -> list[int]:
    """Deliveries of closed circuits go; of each open circuit whose probe time has come, one
    goes, and only if this batch wins the switch to probing (a conditional UPDATE)."""
    ids, open_endpoints = [], {}
    for pk, endpoint_id, circuit in rows:
        if circuit == "closed":
            ids.append(pk)
        else:
            open_endpoints.setdefault(endpoint_id, pk)
    for endpoint_id, pk in open_endpoints.items():
        won = Endpoint.objects.filter(pk=endpoint_id, circuit="open", probe_at__lte=now).update(
            circuit="half_open"
        )
        if won:
            batch.probes.add(endpoint_id)
            ids.append(pk)
    return ids


def _secrets(endpoint_ids: set[int], now: datetime) -> dict[int, list[str]]:
    secrets: dict[int, list[str]] = defaultdict(list)
    live = EndpointSecret.objects.filter(endpoint_id__in=endpoint_ids).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    for endpoint_id, secret in live.order_by("-created_at", "-id").values_list(
        "endpoint_id", "secret"
    ):
        secrets[endpoint_id].append(secret)
    return secrets


# --- 2. send ------------------------------------------------------------------------------


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=settings.WEBHOOK_SEND_CONCURRENCY, thread_name_prefix="webhook"
    )


def batch_deadline(size: int) -> float:
    """Seconds a batch of `size` may take in all: its requests go out WEBHOOK_SEND_CONCURRENCY
    at a time, each allowed WEBHOOK_TIMEOUT_SECONDS (and a little to connect). The lease
    outlives it, so nobody else sends a delivery while this batch may still be on it."""
    rounds = math.ceil(size / settings.WEBHOOK_SEND_CONCURRENCY)
    return rounds * (settings.WEBHOOK_TIMEOUT_SECONDS + 2)


LATE = "No complete answer within the delivery deadline."


def _send_all(leased: list[Leased]) -> list[Sent]:
    """Send every delivery of the batch at once; what has not finished by the batch's
    deadline (a receiver that answers slowly, byte by byte) counts as failed and is retried."""
    futures = [_pool().submit(_send, item) for item in leased]
    done, _pending = wait(futures, timeout=batch_deadline(len(leased)))
    return [f.result() if f in done else Sent(error=LATE) for f in futures]


def _send(item: Leased) -> Sent:
    headers = signed_headers(item.secrets, item.webhook_id, item.body)
    started = time.perf_counter()
    sent = Sent()
    try:
        with session().post(
            item.url,
            data=item.body,
            headers=headers,
            timeout=(min(5.0, settings.WEBHOOK_TIMEOUT_SECONDS), settings.WEBHOOK_TIMEOUT_SECONDS),
            allow_redirects=False,
            stream=True,  # only a short excerpt of the answer is ever read
        ) as response:
            sent.status_code = response.status_code
            sent.retry_after = _retry_after(response)
            # Read (a bounded start of) every answer, so the connection can be used again;
            # keep an excerpt of a failed one.
            excerpt = _excerpt(response)
            if not sent.ok:
                sent.excerpt = excerpt
    except RefusedAddress as error:  # never connected: nothing of theirs to keep
        sent.error = _clean(str(error))
    except requests.RequestException as error:
        sent.error = _describe(error)
    sent.latency_ms = int((time.perf_counter() - started) * 1000)
    return sent


def _excerpt(response: requests.Response, limit: int = 65_536) -> str:
    """The start of an answer (at most `limit` bytes read), as text the database can store."""
    try:
        raw = response.raw.read(limit, decode_content=True) or b""
    except Exception:  # the answer broke off: the status says enough
        return ""
    return _clean(raw[:500].decode("utf-8", errors="replace"), limit=500)


def _clean(text: str, limit: int = 300) -> str:
    return text.replace("\x00", "")[:limit]


def _describe(error: requests.RequestException) -> str:
    """The failure in words for the platform's operators, not a traceback."""
    if isinstance(error, requests.Timeout):
        return f"No answer within {settings.WEBHOOK_TIMEOUT_SECONDS:g} s."
    if isinstance(error, requests.exceptions.SSLError):
        return "The TLS handshake failed (certificate or protocol)."
    if isinstance(error, requests.ConnectionError):
        text = str(error)
        if "Cannot resolve" in text:
            return _clean(text)
        return "Could not connect (refused, reset or unreachable)."
    return f"The request failed: {type(error).__name__}."


def _retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds on a 429 or 503: a finite number, at most a day."""
    if response.status_code not in (429, 503):
        return None
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return min(max(0.0, seconds), 86_400.0) if math.isfinite(seconds) else None


# --- 3. record ----------------------------------------------------------------------------


def _record(batch: Batch, results: list[Sent]) -> dict[str, int]:
    now = timezone.now()
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    counts: dict[str, int] = defaultdict(int)
    retry_soon: list[tuple[int, float]] = []
    delivered_streams: list[tuple[int, str, int | None]] = []
    # Deliveries that end the same way are updated together: one UPDATE per outcome.
    outcomes: dict[tuple, list[int]] = defaultdict(list)
    with transaction.atomic():
        held = set(
            Delivery.objects.select_for_update(no_key=True)
            .filter(pk__in=[i.delivery_id for i in batch.leased], lease=batch.token)
            .values_list("pk", flat=True)
        )
        health = _EndpointHealth.load({i.endpoint_id for i in batch.leased})
        for item, sent in zip(batch.leased, results, strict=True):
            health.saw(item.endpoint_id, sent)
            if item.delivery_id not in held:  # someone took it over (redelivery): theirs now
                continue
            if sent.ok:
                status, next_at = DeliveryStatus.DELIVERED, None
                if item.stream:
                    delivered_streams.append((item.endpoint_id, item.stream, item.sequence))
            elif sent.status_code == 410 or item.tries > len(schedule):
                status, next_at = DeliveryStatus.FAILED, None
            else:
                delay = max(schedule[item.tries - 1], sent.retry_after or 0)
                status, next_at = DeliveryStatus.PENDING, now + timedelta(seconds=delay)
                if delay <= settings.WEBHOOK_BROKER_RETRY_MAX_SECONDS:
                    retry_soon.append((item.delivery_id, delay))
            counts[_OUTCOME_NAMES[status]] += 1
            outcomes[(status, next_at, sent.status_code, sent.error)].append(item.delivery_id)
        _finish_attempts(batch.leased, results, now)
        for (status, next_at, status_code, error), ids in outcomes.items():
            Delivery.objects.filter(pk__in=ids).update(
                status=status,
                delivered_at=now if status == DeliveryStatus.DELIVERED else None,
                next_attempt_at=next_at,
                last_status_code=status_code,
                last_error=error,
                leased_until=None,
                lease=None,
            )
        reopened = health.save(now, probes=batch.probes)
        _queue_followers(delivered_streams)
        for delivery_id, delay in retry_soon:
            from approvals.tasks import deliver_webhook

            enqueue_on_commit(deliver_webhook, delivery_id, countdown=delay)
        for endpoint_id in reopened:
            _queue_more(endpoint_id)
    return dict(counts)


_OUTCOME_NAMES = {
    DeliveryStatus.DELIVERED: "delivered",
    DeliveryStatus.FAILED: "failed",
    DeliveryStatus.PENDING: "retrying",
}


def _finish_attempts(leased: list[Leased], results: list[Sent], now: datetime) -> None:
    """Every attempt of the batch finished, in one statement on PostgreSQL."""
    rows = [
        (
            item.attempt_id,
            AttemptOutcome.DELIVERED if sent.ok else AttemptOutcome.FAILED,
            sent.status_code,
            sent.latency_ms,
            sent.excerpt,
            sent.error,
        )
        for item, sent in zip(leased, results, strict=True)
    ]
    if not _postgres():
        Attempt.objects.bulk_update(
            [
                Attempt(
                    pk=pk,
                    outcome=outcome,
                    finished_at=now,
                    status_code=code,
                    latency_ms=ms,
                    response_excerpt=excerpt,
                    error=error,
                )
                for pk, outcome, code, ms, excerpt, error in rows
            ],
            ["outcome", "finished_at", "status_code", "latency_ms", "response_excerpt", "error"],
        )
        return
    table = connection_ops_quote(Attempt._meta.db_table)
    values = ", ".join(["(%s::bigint, %s, %s::integer, %s::integer, %s, %s)"] * len(rows))
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} AS a
                SET outcome = v.outcome, finished_at = %s, status_code = v.status_code,
                    latency_ms = v.latency_ms, response_excerpt = v.excerpt, error = v.error
                FROM (VALUES {values}) AS v(id, outcome, status_code, latency_ms, excerpt, error)
                WHERE a.id = v.id""",
            [now, *(value for row in rows for value in row)],
        )


def connection_ops_quote(name: str) -> str:
    return transaction.get_connection().ops.quote_name(name)


def _queue_followers(delivered: list[tuple[int, str, int | None]]) -> None:
    """The next pending delivery of each stream just delivered, now at the head of it. Most
    streams have nothing after what was just sent: the stream counters say which do."""
    if not delivered:
        return
    from approvals.tasks import deliver_webhook

    last = dict(
        EventStream.objects.filter(key__in={stream for _, stream, _ in delivered}).values_list(
            "key", "last_sequence"
        )
    )
    streams = Q()
    for endpoint_id, stream, sequence in delivered:
        if last.get(stream, 0) > (sequence or 0):
            streams |= Q(endpoint_id=endpoint_id, stream=stream, sequence__gt=sequence or 0)
    if not streams:
        return
    followers = Delivery.objects.filter(streams, status=DeliveryStatus.PENDING).order_by(
        "endpoint_id", "stream", "sequence"
    )
    seen = set()
    for pk, endpoint_id, stream in followers.values_list("pk", "endpoint_id", "stream"):
        if (endpoint_id, stream) not in seen:
            seen.add((endpoint_id, stream))
            enqueue_on_commit(deliver_webhook, pk)


def _queue_more(endpoint_id: int | None) -> None:
    from approvals.tasks import deliver_due

    enqueue_on_commit(deliver_due, endpoint_id)


def _postgres() -> bool:
    return transaction.get_connection().vendor == "postgresql"


# --- endpoint health: failure streaks, the circuit breaker, disabling ---------------------


class _EndpointHealth:
    """What a batch saw of each endpoint, applied to the endpoints in one go."""

    def __init__(self, endpoints: dict[int, Endpoint]):
        self.endpoints = endpoints
        self.successes: dict[int, int] = defaultdict(int)
        self.failures: dict[int, int] = defaultdict(int)
        self.gone: set[int] = set()

    @classmethod
    def load(cls, ids: set[int]) -> _EndpointHealth:
        endpoints = (
            Endpoint.objects.select_for_update(no_key=True, of=("self",))
            .select_related("platform")
            .in_bulk(ids)
        )
        return cls(endpoints)

    def saw(self, endpoint_id: int, sent: Sent) -> None:
        if sent.ok:
            self.successes[endpoint_id] += 1
        else:
            self.failures[endpoint_id] += 1
            if sent.status_code == 410:
                self.gone.add(endpoint_id)

    def save(self, now: datetime, *, probes: set[int]) -> list[int]:
        """Update each endpoint; returns the endpoints whose circuit closed again."""
        reopened = []
        for endpoint_id, endpoint in self.endpoints.items():
            was_open = endpoint.circuit != "closed"
            if self.successes[endpoint_id]:
                endpoint.last_success_at, endpoint.failure_streak = now, 0
                endpoint.failing_since, endpoint.circuit, endpoint.probe_at = None, "closed", None
                if was_open:
                    reopened.append(endpoint_id)
                    _tell_platform(endpoint, recovered=True)
            elif self.failures[endpoint_id]:
                endpoint.failure_streak += self.failures[endpoint_id]
                endpoint.failing_since = endpoint.failing_since or now
                if endpoint.failure_streak >= settings.WEBHOOK_CIRCUIT_FAILURES:
                    endpoint.circuit = "open"
                    endpoint.probe_at = now + _probe_backoff(endpoint.failure_streak)
                if endpoint_id in self.gone:
                    _disable(endpoint, "The receiver answered 410 Gone.", now)
                elif now - endpoint.failing_since > settings.WEBHOOK_DISABLE_AFTER:
                    since = f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC"
                    _disable(endpoint, f"Failing since {since}.", now)
            elif endpoint_id in probes:  # the probe's delivery was taken over: probe again
                endpoint.circuit = "open"
            endpoint.save(
                update_fields=[
                    "last_success_at",
                    "failure_streak",
                    "failing_since",
                    "circuit",
                    "probe_at",
                    "active",
                    "disabled_reason",
                    "disabled_at",
                ]
            )
        return reopened


def _probe_backoff(streak: int) -> timedelta:
    """Doubling from WEBHOOK_CIRCUIT_FIRST_PROBE_SECONDS, capped at ..._MAX_PROBE_SECONDS."""
    past = max(0, streak - settings.WEBHOOK_CIRCUIT_FAILURES)
    seconds = settings.WEBHOOK_CIRCUIT_FIRST_PROBE_SECONDS * (2 ** min(past, 20))
    return timedelta(seconds=min(seconds, settings.WEBHOOK_CIRCUIT_MAX_PROBE_SECONDS))


def _disable(endpoint: Endpoint, reason: str, now: datetime) -> None:
    endpoint.active, endpoint.disabled_reason, endpoint.disabled_at = False, reason, now
    log.warning("Webhook endpoint %s (%s) disabled: %s", endpoint.pk, endpoint.url, reason)
    _tell_platform(endpoint, recovered=False, reason=reason)


def _tell_platform(endpoint: Endpoint, *, recovered: bool, reason: str = "") -> None:
    """Mail the platform's contact and the site admins, after the commit."""
    # Through the outbox: a mail server that is down delays the alert, never loses it. The
    # platform's contact reads it in the platform's language, the site admins in the site's.
    recipients = {address: settings.LANGUAGE_CODE for _, address in settings.ADMINS}
    if endpoint.platform.contact_email:
        recipients[endpoint.platform.contact_email] = endpoint.platform.contact_language
    for address, language in recipients.items():
        with translation.override(language):
            subject, body = _alert(endpoint, recovered=recovered, reason=reason)
            notify_address_on_commit(
                to=address,
                subject=subject,
                template="endpoint_alert",
                context={"body": body},
                language=language,
            )


def _alert(endpoint: Endpoint, *, recovered: bool, reason: str) -> tuple[str, str]:
    names = {"url": endpoint.url, "id": endpoint.pk, "platform": endpoint.platform.name}
    if recovered:
        return (
            _("Webhook endpoint receiving again: %(url)s") % names,
            _("Deliveries to %(url)s succeed again; what waited is being sent now, in order.")
            % names,
        )
    return (
        _("Webhook endpoint disabled: %(url)s") % names,
        _("Endpoint %(id)s of %(platform)s was disabled.") % names
        + f" {reason}\n"
        + _(
            "Fix the receiver, re-enable the endpoint (admin, or PATCH /api/v1/endpoints/%(id)s/"
            " with active=true), then ask for a retry."
        )
        % names,
    )


# --- the safety net -----------------------------------------------------------------------


def endpoints_with_due_deliveries() -> list[int]:
    """Endpoints with deliveries that are due and that no worker holds (a lost broker
    message, a dead worker, a retry too far ahead to keep in the broker, a probe time come).
    A probe left hanging by a dead worker is released first."""
    now = timezone.now()
    probing = Delivery.objects.filter(
        endpoint_id=OuterRef("pk"), status=DeliveryStatus.PENDING, leased_until__gt=now
    )
    Endpoint.objects.filter(circuit="half_open").exclude(Exists(probing)).update(circuit="open")
    return sorted(
        set(eligible(now - settings.OUTBOX_SWEEP_GRACE).values_list("endpoint_id", flat=True))
    )
