"""Approve → signed webhook received: latency over N approvals with a real worker.

Each approval goes through the real service (commit, then the task is enqueued on commit);
a real Celery worker process signs and POSTs to a real HTTP receiver on loopback. The
latency is from just before the approve call to the moment the receiver has the request.
"""

import statistics
import time

from approvals import services
from approvals.models import Desk
from approvals.platform import services as platform_services
from tests.e2e.processes import Worker
from tests.factories import UserFactory
from tests.receiver import Receiver


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def run(approvals: int = 200) -> dict:
    receiver = Receiver().start()
    platform = platform_services.platform_create(name=f"bench-{time.time_ns()}")
    platform_services.endpoint_create(platform=platform, url=receiver.url)
    desk = Desk.objects.get(slug="general")
    author = UserFactory()
    reviewer = UserFactory(reviewer_on=[desk])
    posts = []
    for n in range(approvals):
        post = services.post_submit_for_platform(
            platform=platform, author=author, title=f"Bench {n}", body="Body.", category="news"
        )
        posts.append(services.post_claim(post=post, by=reviewer))

    worker = Worker(WEBHOOK_TIMEOUT_SECONDS="15")
    worker.purge()
    worker.start()
    try:
        latencies = []
        for post in posts:
            seen = len(receiver.received)
            started = time.perf_counter()
            services.post_approve(post=post, by=reviewer)
            deadline = started + 30
            while len(receiver.received) == seen and time.perf_counter() < deadline:
                time.sleep(0.0005)
            if len(receiver.received) == seen:
                raise RuntimeError(f"no webhook for post {post.pk} within 30 s")
            latencies.append((receiver.received[-1].at - started) * 1000)
    finally:
        worker.stop()
        receiver.stop()
    return {
        "approvals": approvals,
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1),
        "target": "p50 <= 100 ms, p99 <= 500 ms",
        "met": statistics.median(latencies) <= 100 and percentile(latencies, 99) <= 500,
    }
