"""Celery tasks: thin wrappers around services. They take ids and are idempotent."""

from celery import shared_task

from approvals import enforcement, oversight, retention, rollups, services
from approvals.health import heartbeat
from approvals.platform import delivery


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_webhook(delivery_id: int) -> dict:
    """Send this delivery (and, under load, other due ones with it, in one batch)."""
    return delivery.deliveries_send(first=delivery_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_due(endpoint_id: int | None = None) -> dict:
    """Send a batch of due deliveries (of one endpoint, or any)."""
    return delivery.deliveries_send(endpoint_id=endpoint_id)


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """The safety net (beat): start a sender for every endpoint with due deliveries that no
    worker holds, and resume takedowns whose next chunk was never queued."""
    heartbeat("worker")
    endpoints = delivery.endpoints_with_due_deliveries()
    for endpoint_id in endpoints:
        deliver_due.delay(endpoint_id)
    for takedown_id in enforcement.takedowns_unfinished():
        continue_takedown.delay(takedown_id)
    return len(endpoints)


@shared_task(ignore_result=True)
def prune_old_records() -> dict:
    """Forget what has aged past its use, in small batches (approvals.retention)."""
    pruned = retention.prune()
    return {k: v for k, v in pruned.__dict__.items() if k != "longest_batch_seconds"}


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def continue_takedown(takedown_id: int) -> int:
    """Revoke the next chunk of an account's live posts; queues itself for the one after."""
    return enforcement.takedown_continue(takedown_id=takedown_id)


@shared_task(ignore_result=True)
def escalate_overdue_posts() -> int:
    """Beat: escalate waiting posts past their deadline to the senior reviewers (once each)."""
    return services.posts_escalate_overdue()


@shared_task(ignore_result=True)
def release_idle_claims() -> int:
    """Beat: release claims idle longer than CLAIM_IDLE_MINUTES; return lapsed reservations
    of resubmissions to the pool."""
    return services.claims_release_idle()


@shared_task(ignore_result=True)
def sample_queue_depth() -> int:
    """Record each desk's queue depth for the oversight dashboard (beat, every
    QUEUE_SAMPLE_SECONDS); a second run in the same time bucket adds nothing."""
    return oversight.queue_depth_sample()


# A day is rolled in its own transaction: a run cut short keeps the days done before.
@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def rollup_oversight() -> int:
    """Roll up the oversight dashboard's closed days (beat, every OVERSIGHT_ROLLUP_SECONDS):
    the last OVERSIGHT_ROLLUP_REROLL_DAYS again, and days never rolled. Idempotent."""
    return len(rollups.roll_up())
