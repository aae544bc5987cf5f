from celery import shared_task

from accounts import services


@shared_task(ignore_result=True)
def record_lapsed_strikes() -> int:
    """Rejections not appealed within the window become strikes (beat, hourly)."""
    return services.strikes_for_lapsed_appeals()
