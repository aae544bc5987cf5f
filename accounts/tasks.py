from celery import shared_task

from accounts import notifications, services


@shared_task(ignore_result=True)
def record_lapsed_strikes() -> int:
    """Rejections not appealed within the window become strikes (beat, hourly)."""
    return services.strikes_for_lapsed_appeals()


@shared_task(ignore_result=True)
def check_queue_alerts() -> int:
    """Reviewers who opted in hear when a desk's oldest waiting post passes their age (beat);
    idempotent: one email per desk per crossing."""
    return notifications.queue_alerts_check()
