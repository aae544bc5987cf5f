"""Approve → signed webhook received: latency over N approvals with a real worker.

Each approval goes through the real service (commit, then the task is enqueued on commit);
a real Celery worker process signs and POSTs to a real HTTP receiver on loopback. The
latency is from just before the approve call to the moment the receiver has the request.

`python -m bench.webhook_latency --embedded` measures the same on `make run`'s embedded
broker (kombu's filesystem transport) at a steady pace, as a new user clicking would.
"""

import argparse
import json
import os
import statistics
import tempfile
import time


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def run(approvals: int = 500, per_second: float | None = None, **worker_env: str) -> dict:
    from approvals import services
    from approvals.models import Desk
    from approvals.platform import services as platform_services
    from tests.e2e.processes import Worker
    from tests.factories import UserFactory, link_account
    from tests.receiver import Receiver

    receiver = Receiver().start()
    platform = platform_services.platform_create(name=f"bench-{time.time_ns()}")
    platform_services.endpoint_create(platform=platform, url=receiver.url)
    desk = Desk.objects.get(slug="general")
    author = UserFactory()
    reviewer = UserFactory(reviewer_on=[desk])
    link_account(platform=platform, user=author)
    posts = []
    for n in range(approvals):
        post = services.post_submit_for_platform(
            platform=platform,
            author=author.username,
            title=f"Bench {n}",
            body="Body.",
            category="news",
        )
        posts.append(services.post_claim(post=post, by=reviewer))

    worker = Worker(WEBHOOK_TIMEOUT_SECONDS="15", CONN_MAX_AGE="60", **worker_env)
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
            if per_second:
                time.sleep(max(0.0, started + 1 / per_second - time.perf_counter()))
    finally:
        worker.stop()
        receiver.stop()
    return {
        "approvals": approvals,
        "pace": f"{per_second:g}/s" if per_second else "as fast as they come",
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1),
    }


def main() -> None:
    """The embedded-broker measurement, in a process of its own (its broker is chosen at
    start-up from REDIS_URL, which is left unset here)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--approvals", type=int, default=150)
    parser.add_argument("--per-second", type=float, default=5.0)
    args = parser.parse_args()
    os.environ.pop("REDIS_URL", None)
    os.environ["CELERY_BROKER_DIR"] = tempfile.mkdtemp(prefix="imprimatur-broker-")
    import django

    django.setup()
    result = run(approvals=args.approvals, per_second=args.per_second, REDIS_URL="")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
