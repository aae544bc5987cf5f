"""Webhook deliveries per worker process, against a raw HTTP client loop to the same receiver.

N deliveries are written and queued while no worker runs; then one worker process (solo pool,
one task at a time) starts, and the time from its first to its last delivery gives its rate.
The raw loop is one requests.Session POSTing the same signed bodies, one after another.
"""

import time

import requests
from django.db import transaction

from approvals.models import Delivery, DeliveryStatus
from approvals.platform import services as platform_services
from approvals.platform.signing import signed_headers
from tests.e2e.processes import Worker, wait_for
from tests.receiver import Receiver


def run(
    deliveries: int = 500, pool: str = "solo", concurrency: int = 1, receiver_delay: float = 0.0
) -> dict:
    """One worker process (solo pool: one process, its own sending threads) against a raw
    sequential loop of the same requests to the same receiver."""
    receiver = Receiver(delay=receiver_delay).start()
    platform = platform_services.platform_create(name=f"rate-{time.time_ns()}")
    endpoint = platform_services.endpoint_create(platform=platform, url=receiver.url)

    worker = Worker(
        WEBHOOK_TIMEOUT_SECONDS="15",
        CONN_MAX_AGE="60",
        CELERY_WORKER_POOL=pool,
        CELERY_WORKER_CONCURRENCY=str(concurrency),
    )
    worker.purge()
    with transaction.atomic():
        for n in range(deliveries):
            platform_services.event_record(
                type="post.approved", platform=platform, data={"post_id": n}
            )
    ids = list(Delivery.objects.filter(endpoint=endpoint.endpoint).values_list("pk", flat=True))
    bodies = [
        d.event.body.encode() for d in Delivery.objects.filter(pk__in=ids).select_related("event")
    ]

    session = requests.Session()
    sample = bodies[:100] if receiver_delay else bodies  # a slow receiver: 100 tell enough
    started = time.perf_counter()
    for n, body in enumerate(sample):
        headers = signed_headers([endpoint.secret], f"msg_raw_{n}", body)
        session.post(receiver.url, data=body, headers=headers, timeout=15).raise_for_status()
    raw_rate = len(sample) / (time.perf_counter() - started)

    receiver.received.clear()
    worker.start()
    try:

        def done():
            return not Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).exists()

        wait_for(done, timeout=600, interval=0.2, message="all deliveries")
    finally:
        worker.stop()
        receiver.stop()
    arrivals = sorted(r.at for r in receiver.received)
    worker_rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
    return {
        "deliveries": len(ids),
        "receiver_delay_ms": int(receiver_delay * 1000),
        "pool": f"{pool} x{concurrency}",
        "worker_per_s": round(worker_rate, 1),
        "raw_loop_per_s": round(raw_rate, 1),
        "ratio": round(worker_rate / raw_rate, 2),
    }
