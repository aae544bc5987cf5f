"""The Celery app. Settings are read from Django settings under the CELERY_ namespace."""

import logging
import os

from celery import Celery
from celery.signals import beat_init, before_task_publish
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("imprimatur")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)


@beat_init.connect
def _in_beat(**kwargs) -> None:
    app.is_beat = True


@before_task_publish.connect
def _beat_heartbeat(sender=None, **kwargs) -> None:
    """Beat leaves its heartbeat (for /healthz) each time it sends the outbox sweep."""
    if getattr(app, "is_beat", False) and sender == "approvals.tasks.sweep_outbox":
        from approvals.health import heartbeat

        try:
            heartbeat("beat")
        except Exception:  # the database is down: /healthz will say so anyway
            log.warning("Beat could not record its heartbeat.")


def enqueue_on_commit(task, *args, countdown: float | None = None) -> None:
    """Queue `task(*args)` once the current transaction commits.

    Everything queued this way is also on record in the database (an outbox row) and swept
    by beat, so a broker that is down costs a delay, never the work: a failed enqueue is
    logged and left to the sweeper, and the request that committed the change still answers.
    """

    def send():
        try:
            task.apply_async(args, countdown=countdown or None)
        except Exception:  # the broker is unreachable: the sweeper will find the row
            log.warning("Could not queue %s%r; the sweeper will pick it up.", task.name, args)

    transaction.on_commit(send)
