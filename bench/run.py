"""`make bench`: runs the benchmarks against a scratch PostgreSQL database and real Redis,
prints a table and writes bench/results.json."""

import json
import os
import platform
import subprocess
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


def on_scratch_database(name: str) -> None:
    """Point this process (and every process it starts) at a fresh database `name` beside
    DATABASE_URL's, with the test settings; set Django up and migrate."""
    admin_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ["DATABASE_URL"] = scratch_database(admin_url, name)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def embedded_broker_latency(approvals: int, per_second: float) -> dict:
    """In a process of its own: the broker is chosen at start-up."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.webhook_latency", "--approvals", str(approvals),
         "--per-second", str(per_second)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"the embedded-broker run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def at_scale(admin_url: str) -> dict:
    """The pages on a seeded database (bench/scale_pages.py), when BENCH_LOAD_DATABASE names
    one (`manage.py seed_load` makes it); in a process of its own, pointed at that database."""
    name = os.environ.get("BENCH_LOAD_DATABASE", "")
    if not name:
        return {
            "skipped": "BENCH_LOAD_DATABASE is not set (seed a database with "
            "`manage.py seed_load`, then name it)"
        }
    env = {**os.environ, "DATABASE_URL": admin_url, "BENCH_LOAD_DATABASE": name}
    done = subprocess.run(
        [sys.executable, "-m", "bench.scale_pages"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        return {"skipped": f"the run on {name} failed: {done.stderr.strip()[-500:]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    admin_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
    # BENCH_DATABASE: another name, for two runs on one PostgreSQL that must not meet.
    name = os.environ.get("BENCH_DATABASE", "imprimatur_bench")
    os.environ["DATABASE_URL"] = scratch_database(admin_url, name)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ.setdefault("CONN_MAX_AGE", "60")
    # Every process of the run (workers, gunicorn) must chain audit entries with one key.
    os.environ.setdefault("AUDIT_CHAIN_KEY", "bench-audit-key")

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from bench import (
        api_throughput,
        audit_chain,
        delivery_rate,
        queue_page,
        retention,
        webhook_latency,
    )

    approvals = int(os.environ.get("BENCH_APPROVALS", 500))
    posts = int(os.environ.get("BENCH_QUEUE_POSTS", 1_000_000))
    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "approve_to_webhook": webhook_latency.run(approvals=approvals),
        "approve_to_webhook_embedded_broker": embedded_broker_latency(150, 5.0),
        "deliveries_per_worker": delivery_rate.run(deliveries=600),
        "deliveries_per_worker_slow_receiver": delivery_rate.run(
            deliveries=1000, receiver_delay=0.05
        ),
        "api_submissions": api_throughput.run(seconds=10),
        "review_queue": queue_page.run(posts=posts),
        "retention": retention.run(rows=1_000_000),
        "audit_verify": audit_chain.run(
            entries=int(os.environ.get("BENCH_AUDIT_ENTRIES", 1_000_000))
        ),
        "at_scale": at_scale(admin_url),
    }
    rows = _rows(results)
    results["summary"] = [
        dict(zip(("figure", "measured", "target", "met"), r, strict=True)) for r in rows
    ]
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table(rows))


def _rows(r: dict) -> list[tuple[str, str, str, str]]:
    def yes(ok: bool) -> str:
        return "yes" if ok else "NO"

    latency, embedded = r["approve_to_webhook"], r["approve_to_webhook_embedded_broker"]
    rate, slow = r["deliveries_per_worker"], r["deliveries_per_worker_slow_receiver"]
    api, queue, audit = r["api_submissions"], r["review_queue"], r["audit_verify"]
    rows = [
        (
            f"approve -> webhook, Redis ({latency['approvals']})",
            f"p50 {latency['p50_ms']} ms, p99 {latency['p99_ms']} ms",
            "p50 <= 20 ms, p99 <= 100 ms",
            yes(latency["p50_ms"] <= 20 and latency["p99_ms"] <= 100),
        ),
        (
            f"approve -> webhook, embedded broker ({embedded['pace']})",
            f"p50 {embedded['p50_ms']} ms, p99 {embedded['p99_ms']} ms",
            "p99 <= 1 s at 5/s",
            yes(embedded["p99_ms"] <= 1000),
        ),
        (
            "deliveries, one worker process",
            f"{rate['worker_per_s']}/s vs raw {rate['raw_loop_per_s']}/s ({rate['ratio']:.0%})",
            ">= 70 % of a raw loop",
            yes(rate["ratio"] >= 0.7),
        ),
        (
            "deliveries, 50 ms receiver",
            f"{slow['worker_per_s']}/s (raw loop {slow['raw_loop_per_s']}/s)",
            "> 200/s",
            yes(slow["worker_per_s"] > 200),
        ),
    ]
    if "skipped" in api:
        rows.append(("API submissions", api["skipped"], ">= 50 % of trivial", "-"))
    else:
        rows.append(
            (
                f"API submissions, gunicorn x{api['gunicorn_workers']}",
                f"{api['submissions_per_s']}/s vs {api['trivial_per_s']}/s ({api['ratio']:.0%}),"
                f" {api['queries_per_submission']} queries",
                ">= 50 %; <= 12 queries",
                yes(api["ratio"] >= 0.5 and api["queries_per_submission"] <= 12),
            )
        )
    rows += [
        (
            f"reviewer queue, {queue['posts']:,} posts",
            f"p50 {queue['p50_ms']} ms, p95 {queue['p95_ms']}, {queue['queries_per_page']} queries",
            "p95 <= 50 ms",
            yes(queue["met"]),
        ),
        (
            f"retention, {r['retention']['rows']:,} old attempts",
            f"{r['retention']['seconds']} s, longest batch {r['retention']['longest_batch_ms']} ms",
            "batches, no long locks",
            "-",
        ),
        (
            f"audit_verify, {audit['entries']:,} entries",
            f"{audit['verify_seconds']} s ({audit['entries_per_second']:,}/s)",
            "(measured)",
            "-",
        ),
    ]
    return rows + scale_rows(r["at_scale"])


def scale_rows(load: dict) -> list[tuple[str, str, str, str]]:
    """Rows of the seeded-database section (bench/scale_pages.py)."""
    if "skipped" in load:
        return [("pages at 10 M posts (seeded)", f"skipped: {load['skipped']}", "-", "-")]

    def yes(ok: bool) -> str:
        return "yes" if ok else "NO"

    size = f"{load['database']['posts_estimate']:,} posts"
    rows = []
    for key, label in (("queue", "reviewer queue"), ("my_posts", "my posts, busiest author")):
        if key in load:
            page = load[key]
            rows.append(
                (
                    f"{label}, {size}",
                    f"p50 {page['p50_ms']} ms, p95 {page['p95_ms']}, "
                    f"{page['queries_per_page']} queries",
                    page["target"],
                    yes(page["met"]),
                )
            )
    search = load["search"]
    if "skipped" in search:
        rows.append((f"search, {size}", f"skipped: {search['skipped']}", "p95 <= 200 ms", "-"))
    else:
        rows.append(
            (
                f"search, {size}",
                f"worst query p95 {search['worst_query_p95_ms']} ms, "
                f"page p95 {search['page_senior']['p95_ms']} ms",
                search["target"],
                yes(search["met"]),
            )
        )
    return rows


def table(rows) -> str:
    head = ("figure", "measured", "target", "met")
    widths = [max(len(head[i]), *(len(r[i]) for r in rows)) for i in range(4)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
