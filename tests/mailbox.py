"""Mail in tests: what the outbox holds is sent by a task after the commit; tests that
look at the mail send it the way that task would."""

from accounts.models import Notification
from accounts.notifications import notification_send


def send_waiting_mail() -> list[str]:
    """Send every notification still waiting, as the queued tasks would; their outcomes."""
    waiting = Notification.objects.filter(sent_at__isnull=True).order_by("pk")
    return [notification_send(notification_id=pk) for pk in waiting.values_list("pk", flat=True)]


def task_sends(callbacks) -> list:
    """Of the on-commit callbacks a change left, the ones that queue a Celery task (others
    only count metrics)."""
    return [c for c in callbacks if c.__qualname__.startswith("enqueue_on_commit.")]
