"""Prometheus metrics: what operators watch.

Counted where it happens, in whichever process it happens (web or worker):
decisions by outcome, webhook attempts by outcome and their duration, screening results.
With PROMETHEUS_MULTIPROC_DIR set (the Procfile and gunicorn.conf.py do), every process of a
host writes its samples to files in that folder and /metrics adds them up, so the figures are
right however many gunicorn and Celery processes run. Request counts and latency come from
django-prometheus's middleware. Queue depth per desk and deliveries by status are read from
the database at scrape time, so they are the same from every host.

Counters move only once the transaction that did the thing commits.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from functools import cache

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

DECISIONS = Counter(
    "imprimatur_decisions",
    "Decisions on posts, by outcome (approve, reject, request_changes, overturn, uphold, revoke).",
    ["outcome"],
)
WEBHOOK_ATTEMPTS = Counter(
    "imprimatur_webhook_attempts",
    "Webhook delivery attempts, by outcome (delivered, retrying, failed).",
    ["outcome"],
)
WEBHOOK_SECONDS = Histogram(
    "imprimatur_webhook_attempt_seconds",
    "How long a webhook delivery attempt took, request sent to answer read.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30),
)
SCREENED = Counter(
    "imprimatur_screened",
    "Submissions screened, by result (flagged: the screening found news terms or sources).",
    ["result"],
)

DECISION_TRANSITIONS = {"approve", "reject", "request_changes", "overturn", "uphold", "revoke"}


def decision_made(transition: str) -> None:
    if transition in DECISION_TRANSITIONS:
        transaction.on_commit(lambda: DECISIONS.labels(transition).inc())


def screened(*, flagged: bool) -> None:
    result = "flagged" if flagged else "clear"
    transaction.on_commit(lambda: SCREENED.labels(result).inc())


def webhooks_recorded(outcomes: dict[str, int], latencies_ms: list[int | None]) -> None:
    """After a batch's outcomes are committed: how many ended each way, and how long each
    attempt took."""
    for outcome, count in outcomes.items():
        WEBHOOK_ATTEMPTS.labels(outcome).inc(count)
    for latency in latencies_ms:
        if latency is not None:
            WEBHOOK_SECONDS.observe(latency / 1000)


class FromTheDatabase:
    """What the database knows for every process and host alike, read when Prometheus
    scrapes: posts waiting per desk and state, and webhook deliveries per status."""

    def collect(self):
        from approvals.models import QUEUE_STATES, Delivery, Desk, Post

        queue = GaugeMetricFamily(
            "imprimatur_queue_depth",
            "Posts waiting for a reviewer's decision, per desk and state.",
            labels=["desk", "state"],
        )
        counts = {
            (row["desk"], row["state"]): row["n"]
            for row in Post.objects.filter(state__in=QUEUE_STATES)
            .values("desk", "state")
            .annotate(n=Count("pk"))
        }
        for desk_id, slug in Desk.objects.values_list("pk", "slug"):
            for state in QUEUE_STATES:
                queue.add_metric([slug, state], counts.get((desk_id, state), 0))
        yield queue

        deliveries = GaugeMetricFamily(
            "imprimatur_webhook_deliveries",
            "Webhook deliveries by status (pending, delivered, failed).",
            labels=["status"],
        )
        for row in Delivery.objects.values("status").annotate(n=Count("pk")).order_by():
            deliveries.add_metric([row["status"]], row["n"])
        yield deliveries


def _multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


@cache
def _networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in settings.METRICS_ALLOWED_NETWORKS)


def allowed(request: HttpRequest) -> bool:
    """A scraper shows the bearer token (METRICS_TOKEN), or comes from an allowed network."""
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks())


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        return HttpResponse("Not allowed.\n", status=403, content_type="text/plain")
    if _multiprocess():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    body = generate_latest(registry)
    queue = CollectorRegistry()
    queue.register(FromTheDatabase())
    body += generate_latest(queue)
    return HttpResponse(body, content_type=CONTENT_TYPE_PLAIN_0_0_4)
