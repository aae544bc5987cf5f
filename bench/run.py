"""`make bench`: runs the benchmarks against a scratch PostgreSQL database and real Redis,
prints a table and writes bench/results.json."""

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def scratch_database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    admin_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
    os.environ["DATABASE_URL"] = scratch_database(admin_url, "imprimatur_bench")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from bench import delivery_rate, queue_page, webhook_latency

    approvals = int(os.environ.get("BENCH_APPROVALS", 200))
    posts = int(os.environ.get("BENCH_QUEUE_POSTS", 1_000_000))
    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "approve_to_webhook": webhook_latency.run(approvals=approvals),
        "review_queue": queue_page.run(posts=posts),
        "deliveries_per_worker": delivery_rate.run(deliveries=300),
    }
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")

    latency = results["approve_to_webhook"]
    measured = f"p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']}, p99 {latency['p99_ms']}"
    print()
    print(f"{'figure':<36} {'measured':<36} {'target':<28} met")
    print(f"{'-' * 36} {'-' * 36} {'-' * 28} ---")
    met = "yes" if latency["met"] else "NO"
    print(
        f"{'approve -> signed webhook received':<36} {measured:<36} {latency['target']:<28} {met}"
    )
    queue = results["review_queue"]
    measured = (
        f"p50 {queue['p50_ms']} ms, p95 {queue['p95_ms']}, {queue['queries_per_page']} queries"
    )
    met = "yes" if queue["met"] else "NO"
    print(
        f"{'reviewer queue, ' + format(queue['posts'], ',') + ' posts':<36} {measured:<36} "
        f"{'p95 <= 50 ms':<28} {met}"
    )
    rate = results["deliveries_per_worker"]
    measured = f"{rate['worker_per_s']}/s vs raw {rate['raw_loop_per_s']}/s ({rate['ratio']:.0%})"
    met = "yes" if rate["met"] else "NO"
    print(
        f"{'webhook deliveries, one worker':<36} {measured:<36} {'>= 70 % of raw loop':<28} {met}"
    )
    print(
        f"\n({latency['approvals']} approvals with a real Redis and Celery worker; "
        f"{queue['requests']} queue pages; {rate['deliveries']} deliveries; "
        "written to bench/results.json)"
    )


if __name__ == "__main__":
    main()
