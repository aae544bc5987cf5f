"""Celery tasks: thin wrappers around services. They take ids and are idempotent."""

from celery import shared_task

from approvals.platform import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_webhook(delivery_id: int) -> str:
    """Send one webhook delivery if it is due and nobody else holds it."""
    return services.delivery_attempt(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """The safety net (beat): enqueue every delivery that is due but not being sent."""
    due = services.outbox_sweep()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)
