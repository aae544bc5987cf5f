"""Forgetting what has aged past its use, in small batches (beat, hourly).

Each batch is its own short transaction keyed by primary key, so pruning a million rows never
holds a long lock or a long transaction; a crash loses at most one batch of work, which the
next run does again. Never touched: the audit trail, and the rows that history refers to.

- idempotency records older than IDEMPOTENCY_RETENTION_DAYS (a retry after that is a new
  request);
- attempts of finished deliveries older than ATTEMPT_RETENTION_DAYS (the delivery keeps its
  status, attempt count and last error);
- the bodies of events older than EVENT_BODY_RETENTION_DAYS whose deliveries are all finished
  (the event row, its type, post, stream and sequence stay; the feed shows `payload: null`);
- expired sessions.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from approvals.models import Attempt, Delivery, DeliveryStatus, Event, IdempotencyRecord

log = logging.getLogger(__name__)


@dataclass
class Pruned:
    idempotency_records: int = 0
    attempts: int = 0
    event_bodies: int = 0
    sessions: int = 0
    longest_batch_seconds: float = field(default=0.0, compare=False)


def _in_batches(queryset: QuerySet, batch: int, apply, result: Pruned) -> int:
    """`apply(ids)` to the rows of `queryset`, `batch` at a time, one transaction each."""
    total = 0
    while True:
        started = time.perf_counter()
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch])
            if ids:
                apply(ids)
        result.longest_batch_seconds = max(
            result.longest_batch_seconds, time.perf_counter() - started
        )
        if not ids:
            return total
        total += len(ids)


def _delete(model):
    return lambda ids: model.objects.filter(pk__in=ids).delete()


def prune(*, batch: int | None = None) -> Pruned:
    batch = batch or settings.RETENTION_BATCH_SIZE
    now = timezone.now()
    days = timedelta(days=1)
    finished = [DeliveryStatus.DELIVERED, DeliveryStatus.FAILED]
    pending = Delivery.objects.filter(event_id=OuterRef("pk"), status=DeliveryStatus.PENDING)
    result = Pruned()
    result.idempotency_records = _in_batches(
        IdempotencyRecord.objects.filter(
            created_at__lt=now - settings.IDEMPOTENCY_RETENTION_DAYS * days
        ),
        batch,
        _delete(IdempotencyRecord),
        result,
    )
    result.attempts = _in_batches(
        Attempt.objects.filter(
            started_at__lt=now - settings.ATTEMPT_RETENTION_DAYS * days,
            delivery__status__in=finished,
        ),
        batch,
        _delete(Attempt),
        result,
    )
    result.event_bodies = _in_batches(
        Event.objects.filter(created_at__lt=now - settings.EVENT_BODY_RETENTION_DAYS * days)
        .exclude(body="")
        .exclude(Exists(pending)),
        batch,
        lambda ids: Event.objects.filter(pk__in=ids).update(body=""),
        result,
    )
    result.sessions = _in_batches(
        Session.objects.filter(expire_date__lt=now), batch, _delete(Session), result
    )
    log.info("Retention pruned %s", result)
    return result
