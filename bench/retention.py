"""Retention at scale: N old attempts (default 1,000,000) pruned in batches; the time in all
and the longest single batch (a batch is one short transaction, so that is the longest any
lock is held)."""

import time
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from approvals import retention
from approvals.models import Attempt, Delivery, DeliveryStatus
from approvals.platform import services as platform_services


def run(rows: int = 1_000_000, batch: int = 5000) -> dict:
    platform = platform_services.platform_create(name=f"retention-{time.time_ns()}")
    endpoint = platform_services.endpoint_create(platform=platform, url="http://127.0.0.1:9/x")
    with transaction.atomic():
        event = platform_services.event_record(type="post.approved", platform=platform, data={})
    delivery = Delivery.objects.get(event=event, endpoint=endpoint.endpoint)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DELIVERED)
    old = timezone.now() - timedelta(days=365)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {Attempt._meta.db_table}
                (delivery_id, number, outcome, started_at, finished_at, status_code, latency_ms,
                 response_excerpt, error)
                SELECT %s, n, 'delivered', %s, %s, 200, 3, 'ok', ''
                FROM generate_series(1, %s) AS n""",
            [delivery.pk, old, old, rows],
        )
        cursor.execute(f"ANALYZE {Attempt._meta.db_table}")
    started = time.perf_counter()
    pruned = retention.prune(batch=batch)
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "pruned_attempts": pruned.attempts,
        "batch": batch,
        "seconds": round(seconds, 1),
        "rows_per_second": round(pruned.attempts / seconds),
        "longest_batch_ms": round(pruned.longest_batch_seconds * 1000),
    }
