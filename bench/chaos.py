"""Faults, one scenario at a time, each under load from a platform and a reviewer over HTTP:

- the receiver goes down, then comes back;
- the worker is SIGKILLed in the middle of deliveries, then started again;
- Redis (a private redis-server) is stopped, then started again;
- the worker's PostgreSQL connections are killed (pg_terminate_backend) mid-delivery;
- two workers and one beat share one queue.

Each returns a Tally: deliveries sent, distinct webhooks delivered, duplicates (the same
webhook-id received again), lost, author emails lost, and requests answered with a 5xx.
`make chaos` runs them at full length (bench/run_chaos.py); the test suite runs short ones.
"""

from __future__ import annotations

import time

from django.db import connection

from tests.e2e.stack import Load, Stack, Tally, make_scene, settle


def _run(name: str, fault, *, warmup: float, settle_seconds: float, stack_options=None) -> Tally:
    started = time.monotonic()
    stack = Stack(**(stack_options or {}))
    tally = Tally(scenario=name)
    try:
        scene = make_scene(stack)
        load = Load(stack, scene, tally).start()
        try:
            time.sleep(warmup)
            fault(stack)
        finally:
            load.stop()
        settle(stack, scene, tally, timeout=settle_seconds)
    finally:
        stack.stop()
    tally.seconds = time.monotonic() - started
    return tally


def receiver_down(down_for: float = 120.0) -> Tally:
    def fault(stack: Stack) -> None:
        stack.receiver.stop()
        time.sleep(down_for)
        stack.receiver.start()
        time.sleep(2)

    return _run(f"receiver down {down_for:g} s", fault, warmup=2, settle_seconds=60 + down_for / 2)


def worker_killed(times: int = 3) -> Tally:
    def fault(stack: Stack) -> None:
        stack.receiver.delay = 0.5  # the worker is waiting on an answer when it dies
        for _ in range(times):
            stack.receiver.arrived.clear()
            stack.receiver.arrived.wait(timeout=20)
            stack.workers[0].kill()
            time.sleep(1)
            stack.restart_worker(0)
            time.sleep(2)
        stack.receiver.delay = 0

    return _run(f"worker SIGKILLed x{times}", fault, warmup=2, settle_seconds=90)


def redis_restarted(down_for: float = 30.0) -> Tally:
    def fault(stack: Stack) -> None:
        stack.redis.stop()
        time.sleep(down_for)
        stack.redis.start()
        time.sleep(3)

    return _run(f"Redis down {down_for:g} s", fault, warmup=3, settle_seconds=90)


def postgres_connection_killed(times: int = 5) -> Tally:
    def fault(stack: Stack) -> None:
        stack.receiver.delay = 0.3
        for _ in range(times):
            stack.receiver.arrived.clear()
            stack.receiver.arrived.wait(timeout=20)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'imprimatur-worker' AND pid <> pg_backend_pid()"
                )
            time.sleep(1)
        stack.receiver.delay = 0

    return _run(
        f"worker's PostgreSQL connections killed x{times}", fault, warmup=2, settle_seconds=90
    )


def two_workers_one_beat(for_seconds: float = 20.0) -> Tally:
    def fault(stack: Stack) -> None:
        time.sleep(for_seconds)

    return _run(
        "two workers, one beat",
        fault,
        warmup=1,
        settle_seconds=60,
        stack_options={"workers": 2, "separate_beat": True},
    )


FULL = [
    lambda: receiver_down(120),
    lambda: worker_killed(3),
    lambda: redis_restarted(30),
    lambda: postgres_connection_killed(5),
    lambda: two_workers_one_beat(30),
]
SHORT = {
    "receiver_down": lambda: receiver_down(6),
    "worker_killed": lambda: worker_killed(1),
    "redis_restarted": lambda: redis_restarted(6),
    "postgres_connection_killed": lambda: postgres_connection_killed(2),
    "two_workers_one_beat": lambda: two_workers_one_beat(6),
}


def table(tallies: list[Tally]) -> str:
    columns = [
        "scenario",
        "sent",
        "delivered",
        "duplicates",
        "lost",
        "emails_lost",
        "5xx",
        "workers_died",
    ]
    rows = [[str(t.row()[c]) for c in columns] for t in tallies]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)
