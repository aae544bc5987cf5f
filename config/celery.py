"""The Celery app. Settings are read from Django settings under the CELERY_ namespace."""

import logging
import logging.config
import os

from celery import Celery
from celery.signals import (
    beat_init,
    before_task_publish,
    setup_logging,
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_shutdown,
)
from django.db import close_old_connections, transaction
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("imprimatur")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# django-structlog: each task logs with the request id of the request that queued it.
app.steps["worker"].add(DjangoStructLogInitStep)

log = logging.getLogger(__name__)


@setup_logging.connect
def _same_logging_as_the_web(**kwargs) -> None:
    """Workers and beat log like web processes (JSON in production), not in Celery's own
    format."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@worker_init.connect
def _metrics_for_this_worker(**kwargs) -> None:
    """Drop samples of dead processes; with WORKER_METRICS_PORT set, serve this worker's
    metrics (its pool processes' included) there, for hosts where no web process shares its
    PROMETHEUS_MULTIPROC_DIR."""
    from config.prometheus import forget_dead_processes

    forget_dead_processes()
    port = os.environ.get("WORKER_METRICS_PORT")
    if port:
        from prometheus_client import CollectorRegistry, multiprocess, start_http_server

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        start_http_server(
            int(port), addr=os.environ.get("WORKER_METRICS_ADDRESS", "127.0.0.1"), registry=registry
        )


@worker_process_shutdown.connect
def _pool_process_gone(pid=None, **kwargs) -> None:
    from config.prometheus import process_exited

    process_exited(pid or os.getpid())


@task_prerun.connect
@task_postrun.connect
def _database_connections_as_in_a_request(sender=None, **kwargs) -> None:
    """What Django does around each request, around each task: a connection that broke (its
    server process killed, say) or outlived CONN_MAX_AGE is closed, and the next query opens a
    new one; a healthy one is kept (CELERY_DB_REUSE_MAX keeps Celery from closing it)."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return  # run in the caller's process, inside its transaction: leave its connection be
    close_old_connections()


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
